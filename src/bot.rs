//! The bot tier (智能客服) in front of the agents: who it touches first, how long it holds
//! them, whom it resolves, and who escalates to a human (转人工).

use rand::RngExt;
use rand_distr::{Beta, Distribution};

use crate::class::Class;
use crate::distribution::DurationSpec;
use crate::engine::SimTime;
use crate::random::SimRng;
use crate::roster::Window;

/// What happens to a customer the bot should take while all its sessions are busy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Overflow {
    /// Wait for a free bot session (first-reply patience runs).
    Queue,
    /// Go straight to the human queue.
    Human,
}

/// A probability that is itself uncertain: Beta with this mean and standard deviation,
/// drawn once per replication ("a bot's success rate cannot be guaranteed").
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct UncertainProbability {
    /// Mean in [0, 1].
    pub mean: f64,
    /// Standard deviation; 0 = known exactly. `sd^2 < mean (1 - mean)`.
    pub sd: f64,
}

impl UncertainProbability {
    /// One draw for a replication.
    pub fn draw(&self, rng: &mut SimRng) -> f64 {
        if self.sd <= 0.0 || self.mean <= 0.0 || self.mean >= 1.0 {
            return self.mean;
        }
        let k = self.mean * (1.0 - self.mean) / (self.sd * self.sd) - 1.0;
        Beta::new(self.mean * k, (1.0 - self.mean) * k).map_or(self.mean, |b| b.sample(rng))
    }
}

/// The bot's parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct Bot {
    /// Share of arrivals the bot takes first, by class index, outside every window.
    pub first_touch: [f64; 3],
    /// Windows with their own first-touch shares (the first that contains t applies).
    pub windows: Vec<(Window, [f64; 3])>,
    /// Bot reply latency (its hardware).
    pub latency: DurationSpec,
    /// Time the customer spends with the bot after its first reply, until it resolves the
    /// question or the customer escalates or leaves.
    pub session: DurationSpec,
    /// Most concurrent bot sessions (`None`: unlimited).
    pub capacity: Option<u32>,
    /// What happens beyond `capacity`.
    pub overflow: Overflow,
    /// P(the bot resolves the question), by class index.
    pub resolution: [UncertainProbability; 3],
    /// Share of unresolved customers who leave instead of escalating.
    pub leave_share: f64,
    /// Patience of escalated customers relative to a fresh customer's.
    pub escalated_patience_factor: f64,
}

impl Bot {
    /// The first-touch share for `class` at `t`.
    pub fn touch_share(&self, class: Class, t: SimTime) -> f64 {
        let shares = self
            .windows
            .iter()
            .find(|(w, _)| w.contains(t))
            .map_or(&self.first_touch, |(_, s)| s);
        shares[class.index()]
    }

    /// Draws this replication's resolution probability of each class.
    pub fn draw_resolution(&self, rng: &mut SimRng) -> [f64; 3] {
        std::array::from_fn(|i| self.resolution[i].draw(rng))
    }

    /// Whether the bot takes a customer of `class` arriving at `t`.
    pub fn takes(&self, class: Class, t: SimTime, rng: &mut SimRng) -> bool {
        rng.random::<f64>() < self.touch_share(class, t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::{Stream, stream};

    #[test]
    fn beta_draws_have_the_mean_and_sd() {
        let p = UncertainProbability {
            mean: 0.35,
            sd: 0.1,
        };
        let mut rng = stream(1, 0, Stream::Bot);
        let n = 100_000;
        let xs: Vec<f64> = (0..n).map(|_| p.draw(&mut rng)).collect();
        let mean = xs.iter().sum::<f64>() / n as f64;
        let sd = (xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt();
        // standard error of the mean 3e-4; of the sd about 2.2e-4
        assert!((mean - 0.35).abs() < 0.0015, "{mean}");
        assert!((sd - 0.1).abs() < 0.0015, "{sd}");
        assert_eq!(
            UncertainProbability { mean: 0.5, sd: 0.0 }.draw(&mut rng),
            0.5
        );
    }

    #[test]
    fn windows_override_the_default_share() {
        let w = Window {
            start: SimTime::from_secs(100),
            end: SimTime::from_secs(200),
        };
        let bot = Bot {
            first_touch: [0.6; 3],
            windows: vec![(w, [0.8, 0.8, 0.1])],
            latency: DurationSpec::Fixed { value_s: 1.0 },
            session: DurationSpec::Fixed { value_s: 40.0 },
            capacity: None,
            overflow: Overflow::Human,
            resolution: [UncertainProbability { mean: 0.3, sd: 0.0 }; 3],
            leave_share: 0.1,
            escalated_patience_factor: 0.7,
        };
        assert_eq!(bot.touch_share(Class::PreSale, SimTime::from_secs(50)), 0.6);
        assert_eq!(
            bot.touch_share(Class::AfterSale, SimTime::from_secs(150)),
            0.1
        );
    }
}
