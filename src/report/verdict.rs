//! The verdict at the top of a page: one line per target in the trade's words (the day's
//! mean, the windows where it is missed, what fixes it), and one per plan judged better or
//! worse against the base.

use super::Lang;
use crate::compare::{self, PlanResults};
use crate::engine::SimTime;
use crate::kpi::{Comparison, Kpi, Target};
use crate::output::fmt_value;
use crate::replicate::RunResults;
use crate::scenario::Scenario;

/// The verdict: a headline, then one line per target in the trade's words: the day's
/// mean against it, the windows where a per-interval target is missed in most
/// replications, and what fixes it (from [`fix::fixes`], keyed by target).
pub fn verdict(
    sc: &Scenario,
    results: &RunResults,
    fixes: &[(Target, String, bool)],
    lang: Lang,
) -> Vec<(String, bool)> {
    let mut lines = Vec::new();
    let failing = results
        .targets
        .iter()
        .filter(|t| !t.met || !missed_windows(sc, results, &t.target, lang).is_empty())
        .count();
    let n = results.targets.len();
    lines.push(match (lang, n, failing) {
        (Lang::En, 0, _) => (
            "No targets set: add `targets` to the scenario for a verdict".to_string(),
            true,
        ),
        (Lang::Zh, 0, _) => (
            "未设目标：在场景中加入 `targets` 以得出结论".to_string(),
            true,
        ),
        (Lang::En, _, 0) => (
            format!("All {n} targets met, on the day and in every interval"),
            true,
        ),
        (Lang::Zh, _, 0) => (format!("全部 {n} 项目标达标：全天与每个时段"), true),
        (Lang::En, ..) => (
            format!("{failing} of {n} targets missed (on the day's mean or in some intervals)"),
            false,
        ),
        (Lang::Zh, ..) => (
            format!("{n} 项目标中 {failing} 项未达标（全天均值或部分时段）"),
            false,
        ),
    });
    for t in &results.targets {
        let mean = t.mean.map_or("-".into(), |m| fmt_value(t.target.kpi, m));
        let name = lang.kpi(t.target.kpi);
        let goal = target_text(&t.target);
        let share = t.share_met * 100.0;
        let mut text = match lang {
            Lang::En => format!(
                "{name}: {mean} on the day {} {goal} (met in {share:.0}% of replications)",
                if t.met { "meets" } else { "misses" },
            ),
            Lang::Zh => format!(
                "{name}：全天 {mean}，{}目标 {goal}（{share:.0}% 的重复达标）",
                if t.met { "达到" } else { "未达" },
            ),
        };
        let windows = missed_windows(sc, results, &t.target, lang);
        if !windows.is_empty() {
            text.push_str(&match lang {
                Lang::En => format!("; missed {}", windows.join(", ")),
                Lang::Zh => format!("；未达时段 {}", windows.join("，")),
            });
        }
        if let Some((_, fix, _)) = fixes.iter().find(|f| f.0 == t.target) {
            text.push_str(lang.pick(". ", "。"));
            text.push_str(fix);
        }
        lines.push((text, t.met && windows.is_empty()));
    }
    lines
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
            let line = match lang {
                Lang::En => format!("Plan `{}` against the base: {parts}", p.name),
                Lang::Zh => format!("方案 `{}` 对比基准：{parts}", p.name),
            };
            (line, !worse)
        })
        .collect()
}

/// The windows of consecutive intervals in which `target` is missed in most replications,
/// as "11-11 00:00-00:30 (in 100% of replications)"; at most four, then a count.
fn missed_windows(sc: &Scenario, results: &RunResults, target: &Target, lang: Lang) -> Vec<String> {
    if !Kpi::PER_INTERVAL.contains(&target.kpi) {
        return Vec::new();
    }
    let n = results.interval_count();
    let miss: Vec<Option<f64>> = (0..n).map(|k| results.interval_miss(target, k)).collect();
    let t = results.target_index(target);
    let mut k = 0;
    let mut windows = Vec::new();
    while k < n {
        if miss[k].is_none_or(|m| m < 0.5) {
            k += 1;
            continue;
        }
        let from = k;
        while k < n && miss[k].is_some_and(|m| m >= 0.5) {
            k += 1;
        }
        let any = results
            .replications
            .iter()
            .filter(|r| t.is_some_and(|t| (from..k).any(|j| r.missed(t, j))))
            .count() as f64
            / results.replications.len().max(1) as f64;
        windows.push((from, k, any));
    }
    let at = |k: usize| {
        sc.calendar
            .format(SimTime::from_micros(sc.interval.as_micros() * k as u64))
    };
    if windows.len() == 1 && windows[0].0 == 0 && windows[0].1 == n {
        return vec![format!(
            "{}{}",
            lang.pick("in every interval", "每个时段"),
            lang.in_share(windows[0].2)
        )];
    }
    let mut out: Vec<String> = windows
        .iter()
        .take(4)
        .map(|(from, to, any)| {
            format!(
                "{}-{}{}",
                at(*from),
                at(*to).split(' ').nth(1).unwrap_or_default(),
                lang.in_share(*any)
            )
        })
        .collect();
    if windows.len() > 4 {
        out.push(match lang {
            Lang::En => format!("and {} more windows", windows.len() - 4),
            Lang::Zh => format!("另有 {} 个时段", windows.len() - 4),
        });
    }
    out
}

pub(super) fn target_text(t: &Target) -> String {
    let op = match t.op {
        Comparison::AtMost => "<=",
        Comparison::AtLeast => ">=",
    };
    format!("{op} {}", fmt_value(t.kpi, t.value))
}
