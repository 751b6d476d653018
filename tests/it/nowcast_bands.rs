//! The nowcast's bands on truth days: the default store whose volume runs 0.7 to 1.5 times
//! the plan, each day snapshot at 23:40 and nowcast from its state and its arrivals so
//! far, its own 00:00-01:00 checked against the 90% bands of 平响 and the backlog.

use d11sim::forecast::Update;
use d11sim::model::{run_replication, run_snapshot, run_warm};
use d11sim::nowcast;
use d11sim::scenario::Scenario;
use d11sim::scenario::clock::ClockTime;

use super::common::{raw_scenario, validate};

fn store(scale: f64) -> Scenario {
    let mut raw = raw_scenario("double11.toml");
    raw.arrivals.forecast_error_cv = 0.0;
    raw.arrivals.scale = scale;
    validate(&raw)
}

const VOLUMES: [f64; 9] = [0.7, 0.8, 0.9, 1.0, 1.1, 1.2, 1.3, 1.4, 1.5];
const DAYS: u64 = 8;
const REPLICATIONS: u64 = 60;

/// 72 truth days (8 at each volume), 4 intervals each: 288 day-intervals per KPI. The 90%
/// bands must contain the truth in 85-95% of them (the binomial standard error at 90% is
/// 1.8 points), and the nowcast's mean absolute error must be under half the plan-only
/// forecast's (the mean of cold runs of the plan).
#[test]
fn the_bands_cover_truth_days_and_beat_the_plan() {
    let plan = store(1.0);
    let t = plan
        .calendar
        .offset(ClockTime::parse("11-10 23:40").unwrap())
        .unwrap();
    let midnight = plan
        .calendar
        .offset(ClockTime::parse("11-11 00:00").unwrap())
        .unwrap();
    let (cut, from, _) = nowcast::cut(&plan, t, 1.5);
    let first = (midnight.as_micros() / plan.interval.as_micros()) as usize - from;
    let curve = nowcast::plan_curve(&plan);
    // the plan-only forecast: per interval, the mean of cold runs of the plan
    let cold: Vec<Vec<[f64; 5]>> = (0..REPLICATIONS)
        .map(|i| nowcast::kpis(&run_replication(&plan, 5, i), from, from + first + 4))
        .collect();
    let plan_mean =
        |k: usize, kpi: usize| cold.iter().map(|r| r[k][kpi]).sum::<f64>() / cold.len() as f64;
    let days: Vec<(f64, u64)> = VOLUMES
        .iter()
        .flat_map(|&v| (0..DAYS).map(move |j| (v, j)))
        .collect();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let scored = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..super::common::threads() {
            s.spawn(|| {
                loop {
                    let d = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    let Some(&(v, j)) = days.get(d) else { break };
                    let truth = store(v);
                    let (day, snap) = run_snapshot(&truth, 900 + (v * 10.0) as u64, j, t).unwrap();
                    let seen = nowcast::observed_curve(&plan, &snap.arrivals, t);
                    let update = Update::new(&curve, &seen, d11sim::forecast::DEFAULT_PRIOR_CV);
                    let warm = snap.state.resolve(&cut, "snapshot").unwrap();
                    let runs: Vec<Vec<[f64; 5]>> = (0..REPLICATIONS)
                        .map(|i| {
                            let theta = nowcast::volume(&update, 1.5, 77, i);
                            let r = run_warm(&cut, 77, i, &warm, Some(theta)).unwrap();
                            nowcast::kpis(&r, from, from + first + 4)
                        })
                        .collect();
                    let truth_kpis = nowcast::kpis(&day, from, from + first + 4);
                    let mut out = Vec::new();
                    for k in first..first + 4 {
                        for kpi in [0, 1] {
                            let values: Vec<f64> = runs.iter().map(|r| r[k][kpi]).collect();
                            let (mean, lo, hi) = nowcast::band(&values, 0.05).unwrap();
                            let x = truth_kpis[k][kpi];
                            out.push((
                                kpi,
                                lo <= x && x <= hi,
                                (x - mean).abs(),
                                (x - plan_mean(k, kpi)).abs(),
                            ));
                        }
                    }
                    scored.lock().unwrap().extend(out);
                }
            });
        }
    });
    let scored = scored.into_inner().unwrap();
    for (kpi, name) in [(0, "backlog"), (1, "平响")] {
        let mine: Vec<_> = scored.iter().filter(|s| s.0 == kpi).collect();
        let n = mine.len() as f64;
        let covered = mine.iter().filter(|s| s.1).count() as f64 / n;
        let err = mine.iter().map(|s| s.2).sum::<f64>() / n;
        let plan_err = mine.iter().map(|s| s.3).sum::<f64>() / n;
        eprintln!(
            "{name}: {n} day-intervals, 90% bands cover {:.1}%; mean absolute error {err:.1} against the plan's {plan_err:.1}",
            100.0 * covered
        );
        assert_eq!(mine.len(), 288);
        assert!(
            (0.85..=0.95).contains(&covered),
            "{name}: the 90% bands cover {covered}"
        );
        assert!(
            err < 0.5 * plan_err,
            "{name}: error {err} against the plan-only {plan_err}"
        );
    }
}
