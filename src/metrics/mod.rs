//! Streaming per-replication measurements: HdrHistograms, counters, time-weighted levels
//! and per-interval series. Nothing is kept per customer, so memory is flat in volume.

use hdrhistogram::Histogram;

use crate::engine::SimTime;

mod group;
mod level;
pub use group::GroupCounts;
pub use level::{Clocking, Level, seconds};

/// Largest value a histogram holds: 24 h in milliseconds (larger values are clamped).
pub const HIST_MAX_MS: u64 = 24 * 3600 * 1000;
/// Significant digits of the run-level histograms.
pub const HIST_SIGFIG: u8 = 3;
/// Significant digits of the per-interval histograms (kept small: one per interval).
pub const INTERVAL_SIGFIG: u8 = 2;

/// A histogram of milliseconds, 1 ms to 24 h.
pub fn new_histogram(sigfig: u8) -> Histogram<u64> {
    Histogram::new_with_bounds(1, HIST_MAX_MS, sigfig).expect("static histogram bounds")
}

/// The run-level histograms, in milliseconds.
#[derive(Clone, Debug)]
pub struct Histograms {
    /// Arrival to first reply delivered (`sessions`: to service start).
    pub first_response_ms: Histogram<u64>,
    /// Customer message to reply delivered, every reply (平响's distribution).
    pub reply_response_ms: Histogram<u64>,
    /// Queue wait of customers who got an agent.
    pub wait_served_ms: Histogram<u64>,
    /// Time to abandonment of customers who left before a first reply.
    pub wait_abandoned_ms: Histogram<u64>,
    /// Agent assignment to the end of the conversation.
    pub duration_ms: Histogram<u64>,
    /// Time customers spent with the bot (latency and session).
    pub bot_time_ms: Histogram<u64>,
}

impl Histograms {
    /// Names used in file names and JSON keys, in field order.
    pub const NAMES: [&'static str; 6] = [
        "first_response_ms",
        "reply_response_ms",
        "wait_served_ms",
        "wait_abandoned_ms",
        "duration_ms",
        "bot_time_ms",
    ];

    /// Empty histograms.
    pub fn new() -> Self {
        Histograms {
            first_response_ms: new_histogram(HIST_SIGFIG),
            reply_response_ms: new_histogram(HIST_SIGFIG),
            wait_served_ms: new_histogram(HIST_SIGFIG),
            wait_abandoned_ms: new_histogram(HIST_SIGFIG),
            duration_ms: new_histogram(HIST_SIGFIG),
            bot_time_ms: new_histogram(HIST_SIGFIG),
        }
    }

    /// The histograms in [`Histograms::NAMES`] order.
    pub fn all(&self) -> [&Histogram<u64>; 6] {
        [
            &self.first_response_ms,
            &self.reply_response_ms,
            &self.wait_served_ms,
            &self.wait_abandoned_ms,
            &self.duration_ms,
            &self.bot_time_ms,
        ]
    }

    /// Adds every count of `other` (exact, order-independent).
    pub fn add(&mut self, other: &Histograms) {
        let pairs = [
            (&mut self.first_response_ms, &other.first_response_ms),
            (&mut self.reply_response_ms, &other.reply_response_ms),
            (&mut self.wait_served_ms, &other.wait_served_ms),
            (&mut self.wait_abandoned_ms, &other.wait_abandoned_ms),
            (&mut self.duration_ms, &other.duration_ms),
            (&mut self.bot_time_ms, &other.bot_time_ms),
        ];
        for (into, from) in pairs {
            into.add(from).expect("histograms share bounds");
        }
    }
}

impl Default for Histograms {
    fn default() -> Self {
        Self::new()
    }
}

/// Which run-level histogram a [`HistogramRecorder`] record goes to.
#[derive(Clone, Copy, Debug)]
pub enum Hist {
    FirstResponse,
    ReplyResponse,
    WaitServed,
    WaitAbandoned,
    Duration,
    BotTime,
}

/// Records a 32-bit count array takes before it is folded into the 64-bit histogram (no
/// bucket can overflow before then).
const FOLD_AT: u64 = 1 << 31;

/// Sub-buckets per half bucket of HdrHistogram's layout at `sigfig` digits, as a power of
/// two: the layout has 2 x 10^digits sub-buckets, rounded up to a power of two.
const fn half_magnitude(sigfig: u8) -> u32 {
    (2 * 10u64.pow(sigfig as u32))
        .next_power_of_two()
        .trailing_zeros()
        - 1
}

/// [`half_magnitude`] of the run-level histograms.
const HALF_MAGNITUDE: u32 = half_magnitude(HIST_SIGFIG);

/// [`half_magnitude`] of the per-interval histograms.
const INTERVAL_HALF_MAGNITUDE: u32 = half_magnitude(INTERVAL_SIGFIG);

/// The run-level histograms as one replication fills them. A record adds one to a flat
/// array of 32-bit counts in HdrHistogram's bucket layout (values from 0 ms, unit 1 ms,
/// [`HIST_SIGFIG`] digits): the bucket is found with a shift and a leading-zero count,
/// where recording into a histogram checks its range, counts and extremes on every
/// value. The counts are folded into the result's 64-bit histograms at the end (or every
/// 2^31 records), one record per filled bucket at the bucket's highest value, which is
/// what iterating a histogram's recorded buckets gives: the histograms are the same as
/// recording one by one.
#[derive(Clone, Debug)]
pub struct HistogramRecorder {
    histograms: Histograms,
    counts: [Vec<u32>; 6],
    since_fold: [u64; 6],
}

impl Default for HistogramRecorder {
    fn default() -> Self {
        HistogramRecorder {
            histograms: Histograms::new(),
            counts: std::array::from_fn(|_| vec![0; bucket_of::<HALF_MAGNITUDE>(HIST_MAX_MS) + 1]),
            since_fold: [0; 6],
        }
    }
}

/// The bucket of `ms` (at most [`HIST_MAX_MS`]) in HdrHistogram's layout with `2^HALF`
/// sub-buckets per half bucket; buckets keep the values' order.
#[inline]
fn bucket_of<const HALF: u32>(ms: u64) -> usize {
    let sub_mask = (1u64 << (HALF + 1)) - 1;
    // which power-of-two range, 0 for values below the sub-bucket count
    let range = (64 - HALF - 1) - (ms | sub_mask).leading_zeros();
    let sub = ms >> range;
    (((range + 1) as usize) << HALF) + sub as usize - (1 << HALF)
}

/// The lowest and highest values in bucket `i` (the inverse of [`bucket_of`] up to
/// equivalence).
fn bucket_values<const HALF: u32>(i: usize) -> (u64, u64) {
    let half = 1usize << HALF;
    let (range, sub) = if i < 2 * half {
        (0, i)
    } else {
        ((i >> HALF) - 1, (i & (half - 1)) + half)
    };
    ((sub as u64) << range, (((sub as u64) + 1) << range) - 1)
}

impl HistogramRecorder {
    /// Records `t` in milliseconds in histogram `which`, clamped to the histograms' range.
    #[inline]
    pub fn record(&mut self, which: Hist, t: SimTime) {
        let i = which as usize;
        self.counts[i][bucket_of::<HALF_MAGNITUDE>(t.as_millis().min(HIST_MAX_MS))] += 1;
        self.since_fold[i] += 1;
        if self.since_fold[i] == FOLD_AT {
            self.fold(i);
        }
    }

    /// Adds histogram `i`'s 32-bit counts to its 64-bit histogram and clears them.
    fn fold(&mut self, i: usize) {
        let into = match i {
            0 => &mut self.histograms.first_response_ms,
            1 => &mut self.histograms.reply_response_ms,
            2 => &mut self.histograms.wait_served_ms,
            3 => &mut self.histograms.wait_abandoned_ms,
            4 => &mut self.histograms.duration_ms,
            _ => &mut self.histograms.bot_time_ms,
        };
        for (bucket, n) in self.counts[i].iter_mut().enumerate() {
            if *n > 0 {
                into.saturating_record_n(bucket_values::<HALF_MAGNITUDE>(bucket).1, u64::from(*n));
                *n = 0;
            }
        }
        self.since_fold[i] = 0;
    }

    /// The histograms with every record in.
    pub fn finish(mut self) -> Histograms {
        for i in 0..self.counts.len() {
            self.fold(i);
        }
        self.histograms
    }
}

/// Records `t` in milliseconds, clamped to the histogram's range.
#[inline]
pub fn record(h: &mut Histogram<u64>, t: SimTime) {
    h.saturating_record(t.as_millis().min(HIST_MAX_MS));
}

/// The per-interval histograms: HdrHistogram's buckets at [`INTERVAL_SIGFIG`] digits, kept
/// sparsely (only buckets that were recorded, 16 bytes each) instead of as a dense array
/// of every bucket (about 21 KB), so a long horizon's thousands of quiet intervals stay
/// small. An interval that fills more than [`IntervalHistogram::DENSE_AT`] buckets turns
/// into the dense array of counts (about the memory its sparse bins take by then, and a
/// record costs an index instead of a search). Quantiles are exactly those of a dense
/// HdrHistogram holding the same records, in either form.
#[derive(Clone, Debug, Default)]
pub struct IntervalHistogram {
    /// `(bucket, count)`, by bucket; empty once dense.
    bins: Vec<(u32, u64)>,
    /// The count of every bucket, once the interval has filled more than `DENSE_AT`.
    dense: Option<Box<[u64]>>,
    total: u64,
}

impl IntervalHistogram {
    /// Buckets filled before the histogram turns dense (4 KB of sparse bins).
    pub const DENSE_AT: usize = 256;

    /// Records `t` in milliseconds, clamped to the histogram's range.
    #[inline]
    pub fn record(&mut self, t: SimTime) {
        self.total += 1;
        let bucket = bucket_of::<INTERVAL_HALF_MAGNITUDE>(t.as_millis().min(HIST_MAX_MS));
        if let Some(d) = self.dense.as_mut() {
            d[bucket] += 1;
            return;
        }
        match self.bins.binary_search_by_key(&(bucket as u32), |b| b.0) {
            Ok(i) => self.bins[i].1 += 1,
            Err(i) => {
                self.bins.insert(i, (bucket as u32, 1));
                if self.bins.len() > Self::DENSE_AT {
                    let mut d = vec![0; bucket_of::<INTERVAL_HALF_MAGNITUDE>(HIST_MAX_MS) + 1];
                    for (bucket, count) in self.bins.drain(..) {
                        d[bucket as usize] += count;
                    }
                    self.bins = Vec::new();
                    self.dense = Some(d.into_boxed_slice());
                }
            }
        }
    }

    /// True when nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// The value at `quantile` (0..=1), as HdrHistogram's `value_at_quantile` gives it:
    /// the highest value equivalent to the bucket where the cumulative count first
    /// reaches `ceil(quantile x total)` (at least 1); the lowest for quantile 0.
    pub fn value_at_quantile(&self, quantile: f64) -> u64 {
        let quantile = quantile.min(1.0);
        let wanted = ((quantile * self.total as f64).ceil() as u64).max(1);
        let at = |bucket: usize| {
            let (lowest, highest) = bucket_values::<INTERVAL_HALF_MAGNITUDE>(bucket);
            if quantile == 0.0 { lowest } else { highest }
        };
        let mut seen = 0;
        match &self.dense {
            Some(d) => {
                for (bucket, &count) in d.iter().enumerate() {
                    seen += count;
                    if seen >= wanted {
                        return at(bucket);
                    }
                }
            }
            None => {
                for &(bucket, count) in &self.bins {
                    seen += count;
                    if seen >= wanted {
                        return at(bucket as usize);
                    }
                }
            }
        }
        0
    }
}

/// Counts and sums over counted customers (those arriving after the warm-up).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Counters {
    /// Customers who arrived (first attempts).
    pub arrived: u64,
    /// Customers who got their first human reply while still there (`sessions`: an agent).
    pub served: u64,
    /// Customers who left before their first reply (human, a 您好 included, or bot), the bot's
    /// leavers and busy-blocked arrivals included; some still get a reply later.
    pub abandoned: u64,
    /// Customers who reached a human: the agents' queue or an agent, directly or escalated
    /// from the bot (回复率's denominator).
    pub received: u64,
    /// Customers who left before the first reply and got it later (a kept inbox).
    pub replied_after_leaving: u64,
    /// Customers with a first human reply at any time (served + replied after leaving).
    pub first_replies: u64,
    /// Customers received whose first response is not scored (`[scoring]`).
    #[serde(default)]
    pub first_response_left_out: u64,
    /// Of those, customers with a first human reply.
    #[serde(default)]
    pub first_replies_left_out: u64,
    /// Sum of first responses measured from the first arrival (bot time included), s.
    pub first_response_from_arrival_sum_s: f64,
    /// Arrivals turned away with a busy reply by a full waiting line.
    pub blocked: u64,
    /// Arrivals turned into 留言 by a full waiting line.
    pub overflow_messages: u64,
    /// 留言 in all: nobody with the skill on duty, or a full line (kept inbox only).
    pub messages_left: u64,
    /// 留言 that got a human reply.
    pub messages_answered: u64,
    /// Sum of arrival-to-reply times of answered 留言, seconds.
    pub message_response_sum_s: f64,
    /// Chats the platform closed with a left customer's message unanswered.
    pub closed_unanswered: u64,
    /// Leavers who withdrew their chat (nothing owed).
    pub withdrawn: u64,
    /// Scored customer messages whose reply came within 30 s (per-round share).
    pub rounds_within_30s: u64,
    /// Scored customer messages whose reply came within 3 min (per-round share).
    pub rounds_within_180s: u64,
    /// Scored customer messages of human-received customers never answered.
    pub rounds_unanswered: u64,
    /// Attempts that found no free agent (W > 0).
    pub waited: u64,
    /// Attempts in all (first attempts plus retrials).
    pub attempts: u64,
    /// Retrial attempts.
    pub retrials: u64,
    /// Served attempts with queue wait <= the service-level threshold.
    pub served_within_sl: u64,
    /// Abandoned attempts with time to abandon <= the threshold.
    pub abandoned_within_sl: u64,
    /// Customers whose first human reply came within 30 s of reaching a human.
    pub first_reply_30s: u64,
    /// Customers whose first human reply came within 3 min of reaching a human.
    pub first_reply_180s: u64,
    /// Customer messages sent.
    pub customer_messages: u64,
    /// Agent messages delivered (replies, some in two messages).
    pub agent_messages: u64,
    /// Replies delivered that 平响 scores (all of them unless `[scoring] hours` is set).
    pub replies: u64,
    /// Customers who left after a first reply, before the conversation ended.
    pub left_mid_conversation: u64,
    /// Arrivals when no on-duty agent had their class's skill (留言).
    pub outside_hours: u64,
    /// Conversations handed from a pre-sale agent to the after-sale queue.
    pub handovers: u64,
    /// Customers still unresolved when the run ran out of events (should be 0).
    pub unresolved_at_end: u64,
    /// Sum of queue waits of served attempts, seconds.
    pub wait_served_sum_s: f64,
    /// Sum of times to abandon, seconds.
    pub wait_abandoned_sum_s: f64,
    /// Sum of first responses, seconds.
    pub first_response_sum_s: f64,
    /// Sum of scored per-reply response times (capped by `[scoring] round_cap_s`), s.
    pub reply_response_sum_s: f64,
    /// Sum of conversation durations, seconds.
    pub duration_sum_s: f64,
    /// Conversations that ended (for the duration mean).
    pub conversations_ended: u64,
    /// The same basics by the question's class ([`crate::class::Class::index`]).
    pub by_class: [ClassCounters; 3],
    /// Customers the bot took first.
    pub bot_touched: u64,
    /// Customers the bot resolved (deflected from the agents).
    pub deflected: u64,
    /// Customers the bot passed to a human (转人工).
    pub escalations: u64,
    /// Customers who left at the bot unresolved (also counted in `abandoned`).
    pub left_at_bot: u64,
    /// Customers who gave up at the bot, unresolved or waiting for a bot session (also in
    /// `abandoned`; they made no attempt at the agents).
    pub abandoned_at_bot: u64,
    /// Pre-sale customers whose conversion was predicted.
    pub pre_sale_customers: u64,
    /// Expected buyers among them.
    pub expected_buyers: f64,
    /// Pre-sale customers who reached a human (询单), whose conversion was predicted.
    pub inquiry_customers: u64,
    /// Expected buyers among them.
    pub inquiry_buyers: f64,
    /// Expected buyers had every one been answered instantly.
    pub instant_buyers: f64,
    /// Of them, among inquiries (customers received by a human).
    #[serde(default)]
    pub inquiry_instant_buyers: f64,
    /// CS-assisted GMV = expected buyers x average order value.
    pub cs_gmv: f64,
    /// GMV lost against instant service.
    pub gmv_lost: f64,
    /// In-sale customers whose order's payment was predicted (`[conversion.in_sale]`).
    #[serde(default)]
    pub in_sale_customers: u64,
    /// Their expected paid orders.
    #[serde(default)]
    pub in_sale_paid: f64,
    /// Their expected paid orders had every one been answered instantly.
    #[serde(default)]
    pub in_sale_instant_paid: f64,
    /// In-sale GMV lost against instant service: (instant - paid) x order value.
    #[serde(default)]
    pub in_sale_gmv_lost: f64,
    /// Customers who got a human reply and rate the conversation (`[satisfaction]`).
    #[serde(default)]
    pub rated: u64,
    /// Their expected satisfied ratings.
    #[serde(default)]
    pub satisfied: f64,
    /// 催付 reminders sent ([`crate::reminders`]).
    #[serde(default)]
    pub reminders_sent: u64,
    /// Unpaid orders due a reminder that none was sent for before the window closed.
    #[serde(default)]
    pub reminders_expired: u64,
    /// Expected orders paid after a reminder.
    #[serde(default)]
    pub reminder_orders_paid: f64,
    /// Their GMV, currency units.
    #[serde(default)]
    pub reminder_gmv: f64,
    /// Agent time spent sending reminders, s.
    #[serde(default)]
    pub reminder_agent_s: f64,
    /// Breaks started in the window ([`crate::breaks`]).
    #[serde(default)]
    pub breaks_taken: u64,
    /// Sum over them of the time from due to start (finishing the chats held), s.
    #[serde(default)]
    pub break_finish_chats_s: f64,
    /// Agent disconnects (network).
    pub disconnects: u64,
    /// Chats moved to other agents after an outage.
    pub reassigned: u64,
}

/// Per-class counts over counted customers, by the class of their question.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ClassCounters {
    /// Customers who arrived.
    pub arrived: u64,
    /// Customers served (first human reply while there).
    pub served: u64,
    /// Customers who left before the first reply.
    pub abandoned: u64,
    /// Customers who reached a human.
    pub received: u64,
    /// Of those, customers with a human reply at any time.
    pub replied: u64,
    /// Of those, customers whose first response is not scored (`[scoring]`).
    #[serde(default)]
    pub first_replies_left_out: u64,
    /// Customers the bot resolved.
    pub deflected: u64,
    /// Sum of first responses of customers with a first human reply, seconds.
    pub first_response_sum_s: f64,
    /// Sum of queue waits over all attempts (time to abandon for abandoners), seconds.
    pub wait_sum_s: f64,
    /// Attempts.
    pub attempts: u64,
}

/// What the series records per interval: the arrival cohort's fate and end-of-interval levels.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct IntervalCounts {
    /// Customers (first attempts) who arrived in the interval, counted or not.
    pub arrived: u64,
    /// Of those, how many got their first human reply while there.
    pub served: u64,
    /// Of those, how many left before their first useful reply.
    pub abandoned: u64,
    /// Of those, how many reached a human.
    pub received: u64,
    /// Of those, how many got a human reply at any time.
    pub replied: u64,
    /// Of those received, how many are not scored in the first-response KPIs.
    #[serde(default)]
    pub first_response_left_out: u64,
    /// Agents on duty (or finishing chats after their shift) at the interval's end.
    pub agents_on_duty: i64,
    /// Of those, agents resting on a break.
    #[serde(default)]
    pub agents_on_break: i64,
    /// Customers in the system at the interval's end.
    pub in_system: i64,
    /// Customers waiting for an agent at the interval's end.
    pub waiting: i64,
    /// Of the arrivals, how many the bot resolved.
    pub deflected: u64,
    /// Of the arrivals, pre-sale customers whose conversion was predicted.
    pub pre_sale: u64,
    /// Their expected buyers.
    pub expected_buyers: f64,
    /// Agent replies to the arrivals (`messages` model).
    pub replies: u64,
    /// Sum of those replies' response times, seconds (平响 = sum / replies).
    pub reply_response_sum_s: f64,
    /// Of the arrivals, first human replies within 30 s of reaching a human.
    pub first_reply_30s: u64,
    /// Of the arrivals, first human replies within 3 min of reaching a human.
    pub first_reply_180s: u64,
    /// 留言 not yet answered at the interval's end.
    pub messages_pending: i64,
    /// Of the arrivals, scored first human replies by class ([`crate::class::Class::index`]).
    pub replied_by_class: [u64; 3],
    /// Sum of their first responses (from reaching a human) by class, seconds.
    pub first_response_sum_s_by_class: [f64; 3],
    /// Customers whose latest message awaits a reply at the interval's end, wherever it
    /// is: in the line, in the 留言 list, or in an agent's inbox (未回复; the chat queue).
    pub unanswered: i64,
    /// GMV lost against instant service on the pre-sale arrivals.
    pub gmv_lost: f64,
    /// In-sale GMV lost against instant service on the in-sale arrivals.
    #[serde(default)]
    pub in_sale_gmv_lost: f64,
    /// In-sale arrivals whose payment was predicted.
    #[serde(default)]
    pub in_sale: u64,
    /// Arrivals who got a human reply and rate the conversation.
    #[serde(default)]
    pub rated: u64,
    /// Their expected satisfied ratings.
    #[serde(default)]
    pub satisfied: f64,
}

/// The per-interval accumulator of a running replication.
#[derive(Clone, Debug, Default)]
pub struct IntervalStats {
    /// Counts and levels.
    pub counts: IntervalCounts,
    /// First responses of the interval's arrivals, ms.
    pub first_response_ms: IntervalHistogram,
    /// Per-reply responses to the interval's arrivals, ms.
    pub reply_response_ms: IntervalHistogram,
}

/// Quantiles kept per interval: p50, p90, p99.
pub const INTERVAL_QUANTILES: [f64; 3] = [0.5, 0.9, 0.99];

/// `INTERVAL_QUANTILES` of a histogram in seconds, if anything was recorded.
fn quantiles_s(h: &IntervalHistogram) -> Option<[f64; 3]> {
    (!h.is_empty()).then(|| INTERVAL_QUANTILES.map(|q| h.value_at_quantile(q) as f64 / 1e3))
}

impl IntervalStats {
    /// Records a first response of one of the interval's arrivals.
    pub fn record_first_response(&mut self, t: SimTime) {
        self.first_response_ms.record(t);
    }

    /// Records a per-reply response to one of the interval's arrivals.
    pub fn record_reply_response(&mut self, t: SimTime) {
        self.reply_response_ms.record(t);
    }

    /// p50, p90, p99 first response in seconds, if any was recorded.
    pub fn first_response_quantiles_s(&self) -> Option<[f64; 3]> {
        quantiles_s(&self.first_response_ms)
    }

    /// p50, p90, p99 per-reply response in seconds, if any was recorded.
    pub fn reply_response_quantiles_s(&self) -> Option<[f64; 3]> {
        quantiles_s(&self.reply_response_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_follow_the_hdr_layout() {
        // every value up to 5,000 ms, then both sides of every power of two and a stride
        let h = new_histogram(HIST_SIGFIG);
        let mut values: Vec<u64> = (0..5_000)
            .chain((1..27).flat_map(|b| [(1u64 << b) - 1, 1 << b, (1 << b) + 1]))
            .chain((5_000..HIST_MAX_MS).step_by(9_973))
            .chain([HIST_MAX_MS])
            .filter(|v| *v <= HIST_MAX_MS)
            .collect();
        values.sort_unstable();
        let interval = new_histogram(INTERVAL_SIGFIG);
        let (mut last, mut last_interval) = (0, 0);
        for v in values {
            let b = bucket_of::<HALF_MAGNITUDE>(v);
            let range = (h.lowest_equivalent(v), h.highest_equivalent(v));
            assert_eq!(bucket_values::<HALF_MAGNITUDE>(b), range, "{v} ms");
            assert!(b >= last, "buckets keep the values' order at {v} ms");
            last = b;
            let b = bucket_of::<INTERVAL_HALF_MAGNITUDE>(v);
            let range = (
                interval.lowest_equivalent(v),
                interval.highest_equivalent(v),
            );
            assert_eq!(bucket_values::<INTERVAL_HALF_MAGNITUDE>(b), range, "{v} ms");
            assert!(
                b >= last_interval,
                "interval buckets keep the order at {v} ms"
            );
            last_interval = b;
        }
    }

    #[test]
    fn recorded_counts_give_the_histograms_of_records_one_by_one() {
        // values from 0 ms to past the clamp
        for n in [0u64, 1, 511, 512, 513, 20_000] {
            let mut batched = HistogramRecorder::default();
            let mut direct = Histograms::new();
            for k in 0..n {
                let t = SimTime::from_micros((k * 7_919_003) % (HIST_MAX_MS * 1_300));
                batched.record(Hist::FirstResponse, t);
                record(&mut direct.first_response_ms, t);
                if k % 3 == 0 {
                    batched.record(Hist::BotTime, t);
                    record(&mut direct.bot_time_ms, t);
                }
            }
            let batched = batched.finish();
            for (name, (a, b)) in Histograms::NAMES
                .iter()
                .zip(batched.all().into_iter().zip(direct.all()))
            {
                assert_eq!(a.len(), b.len(), "{name}, n {n}");
                assert_eq!(
                    a.iter_recorded()
                        .map(|v| (v.value_iterated_to(), v.count_at_value()))
                        .collect::<Vec<_>>(),
                    b.iter_recorded()
                        .map(|v| (v.value_iterated_to(), v.count_at_value()))
                        .collect::<Vec<_>>(),
                    "{name}, n {n}"
                );
                assert_eq!(a.max(), b.max(), "{name}, n {n}");
                assert!(a == b, "{name}, n {n}");
            }
        }
    }

    #[test]
    fn interval_histograms_give_the_dense_histograms_quantiles() {
        // a pseudo-random mix of small, large and clamped values, in several sizes
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        for n in [1usize, 2, 3, 10, 99, 1000, 20_000] {
            let (mut sparse, mut dense) =
                (IntervalHistogram::default(), new_histogram(INTERVAL_SIGFIG));
            for _ in 0..n {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let ms = match x % 4 {
                    0 => x % 100,
                    1 => x % 100_000,
                    2 => x % (HIST_MAX_MS * 2),
                    _ => 1000 + x % 50,
                };
                let t = SimTime::from_micros(ms * 1000 + x % 1000);
                sparse.record(t);
                record(&mut dense, t);
            }
            for q in [0.0, 0.001, 0.25, 0.5, 0.9, 0.99, 0.999, 1.0] {
                assert_eq!(
                    sparse.value_at_quantile(q),
                    dense.value_at_quantile(q),
                    "n {n}, q {q}"
                );
            }
        }
    }
}
