//! Conservation: every counted customer ends served (by an agent or the bot) or abandoned
//! once the run has drained, per replication and per arrival interval, over many seeds and both models.

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
        // every customer ends served by an agent, resolved by the bot, or abandoned
        assert_eq!(
            c.arrived,
            c.served + c.deflected + c.abandoned + c.unresolved_at_end,
            "seed {seed}: {c:?}"
        );
        // a customer received by a human is replied to (while there or after leaving),
        // closed unanswered by the platform, or took its message along
        assert_eq!(c.first_replies, c.served + c.replied_after_leaving);
        assert!(c.replied_after_leaving <= c.abandoned, "seed {seed}: {c:?}");
        assert!(c.first_replies <= c.received, "seed {seed}: {c:?}");
        for k in &c.by_class {
            assert_eq!(
                k.arrived,
                k.served + k.deflected + k.abandoned,
                "seed {seed}: {k:?}"
            );
        }
        for (k, row) in r.intervals.iter().enumerate() {
            assert_eq!(
                row.counts.arrived,
                row.counts.served + row.counts.deflected + row.counts.abandoned,
                "seed {seed}, interval {k}: {row:?}"
            );
            assert!(
                row.counts.replied <= row.counts.received,
                "seed {seed}, interval {k}: {row:?}"
            );
            assert_eq!(
                row.counts.waiting,
                row.counts.waiting.max(0),
                "negative queue"
            );
        }
        // attempts at the agents: everyone not finished at the bot, plus every retrial
        assert_eq!(
            c.attempts + c.deflected + c.abandoned_at_bot,
            c.arrived + c.retrials,
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

#[test]
fn outages_with_reassignment_and_disconnects_conserve_customers() {
    // the default's bot and network, the office down at the spike with its chats moved to
    // other agents after 60 s, and frequent disconnects everywhere
    let mut raw = common::raw_scenario("double11.toml");
    raw.arrivals.base_per_hour = Some(120.0);
    let net = raw.network.as_mut().unwrap();
    net.outages = vec![d11sim::scenario::file::OutageFile {
        site: "office".into(),
        from: "11-10 23:50".into(),
        to: "11-11 00:30".into(),
        reassign_after_s: Some(60.0),
    }];
    for s in &mut net.sites {
        s.disconnects_per_hour = 2.0;
        s.relogin = Some(DurationFile {
            dist: "uniform".into(),
            min_s: Some(30.0),
            max_s: Some(120.0),
            ..Default::default()
        });
    }
    let sc = common::validate(&raw);
    assert_conserved(&sc, 0..10);
    let r = d11sim::model::run_replication(&sc, 3, 0);
    assert!(
        r.counters.reassigned > 0 && r.counters.disconnects > 0,
        "{:?}",
        r.counters
    );
}
