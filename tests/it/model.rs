//! Model semantics that users rely on (docs/model.md): shifts, priority windows, hand-over,
//! retrials, pluggable routers, roster warnings, rate tables.

use std::path::Path;

use d11sim::class::Class;
use d11sim::engine::SimTime;
use d11sim::kpi::{ClassKpi, Kpi};
use d11sim::model::{run_replication, run_with_router};
use d11sim::replicate::{self, RunConfig, RunResults};
use d11sim::routing::{AgentId, AgentSnapshot, Router};
use d11sim::scenario::Scenario;

use crate::common;

fn scenario(toml: &str) -> Scenario {
    Scenario::from_toml(toml, "test.toml", Path::new(".")).unwrap_or_else(|e| panic!("{e}"))
}

fn run(sc: &Scenario, replications: u64, seed: u64) -> RunResults {
    replicate::run(
        sc,
        RunConfig {
            replications,
            seed,
            threads: common::threads(),
        },
    )
}

const SHIFT_START: &str = r#"
name = "shift start"
start = "11-10 18:00"
end = "11-10 22:00"
[arrivals]
constant_per_hour = 30
[conversation]
model = "sessions"
work = { dist = "fixed", value_s = 10 }
[patience.first_reply]
default = { dist = "never" }
[[groups]]
name = "agents"
count = 50
max_chats = 1
shifts = [["11-10 20:00", "11-10 22:00"]]
"#;

#[test]
fn waiting_customers_are_assigned_as_soon_as_a_shift_starts() {
    let sc = scenario(SHIFT_START);
    for seed in 0..5 {
        let r = run_replication(&sc, seed, 0);
        let c = &r.counters;
        let before: u64 = r.intervals[..8].iter().map(|row| row.counts.arrived).sum();
        assert!(before > 20, "seed {seed}: {before} arrivals before 20:00");
        // 留言率: exactly the arrivals before anyone was on duty
        assert_eq!(c.outside_hours, before, "seed {seed}");
        assert_eq!(c.waited, before, "seed {seed}");
        // the first quarter hour's customers waited until 20:00, not longer
        let p90 = r.intervals[0].first_response_p90_s.unwrap();
        assert!((6300.0..=7260.0).contains(&p90), "seed {seed}: p90 {p90}");
        // at most 50 at once, then the rest within a few 10-second rounds
        let max = r.histograms.first_response_ms.max() as f64 / 1e3;
        assert!(
            max <= 7200.0 + 40.0,
            "seed {seed}: max first response {max}"
        );
        assert_eq!(c.served, c.arrived);
    }
}

const SHIFT_END: &str = r#"
name = "shift end"
start = "11-10 18:00"
end = "11-10 19:00"
[arrivals]
constant_per_hour = 600
[conversation]
model = "sessions"
work = { dist = "fixed", value_s = 120 }
[patience.first_reply]
default = { dist = "exponential", mean_s = 600 }
[[groups]]
name = "agents"
count = 10
max_chats = 1
shifts = [["11-10 18:00", "11-10 18:30"]]
"#;

#[test]
fn agents_finish_held_chats_after_their_shift_and_take_no_new_ones() {
    let sc = scenario(SHIFT_END);
    for seed in 0..5 {
        let r = run_replication(&sc, seed, 0);
        let c = &r.counters;
        // every chat that started also ended normally, after its full 120 s of work
        assert_eq!(c.conversations_ended, c.served, "seed {seed}");
        assert!(
            (c.duration_sum_s / c.served as f64 - 120.0).abs() < 1e-6,
            "seed {seed}"
        );
        // nobody arriving after 18:30 was served; they all abandoned
        assert_eq!(
            r.intervals[2].counts.served + r.intervals[3].counts.served,
            0,
            "seed {seed}"
        );
        assert_eq!(c.served + c.abandoned, c.arrived);
        // agents still finishing at 18:30 count as on duty; by 18:45 they are gone
        assert_eq!(r.intervals[1].counts.agents_on_duty, 10, "seed {seed}");
        assert_eq!(r.intervals[2].counts.agents_on_duty, 0, "seed {seed}");
    }
}

#[test]
fn chats_held_past_a_shift_keep_slot_occupancy_within_one() {
    // each agent takes one hour-long chat at once and holds it half an hour past its shift
    let sc = scenario(&SHIFT_END.replace("value_s = 120", "value_s = 3600"));
    for seed in 0..5 {
        let r = run_replication(&sc, seed, 0);
        let occupancy = Kpi::SlotOccupancy.value(&r).expect("slots were staffed");
        // slots staffed: 10 for the shift's half hour, then the 10 chats still held; every
        // one holds a chat from its first minutes (counting the overtime chats against the
        // shift's slots alone would read about 200%)
        assert!(occupancy <= 1.0 + 1e-12, "seed {seed}: {occupancy}");
        assert!(occupancy > 0.98, "seed {seed}: {occupancy}");
    }
}

const PRIORITY: &str = r#"
name = "priority"
start = "11-10 18:00"
end = "11-10 22:00"
warmup_h = 0.5
[arrivals]
constant_per_hour = 400
[[arrivals.mix]]
from = "11-10 18:00"
pre_sale = 0.5
in_sale = 0.0
after_sale = 0.5
[conversation]
model = "sessions"
work = { dist = "exponential", mean_s = 180 }
[patience.first_reply]
default = { dist = "exponential", mean_s = 120 }
[[groups]]
name = "agents"
count = 18
max_chats = 1
"#;

#[test]
fn priority_window_serves_pre_sale_first() {
    let window = "[[routing.priority]]\nfrom = \"11-10 18:00\"\nto = \"11-10 22:00\"\norder = [\"pre_sale\"]\n";
    let with = run(
        &scenario(&format!(
            "{PRIORITY}{}",
            window.replace("[[routing", "\n[[routing")
        )),
        10,
        1,
    );
    let without = run(&scenario(PRIORITY), 10, 1);
    let ab = |r: &RunResults, c| r.class_kpi(c, ClassKpi::AbandonmentRate).cloned().unwrap();
    let (pre, after) = (ab(&with, Class::PreSale), ab(&with, Class::AfterSale));
    assert!(
        pre.ci_high < after.ci_low,
        "with priority: pre-sale {pre:?} vs after-sale {after:?}"
    );
    let (pre, after) = (ab(&without, Class::PreSale), ab(&without, Class::AfterSale));
    assert!(
        pre.ci_high >= after.ci_low && after.ci_high >= pre.ci_low,
        "FCFS: pre {pre:?} vs after {after:?}"
    );
}

const HANDOVER: &str = r#"
name = "handover"
start = "11-10 18:00"
end = "11-10 20:00"
[arrivals]
constant_per_hour = 60
[[arrivals.mix]]
from = "11-10 18:00"
pre_sale = 0.0
in_sale = 0.0
after_sale = 1.0
[conversation]
model = "messages"
customer_messages = { dist = "fixed", value = 4 }
effort = { dist = "fixed", value_s = 5 }
think = { dist = "fixed", value_s = 5 }
[patience.first_reply]
default = { dist = "never" }
[routing.handover]
share = 1.0
replies_min = 1
replies_max = 2
[[groups]]
name = "pre"
count = 20
skills = ["pre_sale"]
max_chats = 3
[[groups]]
name = "after"
count = 20
skills = ["after_sale"]
max_chats = 3
"#;

#[test]
fn pre_sale_agents_hand_after_sale_questions_over_without_losing_messages() {
    let sc = scenario(HANDOVER);
    let r = run_replication(&sc, 3, 0);
    let c = &r.counters;
    assert!(c.arrived > 50);
    assert_eq!(
        c.handovers, c.arrived,
        "every after-sale question came in through pre-sale"
    );
    assert_eq!(c.served, c.arrived);
    assert_eq!(c.customer_messages, 4 * c.arrived, "{c:?}");
    assert_eq!(c.replies, 4 * c.arrived, "{c:?}");
    assert!(
        r.groups.iter().all(|g| g.working_s > 0.0),
        "both teams worked: {:?}",
        r.groups
    );
}

#[test]
fn retrials_bring_customers_back_and_raise_the_reply_rate() {
    let retry = "\n[patience.retrial]\nprobability = 1.0\ndelay = { dist = \"uniform\", min_s = 60, max_s = 300 }\nmax_attempts = 3\n";
    let insert_at = PRIORITY.find("[[groups]]").unwrap();
    let with_text = format!(
        "{}{retry}\n{}",
        &PRIORITY[..insert_at],
        &PRIORITY[insert_at..]
    );
    let with = run(&scenario(&with_text), 20, 2);
    let without = run(&scenario(PRIORITY), 20, 2);
    assert!(with.replications.iter().all(|r| r.counters.retrials > 0));
    // common random numbers: the same customers arrive in both runs, so compare pairs
    let rate = |r: &RunResults, i: usize| r.kpi(Kpi::ReplyRate).values[i].unwrap();
    let diff =
        d11sim::stats::Estimate::from_values((0..20).map(|i| rate(&with, i) - rate(&without, i)))
            .unwrap();
    assert!(diff.ci_low > 0.0, "reply rate gain from retrials {diff:?}");
}

/// A router of the test's own: the available agent with the highest id.
struct HighestId {
    available: Vec<bool>,
}

impl Router for HighestId {
    fn name(&self) -> &str {
        "highest_id"
    }
    fn agent_changed(&mut self, agent: AgentId, s: &AgentSnapshot, _now: SimTime) {
        self.available[agent as usize] = s.available;
    }
    fn route(&mut self, _class: Class, _now: SimTime) -> Option<AgentId> {
        self.available
            .iter()
            .rposition(|a| *a)
            .map(|i| i as AgentId)
    }
}

/// A broken router: always agent 0, busy or not.
struct AlwaysZero;

impl Router for AlwaysZero {
    fn name(&self) -> &str {
        "always_zero"
    }
    fn agent_changed(&mut self, _: AgentId, _: &AgentSnapshot, _: SimTime) {}
    fn route(&mut self, _: Class, _: SimTime) -> Option<AgentId> {
        Some(0)
    }
}

#[test]
fn an_engineers_own_router_plugs_in() {
    let sc = scenario(PRIORITY);
    let r = run_with_router(
        &sc,
        1,
        0,
        Box::new(HighestId {
            available: vec![false; sc.agents()],
        }),
    )
    .expect("within the memory budget");
    assert!(r.counters.served > 0);
    assert_eq!(r.counters.served + r.counters.abandoned, r.counters.arrived);
    // with identical agents holding one chat each, any router that never idles an agent
    // while someone waits gives the same queue: same waits, same outcomes as least-loaded
    let ll = run_replication(&sc, 1, 0);
    assert_eq!(
        (r.counters.arrived, r.counters.waited, r.counters.served),
        (ll.counters.arrived, ll.counters.waited, ll.counters.served)
    );
    assert_eq!(r.counters.wait_served_sum_s, ll.counters.wait_served_sum_s);
}

#[test]
#[should_panic(expected = "cannot take")]
fn a_router_that_picks_a_busy_agent_is_caught() {
    let sc = scenario(PRIORITY);
    let _ = run_with_router(&sc, 1, 0, Box::new(AlwaysZero));
}

#[test]
fn shifts_over_twelve_hours_are_reported() {
    let long = SHIFT_START.replace(
        r#"[["11-10 20:00", "11-10 22:00"]]"#,
        r#"[["11-10 18:00", "11-11 00:00"], ["11-11 00:00", "11-11 07:00"]]"#,
    );
    let sc = scenario(&long);
    assert_eq!(sc.warnings.len(), 1, "{:?}", sc.warnings);
    assert!(
        sc.warnings[0].contains("13.0 h") && sc.warnings[0].contains("12 h"),
        "{:?}",
        sc.warnings
    );
    assert!(scenario(SHIFT_START).warnings.is_empty());
}

#[test]
fn an_inline_table_sets_the_rate_until_the_next_row() {
    let table = SHIFT_START.replace(
        "constant_per_hour = 30",
        "base_per_hour = 60\ntable = [[\"11-10 18:30\", 1.0], [\"11-10 19:00\", 3.0], [\"11-10 21:00\", 0.5]]",
    );
    let sc = scenario(&table);
    // 0 before 18:30, then 60/h for 0.5 h, 180/h for 2 h, 30/h for 1 h
    assert!((sc.arrivals.curve.expected_total() - (30.0 + 360.0 + 30.0)).abs() < 1e-9);
    assert_eq!(sc.arrivals.curve.rate_at(600.0), 0.0);
}

/// Two groups of five agents (veterans, then `second`), each with the extra keys given,
/// taking `per_hour` chats of one minute's work; nobody leaves.
fn two_groups(
    per_hour: u32,
    max_chats: u32,
    veterans: &str,
    second: &str,
    extra: &str,
) -> Scenario {
    scenario(&format!(
        r#"
name = "two groups"
start = "11-10 18:00"
end = "11-10 22:00"
[arrivals]
constant_per_hour = {per_hour}
[conversation]
model = "sessions"
work = {{ dist = "fixed", value_s = 60 }}
[patience.first_reply]
default = {{ dist = "never" }}
[[groups]]
name = "veterans"
count = 5
max_chats = {max_chats}
{veterans}
[[groups]]
name = "{second}"
count = 5
max_chats = {max_chats}
{extra}
"#
    ))
}

/// 分流: veterans in tier 0 with a soft cap of 2, temps in tier 1 as overflow.
fn tiered(per_hour: u32) -> Scenario {
    two_groups(per_hour, 4, "soft_cap = 2", "temps", "routing_tier = 1")
}

#[test]
fn an_overflow_tier_takes_chats_only_past_the_first_tiers_soft_cap() {
    use d11sim::kpi::GroupKpi;
    // one chat a minute of a minute's work: ten veteran slots below the soft cap are
    // never all held at once (P < 1e-7), so the temps take nothing
    let light = run(&tiered(60), 5, 3);
    let chats = |r: &RunResults, g| r.group_kpi(g, GroupKpi::Chats).unwrap().mean;
    assert!(chats(&light, 0) > 200.0, "{}", chats(&light, 0));
    assert_eq!(chats(&light, 1), 0.0);
    // fifteen Erlangs: past the ten soft-cap slots the temps take the overflow, and the
    // veterans go past their soft cap only when the temps are full, which is rare
    let heavy = run(&tiered(900), 5, 3);
    assert!(
        chats(&heavy, 1) > 0.2 * chats(&heavy, 0),
        "{}",
        chats(&heavy, 1)
    );
    let conc = |g| heavy.group_kpi(g, GroupKpi::MeanConcurrency).unwrap().mean;
    assert!(conc(0) > 1.5 && conc(0) < 2.1, "veterans {}", conc(0));
    assert!(conc(1) > 0.8, "temps {}", conc(1));
}

#[test]
fn a_heavier_routing_weight_holds_more_chats_per_agent() {
    use d11sim::kpi::GroupKpi;
    let sc = two_groups(3600, 20, "routing_weight = 2", "new_hires", "");
    let r = run(&sc, 5, 4);
    let conc = r.group_values(0, GroupKpi::MeanConcurrency);
    let new = r.group_values(1, GroupKpi::MeanConcurrency);
    for (v, n) in conc.iter().zip(&new) {
        let (v, n) = (v.unwrap(), n.unwrap());
        // sixty Erlangs on ten agents: about 8 and 4 chats each at weights 2:1
        assert!(v > 1.7 * n && v < 2.3 * n, "{v} vs {n}");
    }
}

#[test]
fn a_group_at_a_small_weight_takes_a_full_share_from_its_set_time() {
    let sc = two_groups(
        3600,
        20,
        "",
        "new_hires",
        "routing_weight = 0.25\nfull_share_from = \"11-10 20:00\"",
    );
    for seed in 0..3 {
        let r = run_replication(&sc, seed, 0);
        // open chats x seconds of each group over 18:30-20:00 and 20:30-22:00
        let chats = |g: usize, ks: std::ops::Range<usize>| -> f64 {
            ks.map(|k| r.groups[g].by_interval[k][1]).sum()
        };
        let (before, after) = (
            chats(1, 2..8) / chats(0, 2..8),
            chats(1, 10..16) / chats(0, 10..16),
        );
        // sixty Erlangs: about 12 and 3 chats each at weights 1 : 0.25, then 6 and 6
        assert!(
            before > 0.15 && before < 0.35,
            "seed {seed}: before {before}"
        );
        assert!(after > 0.85 && after < 1.15, "seed {seed}: after {after}");
    }
}
