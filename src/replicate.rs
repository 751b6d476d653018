//! Replications: run R independent replications on N threads, re-sorted by index so the
//! results never depend on completion order, then summarise every KPI across them.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::class::Class;
use crate::kpi::{ClassKpi, Kpi, Target};
use crate::metrics::Histograms;
use crate::model::{ReplicationResult, run_replication};
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

/// A target judged on the replications.
#[derive(Clone, Debug)]
pub struct TargetResult {
    /// The target.
    pub target: Target,
    /// The KPI's mean over replications.
    pub mean: Option<f64>,
    /// The mean meets the target.
    pub met: bool,
    /// Share of replications in which the target held.
    pub share_met: f64,
}

/// Everything a run produced.
#[derive(Clone, Debug)]
pub struct RunResults {
    /// The master seed.
    pub seed: u64,
    /// Per replication, by index.
    pub replications: Vec<ReplicationResult>,
    /// All replications' histograms added together.
    pub merged: Histograms,
    /// Every KPI, in [`Kpi::ALL`] order.
    pub kpis: Vec<KpiSummary>,
    /// The scenario's targets.
    pub targets: Vec<TargetResult>,
    /// Per-class KPIs: `(class, kpi, estimate)` for every class that had customers.
    pub by_class: Vec<(Class, ClassKpi, Option<Estimate>)>,
}

impl RunResults {
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

    /// The mean of `kpi`, if defined.
    pub fn mean(&self, kpi: Kpi) -> Option<f64> {
        self.kpi(kpi).estimate.as_ref().map(|e| e.mean)
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
    assert!(cfg.replications > 0 && cfg.threads > 0);
    let replications = run_all(cfg, |i| {
        let r = run_replication(scenario, cfg.seed, i);
        done();
        r
    });
    summarise(scenario, cfg.seed, replications)
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

/// Summarises replications (in index order) of `scenario`.
pub fn summarise(
    scenario: &Scenario,
    seed: u64,
    replications: Vec<ReplicationResult>,
) -> RunResults {
    let mut merged = Histograms::new();
    for r in &replications {
        merged.add(&r.histograms);
    }
    let kpis: Vec<KpiSummary> = Kpi::ALL
        .into_iter()
        .map(|kpi| {
            let values: Vec<Option<f64>> = replications.iter().map(|r| kpi.value(r)).collect();
            let estimate = Estimate::from_values(values.iter().flatten().copied());
            KpiSummary {
                kpi,
                estimate,
                values,
            }
        })
        .collect();
    let targets = scenario
        .targets
        .iter()
        .map(|t| {
            let s = kpis
                .iter()
                .find(|k| k.kpi == t.kpi)
                .expect("every KPI is summarised");
            let mean = s.estimate.as_ref().map(|e| e.mean);
            let held = s
                .values
                .iter()
                .filter(|v| v.is_some_and(|x| t.met_by(x)))
                .count();
            TargetResult {
                target: t.clone(),
                mean,
                met: mean.is_some_and(|m| t.met_by(m)),
                share_met: held as f64 / replications.len().max(1) as f64,
            }
        })
        .collect();
    let by_class = Class::ALL
        .into_iter()
        .flat_map(|class| ClassKpi::ALL.into_iter().map(move |k| (class, k)))
        .map(|(class, k)| {
            let est = Estimate::from_values(replications.iter().filter_map(|r| k.value(class, r)));
            (class, k, est)
        })
        .collect();
    RunResults {
        seed,
        replications,
        merged,
        kpis,
        targets,
        by_class,
    }
}
