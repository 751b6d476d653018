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

/// Open chats counted separately up to this; more count here.
pub const MAX_OPEN: usize = 12;

/// The agents' chat spans and the replies timed against them.
#[derive(Debug)]
pub struct Concurrency {
    /// Agents kept: hash below this.
    threshold: u64,
    /// Per kept agent: its chats' starts and ends (sorted once the conversations are read).
    spans: HashMap<u64, (Vec<f64>, Vec<f64>)>,
    kept: usize,
    /// Per kept conversation: its agent.
    agent_of: HashMap<u64, u64>,
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
            agent_of: HashMap::new(),
            sorted: false,
            by_open: vec![LogMoments::default(); MAX_OPEN + 1],
        }
    }
}

impl Concurrency {
    /// A served conversation's span with its agent.
    pub fn add_span(&mut self, conversation: u64, agent: u64, start: f64, end: f64) {
        if agent >= self.threshold || end <= start {
            return;
        }
        let s = self.spans.entry(agent).or_default();
        s.0.push(start);
        s.1.push(end);
        self.agent_of.insert(conversation, agent);
        self.kept += 1;
        while self.kept > MAX_SPANS {
            self.threshold /= 2;
            let t = self.threshold;
            self.spans.retain(|a, _| *a < t);
            self.agent_of.retain(|_, a| *a < t);
            self.kept = self.spans.values().map(|s| s.0.len()).sum();
        }
    }

    /// Share of agents kept (1 unless the log was large).
    pub fn sampled_share(&self) -> f64 {
        self.threshold as f64 / u64::MAX as f64
    }

    /// A reply of `conversation` sent at `t` after `wait` seconds.
    pub fn add_reply(&mut self, conversation: u64, t: f64, wait: f64) {
        if !self.sorted {
            for (starts, ends) in self.spans.values_mut() {
                starts.sort_by(f64::total_cmp);
                ends.sort_by(f64::total_cmp);
            }
            self.sorted = true;
        }
        let Some(agent) = self.agent_of.get(&conversation) else {
            return;
        };
        let (starts, ends) = &self.spans[agent];
        let open = starts.partition_point(|&s| s <= t) - ends.partition_point(|&e| e <= t);
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
