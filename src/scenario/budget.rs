//! The budget every scenario is held to, whatever its parameters: what one replication may
//! cost, checked on derived quantities before anything runs, so that no accepted scenario
//! can exhaust memory or run for days by accident.

use std::sync::atomic::{AtomicU64, Ordering};

use super::Scenario;
use super::distributions::MAX_TIME_S;
use super::validate::{Ctx, R};
use crate::conversation::Conversation;

/// Expected arrivals per replication allowed unless raised (`--max-customers`): room for
/// a platform night of 10^8 conversations, refusing a typo's 10^12.
pub const DEFAULT_MAX_CUSTOMERS: u64 = 200_000_000;
/// Series intervals per replication (each is a row of `series.csv` kept in memory).
pub const MAX_INTERVALS: u64 = 100_000;

/// Agents in all groups together.
pub const MAX_AGENTS: usize = 2_000_000;
/// Memory per agent, measured (`d11sim run` with 10^5 and 10^6 agents: 273 bytes each):
/// the agent's state and the router's entry.
pub const AGENT_BYTES: usize = 280;

static MAX_CUSTOMERS: AtomicU64 = AtomicU64::new(DEFAULT_MAX_CUSTOMERS);

/// Raises (or lowers) the expected arrivals per replication that validation accepts.
pub fn set_max_customers(n: u64) {
    MAX_CUSTOMERS.store(n, Ordering::Relaxed);
}

/// The expected arrivals per replication that validation accepts now.
pub fn max_customers() -> u64 {
    MAX_CUSTOMERS.load(Ordering::Relaxed)
}

/// Refuses a scenario beyond the budget, naming the key and the figures.
pub(super) fn check(sc: &Scenario, ctx: &Ctx<'_>) -> R<()> {
    let expected = sc.arrivals.curve.expected_total();
    if !expected.is_finite() {
        return Err(ctx.err(
            "arrivals",
            "the expected arrivals are not a finite number (rates or counts too large to add)",
        ));
    }
    let limit = max_customers();
    if expected > limit as f64 {
        return Err(ctx.err(
            "arrivals",
            format!(
                "expected {expected:.1e} arrivals per replication; the limit is {:.1e} (raise \
                 it with --max-customers)",
                limit as f64
            ),
        ));
    }
    let agents = sc.agents();
    if agents > MAX_AGENTS {
        return Err(ctx.err(
            "groups",
            format!(
                "{agents} agents in all; the limit is {MAX_AGENTS} (about {} MB of agent state)",
                (MAX_AGENTS * AGENT_BYTES) >> 20
            ),
        ));
    }
    slowest_work(sc, ctx)?;
    let intervals = sc
        .horizon
        .as_micros()
        .div_ceil(sc.interval.as_micros().max(1));
    if intervals > MAX_INTERVALS {
        return Err(ctx.err(
            "interval_min",
            format!(
                "gives {intervals} series intervals over the scenario; the limit is \
                 {MAX_INTERVALS} (use longer intervals)"
            ),
        ));
    }
    Ok(())
}

/// Refuses a scenario whose slowest agent would take more than [`MAX_TIME_S`] on average
/// for one reply (messages: the typed or quick-phrase effort with the switch penalty) or
/// one conversation (sessions: the work at the slowest speed): each factor may be within
/// its own range while their product is not.
fn slowest_work(sc: &Scenario, ctx: &Ctx<'_>) -> R<()> {
    let Some((group, speed_factor)) = sc
        .groups
        .iter()
        .enumerate()
        .map(|(i, g)| (i, g.speed_factor))
        .min_by(|a, b| a.1.total_cmp(&b.1))
    else {
        return Ok(());
    };
    let (mean_s, key, what) = match &sc.conversation {
        Conversation::Messages(m) => (
            m.effort.mean_s().max(m.quick_phrase.mean_s()) * (1.0 + m.switch_penalty),
            "conversation.switch_penalty",
            "a reply's mean effort with the switch penalty",
        ),
        Conversation::Sessions(s) => (
            s.work.mean_s() / s.speed.iter().copied().fold(f64::INFINITY, f64::min),
            "conversation.speed",
            "a conversation's mean work at the slowest speed",
        ),
    };
    let slowest = mean_s / speed_factor;
    if slowest.is_finite() && slowest <= MAX_TIME_S {
        return Ok(());
    }
    // blame the conversation when it is too slow even at full speed, else the group
    let (key, at) = if mean_s.is_finite() && mean_s <= MAX_TIME_S {
        (
            format!("groups[{group}].speed_factor"),
            ", at this group's speed,",
        )
    } else {
        (key.to_string(), "")
    };
    Err(ctx.err(
        key,
        format!("{what}{at} is {slowest:.1e} s; the limit is {MAX_TIME_S:.0e} s"),
    ))
}
