//! The chat model: the one place that wires arrivals, roster, routing, patience,
//! conversation and metrics into a [`Process`] the engine runs, one replication at a time.
//!
//! Lifecycle of an attempt: arrival -> (queue ->) agent -> first reply (served) -> later
//! messages -> end; or patience runs out first (abandoned, maybe silently, maybe to retry).

mod agents;
mod bot;
mod customers;
mod messages;
mod network;
mod sessions;

use std::collections::VecDeque;

use rand::RngExt;

use crate::arrivals::ArrivalProcess;
use crate::class::Class;
use crate::conversation::Conversation;
use crate::distribution::Duration;
use crate::engine::{self, EventQueue, Process, SimTime};
use crate::metrics::{self, Clocking, Counters, Histograms, IntervalCounts, IntervalStats, Level};
use crate::random::{SimRng, Stream, stream};
use crate::routing::{AgentId, Router};
use crate::scenario::Scenario;
use agents::Agent;
use customers::{CustRef, Customer, Customers, Gone, State};

/// How long the run may drain after the horizon before it stops regardless; customers
/// still unresolved then are reported in `unresolved_at_end` (a safety net: with finite
/// patience every customer resolves long before).
pub const MAX_DRAIN: SimTime = SimTime::from_secs(7 * 86_400);

/// Everything measured in one replication.
#[derive(Clone, Debug)]
pub struct ReplicationResult {
    /// Replication index (0-based).
    pub index: u64,
    /// Volume multiplier drawn for this replication (forecast error).
    pub volume_factor: f64,
    /// Counts and sums over counted customers.
    pub counters: Counters,
    /// Response-time histograms (ms).
    pub histograms: Histograms,
    /// Time integrals over the measurement window.
    pub areas: Areas,
    /// Time integrals per agent group.
    pub groups: Vec<GroupAreas>,
    /// Per-interval series.
    pub intervals: Vec<IntervalRow>,
    /// Events handled.
    pub events: u64,
    /// Simulated time when the run ended (after draining).
    pub end: SimTime,
}

/// Level x seconds integrated over the measurement window `[warm-up, horizon)`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Areas {
    /// Window length, seconds.
    pub window_s: f64,
    /// Customers waiting for an agent.
    pub waiting_s: f64,
    /// Customers in the system.
    pub in_system_s: f64,
    /// Agents working.
    pub working_s: f64,
    /// Open chats.
    pub chats_s: f64,
    /// Agents on duty.
    pub on_duty_s: f64,
    /// Chat slots on duty (sum of caps).
    pub capacity_s: f64,
    /// Bot sessions.
    pub bot_sessions_s: f64,
    /// Bot session capacity x window (0 when unlimited or no bot).
    pub bot_capacity_s: f64,
}

/// Time integrals of one agent group over the measurement window.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GroupAreas {
    /// Group name.
    pub name: String,
    /// Agents working x seconds.
    pub working_s: f64,
    /// Open chats x seconds.
    pub chats_s: f64,
    /// Agents on duty x seconds.
    pub on_duty_s: f64,
}

/// One row of the per-interval series.
#[derive(Clone, Debug)]
pub struct IntervalRow {
    /// Interval start, from the scenario start.
    pub start: SimTime,
    /// The arrival cohort's fate and the end-of-interval levels.
    pub counts: IntervalCounts,
    /// Time-average number waiting over the interval.
    pub mean_waiting: f64,
    /// 90th percentile first response of the interval's arrivals, seconds.
    pub first_response_p90_s: Option<f64>,
}

/// The model's events; small and `Copy`, they travel through the heap.
#[derive(Clone, Copy, Debug)]
enum Ev {
    Arrival,
    Retrial(CustRef),
    FirstPatience(CustRef),
    ReplyDone { agent: AgentId, token: u32 },
    CustomerMessage(CustRef),
    MidPatience { cust: CustRef, msg: u16 },
    Release(CustRef),
    SessionDone { agent: AgentId, token: u32 },
    BotDone(CustRef),
    MessageToAgent { cust: CustRef, hop: u16 },
    ReplyDelivered(CustRef),
    Disconnect(AgentId),
    Reconnect(AgentId),
    OutageStart(u16),
    OutageEnd(u16),
    Reassign(u16),
    ShiftStart(u16),
    ShiftEnd(u16),
    CapChange,
    IntervalEnd(u32),
}

/// Samplers built once per replication.
struct Samplers {
    first_reply: [Duration; 3],
    mid_conversation: Duration,
    effort: Duration,
    think: Duration,
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
    samplers: Samplers,
    arrivals: ArrivalProcess<'s>,
    rng_arrivals: SimRng,
    rng_customers: SimRng,
    rng_service: SimRng,
    rng_conversation: SimRng,
    rng_bot: SimRng,
    rng_network: SimRng,
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
    working: Level,
    chats: Level,
    on_duty: Level,
    capacity: Level,
    group_levels: Vec<[Level; 3]>,
    counters: Counters,
    histograms: Histograms,
    intervals: Vec<IntervalStats>,
    /// Counted customers not yet out of the system (retrial orbit included).
    counted_present: u64,
    /// Counted customers without a final outcome yet.
    unresolved: u64,
    arrivals_done: bool,
}

/// Runs replication `index` of `scenario` with master seed `seed` and the scenario's policy.
pub fn run_replication(scenario: &Scenario, seed: u64, index: u64) -> ReplicationResult {
    let router = scenario.routing.policy.build(scenario.agents());
    run_with_router(scenario, seed, index, router)
}

/// Runs one replication with a caller-supplied router (an engineer's own policy).
pub fn run_with_router(
    scenario: &Scenario,
    seed: u64,
    index: u64,
    router: Box<dyn Router>,
) -> ReplicationResult {
    let mut rng_replication = stream(seed, index, Stream::Replication);
    let volume_factor = scenario.arrivals.draw_volume_factor(&mut rng_replication);
    let mut model = Model::new(scenario, seed, index, router, volume_factor);
    let mut queue = EventQueue::new();
    model.schedule_initial(&mut queue);
    let events = engine::run(&mut model, &mut queue);
    model.finish(queue.now(), index, volume_factor, events)
}

impl<'s> Model<'s> {
    fn new(sc: &'s Scenario, seed: u64, index: u64, router: Box<dyn Router>, volume: f64) -> Self {
        let n_intervals = sc.horizon.as_micros().div_ceil(sc.interval.as_micros()) as usize;
        let p = &sc.patience;
        let (effort, think, work) = match &sc.conversation {
            Conversation::Messages(m) => (m.effort.build(), m.think.build(), Duration::Never),
            Conversation::Sessions(s) => (Duration::Never, Duration::Never, s.work.build()),
        };
        let samplers = Samplers {
            first_reply: std::array::from_fn(|i| p.first_reply[i].build()),
            mid_conversation: p.mid_conversation.build(),
            effort,
            think,
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
            samplers,
            arrivals: ArrivalProcess::new(&sc.arrivals.curve, volume),
            rng_arrivals: stream(seed, index, Stream::Arrivals),
            rng_customers: stream(seed, index, Stream::Customers),
            rng_service: stream(seed, index, Stream::Service),
            rng_conversation: stream(seed, index, Stream::Conversation),
            rng_bot,
            rng_network: stream(seed, index, Stream::Network),
            bot_resolution,
            bot_sessions: Level::new(0),
            bot_queue: VecDeque::new(),
            net: sc.network.as_ref().map(network::NetSamplers::build),
            customers: Customers::default(),
            agents,
            queues: Default::default(),
            waiting: Level::new(n_intervals),
            in_system: Level::new(0),
            working: Level::new(0),
            chats: Level::new(0),
            on_duty: Level::new(0),
            capacity: Level::new(0),
            group_levels: sc
                .groups
                .iter()
                .map(|_| [Level::new(0), Level::new(0), Level::new(0)])
                .collect(),
            counters: Counters::default(),
            histograms: Histograms::new(),
            intervals: (0..n_intervals).map(|_| IntervalStats::default()).collect(),
            counted_present: 0,
            unresolved: 0,
            arrivals_done: false,
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
        for w in &self.sc.peaks {
            q.schedule(w.start, Ev::CapChange);
            q.schedule(w.end, Ev::CapChange);
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
        let queue_class = match &self.sc.routing.handover {
            Some(h)
                if class == Class::AfterSale && self.rng_customers.random::<f64>() < h.share =>
            {
                Class::PreSale
            }
            _ => Class::AfterSale,
        };
        let queue_class = if class == Class::AfterSale {
            queue_class
        } else {
            class
        };
        let counted = now >= self.sc.warmup;
        let interval = self.interval_of(now);
        if let Some(row) = self.intervals.get_mut(interval) {
            row.counts.arrived += 1;
        }
        if counted {
            self.counters.arrived += 1;
            self.counters.by_class[class.index()].arrived += 1;
            self.counted_present += 1;
            self.unresolved += 1;
        }
        let cust = Customer::new(class, queue_class, counted, now, 1, 1.0);
        let c = self.customers.insert(cust);
        match &self.sc.bot {
            Some(bot) if bot.takes(class, now, &mut self.rng_bot) => self.bot_arrive(c, q),
            _ => self.start_attempt(c, q),
        }
    }

    /// Draws what the customer brings and tries to get it an agent.
    fn start_attempt(&mut self, c: CustRef, q: &mut EventQueue<Ev>) {
        let now = q.now();
        let sc = self.sc;
        let (class, queue_class, factor, counted) = {
            let cu = self.customers.get(c);
            (cu.class, cu.queue_class, cu.patience_factor, cu.counted)
        };
        let patience = self.samplers.first_reply[class.index()].sample_s(&mut self.rng_customers)
            * f64::from(factor);
        let silent = self.rng_customers.random::<f64>() < sc.patience.silent_share;
        let (msgs, handover_at) = self.draw_conversation_shape(class, queue_class);
        {
            let cu = self.customers.get_mut(c);
            cu.arrived = now;
            cu.silent = silent;
            cu.msgs_total = msgs;
            cu.handover_at = handover_at;
            cu.state = State::Waiting;
        }
        if counted {
            self.counters.attempts += 1;
            self.counters.by_class[class.index()].attempts += 1;
            if !self.agents_exist_for(queue_class) {
                self.counters.outside_hours += u64::from(self.customers.get(c).attempt == 1);
            }
        }
        self.in_system.add(now, 1, &self.clocking);
        if patience.is_finite() {
            let at = now + SimTime::from_secs_f64(patience);
            self.customers.get_mut(c).patience_at = at;
            q.schedule(at, Ev::FirstPatience(c));
        } else {
            self.customers.get_mut(c).patience_at = SimTime::NEVER;
        }
        match self.router.route(queue_class, now) {
            Some(a) => {
                self.check_routable(a, queue_class);
                self.assign(c, a, q);
            }
            None => {
                if counted {
                    self.counters.waited += 1;
                }
                self.queues[queue_class.index()].push_back(c);
                self.waiting.add(now, 1, &self.clocking);
            }
        }
    }

    fn draw_conversation_shape(&mut self, class: Class, queue_class: Class) -> (u16, u16) {
        let Conversation::Messages(m) = &self.sc.conversation else {
            return (1, 0);
        };
        let msgs = m
            .customer_messages
            .sample(&mut self.rng_customers)
            .min(u32::from(u16::MAX)) as u16;
        let handover_at = match &self.sc.routing.handover {
            Some(h) if queue_class != class => self
                .rng_customers
                .random_range(h.replies_min..=h.replies_max),
            _ => 0,
        };
        // A customer handed over needs at least one message after the hand-over.
        let msgs = if handover_at > 0 {
            msgs.max(handover_at + 1)
        } else {
            msgs
        };
        (msgs, handover_at)
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
        self.agents
            .iter()
            .any(|a| a.on_duty && a.skills.contains(class))
    }

    fn interval_of(&self, t: SimTime) -> usize {
        (t.as_micros() / self.sc.interval.as_micros()) as usize
    }

    // ---- assignment and release ------------------------------------------------------

    fn assign(&mut self, c: CustRef, a: AgentId, q: &mut EventQueue<Ev>) {
        let now = q.now();
        let ghost = self.customers.get(c).state == State::Ghost;
        {
            let cu = self.customers.get_mut(c);
            cu.agent = a;
            cu.assigned = now;
            if !ghost {
                cu.state = State::Chat;
            }
        }
        self.agents[a as usize].last_assign = now;
        self.sessions_progress(a, now);
        self.change_load(a, 1, now);
        match &self.sc.conversation {
            Conversation::Messages(_) => self.messages_assign(c, a, q),
            Conversation::Sessions(_) => self.sessions_assign(c, a, ghost, q),
        }
    }

    /// Changes agent `a`'s open chats by `delta`, keeping every level and the router current.
    fn change_load(&mut self, a: AgentId, delta: i64, now: SimTime) {
        let c = self.clocking;
        let agent = &mut self.agents[a as usize];
        let g = agent.group as usize;
        let was_working = agent.load > 0;
        agent.load = (i64::from(agent.load) + delta) as u16;
        if delta < 0 {
            agent.last_release = now;
        }
        self.chats.add(now, delta, &c);
        self.group_levels[g][1].add(now, delta, &c);
        if matches!(self.sc.conversation, Conversation::Sessions(_)) {
            let is_working = agent.load > 0;
            if is_working != was_working {
                let d = if is_working { 1 } else { -1 };
                self.working.add(now, d, &c);
                self.group_levels[g][0].add(now, d, &c);
            }
        }
        self.notify_router(a, now);
    }

    fn notify_router(&mut self, a: AgentId, now: SimTime) {
        let snapshot = self.agents[a as usize].snapshot();
        self.router.agent_changed(a, &snapshot, now);
    }

    /// Frees agent `a`'s slot held by `c`, retires the customer, and refills the slot.
    fn release(&mut self, c: CustRef, q: &mut EventQueue<Ev>) {
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
            metrics::record(&mut self.histograms.duration_ms, d);
        }
        self.leave(c, now);
        if matches!(self.sc.conversation, Conversation::Messages(_)) {
            self.agents[a as usize].chats.retain(|x| x.0 != c);
        }
        self.sessions_progress(a, now);
        self.change_load(a, -1, now);
        self.sessions_reschedule(a, q);
        self.fill(a, q);
        self.maybe_go_off_duty(a, now);
    }

    /// The customer leaves the system for good; its record is recycled.
    fn leave(&mut self, c: CustRef, now: SimTime) {
        let cu = self.customers.get(c);
        if cu.counted {
            self.counted_present -= 1;
            if cu.served && cu.class == Class::PreSale {
                let first = (cu.first_reply_at - cu.first_arrived).as_secs_f64();
                let mean_reply = (cu.replies > 0).then(|| cu.reply_sum_s / f64::from(cu.replies));
                let p = self
                    .sc
                    .conversion
                    .as_ref()
                    .map(|cv| cv.probability(Some(first), mean_reply));
                let first_arrived = cu.first_arrived;
                self.record_conversion(first_arrived, p);
            }
        }
        self.in_system.add(now, -1, &self.clocking);
        self.customers.remove(c);
    }

    /// Gives agent `a` waiting customers while it has free slots.
    fn fill(&mut self, a: AgentId, q: &mut EventQueue<Ev>) {
        let now = q.now();
        while self.agents[a as usize].available() {
            let skills = self.agents[a as usize].skills;
            let heads = std::array::from_fn(|i| self.queue_head(i));
            let Some(class) = self.sc.routing.next_class(skills, heads, now) else {
                break;
            };
            let c = self.queues[class.index()].pop_front().expect("head exists");
            self.waiting.add(now, -1, &self.clocking);
            self.assign(c, a, q);
        }
    }

    /// Arrival time of the first live customer in queue `i`, dropping stale entries.
    fn queue_head(&mut self, i: usize) -> Option<SimTime> {
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

    // ---- outcomes --------------------------------------------------------------------

    /// The attempt got its first reply (`sessions`: an agent).
    fn served(&mut self, c: CustRef, now: SimTime) {
        let sc = self.sc;
        let cu = self.customers.get_mut(c);
        cu.served = true;
        cu.first_reply_at = now;
        let (counted, wait, first_arrived) =
            (cu.counted, cu.assigned - cu.arrived, cu.first_arrived);
        let first = now - cu.response_origin;
        let k = self.interval_of(first_arrived);
        if let Some(row) = self.intervals.get_mut(k) {
            row.counts.served += 1;
            row.record_first_response(first);
        }
        if !counted {
            return;
        }
        let ctr = &mut self.counters;
        let class = &mut ctr.by_class[self.customers.get(c).class.index()];
        class.served += 1;
        class.first_response_sum_s += first.as_secs_f64();
        class.wait_sum_s += wait.as_secs_f64();
        ctr.served += 1;
        ctr.wait_served_sum_s += wait.as_secs_f64();
        ctr.served_within_sl += u64::from(wait <= sc.service_level);
        ctr.first_response_sum_s += first.as_secs_f64();
        ctr.first_reply_30s += u64::from(first <= SimTime::from_secs(30));
        ctr.first_reply_180s += u64::from(first <= SimTime::from_secs(180));
        metrics::record(&mut self.histograms.wait_served_ms, wait);
        metrics::record(&mut self.histograms.first_response_ms, first);
        self.unresolved -= 1;
    }

    /// The attempt ends without a first reply; the customer may come back.
    fn abandoned(&mut self, c: CustRef, q: &mut EventQueue<Ev>) {
        let now = q.now();
        let cu = self.customers.get(c).clone();
        let wait = now - cu.arrived;
        if cu.counted {
            self.counters.wait_abandoned_sum_s += wait.as_secs_f64();
            self.counters.by_class[cu.class.index()].wait_sum_s += wait.as_secs_f64();
            self.counters.abandoned_within_sl += u64::from(wait <= self.sc.service_level);
            metrics::record(&mut self.histograms.wait_abandoned_ms, wait);
        }
        if let Some(r) = &self.sc.patience.retrial
            && cu.attempt < r.max_attempts
            && self.rng_customers.random::<f64>() < r.probability
        {
            let delay = self.samplers.retrial_delay.sample(&mut self.rng_customers);
            let factor = cu.patience_factor * r.patience_factor as f32;
            let mut next = Customer::new(
                cu.class,
                cu.queue_class,
                cu.counted,
                cu.first_arrived,
                cu.attempt + 1,
                factor,
            );
            next.state = State::Orbit;
            let n = self.customers.insert(next);
            q.schedule(now + delay, Ev::Retrial(n));
            if cu.counted {
                self.counters.retrials += 1;
                self.counted_present += 1;
            }
            return;
        }
        let k = self.interval_of(cu.first_arrived);
        if let Some(row) = self.intervals.get_mut(k) {
            row.counts.abandoned += 1;
        }
        if cu.counted {
            self.counters.abandoned += 1;
            self.counters.by_class[cu.class.index()].abandoned += 1;
            self.unresolved -= 1;
            if cu.class == Class::PreSale {
                self.record_abandoned_conversion(cu.first_arrived);
            }
        }
    }

    /// A pre-sale customer's predicted conversion `p` (None: no conversion model).
    fn record_conversion(&mut self, first_arrived: SimTime, p: Option<f64>) {
        let Some(cv) = self.sc.conversion.as_ref() else {
            return;
        };
        let p = p.unwrap_or(0.0);
        let instant = cv.instant_probability();
        let c = &mut self.counters;
        c.pre_sale_customers += 1;
        c.expected_buyers += p;
        c.instant_buyers += instant;
        c.cs_gmv += p * cv.average_order_value;
        c.gmv_lost += (instant - p) * cv.average_order_value;
        let k = self.interval_of(first_arrived);
        if let Some(row) = self.intervals.get_mut(k) {
            row.counts.pre_sale += 1;
            row.counts.expected_buyers += p;
        }
    }

    /// Conversion of a pre-sale customer who never got a useful reply.
    fn record_abandoned_conversion(&mut self, first_arrived: SimTime) {
        let p = self
            .sc
            .conversion
            .as_ref()
            .map(|cv| cv.probability(None, None));
        self.record_conversion(first_arrived, p);
    }

    fn on_first_patience(&mut self, c: CustRef, q: &mut EventQueue<Ev>) {
        let Some(cu) = self.customers.try_get(c) else {
            return;
        };
        let now = q.now();
        if cu.served || now < cu.patience_at {
            return; // over once the first reply came; or an older deadline (escalation)
        }
        match cu.state {
            State::BotQueue => self.abandon_at_bot(c, now),
            State::Waiting => {
                if cu.silent {
                    let cu = self.customers.get_mut(c);
                    cu.state = State::Ghost;
                    cu.gone = Gone::Silent;
                    self.abandoned(c, q);
                } else {
                    self.waiting.add(now, -1, &self.clocking);
                    self.abandoned(c, q);
                    self.leave(c, now);
                }
            }
            State::Chat if cu.gone == Gone::No => {
                self.abandoned(c, q);
                self.customer_leaves_chat(c, q);
            }
            _ => {}
        }
    }

    /// A customer comes back: a new attempt, not a new customer (`arrived` counts people).
    fn on_retrial(&mut self, c: CustRef, q: &mut EventQueue<Ev>) {
        if self.customers.try_get(c).is_some() {
            self.customers.get_mut(c).response_origin = q.now();
            self.start_attempt(c, q);
        }
    }

    // ---- roster ----------------------------------------------------------------------

    fn on_shift_start(&mut self, g: usize, q: &mut EventQueue<Ev>) {
        let now = q.now();
        let ids: Vec<AgentId> = agents::ids_of_group(&self.agents, g).collect();
        for a in ids {
            if self.agents[a as usize].on_duty {
                continue;
            }
            let cap = self.sc.groups[g].cap_at(now, &self.sc.peaks);
            let agent = &mut self.agents[a as usize];
            let was_present = agent.present;
            agent.on_duty = true;
            agent.present = true;
            agent.cap = cap;
            agent.last_release = agent.last_release.max(now);
            let cap = i64::from(cap);
            if !was_present {
                self.on_duty.add(now, 1, &self.clocking);
                self.group_levels[g][2].add(now, 1, &self.clocking);
            }
            self.capacity.add(now, cap, &self.clocking);
            self.notify_router(a, now);
            self.start_disconnects(a, q);
            self.fill(a, q);
        }
    }

    fn on_shift_end(&mut self, g: usize, now: SimTime) {
        let ids: Vec<AgentId> = agents::ids_of_group(&self.agents, g).collect();
        for a in ids {
            let agent = &mut self.agents[a as usize];
            if !agent.on_duty {
                continue;
            }
            agent.on_duty = false;
            let cap = i64::from(agent.cap);
            self.capacity.add(now, -cap, &self.clocking);
            self.notify_router(a, now);
            self.maybe_go_off_duty(a, now);
        }
    }

    /// An agent whose shift ended leaves once its last chat is done.
    fn maybe_go_off_duty(&mut self, a: AgentId, now: SimTime) {
        let agent = &mut self.agents[a as usize];
        if !agent.on_duty && agent.load == 0 && agent.present {
            agent.present = false;
            let g = agent.group as usize;
            self.on_duty.add(now, -1, &self.clocking);
            self.group_levels[g][2].add(now, -1, &self.clocking);
        }
    }

    fn on_cap_change(&mut self, q: &mut EventQueue<Ev>) {
        let now = q.now();
        for a in 0..self.agents.len() as AgentId {
            let agent = &self.agents[a as usize];
            let new_cap = self.sc.groups[agent.group as usize].cap_at(now, &self.sc.peaks);
            if new_cap == agent.cap {
                continue;
            }
            let delta = i64::from(new_cap) - i64::from(agent.cap);
            let on = agent.on_duty;
            self.agents[a as usize].cap = new_cap;
            if on {
                self.capacity.add(now, delta, &self.clocking);
            }
            self.notify_router(a, now);
            self.fill(a, q);
        }
    }

    fn on_interval_end(&mut self, k: usize) {
        let (on_duty, in_system, waiting) = (
            self.on_duty.value(),
            self.in_system.value(),
            self.waiting.value(),
        );
        if let Some(row) = self.intervals.get_mut(k) {
            row.counts.agents_on_duty = on_duty;
            row.counts.in_system = in_system;
            row.counts.waiting = waiting;
        }
    }

    // ---- the end ---------------------------------------------------------------------

    fn finish(
        mut self,
        now: SimTime,
        index: u64,
        volume_factor: f64,
        events: u64,
    ) -> ReplicationResult {
        let end = now.max(self.sc.horizon);
        let c = self.clocking;
        for level in [
            &mut self.bot_sessions,
            &mut self.waiting,
            &mut self.in_system,
            &mut self.working,
            &mut self.chats,
            &mut self.on_duty,
            &mut self.capacity,
        ] {
            level.advance(end, &c);
        }
        for g in &mut self.group_levels {
            for level in g.iter_mut() {
                level.advance(end, &c);
            }
        }
        self.counters.unresolved_at_end = self.unresolved;
        let areas = Areas {
            window_s: (self.sc.horizon - self.sc.warmup).as_secs_f64(),
            waiting_s: self.waiting.area_s(),
            in_system_s: self.in_system.area_s(),
            working_s: self.working.area_s(),
            chats_s: self.chats.area_s(),
            on_duty_s: self.on_duty.area_s(),
            capacity_s: self.capacity.area_s(),
            bot_sessions_s: self.bot_sessions.area_s(),
            bot_capacity_s: self
                .sc
                .bot
                .as_ref()
                .and_then(|b| b.capacity)
                .map_or(0.0, |cap| {
                    f64::from(cap) * (self.sc.horizon - self.sc.warmup).as_secs_f64()
                }),
        };
        let groups = self
            .sc
            .groups
            .iter()
            .zip(&self.group_levels)
            .map(|(g, l)| GroupAreas {
                name: g.name.clone(),
                working_s: l[0].area_s(),
                chats_s: l[1].area_s(),
                on_duty_s: l[2].area_s(),
            })
            .collect();
        let interval_s = self.sc.interval.as_secs_f64();
        let waiting_areas = self.waiting.interval_areas().to_vec();
        let intervals = self
            .intervals
            .into_iter()
            .enumerate()
            .map(|(k, s)| {
                let start = SimTime::from_micros(k as u64 * self.sc.interval.as_micros());
                let len = (self.sc.horizon.min(start + self.sc.interval) - start)
                    .as_secs_f64()
                    .min(interval_s);
                IntervalRow {
                    start,
                    counts: s.counts,
                    mean_waiting: waiting_areas.get(k).copied().unwrap_or(0.0) / len.max(1e-9),
                    first_response_p90_s: s.first_response_p90_s(),
                }
            })
            .collect();
        ReplicationResult {
            index,
            volume_factor,
            counters: self.counters,
            histograms: self.histograms,
            areas,
            groups,
            intervals,
            events,
            end,
        }
    }
}

impl Process for Model<'_> {
    type Event = Ev;

    fn handle(&mut self, event: Ev, q: &mut EventQueue<Ev>) {
        match event {
            Ev::Arrival => self.on_arrival(q),
            Ev::Retrial(c) => self.on_retrial(c, q),
            Ev::FirstPatience(c) => self.on_first_patience(c, q),
            Ev::ReplyDone { agent, token } => self.on_reply_done(agent, token, q),
            Ev::CustomerMessage(c) => self.on_customer_message(c, q),
            Ev::MidPatience { cust, msg } => self.on_mid_patience(cust, msg, q),
            Ev::Release(c) => {
                if self.customers.try_get(c).is_some() {
                    self.release(c, q)
                }
            }
            Ev::SessionDone { agent, token } => self.on_session_done(agent, token, q),
            Ev::BotDone(c) => self.on_bot_done(c, q),
            Ev::MessageToAgent { cust, hop } => self.on_message_to_agent(cust, hop, q),
            Ev::ReplyDelivered(c) => {
                if self.customers.try_get(c).is_some() {
                    self.deliver_reply(c, q)
                }
            }
            Ev::Disconnect(a) => self.on_disconnect(a, q),
            Ev::Reconnect(a) => self.on_reconnect(a, q),
            Ev::OutageStart(i) => self.on_outage_start(usize::from(i), q),
            Ev::OutageEnd(i) => self.on_outage_end(usize::from(i), q),
            Ev::Reassign(i) => self.on_reassign(usize::from(i), q),
            Ev::ShiftStart(g) => self.on_shift_start(usize::from(g), q),
            Ev::ShiftEnd(g) => self.on_shift_end(usize::from(g), q.now()),
            Ev::CapChange => self.on_cap_change(q),
            Ev::IntervalEnd(k) => self.on_interval_end(k as usize),
        }
    }

    fn finished(&self, now: SimTime) -> bool {
        let drained = self.arrivals_done && now >= self.sc.horizon && self.counted_present == 0;
        drained || now > self.sc.horizon + MAX_DRAIN
    }
}
