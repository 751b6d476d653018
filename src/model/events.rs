//! The model's events and their dispatch to the model's handlers.

use super::customers::CustRef;
use super::{MAX_DRAIN, Model, bot};
use crate::class::Class;
use crate::engine::{EventQueue, Process, SimTime};
use crate::routing::AgentId;

/// The model's events; small and `Copy`, they travel through the heap.
#[derive(Clone, Copy, Debug)]
pub(super) enum Ev {
    Arrival,
    Retrial(CustRef),
    FirstPatience(CustRef),
    ReplyDone {
        agent: AgentId,
        token: u32,
    },
    CustomerMessage(CustRef),
    MidPatience {
        cust: CustRef,
        msg: u16,
    },
    Release(CustRef),
    SessionDone {
        agent: AgentId,
        token: u32,
    },
    /// A chat ends; the agent travels with it, so its record can be read before the
    /// customer's (see `Model::on_chat_done`).
    ChatDone {
        cust: CustRef,
        agent: AgentId,
    },
    /// A bot session ends; the customer has no record during it (see `bot::Visit`).
    BotDone {
        arrived: SimTime,
        class: Class,
        queue_class: Class,
        counted: bool,
        resolves: bool,
        /// Whole seconds waited for the session (in the bot's queue), for a snapshot.
        queued_s: u16,
    },
    MessageToAgent {
        cust: CustRef,
        hop: u16,
    },
    ReplyDelivered(CustRef),
    /// The agent's quick 您好 leaves its client (stale if the chat moved since).
    Hello {
        cust: CustRef,
        hop: u16,
    },
    HelloDelivered(CustRef),
    Disconnect(AgentId),
    Reconnect(AgentId),
    OutageStart(u16),
    OutageEnd(u16),
    Reassign(u16),
    ShiftStart(u16),
    ShiftEnd(u16),
    /// An agent's break is due ([`crate::breaks`]).
    BreakDue(AgentId),
    /// An agent is back from its break (stale if the token moved on).
    BreakEnd {
        agent: AgentId,
        token: u32,
    },
    /// Idle agents of the 催付 groups take due reminders ([`crate::reminders`]).
    ReminderTick,
    /// An agent has sent its reminder (stale if the token moved on).
    ReminderDone {
        agent: AgentId,
        token: u32,
    },
    CapChange,
    /// A group's 分流 weight becomes a full share: its agents' new weight goes to the router.
    FullShare(u16),
    IntervalEnd(u32),
    Close(CustRef),
    /// The live state is captured (`run --snapshot-at`).
    Snapshot,
    /// The live state is put in place (a warm start).
    WarmStart,
}

// An event and its time fit in 24 bytes: millions are pending at platform scale.
const _: () = assert!(std::mem::size_of::<Ev>() <= 16);

impl Process for Model<'_> {
    type Event = Ev;

    fn handle(&mut self, event: Ev, q: &mut EventQueue<Ev>) {
        self.now = q.now();
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
            Ev::ChatDone { cust, agent } => self.on_chat_done(cust, agent, q),
            Ev::BotDone {
                arrived,
                class,
                queue_class,
                counted,
                resolves,
                ..
            } => {
                let visit = bot::Visit {
                    arrived,
                    class,
                    queue_class,
                    counted,
                };
                self.on_bot_done(visit, resolves, q)
            }
            Ev::MessageToAgent { cust, hop } => self.on_message_to_agent(cust, hop, q),
            Ev::Hello { cust, hop } => self.on_hello(cust, hop, q),
            Ev::HelloDelivered(c) => self.deliver_hello(c, q),
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
            Ev::BreakDue(a) => self.on_break_due(a, q),
            Ev::BreakEnd { agent, token } => self.on_break_end(agent, token, q),
            Ev::ReminderTick => self.on_reminder_tick(q),
            Ev::ReminderDone { agent, token } => self.on_reminder_done(agent, token, q),
            Ev::CapChange => self.on_cap_change(q),
            Ev::FullShare(g) => self.on_full_share(usize::from(g), q.now()),
            Ev::IntervalEnd(k) => self.on_interval_end(k as usize),
            Ev::Close(c) => self.on_close(c, q),
            Ev::Snapshot => {
                let now = q.now();
                self.snapshot = Some(self.capture(q));
                let upto = self.interval_of(now.saturating_sub(SimTime::from_micros(1)));
                self.snapshot_arrivals = self
                    .intervals
                    .iter()
                    .take(if now == SimTime::ZERO { 0 } else { upto + 1 })
                    .map(|r| r.counts.arrived)
                    .collect();
            }
            Ev::WarmStart => {
                if let Some(warm) = self.warm.take() {
                    self.inject(&warm, q);
                }
            }
        }
    }

    fn finished(&self, now: SimTime) -> bool {
        let drained = self.arrivals_done && now >= self.sc.horizon && self.counted_present == 0;
        drained || now > self.sc.horizon + MAX_DRAIN
    }

    fn audit(&mut self, queue: &EventQueue<Ev>) -> bool {
        self.within_budget(queue)
    }
}
