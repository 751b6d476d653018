//! The holdout check: a scenario fitted on some of the log's days is simulated, and each
//! interval's abandonment, mean first response and service level are set against the
//! held-out days' own. A fit judged on the data it was fitted to proves little.

use serde::Serialize;

use super::collect::{Collected, IntervalKpi};
use super::estimate::Value;
use crate::stats::Estimate;

/// Intervals where fewer customers reached a human on the held-out days are not compared.
pub const MIN_REACHED: u64 = 20;

/// The KPIs compared.
pub const KPIS: [&str; 3] = ["abandonment", "first_response_s", "service_level"];

/// One interval's KPI: observed on the held-out days, simulated from the fitted scenario.
#[derive(Clone, Debug, Serialize)]
pub struct Row {
    /// Minutes from the day's start.
    pub offset_min: f64,
    pub kpi: &'static str,
    pub observed: Value,
    pub simulated: Value,
    /// The simulated days' 95% prediction interval for a mean of as many days as were
    /// held out.
    pub band: [f64; 2],
    /// The observed mean lies inside the simulated days' 95% prediction interval for a
    /// mean of as many days.
    pub consistent: bool,
}

/// The check's result.
#[derive(Clone, Debug, Serialize)]
pub struct Holdout {
    pub fitted_days: Vec<String>,
    pub held_out_days: Vec<String>,
    pub replications: u64,
    /// Per interval and KPI.
    pub rows: Vec<Row>,
    /// The whole of the held-out days, per KPI.
    pub day: Vec<Row>,
    /// Per KPI: the share of intervals whose difference is consistent with 0.
    pub consistent_share: Vec<(&'static str, f64, usize)>,
}

/// The value of `kpi` in one day's interval.
fn value_of(kpi: &str, k: &IntervalKpi) -> Option<f64> {
    match kpi {
        "abandonment" => (k.reached > 0).then(|| k.left as f64 / k.reached as f64),
        "service_level" => (k.reached > 0).then(|| k.within_sl as f64 / k.reached as f64),
        _ => (k.replied > 0).then(|| k.first_sum_s / k.replied as f64),
    }
}

/// The days' values of `kpi`: their mean, Student-t interval and count.
fn over_days(kpi: &str, days: &[IntervalKpi]) -> Option<(Value, f64)> {
    let e = Estimate::from_values(days.iter().filter_map(|k| value_of(kpi, k)))?;
    Some((
        Value {
            value: e.mean,
            lo: e.ci_low,
            hi: e.ci_high,
            n: e.n as u64,
        },
        e.sd,
    ))
}

/// Observed against simulated: the held-out days' mean must lie inside the simulated
/// days' 95% prediction interval for a mean of as many days (Student's t on the
/// simulated days' spread, which carries the day-to-day variation a single log cannot).
fn row(offset_min: f64, kpi: &'static str, o: Value, s: (Value, f64)) -> Row {
    let (sv, sd) = s;
    let (h, r) = (o.n.max(1) as f64, sv.n.max(2) as f64);
    let half = crate::stats::t_975(sv.n.max(2) as usize - 1) * sd * (1.0 / h + 1.0 / r).sqrt();
    Row {
        offset_min,
        kpi,
        observed: o,
        simulated: sv,
        band: [sv.value - half, sv.value + half],
        consistent: (o.value - sv.value).abs() <= half,
    }
}

/// Compares `held_out` (the log's held-out days) with `sim` (the simulated days, one per
/// replication, collected on the same intervals).
pub fn compare(
    held_out: &Collected,
    held_days: &[i64],
    sim: &Collected,
    sim_days: &[i64],
    fitted_days: &[i64],
) -> Holdout {
    let ks: std::collections::BTreeSet<i64> = held_out
        .kpis
        .keys()
        .filter(|(d, _)| held_days.contains(d))
        .map(|(_, k)| *k)
        .collect();
    let per_day = |c: &Collected, days: &[i64], k: Option<i64>| -> Vec<IntervalKpi> {
        days.iter()
            .map(|d| {
                let mut p = IntervalKpi::default();
                for ((dd, kk), v) in &c.kpis {
                    if dd == d && k.is_none_or(|k| k == *kk) {
                        p.absorb(v);
                    }
                }
                p
            })
            .collect()
    };
    let mut rows = Vec::new();
    for &k in &ks {
        let o = per_day(held_out, held_days, Some(k));
        if o.iter().map(|x| x.reached).sum::<u64>() < MIN_REACHED {
            continue;
        }
        let s = per_day(sim, sim_days, Some(k));
        for kpi in KPIS {
            if let (Some((ov, _)), Some(sv)) = (over_days(kpi, &o), over_days(kpi, &s)) {
                rows.push(row(k as f64 * held_out.interval_s / 60.0, kpi, ov, sv));
            }
        }
    }
    let (o, s) = (
        per_day(held_out, held_days, None),
        per_day(sim, sim_days, None),
    );
    let day = KPIS
        .iter()
        .filter_map(|kpi| Some(row(0.0, kpi, over_days(kpi, &o)?.0, over_days(kpi, &s)?)))
        .collect();
    let consistent_share = KPIS
        .iter()
        .map(|kpi| {
            let of: Vec<&Row> = rows.iter().filter(|r| r.kpi == *kpi).collect();
            let ok = of.iter().filter(|r| r.consistent).count();
            (*kpi, ok as f64 / of.len().max(1) as f64, of.len())
        })
        .collect();
    let dates = |d: &[i64]| {
        d.iter()
            .map(|&x| crate::convlog::time::format_date(x))
            .collect()
    };
    Holdout {
        fitted_days: dates(fitted_days),
        held_out_days: dates(held_days),
        replications: sim_days.len() as u64,
        rows,
        day,
        consistent_share,
    }
}
