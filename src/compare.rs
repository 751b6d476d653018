//! Plans side by side: every variant runs with the base's seed, so replication `i` of each
//! plan sees the same arrivals and customers (common random numbers); differences are
//! estimated from the paired per-replication differences, which cancels most noise.

use std::fmt::Write;

use serde_json::{Value, json};

use crate::kpi::Kpi;
use crate::replicate::RunResults;
use crate::scenario::variants::Variant;
use crate::stats::Estimate;

/// One plan's results.
#[derive(Clone, Debug)]
pub struct PlanResults {
    /// "base" or the variant's name.
    pub name: String,
    /// The variant's description.
    pub description: String,
    /// Its run.
    pub results: RunResults,
    /// The window its what-if asks about: the index into the scenario's windows and the
    /// window as clock text ("11-11 00:00-01:00").
    pub window: Option<(usize, String)>,
}

impl PlanResults {
    /// Each plan with its run, in plan order.
    pub fn of(plans: &[Variant], runs: Vec<RunResults>) -> Vec<PlanResults> {
        plans
            .iter()
            .zip(runs)
            .map(|(p, results)| PlanResults {
                name: p.name.clone(),
                description: p.description.clone(),
                window: p.window.map(|w| (w, window_label(&p.scenario, w))),
                results,
            })
            .collect()
    }
}

/// The KPIs shown side by side.
pub const COMPARED: [Kpi; 14] = [
    Kpi::AvgResponseS,
    Kpi::FirstResponseMeanS,
    Kpi::FirstResponseP90S,
    Kpi::FirstReply3minShare,
    Kpi::ReplyRate,
    Kpi::AnsweredWhilePresentRate,
    Kpi::AbandonmentRate,
    Kpi::InquiryConversion,
    Kpi::CsGmv,
    Kpi::GmvLost,
    Kpi::InSaleGmvLost,
    Kpi::DeflectionRate,
    Kpi::AgentUtilisation,
    Kpi::MeanConcurrency,
];

/// Window `w` of `sc` as clock text: "11-11 00:00-01:00" (the end's date when it differs).
pub fn window_label(sc: &crate::scenario::Scenario, w: usize) -> String {
    let Some(&(from, to)) = sc.windows.get(w) else {
        return String::new();
    };
    let (a, b) = (sc.calendar.format(from), sc.calendar.format(to));
    match (a.split_once(' '), b.split_once(' ')) {
        (Some((da, _)), Some((db, tb))) if da == db => format!("{a}-{tb}"),
        _ => format!("{a} to {b}"),
    }
}

/// `plan - base` for `kpi` over the customers of window `w`, from paired replications.
pub fn window_difference(
    base: &RunResults,
    plan: &RunResults,
    w: usize,
    kpi: Kpi,
) -> Option<Estimate> {
    let (b, p) = (base.window_values(w, kpi), plan.window_values(w, kpi));
    Estimate::from_values(
        b.iter()
            .zip(&p)
            .filter_map(|(b, p)| Some((*p)? - (*b)?))
            .filter(|d| d.is_finite()),
    )
}

/// The mean of `kpi` over window `w`'s customers (finite values).
pub fn window_mean(r: &RunResults, w: usize, kpi: Kpi) -> Option<f64> {
    Estimate::from_values(r.window_values(w, kpi).into_iter().flatten()).map(|e| e.mean)
}

/// `plan - base` for `kpi`, from paired replications (where both are defined).
pub fn difference(base: &RunResults, plan: &RunResults, kpi: Kpi) -> Option<Estimate> {
    let (b, p) = (&base.kpi(kpi).values, &plan.kpi(kpi).values);
    Estimate::from_values(b.iter().zip(p).filter_map(|(b, p)| Some((*p)? - (*b)?)))
}

use crate::output::fmt_value as fmt;

/// A paired difference as people read it: the change with its 95% CI in the KPI's unit
/// (percentage points for shares), e.g. `-0.13pp [-0.35pp .. +0.09pp]`.
pub fn fmt_diff(kpi: Kpi, d: &Estimate) -> String {
    let s = |x: f64| {
        if kpi.is_money() {
            let m = crate::report::text::money(x);
            if x >= 0.0 { format!("+{m}") } else { m }
        } else if kpi.is_share() {
            format!("{:+.2}pp", x * 100.0)
        } else if x.abs() >= 1000.0 {
            format!("{x:+.0}")
        } else {
            format!("{x:+.2}")
        }
    };
    format!("{} [{} .. {}]", s(d.mean), s(d.ci_low), s(d.ci_high))
}

/// Whether a difference is better, worse or no change (its CI holds 0) for a store.
pub fn judge(kpi: Kpi, d: &Estimate) -> &'static str {
    let Some(higher) = kpi.higher_is_better() else {
        return "";
    };
    if d.ci_low <= 0.0 && d.ci_high >= 0.0 {
        "no change"
    } else if (d.mean > 0.0) == higher {
        "better"
    } else {
        "worse"
    }
}

/// The comparison for people: one block per variant, each KPI's base mean, the variant's
/// mean, and the paired difference with its 95% CI.
pub fn render(plans: &[PlanResults]) -> String {
    let mut out = String::new();
    let Some(base) = plans.first() else {
        return out;
    };
    let _ = writeln!(
        out,
        "\nplans side by side: same customers in every plan (common random numbers)"
    );
    for p in plans.iter().skip(1) {
        let _ = writeln!(out, "\n{}: {}", p.name, p.description);
        if let Some((w, label)) = &p.window {
            let _ = writeln!(
                out,
                "  for the customers arriving {label} (the hours this what-if asks about):"
            );
            let rows = Kpi::WINDOW.iter().map(|&kpi| {
                (
                    kpi,
                    window_mean(&base.results, *w, kpi),
                    window_mean(&p.results, *w, kpi),
                    window_difference(&base.results, &p.results, *w, kpi),
                )
            });
            side_by_side(&mut out, &p.name, rows);
            let _ = writeln!(out, "  over the whole run:");
        }
        let rows = COMPARED.iter().map(|&kpi| {
            (
                kpi,
                base.results.mean(kpi),
                p.results.mean(kpi),
                difference(&base.results, &p.results, kpi),
            )
        });
        side_by_side(&mut out, &p.name, rows);
    }
    out
}

/// One block of the terminal comparison: a header, then per KPI the base's mean, the
/// plan's and the paired difference (KPIs undefined in either plan left out).
fn side_by_side(
    out: &mut String,
    name: &str,
    rows: impl Iterator<Item = (Kpi, Option<f64>, Option<f64>, Option<Estimate>)>,
) {
    let _ = writeln!(
        out,
        "  {:<28} {:>12} {:>12}   difference [95% CI]",
        "KPI",
        "base",
        name.chars().take(12).collect::<String>(),
    );
    for (kpi, b, m, d) in rows {
        let (Some(b), Some(m)) = (b, m) else {
            continue;
        };
        let d = d.map_or("n/a".into(), |d| {
            format!("{} {}", fmt_diff(kpi, &d), judge(kpi, &d))
                .trim_end()
                .to_string()
        });
        let _ = writeln!(
            out,
            "  {:<28} {:>12} {:>12}   {d}",
            kpi.name(),
            fmt(kpi, b),
            fmt(kpi, m)
        );
    }
}

/// The comparison as JSON: per variant, every KPI's mean and difference vs base.
pub fn to_json(plans: &[PlanResults]) -> Value {
    let Some(base) = plans.first() else {
        return json!([]);
    };
    let variants: Vec<Value> = plans
        .iter()
        .map(|p| {
            let kpis: serde_json::Map<String, Value> = Kpi::ALL
                .iter()
                .map(|k| {
                    let d = difference(&base.results, &p.results, *k);
                    (
                        k.name().to_string(),
                        json!({ "mean": p.results.mean(*k), "difference_vs_base": d }),
                    )
                })
                .collect();
            let window = p.window.as_ref().map(|(w, label)| {
                let kpis: serde_json::Map<String, Value> = Kpi::WINDOW
                    .iter()
                    .map(|k| {
                        let d = window_difference(&base.results, &p.results, *w, *k);
                        (
                            k.name().to_string(),
                            json!({ "mean": window_mean(&p.results, *w, *k), "base_mean": window_mean(&base.results, *w, *k), "difference_vs_base": d }),
                        )
                    })
                    .collect();
                json!({ "window": label, "kpis": kpis })
            });
            json!({ "name": p.name, "description": p.description, "window": window, "kpis": kpis })
        })
        .collect();
    json!({ "seed": base.results.seed, "replications": base.results.replications.len(), "variants": variants })
}

/// The comparison as CSV: `variant,kpi,mean,diff_mean,diff_ci_low,diff_ci_high`.
pub fn to_csv(plans: &[PlanResults]) -> String {
    let mut out = String::from("variant,kpi,mean,diff_mean,diff_ci_low,diff_ci_high\n");
    let Some(base) = plans.first() else {
        return out;
    };
    let opt = |x: Option<f64>| x.map_or(String::new(), |v| format!("{v}"));
    for p in plans {
        for k in Kpi::ALL {
            let d = difference(&base.results, &p.results, k);
            let _ = writeln!(
                out,
                "{},{},{},{},{},{}",
                p.name,
                k.name(),
                opt(p.results.mean(k)),
                opt(d.as_ref().map(|d| d.mean)),
                opt(d.as_ref().map(|d| d.ci_low)),
                opt(d.as_ref().map(|d| d.ci_high))
            );
        }
    }
    out
}
