//! Customer records in a slab with generation-checked references, so events about a
//! customer who has left are recognised as stale and memory stays flat in volume.

use crate::class::Class;
use crate::engine::SimTime;
use crate::routing::AgentId;

/// A reference to a customer record; stale once the record is recycled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CustRef {
    idx: u32,
    generation: u32,
}

impl CustRef {
    /// The record's slot in the slab (reused once the record goes).
    pub fn slot(self) -> u32 {
        self.idx
    }
}

/// Where the customer is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// Waiting to try again after abandoning.
    Orbit,
    /// In a class queue.
    Waiting,
    /// Left while queued; still in the queue: it wastes a slot when assigned (`sessions`,
    /// or a silent leaver) or its message is still owed a reply (a kept inbox).
    Ghost,
    /// Holding a slot of an agent (whether or not the customer is still there: see `gone`).
    Chat,
    /// Waiting for a free bot session (in a session, a customer has no record).
    BotQueue,
}

/// Whether the customer has walked away from an open chat.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Gone {
    /// Still there.
    No,
    /// Left without closing the chat: the agent finds out only by a timeout.
    Silent,
    /// Closed the chat.
    Explicit,
}

/// The `response_origin` of a customer the first-response KPIs leave out (a flag in a
/// field every customer has: a customer record is held for each one present).
pub const UNSCORED: SimTime = SimTime::NEVER;

/// One attempt of one customer.
#[derive(Clone, Debug)]
pub struct Customer {
    pub state: State,
    pub gone: Gone,
    /// The question's real class.
    pub class: Class,
    /// The queue it is routed by (pre-sale for after-sale questions that come in that way).
    pub queue_class: Class,
    /// Arrived after the warm-up.
    pub counted: bool,
    /// Would leave silently if it abandons.
    pub silent: bool,
    /// Got a first reply in this attempt.
    pub served: bool,
    /// 1 for the first attempt.
    pub attempt: u8,
    /// Patience multiplier (retrials are less patient).
    pub patience_factor: f32,
    pub agent: AgentId,
    /// This attempt's arrival.
    pub arrived: SimTime,
    /// The customer's first arrival (its series interval).
    pub first_arrived: SimTime,
    /// When the current agent got the chat.
    pub assigned: SimTime,
    /// When the customer's pending message was sent; with nothing pending, when the last
    /// reply arrived (the live state's time in the phase).
    pub msg_sent_at: SimTime,
    /// Turns in the conversation: each a burst of customer messages needing one reply.
    pub msgs_total: u16,
    /// Turns sent so far.
    pub msgs_sent: u16,
    /// Turns answered so far.
    pub replies: u16,
    /// Reply after which a pre-sale agent hands over (0 = no hand-over).
    pub handover_at: u16,
    /// Where first response is measured from: the arrival (kept through the bot), or the
    /// new attempt's arrival for a retrial; the next staffed shift start for a 留言 under
    /// `[scoring] messages_left = "from_staffed"`; [`UNSCORED`] when `[scoring]` leaves the
    /// customer out of the first-response KPIs.
    pub response_origin: SimTime,
    /// When first-reply patience runs out; earlier patience events are stale.
    pub patience_at: SimTime,
    /// Sum of this customer's per-reply response times, seconds.
    pub reply_sum_s: f64,
    /// Agent assignments so far (messages in flight to an earlier agent are stale).
    pub hop: u16,
    /// Reached a human (the agents' queue or an agent), directly or escalated.
    pub reached_human: bool,
    /// Left before the first reply (counted as abandoned); a kept message may still be
    /// answered later.
    pub abandoned: bool,
    /// Got a human reply, present or not (回复率's numerator).
    pub replied: bool,
    /// 留言: arrived when nobody with the skill was on duty, or overflowed a full line.
    pub left_message: bool,
    /// Counted in the waiting line (the `waiting` level and the line cap).
    pub in_line: bool,
    /// A 留言 counted as still in a queue (the interval rows' unanswered messages).
    pub queued_message: bool,
    /// Withdrew the chat on leaving: nothing is owed, even with a kept inbox.
    pub withdrew: bool,
    /// The agent who sent the first human reply (its group's conversion factor applies).
    pub first_agent: AgentId,
    /// When the first answer arrived (conversion runs to it): the first reply, unless
    /// that was the agent's quick 您好; `NEVER` until then.
    pub answered_at: SimTime,
    /// Customer messages in the conversation (spread over its `msgs_total` turns).
    pub cust_msgs: u16,
    /// The agent's 您好 closed the opening round: the answer that follows is not a round.
    pub hello_round: bool,
}

impl Customer {
    /// A new attempt; the caller fills in what `start_attempt` draws.
    pub fn new(
        class: Class,
        queue_class: Class,
        counted: bool,
        first_arrived: SimTime,
        attempt: u8,
        patience_factor: f32,
    ) -> Self {
        Customer {
            state: State::Orbit,
            gone: Gone::No,
            class,
            queue_class,
            counted,
            silent: false,
            served: false,
            attempt,
            patience_factor,
            agent: 0,
            arrived: first_arrived,
            first_arrived,
            assigned: SimTime::ZERO,
            msg_sent_at: SimTime::ZERO,
            msgs_total: 1,
            msgs_sent: 0,
            replies: 0,
            handover_at: 0,
            response_origin: first_arrived,
            patience_at: SimTime::NEVER,
            reply_sum_s: 0.0,
            hop: 0,
            reached_human: false,
            abandoned: false,
            replied: false,
            left_message: false,
            in_line: false,
            queued_message: false,
            withdrew: false,
            first_agent: 0,
            answered_at: SimTime::NEVER,
            cust_msgs: 1,
            hello_round: false,
        }
    }
}

/// The slab.
#[derive(Default)]
pub struct Customers {
    slots: Vec<(u32, Option<Customer>)>,
    free: Vec<u32>,
}

impl Customers {
    /// Most customers held at once so far (the slab never shrinks).
    pub fn peak(&self) -> usize {
        self.slots.len()
    }

    /// Bytes the slab and its free list hold allocated (their most so far: neither
    /// shrinks).
    pub fn allocated_bytes(&self) -> usize {
        self.slots.capacity() * Self::SLOT_BYTES + self.free.capacity() * 4
    }

    /// Bytes the slab and its free list may come to hold before they next grow: the larger
    /// of what they hold allocated and twice their slots (the next doubling).
    pub fn projected_bytes(&self) -> usize {
        self.slots.capacity().max(2 * self.slots.len()) * Self::SLOT_BYTES
            + self.free.capacity().max(2 * self.free.len()) * 4
    }

    /// The live records.
    pub fn iter(&self) -> impl Iterator<Item = &Customer> {
        self.slots.iter().filter_map(|(_, c)| c.as_ref())
    }

    /// Bytes one slot of the slab takes.
    pub const SLOT_BYTES: usize = std::mem::size_of::<(u32, Option<Customer>)>();

    /// Stores `c` and returns its reference.
    pub fn insert(&mut self, c: Customer) -> CustRef {
        match self.free.pop() {
            Some(idx) => {
                let slot = &mut self.slots[idx as usize];
                slot.1 = Some(c);
                CustRef {
                    idx,
                    generation: slot.0,
                }
            }
            None => {
                self.slots.push((0, Some(c)));
                CustRef {
                    idx: (self.slots.len() - 1) as u32,
                    generation: 0,
                }
            }
        }
    }

    /// The record, if `r` is still live.
    #[inline]
    pub fn try_get(&self, r: CustRef) -> Option<&Customer> {
        match self.slots.get(r.idx as usize) {
            Some((generation, Some(c))) if *generation == r.generation => Some(c),
            _ => None,
        }
    }

    /// The record.
    ///
    /// # Panics
    /// When `r` is stale: the model must check liveness first where it can be stale.
    #[inline]
    pub fn get(&self, r: CustRef) -> &Customer {
        self.try_get(r).expect("stale customer reference")
    }

    /// The record, mutably.
    ///
    /// # Panics
    /// When `r` is stale.
    #[inline]
    pub fn get_mut(&mut self, r: CustRef) -> &mut Customer {
        match self.slots.get_mut(r.idx as usize) {
            Some((generation, Some(c))) if *generation == r.generation => c,
            _ => panic!("stale customer reference"),
        }
    }

    /// Recycles the record; every reference to it becomes stale.
    pub fn remove(&mut self, r: CustRef) {
        let slot = &mut self.slots[r.idx as usize];
        assert_eq!(slot.0, r.generation, "removing a stale customer reference");
        slot.0 = slot.0.wrapping_add(1);
        slot.1 = None;
        self.free.push(r.idx);
    }
}
