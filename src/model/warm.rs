//! The live state: captured from a running replication (`run --snapshot-at`), and a
//! replication started from one (a warm start, for `nowcast`).
//!
//! A warm start is the cold model run to the state's moment with no arrivals (so the
//! roster, caps, breaks and outages stand as the scenario has them then), the state's
//! customers and chats then put in place through the same records a cold start builds,
//! and arrivals from that moment on. Each timer already running is drawn from its law
//! given the time it has run (`DurationSpec::residual_s`), so a state captured from a
//! simulated run resumes with the distribution the run itself had.

use rand::RngExt;

use super::customers::{CustRef, Customer, Gone, State};
use super::{Ev, Model};
use crate::class::Class;
use crate::conversation::Conversation;
use crate::distribution::DurationSpec;
use crate::engine::{EventQueue, SimTime};
use crate::routing::AgentId;
use crate::state::{self, AgentState, ChatState, GroupState, LiveState, Phase, Waiting, Warm};

/// Draws of conversation shapes tried for one with more turns than a chat has had.
const SHAPE_TRIES: usize = 1000;

pub(super) fn secs(d: SimTime) -> f64 {
    // to the millisecond: the state is read by people too
    (d.as_secs_f64() * 1000.0).round() / 1000.0
}

impl Model<'_> {
    /// The live state at `now`, in full detail.
    pub(super) fn capture(&self, q: &EventQueue<Ev>) -> LiveState {
        let now = q.now();
        // chats whose slot frees at a timeout, by record: when
        let releases: std::collections::HashMap<u32, (CustRef, SimTime)> = q
            .pending()
            .filter_map(|(t, e)| match *e {
                Ev::Release(c) => Some((c.slot(), (c, t))),
                _ => None,
            })
            .collect();
        // each agent's chats: the messages model lists them by agent; the sessions model
        // keeps no list where every speed is 1, so they are read off the records
        let mut held: Vec<Vec<ChatState>> = vec![Vec::new(); self.agents.len()];
        if matches!(self.sc.conversation, Conversation::Sessions(_)) {
            for cu in self.customers.iter().filter(|cu| cu.state == State::Chat) {
                held[cu.agent as usize].push(self.capture_session(cu, now));
            }
            for chats in &mut held {
                chats.sort_by(|x, y| y.since_s.total_cmp(&x.since_s));
            }
        } else {
            for (a, agent) in self.agents.iter().enumerate() {
                held[a] = agent
                    .chats
                    .iter()
                    .filter_map(|&(c, _)| self.capture_chat(c, a as AgentId, now, &releases))
                    .collect();
            }
        }
        let mut groups = Vec::new();
        for (g, group) in self.sc.groups.iter().enumerate() {
            let ids = super::agents::ids_of_group(&self.agents, g);
            let mut on_duty = 0;
            let mut agents = Vec::new();
            for a in ids {
                let agent = &self.agents[a as usize];
                on_duty += u32::from(agent.on_duty);
                if !agent.present || (agent.on_duty && held[a as usize].is_empty()) {
                    continue;
                }
                let chats = std::mem::take(&mut held[a as usize]);
                agents.push(AgentState {
                    finishing: !agent.on_duty,
                    chats,
                });
            }
            // on duty first, as the format reads them
            agents.sort_by_key(|a| a.finishing);
            if on_duty > 0 || !agents.is_empty() {
                groups.push(GroupState {
                    name: group.name.clone(),
                    on_duty,
                    open_chats: None,
                    agents,
                });
            }
        }
        let mut waiting = Vec::new();
        let mut messages_left = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for queue in &self.queues {
            for &c in queue {
                // a line drops those who left it lazily: their records may be gone, or
                // back in the line with a newer entry
                let Some(cu) = self.customers.try_get(c) else {
                    continue;
                };
                if !seen.insert(c.slot()) {
                    continue;
                }
                let (attempt, escalated) = self.patience_origin(cu);
                let entry = Waiting {
                    class: cu.queue_class,
                    waited_s: secs(now - cu.arrived),
                    count: 1,
                    attempt,
                    escalated,
                };
                if cu.queued_message {
                    messages_left.push(entry);
                } else if cu.in_line {
                    waiting.push(entry);
                }
            }
        }
        LiveState {
            version: state::VERSION,
            at: self.sc.calendar.format(now),
            groups,
            waiting,
            messages_left,
            bot: self.capture_bot(q),
            abandoned: self.capture_orbit(now),
        }
    }

    /// A chat of the `sessions` model: a session under way since the agent took it, or a
    /// left customer's slot held until the timeout from then.
    fn capture_session(&self, cu: &Customer, now: SimTime) -> ChatState {
        let phase = if cu.gone == Gone::No {
            Phase::CustomerTurn
        } else {
            Phase::Closing
        };
        let (attempt, escalated) = self.patience_origin(cu);
        ChatState {
            class: cu.queue_class,
            phase,
            since_s: secs(now - cu.assigned),
            arrived_s: Some(secs(now - cu.arrived)),
            replies: Some(u16::from(phase == Phase::CustomerTurn)),
            composing_s: None,
            turns_total: None,
            left: None,
            attempt,
            escalated,
        }
    }

    fn capture_chat(
        &self,
        c: CustRef,
        a: AgentId,
        now: SimTime,
        releases: &std::collections::HashMap<u32, (CustRef, SimTime)>,
    ) -> Option<ChatState> {
        let cu = self.customers.get(c);
        if cu.state != State::Chat {
            return None;
        }
        let mut pending = cu.msgs_sent == 0 || cu.msgs_sent > cu.replies;
        let composing = self.agents[a as usize].composing == Some(c);
        let mut since = if cu.msgs_sent == 0 {
            cu.arrived
        } else {
            cu.msg_sent_at
        };
        // where nothing is owed to a customer who left, the agent's reply to it is not
        // counted: once sent (not in the inbox, not being composed) the chat only waits for
        // its timeout, whatever its counts say
        let owed = self.sc.inbox.keep_messages && !cu.withdrew;
        let agent = &self.agents[a as usize];
        if pending && cu.gone != Gone::No && !owed && !composing && !agent.inbox.contains(&c) {
            pending = false;
            since = match releases.get(&c.slot()) {
                Some(&(r, t)) if r == c => {
                    t.saturating_sub(self.sc.patience.silent_timeout).min(now)
                }
                _ => now,
            };
        }
        let phase = if pending {
            Phase::AwaitingReply
        } else if cu.gone != Gone::No {
            Phase::Closing
        } else if cu.replies < cu.msgs_total {
            Phase::CustomerTurn
        } else {
            Phase::WrapUp
        };
        Some(ChatState {
            class: cu.queue_class,
            phase,
            since_s: secs(now - since),
            arrived_s: Some(secs(now - cu.arrived)),
            replies: Some(cu.replies),
            composing_s: composing.then(|| secs(now - self.agents[a as usize].compose_started)),
            turns_total: Some(cu.msgs_total),
            left: pending.then_some(cu.gone != Gone::No),
            attempt: self.patience_origin(cu).0,
            escalated: self.patience_origin(cu).1,
        })
    }

    /// Puts `warm`'s agents, chats and customers in place at `warm.at` (now).
    pub(super) fn inject(&mut self, warm: &Warm, q: &mut EventQueue<Ev>) {
        let now = q.now();
        // agents on duty as the state has them
        let mut free: Vec<Vec<AgentId>> = Vec::new();
        let mut idle: Vec<Vec<AgentId>> = Vec::new();
        for g in 0..self.sc.groups.len() {
            let ids: Vec<AgentId> = super::agents::ids_of_group(&self.agents, g).collect();
            let mut on: Vec<AgentId> = ids
                .iter()
                .copied()
                .filter(|&a| self.agents[a as usize].on_duty)
                .collect();
            let mut off: Vec<AgentId> = ids
                .iter()
                .copied()
                .filter(|&a| !self.agents[a as usize].on_duty)
                .collect();
            let want = warm.on_duty[g].map_or(on.len(), |n| n as usize);
            while on.len() > want {
                let a = on.pop().expect("more on duty than wanted");
                self.agent_off(a, now);
                off.insert(0, a);
            }
            while on.len() < want {
                let a = off.remove(0);
                self.agent_on(a, q);
                on.push(a);
            }
            // agents at work before those on a break
            on.sort_by_key(|&a| self.agents[a as usize].away || self.agents[a as usize].resting);
            free.push(on);
            idle.push(off);
        }
        let mut taken = vec![0usize; free.len()];
        let mut off_taken = vec![0usize; free.len()];
        for agent in &warm.agents {
            let g = agent.group;
            let a = if agent.finishing {
                let a = idle[g][off_taken[g]];
                off_taken[g] += 1;
                let ag = &mut self.agents[a as usize];
                if !ag.present {
                    ag.present = true;
                    self.on_duty.add(now, 1, &self.clocking);
                    self.group_levels[g][2].add(now, 1, &self.clocking);
                }
                a
            } else {
                let a = free[g][taken[g]];
                taken[g] += 1;
                self.end_break(a, now);
                let ag = &mut self.agents[a as usize];
                ag.away = false;
                a
            };
            let mut awaiting: Vec<(SimTime, CustRef)> = Vec::new();
            let mut composing = None;
            for chat in &agent.chats {
                let c = self.inject_chat(chat, a, q);
                match (chat.phase, chat.composing_since) {
                    (Phase::AwaitingReply, None) => awaiting.push((chat.since, c)),
                    (Phase::AwaitingReply, Some(started)) => composing = Some((c, started)),
                    _ => {}
                }
            }
            // the reply under way, its switching penalty by the chats the agent holds
            if let Some((c, started)) = composing {
                self.warm_compose(c, a, started, q);
            }
            // the agent's inbox holds the pending messages oldest first
            awaiting.sort_by_key(|&(t, _)| t);
            for (_, c) in awaiting {
                self.agents[a as usize].inbox.push_back(c);
                self.in_inboxes += 1;
            }
            self.start_compose_if_idle(a, q);
        }
        for w in &warm.waiting {
            self.inject_waiting(w, false, q);
        }
        for w in &warm.messages_left {
            self.inject_waiting(w, true, q);
        }
        self.inject_bot(warm, q);
        self.inject_orbit(warm, q);
        // chats for agents with room (a state whose line waits beside free slots)
        for a in 0..self.agents.len() as AgentId {
            if self.agents[a as usize].available() {
                self.fill(a, q);
            }
        }
    }

    /// A new customer record for one who arrived at `arrived`, of `class`.
    fn warm_customer(
        &mut self,
        class: Class,
        arrived: SimTime,
        left_message: bool,
        patience_factor: f32,
    ) -> CustRef {
        let counted = arrived >= self.sc.warmup;
        let mut cu = Customer::new(class, class, counted, arrived, 1, patience_factor);
        cu.arrived = arrived;
        cu.reached_human = true;
        cu.left_message = left_message;
        cu.response_origin = self
            .scored_from(class, arrived, left_message)
            .unwrap_or(super::customers::UNSCORED);
        let k = self.interval_of(arrived);
        if let Some(row) = self.intervals.get_mut(k) {
            row.counts.arrived += 1;
            row.counts.received += 1;
        }
        if counted {
            self.counters.arrived += 1;
            self.counters.by_class[class.index()].arrived += 1;
            self.counters.attempts += 1;
            self.counters.by_class[class.index()].attempts += 1;
            self.counters.received += 1;
            self.counters.by_class[class.index()].received += 1;
            self.counted_present += 1;
            self.unresolved += 1;
        }
        self.messages_pending += i64::from(left_message);
        self.in_system.add(self.now, 1, &self.clocking);
        self.customers.insert(cu)
    }

    /// The conversation's turns, messages and hand-over, drawn given more than `after`
    /// turns.
    fn shape_after(&mut self, class: Class, after: u16) -> (u16, u16) {
        for _ in 0..SHAPE_TRIES {
            let (turns, _, msgs) = self.draw_conversation_shape(class, class);
            if turns > after {
                return (turns, msgs);
            }
        }
        (after + 1, after + 1)
    }

    /// A remaining draw of `spec` x `factor` that has run `elapsed`.
    fn residual(
        &mut self,
        spec: &DurationSpec,
        factor: f64,
        elapsed: SimTime,
        conversation: bool,
    ) -> SimTime {
        let rng = if conversation {
            &mut self.rng_conversation
        } else {
            &mut self.rng_customers
        };
        let r = spec.residual_s(elapsed.as_secs_f64() / factor, rng) * factor;
        if r.is_finite() {
            SimTime::from_secs_f64(r)
        } else {
            SimTime::NEVER
        }
    }

    fn inject_chat(&mut self, chat: &state::Chat, a: AgentId, q: &mut EventQueue<Ev>) -> CustRef {
        let now = q.now();
        let sc = self.sc;
        let m = match &sc.conversation {
            Conversation::Messages(m) => m,
            Conversation::Sessions(s) => return self.inject_session(chat, &s.work, a, q),
        };
        let c = self.warm_customer(chat.class, chat.arrived, false, chat.patience_factor);
        let awaiting = chat.phase == Phase::AwaitingReply;
        let sent = chat.replies + u16::from(awaiting);
        let (turns, msgs) = match chat.turns_total {
            Some(t) => (t, t),
            None => self.shape_after(chat.class, chat.replies),
        };
        let first_answered = chat.replies > 0;
        // whether it would leave silently, should it leave (drawn again on first-reply
        // patience below)
        let silent = self.rng_customers.random::<f64>() < sc.patience.silent_share;
        {
            let cu = self.customers.get_mut(c);
            cu.state = State::Chat;
            cu.agent = a;
            cu.assigned = chat.arrived;
            cu.hop = 1;
            cu.msgs_total = turns.max(sent);
            cu.cust_msgs = msgs.max(turns);
            cu.msgs_sent = sent;
            cu.replies = chat.replies;
            cu.msg_sent_at = chat.since;
            cu.silent = silent;
            if first_answered {
                cu.replied = true;
                cu.served = true;
                cu.first_agent = a;
                cu.answered_at = chat.arrived;
            }
        }
        self.agents[a as usize].chats.push((c, 0.0));
        self.agents[a as usize].last_assign = now;
        self.change_load(a, 1, now);
        match chat.phase {
            Phase::AwaitingReply => {
                let (spec, factor, from) = if first_answered {
                    (sc.patience.mid_conversation.clone(), 1.0, chat.since)
                } else {
                    let class = chat.class.index();
                    (
                        sc.patience.first_reply[class].clone(),
                        self.welcome_factor() * f64::from(chat.patience_factor),
                        chat.arrived,
                    )
                };
                let left = match chat.left {
                    Some(left) => left,
                    None => self.left_by_now(&spec, factor, now - from),
                };
                if left {
                    self.warm_left(c, !first_answered, q);
                } else if !first_answered {
                    self.warm_first_patience(c, chat.class, chat.arrived, q);
                } else {
                    let rest = self.residual(&spec, 1.0, now - chat.since, true);
                    if rest != SimTime::NEVER {
                        q.schedule(now + rest, Ev::MidPatience { cust: c, msg: sent });
                    }
                }
            }
            Phase::CustomerTurn => {
                let spec = m.think.clone();
                let think = self.residual(&spec, 1.0, now - chat.since, true);
                if think != SimTime::NEVER {
                    q.schedule(now + think, Ev::CustomerMessage(c));
                }
            }
            Phase::WrapUp => q.schedule((chat.since + m.wrap_up).max(now), Ev::Release(c)),
            Phase::Closing => {
                let cu = self.customers.get_mut(c);
                cu.silent = true;
                cu.gone = Gone::Silent;
                q.schedule(
                    (chat.since + sc.patience.silent_timeout).max(now),
                    Ev::Release(c),
                );
            }
        }
        c
    }

    /// A chat of the `sessions` model held by agent `a`: a session under way (the first
    /// reply was the agent taking it), ending after what is left of its work given the
    /// time it has run (at the speed of the agent's load now, and drawn from the
    /// equilibrium law where the time is not known); or a left customer's slot held to
    /// the timeout.
    fn inject_session(
        &mut self,
        chat: &state::Chat,
        work: &DurationSpec,
        a: AgentId,
        q: &mut EventQueue<Ev>,
    ) -> CustRef {
        let now = q.now();
        let c = self.warm_customer(chat.class, chat.arrived, false, chat.patience_factor);
        {
            let cu = self.customers.get_mut(c);
            cu.state = State::Chat;
            cu.agent = a;
            cu.assigned = chat.since;
            cu.hop = 1;
            cu.msgs_sent = 1;
        }
        self.sessions_progress(a, now);
        if chat.phase == Phase::Closing {
            let cu = self.customers.get_mut(c);
            cu.silent = true;
            cu.gone = Gone::Silent;
            q.schedule(
                (chat.since + self.sc.patience.silent_timeout).max(now),
                Ev::Release(c),
            );
        } else {
            {
                let cu = self.customers.get_mut(c);
                cu.replied = true;
                cu.served = true;
                cu.first_agent = a;
                cu.answered_at = chat.since;
                cu.replies = 1;
            }
            let sf = self.agents[a as usize].speed_factor;
            // the work done so far, at the speed the agent's load gives now
            let load_after = self.agents[a as usize].load + 1;
            let speed = match &self.sc.conversation {
                Conversation::Sessions(s) => s.speed(load_after),
                Conversation::Messages(_) => 1.0,
            };
            let left_work = if chat.elapsed_known {
                let done = (now - chat.since).as_secs_f64() * speed * sf;
                work.residual_s(done, &mut self.rng_service)
            } else {
                work.equilibrium_residual_s(&mut self.rng_service)
            } / sf;
            if self.agent_clock {
                let agent = &mut self.agents[a as usize];
                agent.chats.push((c, agent.v + left_work));
            } else if left_work.is_finite() {
                q.schedule(
                    now + SimTime::from_secs_f64(left_work),
                    Ev::ChatDone { cust: c, agent: a },
                );
            }
        }
        self.agents[a as usize].last_assign = now;
        self.change_load(a, 1, now);
        self.sessions_reschedule(a, q);
        c
    }

    /// Agent `a` has been composing `c`'s reply since `started`: the rest of its effort,
    /// typed or a quick phrase by their odds given the time already spent.
    fn warm_compose(&mut self, c: CustRef, a: AgentId, started: SimTime, q: &mut EventQueue<Ev>) {
        let now = q.now();
        let Conversation::Messages(m) = &self.sc.conversation else {
            return;
        };
        let agent = &self.agents[a as usize];
        let penalty = if agent.load > 1 {
            1.0 + m.switch_penalty
        } else {
            1.0
        };
        let group = &self.sc.groups[usize::from(agent.group)];
        let share = group.quick_phrase_share.unwrap_or(m.quick_phrase_share);
        let factor = penalty / agent.speed_factor;
        let spent = (now - started).as_secs_f64() / factor;
        let (typed, quick) = (m.effort.clone(), m.quick_phrase.clone());
        let (pq, pt) = (
            share * quick.survival(spent),
            (1.0 - share) * typed.survival(spent),
        );
        let is_quick = pq + pt > 0.0 && self.rng_service.random::<f64>() * (pq + pt) < pq;
        let spec = if is_quick { quick } else { typed };
        let left = SimTime::from_secs_f64(spec.residual_s(spent, &mut self.rng_service) * factor);
        let agent = &mut self.agents[a as usize];
        agent.composing = Some(c);
        agent.compose_started = started;
        agent.token = agent.token.wrapping_add(1);
        let (token, g) = (agent.token, usize::from(agent.group));
        self.group_levels[g][0].add(now, 1, &self.clocking);
        q.schedule(now + left, Ev::ReplyDone { agent: a, token });
    }

    /// Whether a customer still seen after waiting `elapsed` under patience `spec` x
    /// `factor` has in fact left: a silent leaver stays in sight (and, with a kept inbox,
    /// every leaver does), so the odds are `s F / (S + s F)`.
    fn left_by_now(&mut self, spec: &DurationSpec, factor: f64, elapsed: SimTime) -> bool {
        let s = if self.sc.inbox.keep_messages {
            1.0
        } else {
            self.sc.patience.silent_share
        };
        let surv = spec.survival(elapsed.as_secs_f64() / factor);
        let left = s * (1.0 - surv);
        left > 0.0 && self.rng_customers.random::<f64>() * (surv + left) < left
    }

    /// Why `cu` is less patient than a fresh customer, as the state says it: its attempt,
    /// and whether it came from the bot. The record keeps only the product of the two
    /// factors; the attempt gives the retrial's part, and what is left is the bot's.
    pub(super) fn patience_origin(&self, cu: &Customer) -> (u8, bool) {
        let retrial = self
            .sc
            .patience
            .retrial
            .as_ref()
            .map_or(1.0, |r| r.patience_factor.powi(i32::from(cu.attempt) - 1));
        let escalated = self.sc.bot.as_ref().is_some_and(|b| {
            b.escalated_patience_factor != 1.0
                && (f64::from(cu.patience_factor) - retrial * b.escalated_patience_factor).abs()
                    < 1e-4
        });
        (cu.attempt, escalated)
    }

    /// The patience factor of a first reply (the welcome message's).
    fn welcome_factor(&self) -> f64 {
        match &self.sc.conversation {
            Conversation::Messages(m) => m.greeting.auto_welcome_patience_factor.unwrap_or(1.0),
            Conversation::Sessions(_) => 1.0,
        }
    }

    /// First-reply patience of a customer still waiting since `arrived` and still there:
    /// the rest of it given the wait so far, and whether it would leave silently.
    fn warm_first_patience(
        &mut self,
        c: CustRef,
        class: Class,
        arrived: SimTime,
        q: &mut EventQueue<Ev>,
    ) {
        let now = q.now();
        let spec = self.sc.patience.first_reply[class.index()].clone();
        let factor = self.welcome_factor() * f64::from(self.customers.get(c).patience_factor);
        let left = self.residual(&spec, factor, now - arrived, false);
        let silent = self.rng_customers.random::<f64>() < self.sc.patience.silent_share;
        let cu = self.customers.get_mut(c);
        cu.silent = silent;
        cu.patience_at = if left == SimTime::NEVER {
            SimTime::NEVER
        } else {
            now + left
        };
        if cu.patience_at != SimTime::NEVER {
            q.schedule(cu.patience_at, Ev::FirstPatience(c));
        }
    }

    /// Marks `c` as having left before now (silently, or with its message kept), counted
    /// as it would have been.
    fn warm_left(&mut self, c: CustRef, first: bool, q: &mut EventQueue<Ev>) {
        let silent = self.rng_customers.random::<f64>() < self.sc.patience.silent_share;
        let keep = self.sc.inbox.keep_messages;
        let cu = self.customers.get_mut(c);
        cu.silent = silent || !keep;
        cu.gone = if cu.silent {
            Gone::Silent
        } else {
            Gone::Explicit
        };
        cu.patience_at = SimTime::ZERO;
        if cu.state == State::Waiting {
            cu.state = State::Ghost;
        }
        if !keep {
            self.round_dropped(c);
        }
        if first {
            self.abandoned(c, q, false);
        } else if self.customers.get(c).counted {
            self.counters.left_mid_conversation += 1;
        }
        if keep {
            // the platform closes the chat should nobody answer
            let close = self.sc.inbox.close_after;
            let since = self.customers.get(c).msg_sent_at;
            if close != SimTime::NEVER {
                q.schedule((since + close).max(q.now()), Ev::Close(c));
            }
        }
    }

    /// A customer in the line (or a 留言).
    fn inject_waiting(&mut self, w: &state::Queued, left_message: bool, q: &mut EventQueue<Ev>) {
        let (class, arrived) = (w.class, w.arrived);
        let now = q.now();
        let c = self.warm_customer(class, arrived, left_message, w.patience_factor);
        let (turns, _, msgs) = self.draw_conversation_shape(class, class);
        {
            let cu = self.customers.get_mut(c);
            cu.state = State::Waiting;
            cu.msgs_total = turns;
            cu.cust_msgs = msgs;
        }
        if self.customers.get(c).counted {
            self.counters.waited += 1;
        }
        self.customers.get_mut(c).msg_sent_at = arrived;
        self.join_line(c, class, now, false);
        let spec = self.sc.patience.first_reply[class.index()].clone();
        let factor = self.welcome_factor() * f64::from(w.patience_factor);
        if self.left_by_now(&spec, factor, now - arrived) {
            self.warm_left(c, true, q);
        } else {
            self.warm_first_patience(c, class, arrived, q);
        }
    }
}
