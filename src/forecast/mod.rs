//! Re-forecasting the rest of the night's arrival curve from the arrivals so far.
//!
//! The method is a gamma-Poisson busyness update (docs/forecast.md has the derivation):
//!
//! - The night runs at `theta` times the plan. Before anything is seen, `theta` is Gamma
//!   with mean 1 and the plan's coefficient of variation `cv`.
//! - Each interval's arrivals are Poisson around `theta` times the plan, widened by a
//!   dispersion `phi >= 1` read from how far neighbouring intervals differ.
//! - Each interval seen raises `theta`'s shape and rate by `y/phi` and `p/phi`: the
//!   estimate is the run-rate shrunk toward the plan, more weight on the run-rate as the
//!   night goes on.
//! - Where the intervals so far say the ratio drifts (a discount predicts them one step
//!   ahead clearly better than none), older intervals lose weight by a discount per hour,
//!   and the estimate follows the recent ratio.
//! - An interval still to come has mean `theta_hat * p` and variance `phi * mean + p^2 *
//!   var(theta)`, its band the negative binomial with those two moments.

pub mod backtest;
mod update;

pub use update::{DISCOUNT_EVIDENCE, DISCOUNTS, Update};

use statrs::distribution::{DiscreteCDF, NegativeBinomial, Poisson};

/// A count series on the calendar: steps `[start, end)` in seconds since 01-01 00:00, each
/// with its count, in time order.
#[derive(Clone, Debug, Default)]
pub struct Curve {
    steps: Vec<Step>,
}

/// One interval of a [`Curve`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Step {
    /// Start, seconds since 01-01 00:00.
    pub start_s: f64,
    /// End (exclusive).
    pub end_s: f64,
    /// Arrivals in the interval.
    pub count: f64,
}

impl Curve {
    /// Steps from `(start, count)` rows in strictly increasing time order: each ends where
    /// the next begins, the last after `last_len_s` (the one before's length where `None`).
    ///
    /// # Panics
    /// When `rows` is empty, or has one row and no `last_len_s`.
    pub fn from_rows(rows: &[(f64, f64)], last_len_s: Option<f64>) -> Curve {
        let n = rows.len();
        let last_len = last_len_s.unwrap_or_else(|| rows[n - 1].0 - rows[n - 2].0);
        let steps = rows
            .iter()
            .enumerate()
            .map(|(i, &(start_s, count))| Step {
                start_s,
                end_s: rows.get(i + 1).map_or(start_s + last_len, |r| r.0),
                count,
            })
            .collect();
        Curve { steps }
    }

    /// The steps, in time order.
    pub fn steps(&self) -> &[Step] {
        &self.steps
    }

    /// The first step's start.
    pub fn start_s(&self) -> f64 {
        self.steps.first().map_or(0.0, |s| s.start_s)
    }

    /// The last step's end.
    pub fn end_s(&self) -> f64 {
        self.steps.last().map_or(0.0, |s| s.end_s)
    }

    /// Arrivals the curve expects in `[from, to)`: each step's count spread evenly over it.
    pub fn expected(&self, from: f64, to: f64) -> f64 {
        self.steps
            .iter()
            .map(|s| {
                let overlap = (to.min(s.end_s) - from.max(s.start_s)).max(0.0);
                s.count * overlap / (s.end_s - s.start_s)
            })
            .sum()
    }

    /// The steps that start before `at`, the last one ending at `at` at the latest (a
    /// monitoring screen's count for the interval under way runs to now).
    pub fn until(&self, at: f64) -> Curve {
        let steps = self
            .steps
            .iter()
            .filter(|s| s.start_s < at)
            .map(|s| Step {
                end_s: s.end_s.min(at),
                ..*s
            })
            .collect();
        Curve { steps }
    }

    /// Total count.
    pub fn total(&self) -> f64 {
        self.steps.iter().map(|s| s.count).sum()
    }
}

/// A count's predictive law, by its mean and variance.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Prediction {
    /// Mean.
    pub mean: f64,
    /// Variance.
    pub var: f64,
}

impl Prediction {
    /// The `q` quantile: of the negative binomial with the prediction's two moments, or
    /// of the Poisson where the variance is the mean's.
    pub fn quantile(&self, q: f64) -> f64 {
        if self.mean <= 0.0 {
            return 0.0;
        }
        let q = q.clamp(1e-9, 1.0 - 1e-9);
        if self.var <= self.mean * (1.0 + 1e-9) {
            return Poisson::new(self.mean).map_or(self.mean, |p| p.inverse_cdf(q) as f64);
        }
        let p = self.mean / self.var;
        let r = self.mean * p / (1.0 - p);
        NegativeBinomial::new(r, p).map_or(self.mean, |nb| nb.inverse_cdf(q) as f64)
    }
}

/// One row of the rest of the night.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Row {
    /// Start (the update time for the first row), seconds since 01-01 00:00.
    pub start_s: f64,
    /// End.
    pub end_s: f64,
    /// What the plan expects.
    pub plan: f64,
    /// The prediction.
    pub forecast: Prediction,
}

/// The rest of `plan` from `at` on, row by row, re-forecast by `update`.
pub fn rest(plan: &Curve, at: f64, update: &Update) -> Vec<Row> {
    plan.steps
        .iter()
        .filter(|s| s.end_s > at)
        .map(|s| {
            let start_s = s.start_s.max(at);
            let planned = plan.expected(start_s, s.end_s);
            let hours = ((start_s + s.end_s) / 2.0 - at) / 3600.0;
            Row {
                start_s,
                end_s: s.end_s,
                plan: planned,
                forecast: update.ahead(hours).predict(planned),
            }
        })
        .collect()
}

/// The default `cv` of the plan before anything is seen: a Double-11 volume forecast
/// commonly misses by a fifth or more.
pub const DEFAULT_PRIOR_CV: f64 = 0.25;

#[cfg(test)]
mod tests {
    use super::*;

    fn flat(n: usize, count: f64) -> Curve {
        let rows: Vec<(f64, f64)> = (0..n).map(|i| (i as f64 * 900.0, count)).collect();
        Curve::from_rows(&rows, None)
    }

    #[test]
    fn expected_spreads_a_step_evenly() {
        let c = flat(4, 100.0);
        assert_eq!(c.end_s(), 3600.0);
        assert!((c.expected(450.0, 1350.0) - 100.0).abs() < 1e-9);
        assert!((c.expected(-100.0, 10_000.0) - 400.0).abs() < 1e-9);
        assert_eq!(c.until(1000.0).steps().len(), 2);
        assert_eq!(c.until(1000.0).end_s(), 1000.0);
    }

    #[test]
    fn the_band_is_poisson_without_uncertainty_and_wider_with_it() {
        let p = Prediction {
            mean: 100.0,
            var: 100.0,
        };
        // Poisson(100): 5% and 95% quantiles are 84 and 117
        assert_eq!(p.quantile(0.05), 84.0);
        assert_eq!(p.quantile(0.95), 117.0);
        let wide = Prediction {
            mean: 100.0,
            var: 400.0,
        };
        assert!(wide.quantile(0.05) < 80.0 && wide.quantile(0.95) > 125.0);
    }

    #[test]
    fn the_rest_starts_at_the_update_time() {
        let plan = flat(4, 100.0);
        let seen = Curve::from_rows(&[(0.0, 67.0)], Some(900.0)).until(600.0);
        let u = Update::new(&plan, &seen, 0.25);
        let rows = rest(&plan, 600.0, &u);
        assert_eq!(rows.len(), 4);
        assert_eq!(rows[0].start_s, 600.0);
        assert!((rows[0].plan - 100.0 / 3.0).abs() < 1e-9);
    }
}
