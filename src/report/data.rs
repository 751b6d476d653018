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
    /// Mean chats open with an agent (time-average over the interval): the load served.
    pub open_chats: f64,
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
    /// Mean GMV lost against instant service (pre-sale).
    pub gmv_lost: f64,
    /// Mean in-sale GMV lost against instant service.
    pub in_sale_gmv_lost: f64,
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
    /// Per group: its display names, English and Chinese.
    pub groups: Vec<(String, String)>,
    /// Peak windows, hours from the start.
    pub peaks: Vec<(f64, f64)>,
}

fn ratio(a: f64, b: f64) -> Option<f64> {
    (b > 0.0).then(|| a / b)
}

/// The mean of summed quantiles over the `n` replications that had them.
fn mean_q((sum, n): ([f64; 3], u32)) -> Option<[f64; 3]> {
    (n > 0).then(|| sum.map(|s| s / f64::from(n)))
}

impl Series {
    /// The series of `results` (a run of `sc`).
    pub fn of(sc: &Scenario, results: &RunResults) -> Series {
        let reps_f = results.replications.len().max(1) as f64;
        let len = sc.interval.as_secs_f64();
        let intervals = results
            .intervals
            .iter()
            .enumerate()
            .map(|(k, t)| {
                let start = k as f64 * len;
                let this_len = (sc.horizon.as_secs_f64() - start).min(len).max(1e-9);
                let mid = SimTime::from_secs_f64(start + this_len / 2.0);
                let slots = sc
                    .groups
                    .iter()
                    .filter(|g| g.on_duty_at(mid))
                    .map(|g| f64::from(g.count) * f64::from(g.cap_at(mid, &sc.peaks)))
                    .sum();
                Interval {
                    start_h: start / 3600.0,
                    len_h: this_len / 3600.0,
                    arrivals_per_hour: t.arrived / reps_f * 3600.0 / this_len,
                    slots,
                    agents: t.on_duty_s / reps_f / this_len,
                    open_chats: t.groups.iter().map(|g| g[1]).sum::<f64>() / reps_f / this_len,
                    queue: t.mean_waiting / reps_f,
                    abandoned: t.abandoned / reps_f,
                    unanswered: t.unanswered / reps_f,
                    first_q: mean_q(t.first_q),
                    reply_q: mean_q(t.reply_q),
                    avg_response: ratio(t.reply_response_sum_s, t.replies),
                    groups: t
                        .groups
                        .iter()
                        // agents finishing their chats after the shift are busy, not
                        // over 100% busy: their time counts as time present
                        .map(|[w, c, d]| (ratio(*w, d.max(*w)), ratio(*c, *d)))
                        .collect(),
                }
            })
            .collect();
        let hours = results
            .hours
            .iter()
            .enumerate()
            .map(|(h, t)| Hour {
                start_h: h as f64,
                conversion: ratio(t.expected_buyers, t.pre_sale),
                gmv_lost: t.gmv_lost / reps_f,
                in_sale_gmv_lost: t.in_sale_gmv_lost / reps_f,
                deflection: sc.bot.as_ref().and_then(|_| ratio(t.deflected, t.arrived)),
            })
            .collect();
        Series {
            intervals,
            hours,
            groups: sc
                .groups
                .iter()
                .map(|g| (g.label.clone(), g.label_zh.clone()))
                .collect(),
            peaks: sc
                .peaks
                .iter()
                .map(|w| (w.start.as_secs_f64() / 3600.0, w.end.as_secs_f64() / 3600.0))
                .collect(),
        }
    }
}
