//! The gamma-Poisson busyness update, with a discount for a night whose ratio to the plan
//! drifts (docs/forecast.md has the derivation and its sources).

use statrs::distribution::{ContinuousCDF, Gamma};

use super::{Curve, Prediction};

/// The discounts per hour the update chooses among: 1 keeps every interval's weight (the
/// ratio is one number all night); 0.5 halves an interval's weight each hour after it.
pub const DISCOUNTS: [f64; 8] = [1.0, 0.95, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4];

/// How much better (in the Dawid-Sebastiani score, minus twice a Gaussian log-likelihood)
/// a discount must predict the intervals so far, one step ahead, than none at all before
/// it is chosen: the point chi-square with 1 degree of freedom passes 5% of the time
/// divided among the 7 discounts tried (0.7% each), so a night whose ratio holds still
/// keeps the plain update about 95 times in 100.
pub const DISCOUNT_EVIDENCE: f64 = 7.24;

/// Pairs of consecutive intervals needed before the dispersion is read from them.
const MIN_PAIRS: usize = 3;

/// What the arrivals so far say about the rest of the night.
#[derive(Clone, Debug, PartialEq)]
pub struct Update {
    /// Arrivals so far.
    pub observed: f64,
    /// What the plan expected over the same intervals.
    pub plan_so_far: f64,
    /// Intervals with planned arrivals.
    pub intervals: usize,
    /// `phi`: how much wider than Poisson the intervals scatter around their local rate
    /// (1 at least).
    pub dispersion: f64,
    /// The discount per hour the update runs with (1: none).
    pub discount: f64,
    /// The plan's coefficient of variation before anything is seen.
    pub prior_cv: f64,
    /// Shape of `theta`'s gamma law now.
    pub shape: f64,
    /// Rate of `theta`'s gamma law now.
    pub rate: f64,
    /// The prior's part of `rate` (what is left of `1 / cv^2` after the discount).
    pub prior_rate: f64,
}

/// One observed interval against the plan: arrivals, planned arrivals, length in hours.
#[derive(Clone, Copy, Debug)]
struct Seen {
    y: f64,
    p: f64,
    hours: f64,
}

impl Update {
    /// The update from `observed` (already cut at the update time) against `plan`, with
    /// the discount the intervals so far support (see [`DISCOUNTS`]).
    ///
    /// # Panics
    /// When `prior_cv` is not positive and finite.
    pub fn new(plan: &Curve, observed: &Curve, prior_cv: f64) -> Update {
        let seen = seen(plan, observed);
        let phi = dispersion(&seen);
        let score = |d: f64| filter(&seen, prior_cv, phi, d).1;
        let plain = score(1.0);
        let (best, best_score) = DISCOUNTS[1..]
            .iter()
            .map(|&d| (d, score(d)))
            .fold((1.0, plain), |acc, x| if x.1 < acc.1 { x } else { acc });
        let discount = if plain - best_score > DISCOUNT_EVIDENCE {
            best
        } else {
            1.0
        };
        Update::with_discount_from(&seen, prior_cv, phi, discount)
    }

    /// The update with a given discount per hour (1: none).
    ///
    /// # Panics
    /// When `prior_cv` is not positive and finite, or `discount` not in (0, 1].
    pub fn with_discount(plan: &Curve, observed: &Curve, prior_cv: f64, discount: f64) -> Update {
        let seen = seen(plan, observed);
        Update::with_discount_from(&seen, prior_cv, dispersion(&seen), discount)
    }

    fn with_discount_from(seen: &[Seen], prior_cv: f64, phi: f64, discount: f64) -> Update {
        assert!(
            discount > 0.0 && discount <= 1.0,
            "discount {discount} outside (0, 1]"
        );
        let ((shape, rate, prior_rate), _) = filter(seen, prior_cv, phi, discount);
        Update {
            observed: seen.iter().map(|s| s.y).sum(),
            plan_so_far: seen.iter().map(|s| s.p).sum(),
            intervals: seen.iter().filter(|s| s.p > 0.0).count(),
            dispersion: phi,
            discount,
            prior_cv,
            shape,
            rate,
            prior_rate,
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

    /// The weight the estimate puts on the arrivals so far (the rest on the plan).
    pub fn weight(&self) -> f64 {
        1.0 - self.prior_rate / self.rate
    }

    /// The update as it stands `hours` ahead: the same mean, the discount's growing
    /// uncertainty.
    pub fn ahead(&self, hours: f64) -> Update {
        let k = self.discount.powf(hours.max(0.0));
        Update {
            shape: self.shape * k,
            rate: self.rate * k,
            prior_rate: self.prior_rate * k,
            ..self.clone()
        }
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

    /// The variance of `theta`.
    fn ratio_var(&self) -> f64 {
        self.shape / (self.rate * self.rate)
    }

    /// The prediction of an interval (or a span of them) the plan expects `planned` in,
    /// with `theta` as it stands now.
    pub fn predict(&self, planned: f64) -> Prediction {
        let mean = self.ratio() * planned;
        Prediction {
            mean,
            var: self.dispersion * mean + planned * planned * self.ratio_var(),
        }
    }

    /// The prediction of the total over intervals `(planned, hours ahead)` in time order:
    /// each interval's own scatter, plus `theta`'s uncertainty, which grows with the
    /// discount the further ahead and is shared by the intervals that follow (the ratio
    /// at `j` hours and at `k > j` hours covary by the variance at `j`).
    pub fn predict_span(&self, rows: &[(f64, f64)]) -> Prediction {
        let total: f64 = rows.iter().map(|r| r.0).sum();
        let mean = self.ratio() * total;
        let mut after = total;
        let mut shared = 0.0;
        for &(p, hours) in rows {
            after -= p;
            shared += self.ahead(hours).ratio_var() * p * (p + 2.0 * after);
        }
        Prediction {
            mean,
            var: self.dispersion * mean + shared,
        }
    }
}

/// The observed intervals with what the plan expected in each.
fn seen(plan: &Curve, observed: &Curve) -> Vec<Seen> {
    observed
        .steps()
        .iter()
        .map(|s| Seen {
            y: s.count,
            p: plan.expected(s.start_s, s.end_s),
            hours: (s.end_s - s.start_s) / 3600.0,
        })
        .collect()
}

/// `phi` from successive intervals (the mean square successive difference): the ratios
/// `y/p` of two neighbouring intervals differ by Poisson noise alone, of variance
/// `phi * r * (1/p1 + 1/p2)` at their local rate `r`, and a slow drift of the ratio adds
/// little. So a night that drifts does not pass for a noisy one. At least 1, and 1 until
/// [`MIN_PAIRS`] pairs are seen.
fn dispersion(seen: &[Seen]) -> f64 {
    let terms: Vec<f64> = seen
        .windows(2)
        .filter_map(|w| {
            let (a, b) = (w[0], w[1]);
            let r = (a.y + b.y) / (a.p + b.p);
            (a.p > 0.0 && b.p > 0.0 && r > 0.0)
                .then(|| (b.y / b.p - a.y / a.p).powi(2) / (r * (1.0 / a.p + 1.0 / b.p)))
        })
        .collect();
    if terms.len() < MIN_PAIRS {
        return 1.0;
    }
    (terms.iter().sum::<f64>() / terms.len() as f64).max(1.0)
}

/// The filter: `theta` Gamma(a, a) before anything (a = 1/cv^2), each interval's shape and
/// rate discounted by `discount` per hour before it is seen and then raised by `y/phi`
/// and `p/phi`. Returns (shape, rate, the prior's part of the rate) at the end, and the
/// one-step-ahead Dawid-Sebastiani score of the intervals (`ln var + (y - m)^2 / var`
/// summed: lower is better).
fn filter(seen: &[Seen], prior_cv: f64, phi: f64, discount: f64) -> ((f64, f64, f64), f64) {
    assert!(
        prior_cv > 0.0 && prior_cv.is_finite(),
        "prior cv {prior_cv}"
    );
    let a0 = 1.0 / (prior_cv * prior_cv);
    let (mut shape, mut rate, mut prior) = (a0, a0, a0);
    let mut score = 0.0;
    for (i, s) in seen.iter().enumerate() {
        if i > 0 {
            let k = discount.powf(s.hours);
            shape *= k;
            rate *= k;
            prior *= k;
        }
        if s.p <= 0.0 {
            continue;
        }
        let m = shape / rate * s.p;
        let var = phi * m + s.p * s.p * shape / (rate * rate);
        if var > 0.0 {
            score += var.ln() + (s.y - m).powi(2) / var;
        }
        shape += s.y / phi;
        rate += s.p / phi;
    }
    ((shape, rate, prior), score)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(counts: &[f64]) -> Curve {
        let rows: Vec<(f64, f64)> = counts
            .iter()
            .enumerate()
            .map(|(i, &c)| (i as f64 * 900.0, c))
            .collect();
        Curve::from_rows(&rows, None)
    }

    #[test]
    fn without_a_discount_the_estimate_is_the_run_rate_shrunk_toward_the_plan() {
        let plan = rows(&[100.0; 8]);
        let seen = rows(&[150.0; 2]);
        let u = Update::with_discount(&plan, &seen, 0.1, 1.0);
        assert_eq!(u.run_rate(), 1.5);
        let w = u.weight();
        assert!((w - 200.0 / 300.0).abs() < 1e-12, "{w}");
        assert!((u.ratio() - (w * 1.5 + (1.0 - w))).abs() < 1e-12);
        assert!(Update::with_discount(&plan, &rows(&[150.0; 6]), 0.1, 1.0).weight() > w);
    }

    #[test]
    fn successive_differences_tell_noise_from_drift() {
        // a steady climb of the ratio from 1 to 2 over 16 intervals of 400 planned: the
        // neighbours differ by 1/15 of the plan, about 1.3 Poisson standard deviations
        let plan = rows(&[400.0; 16]);
        let climb: Vec<f64> = (0..16).map(|i| 400.0 * (1.0 + i as f64 / 15.0)).collect();
        let u = Update::new(&plan, &rows(&climb), 0.25);
        assert!(u.dispersion < 3.0, "{}", u.dispersion);
        // and it is read as drift: the update discounts, and follows the recent ratio
        // (a level that forgets lags a steady climb, but by far less than the run-rate)
        assert!(u.discount < 1.0, "{}", u.discount);
        assert!(
            u.ratio() > 1.7 && u.run_rate() < 1.55,
            "{} {}",
            u.ratio(),
            u.run_rate()
        );
        // counts that jump up and down around one rate are noise, not drift
        let jumpy: Vec<f64> = (0..16)
            .map(|i| if i % 2 == 0 { 300.0 } else { 500.0 })
            .collect();
        let u = Update::new(&plan, &rows(&jumpy), 0.25);
        assert!(u.dispersion > 20.0, "{}", u.dispersion);
        assert_eq!(u.discount, 1.0);
    }

    #[test]
    fn a_steady_night_keeps_the_plain_update() {
        let plan = rows(&[400.0; 16]);
        let u = Update::new(&plan, &rows(&[520.0; 16]), 0.25);
        assert_eq!((u.discount, u.dispersion), (1.0, 1.0));
        assert_eq!(
            u,
            Update::with_discount(&plan, &rows(&[520.0; 16]), 0.25, 1.0)
        );
    }

    #[test]
    fn the_span_carries_the_shared_uncertainty() {
        let plan = rows(&[100.0; 8]);
        let u = Update::with_discount(&plan, &rows(&[120.0; 4]), 0.25, 0.8);
        let one = u.predict(100.0);
        // four intervals ahead at once: four times the mean, and more than four times the
        // variance (the ratio's uncertainty is shared, and grows ahead)
        let span = u.predict_span(&[(100.0, 0.25), (100.0, 0.5), (100.0, 0.75), (100.0, 1.0)]);
        assert!((span.mean - 4.0 * one.mean).abs() < 1e-9);
        assert!(span.var > 4.0 * one.var);
        let now = u.predict_span(&[(400.0, 0.0)]);
        assert!(span.var > now.var);
        // without a discount the span at any distance is one interval of their total
        let flat = Update::with_discount(&plan, &rows(&[120.0; 4]), 0.25, 1.0);
        let span = flat.predict_span(&[(100.0, 0.25), (300.0, 2.0)]);
        let whole = flat.predict(400.0);
        assert!((span.var - whole.var).abs() < 1e-9 * whole.var);
    }
}
