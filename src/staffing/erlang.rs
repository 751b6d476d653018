//! Exact stationary queueing formulas for staffing: Erlang B, Erlang C, Erlang A
//! (M/M/c+M), and a chat version for agents holding up to K chats at speed `speed[j]`.
//!
//! Erlang A and the chat version are solved as birth-death chains on the number of
//! customers in the system, truncated where the remaining mass is below 1e-15. The chat
//! chain assumes least-loaded routing keeps loads within one chat of each other (exact
//! for K = 1 and for unit speed; an approximation otherwise).

use statrs::function::gamma::checked_gamma_lr;

/// The largest offered load per chat slot (Erlangs) [`Queue::check`] accepts.
pub const MAX_LOAD: f64 = 100_000.0;
/// The largest arrivals x patience [`Queue::check`] accepts: the states the chain sums.
pub const MAX_WAITING: f64 = 1e7;

/// Chat slots (agents x chats) one evaluation may sum over: its states take 24 bytes
/// each, so the calculator stays under about 250 MB whatever it is asked.
pub const MAX_SLOTS: u64 = 10_000_000;

/// A stationary queue to evaluate.
#[derive(Clone, Debug, PartialEq)]
pub struct Queue {
    /// Arrivals per second.
    pub lambda: f64,
    /// Mean work per conversation at speed 1, seconds.
    pub handle_s: f64,
    /// Mean patience, seconds (`None`: nobody abandons, Erlang C).
    pub patience_s: Option<f64>,
    /// Chats per agent.
    pub chats: u32,
    /// `speed[j-1]`: speed of each chat while an agent holds `j` (the last holds beyond).
    pub speed: Vec<f64>,
}

/// Stationary metrics of a queue with `agents` agents.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Metrics {
    /// Agents.
    pub agents: u32,
    /// P(an arrival finds no free slot) (Erlang C probability).
    pub p_wait: f64,
    /// P(abandon) (0 without patience).
    pub p_abandon: f64,
    /// Mean wait over all arrivals (abandoners with their time to abandon), seconds.
    pub asa_s: f64,
    /// P(W <= threshold) over all arrivals (abandoners with their time to abandon).
    pub service_level: f64,
    /// Threshold of `service_level`, seconds.
    pub service_level_s: f64,
    /// Time-average number waiting.
    pub mean_queue: f64,
    /// Time-average busy slots / slots.
    pub occupancy: f64,
}

/// Erlang B: P(block) of M/M/c/c with offered load `a` Erlangs.
pub fn erlang_b(c: u32, a: f64) -> f64 {
    (1..=c).fold(1.0, |b, k| a * b / (f64::from(k) + a * b))
}

/// Erlang C: P(wait) of M/M/c with offered load `a` (1 when a >= c).
pub fn erlang_c(c: u32, a: f64) -> f64 {
    if a >= f64::from(c) {
        return 1.0;
    }
    let b = erlang_b(c, a);
    f64::from(c) * b / (f64::from(c) - a * (1.0 - b))
}

impl Queue {
    fn speed(&self, j: u32) -> f64 {
        let i = (j.max(1) - 1) as usize;
        self.speed
            .get(i)
            .or(self.speed.last())
            .copied()
            .unwrap_or(1.0)
    }

    /// Total completion rate with `n` chats in service spread evenly over `agents`.
    fn service_rate(&self, agents: u32, n: u64) -> f64 {
        let mu = 1.0 / self.handle_s;
        let c = u64::from(agents);
        let (q, r) = ((n / c) as u32, n % c);
        let even = (c - r) as f64 * f64::from(q) * self.speed(q);
        let above = r as f64 * f64::from(q + 1) * self.speed(q + 1);
        mu * (even + above)
    }

    /// Metrics with `agents` agents and a service-level threshold of `sl_s` seconds.
    ///
    /// # Panics
    /// When `agents` is 0 or the queue has no finite stationary law (no patience and an
    /// offered load at or above capacity): callers check [`Queue::stable`] first.
    pub fn metrics(&self, agents: u32, sl_s: f64) -> Metrics {
        assert!(agents > 0 && self.stable(agents), "no stationary law");
        let slots = u64::from(agents) * u64::from(self.chats);
        let theta = self.patience_s.map_or(0.0, |p| 1.0 / p);
        let full_rate = self.service_rate(agents, slots);
        // p[n] relative to p[0], in log space against overflow
        let mut logp = vec![0.0f64];
        let (mut n, mut max) = (0u64, 0.0f64);
        loop {
            let death = if n < slots {
                self.service_rate(agents, n + 1)
            } else {
                full_rate + (n + 1 - slots) as f64 * theta
            };
            let next = logp[n as usize] + self.lambda.ln() - death.ln();
            logp.push(next);
            max = max.max(next);
            n += 1;
            // past the slots and the mode, once the tail is below 1e-16 of the peak
            if n > slots && next < max - 36.8 && death > self.lambda {
                break;
            }
        }
        let p: Vec<f64> = logp.iter().map(|l| (l - max).exp()).collect();
        let total: f64 = p.iter().sum();
        let p: Vec<f64> = p.iter().map(|x| x / total).collect();
        let slots_us = slots as usize;
        let p_wait: f64 = p[slots_us..].iter().sum();
        let mean_queue: f64 = p
            .iter()
            .enumerate()
            .skip(slots_us)
            .map(|(k, x)| (k - slots_us) as f64 * x)
            .sum();
        let busy: f64 = p
            .iter()
            .enumerate()
            .map(|(k, x)| k.min(slots_us) as f64 * x)
            .sum();
        let asa_s = mean_queue / self.lambda;
        let p_abandon = theta * mean_queue / self.lambda;
        let service_level = match self.patience_s {
            _ if p_wait == 0.0 => 1.0,
            None => {
                // FCFS with all slots busy: the wait is exponential at rate full_rate - lambda
                1.0 - p_wait * (-(full_rate - self.lambda) * sl_s).exp()
            }
            Some(_) => {
                // Mandelbaum & Zeltyn: P(V > t | V > 0) = P(x, y e^{-theta t}) / P(x, y) with
                // the regularised lower incomplete gamma P, x = full_rate/theta, y = lambda/theta
                let (x, y) = (full_rate / theta, self.lambda / theta);
                // where the incomplete gammas underflow or leave their domain (far more
                // agents than the load, extreme ratios), the tail's bound 1 stands in: a
                // service level of at least 1 - p_wait e^{-theta t}, exact as p_wait -> 0
                let tail = checked_gamma_lr(x, y * (-theta * sl_s).exp())
                    .and_then(|a| checked_gamma_lr(x, y).map(|b| a / b))
                    .ok()
                    .filter(|t| t.is_finite())
                    .unwrap_or(1.0)
                    .min(1.0);
                1.0 - p_wait * tail * (-theta * sl_s).exp()
            }
        };
        Metrics {
            agents,
            p_wait,
            p_abandon,
            asa_s,
            service_level,
            service_level_s: sl_s,
            mean_queue,
            occupancy: busy / slots as f64,
        }
    }

    /// True when the queue has a stationary law with `agents` agents.
    /// Without patience the load must stay below 1 - 1e-5 of capacity, so the chain can be
    /// summed in a bounded number of terms (such a system misses every target anyway).
    pub fn stable(&self, agents: u32) -> bool {
        let capacity = self.service_rate(agents, u64::from(agents) * u64::from(self.chats));
        self.patience_s.is_some() || self.lambda < capacity * (1.0 - 1e-5)
    }

    /// The most agents one evaluation can sum over: [`MAX_SLOTS`] chat slots.
    pub fn agents_limit(&self) -> u32 {
        u32::try_from(MAX_SLOTS / u64::from(self.chats.max(1))).unwrap_or(u32::MAX)
    }

    /// Whether `agents` agents are within [`Queue::agents_limit`].
    pub fn check_agents(&self, agents: u32) -> Result<(), String> {
        if agents <= self.agents_limit() {
            return Ok(());
        }
        Err(format!(
            "{agents} agents x {} chats is beyond the calculator's {MAX_SLOTS:.0e} chat slots \
             (at most {} agents with {} chats each)",
            self.chats,
            self.agents_limit(),
            self.chats
        ))
    }

    /// The fewest agents (up to `max_agents` and [`Queue::agents_limit`]) whose metrics
    /// meet every target. The search starts from the agents that match the offered load and
    /// doubles until a pool meets the targets, then bisects, as every metric a target
    /// names improves with each added agent: its cost follows the answer, never the limit.
    pub fn staff(&self, targets: &[StaffTarget], sl_s: f64, max_agents: u32) -> Option<Metrics> {
        let meets = |c: u32| -> Option<Metrics> {
            if c == 0 || !self.stable(c) {
                return None;
            }
            let m = self.metrics(c, sl_s);
            targets.iter().all(|t| t.met_by(&m)).then_some(m)
        };
        let cap = max_agents.min(self.agents_limit()).max(1);
        let per_agent = self.service_rate(1, u64::from(self.chats));
        let start = (self.lambda / per_agent).ceil();
        let mut hi = if start.is_finite() && start >= 1.0 {
            (start.min(f64::from(cap))) as u32
        } else {
            1
        };
        let mut lo = 0; // fails (or is 0); hi is tried next
        let mut best = loop {
            if let Some(m) = meets(hi) {
                break m;
            }
            if hi >= cap {
                return None;
            }
            lo = hi;
            hi = hi.saturating_mul(2).min(cap);
        };
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            match meets(mid) {
                Some(m) => {
                    hi = mid;
                    best = m;
                }
                None => lo = mid,
            }
        }
        Some(best)
    }

    /// Whether the calculator can answer for this queue within its limits: the offered
    /// load per chat slot at most [`MAX_LOAD`], and with patience, arrivals x patience (the
    /// customers waiting at once were nobody answering) at most [`MAX_WAITING`].
    pub fn check(&self) -> Result<(), String> {
        let slowest = self.speed.iter().copied().fold(f64::INFINITY, f64::min);
        let load = self.lambda * self.handle_s / (f64::from(self.chats) * slowest);
        if load.is_nan() || load > MAX_LOAD {
            return Err(format!(
                "an offered load of {load:.1e} Erlangs per chat slot is beyond the calculator's \
                 limit of {MAX_LOAD:.0e} (about that many agents)"
            ));
        }
        if let Some(p) = self.patience_s {
            let waiting = self.lambda * p;
            if waiting.is_nan() || waiting > MAX_WAITING {
                return Err(format!(
                    "arrivals x patience is {waiting:.1e} customers (those waiting at once were \
                     nobody answering); the calculator's limit is {MAX_WAITING:.0e}"
                ));
            }
        }
        Ok(())
    }
}

/// A staffing target on the analytic metrics.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum StaffTarget {
    /// `service_level >= x` (at the queue's threshold).
    ServiceLevelAtLeast(f64),
    /// `asa_s <= x`.
    AsaAtMost(f64),
    /// `p_abandon <= x`.
    AbandonAtMost(f64),
    /// `p_wait <= x`.
    WaitAtMost(f64),
    /// `occupancy <= x`.
    OccupancyAtMost(f64),
}

impl StaffTarget {
    /// Parses `service_level>=0.8`, `asa_s<=30`, `p_abandon<=0.05`, `p_wait<=0.2`,
    /// `occupancy<=0.85`.
    pub fn parse(s: &str) -> Result<StaffTarget, String> {
        let bad = || {
            format!(
                "target `{s}`: use service_level>=X, asa_s<=X, p_abandon<=X, p_wait<=X or occupancy<=X"
            )
        };
        let (name, value, at_least) = match (s.split_once(">="), s.split_once("<=")) {
            (Some((n, v)), _) => (n.trim(), v.trim(), true),
            (None, Some((n, v))) => (n.trim(), v.trim(), false),
            _ => return Err(bad()),
        };
        let x: f64 = value
            .parse()
            .map_err(|_| format!("target `{s}`: `{value}` is not a number"))?;
        if !x.is_finite() || x < 0.0 {
            return Err(format!(
                "target `{s}`: the value must be a finite number >= 0"
            ));
        }
        match (name, at_least) {
            ("service_level", true) => Ok(StaffTarget::ServiceLevelAtLeast(x)),
            ("asa_s", false) => Ok(StaffTarget::AsaAtMost(x)),
            ("p_abandon", false) => Ok(StaffTarget::AbandonAtMost(x)),
            ("p_wait", false) => Ok(StaffTarget::WaitAtMost(x)),
            ("occupancy", false) => Ok(StaffTarget::OccupancyAtMost(x)),
            _ => Err(bad()),
        }
    }

    /// True when `m` meets the target.
    pub fn met_by(&self, m: &Metrics) -> bool {
        match *self {
            StaffTarget::ServiceLevelAtLeast(x) => m.service_level >= x,
            StaffTarget::AsaAtMost(x) => m.asa_s <= x,
            StaffTarget::AbandonAtMost(x) => m.p_abandon <= x,
            StaffTarget::WaitAtMost(x) => m.p_wait <= x,
            StaffTarget::OccupancyAtMost(x) => m.occupancy <= x,
        }
    }
}

/// A table of metrics for `agents` values, for people.
pub fn render(queue: &Queue, rows: &[Metrics]) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let a = queue.lambda * queue.handle_s;
    let _ = writeln!(
        out,
        "offered load {a:.2} Erlangs ({:.1}/h x {:.0} s), {} chat(s) per agent{}",
        queue.lambda * 3600.0,
        queue.handle_s,
        queue.chats,
        queue
            .patience_s
            .map_or(String::new(), |p| format!(", mean patience {p:.0} s"))
    );
    let sl = rows.first().map_or(20.0, |m| m.service_level_s);
    let _ = writeln!(
        out,
        "{:>7} {:>9} {:>10} {:>9} {:>10} {:>9} {:>10}",
        "agents",
        "P(wait)",
        "P(abandon)",
        "ASA (s)",
        format!("SL {sl:.0}s"),
        "Lq",
        "occupancy"
    );
    for m in rows {
        let _ = writeln!(
            out,
            "{:>7} {:>8.2}% {:>9.2}% {:>9.1} {:>10} {:>9.2} {:>9.1}%",
            m.agents,
            m.p_wait * 100.0,
            m.p_abandon * 100.0,
            m.asa_s,
            if m.service_level.is_finite() {
                format!("{:.2}%", m.service_level * 100.0)
            } else {
                "-".into()
            },
            m.mean_queue,
            m.occupancy * 100.0
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(lambda: f64, patience: Option<f64>) -> Queue {
        Queue {
            lambda,
            handle_s: 180.0,
            patience_s: patience,
            chats: 1,
            speed: vec![1.0],
        }
    }

    #[test]
    fn erlang_b_recursion_matches_small_cases() {
        assert!((erlang_b(1, 1.0) - 0.5).abs() < 1e-15);
        assert!((erlang_b(2, 1.0) - 0.2).abs() < 1e-15);
    }

    #[test]
    fn chain_matches_the_erlang_c_closed_form() {
        let queue = q(0.8 * 20.0 / 180.0, None);
        let m = queue.metrics(20, 20.0);
        assert!((m.p_wait - erlang_c(20, 16.0)).abs() < 1e-12, "{m:?}");
        assert!((m.occupancy - 0.8).abs() < 1e-12);
    }

    #[test]
    fn literature_staffing_example() {
        // 10 Erlangs, AHT 3 min, 19.8 s threshold: 14 agents give SL 0.888, 15 give 0.941
        let queue = q(10.0 / 180.0, None);
        assert!((queue.metrics(14, 19.8).service_level - 0.888).abs() < 5e-4);
        assert!((queue.metrics(15, 19.8).service_level - 0.941).abs() < 5e-4);
        let m = queue
            .staff(&[StaffTarget::ServiceLevelAtLeast(0.9)], 19.8, 100)
            .unwrap();
        assert_eq!(m.agents, 15);
    }

    #[test]
    fn the_bisection_finds_what_a_scan_from_one_agent_finds() {
        let targets = [
            vec![StaffTarget::ServiceLevelAtLeast(0.8)],
            vec![
                StaffTarget::AsaAtMost(10.0),
                StaffTarget::AbandonAtMost(0.02),
            ],
            vec![
                StaffTarget::WaitAtMost(0.3),
                StaffTarget::OccupancyAtMost(0.85),
            ],
        ];
        for lambda_h in [20.0, 50.0, 325.0, 2000.0] {
            for patience in [None, Some(60.0), Some(240.0)] {
                for chats in [1, 3] {
                    let queue = Queue {
                        chats,
                        speed: vec![1.0, 0.8, 0.7],
                        ..q(lambda_h / 3600.0, patience)
                    };
                    for t in &targets {
                        let scan = (1..=2000)
                            .filter(|&c| queue.stable(c))
                            .map(|c| queue.metrics(c, 30.0))
                            .find(|m| t.iter().all(|x| x.met_by(m)))
                            .map(|m| m.agents);
                        let found = queue.staff(t, 30.0, 2000).map(|m| m.agents);
                        assert_eq!(found, scan, "{lambda_h}/h {patience:?} K={chats} {t:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn unit_speed_chats_are_extra_servers() {
        let a = Queue {
            chats: 5,
            ..q(50.0 / 180.0, Some(300.0))
        }
        .metrics(10, 20.0);
        let b = q(50.0 / 180.0, Some(300.0)).metrics(50, 20.0);
        assert!(
            (a.p_abandon - b.p_abandon).abs() < 1e-12
                && (a.service_level - b.service_level).abs() < 1e-12
        );
    }

    #[test]
    fn targets_parse() {
        assert_eq!(
            StaffTarget::parse("service_level>=0.8"),
            Ok(StaffTarget::ServiceLevelAtLeast(0.8))
        );
        assert_eq!(
            StaffTarget::parse("asa_s <= 30"),
            Ok(StaffTarget::AsaAtMost(30.0))
        );
        assert!(StaffTarget::parse("asa_s >= 30").is_err());
        assert!(StaffTarget::parse("p_wait <= x").is_err());
    }
}
