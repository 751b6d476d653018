//! What `calibrate` keeps of a log while reading it, row by row: counts and sums whose
//! size does not grow with the log (waits to a hundredth of a second, durations as log-moments),
//! so a log of tens of millions of conversations reads in bounded memory.

use std::collections::{BTreeMap, HashMap};

use crate::class::Class;
use crate::convlog::{BotOutcome, Conversation, Message, Outcome, Sender};

/// Classes and "unknown" (a log without a class column).
pub const CLASSES: usize = 4;

/// The slot of a row's class.
pub fn class_slot(c: Option<Class>) -> usize {
    c.map_or(3, Class::index)
}

/// The name of a class slot.
pub fn slot_name(i: usize) -> &'static str {
    match i {
        0..=2 => Class::ALL[i].name(),
        _ => "unknown",
    }
}

/// Moments of the logs of positive durations (a log-normal's sufficient statistics).
#[derive(Clone, Copy, Debug, Default)]
pub struct LogMoments {
    pub n: u64,
    pub sum: f64,
    pub sum_sq: f64,
}

impl LogMoments {
    /// Adds another set's moments.
    pub fn absorb(&mut self, o: &LogMoments) {
        self.n += o.n;
        self.sum += o.sum;
        self.sum_sq += o.sum_sq;
    }

    pub fn add(&mut self, x: f64) {
        if x > 0.0 && x.is_finite() {
            let l = x.ln();
            self.n += 1;
            self.sum += l;
            self.sum_sq += l * l;
        }
    }
}

/// Plain moments of counts.
#[derive(Clone, Copy, Debug, Default)]
pub struct Moments {
    pub n: u64,
    pub sum: f64,
    pub sum_sq: f64,
}

impl Moments {
    pub fn add(&mut self, x: f64) {
        self.n += 1;
        self.sum += x;
        self.sum_sq += x * x;
    }
}

/// The bot's part of the log, per class.
#[derive(Clone, Copy, Debug, Default)]
pub struct BotCounts {
    pub resolved: u64,
    pub escalated: u64,
    pub abandoned: u64,
    pub session: LogMoments,
}

/// Everything a log's fits need.
#[derive(Debug, Default)]
pub struct Collected {
    pub interval_s: f64,
    pub day_start_s: f64,
    /// Conversations by (day, interval from the day's start), by class slot; first
    /// attempts only (a customer's later conversations that day are retrials).
    pub arrivals: BTreeMap<(i64, i64), [u64; CLASSES]>,
    pub conversations: u64,
    pub retrials: u64,
    /// First attempts the bot took first, by (day, interval).
    pub bot_touched: BTreeMap<(i64, i64), u64>,
    /// Customers seen lately (hashes of their ids): their day and latest arrival, to tell
    /// retrials. Customers not seen for [`QUIET_S`] x 4 are forgotten, so a log in time
    /// order holds only a day's customers.
    seen: HashMap<u64, (i64, f64)>,
    latest_arrival: f64,
    /// Waits for the first human reply, by class slot: hundredths of a second to
    /// (left, answered).
    pub waits: [BTreeMap<u64, (u64, u64)>; CLASSES],
    /// Reached a human, but the log shows neither a reply nor a leave (left out of the
    /// patience fit).
    pub waits_unknown: u64,
    /// Served conversations: time from the agent taking the chat to its end, by class
    /// slot and group.
    pub handling: BTreeMap<(usize, String), LogMoments>,
    /// The same durations by class slot, binned on a log scale ([`HANDLING_BINS`] bins
    /// a factor of e): the quantiles the report's QQ plot needs, in bounded memory.
    pub handling_bins: [BTreeMap<i32, u64>; CLASSES],
    /// Silent leavers taken out of the handling above, by class slot (see
    /// [`super::estimate::remove_ghosts`]).
    pub ghosts_removed: [u64; CLASSES],
    /// Served conversations shorter than [`SHORT_S`], by class slot (a sign of closing
    /// customers early).
    pub short: [u64; CLASSES],
    pub served: [u64; CLASSES],
    pub abandoned: [u64; CLASSES],
    pub bot: [BotCounts; CLASSES],
    /// Bot outcomes by day (resolved, touched), per class slot: the day-to-day spread.
    pub bot_days: BTreeMap<(i64, usize), (u64, u64)>,
    pub customer_messages: [Moments; CLASSES],
    pub agent_messages: [Moments; CLASSES],
    /// Per-reply response times from the message log (an agent turn after a customer
    /// turn), all classes together.
    pub reply_times: LogMoments,
    pub message_rows: u64,
    /// First-response KPIs by (day, interval of the arrival).
    pub kpis: BTreeMap<(i64, i64), IntervalKpi>,
    /// The service level's threshold, seconds.
    pub service_level_s: f64,
    /// Agent turns with no customer turn before them (greetings, follow-ups).
    pub agent_turns_unprompted: u64,
    /// Per open conversation (hash of its id): where its turns stand.
    pending: HashMap<u64, Pending>,
    latest_message: f64,
    /// Agents' chat spans and the replies timed against their open chats.
    pub concurrency: super::concurrency::Concurrency,
}

/// Where an open conversation's turns stand in the message log.
#[derive(Clone, Copy, Debug)]
struct Pending {
    /// The oldest customer turn no agent message has answered yet.
    unanswered: Option<f64>,
    /// The latest turn of either side.
    last: f64,
    /// The first customer turn since the agent last wrote: what the agent's next composed
    /// reply answers.
    round: f64,
    /// The agent's latest message, if it came after the customer's latest turn: its place
    /// in the effort chain.
    agent_last: Option<(u64, usize)>,
}

/// One interval's first-response KPIs on one day, from the customers who reached a
/// human and whose log shows a reply or a leave (the holdout check's observations).
#[derive(Clone, Copy, Debug, Default)]
pub struct IntervalKpi {
    pub reached: u64,
    pub left: u64,
    pub replied: u64,
    pub first_sum_s: f64,
    pub first_sum_sq: f64,
    pub within_sl: u64,
}

impl IntervalKpi {
    pub fn absorb(&mut self, o: &IntervalKpi) {
        self.reached += o.reached;
        self.left += o.left;
        self.replied += o.replied;
        self.first_sum_s += o.first_sum_s;
        self.first_sum_sq += o.first_sum_sq;
        self.within_sl += o.within_sl;
    }
}

/// Bins per factor of e of [`Collected::handling_bins`] (quantiles to 0.25%).
pub const HANDLING_BINS: f64 = 400.0;

/// The `p` quantiles (ascending) of durations binned as [`Collected::handling_bins`];
/// empty without durations.
pub fn binned_quantiles(bins: &BTreeMap<i32, u64>, ps: &[f64]) -> Vec<f64> {
    let n: u64 = bins.values().sum();
    if n == 0 {
        return Vec::new();
    }
    let cum: Vec<(i32, u64)> = bins
        .iter()
        .scan(0u64, |acc, (k, c)| {
            *acc += c;
            Some((*k, *acc))
        })
        .collect();
    ps.iter()
        .map(|&p| {
            let need = (p * n as f64).ceil().max(1.0) as u64;
            let i = cum
                .partition_point(|(_, acc)| *acc < need)
                .min(cum.len() - 1);
            (f64::from(cum[i].0) / HANDLING_BINS).exp()
        })
        .collect()
}

/// A served conversation this short is flagged (seconds).
pub const SHORT_S: f64 = 10.0;

fn hash(s: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    s.hash(&mut h);
    h.finish()
}

impl Collected {
    pub fn new(interval_s: f64, day_start_s: f64) -> Self {
        Collected {
            interval_s,
            day_start_s,
            ..Collected::default()
        }
    }

    /// The wait for the first human reply, and whether the customer left then: `None` when
    /// the row never reached a human or shows neither.
    pub fn wait_of(r: &Conversation) -> Option<Result<(f64, bool), ()>> {
        let start = match (r.queued, r.bot_outcome) {
            (Some(q), _) => q,
            (None, Some(BotOutcome::Escalated)) => r.bot_end?,
            (None, Some(_)) => return None,
            (None, None) => r.arrival,
        };
        if r.outcome == Outcome::BotResolved {
            return None;
        }
        let left_first = match (r.left, r.first_reply) {
            (Some(l), Some(f)) => l < f,
            (Some(_), None) => true,
            (None, _) => r.outcome == Outcome::Abandoned && r.first_reply.is_none(),
        };
        if left_first {
            let at = r.left.or(r.end);
            return Some(at.map(|t| ((t - start).max(0.0), true)).ok_or(()));
        }
        match r.first_reply {
            Some(f) => Some(Ok(((f - start).max(0.0), false))),
            None => Some(Err(())),
        }
    }

    /// Takes one conversation.
    pub fn add(&mut self, r: &Conversation) {
        self.conversations += 1;
        let slot = class_slot(r.class);
        let day = r.day.unwrap_or(0);
        let retrial = !r.customer.is_empty() && {
            let last = self.seen.insert(hash(&r.customer), (day, r.arrival));
            self.latest_arrival = self.latest_arrival.max(r.arrival);
            if self.conversations.is_multiple_of(1 << 20) {
                let cut = self.latest_arrival - 4.0 * QUIET_S;
                self.seen.retain(|_, (_, t)| *t >= cut);
            }
            last.is_some_and(|(d, _)| d == day)
        };
        let offset = r.arrival - (day as f64 * 86_400.0 + self.day_start_s);
        let k = (offset / self.interval_s).floor() as i64;
        if retrial {
            self.retrials += 1;
        } else {
            self.arrivals.entry((day, k)).or_default()[slot] += 1;
            if r.bot_outcome.is_some() {
                *self.bot_touched.entry((day, k)).or_default() += 1;
            }
        }
        if let Some(b) = r.bot_outcome {
            let bot = &mut self.bot[slot];
            match b {
                BotOutcome::Resolved => bot.resolved += 1,
                BotOutcome::Escalated => bot.escalated += 1,
                BotOutcome::Abandoned => bot.abandoned += 1,
            }
            if let (Some(s), Some(e)) = (r.bot_start, r.bot_end) {
                bot.session.add(e - s);
            }
            let d = self.bot_days.entry((day, slot)).or_default();
            d.0 += u64::from(b == BotOutcome::Resolved);
            d.1 += 1;
        }
        match Collected::wait_of(r) {
            Some(Ok((t, left))) => {
                let kpi = self.kpis.entry((day, k)).or_default();
                kpi.reached += 1;
                if left {
                    kpi.left += 1;
                } else {
                    kpi.replied += 1;
                    kpi.first_sum_s += t;
                    kpi.first_sum_sq += t * t;
                    kpi.within_sl += u64::from(t <= self.service_level_s);
                }
                // a customer answered at once tells nothing of its patience
                if left || t > 0.0 {
                    let key = ((t * 100.0).round() as u64).max(u64::from(left));
                    let e = self.waits[slot].entry(key).or_default();
                    if left {
                        e.0 += 1;
                    } else {
                        e.1 += 1;
                    }
                }
                if left {
                    self.abandoned[slot] += 1;
                }
            }
            Some(Err(())) => self.waits_unknown += 1,
            None => {}
        }
        // every chat an agent held counts toward its open chats, whatever its outcome
        if let (Some(a), Some(e), false) = (r.assigned.or(r.first_reply), r.end, r.agent.is_empty())
        {
            self.concurrency
                .add_span(hash(&r.id), hash(&r.agent), &r.group, a, e);
        }
        if r.outcome == Outcome::Served
            && let (Some(a), Some(e)) = (r.assigned.or(r.first_reply), r.end)
        {
            self.served[slot] += 1;
            let d = e - a;
            self.handling
                .entry((slot, r.group.clone()))
                .or_default()
                .add(d);
            let bin = (d.max(1e-3).ln() * HANDLING_BINS).round() as i32;
            *self.handling_bins[slot].entry(bin).or_default() += 1;
            if d < SHORT_S {
                self.short[slot] += 1;
            }
            if let Some(n) = r.customer_messages {
                self.customer_messages[slot].add(f64::from(n));
            }
            if let Some(n) = r.agent_messages {
                self.agent_messages[slot].add(f64::from(n));
            }
        }
    }

    /// Adds what `other` collected (the same interval and day start) to this.
    pub fn absorb(&mut self, other: &Collected) {
        for (key, v) in &other.arrivals {
            let a = self.arrivals.entry(*key).or_default();
            for i in 0..CLASSES {
                a[i] += v[i];
            }
        }
        for (key, n) in &other.bot_touched {
            *self.bot_touched.entry(*key).or_default() += n;
        }
        self.conversations += other.conversations;
        self.retrials += other.retrials;
        for i in 0..CLASSES {
            for (t, (l, a)) in &other.waits[i] {
                let e = self.waits[i].entry(*t).or_default();
                e.0 += l;
                e.1 += a;
            }
            for (b, n) in &other.handling_bins[i] {
                *self.handling_bins[i].entry(*b).or_default() += n;
            }
            self.short[i] += other.short[i];
            self.served[i] += other.served[i];
            self.abandoned[i] += other.abandoned[i];
            let (b, o) = (&mut self.bot[i], &other.bot[i]);
            b.resolved += o.resolved;
            b.escalated += o.escalated;
            b.abandoned += o.abandoned;
            b.session.absorb(&o.session);
            let (m, o) = (&mut self.customer_messages[i], &other.customer_messages[i]);
            (m.n, m.sum, m.sum_sq) = (m.n + o.n, m.sum + o.sum, m.sum_sq + o.sum_sq);
            let (m, o) = (&mut self.agent_messages[i], &other.agent_messages[i]);
            (m.n, m.sum, m.sum_sq) = (m.n + o.n, m.sum + o.sum, m.sum_sq + o.sum_sq);
        }
        self.waits_unknown += other.waits_unknown;
        for (key, m) in &other.handling {
            self.handling.entry(key.clone()).or_default().absorb(m);
        }
        for (key, (r, n)) in &other.bot_days {
            let e = self.bot_days.entry(*key).or_default();
            e.0 += r;
            e.1 += n;
        }
        for (key, k) in &other.kpis {
            self.kpis.entry(*key).or_default().absorb(k);
        }
    }

    /// Takes one message turn. Each agent turn that answers customer turns gives one
    /// response time, from the oldest unanswered customer turn. Conversations quiet for
    /// [`QUIET_S`] are forgotten (a time-ordered log then holds only the conversations
    /// open at once).
    pub fn add_message(&mut self, m: &Message) {
        self.message_rows += 1;
        let key = hash(&m.conversation);
        self.latest_message = self.latest_message.max(m.time);
        let entry = self.pending.entry(key).or_insert(Pending {
            unanswered: None,
            last: m.time,
            round: f64::NAN,
            agent_last: None,
        });
        entry.last = m.time;
        match m.sender {
            Sender::Customer => {
                entry.unanswered.get_or_insert(m.time);
                if entry.agent_last.take().is_some() || entry.round.is_nan() {
                    entry.round = m.time;
                }
            }
            Sender::Agent => {
                if let Some(t) = entry.unanswered.take() {
                    self.reply_times.add(m.time - t);
                    self.concurrency.add_reply(key, m.time, m.time - t);
                } else {
                    self.agent_turns_unprompted += 1;
                }
                // the chain of composed replies: an agent message followed by another before
                // the customer writes again was not the composed answer
                if let Some(prev) = entry.agent_last {
                    self.concurrency.not_composed(prev);
                }
                let round = entry.round;
                let account = (!m.account.is_empty()).then(|| hash(&m.account));
                entry.agent_last = self.concurrency.add_turn(key, m.time, round, account);
                if entry.agent_last.is_none() {
                    entry.agent_last = Some((u64::MAX, usize::MAX));
                }
            }
        }
        if self.message_rows.is_multiple_of(100_000) {
            let cut = self.latest_message - QUIET_S;
            self.pending.retain(|_, p| p.last >= cut);
        }
    }
}

/// A conversation with no message for this long is taken as closed (seconds).
pub const QUIET_S: f64 = 6.0 * 3600.0;

#[cfg(test)]
mod tests {
    use super::*;

    /// Binned quantiles land within a bin's width (0.25%) of the exact ones.
    #[test]
    fn binned_quantiles_are_within_a_bin() {
        let mut bins = BTreeMap::new();
        let xs: Vec<f64> = (1..=1000).map(|i| f64::from(i) * 0.7).collect();
        for x in &xs {
            *bins
                .entry((x.ln() * HANDLING_BINS).round() as i32)
                .or_default() += 1;
        }
        let q = binned_quantiles(&bins, &[0.1, 0.5, 0.9]);
        for (got, want) in q.iter().zip([70.0, 350.0, 630.0]) {
            assert!((got / want - 1.0).abs() < 0.003, "{got} against {want}");
        }
        assert!(binned_quantiles(&BTreeMap::new(), &[0.5]).is_empty());
    }
}
