//! Replications summarised as they finish: each one is folded, in index order, into the
//! merged histograms, the KPI values and the per-interval totals the report draws, and
//! its series rows and histogram-log entries go straight to their files. What is kept per
//! replication is a few hundred bytes (its totals, KPI values and one bit per interval and
//! target), so a run's memory does not grow with `--replications` beyond that.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::judge::{self, Gating, Scope, Tally};
use super::{KpiSummary, RunResults, TargetResult};
use crate::class::Class;
use crate::engine::SimTime;
use crate::kpi::{ClassKpi, Kpi};
use crate::metrics::{Counters, GroupCounts, Histograms};
use crate::model::{Areas, Footprint, ReplicationResult};
use crate::scenario::Scenario;
use crate::stats::Estimate;

/// What a run keeps of one replication once it is folded.
#[derive(Clone, Debug)]
pub struct RepSummary {
    /// Replication index (0-based).
    pub index: u64,
    /// Volume multiplier drawn for this replication (forecast error).
    pub volume_factor: f64,
    /// Counts and sums over counted customers.
    pub counters: Counters,
    /// Time integrals over the measurement window.
    pub areas: Areas,
    /// Per agent group: agents working, open chats and agents on duty, x seconds.
    pub groups: Vec<[f64; 3]>,
    /// Per agent group: what it did for counted customers.
    pub group_counts: Vec<GroupCounts>,
    /// Events handled and the most the engine held at once.
    pub footprint: Footprint,
    /// Simulated time when the run ended (after draining).
    pub end: SimTime,
    /// Per scenario target, one bit per series interval: set when that interval's arrival
    /// cohort misses the target in this replication.
    pub misses: Vec<Vec<u64>>,
    /// Per scenario window, the value of each of [`Kpi::WINDOW`] over its customers.
    pub windows: Vec<Vec<Option<f64>>>,
}

impl RepSummary {
    /// True when interval `k` misses target `t` in this replication.
    pub fn missed(&self, t: usize, k: usize) -> bool {
        self.misses
            .get(t)
            .and_then(|bits| bits.get(k / 64))
            .is_some_and(|w| w >> (k % 64) & 1 == 1)
    }
}

/// One series interval summed over the folded replications, in index order.
#[derive(Clone, Debug, Default)]
pub struct IntervalTotals {
    /// Arrivals.
    pub arrived: f64,
    /// Abandonments of the interval's arrivals.
    pub abandoned: f64,
    /// Customers awaiting a reply at the interval's end.
    pub unanswered: f64,
    /// Time-average number waiting.
    pub mean_waiting: f64,
    /// Agent replies to the interval's arrivals.
    pub replies: f64,
    /// Sum of their response times, seconds.
    pub reply_response_sum_s: f64,
    /// Sum of per-replication first-response p50, p90, p99 (s), and how many were defined.
    pub first_q: ([f64; 3], u32),
    /// Sum of per-replication per-reply response p50, p90, p99 (s), and how many.
    pub reply_q: ([f64; 3], u32),
    /// Agents on duty x seconds, all groups.
    pub on_duty_s: f64,
    /// Per group: agents working, open chats and agents on duty, x seconds.
    pub groups: Vec<[f64; 3]>,
    /// Per scenario target: the cohort's value over the replications in which it could
    /// be judged (none outside the scoring hours).
    pub judged: Vec<Tally>,
}

/// One clock hour summed over the folded replications.
#[derive(Clone, Debug, Default)]
pub struct HourTotals {
    /// Arrivals.
    pub arrived: f64,
    /// Of them, resolved by the bot.
    pub deflected: f64,
    /// Pre-sale arrivals whose conversion was predicted.
    pub pre_sale: f64,
    /// Their expected buyers.
    pub expected_buyers: f64,
    /// GMV lost against instant service.
    pub gmv_lost: f64,
    /// In-sale GMV lost against instant service.
    pub in_sale_gmv_lost: f64,
}

/// Where a run's per-replication files (`series.csv`, `histograms/*.hlog`) go.
#[derive(Clone, Debug, Default)]
pub enum Keep {
    /// Nowhere: the run only needs its summary.
    #[default]
    Nothing,
    /// In memory, written when the outputs are (for runs of a few replications).
    Memory,
    /// Appended to the files in this folder as each replication is folded.
    Folder(PathBuf),
}

/// The per-replication files of a finished run.
#[derive(Clone, Debug, Default)]
pub enum Kept {
    /// Not kept.
    #[default]
    Nothing,
    /// `series.csv` and the six `.hlog` texts.
    Memory(Vec<u8>, Vec<Vec<u8>>),
    /// Written whole to this folder.
    Folder(PathBuf),
    /// Writing them failed: the message.
    Failed(String),
}

/// A finished replication made ready for folding by the thread that ran it (the KPI
/// values, miss bits and file texts cost time; folding itself is cheap and serial).
pub struct Prepared {
    result: ReplicationResult,
    kpis: Vec<Option<f64>>,
    classes: Vec<Option<f64>>,
    misses: Vec<Vec<u64>>,
    values: Vec<Vec<Option<f64>>>,
    windows: Vec<Vec<Option<f64>>>,
    series: Option<String>,
    hlog: Option<Vec<String>>,
}

fn bits(n: usize) -> Vec<u64> {
    vec![0; n.div_ceil(64)]
}

impl Prepared {
    /// Prepares `result` (a replication of `sc`); `files` when its rows and log entries
    /// are to be kept.
    pub fn new(sc: &Scenario, result: ReplicationResult, files: bool) -> Prepared {
        let kpis = Kpi::ALL.into_iter().map(|k| k.value(&result)).collect();
        let classes = Class::ALL
            .into_iter()
            .flat_map(|c| ClassKpi::ALL.into_iter().map(move |k| (c, k)))
            .map(|(c, k)| k.value(c, &result))
            .collect();
        let n = result.intervals.len();
        let scored: Vec<bool> = result
            .intervals
            .iter()
            .map(|row| sc.scoring.counts_at(sc.calendar.time_of_day(row.start)))
            .collect();
        let (mut misses, mut values) = (Vec::new(), Vec::new());
        for t in &sc.targets {
            let mut miss = bits(n);
            let mut value = vec![None; n];
            for (k, row) in result.intervals.iter().enumerate() {
                let Some(v) = t.kpi.interval_value(row).filter(|_| scored[k]) else {
                    continue;
                };
                value[k] = Some(v);
                if !t.met_by(v) {
                    miss[k / 64] |= 1 << (k % 64);
                }
            }
            misses.push(miss);
            values.push(value);
        }
        let aov = sc.conversion.as_ref().map(|c| c.average_order_value);
        let windows = sc
            .windows
            .iter()
            .map(|&(from, to)| {
                let mut c = crate::kpi::WindowCounts::default();
                for row in result
                    .intervals
                    .iter()
                    .filter(|r| from <= r.start && r.start < to)
                {
                    c.add(&row.counts);
                }
                Kpi::WINDOW.map(|k| k.window_value(&c, aov)).to_vec()
            })
            .collect();
        let (series, hlog) = if files {
            let entries = result
                .histograms
                .all()
                .iter()
                .zip(Histograms::NAMES)
                .map(|(h, name)| crate::output::hlog_entry(name, result.index, h))
                .collect();
            (Some(crate::output::series_rows(sc, &result)), Some(entries))
        } else {
            (None, None)
        };
        Prepared {
            result,
            kpis,
            classes,
            misses,
            values,
            windows,
            series,
            hlog,
        }
    }
}

enum Sink {
    Nothing,
    Memory(Vec<u8>, Vec<Vec<u8>>),
    Folder(
        PathBuf,
        std::io::BufWriter<std::fs::File>,
        Vec<std::io::BufWriter<std::fs::File>>,
    ),
    Failed(String),
}

impl Sink {
    fn open(sc: &Scenario, keep: &Keep) -> Sink {
        let series_head = format!("{}\n", crate::output::series_header(sc));
        let log_heads: Vec<Vec<u8>> = Histograms::NAMES
            .iter()
            .map(|n| crate::output::hlog_header(n))
            .collect();
        match keep {
            Keep::Nothing => Sink::Nothing,
            Keep::Memory => Sink::Memory(series_head.into_bytes(), log_heads),
            Keep::Folder(dir) => {
                let open = || -> std::io::Result<Sink> {
                    let paths = crate::output::OutputPaths::new(dir);
                    std::fs::create_dir_all(paths.histograms())?;
                    let mut series =
                        std::io::BufWriter::new(std::fs::File::create(paths.series())?);
                    series.write_all(series_head.as_bytes())?;
                    let mut logs = Vec::new();
                    for (name, head) in Histograms::NAMES.iter().zip(&log_heads) {
                        let path = paths.histograms().join(format!("{name}.hlog"));
                        let mut f = std::io::BufWriter::new(std::fs::File::create(path)?);
                        f.write_all(head)?;
                        logs.push(f);
                    }
                    Ok(Sink::Folder(dir.clone(), series, logs))
                };
                open().unwrap_or_else(|e| Sink::Failed(format!("{}: {e}", dir.display())))
            }
        }
    }

    fn add(&mut self, series: Option<String>, hlog: Option<Vec<String>>) {
        let (Some(series), Some(hlog)) = (series, hlog) else {
            return;
        };
        match self {
            Sink::Nothing | Sink::Failed(_) => {}
            Sink::Memory(s, logs) => {
                s.extend_from_slice(series.as_bytes());
                for (l, e) in logs.iter_mut().zip(hlog) {
                    l.extend_from_slice(e.as_bytes());
                }
            }
            Sink::Folder(dir, s, logs) => {
                let mut write = || -> std::io::Result<()> {
                    s.write_all(series.as_bytes())?;
                    for (l, e) in logs.iter_mut().zip(&hlog) {
                        l.write_all(e.as_bytes())?;
                    }
                    Ok(())
                };
                if let Err(e) = write() {
                    *self = Sink::Failed(format!("{}: {e}", dir.display()));
                }
            }
        }
    }

    fn close(self) -> Kept {
        match self {
            Sink::Nothing => Kept::Nothing,
            Sink::Memory(s, l) => Kept::Memory(s, l),
            Sink::Failed(e) => Kept::Failed(e),
            Sink::Folder(dir, s, logs) => {
                let close = |w: std::io::BufWriter<std::fs::File>| -> std::io::Result<()> {
                    w.into_inner().map_err(|e| e.into_error())?.sync_all()
                };
                match std::iter::once(s).chain(logs).try_for_each(close) {
                    Ok(()) => Kept::Folder(dir),
                    Err(e) => Kept::Failed(format!("{}: {e}", dir.display())),
                }
            }
        }
    }
}

/// Folds replications, in index order, into a [`RunResults`].
pub struct Summariser<'a> {
    sc: &'a Scenario,
    seed: u64,
    merged: Histograms,
    reps: Vec<RepSummary>,
    kpis: Vec<Vec<Option<f64>>>,
    classes: Vec<Vec<f64>>,
    intervals: Vec<IntervalTotals>,
    hours: Vec<HourTotals>,
    sink: Sink,
    files: bool,
}

impl<'a> Summariser<'a> {
    /// An empty summary of replications of `sc`, keeping their files as `keep` says.
    pub fn new(sc: &'a Scenario, seed: u64, keep: &Keep) -> Summariser<'a> {
        let hours = (sc.horizon.as_secs_f64() / 3600.0).ceil() as usize;
        Summariser {
            sc,
            seed,
            merged: Histograms::new(),
            reps: Vec::new(),
            kpis: vec![Vec::new(); Kpi::ALL.len()],
            classes: vec![Vec::new(); Class::ALL.len() * ClassKpi::ALL.len()],
            intervals: Vec::new(),
            hours: vec![HourTotals::default(); hours],
            sink: Sink::open(sc, keep),
            files: !matches!(keep, Keep::Nothing),
        }
    }

    /// True when [`Prepared::new`] must build the files' texts for this summary.
    pub fn wants_files(&self) -> bool {
        self.files
    }

    /// Replications folded so far.
    pub fn len(&self) -> usize {
        self.reps.len()
    }

    /// True before the first replication is folded.
    pub fn is_empty(&self) -> bool {
        self.reps.is_empty()
    }

    /// Folds the next replication (they must come in index order).
    pub fn add(&mut self, p: Prepared) {
        let r = p.result;
        debug_assert_eq!(r.index, self.reps.len() as u64, "folded out of order");
        self.merged.add(&r.histograms);
        for (values, v) in self.kpis.iter_mut().zip(p.kpis) {
            values.push(v);
        }
        for (values, v) in self.classes.iter_mut().zip(p.classes) {
            values.extend(v);
        }
        let targets = &self.sc.targets;
        let groups = r.groups.len();
        if self.intervals.len() < r.intervals.len() {
            self.intervals
                .resize_with(r.intervals.len(), || IntervalTotals {
                    groups: vec![[0.0; 3]; groups],
                    judged: vec![Tally::default(); targets.len()],
                    ..IntervalTotals::default()
                });
        }
        for (k, (row, acc)) in r.intervals.iter().zip(&mut self.intervals).enumerate() {
            let n = &row.counts;
            acc.arrived += n.arrived as f64;
            acc.abandoned += n.abandoned as f64;
            acc.unanswered += n.unanswered as f64;
            acc.mean_waiting += row.mean_waiting;
            acc.replies += n.replies as f64;
            acc.reply_response_sum_s += n.reply_response_sum_s;
            for (q, sum) in [
                (row.first_response_q_s, &mut acc.first_q),
                (row.reply_response_q_s, &mut acc.reply_q),
            ] {
                if let Some(q) = q {
                    for (s, x) in sum.0.iter_mut().zip(q) {
                        *s += x;
                    }
                    sum.1 += 1;
                }
            }
            for g in &r.groups {
                acc.on_duty_s += g.by_interval.get(k).map_or(0.0, |a| a[2]);
            }
            for (sum, g) in acc.groups.iter_mut().zip(&r.groups) {
                if let Some(a) = g.by_interval.get(k) {
                    for i in 0..3 {
                        sum[i] += a[i];
                    }
                }
            }
            for ((tally, values), target) in acc.judged.iter_mut().zip(&p.values).zip(targets) {
                if let Some(x) = values[k] {
                    tally.add(target, x);
                }
            }
            let hour = (row.start.as_secs_f64() / 3600.0).floor() as usize;
            if let Some(h) = self.hours.get_mut(hour) {
                h.arrived += n.arrived as f64;
                h.deflected += n.deflected as f64;
                h.pre_sale += n.pre_sale as f64;
                h.expected_buyers += n.expected_buyers;
                h.gmv_lost += n.gmv_lost;
                h.in_sale_gmv_lost += n.in_sale_gmv_lost;
            }
        }
        self.sink.add(p.series, p.hlog);
        self.reps.push(RepSummary {
            index: r.index,
            volume_factor: r.volume_factor,
            counters: r.counters,
            areas: r.areas,
            groups: r
                .groups
                .iter()
                .map(|g| [g.working_s, g.chats_s, g.on_duty_s])
                .collect(),
            group_counts: r.groups.iter().map(|g| g.counts).collect(),
            footprint: r.footprint,
            end: r.end,
            misses: p.misses,
            windows: p.windows,
        });
    }

    /// The summary of everything folded.
    pub fn finish(self) -> RunResults {
        let Summariser {
            sc,
            seed,
            merged,
            reps,
            kpis,
            classes,
            intervals,
            hours,
            sink,
            ..
        } = self;
        let kpis: Vec<KpiSummary> = Kpi::ALL
            .into_iter()
            .zip(kpis)
            .map(|(kpi, values)| KpiSummary {
                kpi,
                estimate: Estimate::from_values(values.iter().flatten().copied()),
                values,
            })
            .collect();
        let targets = sc
            .targets
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let s = kpis
                    .iter()
                    .find(|k| k.kpi == t.kpi)
                    .expect("every KPI is summarised");
                let day = Scope::judge(t, sc.target_share, s.values.iter().flatten().copied());
                let per_interval: Vec<Scope> = intervals
                    .iter()
                    .map(|row| row.judged[i].scope(t, sc.target_share))
                    .collect();
                let verdict = judge::overall(
                    day.verdict,
                    per_interval.iter().filter(|x| x.n > 0).map(|x| x.verdict),
                );
                TargetResult {
                    target: t.clone(),
                    mean: s.estimate.as_ref().map(|e| e.mean),
                    share_met: day.met as f64 / reps.len().max(1) as f64,
                    day,
                    intervals: per_interval,
                    verdict,
                    gating: Gating::of(t, judge::ceiling(t.kpi, &reps)),
                }
            })
            .collect();
        let by_class = Class::ALL
            .into_iter()
            .flat_map(|class| ClassKpi::ALL.into_iter().map(move |k| (class, k)))
            .zip(classes)
            .map(|((class, k), values)| (class, k, Estimate::from_values(values)))
            .collect();
        RunResults {
            seed,
            replications: reps,
            merged,
            kpis,
            targets,
            by_class,
            intervals,
            hours,
            kept: sink.close(),
        }
    }
}

/// Writes the kept per-replication files of `r` under `dir` (nothing when they were
/// streamed there already).
pub fn write_kept(dir: &Path, r: &RunResults) -> std::io::Result<()> {
    let paths = crate::output::OutputPaths::new(dir);
    match &r.kept {
        Kept::Folder(d) if d == dir => Ok(()),
        Kept::Memory(series, logs) => {
            std::fs::create_dir_all(paths.histograms())?;
            crate::output::write_atomic(&paths.series(), series)?;
            for (name, log) in Histograms::NAMES.iter().zip(logs) {
                crate::output::write_atomic(&paths.histograms().join(format!("{name}.hlog")), log)?;
            }
            Ok(())
        }
        Kept::Failed(e) => Err(std::io::Error::other(e.clone())),
        Kept::Folder(_) | Kept::Nothing => Err(std::io::Error::other(
            "the run did not keep its per-replication files for this folder",
        )),
    }
}
