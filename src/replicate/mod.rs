//! Replications: run R independent replications on N threads and fold each, in index
//! order, into the run's summary as it finishes (see [`summary`]), so the results never
//! depend on completion order or thread count, and memory does not grow with R.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex};

pub mod judge;
mod summary;

pub use summary::{
    HourTotals, IntervalTotals, Keep, Kept, Prepared, RepSummary, Summariser, write_kept,
};

use crate::class::Class;
use crate::kpi::{ClassKpi, GroupKpi, Kpi, Target};
use crate::metrics::Histograms;
use crate::model::{Exhausted, ReplicationResult, try_run_replication};
use crate::scenario::Scenario;
use crate::stats::Estimate;

/// How to run.
#[derive(Clone, Copy, Debug)]
pub struct RunConfig {
    /// Independent replications (>= 1).
    pub replications: u64,
    /// Master seed; replication `i` derives its streams from `(seed, i)`.
    pub seed: u64,
    /// Worker threads (>= 1); has no effect on results.
    pub threads: usize,
}

/// One KPI across replications.
#[derive(Clone, Debug)]
pub struct KpiSummary {
    /// The KPI.
    pub kpi: Kpi,
    /// Mean and 95% CI over the replications where it is defined.
    pub estimate: Option<Estimate>,
    /// The value in each replication, by index.
    pub values: Vec<Option<f64>>,
}

/// A target judged on the replications, on the day and per interval (the rule:
/// [`judge`]).
#[derive(Clone, Debug)]
pub struct TargetResult {
    /// The target.
    pub target: Target,
    /// The KPI's mean over replications.
    pub mean: Option<f64>,
    /// Share of replications in which the day's value held.
    pub share_met: f64,
    /// The day judged.
    pub day: judge::Scope,
    /// Each series interval's arrivals judged (`n == 0`: not judged there).
    pub intervals: Vec<judge::Scope>,
    /// The target's verdict: the day's and every judged interval's together.
    pub verdict: judge::Verdict,
    /// Whether missing it fails the gate.
    pub gating: judge::Gating,
}

impl TargetResult {
    /// Met, with confidence, on the day and in every judged interval.
    pub fn met(&self) -> bool {
        self.verdict == judge::Verdict::Met
    }

    /// Runs of consecutive judged intervals that are not met: `(from, to, worst verdict,
    /// share of replications missing somewhere in the run)`. The share needs the
    /// per-replication miss bits of `results`.
    pub fn windows(&self, results: &RunResults) -> Vec<(usize, usize, judge::Verdict, f64)> {
        let t = results.target_index(&self.target);
        let bad = |k: usize| {
            let s = &self.intervals[k];
            s.n > 0 && s.verdict != judge::Verdict::Met
        };
        let n = self.intervals.len();
        let mut out = Vec::new();
        let mut k = 0;
        while k < n {
            if !bad(k) {
                k += 1;
                continue;
            }
            let from = k;
            let mut worst = judge::Verdict::Met;
            while k < n && bad(k) {
                worst = worst.max(self.intervals[k].verdict);
                k += 1;
            }
            let any = results
                .replications
                .iter()
                .filter(|r| t.is_some_and(|t| (from..k).any(|j| r.missed(t, j))))
                .count() as f64
                / results.replications.len().max(1) as f64;
            out.push((from, k, worst, any));
        }
        out
    }
}

/// Everything a run produced.
#[derive(Clone, Debug)]
pub struct RunResults {
    /// The master seed.
    pub seed: u64,
    /// What is kept of each replication, by index.
    pub replications: Vec<RepSummary>,
    /// All replications' histograms added together.
    pub merged: Histograms,
    /// Every KPI, in [`Kpi::ALL`] order.
    pub kpis: Vec<KpiSummary>,
    /// The scenario's targets.
    pub targets: Vec<TargetResult>,
    /// Per-class KPIs: `(class, kpi, estimate)` for every class that had customers.
    pub by_class: Vec<(Class, ClassKpi, Option<Estimate>)>,
    /// Per series interval, summed over replications.
    pub intervals: Vec<IntervalTotals>,
    /// Per clock hour of the scenario, summed over replications.
    pub hours: Vec<HourTotals>,
    /// The per-replication files (`series.csv`, `histograms/*.hlog`), where kept.
    pub kept: Kept,
}

impl RunResults {
    /// What the run itself warns of, beside the scenario's warnings: customers still
    /// unresolved when the run stopped draining at [`crate::model::MAX_DRAIN`] after the
    /// end. The KPIs cannot count them as served or abandoned, so they read better than the
    /// day was; `--fail-on-targets` fails on it.
    pub fn warnings(&self) -> Vec<String> {
        let unresolved: u64 = self
            .replications
            .iter()
            .map(|r| r.counters.unresolved_at_end)
            .sum();
        if unresolved == 0 {
            return Vec::new();
        }
        let arrived: u64 = self.replications.iter().map(|r| r.counters.arrived).sum();
        let hit = self
            .replications
            .iter()
            .filter(|r| r.counters.unresolved_at_end > 0)
            .count();
        vec![format!(
            "{unresolved} of {arrived} counted customers ({:.1}%, in {hit} of {} replications) \
             were still unresolved when the run stopped draining {} days after its end: the \
             KPIs leave them out and read better than the day was; the agents cannot clear \
             this load (look at the work per chat and the roster)",
            100.0 * unresolved as f64 / arrived.max(1) as f64,
            self.replications.len(),
            crate::model::MAX_DRAIN.as_secs_f64() / 86_400.0,
        )]
    }

    /// The summary of `kpi`.
    pub fn kpi(&self, kpi: Kpi) -> &KpiSummary {
        self.kpis
            .iter()
            .find(|k| k.kpi == kpi)
            .expect("every KPI is summarised")
    }

    /// The estimate of a per-class KPI, if the class had customers.
    pub fn class_kpi(&self, class: Class, kpi: ClassKpi) -> Option<&Estimate> {
        self.by_class
            .iter()
            .find(|(c, k, _)| *c == class && *k == kpi)
            .and_then(|x| x.2.as_ref())
    }

    /// Per-replication values of a per-group KPI for group `g` (`None` where undefined).
    pub fn group_values(&self, g: usize, kpi: GroupKpi) -> Vec<Option<f64>> {
        self.replications
            .iter()
            .map(|r| match (r.group_counts.get(g), r.groups.get(g)) {
                (Some(c), Some(a)) => kpi.value(c, *a),
                _ => None,
            })
            .collect()
    }

    /// The estimate of a per-group KPI over the replications where it is defined.
    pub fn group_kpi(&self, g: usize, kpi: GroupKpi) -> Option<Estimate> {
        Estimate::from_values(self.group_values(g, kpi).into_iter().flatten())
    }

    /// The groups worth a line of their own: those that took chats, when at least two did
    /// (a one-group roster's line would repeat the store's).
    pub fn groups_to_show(&self) -> Vec<usize> {
        let groups = self
            .replications
            .first()
            .map_or(0, |r| r.group_counts.len());
        let took: Vec<usize> = (0..groups)
            .filter(|g| {
                self.group_kpi(*g, GroupKpi::Chats)
                    .is_some_and(|e| e.mean > 0.0)
            })
            .collect();
        if took.len() < 2 { Vec::new() } else { took }
    }

    /// Scenario targets checked for group `g`, for those whose KPI has a per-group
    /// meaning (the handbook's 65% conversion is a floor for each agent, not only the
    /// store): the target, the group's mean, and the share of replications in which the
    /// group met it (among those where the group's value is defined).
    pub fn group_targets(&self, g: usize) -> Vec<(Target, Option<f64>, Option<f64>)> {
        self.targets
            .iter()
            .filter_map(|t| {
                let kpi = GroupKpi::of(t.target.kpi)?;
                let values: Vec<f64> = self.group_values(g, kpi).into_iter().flatten().collect();
                let mean = Estimate::from_values(values.iter().copied()).map(|e| e.mean);
                let share = (!values.is_empty()).then(|| {
                    values.iter().filter(|v| t.target.met_by(**v)).count() as f64
                        / values.len() as f64
                });
                Some((t.target.clone(), mean, share))
            })
            .collect()
    }

    /// The mean of `kpi`, if defined.
    pub fn mean(&self, kpi: Kpi) -> Option<f64> {
        self.kpi(kpi).estimate.as_ref().map(|e| e.mean)
    }

    /// Series intervals.
    pub fn interval_count(&self) -> usize {
        self.intervals.len()
    }

    /// The index of `target` among the scenario's targets, if it is one.
    pub fn target_index(&self, target: &Target) -> Option<usize> {
        self.targets.iter().position(|t| t.target == *target)
    }

    /// Share of replications in which interval `k`'s arrivals miss `target` (`None`: not
    /// one of the scenario's targets, not judged per interval, or nobody to judge in any
    /// replication).
    pub fn interval_miss(&self, target: &Target, k: usize) -> Option<f64> {
        let t = self.target_index(target)?;
        let tally = self.intervals.get(k)?.judged[t];
        (tally.n > 0).then(|| f64::from(tally.n - tally.met) / self.replications.len() as f64)
    }

    /// Per-replication values of `kpi` over the customers of window `w` (`None` where
    /// undefined, or not one of [`Kpi::WINDOW`]).
    pub fn window_values(&self, w: usize, kpi: Kpi) -> Vec<Option<f64>> {
        let i = Kpi::WINDOW.iter().position(|k| *k == kpi);
        self.replications
            .iter()
            .map(|r| r.windows.get(w).zip(i).and_then(|(v, i)| v[i]))
            .collect()
    }

    /// The judgement of `target`, if it is one of the scenario's.
    pub fn judgement(&self, target: &Target) -> Option<&TargetResult> {
        self.targets.iter().find(|t| t.target == *target)
    }
}

/// Runs the replications of `scenario` and summarises them.
///
/// # Panics
/// When `replications` or `threads` is 0 (the CLI validates both).
pub fn run(scenario: &Scenario, cfg: RunConfig) -> RunResults {
    run_observed(scenario, cfg, &|| {})
}

/// [`run`], calling `done` after each replication (for a progress bar); results are the
/// same.
pub fn run_observed(scenario: &Scenario, cfg: RunConfig, done: &(dyn Fn() + Sync)) -> RunResults {
    run_kept(scenario, cfg, &Keep::Nothing, done)
}

/// [`run_observed`], keeping the per-replication files as `keep` says.
pub fn run_kept(
    scenario: &Scenario,
    cfg: RunConfig,
    keep: &Keep,
    done: &(dyn Fn() + Sync),
) -> RunResults {
    run_plans(&[(scenario, keep.clone())], cfg, done)
        .pop()
        .expect("one plan in, one out")
}

/// Runs the replications of several scenarios (plans) side by side, replication `i` of
/// every plan before replication `i + 1` of any, and summarises each. After [`interrupt`]
/// every plan holds the same replications `0..k`, so differences between plans stay
/// paired.
pub fn run_plans(
    plans: &[(&Scenario, Keep)],
    cfg: RunConfig,
    done: &(dyn Fn() + Sync),
) -> Vec<RunResults> {
    assert!(cfg.replications > 0 && cfg.threads > 0);
    let mut sums: Vec<Summariser> = plans
        .iter()
        .map(|(sc, keep)| Summariser::new(sc, cfg.seed, keep))
        .collect();
    let files: Vec<bool> = sums.iter().map(Summariser::wants_files).collect();
    run_rows(
        cfg,
        plans.len(),
        |p, i| {
            let sc = plans[p].0;
            let r = match try_run_replication(sc, cfg.seed, i) {
                Ok(r) => Some(Prepared::new(sc, r, files[p])),
                Err(e) => {
                    exhaust(i, e);
                    None
                }
            };
            done();
            r
        },
        |p, _, r| {
            if let Some(r) = r {
                sums[p].add(r);
            }
        },
    );
    sums.into_iter().map(Summariser::finish).collect()
}

/// Summarises replications (in index order) of `scenario` run elsewhere, keeping their
/// files in memory.
pub fn summarise(
    scenario: &Scenario,
    seed: u64,
    replications: Vec<ReplicationResult>,
) -> RunResults {
    let mut s = Summariser::new(scenario, seed, &Keep::Memory);
    for r in replications {
        s.add(Prepared::new(scenario, r, true));
    }
    s.finish()
}

static STOP: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Asks every replication loop to start no new replication: those under way finish, so
/// the finished ones are always replications `0..k` (for Ctrl-C; see [`interrupted`]).
pub fn interrupt() {
    STOP.store(true, Ordering::SeqCst);
}

/// True once [`interrupt`] was called.
pub fn interrupted() -> bool {
    STOP.load(Ordering::SeqCst)
}

/// The first row (by index) whose replication stopped at its memory budget, and why.
static EXHAUSTED: Mutex<Option<(u64, Exhausted)>> = Mutex::new(None);

/// Row `row` stopped at its memory budget: no new replication starts (as on
/// [`interrupt`]), and [`run_rows`] folds only the rows before it, so the run keeps
/// replications `0..k` as on Ctrl-C.
pub fn exhaust(row: u64, why: Exhausted) {
    let mut first = EXHAUSTED.lock().unwrap_or_else(|e| e.into_inner());
    if first.as_ref().is_none_or(|(r, _)| row < *r) {
        *first = Some((row, why));
    }
    drop(first);
    interrupt();
}

/// The first replication that stopped at its memory budget, if any did.
pub fn exhausted() -> Option<Exhausted> {
    EXHAUSTED
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .as_ref()
        .map(|(_, e)| e.clone())
}

fn exhausted_row() -> Option<u64> {
    EXHAUSTED
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .as_ref()
        .map(|(r, _)| *r)
}

/// Runs `one(i)` for i in 0..replications on `threads` threads; results by index. After
/// [`interrupt`], no new index starts: the result holds replications `0..k`, `k` possibly
/// below `replications`.
pub fn run_all<T: Send>(cfg: RunConfig, one: impl Fn(u64) -> T + Sync) -> Vec<T> {
    let next = AtomicU64::new(0);
    let done: Mutex<Vec<(u64, T)>> = Mutex::new(Vec::with_capacity(cfg.replications as usize));
    let threads = cfg.threads.min(cfg.replications as usize).max(1);
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                loop {
                    if interrupted() {
                        break;
                    }
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= cfg.replications {
                        break;
                    }
                    let r = one(i);
                    done.lock()
                        .expect("a replication thread panicked")
                        .push((i, r));
                }
            });
        }
    });
    let mut done = done.into_inner().expect("a replication thread panicked");
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
}

/// Rows of replications a worker may run ahead of the oldest unfolded one, per thread
/// (bounds the finished replications waiting to be folded).
const AHEAD_PER_THREAD: u64 = 4;

/// Runs `one(p, i)` for every replication `i` in `0..replications` of every plan `p` in
/// `0..plans` on `threads` threads, and hands the results to `fold(p, i, result)` in
/// order: by `i`, then `p`, a whole row `i` at a time. Returns the rows folded: all of
/// them, or after [`interrupt`] the `k` rows whose every replication finished (those
/// under way finish; later rows are dropped), or after [`exhaust`] the rows before the
/// one that stopped.
pub fn run_rows<T: Send>(
    cfg: RunConfig,
    plans: usize,
    one: impl Fn(usize, u64) -> T + Sync,
    fold: impl FnMut(usize, u64, T) + Send,
) -> u64 {
    struct State<T, F> {
        pending: BTreeMap<u64, T>,
        next_row: u64,
        fold: F,
    }
    let plans_u = plans.max(1) as u64;
    let total = cfg.replications * plans_u;
    let threads = cfg.threads.min(total as usize).max(1);
    let ahead = AHEAD_PER_THREAD * threads as u64;
    let next = AtomicU64::new(0);
    let state = Mutex::new(State {
        pending: BTreeMap::new(),
        next_row: 0,
        fold,
    });
    let moved = Condvar::new();
    let lock = || state.lock().expect("a replication thread panicked");
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                loop {
                    if interrupted() {
                        break;
                    }
                    let j = next.fetch_add(1, Ordering::Relaxed);
                    if j >= total {
                        break;
                    }
                    let (row, p) = (j / plans_u, (j % plans_u) as usize);
                    let mut st = lock();
                    while row >= st.next_row + ahead && !interrupted() {
                        st = moved
                            .wait_timeout(st, std::time::Duration::from_millis(50))
                            .expect("a replication thread panicked")
                            .0;
                    }
                    drop(st);
                    if interrupted() {
                        break;
                    }
                    let r = one(p, row);
                    let mut st = lock();
                    st.pending.insert(j, r);
                    loop {
                        if exhausted_row().is_some_and(|r| st.next_row >= r) {
                            break;
                        }
                        let first = st.next_row * plans_u;
                        if (first..first + plans_u).any(|j| !st.pending.contains_key(&j)) {
                            break;
                        }
                        for j in first..first + plans_u {
                            let r = st.pending.remove(&j).expect("checked above");
                            (st.fold)((j % plans_u) as usize, j / plans_u, r);
                        }
                        st.next_row += 1;
                        moved.notify_all();
                    }
                }
            });
        }
    });
    state
        .into_inner()
        .expect("a replication thread panicked")
        .next_row
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_folded_in_order_with_few_waiting_whatever_the_threads() {
        for threads in [1, 2, 3, 8] {
            let cfg = RunConfig {
                replications: 40,
                seed: 0,
                threads,
            };
            let waiting = AtomicU64::new(0);
            let most = AtomicU64::new(0);
            let mut folded = Vec::new();
            let rows = run_rows(
                cfg,
                3,
                |p, i| {
                    // uneven replication times, so results finish out of order
                    let n = waiting.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(n, Ordering::SeqCst);
                    std::thread::sleep(std::time::Duration::from_micros(
                        (i * 7 + p as u64 * 13) % 5 * 200,
                    ));
                    (p, i)
                },
                |p, i, r| {
                    waiting.fetch_sub(1, Ordering::SeqCst);
                    assert_eq!(r, (p, i));
                    folded.push(r);
                },
            );
            assert_eq!(rows, 40);
            let expected: Vec<(usize, u64)> =
                (0..40).flat_map(|i| (0..3).map(move |p| (p, i))).collect();
            assert_eq!(folded, expected, "{threads} threads");
            // finished but unfolded results stay within the look-ahead window
            let bound = (AHEAD_PER_THREAD * threads as u64 + 1) * 3;
            assert!(most.load(Ordering::SeqCst) <= bound, "{threads} threads");
        }
    }
}
