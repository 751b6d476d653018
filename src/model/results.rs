//! What one replication measured: plain, serializable results built when it ends.

use super::Model;
use crate::engine::SimTime;
use crate::metrics::{Counters, GroupCounts, Histograms, IntervalCounts, seconds};

/// Everything measured in one replication.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct ReplicationResult {
    /// Replication index (0-based).
    pub index: u64,
    /// Volume multiplier drawn for this replication (forecast error).
    pub volume_factor: f64,
    /// Counts and sums over counted customers.
    pub counters: Counters,
    /// Response-time histograms (ms); V2-deflate encoded in shard files.
    #[serde(with = "crate::shard::v2")]
    pub histograms: Histograms,
    /// Time integrals over the measurement window.
    pub areas: Areas,
    /// Time integrals per agent group.
    pub groups: Vec<GroupAreas>,
    /// Per-interval series.
    pub intervals: Vec<IntervalRow>,
    /// Events handled and the most memory the engine held at once.
    pub footprint: Footprint,
    /// Simulated time when the run ended (after draining).
    pub end: SimTime,
}

/// What the engine did and held in one replication: the memory that grows with a run's
/// size is the customers and events present at once, slot and entry sizes given here.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Footprint {
    /// Events handled.
    pub events: u64,
    /// Most customer records held at once (waiting for the bot or an agent, talking, or
    /// awaiting a reply; a customer in a bot session holds none).
    pub peak_customers: u64,
    /// Bytes per customer held.
    pub customer_bytes: u64,
    /// Most events pending at once.
    pub peak_pending_events: u64,
    /// Bytes per pending event.
    pub event_bytes: u64,
    /// Most bytes the customers and the pending events held allocated at once (vectors
    /// grow by doubling, so up to about twice the peaks times the sizes).
    pub held_bytes: u64,
}

/// Level x seconds integrated over the measurement window `[warm-up, horizon)`.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Areas {
    /// Window length, seconds.
    pub window_s: f64,
    /// Customers waiting for an agent.
    pub waiting_s: f64,
    /// Customers in the system.
    pub in_system_s: f64,
    /// Agents working.
    pub working_s: f64,
    /// Open chats.
    pub chats_s: f64,
    /// Agents on duty.
    pub on_duty_s: f64,
    /// Agents on duty resting on a break.
    #[serde(default)]
    pub on_break_s: f64,
    /// Chat slots on duty (sum of caps).
    pub capacity_s: f64,
    /// Bot sessions.
    pub bot_sessions_s: f64,
    /// Bot session capacity x window (0 when unlimited or no bot).
    pub bot_capacity_s: f64,
}

/// Time integrals of one agent group over the measurement window.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct GroupAreas {
    /// Group name.
    pub name: String,
    /// Agents working x seconds.
    pub working_s: f64,
    /// Open chats x seconds.
    pub chats_s: f64,
    /// Agents on duty x seconds.
    pub on_duty_s: f64,
    /// Per series interval: agents working, open chats and agents on duty, x seconds.
    pub by_interval: Vec<[f64; 3]>,
    /// What the group did for counted customers (chats, first replies, 平响, conversion).
    #[serde(default)]
    pub counts: GroupCounts,
}

/// One row of the per-interval series.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct IntervalRow {
    /// Interval start, from the scenario start.
    pub start: SimTime,
    /// The arrival cohort's fate and the end-of-interval levels.
    pub counts: IntervalCounts,
    /// Time-average number waiting over the interval.
    pub mean_waiting: f64,
    /// 90th percentile first response of the interval's arrivals, seconds.
    pub first_response_p90_s: Option<f64>,
    /// p50, p90, p99 first response of the interval's arrivals, seconds.
    pub first_response_q_s: Option<[f64; 3]>,
    /// p50, p90, p99 per-reply response (平响's distribution) to them, seconds.
    pub reply_response_q_s: Option<[f64; 3]>,
}

impl Model<'_> {
    pub(super) fn finish(
        mut self,
        now: SimTime,
        index: u64,
        volume_factor: f64,
        footprint: Footprint,
    ) -> ReplicationResult {
        let end = now.max(self.sc.horizon);
        let c = self.clocking;
        for level in [
            &mut self.bot_sessions,
            &mut self.waiting,
            &mut self.in_system,
            &mut self.on_duty,
            &mut self.on_break,
            &mut self.capacity,
        ] {
            level.advance(end, &c);
        }
        for g in &mut self.group_levels {
            for level in g.iter_mut() {
                level.advance(end, &c);
            }
        }
        self.counters.unresolved_at_end = self.unresolved;
        let areas = Areas {
            window_s: (self.sc.horizon - self.sc.warmup).as_secs_f64(),
            waiting_s: self.waiting.area_s(),
            in_system_s: self.in_system.area_s(),
            // agents working and chats open over all groups: the groups' exact sums
            working_s: seconds(self.group_levels.iter().map(|l| l[0].area_us()).sum()),
            chats_s: seconds(self.group_levels.iter().map(|l| l[1].area_us()).sum()),
            on_duty_s: self.on_duty.area_s(),
            on_break_s: self.on_break.area_s(),
            capacity_s: self.capacity.area_s(),
            bot_sessions_s: self.bot_sessions.area_s(),
            bot_capacity_s: self
                .sc
                .bot
                .as_ref()
                .and_then(|b| b.capacity)
                .map_or(0.0, |cap| {
                    f64::from(cap) * (self.sc.horizon - self.sc.warmup).as_secs_f64()
                }),
        };
        let groups = self
            .sc
            .groups
            .iter()
            .zip(&self.group_levels)
            .zip(&self.group_counts)
            .map(|((g, l), counts)| GroupAreas {
                name: g.name.clone(),
                working_s: l[0].area_s(),
                chats_s: l[1].area_s(),
                on_duty_s: l[2].area_s(),
                by_interval: (0..l[0].interval_areas().len())
                    .map(|k| l.each_ref().map(|x| x.interval_areas()[k]))
                    .collect(),
                counts: *counts,
            })
            .collect();
        let interval_s = self.sc.interval.as_secs_f64();
        let waiting_areas = self.waiting.interval_areas().to_vec();
        let intervals = self
            .intervals
            .into_iter()
            .enumerate()
            .map(|(k, s)| {
                let start = SimTime::from_micros(k as u64 * self.sc.interval.as_micros());
                let len = (self.sc.horizon.min(start + self.sc.interval) - start)
                    .as_secs_f64()
                    .min(interval_s);
                IntervalRow {
                    start,
                    counts: s.counts,
                    mean_waiting: waiting_areas.get(k).copied().unwrap_or(0.0) / len.max(1e-9),
                    first_response_p90_s: s.first_response_quantiles_s().map(|q| q[1]),
                    first_response_q_s: s.first_response_quantiles_s(),
                    reply_response_q_s: s.reply_response_quantiles_s(),
                }
            })
            .collect();
        ReplicationResult {
            index,
            volume_factor,
            counters: self.counters,
            histograms: self.histograms.finish(),
            areas,
            groups,
            intervals,
            footprint,
            end,
        }
    }
}
