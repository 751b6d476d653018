//! The roster in a replication: shifts starting and ending, chat caps changing at peak
//! windows, and the series snapshot at each interval's end.

use super::agents;
use super::{Ev, Model};
use crate::conversation::Conversation;
use crate::engine::{EventQueue, SimTime};
use crate::routing::AgentId;

/// Debug builds check the counters kept as the run goes against a pass over the agents
/// and queues while these hold at most this many entries.
#[cfg(debug_assertions)]
const SHORT: usize = 10_000;

impl Model<'_> {
    pub(super) fn on_shift_start(&mut self, g: usize, q: &mut EventQueue<Ev>) {
        let ids: Vec<AgentId> = agents::ids_of_group(&self.agents, g).collect();
        for a in ids {
            self.agent_on(a, q);
        }
    }

    /// Agent `a` starts its shift (nothing when it is in one).
    pub(super) fn agent_on(&mut self, a: AgentId, q: &mut EventQueue<Ev>) {
        if self.agents[a as usize].on_duty {
            return;
        }
        let now = q.now();
        let g = usize::from(self.agents[a as usize].group);
        let cap = self.sc.groups[g].cap_at(now, &self.sc.peaks);
        let agent = &mut self.agents[a as usize];
        let was_present = agent.present;
        // an agent still finishing the last shift's chats counted their slots already
        let before = agent.staffed_slots();
        agent.on_duty = true;
        agent.present = true;
        agent.cap = cap;
        agent.last_release = agent.last_release.max(now);
        let slots = agent.staffed_slots() - before;
        if !was_present {
            self.on_duty.add(now, 1, &self.clocking);
            self.group_levels[g][2].add(now, 1, &self.clocking);
        }
        self.capacity.add(now, slots, &self.clocking);
        self.count_duty(a, true);
        self.notify_router(a, now);
        self.start_disconnects(a, q);
        self.fill(a, q);
    }

    pub(super) fn on_shift_end(&mut self, g: usize, now: SimTime) {
        let ids: Vec<AgentId> = agents::ids_of_group(&self.agents, g).collect();
        for a in ids {
            self.agent_off(a, now);
        }
    }

    /// Agent `a`'s shift ends (nothing when it is not in one): it finishes the chats it
    /// holds.
    pub(super) fn agent_off(&mut self, a: AgentId, now: SimTime) {
        if !self.agents[a as usize].on_duty {
            return;
        }
        // a shift's end cuts a break short
        self.end_break(a, now);
        let agent = &mut self.agents[a as usize];
        // past its shift an agent keeps only the slots its open chats hold
        let before = agent.staffed_slots();
        agent.on_duty = false;
        let slots = agent.staffed_slots() - before;
        self.capacity.add(now, slots, &self.clocking);
        self.count_duty(a, false);
        self.notify_router(a, now);
        self.maybe_go_off_duty(a, now);
    }

    /// An agent whose shift ended leaves once its last chat is done.
    pub(super) fn maybe_go_off_duty(&mut self, a: AgentId, now: SimTime) {
        let agent = &mut self.agents[a as usize];
        if !agent.on_duty && agent.load == 0 && agent.present {
            agent.present = false;
            let g = agent.group as usize;
            self.on_duty.add(now, -1, &self.clocking);
            self.group_levels[g][2].add(now, -1, &self.clocking);
        }
    }

    pub(super) fn on_cap_change(&mut self, q: &mut EventQueue<Ev>) {
        let now = q.now();
        for a in 0..self.agents.len() as AgentId {
            let agent = &self.agents[a as usize];
            let new_cap = self.sc.groups[agent.group as usize].cap_at(now, &self.sc.peaks);
            if new_cap == agent.cap {
                continue;
            }
            // a cap lowered under the chats held keeps their slots until they end
            let before = agent.staffed_slots();
            self.agents[a as usize].cap = new_cap;
            let delta = self.agents[a as usize].staffed_slots() - before;
            if delta != 0 {
                self.capacity.add(now, delta, &self.clocking);
            }
            self.notify_router(a, now);
            self.fill(a, q);
        }
    }

    /// Group `g` takes a full 分流 share from now: the router hears of each agent's weight.
    pub(super) fn on_full_share(&mut self, g: usize, now: SimTime) {
        let ids: Vec<AgentId> = agents::ids_of_group(&self.agents, g).collect();
        for a in ids {
            self.notify_router(a, now);
        }
    }

    pub(super) fn on_interval_end(&mut self, k: usize) {
        let on_break = self.on_break.value();
        let (on_duty, in_system, waiting) = (
            self.on_duty.value(),
            self.in_system.value(),
            self.waiting.value(),
        );
        let unanswered = self.unanswered();
        if let Some(row) = self.intervals.get_mut(k) {
            row.counts.agents_on_duty = on_duty;
            row.counts.agents_on_break = on_break;
            row.counts.in_system = in_system;
            row.counts.waiting = waiting;
            row.counts.messages_pending = self.messages_pending;
            row.counts.unanswered = unanswered;
        }
    }

    /// Customers whose latest message awaits a reply: in agents' inboxes (or being
    /// composed), in the line, or 留言 still in a queue.
    ///
    /// This runs once per series interval, so it reads counters kept as inboxes and queues
    /// change: a pass over every agent and queue took hours for an overloaded line of
    /// 10^5 customers over 10^5 intervals. Debug builds check the counters against that
    /// pass while it is short.
    fn unanswered(&self) -> i64 {
        #[cfg(debug_assertions)]
        {
            self.check_unanswered_counters();
            self.check_capacity();
        }
        self.in_inboxes + self.composing() + self.queued_messages + self.waiting.value()
    }

    /// Replies being composed: each group's first level counts them in the messages model
    /// (in the sessions model it counts agents working, and nothing is composed).
    fn composing(&self) -> i64 {
        match self.sc.conversation {
            Conversation::Messages(_) => self.group_levels.iter().map(|l| l[0].value()).sum(),
            Conversation::Sessions(_) => 0,
        }
    }

    /// The counters [`Model::unanswered`] reads, against a pass over every agent and
    /// queue, when both are short enough to pass over at every interval.
    #[cfg(debug_assertions)]
    fn check_unanswered_counters(&self) {
        if self.agents.len() <= SHORT {
            let in_inboxes: usize = self
                .agents
                .iter()
                .map(|a| a.inbox.len() + usize::from(a.composing.is_some()))
                .sum();
            assert_eq!(self.in_inboxes + self.composing(), in_inboxes as i64);
        }
        if self.queues.iter().map(|q| q.len()).sum::<usize>() <= SHORT {
            let queued = self
                .queues
                .iter()
                .flatten()
                .filter(|c| {
                    self.customers.try_get(**c).is_some_and(|cu| {
                        use super::customers::State;
                        cu.left_message && matches!(cu.state, State::Waiting | State::Ghost)
                    })
                })
                .count();
            assert_eq!(self.queued_messages, queued as i64);
        }
    }

    /// The staffed slots the occupancy divides by, against a pass over every agent.
    #[cfg(debug_assertions)]
    fn check_capacity(&self) {
        if self.agents.len() <= SHORT {
            let staffed: i64 = self.agents.iter().map(agents::Agent::staffed_slots).sum();
            assert_eq!(self.capacity.value(), staffed, "staffed chat slots");
        }
    }
}
