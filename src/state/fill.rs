//! What a state leaves out, filled in: classes from the mix where only counts are given,
//! chats spread over the agents on duty, patience factors from a customer's attempt and
//! escalation, and the bot's part checked against the scenario's bot.

use super::{Agent, BotState, Chat, Phase, Warm};
use crate::class::Class;
use crate::engine::SimTime;
use crate::scenario::Scenario;

/// The bot's part of the state: its sessions (at most its capacity) and its queue
/// (only where it keeps one).
#[allow(clippy::too_many_arguments)]
pub(super) fn resolve_bot(
    b: &BotState,
    sc: &Scenario,
    at: SimTime,
    warm: &mut Warm,
    err: &dyn Fn(&str, String) -> String,
    before: &dyn Fn(&str, f64) -> Result<SimTime, String>,
    count: &mut dyn FnMut(&str, u64) -> Result<(), String>,
) -> Result<(), String> {
    let Some(bot) = &sc.bot else {
        return Err(err(
            "bot",
            "the scenario has no [bot]: a state cannot hold bot sessions".into(),
        ));
    };
    let total: u64 = b.sessions.iter().map(|s| u64::from(s.count)).sum();
    if let Some(cap) = bot.capacity
        && total > u64::from(cap)
    {
        return Err(err(
            "bot.sessions",
            format!("{total} sessions, more than the bot's capacity of {cap}"),
        ));
    }
    let weights: Vec<(Class, f64)> = Class::ALL
        .into_iter()
        .map(|c| {
            let w =
                sc.arrivals
                    .class_expected_between(c, at.as_secs_f64(), at.as_secs_f64() + 60.0)
                    * bot.touch_share(c, at);
            (c, w)
        })
        .collect();
    let unclassed: u32 = b
        .sessions
        .iter()
        .filter(|s| s.class.is_none())
        .map(|s| s.count)
        .sum();
    let mut drawn = by_mix(&weights, unclassed).into_iter();
    for (i, s) in b.sessions.iter().enumerate() {
        let key = format!("bot.sessions[{i}]");
        count(&format!("{key}.count"), u64::from(s.count))?;
        let began = match s.since_s {
            Some(x) => Some(before(&format!("{key}.since_s"), x)?),
            None => None,
        };
        for _ in 0..s.count {
            let class = s.class.or_else(|| drawn.next()).unwrap_or(Class::PreSale);
            warm.bot_sessions.push((class, began));
        }
    }
    if !b.waiting.is_empty() && bot.overflow != crate::bot::Overflow::Queue {
        return Err(err(
            "bot.waiting",
            "the scenario's bot sends customers beyond its capacity to the agents                  (overflow = \"human\"): it keeps no queue"
                .into(),
        ));
    }
    for (i, w) in b.waiting.iter().enumerate() {
        let key = format!("bot.waiting[{i}]");
        let arrived = before(&format!("{key}.waited_s"), w.waited_s)?;
        count(&format!("{key}.count"), u64::from(w.count))?;
        warm.bot_waiting
            .extend(std::iter::repeat_n((w.class, arrived), w.count as usize));
    }
    warm.bot_waiting.sort_by_key(|&(_, t)| t);
    Ok(())
}

/// First-reply patience relative to a fresh customer's for a customer on `attempt`,
/// `escalated` from the bot or not: the scenario's retrial and escalation factors. An
/// attempt beyond the first in a scenario without retrials keeps a fresh patience.
///
/// # Errors
/// `(key, rule)` for attempt 0, or an escalation in a scenario without a bot.
pub fn patience_factor(
    sc: &Scenario,
    attempt: u8,
    escalated: bool,
) -> Result<f32, (&'static str, String)> {
    if attempt == 0 {
        return Err(("attempt", "must be at least 1".into()));
    }
    let retrial = sc
        .patience
        .retrial
        .as_ref()
        .map_or(1.0, |r| r.patience_factor.powi(i32::from(attempt) - 1));
    let bot = if escalated {
        match &sc.bot {
            Some(b) => b.escalated_patience_factor,
            None => {
                return Err((
                    "escalated",
                    "the scenario has no [bot] to escalate from".into(),
                ));
            }
        }
    } else {
        1.0
    };
    Ok((retrial * bot) as f32)
}

/// `n` classes in the proportions of `weights`, by a fixed low-discrepancy sequence (what
/// counts alone are taken as: docs/state-format.md).
fn by_mix(weights: &[(Class, f64)], n: u32) -> Vec<Class> {
    let weights: Vec<(Class, f64)> = weights.iter().map(|&(c, w)| (c, w.max(1e-12))).collect();
    let total: f64 = weights.iter().map(|w| w.1).sum();
    (0..n as usize)
        .map(|k| {
            let u = ((k as f64 + 0.5) * 0.618_033_988_749_895).fract() * total;
            let mut acc = 0.0;
            for &(c, w) in &weights {
                acc += w;
                if u < acc {
                    return c;
                }
            }
            weights[weights.len() - 1].0
        })
        .collect()
}

/// `n` open chats spread over `on_duty` agents of group `g`, one by one in turn; each
/// chat's class from the scenario's mix at `at` among the classes the group serves, in the
/// customer's turn after one reply, the phase just begun (what docs/state-format.md says
/// counts alone are taken as).
pub(super) fn spread(
    g: usize,
    n: u32,
    on_duty: u32,
    skills: crate::class::ClassSet,
    sc: &Scenario,
    at: SimTime,
) -> Vec<Agent> {
    let agents = on_duty.min(n) as usize;
    let mut out: Vec<Agent> = (0..agents)
        .map(|_| Agent {
            group: g,
            finishing: false,
            chats: Vec::new(),
        })
        .collect();
    let served: Vec<(Class, f64)> = Class::ALL
        .into_iter()
        .filter(|c| skills.contains(*c))
        .map(|c| {
            let w =
                sc.arrivals
                    .class_expected_between(c, at.as_secs_f64(), at.as_secs_f64() + 60.0);
            (c, w)
        })
        .collect();
    for (k, class) in by_mix(&served, n).into_iter().enumerate() {
        out[k % agents].chats.push(Chat {
            class,
            phase: Phase::CustomerTurn,
            since: at,
            arrived: at,
            replies: 1,
            composing_since: None,
            turns_total: None,
            left: None,
            patience_factor: 1.0,
            elapsed_known: false,
        });
    }
    out
}
