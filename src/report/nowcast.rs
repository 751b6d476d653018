//! The war-room nowcast page: the answer first, then per KPI a chart of each move's band
//! over the next hours and a table with the paired differences from doing nothing.

use std::path::Path;

use super::charts::xy::{Layer, Style, Xy};
use super::charts::{set_chinese, tr};
use super::{Cell, Lang, Page, Painter, Section, Table};
use crate::stats::Estimate;

/// A KPI's band over the replications: mean, 5% and 95% quantiles.
pub type Band = Option<(f64, f64, f64)>;

/// What the page shows.
pub struct Nowcast<'a> {
    /// The state's moment, "MM-DD HH:MM".
    pub at: &'a str,
    /// Replications per move.
    pub replications: usize,
    /// "no move" first, then the moves.
    pub moves: &'a [String],
    /// Each interval's label ("11-11 00:00-00:15") and its start as a clock second of
    /// the day.
    pub intervals: Vec<(String, f64)>,
    /// `[move][interval][kpi]` in [`crate::nowcast::KPIS`] order.
    pub bands: Vec<Vec<[Band; 5]>>,
    /// `[move][interval][kpi]`: the paired difference from doing nothing (none for it).
    pub diffs: Vec<Vec<[Option<Estimate>; 5]>>,
    /// The arrivals' multiple of the plan: mean, 5% and 95%.
    pub ratio: (f64, f64, f64),
    /// Arrivals so far, and the plan's for the same intervals.
    pub observed: (f64, f64),
}

/// The KPIs shown, in [`crate::nowcast::KPIS`] order: English, Chinese, unit, scale.
const SHOWN: [(&str, &str, &str, f64); 5] = [
    ("backlog (未回复)", "未回复积压", "", 1.0),
    ("平响 (avg response)", "平响", " s", 1.0),
    ("首响 (first response)", "首响", " s", 1.0),
    ("abandonment", "放弃率", "%", 100.0),
    ("GMV lost", "损失 GMV", "", 1.0),
];

fn fmt_band(b: Band, kpi: usize) -> String {
    let (_, _, unit, k) = SHOWN[kpi];
    b.map_or("-".into(), |(m, lo, hi)| {
        format!("{:.0}{unit} [{:.0}, {:.0}]", m * k, lo * k, hi * k)
    })
}

fn fmt_diff(d: &Option<Estimate>, kpi: usize) -> String {
    let (_, _, unit, k) = SHOWN[kpi];
    d.as_ref().map_or("-".into(), |d| {
        format!(
            "{:+.1}{unit} [{:+.1}, {:+.1}]",
            d.mean * k,
            d.ci_low * k,
            d.ci_high * k
        )
    })
}

/// The answer: the interval where doing nothing replies slowest (平响), and what the best
/// move makes of it.
pub fn answer(v: &Nowcast, lang: Lang) -> String {
    let worst = (0..v.intervals.len())
        .filter_map(|k| v.bands[0][k][1].map(|b| (k, b)))
        .max_by(|a, b| a.1.0.total_cmp(&b.1.0));
    let Some((k, b)) = worst else {
        return lang
            .pick(
                "no replies fall in the hours ahead: nothing to compare",
                "未来几小时没有回复可比较",
            )
            .into();
    };
    let label = &v.intervals[k].0;
    let mut s = match lang {
        Lang::En => format!(
            "{label} 平响 {:.0} s [{:.0}, {:.0}] without a move",
            b.0, b.1, b.2
        ),
        Lang::Zh => format!(
            "{label} 平响 {:.0} 秒 [{:.0}, {:.0}]（不采取措施）",
            b.0, b.1, b.2
        ),
    };
    let best = (1..v.moves.len())
        .filter_map(|m| v.bands[m][k][1].map(|b| (m, b)))
        .min_by(|a, b| a.1.0.total_cmp(&b.1.0));
    if let Some((m, mb)) = best {
        s += &match lang {
            Lang::En => format!(
                "; {} brings it to {:.0} s [{:.0}, {:.0}]",
                v.moves[m], mb.0, mb.1, mb.2
            ),
            Lang::Zh => format!(
                "；「{}」可降至 {:.0} 秒 [{:.0}, {:.0}]",
                v.moves[m], mb.0, mb.1, mb.2
            ),
        };
    }
    s
}

fn move_name(name: &str, lang: Lang) -> String {
    if name == "no move" {
        lang.pick("no move", "不采取措施").into()
    } else {
        name.into()
    }
}

/// The page, its charts drawn into `dir`.
pub fn nowcast_page(dir: &Path, v: &Nowcast, lang: Lang) -> Result<Page, String> {
    let painter = Painter::new(dir, lang)?;
    let mut verdict = vec![(answer(v, lang), true)];
    verdict.push((
        match lang {
            Lang::En => format!(
                "Arrivals re-forecast at {:.2}x the plan [{:.2}, {:.2}] (90%), from {:.0} so \
                 far against {:.0} planned",
                v.ratio.0, v.ratio.1, v.ratio.2, v.observed.0, v.observed.1
            ),
            Lang::Zh => format!(
                "进线重新预测为计划的 {:.2} 倍 [{:.2}, {:.2}]（90%），至今 {:.0}，计划 {:.0}",
                v.ratio.0, v.ratio.1, v.ratio.2, v.observed.0, v.observed.1
            ),
        },
        true,
    ));
    let mut sections = Vec::new();
    let day0 = v.intervals.first().map_or(0.0, |i| i.1);
    let step_h = if v.intervals.len() > 1 {
        ((v.intervals[1].1 - v.intervals[0].1).rem_euclid(86_400.0)) / 3600.0
    } else {
        0.25
    };
    for (kpi, &(en, zh, _, k)) in SHOWN.iter().enumerate() {
        let names = [
            "nowcast_backlog",
            "nowcast_avg_response",
            "nowcast_first_response",
            "nowcast_abandonment",
            "nowcast_gmv_lost",
        ];
        let figure = {
            set_chinese(lang == Lang::Zh);
            let x = |i: usize| (i as f64 + 0.5) * step_h;
            let mut layers = Vec::new();
            for (m, name) in v.moves.iter().enumerate() {
                let pts: Vec<(usize, (f64, f64, f64))> = v.bands[m]
                    .iter()
                    .enumerate()
                    .filter_map(|(i, b)| b[kpi].map(|b| (i, b)))
                    .collect();
                layers.push(Layer::new(
                    "",
                    pts.iter()
                        .map(|(i, b)| (x(*i), b.2 * k))
                        .chain(pts.iter().rev().map(|(i, b)| (x(*i), b.1 * k)))
                        .collect(),
                    m,
                    Style::Band,
                ));
                layers.push(Layer::new(
                    format!(
                        "{} ({})",
                        move_name(name, lang),
                        tr("mean, 90% band", "均值，90% 区间")
                    ),
                    pts.iter().map(|(i, b)| (x(*i), b.0 * k)).collect(),
                    m,
                    Style::Line(3),
                ));
            }
            let chart = Xy {
                name: names[kpi],
                title: tr(
                    &format!("{en} in the hours ahead"),
                    &format!("未来几小时的{zh}"),
                ),
                x_desc: tr("clock time", "时间"),
                y_desc: match SHOWN[kpi].2 {
                    " s" => tr(&format!("{en}, s"), &format!("{zh}（秒）")),
                    "%" => tr(&format!("{en}, %"), &format!("{zh}（%）")),
                    _ => tr(en, zh),
                },
                clock_from_s: Some(day0),
                y_range: None,
                diagonal: false,
                layers,
            };
            painter.draw(&chart)?
        };
        let mut header = vec![lang.pick("interval", "时段").to_string()];
        for (m, name) in v.moves.iter().enumerate() {
            header.push(move_name(name, lang));
            if m > 0 {
                header.push(format!("{} {}", lang.pick("difference:", "差异："), name));
            }
        }
        let rows = v
            .intervals
            .iter()
            .enumerate()
            .map(|(i, (label, _))| {
                let mut row = vec![Cell::plain(label.clone())];
                for m in 0..v.moves.len() {
                    row.push(Cell::plain(fmt_band(v.bands[m][i][kpi], kpi)));
                    if m > 0 {
                        row.push(Cell::plain(fmt_diff(&v.diffs[m][i][kpi], kpi)));
                    }
                }
                row
            })
            .collect();
        sections.push(Section {
            heading: lang.pick(en, zh).into(),
            text: vec![match lang {
                Lang::En => format!(
                    "Each cell: the mean over {} replications and the 90% prediction band; a \
                     difference is the move's paired difference from doing nothing, with its \
                     95% interval (every move runs with the same random numbers).",
                    v.replications
                ),
                Lang::Zh => format!(
                    "每格：{} 次重复的均值与 90% 预测区间；差异为措施与不采取措施的配对差及其 95% \
                     区间（各措施使用相同的随机数）。",
                    v.replications
                ),
            }],
            table: Some(Table { header, rows }),
            figures: vec![figure],
        });
    }
    set_chinese(false);
    Ok(Page {
        title: match lang {
            Lang::En => format!("War-room nowcast at {}", v.at),
            Lang::Zh => format!("作战室实时预测：{}", v.at),
        },
        subtitle: match lang {
            Lang::En => format!(
                "{} replications per move, warm-started from the live state",
                v.replications
            ),
            Lang::Zh => format!("每个措施 {} 次重复，从实时状态热启动", v.replications),
        },
        verdict,
        sections,
        lang,
    })
}
