//! The bot tier in the model: sessions up to the bot's capacity, its queue or overflow to
//! humans, resolution, leaving, and escalation (转人工) with the time already spent kept.
//!
//! A customer in a bot session has no customer record: what the session's end needs
//! travels in its event ([`Visit`]), and a record is made only if the customer goes on to
//! the agents (or waits for a bot session). At platform scale the bot resolves most
//! inquiries, so most never touch a record, and the records held at once are only the
//! humans' customers.

use rand::RngExt;

use super::customers::{CustRef, Customer, State};
use super::{Ev, Model};
use crate::bot::Overflow;
use crate::class::Class;
use crate::engine::{EventQueue, SimTime};
use crate::metrics::Hist;

/// A first attempt as far as the bot needs it: all a customer record holds until the
/// customer reaches the agents.
#[derive(Clone, Copy, Debug)]
pub(super) struct Visit {
    pub arrived: SimTime,
    /// The question's real class.
    pub class: Class,
    /// The queue it is routed by, drawn on arrival.
    pub queue_class: Class,
    /// Arrived after the warm-up.
    pub counted: bool,
}

impl Visit {
    /// The record of this first attempt, as made on arrival.
    pub fn customer(&self) -> Customer {
        Customer::new(
            self.class,
            self.queue_class,
            self.counted,
            self.arrived,
            1,
            1.0,
        )
    }
}

impl Model<'_> {
    /// A customer of `class` arriving at `at`: the queue it is routed by (an after-sale
    /// question may be routed to pre-sale, to be handed over), and its arrival counted.
    pub(super) fn new_visit(&mut self, class: Class, at: SimTime) -> Visit {
        let queue_class = match &self.sc.routing.handover {
            Some(h)
                if class == Class::AfterSale && self.rng_customers.random::<f64>() < h.share =>
            {
                Class::PreSale
            }
            _ if class == Class::AfterSale => Class::AfterSale,
            _ => class,
        };
        let counted = at >= self.sc.warmup;
        let interval = self.interval_of(at);
        if let Some(row) = self.intervals.get_mut(interval) {
            row.counts.arrived += 1;
        }
        if counted {
            self.counters.arrived += 1;
            self.counters.by_class[class.index()].arrived += 1;
            self.counted_present += 1;
            self.unresolved += 1;
        }
        Visit {
            arrived: at,
            class,
            queue_class,
            counted,
        }
    }

    /// A new customer the bot takes first.
    pub(super) fn bot_arrive(&mut self, visit: Visit, q: &mut EventQueue<Ev>) {
        let bot = self.sc.bot.as_ref().expect("bot_arrive without a bot");
        let now = q.now();
        if visit.counted {
            self.counters.bot_touched += 1;
        }
        self.in_system.add(now, 1, &self.clocking);
        let free = bot
            .capacity
            .is_none_or(|cap| self.bot_sessions.value() < i64::from(cap));
        if free {
            self.bot_start(visit, q);
            return;
        }
        let c = self.customers.insert(visit.customer());
        match bot.overflow {
            Overflow::Human => {
                self.in_system.add(now, -1, &self.clocking);
                self.start_attempt(c, q);
            }
            Overflow::Queue => {
                let patience =
                    self.samplers.first_reply[visit.class.index()].sample(&mut self.rng_bot);
                let cu = self.customers.get_mut(c);
                cu.state = State::BotQueue;
                cu.patience_at = now + patience;
                if patience != SimTime::NEVER {
                    q.schedule(now + patience, Ev::FirstPatience(c));
                }
                self.bot_queue.push_back(c);
            }
        }
    }

    fn bot_start(&mut self, visit: Visit, q: &mut EventQueue<Ev>) {
        let now = q.now();
        self.bot_sessions.add(now, 1, &self.clocking);
        let resolves = self.rng_bot.random::<f64>() < self.bot_resolution[visit.class.index()];
        let t = self.samplers.bot_latency.sample(&mut self.rng_bot)
            + self.samplers.bot_session.sample(&mut self.rng_bot);
        if t == SimTime::ZERO {
            self.on_bot_done(visit, resolves, q);
        } else {
            let Visit {
                arrived,
                class,
                queue_class,
                counted,
            } = visit;
            let done = Ev::BotDone {
                arrived,
                class,
                queue_class,
                counted,
                resolves,
                queued_s: ((now - arrived).as_micros().saturating_add(500_000) / 1_000_000)
                    .min(u64::from(u16::MAX)) as u16,
            };
            q.schedule(now + t, done);
        }
    }

    /// The bot session ends: resolved, left, or escalated to a human.
    pub(super) fn on_bot_done(&mut self, visit: Visit, resolves: bool, q: &mut EventQueue<Ev>) {
        let now = q.now();
        let bot = self.sc.bot.as_ref().expect("bot session without a bot");
        self.bot_sessions.add(now, -1, &self.clocking);
        let Visit {
            arrived,
            class,
            counted,
            ..
        } = visit;
        if counted {
            self.histograms.record(Hist::BotTime, now - arrived);
        }
        while let Some(next) = self.bot_queue.pop_front() {
            if let Some(cu) = self.customers.try_get(next)
                && cu.state == State::BotQueue
            {
                // its record goes; a patience event still pending for it is now stale
                let queued = Visit {
                    arrived: cu.first_arrived,
                    class: cu.class,
                    queue_class: cu.queue_class,
                    counted: cu.counted,
                };
                self.customers.remove(next);
                self.bot_start(queued, q);
                break;
            }
        }
        if resolves {
            // the resolution is the customer's first useful reply
            let k = self.interval_of(arrived);
            // bot-only customers are out of the human KPIs (回复率, 首响, the 3-minute share)
            if let Some(row) = self.intervals.get_mut(k) {
                row.counts.deflected += 1;
            }
            if counted {
                self.counters.deflected += 1;
                self.counters.by_class[class.index()].deflected += 1;
                self.unresolved -= 1;
                if class == Class::PreSale {
                    let p = self
                        .sc
                        .conversion
                        .as_ref()
                        .map(|cv| cv.bot_resolved_probability());
                    self.record_conversion(arrived, p, 1.0, false, None);
                }
                if class == Class::InSale {
                    let p = self
                        .sc
                        .conversion
                        .as_ref()
                        .and_then(|cv| cv.in_sale_bot_probability());
                    self.record_in_sale(arrived, p);
                }
            }
            self.log_bot_only(&visit, crate::convlog::BotOutcome::Resolved, now);
            self.leave_bot(counted, now);
        } else if self.rng_bot.random::<f64>() < bot.leave_share {
            if counted {
                self.counters.left_at_bot += 1;
            }
            self.bot_abandoned(class, counted, arrived);
            self.log_bot_only(&visit, crate::convlog::BotOutcome::Abandoned, now);
            self.leave_bot(counted, now);
        } else {
            if counted {
                self.counters.escalations += 1;
            }
            let mut cu = visit.customer();
            cu.patience_factor *= bot.escalated_patience_factor as f32;
            let c = self.customers.insert(cu);
            self.in_system.add(now, -1, &self.clocking);
            self.start_attempt(c, q);
        }
    }

    /// A customer waiting for a bot session gives up.
    pub(super) fn abandon_at_bot(&mut self, c: CustRef, now: SimTime) {
        let cu = self.customers.get(c);
        let (counted, class, first_arrived) = (cu.counted, cu.class, cu.first_arrived);
        let visit = Visit {
            arrived: first_arrived,
            class,
            queue_class: cu.queue_class,
            counted,
        };
        self.log_bot_only(&visit, crate::convlog::BotOutcome::Abandoned, now);
        self.bot_abandoned(class, counted, first_arrived);
        self.leave(c, now);
    }

    /// A customer gives up at the bot (unresolved, or tired of waiting for a bot session).
    fn bot_abandoned(&mut self, class: Class, counted: bool, first_arrived: SimTime) {
        let k = self.interval_of(first_arrived);
        if let Some(row) = self.intervals.get_mut(k) {
            row.counts.abandoned += 1;
        }
        if counted {
            self.counters.abandoned += 1;
            self.counters.abandoned_at_bot += 1;
            self.counters.by_class[class.index()].abandoned += 1;
            self.unresolved -= 1;
            if class == Class::PreSale {
                self.record_abandoned_conversion(first_arrived, false);
            }
            if class == Class::InSale {
                let p = self
                    .sc
                    .conversion
                    .as_ref()
                    .and_then(|cv| cv.in_sale_probability(None));
                self.record_in_sale(first_arrived, p);
            }
        }
    }

    /// A customer without a record leaves the system from the bot ([`Model::leave`] for
    /// one who never reached a human).
    fn leave_bot(&mut self, counted: bool, now: SimTime) {
        if counted {
            self.counted_present -= 1;
        }
        self.in_system.add(now, -1, &self.clocking);
    }
}
