//! Analytic staffing per interval of a scenario: the Erlang A (or chat) requirement for the
//! arrivals that reach the agents, set against the agents the roster has on duty.
//!
//! For the `messages` model the conversation is reduced to its agent work (customer
//! messages x mean effort x the context-switch penalty) and an agent to one composer: a
//! floor on the agents needed, which the simulation then checks.

use std::fmt::Write;

use serde::Serialize;

use super::erlang::{Queue, StaffTarget};
use crate::class::Class;
use crate::conversation::Conversation;
use crate::engine::SimTime;
use crate::scenario::Scenario;

/// One interval's requirement.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct IntervalNeed {
    /// Interval start, scenario time in seconds.
    pub start_s: f64,
    /// Arrivals per hour that reach the agents (after the bot).
    pub arrivals_per_hour: f64,
    /// Agents needed to meet the targets (`None`: none up to the search limit).
    pub agents_needed: Option<u32>,
    /// Agents the roster has on duty at the interval's middle.
    pub agents_rostered: u32,
}

/// The queue parameters the scenario implies, before the arrival rate.
fn base_queue(sc: &Scenario) -> Queue {
    let patience = sc.patience.first_reply[Class::PreSale.index()].mean_s();
    let patience_s = patience.is_finite().then_some(patience);
    match &sc.conversation {
        Conversation::Sessions(s) => {
            let chats = sc
                .groups
                .iter()
                .map(|g| u32::from(g.max_chats))
                .max()
                .unwrap_or(1);
            Queue {
                lambda: 0.0,
                handle_s: s.work.mean_s(),
                patience_s,
                chats,
                speed: s.speed.clone(),
            }
        }
        Conversation::Messages(m) => Queue {
            lambda: 0.0,
            handle_s: m.customer_messages.mean() * m.effort.mean_s() * (1.0 + m.switch_penalty),
            patience_s,
            chats: 1,
            speed: vec![1.0],
        },
    }
}

/// Share of arrivals at `t` that reach the agents (the rest the bot resolves or loses).
fn human_share(sc: &Scenario, t: SimTime) -> f64 {
    let Some(bot) = &sc.bot else { return 1.0 };
    Class::ALL
        .iter()
        .map(|c| {
            let mix = sc
                .arrivals
                .mix
                .iter()
                .rev()
                .find(|p| p.from_s <= t.as_secs_f64())
                .map_or(if *c == Class::PreSale { 1.0 } else { 0.0 }, |p| {
                    p.shares[c.index()]
                });
            let r = bot.resolution[c.index()].mean;
            mix * (1.0 - bot.touch_share(*c, t) * (r + (1.0 - r) * bot.leave_share))
        })
        .sum()
}

/// The requirement per interval of `interval` length.
pub fn per_interval(
    sc: &Scenario,
    targets: &[StaffTarget],
    interval: SimTime,
) -> Vec<IntervalNeed> {
    let base = base_queue(sc);
    let h = sc.horizon.as_secs_f64();
    let len = interval.as_secs_f64();
    (0..(h / len).ceil() as usize)
        .map(|k| {
            let (a, b) = (k as f64 * len, ((k + 1) as f64 * len).min(h));
            let mid = SimTime::from_secs_f64((a + b) / 2.0);
            let lambda = sc.arrivals.curve.expected_between(a, b) / (b - a) * human_share(sc, mid);
            let q = Queue {
                lambda,
                ..base.clone()
            };
            // beyond the calculator's limits there is no analytic answer for the interval
            let agents_needed = if lambda > 0.0 {
                q.check()
                    .ok()
                    .and_then(|()| q.staff(targets, sc.service_level.as_secs_f64(), 100_000))
                    .map(|m| m.agents)
            } else {
                Some(0)
            };
            let agents_rostered = sc
                .groups
                .iter()
                .filter(|g| g.on_duty_at(mid))
                .map(|g| g.count)
                .sum();
            IntervalNeed {
                start_s: a,
                arrivals_per_hour: lambda * 3600.0,
                agents_needed,
                agents_rostered,
            }
        })
        .collect()
}

/// The requirement table for people.
pub fn render(sc: &Scenario, needs: &[IntervalNeed], targets: &[String]) -> String {
    let mut out = String::new();
    let q = base_queue(sc);
    let _ = writeln!(
        out,
        "{}: handle {:.0} s per conversation, {} chat(s) per agent, mean patience {}, targets {}",
        sc.name,
        q.handle_s,
        q.chats,
        q.patience_s.map_or("none".into(), |p| format!("{p:.0} s")),
        targets.join(", ")
    );
    let _ = writeln!(
        out,
        "{:<12} {:>12} {:>8} {:>9} {:>6}",
        "interval", "arrivals/h", "needed", "rostered", "gap"
    );
    for n in needs {
        let need = n.agents_needed.map_or("-".into(), |a| a.to_string());
        let gap = n.agents_needed.map_or(String::new(), |a| {
            format!("{:+}", i64::from(n.agents_rostered) - i64::from(a))
        });
        let _ = writeln!(
            out,
            "{:<12} {:>12.0} {:>8} {:>9} {:>6}",
            sc.calendar.format(SimTime::from_secs_f64(n.start_s)),
            n.arrivals_per_hour,
            need,
            n.agents_rostered,
            gap
        );
    }
    let short: Vec<String> = needs
        .iter()
        .filter(|n| n.agents_needed.is_some_and(|a| a > n.agents_rostered))
        .map(|n| sc.calendar.format(SimTime::from_secs_f64(n.start_s)))
        .collect();
    if short.is_empty() {
        let _ = writeln!(out, "the roster covers the requirement in every interval");
    } else {
        let _ = writeln!(
            out,
            "short of the requirement in {} interval(s): {}",
            short.len(),
            short.join(", ")
        );
    }
    out
}

/// Load over capacity at which `validate` warns that the waiting line cannot drain.
pub const OVERLOAD_WARNING: f64 = 10.0;

/// The interval where the arrivals reaching the agents most exceed what the agents on
/// duty can serve at their fastest (every chat slot busy, at the best speed), when that is
/// [`OVERLOAD_WARNING`] times or more: such a line grows for as long as patience lets it,
/// and a run may stop at its memory budget. Intervals with nobody on duty are left to
/// 留言 and closed hours.
pub fn overload(sc: &Scenario) -> Option<String> {
    let base = base_queue(sc);
    let (h, len) = (sc.horizon.as_secs_f64(), sc.interval.as_secs_f64());
    let best = |max_chats: u32| {
        (1..=max_chats)
            .map(|k| f64::from(k) * base.speed[(k as usize - 1).min(base.speed.len() - 1)])
            .fold(0.0, f64::max)
    };
    let mut worst: Option<(f64, f64, f64, f64, u32)> = None;
    for k in 0..(h / len).ceil() as usize {
        let (a, b) = (k as f64 * len, ((k + 1) as f64 * len).min(h));
        let mid = SimTime::from_secs_f64((a + b) / 2.0);
        let per_h =
            sc.arrivals.curve.expected_between(a, b) / (b - a) * human_share(sc, mid) * 3600.0;
        let on_duty = sc.groups.iter().filter(|g| g.on_duty_at(mid));
        let (mut agents, mut serve_h) = (0, 0.0);
        for g in on_duty {
            let chats = match &sc.conversation {
                Conversation::Sessions(_) => best(u32::from(g.max_chats)),
                Conversation::Messages(_) => 1.0,
            };
            agents += g.count;
            serve_h += f64::from(g.count) * chats * g.speed_factor * 3600.0 / base.handle_s;
        }
        let ratio = per_h / serve_h;
        if agents > 0 && ratio >= OVERLOAD_WARNING && worst.is_none_or(|w| ratio > w.0) {
            worst = Some((ratio, a, per_h, serve_h, agents));
        }
    }
    let (ratio, a, per_h, serve_h, agents) = worst?;
    Some(format!(
        "from {}: {} arrivals/h reach the agents, {ratio:.0}x the {}/h the {agents} agent(s) \
         on duty can serve at best; the waiting line grows for as long as \
         patience allows, and a run may stop at its memory budget (--max-memory)",
        sc.calendar.format(SimTime::from_secs_f64(a)),
        rate(per_h),
        rate(serve_h),
    ))
}

/// A rate as people read it: 320, 1.0e8, 0.072.
fn rate(x: f64) -> String {
    if x >= 1e5 {
        format!("{x:.1e}")
    } else if x >= 10.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.2}")
    }
}
