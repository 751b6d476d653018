//! Sweeps: run every combination of parameter values (`--set KEY=VALUES`) with common random
//! numbers, and tabulate KPIs against the parameters.

use std::fmt::Write;

use serde_json::{Value, json};

use crate::kpi::Kpi;
use crate::output::fmt_value;
use crate::replicate::RunResults;

/// One swept key and its values.
#[derive(Clone, Debug, PartialEq)]
pub struct Axis {
    /// Dotted key path, as in `[[variants]]` (`groups.night_veterans.count`).
    pub key: String,
    /// The values, in order.
    pub values: Vec<toml::Value>,
}

/// Parses `KEY=V1,V2,...` or `KEY=FROM..TO:STEP` (inclusive; integers stay integers).
pub fn parse_axis(spec: &str) -> Result<Axis, String> {
    let (key, values) = spec.split_once('=').ok_or_else(|| {
        format!("`{spec}`: expected KEY=VALUES (e.g. arrivals.scale=0.8,1.0,1.2)")
    })?;
    let key = key.trim().to_string();
    if key.is_empty() {
        return Err(format!("`{spec}`: the key is empty"));
    }
    let values = values.trim();
    let parsed = if let Some((range, step)) =
        values.split_once(':').filter(|_| values.contains(".."))
    {
        let (from, to) = range
            .split_once("..")
            .ok_or_else(|| format!("`{spec}`: a range reads FROM..TO:STEP"))?;
        range_values(from.trim(), to.trim(), step.trim()).map_err(|e| format!("`{spec}`: {e}"))?
    } else {
        values.split(',').map(|v| scalar(v.trim())).collect()
    };
    if parsed.is_empty() || values.is_empty() {
        return Err(format!("`{spec}`: no values"));
    }
    Ok(Axis {
        key,
        values: parsed,
    })
}

fn scalar(v: &str) -> toml::Value {
    if let Ok(i) = v.parse::<i64>() {
        toml::Value::Integer(i)
    } else if let Ok(f) = v.parse::<f64>() {
        toml::Value::Float(f)
    } else if let Ok(b) = v.parse::<bool>() {
        toml::Value::Boolean(b)
    } else {
        toml::Value::String(v.to_string())
    }
}

fn range_values(from: &str, to: &str, step: &str) -> Result<Vec<toml::Value>, String> {
    if let (Ok(a), Ok(b), Ok(s)) = (from.parse::<i64>(), to.parse::<i64>(), step.parse::<i64>()) {
        if s <= 0 || b < a || (b - a) / s > 10_000 {
            return Err("need FROM <= TO, STEP > 0 and at most 10,000 values".into());
        }
        return Ok((0..=(b - a) / s)
            .map(|k| toml::Value::Integer(a + k * s))
            .collect());
    }
    let (a, b, s): (f64, f64, f64) = (
        from.parse()
            .map_err(|_| format!("`{from}` is not a number"))?,
        to.parse().map_err(|_| format!("`{to}` is not a number"))?,
        step.parse()
            .map_err(|_| format!("`{step}` is not a number"))?,
    );
    if !(s > 0.0 && b >= a && a.is_finite() && b.is_finite() && (b - a) / s <= 10_000.0) {
        return Err("need FROM <= TO, STEP > 0 and at most 10,000 values".into());
    }
    let n = ((b - a) / s + 1e-9).floor() as usize;
    Ok((0..=n)
        .map(|k| toml::Value::Float(a + k as f64 * s))
        .collect())
}

/// Most combinations a sweep may have (each is a full run of its replications).
pub const MAX_POINTS: usize = 10_000;

/// The number of combinations of `axes`, refused beyond [`MAX_POINTS`] before any is built.
pub fn grid_size(axes: &[Axis]) -> Result<usize, String> {
    let n = axes
        .iter()
        .try_fold(1usize, |n, a| n.checked_mul(a.values.len()))
        .filter(|n| *n <= MAX_POINTS);
    n.ok_or_else(|| {
        let sizes: Vec<String> = axes.iter().map(|a| a.values.len().to_string()).collect();
        format!(
            "--set axes of {} values make {:.1e} combinations; the limit is {MAX_POINTS}",
            sizes.join(" x "),
            axes.iter().map(|a| a.values.len() as f64).product::<f64>()
        )
    })
}

/// Every combination of the axes' values, the first axis varying slowest.
pub fn combinations(axes: &[Axis]) -> Vec<Vec<(String, toml::Value)>> {
    axes.iter().fold(vec![Vec::new()], |acc, axis| {
        acc.iter()
            .flat_map(|prefix| {
                axis.values.iter().map(move |v| {
                    let mut p = prefix.clone();
                    p.push((axis.key.clone(), v.clone()));
                    p
                })
            })
            .collect()
    })
}

/// One row of a sweep: the parameter values and the run.
pub struct Row {
    /// `(key, value)` per axis.
    pub point: Vec<(String, toml::Value)>,
    /// The run at that point.
    pub results: RunResults,
}

/// KPIs shown in the sweep table unless the user picks others.
pub const DEFAULT_KPIS: [Kpi; 6] = [
    Kpi::AvgResponseS,
    Kpi::FirstResponseMeanS,
    Kpi::ReplyRate,
    Kpi::AbandonmentRate,
    Kpi::Conversion,
    Kpi::AgentUtilisation,
];

/// The table for people, with a bar per row for the first KPI (the KPI-vs-parameter view).
pub fn render(rows: &[Row], kpis: &[Kpi]) -> String {
    let mut out = String::new();
    let Some(first) = rows.first() else {
        return out;
    };
    let keys: Vec<&str> = first.point.iter().map(|(k, _)| k.as_str()).collect();
    let _ = write!(
        out,
        "{}",
        keys.iter().map(|k| format!("{k:>22}")).collect::<String>()
    );
    for k in kpis {
        let _ = write!(out, " {:>24}", k.name());
    }
    let _ = writeln!(out);
    let lead = kpis.first().copied();
    let means: Vec<f64> = lead.map_or(Vec::new(), |k| {
        rows.iter().filter_map(|r| r.results.mean(k)).collect()
    });
    let (lo, hi) = means
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), &x| (a.min(x), b.max(x)));
    for r in rows {
        let _ = write!(
            out,
            "{}",
            r.point
                .iter()
                .map(|(_, v)| format!("{:>22}", v.to_string()))
                .collect::<String>()
        );
        for k in kpis {
            let cell = r
                .results
                .kpi(*k)
                .estimate
                .as_ref()
                .map_or("n/a".into(), |e| {
                    format!(
                        "{} ±{}",
                        fmt_value(*k, e.mean),
                        fmt_value(*k, e.half_width())
                    )
                });
            let _ = write!(out, " {cell:>24}");
        }
        if let (Some(k), true) = (lead, hi > lo) {
            let bar = r
                .results
                .mean(k)
                .map_or(0, |m| 1 + ((m - lo) / (hi - lo) * 29.0).round() as usize);
            let _ = write!(out, "  {}", "#".repeat(bar));
        }
        let _ = writeln!(out);
    }
    if let Some(k) = lead {
        let _ = writeln!(
            out,
            "(bars: {} from its smallest to its largest value; ± is the 95% CI half-width)",
            k.name()
        );
    }
    out
}

/// The sweep as CSV: one row per point, every KPI's mean and CI.
pub fn to_csv(rows: &[Row]) -> String {
    let mut out = String::new();
    let Some(first) = rows.first() else {
        return out;
    };
    let mut header: Vec<String> = first.point.iter().map(|(k, _)| k.clone()).collect();
    for k in Kpi::ALL {
        header.extend([
            format!("{k}_mean"),
            format!("{k}_ci_low"),
            format!("{k}_ci_high"),
        ]);
    }
    let _ = writeln!(out, "{}", header.join(","));
    for r in rows {
        let mut cells: Vec<String> = r
            .point
            .iter()
            .map(|(_, v)| v.to_string().replace(',', ";"))
            .collect();
        for k in Kpi::ALL {
            let e = r.results.kpi(k).estimate.as_ref();
            let f = |x: Option<f64>| x.map_or(String::new(), |v| format!("{v}"));
            cells.extend([
                f(e.map(|e| e.mean)),
                f(e.map(|e| e.ci_low)),
                f(e.map(|e| e.ci_high)),
            ]);
        }
        let _ = writeln!(out, "{}", cells.join(","));
    }
    out
}

/// The sweep as JSON.
pub fn to_json(rows: &[Row]) -> Value {
    let points: Vec<Value> = rows
        .iter()
        .map(|r| {
            let point: serde_json::Map<String, Value> = r
                .point
                .iter()
                .map(|(k, v)| (k.clone(), serde_json::to_value(v).unwrap_or(Value::Null)))
                .collect();
            let kpis: serde_json::Map<String, Value> = r
                .results
                .kpis
                .iter()
                .map(|k| (k.kpi.name().to_string(), json!(k.estimate)))
                .collect();
            json!({ "point": point, "kpis": kpis })
        })
        .collect();
    json!({ "seed": rows.first().map(|r| r.results.seed), "replications": rows.first().map(|r| r.results.replications.len()), "points": points })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axes_parse_lists_and_ranges() {
        let a = parse_axis("groups.night.count=40..60:10").unwrap();
        assert_eq!(
            a.values,
            vec![
                toml::Value::Integer(40),
                toml::Value::Integer(50),
                toml::Value::Integer(60)
            ]
        );
        let b = parse_axis("arrivals.scale=0.8,1.0,1.2").unwrap();
        assert_eq!(b.values.len(), 3);
        let c = parse_axis("arrivals.scale=0.5..1.0:0.25").unwrap();
        assert_eq!(
            c.values,
            vec![
                toml::Value::Float(0.5),
                toml::Value::Float(0.75),
                toml::Value::Float(1.0)
            ]
        );
        assert!(parse_axis("novalues").is_err());
        assert!(parse_axis("k=5..1:1").is_err());
        assert_eq!(combinations(&[a, b]).len(), 9);
    }
}
