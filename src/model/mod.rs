//! The chat model: the one place that wires arrivals, roster, routing, patience,
//! conversation and metrics into a [`Process`] the engine runs, one replication at a time.
//!
//! Lifecycle of an attempt: arrival -> (queue ->) agent -> first reply (served) -> later
//! messages -> end; or patience runs out first (abandoned, maybe silently, maybe to retry).

mod agents;
mod bot;
mod breaks;
mod customers;
mod duty;
mod events;
mod log;
mod memory;
mod messages;
mod network;
mod outcomes;
mod reminders;
mod results;
mod run;
mod scoring;
mod sessions;
mod slots;
mod warm;
mod warm_aside;

pub use log::{DayLog, LogDay, headers as log_headers, run_logged};
pub use memory::Exhausted;
pub use results::{Areas, Footprint, GroupAreas, IntervalRow, ReplicationResult};
pub use run::{
    Snapshot, run_replication, run_snapshot, run_warm, run_warm_snapshot, run_with_router,
    try_run_replication, try_run_replication_within,
};

use std::collections::VecDeque;

use rand::RngExt;

use crate::arrivals::ArrivalProcess;
use crate::class::Class;
use crate::conversation::Conversation;
use crate::distribution::Duration;
use crate::engine::{EventQueue, SimTime, Spans};
use crate::metrics::{Clocking, Counters, GroupCounts, HistogramRecorder, IntervalStats, Level};
use crate::random::{SimRng, Stream, stream};
use crate::routing::{AgentId, QueueOverflow, Router};
use crate::scenario::Scenario;
use agents::Agent;
use customers::{CustRef, Customers, State};
use events::Ev;

/// How long the run may drain after the horizon before it stops regardless; customers
/// still unresolved then are reported in `unresolved_at_end` (a safety net: with finite
/// patience every customer resolves long before).
pub const MAX_DRAIN: SimTime = SimTime::from_secs(7 * 86_400);

/// Samplers built once per replication.
struct Samplers {
    first_reply: [Duration; 3],
    mid_conversation: Duration,
    effort: Duration,
    quick_phrase: Duration,
    think: Duration,
    /// The agent's 您好 after the chat reaches it (`Never` without one).
    hello: Duration,
    work: Duration,
    retrial_delay: Duration,
    bot_latency: Duration,
    bot_session: Duration,
}

/// One replication's state.
struct Model<'s> {
    sc: &'s Scenario,
    router: Box<dyn Router>,
    clocking: Clocking,
    /// The series intervals, to find the one a time falls in.
    spans: Spans,
    samplers: Samplers,
    arrivals: ArrivalProcess<'s>,
    rng_arrivals: SimRng,
    rng_customers: SimRng,
    rng_service: SimRng,
    rng_conversation: SimRng,
    rng_bot: SimRng,
    rng_network: SimRng,
    rng_reminders: SimRng,
    /// The time of the event being handled.
    now: SimTime,
    /// `[scoring]` scores every customer from reaching a human (no hours, 留言 whole wait).
    scoring_plain: bool,
    /// 催付 tasks waiting for an idle agent, soonest due first.
    reminder_tasks: std::collections::BinaryHeap<reminders::Task>,
    /// Tasks made so far (ties in due time go in order).
    reminder_seq: u64,
    /// This replication's bot resolution probability by class.
    bot_resolution: [f64; 3],
    bot_sessions: Level,
    bot_queue: VecDeque<CustRef>,
    net: Option<network::NetSamplers>,
    customers: Customers,
    agents: Vec<Agent>,
    queues: [VecDeque<CustRef>; 3],
    waiting: Level,
    in_system: Level,
    on_duty: Level,
    /// Agents resting on a break.
    on_break: Level,
    /// Per agent, its break's state (empty when no group takes breaks).
    breaks: Vec<breaks::BreakState>,
    /// The customer each agent sending a reminder sends it for (arrival interval, inquiry).
    reminder_for: std::collections::HashMap<AgentId, (u32, bool)>,
    /// Each group's first agent id (agents are laid out by group).
    first_agent: Vec<AgentId>,
    /// Chat slots staffed (slot occupancy's denominator): the sum of every agent's
    /// [`Agent::staffed_slots`], so neither overtime chats nor chats held over a cap lowered
    /// after a peak push occupancy past 100%.
    capacity: Level,
    group_levels: Vec<[Level; 3]>,
    /// Per agent group: what it did for counted customers.
    group_counts: Vec<GroupCounts>,
    counters: Counters,
    histograms: HistogramRecorder,
    intervals: Vec<IntervalStats>,
    /// Counted customers not yet out of the system (retrial orbit included).
    counted_present: u64,
    /// Counted customers without a final outcome yet.
    unresolved: u64,
    arrivals_done: bool,
    /// Agents in a shift, per class they serve (for 留言: nobody there for the class).
    on_duty_by_class: [u32; 3],
    /// 留言 not yet answered.
    messages_pending: i64,
    /// Customer messages waiting in agents' inboxes, all agents together.
    in_inboxes: i64,
    /// 留言 still in a queue.
    queued_messages: i64,
    /// `sessions` with a speed that depends on the load: chats end by the agent's clock.
    agent_clock: bool,
    /// The bytes this replication's growing structures may hold (see `memory`).
    memory_limit: usize,
    /// This replication's volume multiplier on the arrival curve.
    volume: f64,
    /// Why the replication stopped at its memory budget, when it did.
    exhausted: Option<String>,
    /// The conversation log's recorder (`run --log` only).
    log: Option<Box<log::Recorder>>,
    /// The live state to start from at its moment (a warm start), if any.
    warm: Option<Box<crate::state::Warm>>,
    /// When to capture the live state (`run --snapshot-at`), and the state captured.
    snapshot_at: Option<SimTime>,
    snapshot: Option<crate::state::LiveState>,
    /// Arrivals per series interval up to the snapshot's moment.
    snapshot_arrivals: Vec<u64>,
}

impl<'s> Model<'s> {
    fn new(sc: &'s Scenario, seed: u64, index: u64, router: Box<dyn Router>, volume: f64) -> Self {
        let n_intervals = sc.horizon.as_micros().div_ceil(sc.interval.as_micros()) as usize;
        let p = &sc.patience;
        let (effort, quick_phrase, think, work) = match &sc.conversation {
            Conversation::Messages(m) => (
                m.effort.build(),
                m.quick_phrase.build(),
                m.think.build(),
                Duration::Never,
            ),
            Conversation::Sessions(s) => (
                Duration::Never,
                Duration::Never,
                Duration::Never,
                s.work.build(),
            ),
        };
        let hello = match &sc.conversation {
            Conversation::Messages(m) => m.greeting.hello.as_ref().map(|h| h.delay.build()),
            Conversation::Sessions(_) => None,
        };
        let samplers = Samplers {
            first_reply: std::array::from_fn(|i| p.first_reply[i].build()),
            mid_conversation: p.mid_conversation.build(),
            effort,
            quick_phrase,
            think,
            hello: hello.unwrap_or(Duration::Never),
            work,
            retrial_delay: p
                .retrial
                .as_ref()
                .map_or(Duration::Never, |r| r.delay.build()),
            bot_latency: sc
                .bot
                .as_ref()
                .map_or(Duration::Never, |b| b.latency.build()),
            bot_session: sc
                .bot
                .as_ref()
                .map_or(Duration::Never, |b| b.session.build()),
        };
        let mut rng_bot = stream(seed, index, Stream::Bot);
        let bot_resolution = sc
            .bot
            .as_ref()
            .map_or([0.0; 3], |b| b.draw_resolution(&mut rng_bot));
        let agents = agents::build(sc);
        Model {
            sc,
            router,
            clocking: Clocking {
                from: sc.warmup,
                to: sc.horizon,
                interval: sc.interval,
            },
            spans: Spans::new(sc.interval),
            samplers,
            arrivals: ArrivalProcess::new(&sc.arrivals.curve, volume),
            rng_arrivals: stream(seed, index, Stream::Arrivals),
            rng_customers: stream(seed, index, Stream::Customers),
            rng_service: stream(seed, index, Stream::Service),
            rng_conversation: stream(seed, index, Stream::Conversation),
            rng_bot,
            rng_network: stream(seed, index, Stream::Network),
            rng_reminders: stream(seed, index, Stream::Reminders),
            now: SimTime::ZERO,
            scoring_plain: sc.scoring.hours.is_none()
                && sc.scoring.messages_left == crate::scoring::MessagesLeft::WholeWait,
            reminder_tasks: std::collections::BinaryHeap::new(),
            reminder_seq: 0,
            bot_resolution,
            bot_sessions: Level::new(0),
            bot_queue: VecDeque::new(),
            net: sc.network.as_ref().map(network::NetSamplers::build),
            customers: Customers::default(),
            agents,
            queues: Default::default(),
            waiting: Level::new(n_intervals),
            in_system: Level::new(0),
            on_duty: Level::new(0),
            on_break: Level::new(0),
            breaks: breaks::states(sc),
            reminder_for: std::collections::HashMap::new(),
            first_agent: sc
                .groups
                .iter()
                .scan(0, |first, g| {
                    let this = *first;
                    *first += g.count;
                    Some(this)
                })
                .collect(),
            capacity: Level::new(0),
            group_counts: vec![GroupCounts::default(); sc.groups.len()],
            group_levels: sc
                .groups
                .iter()
                .map(|_| {
                    [
                        Level::new(n_intervals),
                        Level::new(n_intervals),
                        Level::new(n_intervals),
                    ]
                })
                .collect(),
            counters: Counters::default(),
            histograms: HistogramRecorder::default(),
            intervals: (0..n_intervals).map(|_| IntervalStats::default()).collect(),
            counted_present: 0,
            unresolved: 0,
            arrivals_done: false,
            on_duty_by_class: [0; 3],
            messages_pending: 0,
            in_inboxes: 0,
            queued_messages: 0,
            agent_clock: matches!(&sc.conversation, Conversation::Sessions(s) if !s.flat()),
            memory_limit: usize::MAX,
            exhausted: None,
            volume,
            log: None,
            warm: None,
            snapshot_at: None,
            snapshot: None,
            snapshot_arrivals: Vec::new(),
        }
    }

    fn schedule_initial(&mut self, q: &mut EventQueue<Ev>) {
        for (g, group) in self.sc.groups.iter().enumerate() {
            for w in &group.shifts {
                q.schedule(w.start, Ev::ShiftStart(g as u16));
                if w.end != SimTime::NEVER {
                    q.schedule(w.end, Ev::ShiftEnd(g as u16));
                }
            }
        }
        self.schedule_breaks(q);
        self.schedule_reminders(q);
        for w in &self.sc.peaks {
            q.schedule(w.start, Ev::CapChange);
            q.schedule(w.end, Ev::CapChange);
        }
        for (g, group) in self.sc.groups.iter().enumerate() {
            if let Some(from) = group
                .routing
                .full_share_from
                .filter(|t| *t < self.sc.horizon)
            {
                q.schedule(from, Ev::FullShare(g as u16));
            }
        }
        if let Some(net) = &self.sc.network {
            for (i, o) in net.outages.iter().enumerate() {
                q.schedule(o.window.start, Ev::OutageStart(i as u16));
                q.schedule(o.window.end, Ev::OutageEnd(i as u16));
                if let Some(after) = o
                    .reassign_after
                    .filter(|d| o.window.start + *d < o.window.end)
                {
                    q.schedule(o.window.start + after, Ev::Reassign(i as u16));
                }
            }
        }
        for k in 1..=self.intervals.len() as u32 {
            q.schedule(
                SimTime::from_micros(u64::from(k) * self.sc.interval.as_micros()),
                Ev::IntervalEnd(k - 1),
            );
        }
        if let Some(at) = self.snapshot_at {
            q.schedule(at, Ev::Snapshot);
        }
        // a warm start: the scenario's own events up to the state's moment, then the state,
        // then arrivals from that moment on
        if let Some(at) = self.warm.as_ref().map(|w| w.at) {
            q.schedule(at, Ev::WarmStart);
            self.arrivals.skip_to(at.as_secs_f64());
        }
        self.schedule_next_arrival(q);
    }

    fn schedule_next_arrival(&mut self, q: &mut EventQueue<Ev>) {
        match self.arrivals.next_s(&mut self.rng_arrivals) {
            Some(t) if SimTime::from_secs_f64(t) < self.sc.horizon => {
                q.schedule(SimTime::from_secs_f64(t).max(q.now()), Ev::Arrival)
            }
            _ => self.arrivals_done = true,
        }
    }

    // ---- arrivals and attempts -------------------------------------------------------

    fn on_arrival(&mut self, q: &mut EventQueue<Ev>) {
        let now = q.now();
        self.schedule_next_arrival(q);
        let class = self
            .sc
            .arrivals
            .class_at(now, self.rng_customers.random::<f64>());
        let visit = self.new_visit(class, now);
        match &self.sc.bot {
            Some(bot) if bot.takes(class, now, &mut self.rng_bot) => self.bot_arrive(visit, q),
            _ => {
                let c = self.customers.insert(visit.customer());
                self.start_attempt(c, q)
            }
        }
    }

    /// Draws what the customer brings and tries to get it an agent: the chat reaches a
    /// human here (首响 runs from now), directly or escalated from the bot.
    fn start_attempt(&mut self, c: CustRef, q: &mut EventQueue<Ev>) {
        let now = q.now();
        let sc = self.sc;
        let (class, queue_class, factor, counted, attempt) = {
            let cu = self.customers.get(c);
            (
                cu.class,
                cu.queue_class,
                cu.patience_factor,
                cu.counted,
                cu.attempt,
            )
        };
        // In the sessions model an assignment is the first reply, so patience matters only
        // to a customer who waits: it is drawn, and its timer set, on joining the line, and
        // a customer served at once costs neither draws nor an event. In the messages model
        // the customer may leave while the agent composes, so both come now.
        let timer_now = !matches!(sc.conversation, Conversation::Sessions(_));
        if timer_now {
            self.draw_patience(c, class, factor, now);
        }
        let (msgs, handover_at, cust_msgs) = self.draw_conversation_shape(class, queue_class);
        let nobody_there = !self.agents_exist_for(queue_class);
        let left_message = nobody_there && sc.inbox.keep_messages;
        // a retrial keeps its first attempt's scoring (the denominators count first attempts)
        let scored_from = if attempt == 1 {
            self.scored_from(queue_class, now, left_message)
        } else {
            (self.customers.get(c).response_origin != customers::UNSCORED).then_some(now)
        };
        {
            let cu = self.customers.get_mut(c);
            cu.arrived = now;
            cu.response_origin = scored_from.unwrap_or(customers::UNSCORED);
            cu.reached_human = true;
            cu.msgs_total = msgs;
            cu.cust_msgs = cust_msgs;
            cu.handover_at = handover_at;
            cu.state = State::Waiting;
            cu.left_message = left_message;
        }
        if attempt == 1 {
            let k = self.interval_of(self.customers.get(c).first_arrived);
            if let Some(row) = self.intervals.get_mut(k) {
                row.counts.received += 1;
                if scored_from.is_none() {
                    row.counts.first_response_left_out += 1;
                }
            }
        }
        self.messages_pending += i64::from(left_message);
        if counted {
            self.counters.attempts += 1;
            self.counters.by_class[class.index()].attempts += 1;
            if attempt == 1 {
                self.counters.received += 1;
                if scored_from.is_none() {
                    self.counters.first_response_left_out += 1;
                }
                self.counters.by_class[class.index()].received += 1;
                self.counters.outside_hours += u64::from(nobody_there);
                self.counters.messages_left += u64::from(left_message);
            }
        }
        self.in_system.add(now, 1, &self.clocking);
        self.log_queued(c, now);
        if timer_now {
            self.schedule_first_patience(c, q);
        }
        match self.router.route(queue_class, now) {
            Some(a) => {
                self.check_routable(a, queue_class);
                self.assign(c, a, q);
            }
            None => {
                if !timer_now {
                    self.draw_patience(c, class, factor, now);
                }
                if !left_message && self.line_is_full() {
                    match sc.routing.queue_overflow {
                        QueueOverflow::Busy => return self.block(c, now),
                        QueueOverflow::Message => self.overflow_to_message(c),
                    }
                }
                if counted {
                    self.counters.waited += 1;
                }
                if !timer_now {
                    self.schedule_first_patience(c, q);
                }
                self.join_line(c, queue_class, now, false);
            }
        }
    }

    /// Draws how long customer `c` waits for a first reply from `now` (its class's law
    /// times `factor`) and whether it leaves silently.
    fn draw_patience(&mut self, c: CustRef, class: Class, factor: f32, now: SimTime) {
        let welcome = match &self.sc.conversation {
            Conversation::Messages(m) => m.greeting.auto_welcome_patience_factor.unwrap_or(1.0),
            Conversation::Sessions(_) => 1.0,
        };
        let patience = self.samplers.first_reply[class.index()].sample_s(&mut self.rng_customers)
            * f64::from(factor)
            * welcome;
        let silent = self.rng_customers.random::<f64>() < self.sc.patience.silent_share;
        let cu = self.customers.get_mut(c);
        cu.silent = silent;
        cu.patience_at = if patience.is_finite() {
            now + SimTime::from_secs_f64(patience)
        } else {
            SimTime::NEVER
        };
    }

    fn schedule_first_patience(&mut self, c: CustRef, q: &mut EventQueue<Ev>) {
        let at = self.customers.get(c).patience_at;
        if at != SimTime::NEVER {
            q.schedule(at, Ev::FirstPatience(c));
        }
    }

    /// The waiting line (分流) holds as many customers as the scenario allows.
    fn line_is_full(&self) -> bool {
        self.sc
            .routing
            .max_queue
            .is_some_and(|w| self.waiting.value() >= i64::from(w))
    }

    /// A full line turns the customer's message into 留言.
    fn overflow_to_message(&mut self, c: CustRef) {
        let cu = self.customers.get_mut(c);
        cu.left_message = true;
        self.messages_pending += 1;
        if cu.counted {
            self.counters.overflow_messages += 1;
            self.counters.messages_left += 1;
        }
    }

    /// Puts `c` in `class`'s queue (at the front when it was already waiting before); 留言
    /// wait in the same queue, oldest first, but not in the line.
    pub(super) fn join_line(&mut self, c: CustRef, class: Class, now: SimTime, front: bool) {
        if front {
            self.queues[class.index()].push_front(c);
        } else {
            self.queues[class.index()].push_back(c);
        }
        let cu = self.customers.get_mut(c);
        if cu.left_message {
            cu.queued_message = true;
            self.queued_messages += 1;
        } else {
            cu.in_line = true;
            self.waiting.add(now, 1, &self.clocking);
        }
    }

    /// `c` is no longer in the waiting line (assigned, or gone for good).
    pub(super) fn leave_line(&mut self, c: CustRef, now: SimTime) {
        let cu = self.customers.get_mut(c);
        if cu.in_line {
            cu.in_line = false;
            self.waiting.add(now, -1, &self.clocking);
        }
        if cu.queued_message {
            cu.queued_message = false;
            self.queued_messages -= 1;
        }
    }

    /// Turns, the reply after which a pre-sale agent hands over (0: none), and customer
    /// messages of a new conversation.
    fn draw_conversation_shape(&mut self, class: Class, queue_class: Class) -> (u16, u16, u16) {
        let Conversation::Messages(m) = &self.sc.conversation else {
            return (1, 0, 1);
        };
        let msgs = m
            .customer_messages
            .sample(&mut self.rng_customers)
            .min(u32::from(u16::MAX)) as u16;
        let turns = match &m.burst {
            None => msgs,
            Some(burst) => {
                // bursts are drawn until the conversation's messages are used up
                let (mut left, mut turns) = (u32::from(msgs), 0u16);
                while left > 0 {
                    left -= burst.sample(&mut self.rng_customers).min(left);
                    turns += 1;
                }
                turns
            }
        };
        let handover_at = match &self.sc.routing.handover {
            Some(h) if queue_class != class => self
                .rng_customers
                .random_range(h.replies_min..=h.replies_max),
            _ => 0,
        };
        // A customer handed over needs at least one turn after the hand-over.
        let turns = if handover_at > 0 {
            turns.max(handover_at + 1)
        } else {
            turns
        };
        (turns, handover_at, msgs.max(turns))
    }

    /// # Panics
    /// When a router returns an agent that cannot take the chat: a bug in the router.
    fn check_routable(&self, a: AgentId, class: Class) {
        let agent = self
            .agents
            .get(a as usize)
            .expect("router returned an unknown agent");
        assert!(
            agent.available() && agent.skills.contains(class),
            "router `{}` chose agent {a}, which cannot take a {class} chat now",
            self.router.name()
        );
    }

    fn agents_exist_for(&self, class: Class) -> bool {
        self.on_duty_by_class[class.index()] > 0
    }

    /// Keeps the count of on-duty agents per class in step with agent `a` going on or off.
    fn count_duty(&mut self, a: AgentId, on: bool) {
        let skills = self.agents[a as usize].skills;
        for c in skills.iter() {
            let n = &mut self.on_duty_by_class[c.index()];
            *n = if on { *n + 1 } else { *n - 1 };
        }
    }

    fn interval_of(&self, t: SimTime) -> usize {
        self.spans.index(t) as usize
    }

    // ---- assignment and release ------------------------------------------------------

    fn assign(&mut self, c: CustRef, a: AgentId, q: &mut EventQueue<Ev>) {
        let now = q.now();
        let ghost = self.customers.get(c).state == State::Ghost;
        {
            let cu = self.customers.get_mut(c);
            cu.agent = a;
            cu.assigned = now;
            cu.state = State::Chat; // `gone` tells whether the customer is still there
        }
        self.agents[a as usize].last_assign = now;
        self.log_assigned(c, a, now);
        if self.customers.get(c).counted {
            self.group_counts[usize::from(self.agents[a as usize].group)].chats += 1;
        }
        self.sessions_progress(a, now);
        self.change_load(a, 1, now);
        match &self.sc.conversation {
            Conversation::Messages(_) => self.messages_assign(c, a, q),
            Conversation::Sessions(_) => self.sessions_assign(c, a, ghost, q),
        }
    }

    /// Changes agent `a`'s open chats by `delta`, keeping every level and the router current.
    fn change_load(&mut self, a: AgentId, delta: i64, now: SimTime) {
        self.change_load_quietly(a, delta, now);
        self.notify_router(a, now);
    }

    /// [`Model::change_load`] without telling the router: the caller does once it is done.
    fn change_load_quietly(&mut self, a: AgentId, delta: i64, now: SimTime) {
        let c = self.clocking;
        let agent = &mut self.agents[a as usize];
        let g = agent.group as usize;
        let was_working = agent.load > 0;
        let slots_before = agent.staffed_slots();
        agent.load = (i64::from(agent.load) + delta) as u16;
        if delta < 0 {
            agent.last_release = now;
        }
        self.group_levels[g][1].add(now, delta, &c);
        // past its shift, or over a cap lowered after a peak, each slot goes when its
        // chat ends (see `Agent::staffed_slots`)
        let slots = agent.staffed_slots() - slots_before;
        if slots != 0 {
            self.capacity.add(now, slots, &c);
        }
        if matches!(self.sc.conversation, Conversation::Sessions(_)) {
            let is_working = agent.load > 0;
            if is_working != was_working {
                let d = if is_working { 1 } else { -1 };
                self.group_levels[g][0].add(now, d, &c);
            }
        }
    }

    fn notify_router(&mut self, a: AgentId, now: SimTime) {
        let agent = &self.agents[a as usize];
        let snapshot = agent.snapshot(&self.sc.groups[usize::from(agent.group)], now);
        self.router.agent_changed(a, &snapshot, now);
    }
}
