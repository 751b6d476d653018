//! Breaks in a replication ([`crate::breaks`]): due, finishing the chats held, resting,
//! and back.

use super::{Ev, Model};
use crate::breaks::next_break;
use crate::engine::{EventQueue, SimTime};
use crate::routing::AgentId;

/// An agent's break in progress or due: kept per agent only when the scenario has breaks.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct BreakState {
    /// Bumped when a break ends early (a shift's end): its scheduled end is stale.
    pub token: u32,
    /// Length of the break due.
    pub len: SimTime,
    /// When the break was due (the wait to start it is the time spent finishing chats).
    pub due: SimTime,
}

/// Every agent's [`BreakState`], or none when no group takes breaks.
pub(super) fn states(sc: &crate::scenario::Scenario) -> Vec<BreakState> {
    if sc
        .groups
        .iter()
        .any(crate::roster::AgentGroup::takes_breaks)
    {
        vec![BreakState::default(); sc.agents()]
    } else {
        Vec::new()
    }
}

impl Model<'_> {
    /// Schedules each agent's first break.
    pub(super) fn schedule_breaks(&mut self, q: &mut EventQueue<Ev>) {
        let mut first: AgentId = 0;
        for group in &self.sc.groups {
            if group.takes_breaks() {
                for i in 0..group.count {
                    if let Some((at, _)) = next_break(group, i, SimTime::ZERO) {
                        q.schedule(at, Ev::BreakDue(first + i));
                    }
                }
            }
            first += group.count;
        }
    }

    /// Agent `a`'s break is due: it stops taking chats and rests once its chats are done.
    /// Its next break is scheduled now, whether this one is taken or not.
    pub(super) fn on_break_due(&mut self, a: AgentId, q: &mut EventQueue<Ev>) {
        let now = q.now();
        let g = usize::from(self.agents[a as usize].group);
        let group = &self.sc.groups[g];
        let i = a - self.first_agent[g];
        let due = next_break(group, i, now).filter(|(at, _)| *at == now);
        if let Some((next, _)) = next_break(group, i, now + SimTime::from_micros(1)) {
            q.schedule(next, Ev::BreakDue(a));
        }
        let Some((_, len)) = due else {
            return;
        };
        let agent = &mut self.agents[a as usize];
        if !agent.on_duty || agent.away {
            // off duty, or still away from the last one: skipped
            return;
        }
        let before = agent.staffed_slots();
        agent.away = true;
        let slots = agent.staffed_slots() - before;
        let state = &mut self.breaks[a as usize];
        (state.len, state.due) = (len, now);
        self.capacity.add(now, slots, &self.clocking);
        self.notify_router(a, now);
        self.maybe_start_break(a, q);
    }

    /// An agent with a break due rests once it holds no chat.
    #[inline(always)]
    pub(super) fn maybe_start_break(&mut self, a: AgentId, q: &mut EventQueue<Ev>) {
        let agent = &self.agents[a as usize];
        if agent.away && !agent.resting && agent.load == 0 {
            self.start_break(a, q);
        }
    }

    fn start_break(&mut self, a: AgentId, q: &mut EventQueue<Ev>) {
        let now = q.now();
        let agent = &mut self.agents[a as usize];
        agent.resting = true;
        let state = &mut self.breaks[a as usize];
        state.token = state.token.wrapping_add(1);
        let (token, len, due) = (state.token, state.len, state.due);
        q.schedule(now + len, Ev::BreakEnd { agent: a, token });
        self.on_break.add(now, 1, &self.clocking);
        if now >= self.sc.warmup && now < self.sc.horizon {
            let c = &mut self.counters;
            c.breaks_taken += 1;
            c.break_finish_chats_s += (now - due).as_secs_f64();
        }
    }

    /// Agent `a` is back from its break (`token`: stale when a shift's end cut it short).
    pub(super) fn on_break_end(&mut self, a: AgentId, token: u32, q: &mut EventQueue<Ev>) {
        let now = q.now();
        let agent = &self.agents[a as usize];
        if !agent.resting || self.breaks[a as usize].token != token {
            return;
        }
        self.end_break(a, now);
        self.notify_router(a, now);
        self.fill(a, q);
    }

    /// Ends agent `a`'s break or cancels the break due: it takes chats again while on duty.
    pub(super) fn end_break(&mut self, a: AgentId, now: SimTime) {
        let agent = &mut self.agents[a as usize];
        if !agent.away {
            return;
        }
        let before = agent.staffed_slots();
        agent.away = false;
        let slots = agent.staffed_slots() - before;
        if std::mem::take(&mut agent.resting) {
            self.on_break.add(now, -1, &self.clocking);
        }
        let state = &mut self.breaks[a as usize];
        state.token = state.token.wrapping_add(1);
        self.capacity.add(now, slots, &self.clocking);
    }
}
