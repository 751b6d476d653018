//! Conservation: every counted customer ends served or abandoned once the run has drained,
//! per replication and per arrival interval, over many seeds and both models.

use d11sim::model::run_replication;
use d11sim::scenario::file::{DurationFile, RetrialFile};

use crate::common;

fn assert_conserved(sc: &d11sim::scenario::Scenario, seeds: std::ops::Range<u64>) {
    for seed in seeds {
        let r = run_replication(sc, seed, 0);
        let c = &r.counters;
        assert!(c.arrived > 0, "seed {seed}: nobody arrived");
        assert_eq!(
            c.unresolved_at_end, 0,
            "seed {seed}: customers left in the system"
        );
        assert_eq!(
            c.arrived,
            c.served + c.abandoned + c.unresolved_at_end,
            "seed {seed}: {c:?}"
        );
        for (k, row) in r.intervals.iter().enumerate() {
            assert_eq!(
                row.counts.arrived,
                row.counts.served + row.counts.abandoned,
                "seed {seed}, interval {k}: {row:?}"
            );
            assert_eq!(
                row.counts.waiting,
                row.counts.waiting.max(0),
                "negative queue"
            );
        }
        assert!(
            c.attempts >= c.arrived && c.retrials == c.attempts - c.arrived,
            "seed {seed}: {c:?}"
        );
    }
}

#[test]
fn default_scenario_conserves_customers() {
    // messages model with retrials, silent abandonment, hand-overs and shift changes
    let mut raw = common::raw_scenario("double11.toml");
    raw.arrivals.base_per_hour = Some(60.0);
    let sc = common::validate(&raw);
    assert_conserved(&sc, 0..20);
}

#[test]
fn overloaded_sessions_with_ghosts_and_retrials_conserve_customers() {
    let mut raw = common::raw_scenario("erlang_a.toml");
    raw.end = "01-02 00:00".into();
    raw.warmup_h = 2.0;
    raw.interval_min = 60.0;
    raw.arrivals.constant_per_hour = Some(1500.0); // 1.5x the agents' capacity
    raw.patience.silent_share = 0.5;
    raw.patience.retrial = Some(RetrialFile {
        probability: 0.4,
        delay: DurationFile {
            dist: "uniform".into(),
            min_s: Some(60.0),
            max_s: Some(600.0),
            ..Default::default()
        },
        patience_factor: 0.7,
        max_attempts: 3,
    });
    raw.groups[0].max_chats = 3;
    raw.conversation.speed = Some(vec![1.0, 0.7, 0.5]);
    let sc = common::validate(&raw);
    assert_conserved(&sc, 0..20);
}
