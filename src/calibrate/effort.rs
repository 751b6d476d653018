//! The effort of a reply and the slowdown with concurrency, from the message log.
//!
//! A reply's time in the log is the agent's inbox wait plus its effort. An agent composes
//! one reply at a time, so its composed replies form a chain: the effort of a reply is the
//! time from the later of (the agent's previous composed reply, the customer turn it
//! answers reaching the agent) to the reply itself. The open chats when it began say
//! whether it paid the switching penalty: the penalty is the ratio of the efforts begun
//! while holding more than one chat to those begun holding one, within each group (a
//! group's speed cancels), pooled by inverse variance.
//!
//! What breaks the chain, and biases the effort up: time away (breaks, reminders) between
//! two replies, replies the log does not show (a reply to a customer who took the message
//! along), and network delay on either leg. An agent message followed by another of the
//! same conversation before the customer writes again (a 您好, or the first part of a
//! reply sent in pieces) is not a composed reply and is left out of the chain.

use std::collections::BTreeMap;

use serde::Serialize;

use super::collect::LogMoments;
use super::concurrency::Concurrency;
use super::estimate::{LogNormalFit, Value, lognormal};

/// One group's efforts, alone and holding more.
#[derive(Clone, Debug, Serialize)]
pub struct GroupEffort {
    pub group: String,
    /// The base scenario's speed of the group (its efforts are multiplied by it).
    pub speed_factor: f64,
    /// Efforts begun holding one chat.
    pub alone: Option<LogNormalFit>,
    /// Efforts begun holding more than one.
    pub holding_more: Option<LogNormalFit>,
}

/// The effort fit.
#[derive(Clone, Debug, Serialize)]
pub struct EffortFit {
    /// Composed replies timed.
    pub replies: u64,
    /// Agent messages not timed: not composed, nothing owed, or no span of its agent.
    pub not_timed: u64,
    /// A veteran's effort per reply while holding one chat (each group's efforts times
    /// its speed, pooled).
    pub effort: Option<LogNormalFit>,
    /// Extra effort while holding more than one chat (0.18 = +18%).
    pub switch_penalty: Option<Value>,
    /// Where the base mixes quick phrases with typed replies: the typed replies' effort
    /// at a veteran's speed, the base's quick-phrase shares and law taken as given
    /// ([`super::mixture`]).
    pub typed_effort: Option<LogNormalFit>,
    pub by_group: Vec<GroupEffort>,
}

const Z95: f64 = 1.959_963_984_540_054;

/// A group needs this many efforts each way for the penalty.
pub const MIN_EACH: u64 = 30;

/// Fits the chain of composed replies of every kept agent; `group` gives a group's speed
/// and quick-phrase share (1 and 0 for a group the base does not know), `quick` the
/// quick phrases' log-normal (mu, sigma) where the base has them. `None` without timed
/// replies.
pub fn fit(
    c: &mut Concurrency,
    group: impl Fn(&str) -> (f64, f64),
    quick: Option<(f64, f64)>,
) -> Option<EffortFit> {
    let speed = |g: &str| group(g).0;
    if c.turns.is_empty() {
        return None;
    }
    c.apply_switches();
    let mut groups: BTreeMap<String, (LogMoments, LogMoments)> = BTreeMap::new();
    // efforts begun holding one chat, binned (for the quick-phrase mixture)
    let mut alone_bins: BTreeMap<String, BTreeMap<i32, u64>> = BTreeMap::new();
    let (mut replies, mut not_timed) = (0u64, 0u64);
    let mut agents: Vec<&u64> = c.turns.keys().collect();
    agents.sort();
    for agent in agents {
        let mut turns: Vec<(f64, f64)> = c.turns[agent]
            .iter()
            .copied()
            .filter(|t| t.0.is_finite())
            .collect();
        not_timed += (c.turns[agent].len() - turns.len()) as u64;
        turns.sort_by(|a, b| a.0.total_cmp(&b.0));
        let group = c.group_of.get(agent).cloned().unwrap_or_default();
        let bins = alone_bins.entry(group.clone()).or_default();
        let g = groups.entry(group).or_default();
        let mut prev = f64::NAN;
        for (t, ready) in turns {
            let start = prev.max(ready);
            let open = if prev.is_finite() && ready.is_finite() {
                c.open_at(*agent, start)
            } else {
                0
            };
            if open >= 1 && t > start {
                replies += 1;
                if open == 1 {
                    g.0.add(t - start);
                    let k = ((t - start).ln() * super::collect::HANDLING_BINS).round() as i32;
                    *bins.entry(k).or_default() += 1;
                } else {
                    g.1.add(t - start);
                }
            } else {
                not_timed += 1;
            }
            prev = t;
        }
    }
    if replies == 0 {
        return None;
    }
    let mut pooled = LogMoments::default();
    let (mut w_sum, mut wx_sum) = (0.0, 0.0);
    let mut by_group = Vec::new();
    for (name, (alone, more)) in &groups {
        let s = speed(name);
        // times the speed: each log effort moves by ln(speed)
        let shift = s.ln();
        let n = alone.n as f64;
        pooled.absorb(&LogMoments {
            n: alone.n,
            sum: alone.sum + n * shift,
            sum_sq: alone.sum_sq + 2.0 * shift * alone.sum + n * shift * shift,
        });
        if alone.n >= MIN_EACH && more.n >= MIN_EACH {
            let (m1, v1) = log_mean_var(alone);
            let (m2, v2) = log_mean_var(more);
            let w = 1.0 / (v1 + v2);
            w_sum += w;
            wx_sum += w * (m2 - m1);
        }
        by_group.push(GroupEffort {
            group: name.clone(),
            speed_factor: s,
            alone: lognormal(alone),
            holding_more: lognormal(more),
        });
    }
    let switch_penalty = (w_sum > 0.0).then(|| {
        let (x, se) = (wx_sum / w_sum, w_sum.recip().sqrt());
        let n = groups.values().map(|g| g.1.n).sum();
        Value {
            value: x.exp() - 1.0,
            lo: (x - Z95 * se).exp() - 1.0,
            hi: (x + Z95 * se).exp() - 1.0,
            n,
        }
    });
    let typed_effort = quick.and_then(|law| {
        let efforts: Vec<super::mixture::GroupEfforts> = alone_bins
            .iter()
            .map(|(name, bins)| {
                let (speed, quick_share) = group(name);
                super::mixture::GroupEfforts {
                    speed,
                    quick_share,
                    bins,
                }
            })
            .collect();
        super::mixture::typed_effort(&efforts, law)
    });
    Some(EffortFit {
        replies,
        not_timed,
        effort: lognormal(&pooled),
        switch_penalty,
        typed_effort,
        by_group,
    })
}

/// The mean of the logs and its variance.
fn log_mean_var(m: &LogMoments) -> (f64, f64) {
    let n = m.n as f64;
    let mu = m.sum / n;
    let var = ((m.sum_sq - m.sum * mu) / (n - 1.0)).max(0.0);
    (mu, var / n)
}
