//! The requirement and its shift plan for people (a table) and for tools (CSV).

use std::fmt::Write;

use super::{Cover, Requirement, Settings};
use crate::engine::SimTime;
use crate::kpi::Target;
use crate::scenario::clock::Calendar;
use crate::staffing::shifts::{self, ShiftOption};

/// Formats a share as a percentage.
fn pct(x: f64) -> String {
    format!("{:.0}%", x * 100.0)
}

/// The requirement table for people, with the plan's coverage when there is one.
pub fn render(
    req: &Requirement,
    settings: &Settings,
    calendar: &Calendar,
    cover: Option<(&Cover, &[ShiftOption])>,
) -> String {
    let mut out = String::new();
    let targets: Vec<String> = settings.targets.iter().map(Target::to_string).collect();
    let _ = writeln!(
        out,
        "requirement: agents like `{}` per {:.0} min so that each interval's arrivals meet {} \
         in >= {} of {} replications",
        settings.like,
        settings.interval.as_secs_f64() / 60.0,
        targets.join(" and "),
        pct(settings.confidence),
        settings.replications
    );
    for u in &req.unreachable {
        let means: Vec<f64> = u.ceiling_mean.iter().flatten().copied().collect();
        let range = if means.is_empty() {
            "undefined".to_string()
        } else {
            let lo = means.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = means.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            format!(
                "{} to {}",
                crate::output::fmt_value(u.target.kpi, lo),
                crate::output::fmt_value(u.target.kpi, hi)
            )
        };
        let best = u.ceiling_share.iter().copied().fold(0.0, f64::max);
        let _ = writeln!(
            out,
            "UNREACHABLE: {} fails in {} of {} intervals even with the generous ceiling roster \
             (interval means {range}; met in at most {} of replications). More agents do not \
             help there, so it is left out of those intervals.",
            u.target,
            u.intervals.len(),
            req.intervals.len(),
            pct(best)
        );
    }
    let breaks = req.away > 0.0;
    if breaks {
        let _ = writeln!(
            out,
            "required: agents available (taking chats); rostered: on shift, {} of whose \
             time goes on breaks and shrinkage (`{}`'s rules over its shift){}",
            pct(req.away),
            settings.like,
            if cover.is_some() {
                "; the plan's heads are rostered, its cover available"
            } else {
                ""
            }
        );
    }
    let _ = writeln!(
        out,
        "\n{:<12} {:>8} {:>8}{} {:>6} {:>14}{}",
        "interval",
        "analytic",
        "required",
        if breaks {
            format!(" {:>9}", "rostered")
        } else {
            String::new()
        },
        "pass",
        "one fewer",
        if cover.is_some() {
            "   plan heads   plan covers   holdout pass"
        } else {
            ""
        }
    );
    for (k, r) in req.intervals.iter().enumerate() {
        let fewer = match (r.known_short, r.short_share) {
            (Some(n), Some(s)) if n + 1 == r.agents => pct(s),
            (Some(n), Some(s)) => format!("{n}: {}", pct(s)),
            _ => "-".into(),
        };
        let mark = if req.tightest == Some(k) {
            " <- tightest"
        } else {
            ""
        };
        let plan = cover.map_or(String::new(), |(c, opts)| {
            let covered = shifts::coverage(opts, &c.plan.heads, k, settings.interval);
            let (heads, _) = shifts::heads_at(opts, &c.plan.heads, k, settings.interval);
            format!(
                "   {heads:>10}   {covered:>11.1}   {:>12}",
                pct(c.pass_share[k])
            )
        });
        let rostered = if breaks {
            format!(" {:>9}", req.rostered(r.agents))
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "{:<12} {:>8} {:>8}{rostered} {:>6} {:>14}{plan}{mark}",
            calendar.format(r.start),
            r.analytic,
            r.agents,
            pct(r.pass_share),
            fewer
        );
    }
    let total: u32 = req.intervals.iter().map(|r| r.agents).sum();
    let _ = writeln!(
        out,
        "{} agent-intervals required ({:.1} agent-hours); {} candidates simulated{}",
        total,
        f64::from(total) * settings.interval.as_secs_f64() / 3600.0,
        req.evaluations,
        if req.verified {
            String::new()
        } else {
            "; WARNING: some intervals still fall short after the repair rounds".into()
        }
    );
    out
}

/// The requirement as CSV (columns documented in docs/outputs.md).
pub fn requirement_csv(
    req: &Requirement,
    calendar: &Calendar,
    cover: Option<(&Cover, &[ShiftOption])>,
    interval: SimTime,
) -> String {
    let mut out = String::from(
        "interval,start,analytic,required,pass_share,known_short,short_share,plan_covers,holdout_pass_share,rostered,plan_heads\n",
    );
    let opt = |x: Option<String>| x.unwrap_or_default();
    for (k, r) in req.intervals.iter().enumerate() {
        let (covers, plan_pass, heads) = cover.map_or(Default::default(), |(c, opts)| {
            let covered = shifts::coverage(opts, &c.plan.heads, k, interval);
            let (heads, _) = shifts::heads_at(opts, &c.plan.heads, k, interval);
            (
                format!("{covered:.2}"),
                format!("{:.4}", c.pass_share[k]),
                heads.to_string(),
            )
        });
        let _ = writeln!(
            out,
            "{k},{},{},{},{:.4},{},{},{covers},{plan_pass},{},{heads}",
            calendar.format(r.start),
            r.analytic,
            r.agents,
            r.pass_share,
            opt(r.known_short.map(|n| n.to_string())),
            opt(r.short_share.map(|s| format!("{s:.4}"))),
            req.rostered(r.agents),
        );
    }
    out
}
