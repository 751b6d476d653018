//! Chat slots in a replication: freeing one when a conversation ends, and filling free
//! slots from the waiting customers.

use std::collections::VecDeque;

use super::customers::{CustRef, Gone, State};
use super::{Ev, Model};
use crate::conversation::Conversation;
use crate::engine::{EventQueue, SimTime};
use crate::metrics::Hist;
use crate::routing::AgentId;

impl Model<'_> {
    /// Frees agent `a`'s slot held by `c`, retires the customer, and refills the slot.
    pub(super) fn release(&mut self, c: CustRef, q: &mut EventQueue<Ev>) {
        let now = q.now();
        let (a, assigned, counted, ended) = {
            let cu = self.customers.get(c);
            (
                cu.agent,
                cu.assigned,
                cu.counted,
                cu.gone == Gone::No && cu.state == State::Chat,
            )
        };
        if counted && ended {
            self.counters.conversations_ended += 1;
            let d = now - assigned;
            self.counters.duration_sum_s += d.as_secs_f64();
            self.histograms.record(Hist::Duration, d);
        }
        self.leave(c, now);
        if matches!(self.sc.conversation, Conversation::Messages(_)) {
            self.agents[a as usize].chats.retain(|x| x.0 != c);
        }
        self.sessions_progress(a, now);
        // A slot refilled at once reaches the router as one change, by the assignment.
        self.change_load_quietly(a, -1, now);
        self.sessions_reschedule(a, q);
        if !self.fill(a, q) {
            self.notify_router(a, now);
        }
        self.maybe_go_off_duty(a, now);
        self.maybe_start_break(a, q);
    }

    /// Gives agent `a` waiting customers while it has free slots; whether it gave any.
    pub(super) fn fill(&mut self, a: AgentId, q: &mut EventQueue<Ev>) -> bool {
        let now = q.now();
        if self.queues.iter().all(VecDeque::is_empty) {
            return false; // the common case while agents wait for chats
        }
        let mut given = false;
        while self.agents[a as usize].available() {
            let skills = self.agents[a as usize].skills;
            let heads = std::array::from_fn(|i| self.queue_head(i));
            let Some(class) = self.sc.routing.next_class(skills, heads, now) else {
                break;
            };
            let c = self.queues[class.index()].pop_front().expect("head exists");
            self.leave_line(c, now);
            self.assign(c, a, q);
            given = true;
        }
        given
    }

    /// Arrival time of the first live customer in queue `i`, dropping stale entries.
    pub(super) fn queue_head(&mut self, i: usize) -> Option<SimTime> {
        while let Some(&c) = self.queues[i].front() {
            match self.customers.try_get(c) {
                Some(cu) if matches!(cu.state, State::Waiting | State::Ghost) => {
                    return Some(cu.arrived);
                }
                _ => {
                    self.queues[i].pop_front();
                }
            }
        }
        None
    }
}
