//! Pages and sections beyond a run: a sweep, and the staffing recommendation.

use std::path::Path;

use super::{Cell, Lang, Page, Painter, Section, Table, at, charts};
use crate::engine::SimTime;
use crate::kpi::Kpi;
use crate::output::{fmt_ci, fmt_value};
use crate::scenario::Scenario;
use crate::scenario::clock::Calendar;

/// The page of a sweep: every combination's KPIs (targets coloured) and the first KPI
/// against the combinations, with its 95% CI.
pub fn sweep_page(
    dir: &Path,
    sc: &Scenario,
    rows: &[crate::sweep::Row],
    kpis: &[Kpi],
    lang: Lang,
) -> Result<Page, String> {
    let painter = Painter::new(dir, lang)?;
    let label = |r: &crate::sweep::Row| -> String {
        r.point
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut table = Table {
        header: std::iter::once(lang.pick("combination", "组合").to_string())
            .chain(kpis.iter().map(|k| lang.kpi(*k).to_string()))
            .collect(),
        rows: Vec::new(),
    };
    let mut passing = Vec::new();
    for r in rows {
        let mut row = vec![Cell::plain(label(r))];
        for k in kpis {
            let text = r.results.kpi(*k).estimate.as_ref().map_or("-".into(), |e| {
                format!("{} [{}]", fmt_value(*k, e.mean), fmt_ci(*k, e))
            });
            row.push(
                match r.results.targets.iter().find(|t| t.target.kpi == *k) {
                    Some(t) => Cell::judged(text, t.verdict),
                    None => Cell::plain(text),
                },
            );
        }
        table.rows.push(row);
        if r.results.targets.iter().all(|t| t.met()) {
            passing.push(label(r));
        }
    }
    // x: the first axis when it is numeric, else the combination number
    let numeric = rows.iter().all(|r| {
        r.point
            .first()
            .is_some_and(|(_, v)| v.as_float().or(v.as_integer().map(|i| i as f64)).is_some())
    });
    let x_of = |i: usize, r: &crate::sweep::Row| -> f64 {
        if numeric {
            let v = &r.point[0].1;
            v.as_float()
                .or(v.as_integer().map(|i| i as f64))
                .unwrap_or(i as f64)
        } else {
            i as f64 + 1.0
        }
    };
    let kpi = kpis[0];
    let scale = if kpi.is_share() { 100.0 } else { 1.0 };
    let mut figures = Vec::new();
    // one chart per value of the other axes would be richer; with one axis this is it
    let points: Vec<(f64, f64, f64, f64)> = rows
        .iter()
        .enumerate()
        .filter_map(|(i, r)| {
            r.results.kpi(kpi).estimate.as_ref().map(|e| {
                (
                    x_of(i, r),
                    e.mean * scale,
                    e.ci_low.max(0.0) * scale,
                    e.ci_high * scale,
                )
            })
        })
        .collect();
    let single_axis = rows.first().is_some_and(|r| r.point.len() == 1);
    if !points.is_empty() {
        figures.push(painter.draw(&charts::Sweep {
            title: match lang {
                // Chinese only when the chart's font can draw it
                Lang::Zh if super::text::has_cjk() => {
                    format!("{} 随扫描参数的变化", lang.kpi(kpi))
                }
                _ => format!("{} across the sweep", super::charts::kpi_name(kpi)),
            },
            x_desc: if numeric && single_axis {
                rows[0].point[0].0.clone()
            } else {
                super::text::tr("combination (see the table)", "组合（见表）")
            },
            y_desc: format!("{}{}", kpi.name(), if kpi.is_share() { ", %" } else { "" }),
            points: if numeric && single_axis {
                points
            } else {
                points
                    .iter()
                    .enumerate()
                    .map(|(i, p)| (i as f64 + 1.0, p.1, p.2, p.3))
                    .collect()
            },
            target: sc.targets.iter().find(|t| t.kpi == kpi).map(|t| {
                (
                    format!("target {}", super::chart_target(t)),
                    t.value * scale,
                )
            }),
            // a line joins the points of one numeric axis only: combinations of several
            // axes (or of names) are separate points, read with the table
            connect: numeric && single_axis,
        })?);
    }
    let (n, targets) = (rows.len(), sc.targets.len());
    let verdict = match (lang, targets, passing.first()) {
        (Lang::En, 0, _) => ("No targets set in the scenario".to_string(), true),
        (Lang::Zh, 0, _) => ("场景未设目标".to_string(), true),
        (Lang::En, _, None) => (format!("No combination meets all {targets} targets"), false),
        (Lang::Zh, _, None) => (format!("没有组合能达到全部 {targets} 项目标"), false),
        (Lang::En, _, Some(first)) => (
            format!(
                "{} of {n} combinations meet every target; first: {first}",
                passing.len()
            ),
            true,
        ),
        (Lang::Zh, _, Some(first)) => (
            format!(
                "{n} 个组合中 {} 个达到全部目标；第一个：{first}",
                passing.len()
            ),
            true,
        ),
    };
    let reps = rows.first().map_or(0, |r| r.results.replications.len());
    let seed = rows.first().map_or(0, |r| r.results.seed);
    let version = env!("CARGO_PKG_VERSION");
    Ok(Page {
        title: format!(
            "{}{}",
            lang.pick("d11sim sweep report: ", "d11sim 参数扫描报告："),
            lang.scenario(sc)
        ),
        subtitle: match lang {
            Lang::En => format!(
                "{n} combinations | {reps} replications each | seed {seed} | common random \
                 numbers | d11sim {version}"
            ),
            Lang::Zh => format!(
                "{n} 个组合 | 每个组合模拟 {reps} 次 | 种子 {seed} | 共同随机数 | d11sim {version}"
            ),
        },
        verdict: vec![verdict],
        sections: vec![Section {
            heading: lang.pick("Every combination", "全部组合").into(),
            text: vec![
                lang.pick(
                    "Mean [95% CI] over replications; coloured where a target applies.",
                    "各次模拟的均值 [95% 置信区间]；有目标的单元格着色。",
                )
                .into(),
            ],
            table: Some(table),
            figures,
        }],
        lang,
    })
}

/// A staffing section: the requirement per interval against the analytic answer and what
/// the shift plan covers, as a chart and a table.
pub fn staffing_section(
    dir: &Path,
    cal: &Calendar,
    interval: SimTime,
    title: &str,
    columns: &[(String, Vec<f64>)],
    notes: Vec<String>,
    lang: Lang,
) -> Result<Section, String> {
    let painter = Painter::new(dir, lang)?;
    let n = columns.first().map_or(0, |c| c.1.len());
    let len_h = interval.as_secs_f64() / 3600.0;
    let chart = charts::Lines {
        name: "staffing",
        title: title.to_string(),
        y_desc: lang.pick("agents", "客服人数").into(),
        starts_h: (0..n).map(|k| k as f64 * len_h).collect(),
        len_h,
        lines: columns.to_vec(),
        calendar: cal,
    };
    let mut table = Table {
        header: std::iter::once(lang.pick("interval", "时段").to_string())
            .chain(columns.iter().map(|c| c.0.clone()))
            .collect(),
        rows: Vec::new(),
    };
    for k in 0..n {
        table.rows.push(
            std::iter::once(Cell::plain(at(cal, interval, k)))
                .chain(columns.iter().map(|c| {
                    let v = c.1[k];
                    Cell::plain(if v.fract() == 0.0 {
                        format!("{v:.0}")
                    } else {
                        format!("{v:.1}")
                    })
                }))
                .collect(),
        );
    }
    Ok(Section {
        heading: lang.pick("Staffing recommendation", "排班建议").into(),
        text: notes,
        table: Some(table),
        figures: vec![painter.draw(&chart)?],
    })
}
