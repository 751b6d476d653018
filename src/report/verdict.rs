//! The verdict at the top of a page: one line per target in the trade's words (the day's
//! mean, the windows where it is missed, what fixes it), and one per plan judged better or
//! worse against the base.

use super::Lang;
use crate::compare::{self, PlanResults};
use crate::engine::SimTime;
use crate::kpi::{Comparison, Kpi, Target};
use crate::output::fmt_value;
use crate::replicate::judge::Verdict;
use crate::replicate::{RunResults, TargetResult};
use crate::scenario::Scenario;

/// The verdict: a headline, then one line per target in the trade's words
/// ([`describe`]: the day, the windows missed or unsure) and what fixes it (from
/// [`fix::fixes`], keyed by target).
pub fn verdict(
    sc: &Scenario,
    results: &RunResults,
    fixes: &[(Target, String, bool)],
    lang: Lang,
) -> Vec<(String, bool)> {
    let mut lines = vec![headline(results, lang)];
    for t in &results.targets {
        let mut text = describe(sc, results, t, lang);
        if let Some((_, fix, _)) = fixes.iter().find(|f| f.0 == t.target) {
            text.push_str(lang.pick(". ", "。"));
            text.push_str(fix);
        }
        lines.push((text, t.met()));
    }
    lines
}

/// The verdict's first line: how many targets are not met, and how.
pub fn headline(results: &RunResults, lang: Lang) -> (String, bool) {
    let n = results.targets.len();
    let count = |v: Verdict| results.targets.iter().filter(|t| t.verdict == v).count();
    let (missed, unsure) = (count(Verdict::Missed), count(Verdict::Unsure));
    let not_met = missed + unsure;
    match (lang, n, not_met) {
        (Lang::En, 0, _) => (
            "No targets set: add `targets` to the scenario for a verdict".to_string(),
            true,
        ),
        (Lang::Zh, 0, _) => (
            "未设目标：在场景中加入 targets 以得出结论".to_string(),
            true,
        ),
        (Lang::En, _, 0) => (
            format!("All {n} targets met, on the day and in every interval"),
            true,
        ),
        (Lang::Zh, _, 0) => (format!("全部 {n} 项目标达标：全天与每个时段"), true),
        (Lang::En, ..) => (
            format!("{not_met} of {n} targets not met ({missed} missed, {unsure} unsure)"),
            false,
        ),
        (Lang::Zh, ..) => (
            format!("{n} 项目标中 {not_met} 项未达标（{missed} 项未达，{unsure} 项未能确认）"),
            false,
        ),
    }
}

/// One target's judgement in words, the same in the terminal, the gate's message and the
/// page: its verdict, the day's mean with its 95% CI and share of replications, the
/// windows of intervals missed or unsure, and whether it gates.
pub fn describe(sc: &Scenario, results: &RunResults, t: &TargetResult, lang: Lang) -> String {
    let name = lang.kpi(t.target.kpi);
    let goal = target_text(&t.target);
    let day = match &t.day.estimate {
        Some(e) if e.n > 1 => format!(
            "{} [{}]",
            fmt_value(t.target.kpi, e.mean),
            crate::output::fmt_ci(t.target.kpi, e)
        ),
        Some(e) => fmt_value(t.target.kpi, e.mean),
        None if t.day.n > 0 => lang.pick("nobody answered", "无人得到回复").to_string(),
        None => "-".to_string(),
    };
    let share = t.share_met * 100.0;
    let mut text = match lang {
        Lang::En => format!(
            "{name} {goal}: {}: {day} on the day ({}, met in {share:.0}% of replications)",
            lang.verdict(t.verdict),
            lang.verdict(t.day.verdict),
        ),
        Lang::Zh => format!(
            "{name} {goal}：{}：全天 {day}（全天判定{}，{share:.0}% 的模拟夜晚达标）",
            lang.verdict(t.verdict),
            lang.verdict(t.day.verdict),
        ),
    };
    let windows = t.windows(results);
    for (v, en, zh) in [
        (Verdict::Missed, "missed", "未达时段"),
        (Verdict::Unsure, "unsure", "未能确认的时段"),
    ] {
        let mine: Vec<_> = windows.iter().filter(|w| w.2 == v).collect();
        if mine.is_empty() {
            continue;
        }
        let mut parts: Vec<String> = mine
            .iter()
            .take(4)
            .map(|(from, to, _, any)| {
                format!(
                    "{}{}",
                    window_text(sc, results, *from, *to, lang),
                    lang.in_share(*any)
                )
            })
            .collect();
        if mine.len() > 4 {
            parts.push(match lang {
                Lang::En => format!("and {} more", mine.len() - 4),
                Lang::Zh => format!("另有 {} 段", mine.len() - 4),
            });
        }
        text.push_str(&match lang {
            Lang::En => format!("; {en} {}", parts.join(", ")),
            Lang::Zh => format!("；{zh} {}", parts.join("，")),
        });
    }
    if let Some(reason) = &t.gating.reason {
        let why = reason.text(t.target.kpi, lang == Lang::Zh);
        text.push_str(&match lang {
            Lang::En => format!(" (informative, not gated: {why})"),
            Lang::Zh => format!("（仅供参考，不作门槛：{why}）"),
        });
    }
    text
}

/// "11-10 23:45-00:45", or "every interval" for the whole run.
pub(super) fn window_text(
    sc: &Scenario,
    results: &RunResults,
    from: usize,
    to: usize,
    lang: Lang,
) -> String {
    let n = results.interval_count();
    if from == 0 && to == n {
        return lang.pick("in every interval", "每个时段").to_string();
    }
    let at = |k: usize| {
        sc.calendar
            .format(SimTime::from_micros(sc.interval.as_micros() * k as u64))
    };
    format!(
        "{}-{}",
        at(from),
        at(to).split(' ').nth(1).unwrap_or_default()
    )
}

/// For plans side by side, one line per variant answering "what does it change?": the
/// paired difference from the base on each target's KPI (平响 and 回复率 when the scenario
/// has no targets), marked better, worse or no change; a line passes when nothing is worse.
pub(super) fn plan_verdicts(
    sc: &Scenario,
    plans: &[(&Scenario, &PlanResults)],
    lang: Lang,
) -> Vec<(String, bool)> {
    let Some((_, base)) = plans.first() else {
        return Vec::new();
    };
    let mut kpis: Vec<Kpi> = sc.targets.iter().map(|t| t.kpi).collect();
    if kpis.is_empty() {
        kpis = vec![Kpi::AvgResponseS, Kpi::ReplyRate];
    }
    kpis.dedup();
    // 询单转化率 divides by the customers who reached a human: a plan that moves customers
    // to the bot or away from the agents changes its denominator. The money it stands for
    // is read beside it, and judges the plan in its place.
    let money_beside = kpis.contains(&Kpi::InquiryConversion) && sc.conversion.is_some();
    if money_beside && !kpis.contains(&Kpi::CsGmv) {
        let at = kpis
            .iter()
            .position(|k| *k == Kpi::InquiryConversion)
            .unwrap_or(0);
        kpis.insert(at + 1, Kpi::CsGmv);
    }
    plans
        .iter()
        .skip(1)
        .map(|(_, p)| {
            let mut worse = false;
            let parts: Vec<String> = kpis
                .iter()
                .filter_map(|&k| {
                    let d = compare::difference(&base.results, &p.results, k)?;
                    let judged = !(money_beside && k == Kpi::InquiryConversion);
                    worse |= judged && compare::judge(k, &d) == "worse";
                    Some(format!(
                        "{} {} {}",
                        lang.kpi(k),
                        lang.diff(k, &d),
                        lang.judge(k, &d)
                    ))
                })
                .collect();
            let parts = if parts.is_empty() {
                lang.pick("no KPI to compare", "无可比较的 KPI").to_string()
            } else {
                parts.join(lang.pick("; ", "；"))
            };
            // a what-if with a window is answered for its hours first, then the day
            let lead = p.window.as_ref().map(|(w, label)| {
                let window_parts: Vec<String> = kpis
                    .iter()
                    .filter(|k| Kpi::WINDOW.contains(k))
                    .filter_map(|&k| {
                        let d = compare::window_difference(&base.results, &p.results, *w, k)?;
                        worse |= compare::judge(k, &d) == "worse";
                        let (b, m) = (
                            compare::window_mean(&base.results, *w, k)?,
                            compare::window_mean(&p.results, *w, k)?,
                        );
                        let mut text = format!(
                            "{} {} → {} ({} {})",
                            lang.kpi(k),
                            fmt_value(k, b),
                            fmt_value(k, m),
                            lang.diff(k, &d),
                            lang.judge(k, &d)
                        )
                        .replace(" )", ")");
                        if let Some(t) = sc.targets.iter().find(|t| t.kpi == k) {
                            let values = p.results.window_values(*w, k);
                            let judged = values.iter().flatten().count();
                            let met = values.iter().flatten().filter(|x| t.met_by(**x)).count();
                            text.push_str(&match lang {
                                Lang::En => format!(
                                    ", {} met there in {met} of {judged} replications",
                                    target_text(t)
                                ),
                                Lang::Zh => format!(
                                    "，该时段 {judged} 次模拟中 {met} 次达到 {}",
                                    target_text(t)
                                ),
                            });
                        }
                        Some(text)
                    })
                    .collect();
                match lang {
                    Lang::En => format!(", for {label}: {}; on the day", window_parts.join("; ")),
                    Lang::Zh => format!("，{label}：{}；全天", window_parts.join("；")),
                }
            });
            let lead = lead.unwrap_or_default();
            let line = match lang {
                Lang::En => format!("Plan `{}` against the base{lead}: {parts}", p.name),
                Lang::Zh => format!("方案 `{}` 对比基准{lead}：{parts}", p.name),
            };
            (line, !worse)
        })
        .collect()
}

pub(super) fn target_text(t: &Target) -> String {
    let op = match t.op {
        Comparison::AtMost => "<=",
        Comparison::AtLeast => ">=",
    };
    format!("{op} {}", fmt_value(t.kpi, t.value))
}
