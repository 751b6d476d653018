//! `run --snapshot-at T`: the live state of each simulated day at one moment and its
//! arrivals so far (docs/state-format.md), for drills and tests of `nowcast`.

use std::fmt::Write as _;
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use d11sim::engine::SimTime;
use d11sim::model::{self, Snapshot};
use d11sim::replicate::RunConfig;
use d11sim::scenario::Scenario;
use d11sim::scenario::clock::ClockTime;

use crate::Failure;

/// The scenario time of `--snapshot-at`, or why it cannot be one.
pub(crate) fn moment(sc: &Scenario, at: &str) -> Result<SimTime, Failure> {
    let clock =
        ClockTime::parse(at).map_err(|e| Failure::BadInput(format!("--snapshot-at: {e}")))?;
    sc.calendar
        .offset(clock)
        .filter(|t| *t > SimTime::ZERO && *t < sc.horizon)
        .ok_or_else(|| {
            Failure::BadInput(format!(
                "--snapshot-at {at} must lie after the scenario's start and before its end ({} to {})",
                sc.calendar.format(SimTime::ZERO),
                sc.calendar.format(sc.horizon)
            ))
        })
}

/// The arrivals so far as a count file `forecast` and `nowcast` read: one row per series
/// interval from the start, the one under way counting to the moment.
pub(crate) fn observed_csv(sc: &Scenario, snap: &Snapshot) -> String {
    let mut s = String::from("interval_start,arrivals\n");
    for (k, n) in snap.arrivals.iter().enumerate() {
        let start = SimTime::from_micros(k as u64 * sc.interval.as_micros());
        let _ = writeln!(s, "{},{n}", sc.calendar.format(start));
    }
    s
}

/// Simulates each replication to `at` and writes `snapshot/state-NNNN.json` and
/// `snapshot/observed-NNNN.csv` into `dir` (a staging folder).
pub(crate) fn write(dir: &Path, sc: &Scenario, cfg: RunConfig, at: SimTime) -> Result<(), Failure> {
    let n = cfg.replications;
    let next = AtomicU64::new(0);
    let done: Mutex<Vec<Option<Result<Snapshot, String>>>> = Mutex::new(vec![None; n as usize]);
    std::thread::scope(|s| {
        for _ in 0..cfg.threads.min(n as usize).max(1) {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    if i >= n {
                        break;
                    }
                    let r = model::run_snapshot(sc, cfg.seed, i, at)
                        .map(|(_, snap)| snap)
                        .map_err(|e| e.to_string());
                    done.lock().expect("snapshot results")[i as usize] = Some(r);
                }
            });
        }
    });
    let folder = dir.join("snapshot");
    std::fs::create_dir_all(&folder)
        .map_err(|e| Failure::Internal(format!("{}: {e}", folder.display())))?;
    for (i, r) in done
        .into_inner()
        .expect("snapshot results")
        .into_iter()
        .enumerate()
    {
        let snap = r
            .expect("every replication ran")
            .map_err(Failure::Exhausted)?;
        let json = serde_json::to_string_pretty(&snap.state)
            .map_err(|e| Failure::Internal(e.to_string()))?;
        let w = |name: String, text: &str| {
            std::fs::write(folder.join(&name), text)
                .map_err(|e| Failure::Internal(format!("cannot write {name}: {e}")))
        };
        w(format!("state-{i:04}.json"), &(json + "\n"))?;
        w(format!("observed-{i:04}.csv"), &observed_csv(sc, &snap))?;
    }
    Ok(())
}
