//! The war-room nowcast: replications warm-started from the live state, their arrivals
//! re-forecast from the arrivals so far, each move run with the same random numbers as
//! doing nothing, and per-interval bands and paired differences for the next hours.

pub mod moves;

use rand::RngExt;

use crate::engine::SimTime;
use crate::forecast::{Curve, Update};
use crate::model::ReplicationResult;
use crate::random::{Stream, stream};
use crate::scenario::Scenario;

/// What the nowcast reports per interval and move: the backlog at the interval's end
/// (customers whose latest message awaits a reply, `unanswered_end` in series.csv), and
/// for the customers arriving in it 平响, 首响, the abandonment rate and the GMV lost.
pub const KPIS: [&str; 5] = [
    "backlog",
    "avg_response_s",
    "first_response_s",
    "abandonment",
    "gmv_lost",
];

/// The plan of `sc`: its expected arrivals per series interval, on the calendar (seconds
/// since 01-01 00:00), as the forecast reads it.
pub fn plan_curve(sc: &Scenario) -> Curve {
    let start = f64::from(sc.calendar.start().seconds_of_year());
    let step = sc.interval.as_secs_f64();
    let n = sc.horizon.as_micros().div_ceil(sc.interval.as_micros()) as usize;
    let rows: Vec<(f64, f64)> = (0..n)
        .map(|k| {
            let from = k as f64 * step;
            (
                start + from,
                sc.arrivals.curve.expected_between(from, from + step),
            )
        })
        .collect();
    Curve::from_rows(&rows, Some(step))
}

/// The volume multiplier of replication `index` over the next `hours`: `theta` drawn
/// from the update as it stands halfway through them (where the ratio drifts, its
/// uncertainty grows ahead), the same for every move, so their differences are paired.
pub fn volume(update: &Update, hours: f64, seed: u64, index: u64) -> f64 {
    let mut rng = stream(seed, index, Stream::Replication);
    // the stream's first draw is the scenario's own volume, unused here: skip past it
    let _ = rng.random::<f64>();
    update.ahead(hours / 2.0).ratio_at(rng.random::<f64>())
}

/// One replication of one move: the KPIs of each series interval from `from` on
/// (`[interval][kpi]`, NaN where an interval has nothing to measure).
pub fn kpis(r: &ReplicationResult, from: usize, to: usize) -> Vec<[f64; 5]> {
    r.intervals[from..to.min(r.intervals.len())]
        .iter()
        .map(|row| {
            let c = &row.counts;
            let ratio = |a: f64, b: f64| if b > 0.0 { a / b } else { f64::NAN };
            let first: f64 = c.first_response_sum_s_by_class.iter().sum();
            let replied: u64 = c.replied_by_class.iter().sum();
            [
                // 未回复: the line, 留言 and messages in agents' inboxes
                c.unanswered as f64,
                ratio(c.reply_response_sum_s, c.replies as f64),
                ratio(first, replied as f64),
                ratio(c.abandoned as f64, c.received as f64),
                c.gmv_lost,
            ]
        })
        .collect()
}

/// The series intervals the next `hours` cover from `at`: `[from, to)`, `from` the
/// interval under way at `at`.
pub fn window(sc: &Scenario, at: SimTime, hours: f64) -> (usize, usize) {
    let step = sc.interval.as_micros();
    let from = (at.as_micros() / step) as usize;
    let end = at + SimTime::from_secs_f64(hours * 3600.0);
    let n = sc.horizon.as_micros().div_ceil(step) as usize;
    let to = (end.as_micros().div_ceil(step) as usize).min(n);
    (from, to.max(from + 1).min(n))
}

/// `sc` cut for a nowcast from `at` over the next `hours`: arrivals end with the window's
/// last interval and the run then drains, so every arrival in the window resolves and
/// nothing after it is simulated. Returns the scenario and the window's intervals.
pub fn cut(sc: &Scenario, at: SimTime, hours: f64) -> (Scenario, usize, usize) {
    let (from, to) = window(sc, at, hours);
    let mut s = sc.clone();
    s.horizon = s
        .horizon
        .min(SimTime::from_micros(to as u64 * sc.interval.as_micros()));
    (s, from, to)
}

/// The arrivals so far of a snapshot (`counts` per series interval from the start, the
/// last to `at`) as the forecast reads them.
pub fn observed_curve(sc: &Scenario, counts: &[u64], at: SimTime) -> Curve {
    let start = f64::from(sc.calendar.start().seconds_of_year());
    let step = sc.interval.as_secs_f64();
    let rows: Vec<(f64, f64)> = counts
        .iter()
        .enumerate()
        .map(|(k, n)| (start + k as f64 * step, *n as f64))
        .collect();
    if rows.is_empty() {
        return Curve::default();
    }
    Curve::from_rows(&rows, Some(step)).until(start + at.as_secs_f64())
}

/// Mean and the `q` and `1 - q` quantiles of the finite values.
pub fn band(values: &[f64], q: f64) -> Option<(f64, f64, f64)> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let at = |p: f64| {
        let i = p * (v.len() - 1) as f64;
        let (lo, hi) = (i.floor() as usize, i.ceil() as usize);
        v[lo] + (v[hi] - v[lo]) * (i - lo as f64)
    };
    let mean = v.iter().sum::<f64>() / v.len() as f64;
    Some((mean, at(q), at(1.0 - q)))
}

/// Mean of paired differences `a - b` (finite pairs) with its 95% Student-t interval.
pub fn paired(a: &[f64], b: &[f64]) -> Option<crate::stats::Estimate> {
    crate::stats::Estimate::from_values(a.iter().zip(b).map(|(x, y)| x - y))
}
