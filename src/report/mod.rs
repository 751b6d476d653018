//! The war-room report: one self-contained `index.html` (charts inline as SVG, no network),
//! `report.md`, and a PNG per chart for slides. The page leads with the verdict, then the
//! KPI table against the targets, then the charts.

pub mod calibration;
pub mod charts;
pub mod data;
pub mod fix;
pub mod lang;
pub mod nowcast;
mod output;
mod sections;
pub mod text;
mod verdict;

pub use lang::Lang;
pub use output::{html, markdown, write_page};
pub use sections::{staffing_section, sweep_page};
pub use verdict::{describe, headline, verdict};
use verdict::{plan_verdicts, target_text};

use std::path::{Path, PathBuf};

use charts::Chart;
use data::Series;

use crate::compare::{self, PlanResults};
use crate::engine::SimTime;
use crate::kpi::{Comparison, Kpi, Target};
use crate::output::{fmt_ci, fmt_value};
use crate::replicate::RunResults;
use crate::scenario::Scenario;
use crate::scenario::clock::Calendar;

/// A table cell: text and an optional style (`pass`, `fail`).
#[derive(Clone, Debug)]
pub struct Cell {
    /// The text.
    pub text: String,
    /// `pass`, `fail` or empty.
    pub class: &'static str,
}

impl Cell {
    /// A plain cell.
    pub fn plain(text: impl Into<String>) -> Cell {
        Cell {
            text: text.into(),
            class: "",
        }
    }
    /// A pass (true) or fail (false) cell.
    pub fn verdict(text: impl Into<String>, pass: bool) -> Cell {
        Cell {
            text: text.into(),
            class: if pass { "pass" } else { "fail" },
        }
    }
    /// A cell styled by a target's judgement (unsure has its own style).
    pub fn judged(text: impl Into<String>, v: crate::replicate::judge::Verdict) -> Cell {
        use crate::replicate::judge::Verdict;
        Cell {
            text: text.into(),
            class: match v {
                Verdict::Met => "pass",
                Verdict::Unsure => "unsure",
                Verdict::Missed => "fail",
            },
        }
    }
}

/// A table.
#[derive(Clone, Debug, Default)]
pub struct Table {
    /// Column headings.
    pub header: Vec<String>,
    /// Rows.
    pub rows: Vec<Vec<Cell>>,
}

/// A drawn chart: its name (PNG file stem, element id), title and inline SVG.
#[derive(Clone, Debug)]
pub struct Figure {
    /// File stem and id.
    pub name: String,
    /// What it shows.
    pub title: String,
    /// The SVG markup.
    pub svg: String,
}

/// A section of the page.
#[derive(Clone, Debug, Default)]
pub struct Section {
    /// Heading.
    pub heading: String,
    /// Paragraphs before the table.
    pub text: Vec<String>,
    /// An optional table.
    pub table: Option<Table>,
    /// Charts.
    pub figures: Vec<Figure>,
}

/// A whole report.
#[derive(Clone, Debug, Default)]
pub struct Page {
    /// Title.
    pub title: String,
    /// One line under the title: scenario, roster, seed, replications.
    pub subtitle: String,
    /// The verdict, headline first.
    pub verdict: Vec<(String, bool)>,
    /// Sections.
    pub sections: Vec<Section>,
    /// The page's language.
    pub lang: Lang,
}

/// Draws charts into `dir` as PNG and keeps their SVG.
pub struct Painter {
    dir: PathBuf,
    lang: Lang,
}

impl Painter {
    /// Charts go to `dir` (created if missing), their text in `lang`.
    pub fn new(dir: &Path, lang: Lang) -> Result<Painter, String> {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        if !charts::has_cjk() {
            static SAID: std::sync::Once = std::sync::Once::new();
            SAID.call_once(|| {
                eprintln!(
                    "note: no CJK font found through fontconfig: the PNG charts name the KPIs \
                     in English only (install one: Debian's fonts-wqy-zenhei or fonts-noto-cjk)"
                );
            });
        }
        Ok(Painter {
            dir: dir.to_path_buf(),
            lang,
        })
    }

    /// Draws one chart.
    pub fn draw<C: Chart>(&self, chart: &C) -> Result<Figure, String> {
        let png = self.dir.join(format!("{}.png", chart.name()));
        charts::set_chinese(self.lang == Lang::Zh);
        let svg = charts::render(chart, &png);
        let title = chart.title();
        charts::set_chinese(false);
        Ok(Figure {
            name: chart.name().to_string(),
            title,
            svg: svg?,
        })
    }
}

/// How a target is judged, in one sentence (the rule of docs/outputs.md).
pub fn judging_rule(sc: &Scenario, lang: Lang) -> String {
    let share = sc.target_share * 100.0;
    match lang {
        Lang::En => format!(
            "Mean over replications with its 95% Student-t interval. A target passes when the \
             whole interval meets it and it holds in at least {share:.0}% of replications, on \
             the day and for the customers of every interval (scoring hours only); it fails \
             when the interval misses it or the share is clearly below {share:.0}%; otherwise \
             it is unsure (more replications would tell)."
        ),
        Lang::Zh => format!(
            "各次模拟的均值及其 95% Student-t 置信区间。整个区间都达到目标、且至少 {share:.0}% \
             的模拟达到，全天与每个时段进线的顾客（只计考核时段）都如此，才算达标；区间整体未达，\
             或达标的模拟明显少于 {share:.0}%，为未达标；其余为未能确认（增加模拟次数可以分辨）。"
        ),
    }
}

/// The KPI table against the targets.
pub fn kpi_table(results: &RunResults, lang: Lang) -> Table {
    let header = match lang {
        Lang::En => ["KPI", "mean", "95% CI", "target", "replications meeting it"],
        Lang::Zh => ["KPI", "均值", "95% 置信区间", "目标", "达标的模拟占比"],
    };
    let mut t = Table {
        header: header.map(String::from).to_vec(),
        rows: Vec::new(),
    };
    for k in &results.kpis {
        let target = results.targets.iter().find(|x| x.target.kpi == k.kpi);
        let (mean, ci) = match &k.estimate {
            Some(e) if e.n > 1 => (fmt_value(k.kpi, e.mean), fmt_ci(k.kpi, e)),
            Some(e) => (
                fmt_value(k.kpi, e.mean),
                lang.pick("(one replication)", "（仅一次模拟）").into(),
            ),
            // a target on a KPI this run cannot compute still gets its row
            None if target.is_some() => ("-".into(), lang.pick("(no value)", "（无数值）").into()),
            None => continue,
        };
        let row = match target {
            Some(x) => vec![
                Cell::plain(lang.kpi(k.kpi)),
                Cell::judged(mean, x.verdict),
                Cell::plain(ci),
                Cell::judged(
                    format!("{} {}", lang.verdict(x.verdict), target_text(&x.target)),
                    x.verdict,
                ),
                Cell::plain(format!("{:.0}%", x.share_met * 100.0)),
            ],
            None => vec![
                Cell::plain(lang.kpi(k.kpi)),
                Cell::plain(mean),
                Cell::plain(ci),
                Cell::plain(""),
                Cell::plain(""),
            ],
        };
        t.rows.push(row);
    }
    t
}

/// The KPIs a war room argues about, and what each one counts, in the trade's words.
pub const GLOSSARY_KPIS: [Kpi; 17] = [
    Kpi::ReplyRate,
    Kpi::AnsweredWhilePresentRate,
    Kpi::AbandonmentRate,
    Kpi::AvgResponseS,
    Kpi::FirstResponseMeanS,
    Kpi::FirstResponseFromArrivalMeanS,
    Kpi::FirstReply3minShare,
    Kpi::Rounds3minShare,
    Kpi::MessageRate,
    Kpi::MessagesLeft,
    Kpi::InquiryConversion,
    Kpi::Conversion,
    Kpi::InSaleGmvLost,
    Kpi::Satisfaction,
    Kpi::ReminderGmv,
    Kpi::ReminderAgentHours,
    Kpi::BreakShare,
];

/// "What the KPIs mean": the glossary section of every run page.
fn glossary(lang: Lang) -> Section {
    let text = match lang {
        Lang::En => {
            "The platform keeps every customer message until an agent answers it: a customer \
             who stops waiting is still answered, and that reply counts for 回复率 and 平响. \
             Leaving costs the sale, not the work. \"Received by a human\" means the chat \
             reached the agents' queue or an agent, directly or by 转人工 from the bot; \
             customers the bot alone handled are out of the human KPIs."
        }
        Lang::Zh => {
            "平台保留每条顾客消息直到客服回复：顾客不再等待也仍会收到回复，这条回复计入回复率与\
             平响。顾客离开损失的是成交，不是工作量。“人工接入”指会话进入客服队列或分配到客服，\
             直接进线或经机器人转人工；只由机器人接待的顾客不计入人工 KPI。"
        }
    };
    Section {
        heading: lang.pick("What the KPIs mean", "KPI 的含义").into(),
        text: vec![text.into()],
        table: Some(Table {
            header: match lang {
                Lang::En => ["KPI", "key", "what it counts"],
                Lang::Zh => ["KPI", "键名", "统计口径"],
            }
            .map(String::from)
            .to_vec(),
            rows: GLOSSARY_KPIS
                .iter()
                .map(|k| {
                    vec![
                        Cell::plain(lang.kpi(*k)),
                        Cell::plain(k.name()),
                        Cell::plain(lang.definition(*k)),
                    ]
                })
                .collect(),
        }),
        figures: Vec::new(),
    }
}

/// Histogram bins of a merged histogram: eight per decade, (from s, to s, share).
fn log_bins(h: &hdrhistogram::Histogram<u64>) -> Vec<(f64, f64, f64)> {
    let total = h.len();
    if total == 0 {
        return Vec::new();
    }
    let edges: Vec<f64> = (-8..=40).map(|k| 10f64.powf(f64::from(k) / 8.0)).collect();
    let mut counts = vec![0u64; edges.len() - 1];
    for v in h.iter_recorded() {
        let s = v.value_iterated_to() as f64 / 1e3;
        let i = edges
            .partition_point(|e| *e <= s)
            .saturating_sub(1)
            .min(counts.len() - 1);
        counts[i] += v.count_at_value();
    }
    edges
        .windows(2)
        .zip(counts)
        .map(|(e, c)| (e[0], e[1], c as f64 / total as f64))
        .collect()
}

/// A target as a chart writes it: `平响 avg response (s) <= 30`, never the raw key.
pub(crate) fn chart_target(t: &Target) -> String {
    let op = match t.op {
        Comparison::AtMost => "<=",
        Comparison::AtLeast => ">=",
    };
    format!(
        "{} {op} {}",
        charts::kpi_name(t.kpi),
        fmt_value(t.kpi, t.value)
    )
}

/// A target in the trade's words for the page: `平响 avg response (s) <= 30.00`.
pub fn target_words(t: &Target, lang: Lang) -> String {
    format!("{} {}", lang.kpi(t.kpi), target_text(t))
}

/// Target lines (label, seconds) for a response-time chart.
fn lines_for(sc: &Scenario, kpis: &[Kpi], fallback: &[(&str, f64)]) -> Vec<(String, f64)> {
    let mut out: Vec<(String, f64)> = sc
        .targets
        .iter()
        .filter(|t| kpis.contains(&t.kpi))
        .map(|t| (format!("target {}", chart_target(t)), t.value))
        .collect();
    if out.is_empty() {
        out = fallback.iter().map(|(l, v)| (l.to_string(), *v)).collect();
    }
    out
}

/// The charts of one run.
pub fn run_figures(
    painter: &Painter,
    sc: &Scenario,
    results: &RunResults,
    series: &Series,
) -> Result<Vec<Figure>, String> {
    let cal = &sc.calendar;
    let mut figs = vec![
        painter.draw(&charts::ArrivalsCapacity(series, cal))?,
        painter.draw(&charts::QueueAbandonment(series, cal))?,
        painter.draw(&charts::Bands {
            series,
            calendar: cal,
            replies: false,
            targets: lines_for(
                sc,
                &[Kpi::FirstResponseP90S, Kpi::FirstResponseMeanS],
                &[
                    ("30 s (first reply within 30 s)", 30.0),
                    ("3 min rule", 180.0),
                ],
            ),
        })?,
    ];
    if series.intervals.iter().any(|i| i.reply_q.is_some()) {
        figs.push(painter.draw(&charts::Bands {
            series,
            calendar: cal,
            replies: true,
            targets: lines_for(sc, &[Kpi::AvgResponseS, Kpi::ReplyResponseP90S], &[]),
        })?);
    }
    figs.push(painter.draw(&charts::Histograms {
        first: log_bins(&results.merged.first_response_ms),
        reply: log_bins(&results.merged.reply_response_ms),
    })?);
    figs.push(painter.draw(&charts::ByGroup {
        series,
        calendar: cal,
        concurrency: false,
    })?);
    figs.push(painter.draw(&charts::ByGroup {
        series,
        calendar: cal,
        concurrency: true,
    })?);
    if sc.conversion.is_some() {
        figs.push(painter.draw(&charts::ConversionGmv(series, cal))?);
    }
    if sc.bot.is_some() {
        figs.push(painter.draw(&charts::Deflection(series, cal))?);
    }
    Ok(figs)
}

/// The subtitle line of a run.
pub fn subtitle(sc: &Scenario, results: &RunResults, lang: Lang) -> String {
    let (from, to) = (
        sc.calendar.format(SimTime::ZERO),
        sc.calendar.format(sc.horizon),
    );
    let (agents, model) = (sc.agents(), sc.conversation.name());
    let (seed, reps) = (results.seed, results.replications.len());
    let version = env!("CARGO_PKG_VERSION");
    match lang {
        Lang::En => format!(
            "{from} to {to} | {agents} agents | model {model} | seed {seed} | {reps} \
             replications | d11sim {version}"
        ),
        Lang::Zh => format!(
            "{from} 至 {to} | 客服 {agents} 人 | {} | 随机种子 {seed} | 模拟 {reps} 次 \
             | d11sim {version}",
            match model {
                "messages" => "逐条消息模型",
                "sessions" => "会话模型",
                other => other,
            }
        ),
    }
}

/// The page of a run, with its variants side by side when there are several plans.
///
/// `fixes` (from [`fix::fixes`]) follow the verdict.
pub fn run_page(
    dir: &Path,
    plans: &[(&Scenario, &PlanResults)],
    fixes: Vec<(Target, String, bool)>,
    lang: Lang,
) -> Result<Page, String> {
    let painter = Painter::new(dir, lang)?;
    let (sc, base) = plans[0];
    let series = Series::of(sc, &base.results);
    let mut verdict = verdict(sc, &base.results, &fixes, lang);
    verdict.extend(plan_verdicts(sc, plans, lang));
    let mut page = Page {
        title: format!(
            "{}{}",
            lang.pick("d11sim war-room report: ", "d11sim 作战室报告："),
            lang.scenario(sc)
        ),
        subtitle: subtitle(sc, &base.results, lang),
        verdict,
        sections: Vec::new(),
        lang,
    };
    page.sections.push(Section {
        heading: lang.pick("KPIs against targets", "KPI 与目标").into(),
        text: vec![judging_rule(sc, lang)],
        table: Some(kpi_table(&base.results, lang)),
        figures: Vec::new(),
    });
    if let Some(table) = group_table(sc, &base.results, lang) {
        page.sections.push(Section {
            heading: lang.pick("By group", "分组").into(),
            text: vec![
                lang.pick(
                    "Each agent group's chats (every assignment), 首响 of the customers it answered \
                     first, 平响 of its replies, 询单转化率 of the pre-sale customers it answered \
                     first while they were there, utilisation and open chats per agent on duty: \
                     means over replications. Tier: the group's 分流 order (0 is offered chats \
                     first). A target with a per-group meaning is marked per group.",
                    "各分组的接待量（每次分配）、其首次接待顾客的首响、其回复的平响、其在顾客在场时首次\
                     接待的售前顾客的询单转化率、利用率与在岗人均接待数：各次模拟的均值。层级：分组的分流\
                     顺序（0 优先接待）。有分组含义的目标按分组标注。",
                )
                .into(),
            ],
            table: Some(table),
            figures: Vec::new(),
        });
    }
    let minutes = sc.interval.as_secs_f64() / 60.0;
    page.sections.push(Section {
        heading: lang
            .pick("The night, interval by interval", "逐时段看这一夜")
            .into(),
        text: vec![match lang {
            Lang::En => format!(
                "Series intervals of {minutes:.0} min; response times follow the customers who \
                 arrived in each interval. Shaded: peak windows (raised chat caps)."
            ),
            Lang::Zh => format!(
                "每个时段 {minutes:.0} 分钟；响应时间按该时段进线的顾客统计。阴影：高峰窗口\
                 （接待上限提高）。"
            ),
        }],
        table: None,
        figures: run_figures(&painter, sc, &base.results, &series)?,
    });
    page.sections.push(glossary(lang));
    if plans.len() > 1 {
        let all: Vec<PlanResults> = plans.iter().map(|(_, p)| (*p).clone()).collect();
        let series: Vec<Series> = plans
            .iter()
            .map(|(s, p)| Series::of(s, &p.results))
            .collect();
        let chart = charts::Plans {
            plans: plans
                .iter()
                .map(|(_, p)| p.name.clone())
                .zip(series.iter())
                .collect(),
            calendar: &sc.calendar,
            target: lines_for(sc, &[Kpi::AvgResponseS], &[]).into_iter().next(),
        };
        page.sections.push(Section {
            heading: lang.pick("Plans side by side", "方案对比").into(),
            text: vec![
                lang.pick(
                    "Every plan runs with the same seed (common random numbers); differences \
                     are paired per replication, with their 95% CI.",
                    "每个方案使用同一种子（共同随机数）；差值按每次模拟配对计算，附 95% 置信区间。",
                )
                .into(),
            ],
            table: Some(plans_table(&all, lang)),
            figures: vec![painter.draw(&chart)?],
        });
    }
    Ok(page)
}

/// Plans side by side: each KPI per plan, and each variant's paired difference from the base.
pub fn plans_table(plans: &[PlanResults], lang: Lang) -> Table {
    let mut t = Table {
        header: std::iter::once("KPI".to_string())
            .chain(plans.iter().map(|p| p.name.clone()))
            .collect(),
        rows: Vec::new(),
    };
    let base = &plans[0].results;
    for kpi in compare::COMPARED {
        let mut row = vec![Cell::plain(lang.kpi(kpi))];
        for (j, p) in plans.iter().enumerate() {
            let mean = p
                .results
                .mean(kpi)
                .map_or("-".into(), |m| fmt_value(kpi, m));
            let text = if j == 0 {
                mean
            } else {
                match compare::difference(base, &p.results, kpi) {
                    Some(d) => format!("{mean} ({} {})", lang.diff(kpi, &d), lang.judge(kpi, &d))
                        .replace(" )", ")"),
                    None => mean,
                }
            };
            let target = p.results.targets.iter().find(|x| x.target.kpi == kpi);
            row.push(match target {
                Some(x) => Cell::judged(text, x.verdict),
                None => Cell::plain(text),
            });
        }
        t.rows.push(row);
    }
    t
}

/// The clock-time label of an interval start.
pub fn at(cal: &Calendar, interval: SimTime, k: usize) -> String {
    cal.format(SimTime::from_micros(interval.as_micros() * k as u64))
}

/// One row per agent group that took chats, with its KPIs; a group KPI that a scenario
/// target names is marked pass or fail by the group's mean. `None` with fewer than two
/// such groups.
pub fn group_table(sc: &Scenario, results: &RunResults, lang: Lang) -> Option<Table> {
    use crate::kpi::GroupKpi as G;
    let active = results.groups_to_show();
    if active.is_empty() {
        return None;
    }
    let shown = [
        G::Chats,
        G::FirstResponseMeanS,
        G::AvgResponseS,
        G::InquiryConversion,
        G::AgentUtilisation,
        G::MeanConcurrency,
    ];
    let mut header = vec![
        lang.pick("group", "分组").to_string(),
        lang.pick("tier", "层级").to_string(),
        lang.pick("agents", "人数").to_string(),
    ];
    header.push(lang.pick("chats", "接待量").to_string());
    header.extend(
        shown[1..]
            .iter()
            .map(|k| lang.kpi(k.store_kpi().expect("a store KPI")).to_string()),
    );
    let rows = active
        .into_iter()
        .map(|g| {
            let group = &sc.groups[g];
            let mut row = vec![
                Cell::plain(lang.group(group)),
                Cell::plain(group.routing.tier.to_string()),
                Cell::plain(group.count.to_string()),
            ];
            for k in shown {
                let e = results.group_kpi(g, k);
                let text = e.as_ref().map_or("-".to_string(), |e| match k.store_kpi() {
                    Some(kpi) => fmt_value(kpi, e.mean),
                    None => format!("{:.0}", e.mean),
                });
                let target = k
                    .store_kpi()
                    .and_then(|kpi| sc.targets.iter().find(|t| t.kpi == kpi));
                row.push(match (target, &e) {
                    (Some(t), Some(e)) => Cell::verdict(text, t.met_by(e.mean)),
                    _ => Cell::plain(text),
                });
            }
            row
        })
        .collect();
    Some(Table { header, rows })
}
