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

/// The least memory budget a run is given (`--max-memory` below it is refused): room for
/// the engine's fixed structures and a default-sized day.
pub const MIN_MEMORY: u64 = 64 << 20;

/// The default budget is this share of the machine's memory (the least of its RAM, the
/// cgroup's limit and the address-space limit): the rest is the process's code, thread
/// stacks, allocator slack and the summaries.
const DEFAULT_MEMORY_SHARE: f64 = 0.5;

/// The least default budget, on a machine that reports very little memory.
const DEFAULT_MEMORY_FLOOR: u64 = 256 << 20;

/// 0 until set: the machine's default.
static MAX_MEMORY: AtomicU64 = AtomicU64::new(0);
/// Replications that may run at once (each gets its share of the budget).
static PARALLEL: AtomicU64 = AtomicU64::new(1);

/// The machine's memory as this process may use it: the least of the RAM, the cgroup's
/// `memory.max` and `ulimit -v`, with what set it.
pub fn machine_memory() -> Option<(u64, &'static str)> {
    let mut least: Option<(u64, &'static str)> = None;
    let mut offer = |bytes: Option<u64>, what: &'static str| {
        if let Some(b) = bytes.filter(|b| *b > 0)
            && least.is_none_or(|(l, _)| b < l)
        {
            least = Some((b, what));
        }
    };
    let read = |path: &str| std::fs::read_to_string(path).ok();
    offer(
        read("/proc/meminfo").and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("MemTotal:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
                .map(|kb| kb * 1024)
        }),
        "the machine's RAM",
    );
    offer(
        read("/sys/fs/cgroup/memory.max").and_then(|s| s.trim().parse().ok()),
        "the cgroup's memory.max",
    );
    #[cfg(target_os = "linux")]
    offer(
        rustix::process::getrlimit(rustix::process::Resource::As).current,
        "the address-space limit (ulimit -v)",
    );
    least
}

/// The budget when `--max-memory` is not given: half the machine's memory, at least
/// 256 MiB.
pub fn default_max_memory() -> u64 {
    machine_memory().map_or(DEFAULT_MEMORY_FLOOR, |(b, _)| {
        ((b as f64 * DEFAULT_MEMORY_SHARE) as u64).max(DEFAULT_MEMORY_FLOOR)
    })
}

/// Sets the memory budget of a run, all replications under way together.
pub fn set_max_memory(bytes: u64) {
    MAX_MEMORY.store(bytes, Ordering::Relaxed);
}

/// The memory budget of a run, all replications under way together.
pub fn max_memory() -> u64 {
    match MAX_MEMORY.load(Ordering::Relaxed) {
        0 => default_max_memory(),
        b => b,
    }
}

/// Sets how many replications run at once (the worker threads).
pub fn set_parallel(replications: usize) {
    PARALLEL.store(replications.max(1) as u64, Ordering::Relaxed);
}

/// What one replication's growing structures (customers, waiting lines, pending events)
/// may hold: the run's budget shared by the replications under way.
pub fn replication_memory() -> u64 {
    (max_memory() / PARALLEL.load(Ordering::Relaxed)).max(MIN_MEMORY / 4)
}

/// Parses a memory size: bytes, or a number with K, M, G or T (binary: 1G = 2^30 bytes),
/// an optional `iB`/`B` after the letter.
pub fn parse_memory(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let lower = t.to_ascii_lowercase();
    let body = lower
        .strip_suffix("ib")
        .or_else(|| lower.strip_suffix('b'))
        .unwrap_or(&lower);
    let (number, shift) = match body.chars().last() {
        Some('k') => (&body[..body.len() - 1], 10),
        Some('m') => (&body[..body.len() - 1], 20),
        Some('g') => (&body[..body.len() - 1], 30),
        Some('t') => (&body[..body.len() - 1], 40),
        _ => (body, 0),
    };
    let v: f64 = number
        .trim()
        .parse()
        .map_err(|_| format!("`{t}` is not a size (examples: 4G, 512M, 1073741824)"))?;
    let bytes = v * (1u64 << shift) as f64;
    if !bytes.is_finite() || bytes < MIN_MEMORY as f64 || bytes > 1e18 {
        return Err(format!(
            "`{t}` is outside 64M..1000P (the least budget a run can work in is 64 MiB)"
        ));
    }
    Ok(bytes as u64)
}

/// Bytes as people read them: 1.9 GiB, 640 MiB.
pub fn human_bytes(b: u64) -> String {
    let b = b as f64;
    if b >= (1u64 << 30) as f64 {
        format!("{:.1} GiB", b / (1u64 << 30) as f64)
    } else {
        format!("{:.0} MiB", b / (1u64 << 20) as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_sizes_parse_in_binary_units_and_the_floor_holds() {
        assert_eq!(parse_memory("4G"), Ok(4 << 30));
        assert_eq!(parse_memory("512MiB"), Ok(512 << 20));
        assert_eq!(parse_memory("1.5g"), Ok(3 << 29));
        assert_eq!(parse_memory("1073741824"), Ok(1 << 30));
        for bad in ["", "G", "4X", "nan", "-1G", "1M", "inf", "1e30"] {
            assert!(parse_memory(bad).is_err(), "{bad}");
        }
        assert_eq!(human_bytes(3 << 29), "1.5 GiB");
        assert_eq!(human_bytes(640 << 20), "640 MiB");
        assert!(default_max_memory() >= 256 << 20);
    }
}
