//! Outcomes of customers: served (first reply), abandoned (maybe to retry), leaving the
//! system, and their predicted conversion.

use rand::RngExt;

use super::customers::{CustRef, Customer, Gone, State};
use super::{Ev, Model};
use crate::class::Class;
use crate::engine::{EventQueue, SimTime};
use crate::metrics;

impl Model<'_> {
    /// The attempt got its first reply (`sessions`: an agent).
    pub(super) fn served(&mut self, c: CustRef, now: SimTime) {
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
            row.counts.first_reply_30s += u64::from(first <= SimTime::from_secs(30));
            row.counts.first_reply_180s += u64::from(first <= SimTime::from_secs(180));
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
    pub(super) fn abandoned(&mut self, c: CustRef, q: &mut EventQueue<Ev>) {
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
    pub(super) fn record_conversion(&mut self, first_arrived: SimTime, p: Option<f64>) {
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
            row.counts.gmv_lost += (instant - p) * cv.average_order_value;
        }
    }

    /// Conversion of a pre-sale customer who never got a useful reply.
    pub(super) fn record_abandoned_conversion(&mut self, first_arrived: SimTime) {
        let p = self
            .sc
            .conversion
            .as_ref()
            .map(|cv| cv.probability(None, None));
        self.record_conversion(first_arrived, p);
    }

    pub(super) fn on_first_patience(&mut self, c: CustRef, q: &mut EventQueue<Ev>) {
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
    pub(super) fn on_retrial(&mut self, c: CustRef, q: &mut EventQueue<Ev>) {
        if self.customers.try_get(c).is_some() {
            self.customers.get_mut(c).response_origin = q.now();
            self.start_attempt(c, q);
        }
    }

    /// The customer leaves the system for good; its record is recycled.
    pub(super) fn leave(&mut self, c: CustRef, now: SimTime) {
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
}
