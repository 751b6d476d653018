//! Outcomes of customers: the first human reply (while there or after leaving),
//! abandonment (maybe to retry), a busy reply, the platform closing a left chat, leaving the
//! system, and their predicted conversion.

use rand::RngExt;

use super::customers::{CustRef, Customer, Gone, State};
use super::{Ev, Model};
use crate::class::Class;
use crate::engine::{EventQueue, SimTime};
use crate::metrics::Hist;

impl Model<'_> {
    /// The customer's first human reply arrived (`sessions`: an agent took the chat). It
    /// counts for 回复率 and 首响 whether or not the customer is still there; only a
    /// customer still there is `served` (answered while present).
    pub(super) fn first_reply(&mut self, c: CustRef, now: SimTime) {
        self.log_first_reply(c, now);
        let sc = self.sc;
        let cu = self.customers.get_mut(c);
        let present = cu.gone == Gone::No && !cu.abandoned;
        cu.replied = true;
        cu.served = present;
        cu.answered_at = now;
        cu.first_agent = cu.agent;
        let (counted, class, left_message, agent) =
            (cu.counted, cu.class, cu.left_message, cu.agent);
        let scored = cu.response_origin != super::customers::UNSCORED;
        // a 留言 scored from the next staffed hour is answered at or after it
        let (wait, first) = (
            cu.assigned - cu.arrived,
            now.saturating_sub(cu.response_origin),
        );
        let (from_arrival, since_received) = (now - cu.first_arrived, now - cu.arrived);
        let first_arrived = cu.first_arrived;
        let k = self.interval_of(first_arrived);
        if left_message {
            self.messages_pending -= 1;
        }
        if let Some(row) = self.intervals.get_mut(k) {
            row.counts.replied += 1;
            row.counts.served += u64::from(present);
            if scored {
                row.counts.replied_by_class[class.index()] += 1;
                row.counts.first_response_sum_s_by_class[class.index()] += first.as_secs_f64();
                row.counts.first_reply_30s += u64::from(first <= SimTime::from_secs(30));
                row.counts.first_reply_180s += u64::from(first <= SimTime::from_secs(180));
                row.record_first_response(first);
            }
        }
        if !counted {
            return;
        }
        let ctr = &mut self.counters;
        ctr.first_replies += 1;
        ctr.by_class[class.index()].replied += 1;
        if left_message {
            ctr.messages_answered += 1;
            ctr.message_response_sum_s += since_received.as_secs_f64();
        }
        if scored {
            ctr.first_response_sum_s += first.as_secs_f64();
            ctr.first_response_from_arrival_sum_s += from_arrival.as_secs_f64();
            ctr.first_reply_30s += u64::from(first <= SimTime::from_secs(30));
            ctr.first_reply_180s += u64::from(first <= SimTime::from_secs(180));
            ctr.by_class[class.index()].first_response_sum_s += first.as_secs_f64();
            let by_group = &mut self.group_counts[usize::from(self.agents[agent as usize].group)];
            by_group.first_replies += 1;
            by_group.first_response_sum_s += first.as_secs_f64();
            by_group.first_reply_30s += u64::from(first <= SimTime::from_secs(30));
            self.histograms.record(Hist::FirstResponse, first);
        } else {
            ctr.first_replies_left_out += 1;
            ctr.by_class[class.index()].first_replies_left_out += 1;
        }
        if !present {
            self.counters.replied_after_leaving += 1;
            return;
        }
        let ctr = &mut self.counters;
        ctr.served += 1;
        ctr.by_class[class.index()].served += 1;
        ctr.by_class[class.index()].wait_sum_s += wait.as_secs_f64();
        ctr.wait_served_sum_s += wait.as_secs_f64();
        ctr.served_within_sl += u64::from(wait <= sc.service_level);
        self.histograms.record(Hist::WaitServed, wait);
        self.unresolved -= 1;
    }

    /// The customer left before the first reply; it may come back (`may_retry`: only when
    /// nothing stays owed to it).
    pub(super) fn abandoned(&mut self, c: CustRef, q: &mut EventQueue<Ev>, may_retry: bool) {
        let now = q.now();
        self.log_left(c, now);
        self.customers.get_mut(c).abandoned = true;
        let cu = self.customers.get(c).clone();
        let wait = now - cu.arrived;
        if cu.counted {
            self.counters.wait_abandoned_sum_s += wait.as_secs_f64();
            self.counters.by_class[cu.class.index()].wait_sum_s += wait.as_secs_f64();
            self.counters.abandoned_within_sl += u64::from(wait <= self.sc.service_level);
            self.histograms.record(Hist::WaitAbandoned, wait);
        }
        if let Some(r) = &self.sc.patience.retrial
            && may_retry
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
            // until the retrial sets it again, `arrived` holds when the customer left
            next.arrived = now;
            if cu.response_origin == super::customers::UNSCORED {
                next.response_origin = super::customers::UNSCORED;
            }
            let n = self.customers.insert(next);
            self.log_retrial(c, n);
            q.schedule(now + delay, Ev::Retrial(n));
            if cu.counted {
                self.counters.retrials += 1;
                self.counted_present += 1;
            }
            return;
        }
        self.final_abandonment(&cu);
    }

    /// Counts a customer who left for good before a first useful reply.
    fn final_abandonment(&mut self, cu: &Customer) {
        let k = self.interval_of(cu.first_arrived);
        if let Some(row) = self.intervals.get_mut(k) {
            row.counts.abandoned += 1;
        }
        if cu.counted {
            self.counters.abandoned += 1;
            self.counters.by_class[cu.class.index()].abandoned += 1;
            self.unresolved -= 1;
            if cu.class == Class::PreSale {
                self.record_abandoned_conversion(cu.first_arrived, cu.reached_human);
            }
            if cu.class == Class::InSale {
                let p = self
                    .sc
                    .conversion
                    .as_ref()
                    .and_then(|cv| cv.in_sale_probability(None));
                self.record_in_sale(cu.first_arrived, p);
            }
        }
    }

    /// A full waiting line turns the customer away with a busy reply (blocked).
    pub(super) fn block(&mut self, c: CustRef, now: SimTime) {
        let cu = self.customers.get_mut(c);
        cu.abandoned = true;
        let cu = cu.clone();
        if cu.counted {
            self.counters.blocked += 1;
        }
        self.round_dropped(c);
        self.final_abandonment(&cu);
        self.leave(c, now);
    }

    /// The customer's pending message will never be answered (it left and took the message
    /// along, or the platform closed the chat): a missed round for the per-round share.
    pub(super) fn round_dropped(&mut self, c: CustRef) {
        let cu = self.customers.get(c);
        if !cu.counted || !cu.reached_human {
            return;
        }
        let since = if cu.msgs_sent == 0 {
            cu.arrived
        } else {
            cu.msg_sent_at
        };
        let clock = self.sc.calendar.time_of_day(since);
        if self.sc.scoring.counts_at(clock) {
            self.counters.rounds_unanswered += 1;
        }
    }

    /// A pre-sale customer's predicted conversion `p` (None: no conversion model), with
    /// `factor` the answering agent group's skill; `reached_human`: an inquiry (询单);
    /// `group`: the group that answered it first while it was there, if one did.
    pub(super) fn record_conversion(
        &mut self,
        first_arrived: SimTime,
        p: Option<f64>,
        factor: f64,
        reached_human: bool,
        group: Option<usize>,
    ) {
        let Some(cv) = self.sc.conversion.as_ref() else {
            return;
        };
        let p = (p.unwrap_or(0.0) * factor).min(cv.payment_rate);
        let instant = (cv.instant_probability() * factor).min(cv.payment_rate);
        let c = &mut self.counters;
        c.pre_sale_customers += 1;
        c.expected_buyers += p;
        c.instant_buyers += instant;
        c.cs_gmv += p * cv.average_order_value;
        c.gmv_lost += (instant - p) * cv.average_order_value;
        if reached_human {
            c.inquiry_customers += 1;
            c.inquiry_buyers += p;
            c.inquiry_instant_buyers += instant;
        }
        if let Some(g) = group {
            let by_group = &mut self.group_counts[g];
            by_group.inquiries += 1;
            by_group.buyers += p;
            by_group.cs_gmv += p * cv.average_order_value;
        }
        let k = self.interval_of(first_arrived);
        if let Some(row) = self.intervals.get_mut(k) {
            row.counts.pre_sale += 1;
            row.counts.expected_buyers += p;
            row.counts.gmv_lost += (instant - p) * cv.average_order_value;
        }
        self.maybe_unpaid_order(p, k, reached_human);
    }

    /// An in-sale customer's predicted payment `p` (None: in-sale value not modelled):
    /// the order paid, against an instant answer, in money.
    pub(super) fn record_in_sale(&mut self, first_arrived: SimTime, p: Option<f64>) {
        let Some(cv) = self.sc.conversion.as_ref() else {
            return;
        };
        let (Some(p), Some(instant), Some(v)) =
            (p, cv.in_sale_instant_probability(), cv.in_sale.as_ref())
        else {
            return;
        };
        let lost = (instant - p) * v.order_value;
        let c = &mut self.counters;
        c.in_sale_customers += 1;
        c.in_sale_paid += p;
        c.in_sale_instant_paid += instant;
        c.in_sale_gmv_lost += lost;
        let k = self.interval_of(first_arrived);
        if let Some(row) = self.intervals.get_mut(k) {
            row.counts.in_sale_gmv_lost += lost;
            row.counts.in_sale += 1;
        }
    }

    /// Conversion of a pre-sale customer who never got a useful reply while there.
    pub(super) fn record_abandoned_conversion(&mut self, first_arrived: SimTime, human: bool) {
        let p = self
            .sc
            .conversion
            .as_ref()
            .map(|cv| cv.probability(None, None));
        self.record_conversion(first_arrived, p, 1.0, human, None);
    }

    /// Whether a customer who stops waiting leaves its message owed (a kept inbox) or takes
    /// it along (the phone queue, or a leaver who withdraws the chat, drawn here).
    pub(super) fn keeps_message(&mut self, c: CustRef) -> bool {
        let inbox = &self.sc.inbox;
        if !inbox.keep_messages {
            return false;
        }
        let withdraws =
            inbox.withdraw_share > 0.0 && self.rng_customers.random::<f64>() < inbox.withdraw_share;
        if withdraws {
            let cu = self.customers.get_mut(c);
            cu.silent = false; // withdrawing closes the chat: the agent sees it
            cu.withdrew = true;
            if cu.counted {
                self.counters.withdrawn += 1;
            }
        }
        !withdraws
    }

    /// The customer left but its message stays owed: mark it gone and schedule the
    /// platform's closing of the chat should nobody answer.
    pub(super) fn left_owing(&mut self, c: CustRef, q: &mut EventQueue<Ev>) {
        self.log_left(c, q.now());
        let cu = self.customers.get_mut(c);
        cu.gone = if cu.silent {
            Gone::Silent
        } else {
            Gone::Explicit
        };
        let since = if cu.msgs_sent == 0 {
            cu.arrived
        } else {
            cu.msg_sent_at
        };
        let close = self.sc.inbox.close_after;
        if close != SimTime::NEVER {
            q.schedule((since + close).max(q.now()), Ev::Close(c));
        }
    }

    pub(super) fn on_first_patience(&mut self, c: CustRef, q: &mut EventQueue<Ev>) {
        let Some(cu) = self.customers.try_get(c) else {
            return;
        };
        let now = q.now();
        if cu.replied || now < cu.patience_at {
            return; // over once the first reply came; or an older deadline (escalation)
        }
        match cu.state {
            State::BotQueue => self.abandon_at_bot(c, now),
            State::Waiting => {
                if self.keeps_message(c) {
                    self.customers.get_mut(c).state = State::Ghost;
                    self.abandoned(c, q, false);
                    self.left_owing(c, q);
                } else if self.customers.get(c).silent {
                    let cu = self.customers.get_mut(c);
                    cu.state = State::Ghost;
                    cu.gone = Gone::Silent;
                    self.round_dropped(c);
                    self.abandoned(c, q, true);
                } else {
                    self.leave_line(c, now);
                    self.round_dropped(c);
                    self.abandoned(c, q, true);
                    self.leave(c, now);
                }
            }
            State::Chat if cu.gone == Gone::No => {
                let keep = self.keeps_message(c);
                if !keep {
                    self.round_dropped(c);
                }
                self.abandoned(c, q, !keep);
                self.customer_leaves_chat(c, q, keep);
            }
            _ => {}
        }
    }

    /// The platform closes a left customer's chat that nobody answered.
    pub(super) fn on_close(&mut self, c: CustRef, q: &mut EventQueue<Ev>) {
        let Some(cu) = self.customers.try_get(c) else {
            return;
        };
        let pending = cu.msgs_sent == 0 || cu.msgs_sent > cu.replies;
        if cu.gone == Gone::No || !pending {
            return;
        }
        let now = q.now();
        let (state, agent, counted) = (cu.state, cu.agent, cu.counted);
        match state {
            State::Ghost | State::Waiting => {
                self.leave_line(c, now);
                self.round_dropped(c);
                self.counters.closed_unanswered += u64::from(counted);
                self.leave(c, now);
            }
            State::Chat => {
                if self.agents[agent as usize].composing == Some(c) {
                    return; // the reply is on its way
                }
                self.in_inboxes -=
                    super::messages::remove_from_inbox(&mut self.agents[agent as usize].inbox, c);
                self.round_dropped(c);
                self.counters.closed_unanswered += u64::from(counted);
                self.release(c, q);
            }
            _ => {}
        }
    }

    /// A customer comes back: a new attempt, not a new customer (`arrived` counts people).
    pub(super) fn on_retrial(&mut self, c: CustRef, q: &mut EventQueue<Ev>) {
        if self.customers.try_get(c).is_some() {
            self.start_attempt(c, q);
        }
    }

    /// The customer leaves the system for good; its record is recycled.
    pub(super) fn leave(&mut self, c: CustRef, now: SimTime) {
        let cu = self.customers.get(c);
        if cu.left_message && !cu.replied {
            self.messages_pending -= 1;
        }
        self.queued_messages -= i64::from(cu.queued_message);
        if cu.counted {
            self.counted_present -= 1;
            if cu.replied
                && let Some(s) = self.sc.satisfaction.as_ref()
            {
                // rated by the time to the first answer; a 您好 alone is not one
                let first = (cu.answered_at != SimTime::NEVER)
                    .then(|| (cu.answered_at - cu.first_arrived).as_secs_f64());
                let p = s.probability(cu.class, first);
                self.counters.rated += 1;
                self.counters.satisfied += p;
                let k = self.interval_of(cu.first_arrived);
                if let Some(row) = self.intervals.get_mut(k) {
                    row.counts.rated += 1;
                    row.counts.satisfied += p;
                }
            }
            if cu.served && cu.class == Class::PreSale {
                // to the first answer: a customer who got only a 您好 has none
                let first = (cu.answered_at != SimTime::NEVER)
                    .then(|| (cu.answered_at - cu.first_arrived).as_secs_f64());
                let mean_reply = (cu.replies > 0).then(|| cu.reply_sum_s / f64::from(cu.replies));
                let group = usize::from(self.agents[cu.first_agent as usize].group);
                let factor = if first.is_some() {
                    self.sc.groups[group].conversion_factor
                } else {
                    1.0 // the abandoners' floor, as for those who left before any reply
                };
                let p = self
                    .sc
                    .conversion
                    .as_ref()
                    .map(|cv| cv.probability(first, mean_reply));
                let first_arrived = cu.first_arrived;
                self.record_conversion(first_arrived, p, factor, true, Some(group));
            } else if cu.served && cu.class == Class::InSale {
                // to the first answer, as for pre-sale: a 您好 alone pays nothing
                let first = (cu.answered_at != SimTime::NEVER)
                    .then(|| (cu.answered_at - cu.first_arrived).as_secs_f64());
                let p = self
                    .sc
                    .conversion
                    .as_ref()
                    .and_then(|cv| cv.in_sale_probability(first));
                let first_arrived = cu.first_arrived;
                self.record_in_sale(first_arrived, p);
            }
        }
        self.in_system.add(now, -1, &self.clocking);
        self.log_end(c, now);
        self.customers.remove(c);
    }
}
