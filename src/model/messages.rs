//! The `messages` conversation model: each customer message needs a reply; an agent
//! composes one reply at a time, taking pending messages of all its chats oldest first.

use rand::RngExt;

use super::customers::{CustRef, Gone, State};
use super::{Ev, Model};
use crate::class::Class;
use crate::conversation::Conversation;
use crate::engine::{EventQueue, SimTime};
use crate::metrics::Hist;
use crate::routing::AgentId;

impl Model<'_> {
    fn messages_params(&self) -> &crate::conversation::MessagesModel {
        match &self.sc.conversation {
            Conversation::Messages(m) => m,
            Conversation::Sessions(_) => unreachable!("messages handler in the sessions model"),
        }
    }

    /// A chat reaches agent `a`: its pending message (if any) goes to the agent.
    pub(super) fn messages_assign(&mut self, c: CustRef, a: AgentId, q: &mut EventQueue<Ev>) {
        let cu = self.customers.get_mut(c);
        cu.hop = cu.hop.wrapping_add(1);
        if cu.msgs_sent == 0 {
            // the opening turn was sent on arrival
            cu.msgs_sent = 1;
            cu.msg_sent_at = cu.arrived;
            if cu.counted {
                self.counters.customer_messages += turn_messages(cu, 1);
            }
        }
        let pending = cu.msgs_sent > cu.replies;
        let gone = cu.gone != Gone::No;
        let greet = !cu.replied && !gone;
        let hop = cu.hop;
        self.agents[a as usize].chats.push((c, 0.0));
        if greet && self.messages_params().greeting.hello.is_some() {
            // the agent sees the chat once its message arrives, then clicks the phrase
            let seen = self.leg_delay(a, q.now());
            let delay = self.samplers.hello.sample(&mut self.rng_service);
            q.schedule(q.now() + seen + delay, Ev::Hello { cust: c, hop });
        }
        if pending {
            self.forward_to_agent(c, a, q);
        } else if gone {
            // a left customer whose last message was answered on the way back to the line
            q.schedule(q.now(), Ev::Release(c));
        }
    }

    /// A customer message travels to agent `a` (network delay), then joins its inbox.
    fn forward_to_agent(&mut self, c: CustRef, a: AgentId, q: &mut EventQueue<Ev>) {
        let delay = self.leg_delay(a, q.now());
        if delay == SimTime::ZERO {
            self.agents[a as usize].inbox.push_back(c);
            self.in_inboxes += 1;
            self.start_compose_if_idle(a, q);
        } else {
            let hop = self.customers.get(c).hop;
            q.schedule(q.now() + delay, Ev::MessageToAgent { cust: c, hop });
        }
    }

    pub(super) fn on_message_to_agent(&mut self, c: CustRef, hop: u16, q: &mut EventQueue<Ev>) {
        let Some(cu) = self.customers.try_get(c) else {
            return;
        };
        let taken_along =
            cu.gone == Gone::Explicit && (!self.sc.inbox.keep_messages || cu.withdrew);
        if cu.hop != hop || !matches!(cu.state, State::Chat | State::Ghost) || taken_along {
            return; // the chat moved to another agent, or ended, while the message travelled
        }
        let a = cu.agent;
        self.agents[a as usize].inbox.push_back(c);
        self.in_inboxes += 1;
        self.start_compose_if_idle(a, q);
    }

    pub(super) fn start_compose_if_idle(&mut self, a: AgentId, q: &mut EventQueue<Ev>) {
        let agent = &self.agents[a as usize];
        if agent.composing.is_some() || agent.offline || agent.reminding {
            return;
        }
        let now = q.now();
        let next = self.next_in_inbox(a, now);
        let Some(c) = self.agents[a as usize].inbox.remove(next) else {
            return;
        };
        self.in_inboxes -= 1;
        let m = self.messages_params();
        let penalty = if self.agents[a as usize].load > 1 {
            1.0 + m.switch_penalty
        } else {
            1.0
        };
        let group = &self.sc.groups[usize::from(self.agents[a as usize].group)];
        let phrase_share = group.quick_phrase_share.unwrap_or(m.quick_phrase_share);
        let factor = penalty / self.agents[a as usize].speed_factor;
        let quick = phrase_share > 0.0 && self.rng_service.random::<f64>() < phrase_share;
        let sampler = if quick {
            &self.samplers.quick_phrase
        } else {
            &self.samplers.effort
        };
        let effort = sampler.sample_scaled(&mut self.rng_service, factor) + self.client_lag(a);
        let agent = &mut self.agents[a as usize];
        agent.composing = Some(c);
        agent.compose_started = now;
        agent.token = agent.token.wrapping_add(1);
        let (token, g) = (agent.token, usize::from(agent.group));
        self.group_levels[g][0].add(now, 1, &self.clocking);
        q.schedule(now + effort, Ev::ReplyDone { agent: a, token });
    }

    /// Which pending message agent `a` answers next: the oldest, or inside a priority
    /// window the oldest of the most urgent class (pre-sale first at the peak).
    fn next_in_inbox(&self, a: AgentId, now: SimTime) -> usize {
        let inbox = &self.agents[a as usize].inbox;
        if inbox.len() < 2 || self.sc.routing.rank(Class::PreSale, now).is_none() {
            return 0;
        }
        let rank = |c: &CustRef| {
            self.customers
                .try_get(*c)
                .and_then(|cu| self.sc.routing.rank(cu.queue_class, now))
                .unwrap_or(usize::MAX)
        };
        (0..inbox.len())
            .min_by_key(|&i| (rank(&inbox[i]), i))
            .unwrap_or(0)
    }

    pub(super) fn on_reply_done(&mut self, a: AgentId, token: u32, q: &mut EventQueue<Ev>) {
        let agent = &mut self.agents[a as usize];
        if agent.token != token {
            return;
        }
        let Some(c) = agent.composing.take() else {
            return;
        };
        let g = usize::from(agent.group);
        let now = q.now();
        self.group_levels[g][0].add(now, -1, &self.clocking);
        // a reply composed while offline leaves when the agent is back
        let sent = if self.agents[a as usize].offline {
            self.agents[a as usize].offline_until.max(now)
        } else {
            now
        };
        let delay = (sent - now) + self.leg_delay(a, sent);
        if delay == SimTime::ZERO {
            self.deliver_reply(c, q);
        } else {
            q.schedule(now + delay, Ev::ReplyDelivered(c));
        }
        self.start_compose_if_idle(a, q);
        self.maybe_remind(a, q);
    }

    /// The reply reaches the customer (network delay comes with the network model).
    pub(super) fn deliver_reply(&mut self, c: CustRef, q: &mut EventQueue<Ev>) {
        let now = q.now();
        let wrap_up = self.messages_params().wrap_up;
        let silent_timeout = self.sc.patience.silent_timeout;
        let (gone, withdrew) = (self.customers.get(c).gone, self.customers.get(c).withdrew);
        if gone != Gone::No && (!self.sc.inbox.keep_messages || withdrew) {
            // the phone queue: the reply to a customer who left is not counted
            return match gone {
                Gone::Explicit => self.release(c, q),
                _ => q.schedule(now + silent_timeout, Ev::Release(c)),
            };
        }
        let extra = self.extra_agent_messages();
        self.count_reply(c, now, extra);
        if !self.customers.get(c).replied {
            self.first_reply(c, now);
        }
        let cu = self.customers.get_mut(c);
        if cu.msgs_sent == cu.replies {
            // nothing pending: the phase now runs from this reply
            cu.msg_sent_at = now;
        }
        let cu = self.customers.get(c);
        let (replies, handover_at, total, in_chat) = (
            cu.replies,
            cu.handover_at,
            cu.msgs_total,
            cu.state == State::Chat,
        );
        if gone != Gone::No {
            // a kept message answered after the customer left: the chat then closes, at
            // once when the agent knows (closed window, 留言), else after the timeout
            if in_chat {
                if gone == Gone::Explicit || cu.left_message {
                    self.release(c, q);
                } else {
                    q.schedule(now + silent_timeout, Ev::Release(c));
                }
            }
            return;
        }
        if handover_at > 0 && replies == handover_at && in_chat {
            self.hand_over(c, q);
        } else if replies < total {
            let think = self.samplers.think.sample(&mut self.rng_conversation);
            q.schedule(now + think, Ev::CustomerMessage(c));
        } else if !in_chat {
            // the last reply arrived after an outage sent the chat back to the queue
            self.leave_line(c, now);
            self.leave(c, now);
        } else if wrap_up > SimTime::ZERO {
            q.schedule(now + wrap_up, Ev::Release(c));
        } else {
            self.release(c, q);
        }
    }

    /// Counts one delivered reply: the customer's own mean for conversion, its first
    /// answer, and the round it closes (unless a 您好 closed it).
    fn count_reply(&mut self, c: CustRef, now: SimTime, extra: u64) {
        self.log_message(c, crate::convlog::Sender::Agent, now, 1 + extra);
        let cu = self.customers.get_mut(c);
        cu.replies += 1;
        let response = now - cu.msg_sent_at;
        cu.reply_sum_s += response.as_secs_f64();
        if cu.answered_at == SimTime::NEVER {
            cu.answered_at = now;
        }
        let counted = cu.counted;
        if cu.replies == 1 && cu.hello_round {
            // the 您好 closed this round: the answer is one more agent message, not a round
            if counted {
                self.counters.agent_messages += 1 + extra;
            }
            return;
        }
        self.count_round(c, response, extra);
    }

    /// Counts one round answered `response` after the customer's message: 平响 (scored
    /// rounds, capped), its distribution, the per-round shares; with `extra` more agent
    /// messages than one.
    fn count_round(&mut self, c: CustRef, response: SimTime, extra: u64) {
        let scoring = &self.sc.scoring;
        let cu = self.customers.get(c);
        let (counted, first_arrived, sent, agent) =
            (cu.counted, cu.first_arrived, cu.msg_sent_at, cu.agent);
        let scored = scoring.counts_at(self.sc.calendar.time_of_day(sent));
        let capped = scoring.capped(response).as_secs_f64();
        let k = self.interval_of(first_arrived);
        if let Some(row) = self.intervals.get_mut(k) {
            row.record_reply_response(response);
            if scored {
                row.counts.replies += 1;
                row.counts.reply_response_sum_s += capped;
            }
        }
        if !counted {
            return;
        }
        let ctr = &mut self.counters;
        ctr.agent_messages += 1 + extra;
        self.histograms.record(Hist::ReplyResponse, response);
        if scored {
            let by_group = &mut self.group_counts[usize::from(self.agents[agent as usize].group)];
            by_group.replies += 1;
            by_group.reply_response_sum_s += capped;
            let ctr = &mut self.counters;
            ctr.replies += 1;
            ctr.reply_response_sum_s += capped;
            ctr.rounds_within_30s += u64::from(response <= SimTime::from_secs(30));
            ctr.rounds_within_180s += u64::from(response <= SimTime::from_secs(180));
        }
    }

    pub(super) fn on_customer_message(&mut self, c: CustRef, q: &mut EventQueue<Ev>) {
        let Some(cu) = self.customers.try_get(c) else {
            return;
        };
        if cu.gone != Gone::No || !matches!(cu.state, State::Chat | State::Waiting) {
            return;
        }
        let now = q.now();
        let cu = self.customers.get_mut(c);
        cu.msgs_sent += 1;
        cu.msg_sent_at = now;
        let (a, msg, counted, in_chat) =
            (cu.agent, cu.msgs_sent, cu.counted, cu.state == State::Chat);
        let n = turn_messages(cu, msg);
        if counted {
            self.counters.customer_messages += n;
        }
        self.log_message(c, crate::convlog::Sender::Customer, now, n);
        if in_chat {
            self.forward_to_agent(c, a, q);
        } // a reassigned customer's message waits for its next agent
        self.schedule_mid_patience(c, msg, q);
    }

    fn schedule_mid_patience(&mut self, c: CustRef, msg: u16, q: &mut EventQueue<Ev>) {
        self.schedule_mid_patience_scaled(c, msg, 1.0, q);
    }

    /// As [`Model::schedule_mid_patience`], the patience drawn x `factor`.
    fn schedule_mid_patience_scaled(
        &mut self,
        c: CustRef,
        msg: u16,
        factor: f64,
        q: &mut EventQueue<Ev>,
    ) {
        let p = self
            .samplers
            .mid_conversation
            .sample_s(&mut self.rng_conversation)
            * factor;
        if p.is_finite() {
            q.schedule(
                q.now() + SimTime::from_secs_f64(p),
                Ev::MidPatience { cust: c, msg },
            );
        }
    }

    /// The customer stops waiting for the reply to its message number `msg`.
    pub(super) fn on_mid_patience(&mut self, c: CustRef, msg: u16, q: &mut EventQueue<Ev>) {
        let Some(cu) = self.customers.try_get(c) else {
            return;
        };
        if cu.gone != Gone::No || cu.replies >= msg || !cu.served {
            return;
        }
        if cu.counted {
            self.counters.left_mid_conversation += 1;
        }
        let keep = self.keeps_message(c);
        match self.customers.get(c).state {
            State::Chat => {
                if !keep {
                    self.round_dropped(c);
                }
                self.customer_leaves_chat(c, q, keep);
            }
            State::Waiting => {
                // waiting in the after-sale queue after a hand-over
                let now = q.now();
                if keep {
                    self.customers.get_mut(c).state = State::Ghost;
                    self.left_owing(c, q);
                } else if self.customers.get(c).silent {
                    self.round_dropped(c);
                    let cu = self.customers.get_mut(c);
                    cu.state = State::Ghost;
                    cu.gone = Gone::Silent;
                } else {
                    self.round_dropped(c);
                    self.log_left(c, now);
                    self.leave_line(c, now);
                    self.leave(c, now);
                }
            }
            State::Orbit | State::Ghost | State::BotQueue => {}
        }
    }

    /// The customer walks away from an open chat. With its message kept (`keep`), the
    /// agent still answers it. Otherwise: silently (the agent answers, then the slot is held
    /// until a timeout) or by closing it (the slot frees now).
    pub(super) fn customer_leaves_chat(&mut self, c: CustRef, q: &mut EventQueue<Ev>, keep: bool) {
        if keep {
            return self.left_owing(c, q);
        }
        self.log_left(c, q.now());
        let cu = self.customers.get_mut(c);
        if cu.silent {
            cu.gone = Gone::Silent;
            return;
        }
        cu.gone = Gone::Explicit;
        let a = cu.agent;
        let agent = &mut self.agents[a as usize];
        if agent.composing == Some(c) {
            return; // the reply in progress is finished, then the slot frees
        }
        self.in_inboxes -= remove_from_inbox(&mut agent.inbox, c);
        self.release(c, q);
    }

    /// Agent messages beyond one in a reply: `reply_messages` less one, or one with
    /// `extra_agent_message_prob`.
    fn extra_agent_messages(&mut self) -> u64 {
        let sc = self.sc;
        let Conversation::Messages(m) = &sc.conversation else {
            unreachable!("messages handler in the sessions model")
        };
        match &m.reply_messages {
            Some(r) => u64::from(r.sample(&mut self.rng_conversation).saturating_sub(1)),
            None => {
                let p = m.extra_agent_message_prob;
                u64::from(self.rng_conversation.random::<f64>() < p)
            }
        }
    }

    /// The agent's 您好 leaves its client (when the agent is online), then travels.
    pub(super) fn on_hello(&mut self, c: CustRef, hop: u16, q: &mut EventQueue<Ev>) {
        let Some(cu) = self.customers.try_get(c) else {
            return;
        };
        if cu.hop != hop || cu.state != State::Chat || cu.replied || cu.gone != Gone::No {
            return; // the chat moved or ended, or the answer came first
        }
        let a = cu.agent;
        let now = q.now();
        let agent = &self.agents[a as usize];
        if agent.offline {
            let back = agent.offline_until.max(now);
            return q.schedule(back, Ev::Hello { cust: c, hop });
        }
        let delay = self.leg_delay(a, now);
        if delay == SimTime::ZERO {
            self.deliver_hello(c, q);
        } else {
            q.schedule(now + delay, Ev::HelloDelivered(c));
        }
    }

    /// The 您好 reaches the customer: the first human reply (首响, 回复率), one agent
    /// message, and the end of the opening round for 平响. The question is still owed its
    /// answer: the customer now waits for it with mid-conversation patience.
    pub(super) fn deliver_hello(&mut self, c: CustRef, q: &mut EventQueue<Ev>) {
        let Some(cu) = self.customers.try_get(c) else {
            return;
        };
        if cu.replied || cu.state != State::Chat {
            return;
        }
        let now = q.now();
        let (open_round, counted) = (cu.replies == 0 && cu.msgs_sent > 0, cu.counted);
        self.log_message(c, crate::convlog::Sender::Agent, now, 1);
        if open_round {
            self.customers.get_mut(c).hello_round = true;
            let response = now - self.customers.get(c).msg_sent_at;
            self.count_round(c, response, 0);
        } else if counted {
            self.counters.agent_messages += 1;
        }
        self.first_reply(c, now);
        // conversion runs to the answer, not to the greeting
        self.customers.get_mut(c).answered_at = SimTime::NEVER;
        let cu = self.customers.get(c);
        if cu.gone == Gone::No && cu.replies < cu.msgs_sent {
            let factor = self
                .messages_params()
                .greeting
                .hello
                .as_ref()
                .map_or(1.0, |h| h.patience_factor);
            let msg = cu.msgs_sent;
            self.schedule_mid_patience_scaled(c, msg, factor, q);
        }
    }

    /// A pre-sale agent hands an after-sale question to the after-sale queue.
    fn hand_over(&mut self, c: CustRef, q: &mut EventQueue<Ev>) {
        let now = q.now();
        let cu = self.customers.get_mut(c);
        let a = cu.agent;
        cu.queue_class = Class::AfterSale;
        cu.handover_at = 0;
        cu.state = State::Waiting;
        cu.msgs_sent += 1;
        cu.msg_sent_at = now;
        let (counted, msg) = (cu.counted, cu.msgs_sent);
        if counted {
            self.counters.handovers += 1;
            self.counters.customer_messages += 1;
        }
        self.log_message(c, crate::convlog::Sender::Customer, now, 1);
        self.agents[a as usize].chats.retain(|x| x.0 != c);
        self.change_load(a, -1, now);
        self.fill(a, q);
        self.maybe_go_off_duty(a, now);
        self.maybe_start_break(a, q);
        match self.router.route(Class::AfterSale, now) {
            Some(b) => {
                self.check_routable(b, Class::AfterSale);
                self.assign(c, b, q);
            }
            None => self.join_line(c, Class::AfterSale, now, false),
        }
        self.schedule_mid_patience(c, msg, q);
    }
}

/// Customer messages in turn `k` (1-based) of `cu`'s conversation: its messages spread
/// evenly over its turns (a hand-over's transfer message beyond them counts one).
pub(super) fn turn_messages(cu: &super::customers::Customer, k: u16) -> u64 {
    let (n, t, k) = (
        u64::from(cu.cust_msgs),
        u64::from(cu.msgs_total),
        u64::from(k),
    );
    if k == 0 || k > t || n <= t {
        return 1;
    }
    k * n / t - (k - 1) * n / t
}

/// Removes every message of `c` from an agent's inbox; returns how many there were.
pub(super) fn remove_from_inbox(
    inbox: &mut std::collections::VecDeque<CustRef>,
    c: CustRef,
) -> i64 {
    let before = inbox.len();
    inbox.retain(|x| *x != c);
    (before - inbox.len()) as i64
}
