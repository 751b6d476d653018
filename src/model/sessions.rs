//! The `sessions` conversation model: each chat is one unit of work, consumed at speed
//! `speed[j]` while the agent holds `j` chats. Progress is brought up to date whenever `j`
//! changes (an agent-level virtual clock), so with exponential work and K = 1 or
//! `speed[j] = 1` the model is exactly Erlang C / Erlang A.
//!
//! When every speed is 1 the clock is skipped: each chat ends at its start plus its work,
//! by its own `ChatDone` event (a session never moves to another agent: outages and
//! reassignment need the messages model).

use super::customers::{CustRef, State};
use super::{Ev, Model};
use crate::conversation::Conversation;
use crate::engine::{EventQueue, SimTime};
use crate::routing::AgentId;

impl Model<'_> {
    fn speed(&self, j: u16) -> f64 {
        match &self.sc.conversation {
            Conversation::Sessions(s) => s.speed(j),
            Conversation::Messages(_) => 1.0,
        }
    }

    /// Brings agent `a`'s work done up to `now` at the speed of its current load.
    pub(super) fn sessions_progress(&mut self, a: AgentId, now: SimTime) {
        if !self.agent_clock {
            return;
        }
        let speed = self.speed(self.agents[a as usize].load);
        let agent = &mut self.agents[a as usize];
        if !agent.chats.is_empty() {
            agent.v += speed * (now - agent.v_at).as_secs_f64();
        }
        agent.v_at = now;
    }

    /// Schedules agent `a`'s next completion at the current speed (older ones go stale).
    pub(super) fn sessions_reschedule(&mut self, a: AgentId, q: &mut EventQueue<Ev>) {
        if !self.agent_clock {
            return;
        }
        let speed = self.speed(self.agents[a as usize].load);
        let agent = &mut self.agents[a as usize];
        agent.token = agent.token.wrapping_add(1);
        let Some(next) = agent.chats.iter().map(|c| c.1).min_by(f64::total_cmp) else {
            return;
        };
        let dt = ((next - agent.v) / speed).max(0.0);
        q.schedule(
            q.now() + SimTime::from_secs_f64(dt),
            Ev::SessionDone {
                agent: a,
                token: agent.token,
            },
        );
    }

    /// Agent `a` starts a session with `c` (a ghost just holds the slot until the timeout).
    pub(super) fn sessions_assign(
        &mut self,
        c: CustRef,
        a: AgentId,
        ghost: bool,
        q: &mut EventQueue<Ev>,
    ) {
        let now = q.now();
        if ghost {
            q.schedule(now + self.sc.patience.silent_timeout, Ev::Release(c));
        } else {
            let work = self.samplers.work.sample_s(&mut self.rng_service)
                / self.agents[a as usize].speed_factor;
            let agent = &mut self.agents[a as usize];
            if self.agent_clock {
                agent.chats.push((c, agent.v + work));
            } else {
                q.schedule(
                    now + SimTime::from_secs_f64(work),
                    Ev::ChatDone { cust: c, agent: a },
                );
            }
            self.first_reply(c, now);
        }
        self.sessions_reschedule(a, q);
    }

    /// A chat of speed 1 is done.
    pub(super) fn on_chat_done(&mut self, c: CustRef, a: AgentId, q: &mut EventQueue<Ev>) {
        // Both records are needed and, with many agents, both are out of cache: reading
        // the agent's first, by the id the event carries, lets the two misses overlap
        // instead of waiting for the customer's record to name the agent.
        std::hint::black_box(self.agents[a as usize].load);
        debug_assert!(
            self.customers
                .try_get(c)
                .is_some_and(|cu| cu.state == State::Chat && cu.agent == a)
        );
        self.release(c, q);
    }

    pub(super) fn on_session_done(&mut self, a: AgentId, token: u32, q: &mut EventQueue<Ev>) {
        if self.agents[a as usize].token != token {
            return;
        }
        self.sessions_progress(a, q.now());
        let agent = &mut self.agents[a as usize];
        let Some(i) =
            (0..agent.chats.len()).min_by(|&i, &j| agent.chats[i].1.total_cmp(&agent.chats[j].1))
        else {
            return;
        };
        let (c, v_end) = agent.chats.swap_remove(i);
        agent.v = agent.v.max(v_end);
        self.release(c, q);
    }
}
