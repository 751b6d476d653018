//! "What fixes it": for each missed target, whether more agents can meet it at all (the
//! roster at 4x its heads), and if so the cheapest addition to one group that does (fewest
//! extra agent-hours: a short split shift over a missed spike beats a long shift), found by
//! bisection with the run's seed (common random numbers).

use super::Lang;
use crate::engine::SimTime;
use crate::kpi::Target;
use crate::output::fmt_value;
use crate::replicate::judge::Verdict;
use crate::replicate::{self, RunConfig, RunResults};
use crate::scenario::Scenario;

/// Most heads the search multiplies the roster by.
const CEILING: u32 = 4;

/// The target is met by the run's judgement: in the intervals `ks` when given (the
/// window a fix is for), else on the day and in every interval.
fn holds(results: &RunResults, t: &Target, ks: Option<&[usize]>) -> bool {
    results.judgement(t).is_some_and(|j| match ks {
        None => j.met(),
        Some(ks) => ks.iter().all(|&k| {
            j.intervals
                .get(k)
                .is_none_or(|s| s.n == 0 || s.verdict == Verdict::Met)
        }),
    })
}

/// The window a fix aims at: when the day is met, the first run of intervals missed (or,
/// with none missed, the first unsure), as `(from, to)`; `None`: the whole target.
fn aim(results: &RunResults, t: &Target) -> Option<(usize, usize)> {
    let j = results.judgement(t)?;
    if j.day.verdict != Verdict::Met {
        return None;
    }
    let windows = j.windows(results);
    windows
        .iter()
        .find(|w| w.2 == Verdict::Missed)
        .or(windows.first())
        .map(|w| (w.0, w.1))
}

/// The intervals where the run's judgement of `t` is not met.
fn not_met(results: &RunResults, t: &Target) -> Vec<usize> {
    results.judgement(t).map_or(Vec::new(), |j| {
        (0..j.intervals.len())
            .filter(|&k| j.intervals[k].n > 0 && j.intervals[k].verdict != Verdict::Met)
            .collect()
    })
}

fn with_heads(sc: &Scenario, group: Option<usize>, extra: u32) -> Scenario {
    let mut s = sc.clone();
    for (i, g) in s.groups.iter_mut().enumerate() {
        match group {
            Some(j) if j == i => g.count += extra,
            Some(_) => {}
            None => g.count *= CEILING,
        }
    }
    s
}

/// Groups by agent-hours on duty in the intervals `ks` (else those where `t` is not met,
/// else the whole day), busiest first.
fn busiest_groups(
    sc: &Scenario,
    results: &RunResults,
    t: &Target,
    ks: Option<&[usize]>,
) -> Vec<usize> {
    let n = results.interval_count();
    let missed = ks.map_or_else(|| not_met(results, t), <[usize]>::to_vec);
    let ks: Vec<usize> = if missed.is_empty() {
        (0..n).collect()
    } else {
        missed
    };
    let hours = |g: usize| -> f64 {
        ks.iter()
            .filter_map(|k| results.intervals.get(*k))
            .map(|t| t.groups[g][2])
            .sum()
    };
    let mut groups: Vec<(usize, f64)> = (0..sc.groups.len()).map(|g| (g, hours(g))).collect();
    groups.retain(|(_, h)| *h > 0.0);
    groups.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    groups.into_iter().map(|(g, _)| g).collect()
}

/// Groups tried, busiest first.
const GROUPS_TRIED: usize = 3;

/// Hours one agent of group `g` is on duty within the scenario.
fn shift_hours(sc: &Scenario, g: usize) -> f64 {
    sc.groups[g]
        .shifts
        .iter()
        .map(|w| (w.end.min(sc.horizon) - w.start.min(sc.horizon)).as_secs_f64() / 3600.0)
        .sum()
}

/// What bounds `kpi` when more agents do not move it, naming only the parts the scenario
/// has.
fn bound_by(sc: &Scenario, kpi: crate::kpi::Kpi, lang: Lang) -> String {
    use crate::kpi::Kpi;
    let mut parts = Vec::new();
    match kpi {
        Kpi::Conversion | Kpi::InquiryConversion | Kpi::Buyers | Kpi::CsGmv | Kpi::GmvLost => {
            parts.push(lang.pick(
                "the conversion model (base order probability, group factors, payment rate)",
                "转化模型（基础下单概率、分组系数、付款率）",
            ));
            parts.push(lang.pick("customers who leave before any reply", "回复前就离开的顾客"));
        }
        _ => parts.push(lang.pick(
            "customers' patience (some leave before any reply can be composed)",
            "顾客耐心（有人在回复写好前就离开）",
        )),
    }
    if sc.bot.is_some() {
        parts.push(lang.pick(
            "the bot (its leavers and the time it takes)",
            "机器人（其间离开的顾客与所用时间）",
        ));
    }
    if sc.network.is_some() {
        parts.push(lang.pick("the network (stalls and disconnects)", "网络（卡顿与掉线）"));
    }
    parts.join(lang.pick("; ", "、"))
}

/// For each target the run misses (on the day or in some interval), what fixes it, or that
/// agents do not: `(target, text, fixed)`. `done` is called after each replication (for a
/// progress bar).
pub fn fixes(
    sc: &Scenario,
    results: &RunResults,
    cfg: RunConfig,
    lang: Lang,
    done: &(dyn Fn() + Sync),
) -> Vec<(Target, String, bool)> {
    let mut lines = Vec::new();
    let missed: Vec<&Target> = sc
        .targets
        .iter()
        .filter(|t| !holds(results, t, None))
        .collect();
    if missed.is_empty() {
        return lines;
    }
    let ceiling = replicate::run_observed(&with_heads(sc, None, 0), cfg, done);
    for t in missed {
        let window = aim(results, t);
        let ks: Option<Vec<usize>> = window.map(|(a, b)| (a..b).collect());
        let ks = ks.as_deref();
        if !holds(&ceiling, t, ks) {
            let mean = ceiling.mean(t.kpi);
            let text = if mean.is_some_and(|m| t.met_by(m)) {
                let still = not_met(&ceiling, t);
                let count = still.len();
                let first = still
                    .first()
                    .map_or(String::new(), |k| super::at(&sc.calendar, sc.interval, *k));
                match lang {
                    Lang::En => format!(
                        "With {CEILING}x the roster the day meets it but {count} interval(s) \
                         still miss it (first {first}): nobody with the skill on duty then, or \
                         the load exceeds even that; rework the shifts there"
                    ),
                    Lang::Zh => format!(
                        "客服加到 {CEILING} 倍时全天达标，但仍有 {count} 个时段未达（最早 \
                         {first}）：那时没有对应技能的客服在岗，或负荷超出；请调整那里的班次"
                    ),
                }
            } else {
                let reach = mean.map_or("-".into(), |m| fmt_value(t.kpi, m));
                let bound = bound_by(sc, t.kpi, lang);
                match lang {
                    Lang::En => format!(
                        "More agents do not fix it: with {CEILING}x the roster it reaches \
                         {reach}; it is bounded by {bound}"
                    ),
                    Lang::Zh => {
                        format!("加人解决不了：客服加到 {CEILING} 倍也只到 {reach}；受限于{bound}")
                    }
                }
            };
            lines.push((t.clone(), text, false));
            continue;
        }
        // the fewest extra agent-hours on one of the busiest groups that meet the target
        let mut found: Option<(usize, u32, RunResults)> = None;
        let cost = |g: usize, heads: u32| f64::from(heads) * shift_hours(sc, g);
        for g in busiest_groups(sc, results, t, ks)
            .into_iter()
            .take(GROUPS_TRIED)
        {
            let hours = shift_hours(sc, g).max(1e-9);
            let cap = match &found {
                None => sc.groups[g].count * (CEILING - 1) + 1,
                Some(f) => ((cost(f.0, f.1) / hours).floor() as u32)
                    .min(sc.groups[g].count * (CEILING - 1) + 1),
            };
            if cap == 0 {
                continue;
            }
            let (mut lo, mut hi) = (0u32, cap);
            let top = replicate::run_observed(&with_heads(sc, Some(g), hi), cfg, done);
            if !holds(&top, t, ks) {
                continue;
            }
            let mut best = top;
            while hi - lo > 1 {
                let mid = lo + (hi - lo) / 2;
                let r = replicate::run_observed(&with_heads(sc, Some(g), mid), cfg, done);
                if holds(&r, t, ks) {
                    hi = mid;
                    best = r;
                } else {
                    lo = mid;
                }
            }
            if found.as_ref().is_none_or(|f| cost(g, hi) < cost(f.0, f.1)) {
                found = Some((g, hi, best));
            }
        }
        let Some((g, hi, r)) = found else {
            lines.push((
                t.clone(),
                match lang {
                    Lang::En => format!(
                        "No single group fixes it (up to {CEILING}x its heads tried on the \
                         {GROUPS_TRIED} busiest); spread agents over several groups: see \
                         `d11sim staff optimize`"
                    ),
                    Lang::Zh => format!(
                        "单个分组加人解决不了（在最忙的 {GROUPS_TRIED} 个分组上试到 {CEILING} \
                         倍）；需在多个分组间分配人手：见 `d11sim staff optimize`"
                    ),
                },
                false,
            ));
            continue;
        };
        let shifts: Vec<String> = sc.groups[g]
            .shifts
            .iter()
            .map(|w| {
                format!(
                    "{}-{}",
                    sc.calendar.format(w.start),
                    sc.calendar
                        .format(w.end.min(sc.horizon.max(w.start + SimTime::from_secs(1))))
                )
            })
            .collect();
        let group = lang.group(&sc.groups[g]);
        let when = if shifts.is_empty() {
            lang.pick("all day", "全天").to_string()
        } else {
            shifts.join(", ")
        };
        let hours = cost(g, hi);
        let reach = r.mean(t.kpi).map_or("-".into(), |m| fmt_value(t.kpi, m));
        let share = r
            .targets
            .iter()
            .find(|x| x.target == *t)
            .map_or(0.0, |x| x.share_met)
            * 100.0;
        let effect = group_effect(results, &r, g, t, lang);
        let scope = window.map_or(String::new(), |(a, b)| {
            let (before, after) = (window_value(results, t, a, b), window_value(&r, t, a, b));
            let at = super::verdict::window_text(sc, results, a, b, lang);
            match lang {
                Lang::En => format!(
                    " for {at} (there {} {before} -> {after}, met)",
                    lang.kpi(t.kpi)
                ),
                Lang::Zh => format!(
                    "（针对 {at}：该时段 {} {before} → {after}，达标）",
                    lang.kpi(t.kpi)
                ),
            }
        });
        let rest = match r.judgement(t) {
            Some(j) if !j.met() => match lang {
                Lang::En => format!("; after it the target is still {}", j.verdict.word()),
                Lang::Zh => format!("；之后该目标仍{}", lang.verdict(j.verdict)),
            },
            _ => String::new(),
        };
        let text = match lang {
            Lang::En => format!(
                "Fix{scope}: +{hi} agents on {group} ({when}, +{hours:.0} agent-hours): {reach} \
                 on the day, met in {share:.0}% of replications; in {group}: {effect}{rest}"
            ),
            Lang::Zh => format!(
                "解决办法{scope}：{group} 加 {hi} 人（{when}，+{hours:.0} 人时）：全天 {reach}，\
                 {share:.0}% 的模拟夜晚达标；{group} 组内：{effect}{rest}"
            ),
        };
        lines.push((t.clone(), text, true));
    }
    lines
}

/// The mean of `t`'s KPI over the customers of intervals `a..b`, pooled over the
/// replications (the per-interval means weighted by the replications judged there).
fn window_value(results: &RunResults, t: &Target, a: usize, b: usize) -> String {
    let Some(j) = results.judgement(t) else {
        return "-".into();
    };
    let (mut sum, mut n) = (0.0, 0.0);
    for s in &j.intervals[a..b.min(j.intervals.len())] {
        if let Some(e) = &s.estimate {
            sum += e.mean * e.n as f64;
            n += e.n as f64;
        }
    }
    if n > 0.0 {
        fmt_value(t.kpi, sum / n)
    } else {
        "-".into()
    }
}

/// What a fix does inside the group it adds to: the group's own value of the target's KPI
/// (its 首响 when the KPI has no per-group meaning) and its chats per agent, before and
/// after.
fn group_effect(
    before: &RunResults,
    after: &RunResults,
    g: usize,
    t: &Target,
    lang: Lang,
) -> String {
    use crate::kpi::GroupKpi;
    let kpi = GroupKpi::of(t.kpi).unwrap_or(GroupKpi::FirstResponseMeanS);
    let shown = kpi.store_kpi().unwrap_or(t.kpi);
    let value = |r: &RunResults, k: GroupKpi| {
        r.group_kpi(g, k).map_or("-".to_string(), |e| {
            fmt_value(k.store_kpi().unwrap_or(shown), e.mean)
        })
    };
    let chats = GroupKpi::MeanConcurrency;
    match lang {
        Lang::En => format!(
            "{} {} -> {}, chats per agent {} -> {}",
            lang.kpi(shown),
            value(before, kpi),
            value(after, kpi),
            value(before, chats),
            value(after, chats)
        ),
        Lang::Zh => format!(
            "{} {} → {}，人均接待 {} → {}",
            lang.kpi(shown),
            value(before, kpi),
            value(after, kpi),
            value(before, chats),
            value(after, chats)
        ),
    }
}
