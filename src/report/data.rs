//! What the charts show: a run's per-interval series averaged over replications.

use crate::engine::SimTime;
use crate::replicate::RunResults;
use crate::scenario::Scenario;

/// One series interval, over all replications.
#[derive(Clone, Debug, Default)]
pub struct Interval {
    /// Start, hours from the scenario start.
    pub start_h: f64,
    /// Length, hours.
    pub len_h: f64,
    /// Mean arrivals per hour.
    pub arrivals_per_hour: f64,
    /// Chat slots the roster puts on duty at the interval's middle (agents x cap).
    pub slots: f64,
    /// Mean agents on duty (or finishing chats after their shift).
    pub agents: f64,
    /// Mean time-average customers waiting for an agent.
    pub queue: f64,
    /// Mean abandonments of the interval's arrivals.
    pub abandoned: f64,
    /// Mean customers whose latest message awaits a reply at the interval's end (未回复:
    /// in line, 留言, or in an agent's inbox).
    pub unanswered: f64,
    /// Mean over replications of p50, p90, p99 first response (s).
    pub first_q: Option<[f64; 3]>,
    /// Mean over replications of p50, p90, p99 per-reply response (s).
    pub reply_q: Option<[f64; 3]>,
    /// 平响 of the interval's arrivals, pooled over replications (s).
    pub avg_response: Option<f64>,
    /// Per group: utilisation and mean open chats per agent on duty (pooled).
    pub groups: Vec<(Option<f64>, Option<f64>)>,
}

/// One clock hour, for the conversion and bot charts.
#[derive(Clone, Debug, Default)]
pub struct Hour {
    /// Start, hours from the scenario start.
    pub start_h: f64,
    /// Conversion of the hour's pre-sale arrivals (pooled).
    pub conversion: Option<f64>,
    /// Mean GMV lost against instant service.
    pub gmv_lost: f64,
    /// Share of the hour's arrivals the bot resolved (pooled).
    pub deflection: Option<f64>,
}

/// A run's series for the charts.
#[derive(Clone, Debug)]
pub struct Series {
    /// Series intervals.
    pub intervals: Vec<Interval>,
    /// Clock hours.
    pub hours: Vec<Hour>,
    /// Group names, in scenario order.
    pub groups: Vec<String>,
    /// Peak windows, hours from the start.
    pub peaks: Vec<(f64, f64)>,
}

fn ratio(a: f64, b: f64) -> Option<f64> {
    (b > 0.0).then(|| a / b)
}

fn mean_of(values: impl Iterator<Item = [f64; 3]>) -> Option<[f64; 3]> {
    let (mut sum, mut n) = ([0.0; 3], 0.0);
    for v in values {
        for (s, x) in sum.iter_mut().zip(v) {
            *s += x;
        }
        n += 1.0;
    }
    (n > 0.0).then(|| sum.map(|s| s / n))
}

impl Series {
    /// The series of `results` (a run of `sc`).
    pub fn of(sc: &Scenario, results: &RunResults) -> Series {
        let reps = &results.replications;
        let n = reps.first().map_or(0, |r| r.intervals.len());
        let reps_f = reps.len().max(1) as f64;
        let len = sc.interval.as_secs_f64();
        let intervals = (0..n)
            .map(|k| {
                let start = k as f64 * len;
                let this_len = (sc.horizon.as_secs_f64() - start).min(len).max(1e-9);
                let mid = SimTime::from_secs_f64(start + this_len / 2.0);
                let rows = || reps.iter().map(move |r| &r.intervals[k]);
                let sum =
                    |f: &dyn Fn(&crate::model::IntervalRow) -> f64| rows().map(f).sum::<f64>();
                let slots = sc
                    .groups
                    .iter()
                    .filter(|g| g.on_duty_at(mid))
                    .map(|g| f64::from(g.count) * f64::from(g.cap_at(mid, &sc.peaks)))
                    .sum();
                let on_duty: f64 = reps
                    .iter()
                    .flat_map(|r| r.groups.iter())
                    .map(|g| g.by_interval.get(k).map_or(0.0, |a| a[2]))
                    .sum();
                let groups = (0..sc.groups.len())
                    .map(|g| {
                        let [w, c, d] = reps
                            .iter()
                            .filter_map(|r| r.groups[g].by_interval.get(k))
                            .fold([0.0; 3], |acc, a| {
                                [acc[0] + a[0], acc[1] + a[1], acc[2] + a[2]]
                            });
                        (ratio(w, d), ratio(c, d))
                    })
                    .collect();
                Interval {
                    start_h: start / 3600.0,
                    len_h: this_len / 3600.0,
                    arrivals_per_hour: sum(&|r| r.counts.arrived as f64) / reps_f * 3600.0
                        / this_len,
                    slots,
                    agents: on_duty / reps_f / this_len,
                    queue: sum(&|r| r.mean_waiting) / reps_f,
                    abandoned: sum(&|r| r.counts.abandoned as f64) / reps_f,
                    unanswered: sum(&|r| r.counts.unanswered as f64) / reps_f,
                    first_q: mean_of(rows().filter_map(|r| r.first_response_q_s)),
                    reply_q: mean_of(rows().filter_map(|r| r.reply_response_q_s)),
                    avg_response: ratio(
                        sum(&|r| r.counts.reply_response_sum_s),
                        sum(&|r| r.counts.replies as f64),
                    ),
                    groups,
                }
            })
            .collect();
        let hours_n = (sc.horizon.as_secs_f64() / 3600.0).ceil() as usize;
        let hours = (0..hours_n)
            .map(|h| {
                let in_hour = |r: &crate::model::IntervalRow| {
                    (r.start.as_secs_f64() / 3600.0).floor() as usize == h
                };
                let rows = || {
                    reps.iter()
                        .flat_map(|r| r.intervals.iter())
                        .filter(move |r| in_hour(r))
                };
                let sum =
                    |f: &dyn Fn(&crate::model::IntervalRow) -> f64| rows().map(f).sum::<f64>();
                Hour {
                    start_h: h as f64,
                    conversion: ratio(
                        sum(&|r| r.counts.expected_buyers),
                        sum(&|r| r.counts.pre_sale as f64),
                    ),
                    gmv_lost: sum(&|r| r.counts.gmv_lost) / reps_f,
                    deflection: sc.bot.as_ref().and_then(|_| {
                        ratio(
                            sum(&|r| r.counts.deflected as f64),
                            sum(&|r| r.counts.arrived as f64),
                        )
                    }),
                }
            })
            .collect();
        Series {
            intervals,
            hours,
            groups: sc.groups.iter().map(|g| g.name.clone()).collect(),
            peaks: sc
                .peaks
                .iter()
                .map(|w| (w.start.as_secs_f64() / 3600.0, w.end.as_secs_f64() / 3600.0))
                .collect(),
        }
    }
}
