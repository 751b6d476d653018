//! The bot tier in the model: sessions up to the bot's capacity, its queue or overflow to
//! humans, resolution, leaving, and escalation (转人工) with the time already spent kept.

use rand::RngExt;

use super::customers::{CustRef, State};
use super::{Ev, Model};
use crate::bot::Overflow;
use crate::class::Class;
use crate::engine::{EventQueue, SimTime};
use crate::metrics::Hist;

impl Model<'_> {
    /// A new customer the bot takes first.
    pub(super) fn bot_arrive(&mut self, c: CustRef, q: &mut EventQueue<Ev>) {
        let bot = self.sc.bot.as_ref().expect("bot_arrive without a bot");
        let now = q.now();
        if self.customers.get(c).counted {
            self.counters.bot_touched += 1;
        }
        self.in_system.add(now, 1, &self.clocking);
        let free = bot
            .capacity
            .is_none_or(|cap| self.bot_sessions.value() < i64::from(cap));
        if free {
            self.bot_start(c, q);
            return;
        }
        match bot.overflow {
            Overflow::Human => {
                self.in_system.add(now, -1, &self.clocking);
                self.start_attempt(c, q);
            }
            Overflow::Queue => {
                let class = self.customers.get(c).class;
                let patience = self.samplers.first_reply[class.index()].sample(&mut self.rng_bot);
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

    fn bot_start(&mut self, c: CustRef, q: &mut EventQueue<Ev>) {
        let now = q.now();
        let class = self.customers.get(c).class;
        self.bot_sessions.add(now, 1, &self.clocking);
        let resolves = self.rng_bot.random::<f64>() < self.bot_resolution[class.index()];
        let t = self.samplers.bot_latency.sample(&mut self.rng_bot)
            + self.samplers.bot_session.sample(&mut self.rng_bot);
        let cu = self.customers.get_mut(c);
        cu.state = State::BotSession;
        cu.bot_resolves = resolves;
        if t == SimTime::ZERO {
            self.on_bot_done(c, q);
        } else {
            q.schedule(now + t, Ev::BotDone(c));
        }
    }

    /// The bot session ends: resolved, left, or escalated to a human.
    pub(super) fn on_bot_done(&mut self, c: CustRef, q: &mut EventQueue<Ev>) {
        let now = q.now();
        let bot = self.sc.bot.as_ref().expect("bot session without a bot");
        self.bot_sessions.add(now, -1, &self.clocking);
        let (counted, arrived, resolves, class, first_arrived) = {
            let cu = self.customers.get(c);
            (
                cu.counted,
                cu.arrived,
                cu.bot_resolves,
                cu.class,
                cu.first_arrived,
            )
        };
        if counted {
            self.histograms.record(Hist::BotTime, now - arrived);
        }
        while let Some(next) = self.bot_queue.pop_front() {
            if self
                .customers
                .try_get(next)
                .is_some_and(|x| x.state == State::BotQueue)
            {
                self.bot_start(next, q);
                break;
            }
        }
        if resolves {
            // the resolution is the customer's first useful reply
            let k = self.interval_of(first_arrived);
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
                    self.record_conversion(first_arrived, p, 1.0, false);
                }
            }
            self.leave(c, now);
        } else if self.rng_bot.random::<f64>() < bot.leave_share {
            if counted {
                self.counters.left_at_bot += 1;
            }
            self.abandon_at_bot(c, now);
        } else {
            if counted {
                self.counters.escalations += 1;
            }
            self.customers.get_mut(c).patience_factor *= bot.escalated_patience_factor as f32;
            self.in_system.add(now, -1, &self.clocking);
            self.start_attempt(c, q);
        }
    }

    /// A customer gives up at the bot (unresolved, or tired of waiting for a bot session).
    pub(super) fn abandon_at_bot(&mut self, c: CustRef, now: SimTime) {
        let cu = self.customers.get(c);
        let (counted, class, first_arrived) = (cu.counted, cu.class, cu.first_arrived);
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
        }
        self.leave(c, now);
    }
}
