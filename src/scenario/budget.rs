//! The budget every scenario is held to, whatever its parameters: what one replication may
//! cost, checked on derived quantities before anything runs, so that no accepted scenario
//! can exhaust memory or run for days by accident.

use std::sync::atomic::{AtomicU64, Ordering};

use super::Scenario;
use super::validate::{Ctx, R};

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
