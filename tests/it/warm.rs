//! Warm starts: an empty state is a cold start, and a state captured from a simulated run
//! and resumed gives the next hours the distribution the uninterrupted runs have.

use d11sim::engine::SimTime;
use d11sim::model::{ReplicationResult, run_replication, run_snapshot, run_warm};
use d11sim::scenario::Scenario;
use d11sim::scenario::clock::ClockTime;
use d11sim::state::LiveState;

use super::common::{raw_scenario, validate};

/// The small store from 22:00 to 02:00, busy enough at the opening that the backlog at
/// 23:50 shapes the next two hours, without a volume error (the runs share one curve).
fn store() -> Scenario {
    validate(&store_raw())
}

fn store_raw() -> d11sim::scenario::file::ScenarioFile {
    let mut raw = raw_scenario("small_store.toml");
    raw.start = "11-10 22:00".into();
    raw.end = "11-11 02:00".into();
    raw.arrivals.base_per_hour = Some(30.0);
    raw.interval_min = 5.0;
    raw.arrivals.forecast_error_cv = 0.0;
    raw
}

/// The same store with a slow bot in front: it takes 60% of new chats, holds at most 8
/// sessions at once (the rest wait for one), and its sessions run for minutes (median
/// 2 min), so at 00:07 sessions are under way and customers wait for the bot. Half of
/// those who give up (taking their message along: no inbox keeps it) come back after 1
/// to 20 minutes (at most three attempts), so the retrial orbit holds customers too.
fn store_with_bot() -> Scenario {
    validate(&store_with_bot_raw())
}

fn store_with_bot_raw() -> d11sim::scenario::file::ScenarioFile {
    let mut raw = store_raw();
    raw.bot = Some(
        toml::from_str(
            "first_touch = { default = 0.6 }\n\
             latency = { dist = \"fixed\", value_s = 1.0 }\n\
             session = { dist = \"lognormal\", median_s = 120, p90_s = 400 }\n\
             capacity = 8\n\
             overflow = \"queue\"\n\
             leave_share = 0.1\n\
             escalated_patience_factor = 0.7\n\
             [resolution]\n\
             pre_sale = { mean = 0.35, sd = 0.05 }\n\
             in_sale = { mean = 0.5, sd = 0.05 }\n\
             after_sale = { mean = 0.5, sd = 0.05 }\n",
        )
        .unwrap(),
    );
    // customers who leave take their message along (no inbox keeps it), so some come back
    raw.inbox.get_or_insert_with(Default::default).keep_messages = Some(false);
    raw.patience.retrial = Some(
        toml::from_str(
            "probability = 0.5\n\
             delay = { dist = \"uniform\", min_s = 60, max_s = 1200 }\n\
             patience_factor = 0.7\n\
             max_attempts = 3\n",
        )
        .unwrap(),
    );
    raw
}

fn at(sc: &Scenario, clock: &str) -> SimTime {
    sc.calendar
        .offset(ClockTime::parse(clock).unwrap())
        .unwrap()
}

fn empty(clock: &str) -> LiveState {
    LiveState::parse(&format!("{{\"version\": 1, \"at\": \"{clock}\"}}"), "empty").unwrap()
}

#[test]
fn an_empty_state_at_the_start_is_a_cold_start() {
    let sc = store();
    let warm = empty("11-10 22:00").resolve(&sc, "empty").unwrap();
    for i in 0..5 {
        let cold = run_replication(&sc, 7, i);
        let w = run_warm(&sc, 7, i, &warm, None).unwrap();
        assert_eq!(
            d11sim::output::series_rows(&sc, &cold),
            d11sim::output::series_rows(&sc, &w),
            "replication {i}"
        );
        assert_eq!(cold.counters, w.counters, "replication {i}");
    }
}

/// What the next hours show, from series interval `from` on: the waiting line at the
/// first interval's end and on average, in the system on average, abandoned and first
/// replies within 30 s among the arrivals, and their replies' mean response.
const METRICS: [&str; 6] = [
    "waiting at the first interval's end",
    "mean waiting at interval ends",
    "mean in system at interval ends",
    "abandoned",
    "first replies within 30 s",
    "mean reply response (s)",
];

fn next_hours(r: &ReplicationResult, from: usize) -> [f64; 6] {
    let rows = &r.intervals[from..from + 6];
    let n = rows.len() as f64;
    let sum = |f: &dyn Fn(&d11sim::model::IntervalRow) -> f64| rows.iter().map(f).sum::<f64>();
    let replies = sum(&|row| row.counts.replies as f64);
    [
        rows[0].counts.waiting as f64,
        sum(&|row| row.counts.waiting as f64) / n,
        sum(&|row| row.counts.in_system as f64) / n,
        sum(&|row| row.counts.abandoned as f64),
        sum(&|row| row.counts.first_reply_30s as f64),
        sum(&|row| row.counts.reply_response_sum_s) / replies.max(1.0),
    ]
}

/// Paired differences (resumed less uninterrupted) over `n` replications: mean and
/// standard error per metric.
fn paired(sc: &Scenario, n: u64, t: SimTime, edit: impl Fn(&mut LiveState)) -> Vec<(f64, f64)> {
    let from = t.as_micros().div_ceil(sc.interval.as_micros()) as usize;
    let mut diffs: Vec<[f64; 6]> = Vec::new();
    for i in 0..n {
        let (cold, snap) = run_snapshot(sc, 11, i, t).unwrap();
        // through the file format, as nowcast reads it
        let text = serde_json::to_string_pretty(&snap.state).unwrap();
        let mut state = LiveState::parse(&text, "snapshot").unwrap();
        edit(&mut state);
        let warm = state.resolve(sc, "snapshot").unwrap();
        let resumed = run_warm(sc, 12, i, &warm, None).unwrap();
        let (a, b) = (next_hours(&resumed, from), next_hours(&cold, from));
        diffs.push(std::array::from_fn(|k| a[k] - b[k]));
    }
    (0..6)
        .map(|k| {
            let m = diffs.iter().map(|d| d[k]).sum::<f64>() / n as f64;
            let var = diffs.iter().map(|d| (d[k] - m).powi(2)).sum::<f64>() / (n as f64 - 1.0);
            (m, (var / n as f64).sqrt())
        })
        .collect()
}

/// Asserts every metric's paired difference lies within 3.5 standard errors of 0.
fn assert_same(label: &str, diffs: &[(f64, f64)]) {
    eprintln!("{label}, resumed - uninterrupted (mean, se): {diffs:?}");
    for (k, (m, se)) in diffs.iter().enumerate() {
        assert!(
            m.abs() < 3.5 * se.max(1e-9),
            "{label}: {}: resumed - uninterrupted = {m:.3} (se {se:.3})",
            METRICS[k]
        );
    }
}

/// Asserts some metric's paired difference lies beyond 3.5 standard errors of 0: the
/// check has the power to see `what`.
fn assert_off(what: &str, diffs: &[(f64, f64)]) {
    eprintln!("{what} (mean, se): {diffs:?}");
    let off = diffs.iter().any(|(m, se)| m.abs() > 3.5 * se.max(1e-9));
    assert!(off, "{what} went unnoticed: {diffs:?}");
}

/// 2,000 replications snapshot at 23:52, each resumed from its state with other random
/// numbers: every metric's mean paired difference lies within 3.5 standard errors of 0
/// (six metrics; a false alarm has odds under 1 in 300). The same states with every
/// elapsed time set to 0 (each chat's phase just begun, each customer just arrived) are
/// detectably off: the check has the power to see a warm start that ignores elapsed time.
#[test]
fn a_snapshot_resumed_gives_the_uninterrupted_distribution() {
    let sc = store();
    let t = at(&sc, "11-11 00:07");
    let exact = paired(&sc, 2000, t, |_| {});
    assert_same("the store", &exact);
    let naive = paired(&sc, 2000, t, |s| {
        for g in &mut s.groups {
            for a in &mut g.agents {
                for c in &mut a.chats {
                    c.since_s = 0.0;
                    c.arrived_s = Some(0.0);
                    c.composing_s = c.composing_s.map(|_| 0.0);
                }
            }
        }
        for w in s.waiting.iter_mut().chain(&mut s.messages_left) {
            w.waited_s = 0.0;
        }
    });
    assert_off("ignoring elapsed times", &naive);
}

/// The state's customers away from the agents: 2,000 replications of the store with a
/// slow bot of 8 sessions and retrials, snapshot at 00:07 with bot sessions under way,
/// customers waiting for one and customers in the retrial orbit, resumed with other
/// random numbers: every metric within 3.5 standard errors of the uninterrupted runs.
/// The same states without their bot part, or without the orbit (as before the state
/// carried them), are each detectably off.
#[test]
fn bot_sessions_the_bots_queue_and_the_retrial_orbit_resume_exactly() {
    let sc = store_with_bot();
    let t = at(&sc, "11-11 00:07");
    let (_, snap) = run_snapshot(&sc, 11, 0, t).unwrap();
    let bot = snap.state.bot.as_ref().expect("the snapshot holds the bot");
    assert!(!bot.sessions.is_empty(), "{bot:?}");
    let orbit: usize = (0..20)
        .map(|i| run_snapshot(&sc, 11, i, t).unwrap().1.state.abandoned.len())
        .sum();
    assert!(orbit > 20, "{orbit} in the orbit over 20 snapshots");
    let exact = paired(&sc, 2000, t, |_| {});
    assert_same("with a bot", &exact);
    let dropped = paired(&sc, 1000, t, |s| s.bot = None);
    assert_off("dropping the bot's sessions", &dropped);
    let no_orbit = paired(&sc, 2000, t, |s| s.abandoned.clear());
    assert_off("dropping the retrial orbit", &no_orbit);
}

/// A bot's sessions by count alone (a monitoring screen's figure) are taken as under way
/// for an unknown time, of the classes the bot takes at the moment. A state the bot
/// refutes is refused by field: more sessions than its capacity, a queue behind a bot
/// that keeps none, a bot the scenario lacks.
#[test]
fn bot_counts_alone_and_bot_states_refused() {
    let sc = store_with_bot();
    let state = |bot: &str| {
        LiveState::parse(
            &format!("{{\"version\": 1, \"at\": \"11-11 00:07\", \"bot\": {bot}}}"),
            "screen.json",
        )
        .unwrap()
    };
    let warm = state(r#"{"sessions": [{"count": 6}], "waiting": [{"class": "pre_sale", "waited_s": 30, "count": 4}]}"#)
        .resolve(&sc, "screen.json")
        .unwrap();
    assert_eq!(warm.bot_sessions.len(), 6);
    assert!(warm.bot_sessions.iter().all(|s| s.1.is_none()));
    assert_eq!(warm.bot_waiting.len(), 4);
    let r = run_warm(&sc, 3, 0, &warm, None).unwrap();
    assert!(r.counters.bot_touched >= 10, "{:?}", r.counters);
    let refused = |bot: &str, sc: &Scenario| state(bot).resolve(sc, "screen.json").unwrap_err();
    let e = refused(
        r#"{"sessions": [{"class": "pre_sale", "since_s": 5, "count": 9}]}"#,
        &sc,
    );
    assert!(
        e.contains("screen.json: bot.sessions: 9 sessions, more than the bot's capacity of 8"),
        "{e}"
    );
    let e = refused(r#"{"sessions": [{"since_s": -1}]}"#, &sc);
    assert!(
        e.contains("bot.sessions[0].since_s: must be a finite number"),
        "{e}"
    );
    let mut human = store_with_bot_raw();
    human.bot.as_mut().unwrap().overflow = "human".into();
    let e = refused(
        r#"{"waiting": [{"class": "in_sale", "waited_s": 3}]}"#,
        &validate(&human),
    );
    assert!(
        e.contains("bot.waiting: the scenario's bot sends customers"),
        "{e}"
    );
    let e = refused(r#"{"sessions": [{"count": 1}]}"#, &store());
    assert!(e.contains("bot: the scenario has no [bot]"), "{e}");
}

/// A `sessions` store: 50 agents of one chat each, overloaded (lognormal work, Weibull
/// patience of shape 2, so elapsed times matter), a line that waits.
fn sessions_store() -> Scenario {
    let text = "name = \"sessions warm start\"\n\
        start = \"11-10 22:00\"\n\
        end = \"11-11 02:00\"\n\
        interval_min = 5\n\
        [arrivals]\n\
        constant_per_hour = 1200\n\
        [conversation]\n\
        model = \"sessions\"\n\
        work = { dist = \"lognormal\", median_s = 150, p90_s = 500 }\n\
        [patience]\n\
        silent_share = 0.3\n\
        [patience.first_reply]\n\
        default = { dist = \"weibull\", shape = 2.0, scale_s = 240 }\n\
        [[groups]]\n\
        name = \"agents\"\n\
        count = 50\n\
        max_chats = 1\n";
    validate(&d11sim::scenario::parse(text, "sessions.toml").unwrap())
}

/// The `sessions` model's state: 2,000 replications snapshot at 00:07 and resumed with
/// other random numbers match the uninterrupted runs (each metric within 3.5 standard
/// errors); the same states with every elapsed time set to 0 are detectably off.
#[test]
fn a_sessions_snapshot_resumed_gives_the_uninterrupted_distribution() {
    let sc = sessions_store();
    let t = at(&sc, "11-11 00:07");
    let (_, snap) = run_snapshot(&sc, 11, 0, t).unwrap();
    let chats: usize = snap
        .state
        .groups
        .iter()
        .flat_map(|g| &g.agents)
        .map(|a| a.chats.len())
        .sum();
    assert!(
        chats > 40 && !snap.state.waiting.is_empty(),
        "{chats} chats"
    );
    let exact = paired(&sc, 2000, t, |_| {});
    assert_same("sessions", &exact);
    let naive = paired(&sc, 2000, t, |s| {
        for c in s
            .groups
            .iter_mut()
            .flat_map(|g| &mut g.agents)
            .flat_map(|a| &mut a.chats)
        {
            c.since_s = 0.0;
            c.arrived_s = Some(0.0);
        }
        for w in &mut s.waiting {
            w.waited_s = 0.0;
        }
    });
    assert_off("ignoring elapsed times", &naive);
}
