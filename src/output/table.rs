//! The KPI table printed on stdout: readable in a meeting.

use std::fmt::Write;

use crate::kpi::Kpi;
use crate::replicate::RunResults;
use crate::scenario::Scenario;

/// A KPI value for people: shares as percentages, large counts without decimals.
/// A KPI's 95% interval as `LOW .. HIGH`. Every KPI is non-negative: a t interval
/// reaching below 0 is shown from 0, and one past 100% of a share that cannot exceed it is
/// shown to 100%.
pub fn fmt_ci(kpi: Kpi, e: &crate::stats::Estimate) -> String {
    format!(
        "{} .. {}",
        fmt_value(kpi, e.ci_low.max(0.0)),
        fmt_value(
            kpi,
            if kpi.at_most_one() {
                e.ci_high.min(1.0)
            } else {
                e.ci_high
            }
        )
    )
}

pub fn fmt_value(kpi: Kpi, x: f64) -> String {
    if kpi.is_money() {
        crate::report::text::money(x)
    } else if kpi.is_share() {
        format!("{:.2}%", x * 100.0)
    } else if x.abs() >= 1000.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.2}")
    }
}

/// Terminal columns taken by `s`: CJK characters are two wide.
fn display_width(s: &str) -> usize {
    s.chars()
        .map(|c| {
            if ('\u{2E80}'..='\u{FFEF}').contains(&c) {
                2
            } else {
                1
            }
        })
        .sum()
}

/// `s` padded with spaces to `width` terminal columns.
fn pad(s: &str, width: usize) -> String {
    format!("{s}{}", " ".repeat(width.saturating_sub(display_width(s))))
}

/// The table: every defined KPI with its 95% CI, then targets with pass/fail.
pub fn render_table(scenario: &Scenario, r: &RunResults) -> String {
    let mut out = String::new();
    let n = r.replications.len();
    let _ = writeln!(
        out,
        "d11sim {} | {}",
        env!("CARGO_PKG_VERSION"),
        scenario.name
    );
    let _ = writeln!(
        out,
        "{} to {} | {} agents | model {} | routing {} | seed {} | {n} replication{}",
        scenario.calendar.format(crate::engine::SimTime::ZERO),
        scenario.calendar.format(scenario.horizon),
        scenario.agents(),
        scenario.conversation.name(),
        scenario.routing.policy.name(),
        r.seed,
        if n == 1 { "" } else { "s" }
    );
    for w in scenario.warnings.iter().chain(&r.warnings()) {
        let _ = writeln!(out, "warning: {w}");
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "{:<28} {:>12}   {:<26}", "KPI", "mean", "95% CI");
    let _ = writeln!(out, "{}", "-".repeat(70));
    for k in &r.kpis {
        let Some(e) = &k.estimate else { continue };
        let ci = if e.n > 1 {
            format!("[{}]", fmt_ci(k.kpi, e))
        } else {
            "(one replication)".into()
        };
        let _ = writeln!(
            out,
            "{} {:>12}   {:<26}",
            pad(k.kpi.label(), 28),
            fmt_value(k.kpi, e.mean),
            ci
        );
    }
    let classes: Vec<_> = crate::class::Class::ALL
        .into_iter()
        .filter(|c| r.class_kpi(*c, crate::kpi::ClassKpi::ReplyRate).is_some())
        .collect();
    if classes.len() > 1 {
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "{:<12} {:>12} {:>12} {:>18} {:>12}",
            "by class", "reply rate", "abandoned", "first response (s)", "ASA (s)"
        );
        for c in classes {
            let get = |k| r.class_kpi(c, k).map(|e| e.mean);
            let pct = |x: Option<f64>| x.map_or("n/a".into(), |v| format!("{:.2}%", v * 100.0));
            let sec = |x: Option<f64>| x.map_or("n/a".into(), |v| format!("{v:.1}"));
            let _ = writeln!(
                out,
                "{:<12} {:>12} {:>12} {:>18} {:>12}",
                c.name(),
                pct(get(crate::kpi::ClassKpi::ReplyRate)),
                pct(get(crate::kpi::ClassKpi::AbandonmentRate)),
                sec(get(crate::kpi::ClassKpi::FirstResponseMeanS)),
                sec(get(crate::kpi::ClassKpi::MeanWaitAllS)),
            );
        }
    }
    render_groups(&mut out, scenario, r);
    if !r.targets.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "{:<34} {:>12} {:>7} {:>10} {:>20} {:>7}",
            "target", "day mean", "day", "reps met", "intervals", "verdict"
        );
        for t in &r.targets {
            let mean = t.mean.map_or("n/a".into(), |m| fmt_value(t.target.kpi, m));
            let judged = t.intervals.iter().filter(|s| s.n > 0).count();
            let bad = |v| {
                t.intervals
                    .iter()
                    .filter(|s| s.n > 0 && s.verdict == v)
                    .count()
            };
            use crate::replicate::judge::Verdict;
            let intervals = if judged == 0 {
                "-".to_string()
            } else {
                match (bad(Verdict::Missed), bad(Verdict::Unsure)) {
                    (0, 0) => format!("{judged} met"),
                    (m, 0) => format!("{m}/{judged} missed"),
                    (0, u) => format!("{u}/{judged} unsure"),
                    (m, u) => format!("{m} missed, {u} unsure"),
                }
            };
            let _ = writeln!(
                out,
                "{:<34} {:>12} {:>7} {:>9.0}% {:>20} {:>7}{}",
                t.target.to_string(),
                mean,
                t.day.verdict.word(),
                t.share_met * 100.0,
                intervals,
                t.verdict.word(),
                if t.gating.gates { "" } else { " (informative)" },
            );
        }
        for t in r.targets.iter().filter(|t| !t.met()) {
            let _ = writeln!(
                out,
                "  {}",
                crate::report::describe(scenario, r, t, crate::report::Lang::En)
            );
        }
    }
    let p = |h: &hdrhistogram::Histogram<u64>, q: f64| h.value_at_quantile(q) as f64 / 1e3;
    let fr = &r.merged.first_response_ms;
    if !fr.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "first response (s, all replications): p50 {:.1}  p90 {:.1}  p99 {:.1}  max {:.1}",
            p(fr, 0.5),
            p(fr, 0.9),
            p(fr, 0.99),
            fr.max() as f64 / 1e3
        );
    }
    let rr = &r.merged.reply_response_ms;
    if !rr.is_empty() {
        let _ = writeln!(
            out,
            "per-reply response (s):              p50 {:.1}  p90 {:.1}  p99 {:.1}  max {:.1}",
            p(rr, 0.5),
            p(rr, 0.9),
            p(rr, 0.99),
            rr.max() as f64 / 1e3
        );
    }
    out
}

/// One line per agent group that took chats: chats, 首响, 平响, conversion, utilisation
/// and concurrency, means over replications.
fn render_groups(out: &mut String, scenario: &Scenario, r: &RunResults) {
    use crate::kpi::GroupKpi as G;
    let active = r.groups_to_show();
    if active.is_empty() {
        return;
    }
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "{:<18} {:>4} {:>9} {:>13} {:>12} {:>10} {:>8} {:>11}",
        "by group",
        "tier",
        "chats",
        "first resp s",
        "avg resp s",
        "conversion",
        "util",
        "chats/agent"
    );
    for g in active {
        let mean = |k| r.group_kpi(g, k).map(|e| e.mean);
        let num = |x: Option<f64>, d: usize| x.map_or("n/a".into(), |v| format!("{v:.d$}"));
        let pct = |x: Option<f64>| x.map_or("n/a".into(), |v| format!("{:.1}%", v * 100.0));
        let _ = writeln!(
            out,
            "{:<18} {:>4} {:>9} {:>13} {:>12} {:>10} {:>8} {:>11}",
            scenario.groups[g].name,
            scenario.groups[g].routing.tier,
            num(mean(G::Chats), 0),
            num(mean(G::FirstResponseMeanS), 1),
            num(mean(G::AvgResponseS), 1),
            pct(mean(G::InquiryConversion)),
            pct(mean(G::AgentUtilisation)),
            num(mean(G::MeanConcurrency), 2),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_interval_is_cut_at_100_percent_only_for_shares_that_cannot_pass_it() {
        let e = crate::stats::Estimate {
            mean: 1.2917,
            ci_low: 1.2873,
            ci_high: 1.2961,
            sd: 0.001,
            n: 10,
        };
        // 答问比 is a ratio printed as a percentage: 129% is a good store, not an error
        assert_eq!(fmt_ci(Kpi::AnswerQuestionRatio, &e), "128.73% .. 129.61%");
        let near = crate::stats::Estimate {
            mean: 0.999,
            ci_low: 0.997,
            ci_high: 1.001,
            ..e
        };
        assert_eq!(fmt_ci(Kpi::ReplyRate, &near), "99.70% .. 100.00%");
    }
}
