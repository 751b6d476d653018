//! 催付 in a replication ([`crate::reminders`]): unpaid orders left by pre-sale customers,
//! reminders taken by idle agents of the 催付 groups, and the orders they recover.

use std::cmp::Reverse;

use rand::RngExt;

use super::{Ev, Model};
use crate::engine::{EventQueue, SimTime};
use crate::reminders::{Channel, Reminders, TICK};
use crate::routing::AgentId;

/// A reminder to send: `(due, sequence, arrival interval of the customer, an inquiry)`.
pub(super) type Task = Reverse<(SimTime, u64, u32, bool)>;

impl Model<'_> {
    /// Schedules the ticks at which idle agents look for due reminders.
    pub(super) fn schedule_reminders(&mut self, q: &mut EventQueue<Ev>) {
        if let Some(r) = &self.sc.reminders
            && r.channel.takes_agent_time()
        {
            q.schedule(r.window.start, Ev::ReminderTick);
        }
    }

    /// A counted pre-sale customer's conversation ended with predicted payment `p`: it may
    /// leave an unpaid order that the store reminds.
    #[inline(never)]
    pub(super) fn maybe_unpaid_order(&mut self, p: f64, k: usize, inquiry: bool) {
        let (Some(r), Some(cv)) = (&self.sc.reminders, &self.sc.conversion) else {
            return;
        };
        let chance = Reminders::unpaid_chance(p, cv.payment_rate) * r.share;
        if self.rng_reminders.random::<f64>() >= chance {
            return;
        }
        let due = self.now + r.after;
        if due >= r.window.end {
            self.counters.reminders_expired += 1;
            return;
        }
        if r.channel == Channel::Sms {
            self.counters.reminders_sent += 1;
            self.recover(k as u32, inquiry);
            return;
        }
        self.reminder_seq += 1;
        let task = Reverse((
            due.max(r.window.start),
            self.reminder_seq,
            k as u32,
            inquiry,
        ));
        self.reminder_tasks.push(task);
    }

    /// Every [`TICK`] of the window the idle agents of the 催付 groups take due reminders;
    /// at its end the reminders not sent are dropped.
    pub(super) fn on_reminder_tick(&mut self, q: &mut EventQueue<Ev>) {
        let now = q.now();
        let r = self
            .sc
            .reminders
            .as_ref()
            .expect("ticks come with reminders");
        if now >= r.window.end {
            self.counters.reminders_expired += self.reminder_tasks.len() as u64;
            self.reminder_tasks.clear();
            return;
        }
        q.schedule((now + TICK).min(r.window.end), Ev::ReminderTick);
        for &g in &r.groups {
            let first = self.first_agent[g];
            for a in first..first + self.sc.groups[g].count {
                if self.reminder_tasks.is_empty() {
                    return;
                }
                self.maybe_remind(a, q);
            }
        }
    }

    /// Agent `a` sends the next due reminder if it sends 催付, is idle (on duty, nothing to
    /// answer, a free slot, no break due) and the window is open.
    pub(super) fn maybe_remind(&mut self, a: AgentId, q: &mut EventQueue<Ev>) {
        let Some(r) = &self.sc.reminders else {
            return;
        };
        let now = q.now();
        let agent = &self.agents[a as usize];
        let idle = agent.available()
            && agent.composing.is_none()
            && !agent.reminding
            && agent.inbox.is_empty();
        if !idle || !r.window.contains(now) || !r.groups.contains(&usize::from(agent.group)) {
            return;
        }
        match self.reminder_tasks.peek() {
            Some(Reverse((due, ..))) if *due <= now => {}
            _ => return,
        }
        let Some(Reverse((_, _, k, inquiry))) = self.reminder_tasks.pop() else {
            return;
        };
        let effort = SimTime::from_secs_f64(r.effort.as_secs_f64() / agent.speed_factor);
        let chat = r.channel == Channel::Chat;
        let agent = &mut self.agents[a as usize];
        agent.reminding = true;
        agent.token = agent.token.wrapping_add(1);
        let token = agent.token;
        self.reminder_for.insert(a, (k, inquiry));
        if chat {
            self.change_load(a, 1, now);
        }
        q.schedule(now + effort, Ev::ReminderDone { agent: a, token });
        if now >= self.sc.warmup && now < self.sc.horizon {
            self.counters.reminder_agent_s += effort.as_secs_f64();
        }
    }

    /// Agent `a` has sent its reminder: the slot frees, inbound work comes first, then the
    /// next reminder.
    pub(super) fn on_reminder_done(&mut self, a: AgentId, token: u32, q: &mut EventQueue<Ev>) {
        let now = q.now();
        let agent = &mut self.agents[a as usize];
        if !agent.reminding || agent.token != token {
            return;
        }
        agent.reminding = false;
        let (k, inquiry) = self.reminder_for.remove(&a).unwrap_or_default();
        self.counters.reminders_sent += 1;
        self.recover(k, inquiry);
        let chat = self.sc.reminders.as_ref().map(|r| r.channel) == Some(Channel::Chat);
        if chat {
            self.change_load(a, -1, now);
            self.fill(a, q);
        }
        self.start_compose_if_idle(a, q);
        self.maybe_remind(a, q);
        self.maybe_go_off_duty(a, now);
        self.maybe_start_break(a, q);
    }

    /// A reminded unpaid order pays with the plan's recovery chance: B rises for the
    /// customer of arrival interval `k`.
    fn recover(&mut self, k: u32, inquiry: bool) {
        let (Some(r), Some(cv)) = (&self.sc.reminders, &self.sc.conversion) else {
            return;
        };
        let paid = r.recovery;
        let gmv = paid * cv.average_order_value;
        let c = &mut self.counters;
        c.reminder_orders_paid += paid;
        c.reminder_gmv += gmv;
        c.expected_buyers += paid;
        c.cs_gmv += gmv;
        if inquiry {
            c.inquiry_buyers += paid;
        }
        if let Some(row) = self.intervals.get_mut(k as usize) {
            row.counts.expected_buyers += paid;
        }
    }
}
