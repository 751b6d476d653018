//! The `sessions` model against exact stationary values (tests/data/reference/), following
//! the reference's protocol: R = 30 independent replications, each a long run after a
//! warm-up of 15 relaxation times; per metric z = (mean - exact) / (sd / sqrt(R)); a case
//! passes when |z| <= 3 for every metric, and a failing case is re-run once with 4x the
//! replications and new seeds, which decides. Exact probabilities (or their complements)
//! far below 1 / (customers simulated) are checked as "observed (almost) never" instead.
//!
//! Conditional metrics (wait | served, wait | abandoned, service level | served) use the
//! pooled ratio estimator sum(numerators) / sum(denominators) over replications, with the
//! replication-clustered delta-method standard error: a per-replication ratio is biased
//! when its denominator is small (congested replications have both more abandoners and
//! longer waits), which matters where abandonment is rare. Where fewer than 100
//! conditioning events are expected in the whole run, such a metric is not tested.

use d11sim::kpi::Kpi;
use d11sim::replicate::{self, RunConfig, RunResults};
use d11sim::scenario::ScenarioFile;
use d11sim::scenario::file::DurationFile;
use serde_json::Value;

use crate::common;

const REPLICATIONS: u64 = 30;
/// Customers per replication (at least), so every case has a comparable budget.
const CUSTOMERS: f64 = 100_000.0;
/// Fewest expected conditioning events (whole run) for testing a conditional metric.
const MIN_CONDITIONING_EVENTS: f64 = 100.0;

struct Case {
    id: String,
    agents: i64,
    cap: i64,
    lambda: f64,
    mean_patience_s: Option<f64>,
    /// Waiting-room places (M/M/c/(c+w)); `None`: an unlimited line.
    max_queue: Option<i64>,
    relaxation_s: f64,
    exact: Vec<(Kpi, f64)>,
}

fn load(file: &str) -> Value {
    let path = common::root().join("tests/data/reference").join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).expect("reference JSON")
}

fn cases(file: &str, metrics: &[(&str, Kpi)]) -> Vec<Case> {
    let doc = load(file);
    doc["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .map(|c| {
            let p = &c["params"];
            Case {
                id: c["id"].as_str().expect("id").to_string(),
                agents: p["c"].as_i64().expect("c"),
                cap: 1,
                lambda: p["arrival_rate_per_s"].as_f64().expect("lambda"),
                mean_patience_s: p["mean_patience_s"].as_f64(),
                max_queue: None,
                relaxation_s: c["relaxation_time_s"].as_f64().expect("relaxation time"),
                exact: metrics
                    .iter()
                    .map(|(name, kpi)| (*kpi, c["metrics"][*name].as_f64().expect("metric")))
                    .collect(),
            }
        })
        .collect()
}

/// The pure-queueing scenario set up as `case`.
fn scenario(case: &Case) -> ScenarioFile {
    let mut raw = common::raw_scenario("erlang_a.toml");
    raw.arrivals.constant_per_hour = Some(case.lambda * 3600.0);
    raw.groups[0].count = case.agents;
    raw.groups[0].max_chats = case.cap;
    raw.patience.first_reply.default = Some(match case.mean_patience_s {
        Some(m) => DurationFile {
            dist: "exponential".into(),
            mean_s: Some(m),
            ..Default::default()
        },
        None => DurationFile {
            dist: "never".into(),
            ..Default::default()
        },
    });
    if let Some(w) = case.max_queue {
        raw.routing.max_queue = Some(w);
        raw.routing.queue_overflow = "busy".into();
    }
    let warmup_s = (15.0 * case.relaxation_s).max(3600.0);
    let measure_s = (60.0 * case.relaxation_s).max(CUSTOMERS / case.lambda);
    // whole minutes, within one calendar year from 01-01 00:00
    let end_min = ((warmup_s + measure_s) / 60.0).ceil().min(364.0 * 1440.0);
    let cal = d11sim::scenario::clock::Calendar::new(
        d11sim::scenario::clock::ClockTime::parse("01-01 00:00").unwrap(),
    );
    raw.end = cal.format(d11sim::engine::SimTime::from_secs(end_min as u64 * 60));
    raw.warmup_h = warmup_s / 3600.0;
    raw.interval_min = end_min; // one series row: the tests need none
    raw
}

fn simulate(raw: &ScenarioFile, replications: u64, seed: u64) -> RunResults {
    let sc = common::validate(raw);
    replicate::run(
        &sc,
        RunConfig {
            replications,
            seed,
            threads: common::threads(),
        },
    )
}

/// Per replication (numerator, denominator) of a conditional metric, if `kpi` is one.
fn ratio_parts(kpi: Kpi, r: &RunResults) -> Option<Vec<(f64, f64)>> {
    let parts = |f: &dyn Fn(&d11sim::metrics::Counters) -> (f64, f64)| {
        r.replications.iter().map(|x| f(&x.counters)).collect()
    };
    let ab = |c: &d11sim::metrics::Counters| (c.abandoned + c.retrials) as f64;
    match kpi {
        Kpi::MeanWaitServedS => Some(parts(&|c| (c.wait_served_sum_s, c.attempts as f64 - ab(c)))),
        Kpi::MeanWaitAbandonedS => Some(parts(&|c| (c.wait_abandoned_sum_s, ab(c)))),
        Kpi::ServiceLevelServed => Some(parts(&|c| {
            (c.served_within_sl as f64, c.attempts as f64 - ab(c))
        })),
        _ => None,
    }
}

/// Pooled ratio and its clustered standard error.
fn pooled_ratio(parts: &[(f64, f64)]) -> (f64, f64) {
    let n = parts.len() as f64;
    let (num, den): (f64, f64) = parts.iter().fold((0.0, 0.0), |a, p| (a.0 + p.0, a.1 + p.1));
    let ratio = num / den;
    let mean_den = den / n;
    let var = parts
        .iter()
        .map(|(y, x)| (y - ratio * x).powi(2))
        .sum::<f64>()
        / (n - 1.0);
    (ratio, (var / n).sqrt() / mean_den)
}

/// Expected conditioning events over the whole run for a conditional metric.
fn conditioning_events(kpi: Kpi, case: &Case, customers: f64) -> f64 {
    let exact = |k: Kpi| case.exact.iter().find(|e| e.0 == k).map_or(0.0, |e| e.1);
    match kpi {
        Kpi::MeanWaitAbandonedS => exact(Kpi::AbandonmentRate) * customers,
        _ => (1.0 - exact(Kpi::AbandonmentRate)) * customers,
    }
}

/// Two-sided exact check that `observed` events are plausible under Poisson(`expected`):
/// both tails must have probability >= 0.0005.
fn poisson_consistent(expected: f64, observed: f64) -> bool {
    let k = observed.round() as u64;
    let mut term = (-expected).exp();
    let mut below = 0.0; // P(X < k)
    for i in 0..k {
        below += term;
        term *= expected / (i + 1) as f64;
    }
    let at_most = below + term;
    at_most >= 0.0005 && 1.0 - below >= 0.0005
}

/// Metrics that miss: (kpi, exact, estimate, z); z is infinite for a failed Poisson check.
fn misses(case: &Case, r: &RunResults) -> Vec<(Kpi, f64, f64, f64)> {
    let customers = r.mean(Kpi::Arrived).unwrap_or(0.0) * r.replications.len() as f64;
    let exact_of = |k: Kpi| case.exact.iter().find(|e| e.0 == k).map(|e| e.1);
    let rare_waits = exact_of(Kpi::PWait).is_some_and(|p| p * customers < 10.0);
    let mut out = Vec::new();
    for &(kpi, exact) in &case.exact {
        let (est, se, n) = match ratio_parts(kpi, r) {
            Some(parts) => {
                let n = conditioning_events(kpi, case, customers);
                if n < MIN_CONDITIONING_EVENTS {
                    continue;
                }
                let (est, se) = pooled_ratio(&parts);
                (est, se, n)
            }
            None => {
                let e = r
                    .kpi(kpi)
                    .estimate
                    .clone()
                    .unwrap_or_else(|| panic!("{}: {kpi} undefined", case.id));
                (e.mean, e.std_error(), customers)
            }
        };
        if kpi.is_share() {
            let tail = exact.min(1.0 - exact);
            if tail * n < 10.0 {
                let observed = if exact < 0.5 { est } else { 1.0 - est } * n;
                if !poisson_consistent(tail * n, observed) {
                    out.push((kpi, exact, est, f64::INFINITY));
                }
                continue;
            }
        } else if rare_waits {
            continue; // waits are a handful of events: P(wait)'s Poisson check covers them
        }
        let z = if se > 0.0 {
            (est - exact) / se
        } else if (est - exact).abs() < 1e-12 {
            0.0
        } else {
            f64::INFINITY
        };
        if z.abs() > 3.0 {
            out.push((kpi, exact, est, z));
        }
    }
    out
}

#[test]
fn poisson_check_accepts_plausible_and_rejects_implausible_counts() {
    assert!(poisson_consistent(1.0, 0.0) && poisson_consistent(1.0, 3.0));
    assert!(!poisson_consistent(1.0, 9.0));
    assert!(!poisson_consistent(9.0, 0.0));
}

/// The largest |z| over the z-tested metrics of a run (for the log).
fn worst_z(case: &Case, r: &RunResults) -> f64 {
    case.exact
        .iter()
        .filter_map(|&(kpi, exact)| r.kpi(kpi).estimate.clone().map(|e| (e, exact)))
        .filter(|(e, _)| e.std_error() > 0.0)
        .map(|(e, exact)| ((e.mean - exact) / e.std_error()).abs())
        .fold(0.0, f64::max)
}

fn check(case: &Case) {
    let raw = scenario(case);
    let run = simulate(&raw, REPLICATIONS, 1);
    let first = misses(case, &run);
    println!(
        "{}: {} customers/replication, worst per-replication |z| {:.2}, misses {first:?}",
        case.id,
        run.mean(Kpi::Arrived).unwrap_or(0.0) as u64,
        worst_z(case, &run)
    );
    if first.is_empty() {
        return;
    }
    let rerun = misses(case, &simulate(&raw, 4 * REPLICATIONS, 1_000_003));
    assert!(
        rerun.is_empty(),
        "{}: first run missed {first:?}; re-run with 4x replications missed {rerun:?}",
        case.id
    );
}

const ERLANG_C: [(&str, Kpi); 5] = [
    ("p_wait", Kpi::PWait),
    ("mean_wait_all", Kpi::MeanWaitAllS),
    ("sl20", Kpi::ServiceLevelAllWait),
    ("mean_queue", Kpi::MeanQueue),
    ("occupancy", Kpi::SlotOccupancy),
];

const ERLANG_A: [(&str, Kpi); 10] = [
    ("p_wait", Kpi::PWait),
    ("p_abandon", Kpi::AbandonmentRate),
    ("mean_wait_all", Kpi::MeanWaitAllS),
    ("mean_wait_served", Kpi::MeanWaitServedS),
    ("mean_wait_abandoned", Kpi::MeanWaitAbandonedS),
    ("sl20_served", Kpi::ServiceLevelServed),
    ("sl20_all_wait", Kpi::ServiceLevelAllWait),
    ("sl20_all_answered", Kpi::ServiceLevelAnswered),
    ("mean_queue", Kpi::MeanQueue),
    ("occupancy", Kpi::SlotOccupancy),
];

const MMCK: [(&str, Kpi); 5] = [
    ("p_block", Kpi::BlockedRate),
    ("p_wait_all", Kpi::PWait),
    ("mean_queue", Kpi::MeanQueue),
    ("mean_wait_admitted", Kpi::MeanWaitServedS),
    ("occupancy", Kpi::SlotOccupancy),
];

/// The finite-room case `id` of `erlang_b_mmck.json` (it gives no relaxation time:
/// ten mean service times, 1,800 s, sizes the warm-up well beyond the chain's mixing).
fn mmck_case(id: &str) -> Case {
    let doc = load("erlang_b_mmck.json");
    let c = doc["mmck_cases"]
        .as_array()
        .expect("mmck_cases")
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no case {id}"));
    let p = &c["params"];
    Case {
        id: id.to_string(),
        agents: p["c"].as_i64().expect("c"),
        cap: 1,
        lambda: p["arrival_rate_per_s"].as_f64().expect("lambda"),
        mean_patience_s: None,
        max_queue: Some(p["waiting_room"].as_i64().expect("waiting_room")),
        relaxation_s: 1800.0,
        exact: MMCK
            .iter()
            .map(|(name, kpi)| (*kpi, c["metrics"][*name].as_f64().expect("metric")))
            .collect(),
    }
}

#[test]
fn finite_waiting_room_cases_hold_one_per_family_of_w() {
    // routing.max_queue = w with a busy reply on overflow is M/M/c/(c+w); w = 0 is Erlang B
    for id in ["MMcK_c20_w0_a1c", "MMcK_c20_w5_a1.2c", "MMcK_c5_w20_a1c"] {
        check(&mmck_case(id));
    }
}

#[test]
fn erlang_c_cases_hold() {
    let cases = cases("erlang_c.json", &ERLANG_C);
    assert_eq!(cases.len(), 12);
    for case in &cases {
        check(case);
    }
}

#[test]
fn erlang_a_cases_hold() {
    let cases = cases("erlang_a.json", &ERLANG_A);
    assert_eq!(cases.len(), 18);
    for case in &cases {
        check(case);
    }
}

#[test]
fn sessions_with_unit_speed_is_erlang_a_over_all_slots() {
    // 10 agents x 5 chats at speed[j] = 1 is M/M/50+M: case A_c50_a1c_pat300.
    let mut case = cases("erlang_a.json", &ERLANG_A)
        .into_iter()
        .find(|c| c.id == "A_c50_a1c_pat300")
        .expect("case");
    case.agents = 10;
    case.cap = 5;
    let mut raw = scenario(&case);
    raw.conversation.speed = Some(vec![1.0; 5]);
    let first = misses(&case, &simulate(&raw, REPLICATIONS, 7));
    if !first.is_empty() {
        let rerun = misses(&case, &simulate(&raw, 4 * REPLICATIONS, 1_000_007));
        assert!(rerun.is_empty(), "K=5 speed 1: {first:?} then {rerun:?}");
    }
}

#[test]
fn slower_shared_agents_do_worse_than_unit_speed() {
    // speed[j] < 1 for j > 1 (each chat slows when shared) must raise waits and abandonment
    // well beyond the noise: a check that the speed table is used at all.
    let case = cases("erlang_a.json", &ERLANG_A)
        .into_iter()
        .find(|c| c.id == "A_c50_a1c_pat300")
        .expect("case");
    let mut raw = scenario(&Case {
        agents: 10,
        cap: 5,
        ..case
    });
    raw.conversation.speed = Some(vec![1.0; 5]);
    let unit = simulate(&raw, 10, 3);
    raw.conversation.speed = Some(vec![1.0, 0.8, 0.7, 0.6, 0.5]);
    let slow = simulate(&raw, 10, 3);
    let (u, s) = (
        unit.kpi(Kpi::AbandonmentRate).estimate.clone().unwrap(),
        slow.kpi(Kpi::AbandonmentRate).estimate.clone().unwrap(),
    );
    assert!(
        s.ci_low > u.ci_high,
        "abandonment unit {u:?} vs slowed {s:?}"
    );
}
