//! The replication's memory budget: what grows with the customers held at once (their
//! records, the waiting lines, the bot's queue, the pending events) is audited every few
//! thousand events against the replication's share of `--max-memory`, and a replication
//! that would go past it stops with a message that says what grew and why, instead of the
//! allocator aborting the process.

use std::collections::VecDeque;

use super::Model;
use super::customers::{CustRef, State};
use super::events::Ev;
use crate::engine::{EventQueue, SimTime};
use crate::scenario::budget::human_bytes;

/// A replication stopped at its memory budget: it has no results; the run keeps the
/// replications finished before it.
#[derive(Clone, Debug, PartialEq)]
pub struct Exhausted {
    /// The replication.
    pub index: u64,
    /// Simulated time of the stop.
    pub at: SimTime,
    /// What grew, how far, and why (one line).
    pub message: String,
}

impl std::fmt::Display for Exhausted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "replication {}: {}", self.index, self.message)
    }
}

/// Bytes a line of references may come to hold: vectors grow by doubling, so up to twice
/// their entries while they grow, and what they already hold.
fn line_bytes(q: &VecDeque<CustRef>) -> usize {
    q.capacity().max(2 * q.len()) * std::mem::size_of::<CustRef>()
}

impl Model<'_> {
    /// What the growing structures may come to hold before the next audit: each at the
    /// larger of what it holds allocated and twice its entries (the next doubling).
    pub(super) fn projected_bytes(&self, q: &EventQueue<Ev>) -> usize {
        let events = q
            .room_bytes()
            .max(2 * q.len() * EventQueue::<Ev>::ENTRY_BYTES);
        let lines: usize =
            self.queues.iter().map(line_bytes).sum::<usize>() + line_bytes(&self.bot_queue);
        self.customers.projected_bytes() + events + lines
    }

    /// The audit: false (and the reason kept) when the budget is reached.
    pub(super) fn within_budget(&mut self, q: &EventQueue<Ev>) -> bool {
        let projected = self.projected_bytes(q);
        if projected <= self.memory_limit {
            return true;
        }
        self.exhausted = Some(self.exhaustion(q));
        false
    }

    /// Says what grew: the largest of the customers' states or the pending events, when,
    /// and the load against the agents on duty then.
    fn exhaustion(&self, q: &EventQueue<Ev>) -> String {
        let now = q.now();
        let mut by_state = [0u64; 5];
        for c in self.customers.iter() {
            let k = match c.state {
                State::Waiting | State::Ghost => 0,
                State::BotQueue => 1,
                State::Chat => 2,
                State::Orbit => 3,
            };
            by_state[k] += 1;
        }
        by_state[4] = q.len() as u64;
        let names = [
            "the waiting line",
            "the bot's queue",
            "the open chats",
            "the customers waiting to try again",
            "the pending events",
        ];
        // the largest by the bytes it holds: a record weighs more than a pending event
        let weight = |k: usize| {
            if k == 4 {
                EventQueue::<Ev>::ENTRY_BYTES as u64
            } else {
                super::customers::Customers::SLOT_BYTES as u64
            }
        };
        let (k, n) = by_state
            .iter()
            .enumerate()
            .max_by_key(|(k, n)| **n * weight(*k))
            .map_or((0, 0), |(k, n)| (k, *n));
        let unit = if k == 4 { "events" } else { "customers" };
        let rate_h = self.sc.arrivals.curve.rate_at(now.as_secs_f64()) * self.volume * 3600.0;
        let slots = self.capacity.value().max(0);
        let why = if k == 4 {
            "timers far ahead pile up faster than they fire: look at patience, timeouts and \
             delays of days"
                .to_string()
        } else {
            format!(
                "{} arrivals/h against {} agent{} on duty holding at most {} chat{} at once",
                sig(rate_h),
                self.on_duty.value(),
                if self.on_duty.value() == 1 { "" } else { "s" },
                slots,
                if slots == 1 { "" } else { "s" }
            )
        };
        format!(
            "{} reached {} {unit} at {}: {why}; the replication stopped there, its share of \
             --max-memory ({} of {}) used up",
            names[k],
            count(n),
            self.sc.calendar.format(now),
            human_bytes(self.memory_limit as u64),
            human_bytes(crate::scenario::budget::max_memory()),
        )
    }
}

/// A count as people read it: 9.8 M, 41,500.
fn count(n: u64) -> String {
    if n >= 1_000_000 {
        format!("{:.1} M", n as f64 / 1e6)
    } else {
        n.to_string()
    }
}

/// A rate with two significant figures: 1.0e8, 320.
fn sig(x: f64) -> String {
    if x >= 1e5 {
        format!("{x:.1e}")
    } else {
        format!("{x:.0}")
    }
}
