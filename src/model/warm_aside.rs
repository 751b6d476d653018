//! The live state's customers away from the agents: the bot's sessions and queue, and the
//! retrial orbit (customers who gave up and will come back). Captured from a running
//! replication and put back at a warm start, each timer drawn given the time it has run.

use rand::RngExt;

use super::customers::{Customer, State};
use super::warm::secs;
use super::{Ev, Model};
use crate::class::Class;
use crate::engine::{EventQueue, SimTime};
use crate::state::{Abandoned, BotSession, BotState, Waiting, Warm};

impl Model<'_> {
    /// The bot's sessions under way (read off their pending ends: the model keeps no
    /// record of a customer with the bot) and its queue.
    pub(super) fn capture_bot(&self, q: &EventQueue<Ev>) -> Option<BotState> {
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
                attempt: 1,
                escalated: false,
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
    pub(super) fn inject_bot(&mut self, warm: &Warm, q: &mut EventQueue<Ev>) {
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

    /// The retrial orbit: customers who gave up before a first reply and will try again.
    pub(super) fn capture_orbit(&self, now: SimTime) -> Vec<Abandoned> {
        let mut out: Vec<Abandoned> = self
            .customers
            .iter()
            .filter(|cu| cu.state == State::Orbit)
            .map(|cu| Abandoned {
                class: cu.queue_class,
                left_s: secs(now - cu.arrived),
                arrived_s: Some(secs(now - cu.first_arrived)),
                attempts: cu.attempt - 1,
                retries: Some(true),
                escalated: self.patience_origin(cu).1,
                count: 1,
            })
            .collect();
        // longest gone first, then by arrival and class: the order of the records is the
        // store's and says nothing
        out.sort_by(|a, b| {
            b.left_s
                .total_cmp(&a.left_s)
                .then(
                    b.arrived_s
                        .unwrap_or(0.0)
                        .total_cmp(&a.arrived_s.unwrap_or(0.0)),
                )
                .then(a.class.index().cmp(&b.class.index()))
                .then(a.attempts.cmp(&b.attempts))
        });
        out
    }

    /// Puts the customers who gave up in the retrial orbit, those who will come back: each
    /// known to, or drawn with the odds that one who has not come back in `e` will, `p
    /// S(e) / (1 - p + p S(e))` (`p` the retrial probability, `S` the delay's survival),
    /// and comes back after what is left of the delay given `e`.
    pub(super) fn inject_orbit(&mut self, warm: &Warm, q: &mut EventQueue<Ev>) {
        let Some(r) = self.sc.patience.retrial.as_ref() else {
            return;
        };
        let now = q.now();
        for g in &warm.abandoned {
            let e = (now - g.left).as_secs_f64();
            let retries = g.retries.unwrap_or_else(|| {
                let p = if g.attempts < r.max_attempts {
                    r.probability
                } else {
                    0.0
                };
                let back_later = p * r.delay.survival(e);
                let odds = if back_later > 0.0 {
                    back_later / (1.0 - p + back_later)
                } else {
                    0.0
                };
                self.rng_customers.random::<f64>() < odds
            });
            if !retries {
                continue;
            }
            let counted = g.arrived >= self.sc.warmup;
            let k = self.interval_of(g.arrived);
            if let Some(row) = self.intervals.get_mut(k) {
                row.counts.arrived += 1;
            }
            if counted {
                self.counters.arrived += 1;
                self.counters.by_class[g.class.index()].arrived += 1;
                self.counted_present += 1;
                self.unresolved += 1;
            }
            let mut cu = Customer::new(
                g.class,
                g.class,
                counted,
                g.arrived,
                g.attempts + 1,
                g.patience_factor,
            );
            cu.state = State::Orbit;
            cu.arrived = g.left;
            let c = self.customers.insert(cu);
            let left_s = r.delay.residual_s(e, &mut self.rng_customers);
            let back = if left_s.is_finite() {
                now + SimTime::from_secs_f64(left_s)
            } else {
                SimTime::NEVER
            };
            if back != SimTime::NEVER {
                q.schedule(back, Ev::Retrial(c));
            }
        }
    }
}
