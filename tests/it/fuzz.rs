//! A property-based fuzz of scenario input: the shipped scenarios with random leaves
//! replaced by edge values (zero, negative, tiny, huge, NaN, infinite, wrong types) or
//! removed. Every mutant must either be refused with a clear error, or validate and run one
//! replication that ends with KPIs that can be (shares within 0..1, nothing negative or
//! infinite), warns of customers left unresolved at the drain cap, or stops at its memory
//! budget with a message; never a panic or a hang. `D11SIM_FUZZ_CASES` sets the number of
//! mutants (64 here) and `D11SIM_FUZZ_SEED` which ones (11 here); `D11SIM_FUZZ_ALL=1` also
//! runs the mutants too large for a test, on a shorter horizon. `bash benches/fuzz.sh` runs
//! a longer campaign with a fresh seed, all of them, under a 4 GB address-space limit.

use std::path::Path;

use d11sim::scenario::variants::plans_from_toml;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

use crate::common;

const SCENARIOS: [&str; 7] = [
    "double11.toml",
    "erlang_a.toml",
    "erlang_c.toml",
    "hardware_plans.toml",
    "jd_store.toml",
    "small_store.toml",
    "platform.toml",
];

/// Customer messages one replication of a test may simulate; larger mutants are cut to
/// this on a shorter horizon (`D11SIM_FUZZ_ALL`) or skipped.
const RUN_CAP: f64 = 2e6;

/// The memory budget of a fuzzed replication: what a 4 GB address space holds with room.
const FUZZ_MEMORY: u64 = 1 << 30;

/// Values a mutated leaf takes.
const EDGES: [&str; 20] = [
    "0",
    "-1",
    "1e-308",
    "1e308",
    "nan",
    "inf",
    "-inf",
    "9223372036854775807",
    "-9223372036854775808",
    "0.5",
    "1",
    "2",
    "100000",
    "1e12",
    "\"\"",
    "\"12-31 24:00\"",
    "\"x\"",
    "[]",
    "{}",
    "true",
];

/// Factors a numeric leaf is scaled by (keeping its type): most mutants of this kind are
/// valid scenarios at odd sizes, and run.
const SCALES: [f64; 8] = [0.0, 1e-6, 0.1, 0.5, 2.0, 10.0, 1e3, -1.0];

/// Every leaf's path in a TOML tree (keys and array indices).
fn leaves(v: &toml::Value, path: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    match v {
        toml::Value::Table(t) => {
            for (k, x) in t {
                path.push(k.clone());
                leaves(x, path, out);
                path.pop();
            }
        }
        toml::Value::Array(a) if !a.is_empty() => {
            for (i, x) in a.iter().enumerate() {
                path.push(i.to_string());
                leaves(x, path, out);
                path.pop();
            }
        }
        _ => out.push(path.clone()),
    }
}

/// Replaces (or, with `value` None, removes) the leaf at `path`.
fn set(v: &mut toml::Value, path: &[String], value: Option<toml::Value>) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut at = v;
    for p in parents {
        at = match at {
            toml::Value::Table(t) => t.get_mut(p).expect("a leaf's path"),
            toml::Value::Array(a) => &mut a[p.parse::<usize>().expect("an index")],
            _ => return,
        };
    }
    match (at, value) {
        (toml::Value::Table(t), Some(x)) => {
            t.insert(last.clone(), x);
        }
        (toml::Value::Table(t), None) => {
            t.remove(last);
        }
        (toml::Value::Array(a), Some(x)) => a[last.parse::<usize>().expect("an index")] = x,
        (toml::Value::Array(a), None) => {
            a.remove(last.parse::<usize>().expect("an index"));
        }
        _ => {}
    }
}

/// The leaf at `path`.
fn get<'a>(v: &'a toml::Value, path: &[String]) -> Option<&'a toml::Value> {
    path.iter().try_fold(v, |at, p| match at {
        toml::Value::Table(t) => t.get(p),
        toml::Value::Array(a) => a.get(p.parse::<usize>().ok()?),
        _ => None,
    })
}

/// One mutant: `edits` of (leaf pick, kind): an edge value from [`EDGES`], then removing
/// the leaf, then scaling a numeric leaf by one of [`SCALES`].
fn mutant(base: &toml::Value, edits: &[(usize, usize)]) -> String {
    let mut v = base.clone();
    for &(leaf, kind) in edits {
        let mut all = Vec::new();
        leaves(&v, &mut Vec::new(), &mut all);
        if all.is_empty() {
            break;
        }
        let path = all[leaf % all.len()].clone();
        let value = if let Some(e) = EDGES.get(kind) {
            Some(
                toml::from_str::<toml::Table>(&format!("x = {e}")).expect("an edge value")["x"]
                    .clone(),
            )
        } else if kind == EDGES.len() {
            None
        } else {
            let f = SCALES[(kind - EDGES.len() - 1) % SCALES.len()];
            match get(&v, &path) {
                Some(toml::Value::Integer(i)) => Some(toml::Value::Integer((*i as f64 * f) as i64)),
                Some(toml::Value::Float(x)) => Some(toml::Value::Float(x * f)),
                Some(other) => Some(other.clone()),
                None => None,
            }
        };
        set(&mut v, &path, value);
    }
    toml::to_string(&v).unwrap_or_default()
}

/// Validates `text`; when valid, runs a replication (a mutant too large for a test on a
/// shorter horizon, or not at all unless `D11SIM_FUZZ_ALL` is set) and checks what it
/// reports. Returns what happened, for the tally.
fn check(text: &str, dir: &Path, memory: u64) -> &'static str {
    let plans = match plans_from_toml(text, "mutant.toml", dir) {
        Ok(p) => p,
        Err(e) => {
            let msg = e.to_string();
            assert!(
                msg.contains("mutant.toml") && !msg.contains('\n'),
                "an unclear error: {msg}"
            );
            return "refused";
        }
    };
    let mut sc = plans[0].scenario.clone();
    let messages = match &sc.conversation {
        d11sim::conversation::Conversation::Messages(m) => m.customer_messages.mean(),
        d11sim::conversation::Conversation::Sessions(_) => 1.0,
    };
    let mut what = "ran";
    if sc.arrivals.curve.expected_total() * messages > RUN_CAP {
        if std::env::var_os("D11SIM_FUZZ_ALL").is_none() {
            return "valid, too large to run here";
        }
        shorten(&mut sc, RUN_CAP / messages.max(1.0));
        what = "ran on a shorter horizon";
    }
    let r = match d11sim::model::try_run_replication_within(&sc, 7, 0, memory) {
        Ok(r) => r,
        Err(e) => {
            let msg = e.to_string();
            assert!(
                msg.contains("reached") && msg.contains("--max-memory") && !msg.contains('\n'),
                "an unclear stop: {msg}"
            );
            return "stopped at the memory budget";
        }
    };
    let unresolved = r.counters.unresolved_at_end;
    let results = d11sim::replicate::summarise(&sc, 7, vec![r]);
    for k in &results.kpis {
        let Some(e) = &k.estimate else { continue };
        assert!(
            e.mean.is_finite() && e.mean >= 0.0,
            "an impossible {}: {}",
            k.kpi.name(),
            e.mean
        );
        if k.kpi.at_most_one() {
            assert!(
                e.mean <= 1.0 + 1e-9,
                "a share above 100%: {} {}",
                k.kpi.name(),
                e.mean
            );
        }
    }
    if unresolved > 0 {
        assert!(
            results.warnings().iter().any(|w| w.contains("unresolved")),
            "{unresolved} customers unresolved at the drain cap and no warning"
        );
        return "ran, unresolved at the drain cap (warned)";
    }
    what
}

/// Ends `sc` where its expected arrivals reach `cap` (at the first interval boundary
/// after, and after the warm-up), so that a platform-scale mutant runs in a test.
fn shorten(sc: &mut d11sim::scenario::Scenario, cap: f64) {
    let step = sc.interval.as_secs_f64().max(1.0);
    let mut end = sc.warmup.as_secs_f64() + step;
    while end < sc.horizon.as_secs_f64() && sc.arrivals.curve.expected_between(0.0, end) < cap {
        end += step;
    }
    sc.horizon = sc.horizon.min(d11sim::engine::SimTime::from_secs_f64(end));
}

/// [`check`] on its own thread, so that a hang fails a test with the scenario instead of
/// stalling it: what happened (None for a panic), or None outside after 60 s.
fn within_a_minute(text: &str, dir: &Path, memory: u64) -> Option<Option<&'static str>> {
    let (send, receive) = std::sync::mpsc::channel();
    let (t, d) = (text.to_string(), dir.to_path_buf());
    std::thread::spawn(move || {
        let _ = send.send(std::panic::catch_unwind(|| check(&t, &d, memory)).ok());
    });
    receive
        .recv_timeout(std::time::Duration::from_secs(60))
        .ok()
}

#[test]
fn mutants_that_once_hung_are_refused_or_run() {
    let dir = common::root().join("scenarios");
    let base = |file: &str| std::fs::read_to_string(dir.join(file)).unwrap();
    // replies drawn at the clock's last microsecond looped forever in the series levels
    let penalty = base("small_store.toml").replace(
        "switch_penalty = 0.18",
        "switch_penalty = 9223372036854775807",
    );
    // 2 agents for 16 Erlangs of patient customers over a month in 30 s intervals: every
    // interval searched the whole line (10^5 customers) for 留言
    let overloaded = base("erlang_c.toml")
        .replace("count = 20", "count = 2")
        .replace("interval_min = 1440", "interval_min = 0.5");
    // one agent for 10^6 patient customers in an hour: the line outgrows 64 MiB
    let flood = base("erlang_c.toml")
        .replace("count = 20", "count = 1")
        .replace("constant_per_hour = 320", "constant_per_hour = 1000000")
        .replace("warmup_h = 24", "warmup_h = 0")
        .replace("interval_min = 1440", "interval_min = 60")
        .replace("end = \"01-31 00:00\"", "end = \"01-01 01:00\"");
    // work of 11 days a chat: nobody finishes within the drain cap
    let slow = base("erlang_c.toml").replace("mean_s = 180", "mean_s = 1e6");
    for (case, file, text, expect) in [
        ("switch_penalty", "small_store.toml", penalty, "refused"),
        // its line cannot drain within the cap: it runs and says so
        (
            "overloaded",
            "erlang_c.toml",
            overloaded,
            "ran, unresolved at the drain cap (warned)",
        ),
        (
            "flood",
            "erlang_c.toml",
            flood,
            "stopped at the memory budget",
        ),
        (
            "slow_work",
            "erlang_c.toml",
            slow,
            "ran, unresolved at the drain cap (warned)",
        ),
    ] {
        assert_ne!(text, base(file), "{case}: the edit did not apply");
        assert_eq!(
            within_a_minute(&text, &dir, 64 << 20),
            Some(Some(expect)),
            "{case}:\n{text}"
        );
    }
}

#[test]
fn mutated_scenarios_are_refused_clearly_or_run_never_panic() {
    let cases: u32 = std::env::var("D11SIM_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64);
    let dir = common::root().join("scenarios");
    let bases: Vec<toml::Value> = SCENARIOS
        .iter()
        .map(|f| toml::from_str(&std::fs::read_to_string(dir.join(f)).unwrap()).unwrap())
        .collect();
    // a fixed seed here, so the mutants `cargo test` tries are the same on every machine;
    // `benches/fuzz.sh` draws a new seed per campaign and prints it
    let seed: u64 = std::env::var("D11SIM_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(11);
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &bytes);
    let mut runner = TestRunner::new_with_rng(
        Config {
            cases,
            failure_persistence: None,
            ..Config::default()
        },
        rng,
    );
    let tally = std::sync::Mutex::new(std::collections::BTreeMap::<&str, u32>::new());
    let strategy = (
        0..SCENARIOS.len(),
        proptest::collection::vec((any::<usize>(), 0..=EDGES.len() + SCALES.len()), 1..4),
    );
    let slowest = std::sync::Mutex::new(0.0f64);
    // after a hang no further mutant runs (shrinking would leave one spinning thread per
    // hanging try): the hanging one is reported as it is
    let hung = std::sync::atomic::AtomicBool::new(false);
    let outcome = runner.run(&strategy, |(which, edits)| {
        if hung.load(std::sync::atomic::Ordering::Relaxed) {
            return Ok(());
        }
        let text = mutant(&bases[which], &edits);
        let clock = std::time::Instant::now();
        let Some(what) = within_a_minute(&text, &dir, FUZZ_MEMORY) else {
            hung.store(true, std::sync::atomic::Ordering::Relaxed);
            eprintln!(
                "fuzz: seed {seed}: over 60 s on a mutant of {}:\n{text}",
                SCENARIOS[which]
            );
            return Err(TestCaseError::fail(format!(
                "over 60 s on a mutant of {}",
                SCENARIOS[which]
            )));
        };
        let took = clock.elapsed().as_secs_f64();
        prop_assert!(
            what.is_some(),
            "a panic on a mutant of {}:\n{text}",
            SCENARIOS[which]
        );
        // validation and one bounded replication: seconds at most, never a hang
        prop_assert!(
            took < 60.0,
            "{took:.1} s on a mutant of {}:\n{text}",
            SCENARIOS[which]
        );
        let mut s = slowest.lock().unwrap();
        *s = s.max(took);
        drop(s);
        *tally
            .lock()
            .unwrap()
            .entry(what.unwrap_or("panic"))
            .or_default() += 1;
        Ok(())
    });
    eprintln!(
        "fuzz: seed {seed}, {cases} mutants: {:?}; slowest {:.2} s",
        tally.lock().unwrap(),
        slowest.lock().unwrap()
    );
    if let Err(e) = outcome {
        panic!("{e}");
    }
}
