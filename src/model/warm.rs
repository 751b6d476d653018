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
use crate::state::{
    self, AgentState, BotSession, BotState, ChatState, GroupState, LiveState, Phase, Waiting, Warm,
};

/// Draws of conversation shapes tried for one with more turns than a chat has had.
const SHAPE_TRIES: usize = 1000;

fn secs(d: SimTime) -> f64 {
    // to the millisecond: the state is read by people too
    (d.as_secs_f64() * 1000.0).round() / 1000.0
}

impl Model<'_> {
    /// The live state at `now`, in full detail.
    pub(super) fn capture(&self, q: &EventQueue<Ev>) -> LiveState {
        let now = q.now();
        let mut groups = Vec::new();
        for (g, group) in self.sc.groups.iter().enumerate() {
            let ids = super::agents::ids_of_group(&self.agents, g);
            let mut on_duty = 0;
            let mut agents = Vec::new();
            for a in ids {
                let agent = &self.agents[a as usize];
                on_duty += u32::from(agent.on_duty);
                if !agent.present || (agent.on_duty && agent.chats.is_empty()) {
                    continue;
                }
                let chats = agent
                    .chats
                    .iter()
                    .filter_map(|&(c, _)| self.capture_chat(c, a, now))
                    .collect();
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
        for queue in &self.queues {
            for &c in queue {
                let cu = self.customers.get(c);
                let entry = Waiting {
                    class: cu.queue_class,
                    waited_s: secs(now - cu.arrived),
                    count: 1,
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
        }
    }

    /// The bot's sessions under way (read off their pending ends: the model keeps no
    /// record of a customer with the bot) and its queue.
    fn capture_bot(&self, q: &EventQueue<Ev>) -> Option<BotState> {
        self.sc.bot.as_ref()?;
        let now = q.now();
        let mut sessions: Vec<(f64, Class)> = q
            .pending()
            .filter_map(|(_, e)| match *e {
                Ev::BotDone {
                    arrived,
                    class,
                    queued_s,
                    ..
                } => {
                    let began = arrived + SimTime::from_secs_f64(f64::from(queued_s));
                    Some((secs(now.saturating_sub(began)), class))
                }
                _ => None,
            })
            .collect();
        sessions.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.index().cmp(&b.1.index())));
        let mut merged: Vec<BotSession> = Vec::new();
        for (since, class) in sessions {
            match merged.last_mut() {
                Some(last) if last.since_s == Some(since) && last.class == Some(class) => {
                    last.count += 1;
                }
                _ => merged.push(BotSession {
                    class: Some(class),
                    since_s: Some(since),
                    count: 1,
                }),
            }
        }
        let waiting: Vec<Waiting> = self
            .bot_queue
            .iter()
            .filter_map(|&c| self.customers.try_get(c))
            .filter(|cu| cu.state == State::BotQueue)
            .map(|cu| Waiting {
                class: cu.class,
                waited_s: secs(now - cu.first_arrived),
                count: 1,
            })
            .collect();
        (!merged.is_empty() || !waiting.is_empty()).then_some(BotState {
            sessions: merged,
            waiting,
        })
    }

    /// Puts the bot's sessions and queue of `warm` in place: each session ends after what
    /// is left of the bot's latency and session time given the time it has run (drawn
    /// from the equilibrium law where that is unknown), resolving with the bot's odds for
    /// its class; each customer in the bot's queue keeps the patience left given its wait.
    fn inject_bot(&mut self, warm: &Warm, q: &mut EventQueue<Ev>) {
        let Some(bot) = self.sc.bot.as_ref() else {
            return;
        };
        let now = q.now();
        for &(class, began) in &warm.bot_sessions {
            let visit = self.new_visit(class, began.unwrap_or(now));
            if visit.counted {
                self.counters.bot_touched += 1;
            }
            self.in_system.add(now, 1, &self.clocking);
            self.bot_sessions.add(now, 1, &self.clocking);
            let resolves = self.rng_bot.random::<f64>() < self.bot_resolution[class.index()];
            let left_s = match began {
                Some(b) => {
                    let elapsed = (now - b).as_secs_f64();
                    let latency = self.samplers.bot_latency.sample_s(&mut self.rng_bot);
                    if elapsed < latency {
                        latency - elapsed + self.samplers.bot_session.sample_s(&mut self.rng_bot)
                    } else {
                        bot.session.residual_s(elapsed - latency, &mut self.rng_bot)
                    }
                }
                None => bot.session.equilibrium_residual_s(&mut self.rng_bot),
            };
            let done = Ev::BotDone {
                arrived: visit.arrived,
                class,
                queue_class: visit.queue_class,
                counted: visit.counted,
                resolves,
                queued_s: 0,
            };
            q.schedule(now + SimTime::from_secs_f64(left_s), done);
        }
        for &(class, arrived) in &warm.bot_waiting {
            let visit = self.new_visit(class, arrived);
            if visit.counted {
                self.counters.bot_touched += 1;
            }
            self.in_system.add(now, 1, &self.clocking);
            let left_s = self.sc.patience.first_reply[class.index()]
                .residual_s((now - arrived).as_secs_f64(), &mut self.rng_bot);
            let patience = if left_s.is_finite() {
                now + SimTime::from_secs_f64(left_s)
            } else {
                SimTime::NEVER
            };
            let c = self.customers.insert(visit.customer());
            let cu = self.customers.get_mut(c);
            cu.state = State::BotQueue;
            cu.patience_at = patience;
            if patience != SimTime::NEVER {
                q.schedule(patience, Ev::FirstPatience(c));
            }
            self.bot_queue.push_back(c);
        }
    }

    fn capture_chat(&self, c: CustRef, a: AgentId, now: SimTime) -> Option<ChatState> {
        let cu = self.customers.get(c);
        if cu.state != State::Chat {
            return None;
        }
        let pending = cu.msgs_sent == 0 || cu.msgs_sent > cu.replies;
        let composing = self.agents[a as usize].composing == Some(c);
        let since = if cu.msgs_sent == 0 {
            cu.arrived
        } else {
            cu.msg_sent_at
        };
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
        for &(class, arrived) in &warm.waiting {
            self.inject_waiting(class, arrived, false, q);
        }
        for &(class, arrived) in &warm.messages_left {
            self.inject_waiting(class, arrived, true, q);
        }
        self.inject_bot(warm, q);
        // chats for agents with room (a state whose line waits beside free slots)
        for a in 0..self.agents.len() as AgentId {
            if self.agents[a as usize].available() {
                self.fill(a, q);
            }
        }
    }

    /// A new customer record for one who arrived at `arrived`, of `class`.
    fn warm_customer(&mut self, class: Class, arrived: SimTime, left_message: bool) -> CustRef {
        let counted = arrived >= self.sc.warmup;
        let mut cu = Customer::new(class, class, counted, arrived, 1, 1.0);
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
        let Conversation::Messages(m) = &sc.conversation else {
            unreachable!("a warm start needs the messages model (checked on reading the state)")
        };
        let c = self.warm_customer(chat.class, chat.arrived, false);
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
                        self.welcome_factor(),
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
        let welcome = self.welcome_factor();
        let left = self.residual(&spec, welcome, now - arrived, false);
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

    /// A customer in the line (or a 留言) since `arrived`.
    fn inject_waiting(
        &mut self,
        class: Class,
        arrived: SimTime,
        left_message: bool,
        q: &mut EventQueue<Ev>,
    ) {
        let now = q.now();
        let c = self.warm_customer(class, arrived, left_message);
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
        let welcome = self.welcome_factor();
        if self.left_by_now(&spec, welcome, now - arrived) {
            self.warm_left(c, true, q);
        } else {
            self.warm_first_patience(c, class, arrived, q);
        }
    }
}
