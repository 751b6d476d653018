//! Re-forecasting the rest of the night's arrival curve from the arrivals so far.
//!
//! The method is a gamma-Poisson busyness update (docs/forecast.md has the derivation):
//!
//! - The night runs at `theta` times the plan, with `theta` unknown. Before anything is
//!   seen, `theta` is Gamma with mean 1 and the plan's coefficient of variation `cv`
//!   (shape = rate = `1 / cv^2`).
//! - Arrivals in an interval are Poisson around `theta` times the plan, widened by a
//!   dispersion `phi >= 1` read from how far the intervals so far scatter around the
//!   run-rate (Pearson's statistic over the intervals, divided by their number less one).
//!   A plan whose shape misses the night's scatters, and counts for less.
//! - After `Y` arrivals against `P` planned, `theta` is Gamma with shape `1/cv^2 + Y/phi`
//!   and rate `1/cv^2 + P/phi`. Its mean is the run-rate `Y/P` shrunk toward 1, the plan,
//!   with weight `(P/phi) / (1/cv^2 + P/phi)` on the run-rate: little early in the night,
//!   nearly all late.
//! - An interval still to come with `p` planned has mean `theta_hat * p` and variance
//!   `phi * mean + p^2 * var(theta)`. Its band is the negative binomial with those two
//!   moments (Poisson where the variance is the mean's).

pub mod backtest;

use statrs::distribution::{ContinuousCDF, DiscreteCDF, Gamma, NegativeBinomial, Poisson};

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

/// What the arrivals so far say about the rest of the night.
#[derive(Clone, Debug, PartialEq)]
pub struct Update {
    /// Arrivals so far.
    pub observed: f64,
    /// What the plan expected over the same intervals.
    pub plan_so_far: f64,
    /// Intervals the dispersion was read from.
    pub intervals: usize,
    /// `phi`: how much wider than Poisson the intervals scatter around the run-rate (1 at
    /// least).
    pub dispersion: f64,
    /// The plan's coefficient of variation before anything is seen.
    pub prior_cv: f64,
    /// Shape of `theta`'s gamma law.
    pub shape: f64,
    /// Rate of `theta`'s gamma law.
    pub rate: f64,
}

impl Update {
    /// The update from `observed` (already cut at the update time) against `plan`.
    ///
    /// # Panics
    /// When `prior_cv` is not positive and finite.
    pub fn new(plan: &Curve, observed: &Curve, prior_cv: f64) -> Update {
        assert!(
            prior_cv > 0.0 && prior_cv.is_finite(),
            "prior cv {prior_cv}"
        );
        let planned: Vec<(f64, f64)> = observed
            .steps
            .iter()
            .map(|s| (s.count, plan.expected(s.start_s, s.end_s)))
            .collect();
        let y: f64 = planned.iter().map(|r| r.0).sum();
        let p: f64 = planned.iter().map(|r| r.1).sum();
        let within: Vec<&(f64, f64)> = planned.iter().filter(|r| r.1 > 0.0).collect();
        let dispersion = if within.len() >= 2 && y > 0.0 && p > 0.0 {
            let r = y / p;
            let pearson: f64 = within
                .iter()
                .map(|&&(yi, pi)| (yi - r * pi).powi(2) / (r * pi))
                .sum();
            (pearson / (within.len() - 1) as f64).max(1.0)
        } else {
            1.0
        };
        let a = 1.0 / (prior_cv * prior_cv);
        Update {
            observed: y,
            plan_so_far: p,
            intervals: within.len(),
            dispersion,
            prior_cv,
            shape: a + y / dispersion,
            rate: a + p / dispersion,
        }
    }

    /// The plain run-rate: arrivals so far over the plan's (1 before the plan expects any).
    pub fn run_rate(&self) -> f64 {
        if self.plan_so_far > 0.0 {
            self.observed / self.plan_so_far
        } else {
            1.0
        }
    }

    /// `theta_hat`: the rest of the night's multiple of the plan.
    pub fn ratio(&self) -> f64 {
        self.shape / self.rate
    }

    /// The weight the estimate puts on the run-rate (the rest on the plan).
    pub fn weight(&self) -> f64 {
        let a = 1.0 / (self.prior_cv * self.prior_cv);
        let data = self.plan_so_far / self.dispersion;
        data / (a + data)
    }

    /// The `q` quantile of `theta`.
    pub fn ratio_quantile(&self, q: f64) -> f64 {
        Gamma::new(self.shape, self.rate)
            .map(|g| g.inverse_cdf(q))
            .unwrap_or_else(|_| self.ratio())
    }

    /// A draw of `theta` from a uniform `u` (for simulations that carry its uncertainty).
    pub fn ratio_at(&self, u: f64) -> f64 {
        self.ratio_quantile(u.clamp(1e-12, 1.0 - 1e-12))
    }

    /// The prediction of an interval (or a span of them) the plan expects `planned` in.
    pub fn predict(&self, planned: f64) -> Prediction {
        let mean = self.ratio() * planned;
        let var_theta = self.shape / (self.rate * self.rate);
        Prediction {
            mean,
            var: self.dispersion * mean + planned * planned * var_theta,
        }
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
            Row {
                start_s,
                end_s: s.end_s,
                plan: planned,
                forecast: update.predict(planned),
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
    fn the_estimate_lies_between_the_plan_and_the_run_rate() {
        let plan = flat(8, 100.0);
        let seen = flat(2, 150.0);
        let u = Update::new(&plan, &seen, 0.1);
        assert_eq!(u.run_rate(), 1.5);
        assert!(u.ratio() > 1.0 && u.ratio() < 1.5, "{}", u.ratio());
        // the weight is the share of the run-rate in the estimate
        let w = u.weight();
        assert!((u.ratio() - (w * 1.5 + (1.0 - w))).abs() < 1e-12);
        // more data, more weight
        let later = Update::new(&plan, &flat(6, 150.0), 0.1);
        assert!(later.weight() > w);
        // counts that scatter around the run-rate count for less
        let rows: Vec<(f64, f64)> = (0..2)
            .map(|i| (i as f64 * 900.0, 100.0 + 100.0 * i as f64))
            .collect();
        let scattered = Update::new(&plan, &Curve::from_rows(&rows, None), 0.1);
        assert!(scattered.dispersion > 10.0, "{}", scattered.dispersion);
        assert!(scattered.weight() < w);
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
