//! The slowdown with concurrency: each reply's time against the number of chats its agent
//! held open when it was sent (from the conversation log's assigned-to-end spans and the
//! message log's turns).
//!
//! Memory stays bounded by sampling agents, not conversations: an agent is kept whole or not
//! at all, so the open chats of a kept agent are exact. While the spans kept pass
//! [`MAX_SPANS`], the kept share of agents halves (by the hash of their ids).

use std::collections::HashMap;

use serde::Serialize;

use super::collect::LogMoments;
use super::estimate::{LogNormalFit, Value, lognormal};

/// Spans kept at most.
pub const MAX_SPANS: usize = 2_000_000;

/// Agent turns kept at most (for the effort chain; agents are dropped whole beyond it).
pub const MAX_TURNS: usize = 4_000_000;

/// Open chats counted separately up to this; more count here.
pub const MAX_OPEN: usize = 12;

/// One kept agent's chats.
#[derive(Debug, Default)]
struct Spans {
    /// `(start, end)` of each chat, in the order read.
    pairs: Vec<(f64, f64)>,
    /// The starts and the ends, each sorted (built by [`Concurrency::sort`]).
    starts: Vec<f64>,
    ends: Vec<f64>,
}

/// The agents' chat spans and the replies timed against them.
#[derive(Debug)]
pub struct Concurrency {
    /// Agents kept: hash below this.
    threshold: u64,
    /// Per kept agent (by the hash of its id): its chats.
    spans: HashMap<u64, Spans>,
    kept: usize,
    /// The agents seen, by number (a conversation refers to its agent by number).
    agent_ids: Vec<u64>,
    agent_number: HashMap<u64, u32>,
    /// Per kept conversation: its agent's number and its place in the agent's spans (16
    /// bytes a conversation, the most numerous entry of a large log).
    agent_of: HashMap<u64, (u32, u32)>,
    /// Conversations the message log shows passing to other agents (a hand-over, 转交):
    /// each later agent and when it took over (the customer turn it first answered).
    switches: HashMap<u64, Vec<(u64, f64)>>,
    /// Per kept agent: its group's name.
    pub group_of: HashMap<u64, String>,
    /// Per kept agent: its messages `(time, the customer turn they answer)` in log order,
    /// the turn NaN when none is owed; a message followed by another of the same
    /// conversation before the customer writes again has time NaN (not a composed reply).
    pub turns: HashMap<u64, Vec<(f64, f64)>>,
    turns_kept: usize,
    sorted: bool,
    /// Reply times by the agent's open chats (index = open chats, 0 unused).
    pub by_open: Vec<LogMoments>,
}

impl Default for Concurrency {
    fn default() -> Self {
        Concurrency {
            threshold: u64::MAX,
            spans: HashMap::new(),
            kept: 0,
            agent_ids: Vec::new(),
            agent_number: HashMap::new(),
            agent_of: HashMap::new(),
            group_of: HashMap::new(),
            switches: HashMap::new(),
            turns: HashMap::new(),
            turns_kept: 0,
            sorted: false,
            by_open: vec![LogMoments::default(); MAX_OPEN + 1],
        }
    }
}

impl Concurrency {
    /// A conversation's span with its agent (every chat an agent held).
    pub fn add_span(&mut self, conversation: u64, agent: u64, group: &str, start: f64, end: f64) {
        if agent >= self.threshold || end <= start {
            return;
        }
        self.group_of
            .entry(agent)
            .or_insert_with(|| group.to_string());
        let ids = &mut self.agent_ids;
        let number = *self.agent_number.entry(agent).or_insert_with(|| {
            ids.push(agent);
            (ids.len() - 1) as u32
        });
        let s = self.spans.entry(agent).or_default();
        s.pairs.push((start, end));
        let at = u32::try_from(s.pairs.len() - 1).unwrap_or(u32::MAX);
        self.agent_of.insert(conversation, (number, at));
        self.kept += 1;
        self.sorted = false;
        while self.kept > MAX_SPANS {
            self.threshold /= 2;
            self.drop_agents();
        }
    }

    /// Keeps only the agents under the threshold.
    fn drop_agents(&mut self) {
        let t = self.threshold;
        let ids = &self.agent_ids;
        self.spans.retain(|a, _| *a < t);
        self.agent_of.retain(|_, a| ids[a.0 as usize] < t);
        self.switches.retain(|_, v| v.iter().all(|(a, _)| *a < t));
        self.group_of.retain(|a, _| *a < t);
        self.turns.retain(|a, _| *a < t);
        self.kept = self.spans.values().map(|s| s.pairs.len()).sum();
        self.turns_kept = self.turns.values().map(Vec::len).sum();
    }

    /// A kept conversation's agent and its span.
    fn span_of(&self, conversation: u64) -> Option<(u64, f64, f64)> {
        let &(number, at) = self.agent_of.get(&conversation)?;
        let agent = self.agent_ids[number as usize];
        let &(start, end) = self.spans.get(&agent)?.pairs.get(at as usize)?;
        Some((agent, start, end))
    }

    /// An agent message of `conversation` at `t` answering the customer turn sent at
    /// `ready` (NaN: none owed), sent by `account` when the log names it (else the
    /// conversation's agent); its place in its agent's turns, `None` when the agent is
    /// not kept.
    pub fn add_turn(
        &mut self,
        conversation: u64,
        t: f64,
        ready: f64,
        account: Option<u64>,
    ) -> Option<(u64, usize)> {
        let (row_agent, mut taken, _) = self.span_of(conversation)?;
        let agent = account.unwrap_or(row_agent);
        if agent >= self.threshold {
            return None;
        }
        let holder = self
            .switches
            .get(&conversation)
            .and_then(|v| v.last())
            .map_or(row_agent, |x| x.0);
        if agent != holder {
            // passed on: the new agent holds the chat from the turn it answers
            let since = if ready.is_finite() {
                ready.max(taken)
            } else {
                t
            };
            self.switches
                .entry(conversation)
                .or_default()
                .push((agent, since));
        }
        if let Some(v) = self.switches.get(&conversation) {
            taken = v.iter().rev().find(|x| x.0 == agent).map_or(taken, |x| x.1);
        }
        let turns = self.turns.entry(agent).or_default();
        // a turn reaches the agent's list no earlier than the agent took the chat
        turns.push((
            t,
            if ready.is_nan() {
                ready
            } else {
                ready.max(taken)
            },
        ));
        let at = (agent, turns.len() - 1);
        self.turns_kept += 1;
        while self.turns_kept > MAX_TURNS {
            self.threshold /= 2;
            self.drop_agents();
        }
        self.turns.contains_key(&agent).then_some(at)
    }

    /// The turn at `at` was not a composed reply (another agent message of its
    /// conversation followed before the customer wrote again: a greeting, or the first of
    /// a reply sent as several messages).
    pub fn not_composed(&mut self, at: (u64, usize)) {
        if let Some(t) = self.turns.get_mut(&at.0).and_then(|v| v.get_mut(at.1)) {
            t.0 = f64::NAN;
        }
    }

    /// The open chats of `agent` at `t` (a chat starting at `t` counts); the spans must be
    /// sorted ([`Concurrency::sort`]).
    pub fn open_at(&self, agent: u64, t: f64) -> usize {
        self.spans.get(&agent).map_or(0, |s| {
            s.starts.partition_point(|&x| x <= t) - s.ends.partition_point(|&e| e <= t)
        })
    }

    /// Splits the spans of the conversations that passed between agents: each agent holds
    /// the chat from when it took it to when the next one did (the last to the end).
    pub fn apply_switches(&mut self) {
        let mut switches: Vec<(u64, Vec<(u64, f64)>)> = self.switches.drain().collect();
        switches.sort_by_key(|x| x.0);
        for (conv, moves) in switches {
            let Some((first, start, end)) = self.span_of(conv) else {
                continue;
            };
            let mut holders = vec![(first, start)];
            holders.extend(moves);
            for (k, &(agent, from)) in holders.iter().enumerate() {
                let to = holders.get(k + 1).map_or(end, |x| x.1).max(from);
                if k == 0 {
                    let &(_, at) = &self.agent_of[&conv];
                    if let Some(p) = self
                        .spans
                        .get_mut(&agent)
                        .and_then(|s| s.pairs.get_mut(at as usize))
                    {
                        p.1 = to;
                    }
                } else {
                    self.spans.entry(agent).or_default().pairs.push((from, to));
                }
            }
        }
        self.sorted = false;
        self.sort();
    }

    /// Sorts the spans once every conversation is in (again after a change).
    pub fn sort(&mut self) {
        if !self.sorted {
            for s in self.spans.values_mut() {
                s.starts = s.pairs.iter().map(|p| p.0).collect();
                s.ends = s.pairs.iter().map(|p| p.1).collect();
                s.starts.sort_by(f64::total_cmp);
                s.ends.sort_by(f64::total_cmp);
            }
            self.sorted = true;
        }
    }

    /// Share of agents kept (1 unless the log was large).
    pub fn sampled_share(&self) -> f64 {
        self.threshold as f64 / u64::MAX as f64
    }

    /// A reply of `conversation` sent at `t` after `wait` seconds.
    pub fn add_reply(&mut self, conversation: u64, t: f64, wait: f64) {
        self.sort();
        let Some((agent, _, _)) = self.span_of(conversation) else {
            return;
        };
        let open = self.open_at(agent, t);
        if open >= 1 {
            self.by_open[open.min(MAX_OPEN)].add(wait);
        }
    }
}

/// Reply times at one level of open chats.
#[derive(Clone, Debug, Serialize)]
pub struct OpenChatsFit {
    /// Open chats (the last level counts that many or more).
    pub open_chats: usize,
    pub reply_time: LogNormalFit,
    /// Median reply time over that with one chat open.
    pub slowdown: Option<Value>,
}

/// The reply-time table by open chats (levels with at least 30 replies).
pub fn fit(c: &Concurrency) -> Vec<OpenChatsFit> {
    let one = lognormal(&c.by_open[1]);
    (1..=MAX_OPEN)
        .filter(|&j| c.by_open[j].n >= 30)
        .filter_map(|j| {
            let m = &c.by_open[j];
            let fit = lognormal(m)?;
            let slowdown = one.as_ref().map(|o| {
                let base = &c.by_open[1];
                // the ratio of medians: its log's variance is the two log-means' variances
                let var = |x: &LogMoments| {
                    let n = x.n as f64;
                    let mu = x.sum / n;
                    ((x.sum_sq - x.sum * mu) / (n - 1.0)).max(0.0) / n
                };
                let r = fit.median_s.value / o.median_s.value;
                let s = (var(m) + var(base)).sqrt();
                let z = 1.959_963_984_540_054;
                Value {
                    value: r,
                    lo: r * (-z * s).exp(),
                    hi: r * (z * s).exp(),
                    n: m.n,
                }
            });
            Some(OpenChatsFit {
                open_chats: j,
                reply_time: fit,
                slowdown,
            })
        })
        .collect()
}
