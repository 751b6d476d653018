//! Statistics across replications: mean, sample standard deviation, Student-t 95% CI.

use serde::Serialize;
use statrs::distribution::{ContinuousCDF, StudentsT};

/// A quantity estimated from independent replications.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Estimate {
    /// Mean over the replications that have a value.
    pub mean: f64,
    /// Lower end of the 95% Student-t confidence interval (equal to `mean` with one value).
    pub ci_low: f64,
    /// Upper end of the 95% Student-t confidence interval.
    pub ci_high: f64,
    /// Sample standard deviation (0 with one value).
    pub sd: f64,
    /// Replications with a value.
    pub n: usize,
}

impl Estimate {
    /// The estimate from `values` (non-finite values are ignored); `None` when none remain.
    pub fn from_values(values: impl IntoIterator<Item = f64>) -> Option<Estimate> {
        let xs: Vec<f64> = values.into_iter().filter(|x| x.is_finite()).collect();
        let n = xs.len();
        if n == 0 {
            return None;
        }
        let mean = xs.iter().sum::<f64>() / n as f64;
        let sd = if n > 1 {
            (xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt()
        } else {
            0.0
        };
        Some(Estimate::from_mean_sd(n, mean, sd))
    }

    /// The estimate of `n >= 1` values with this mean and sample standard deviation.
    fn from_mean_sd(n: usize, mean: f64, sd: f64) -> Estimate {
        let half = if n > 1 {
            t_975(n - 1) * sd / (n as f64).sqrt()
        } else {
            0.0
        };
        Estimate {
            mean,
            ci_low: mean - half,
            ci_high: mean + half,
            sd,
            n,
        }
    }

    /// The estimate from `n` finite values given by their sum and sum of squares (for
    /// values folded one at a time); `None` when `n` is 0.
    pub fn from_moments(n: usize, sum: f64, sum_sq: f64) -> Option<Estimate> {
        if n == 0 {
            return None;
        }
        let nf = n as f64;
        let mean = sum / nf;
        let sd = if n > 1 {
            ((sum_sq - sum * mean) / (nf - 1.0)).max(0.0).sqrt()
        } else {
            0.0
        };
        Some(Estimate::from_mean_sd(n, mean, sd))
    }

    /// Half the width of the confidence interval.
    pub fn half_width(&self) -> f64 {
        (self.ci_high - self.ci_low) / 2.0
    }

    /// The standard error of the mean.
    pub fn std_error(&self) -> f64 {
        if self.n > 1 {
            self.sd / (self.n as f64).sqrt()
        } else {
            0.0
        }
    }
}

/// The 0.975 quantile of Student's t with `df` degrees of freedom.
pub fn t_975(df: usize) -> f64 {
    StudentsT::new(0.0, 1.0, df as f64)
        .map(|t| t.inverse_cdf(0.975))
        .unwrap_or(1.959_963_984_540_054)
}

/// Wilson score interval of a proportion: `successes` of `n` at normal quantile `z`
/// (1.96 for 95%); `(0, 1)` when `n` is 0.
pub fn wilson(successes: u64, n: u64, z: f64) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    let (n, p) = (n as f64, successes as f64 / n as f64);
    let z2 = z * z;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = z / (1.0 + z2 / n) * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_matches_a_worked_example() {
        // 27 of 30 at 95%: 0.7438 .. 0.9654 (the score formula worked out separately)
        let (lo, hi) = wilson(27, 30, 1.959_964);
        assert!(
            (lo - 0.7438).abs() < 1e-3 && (hi - 0.9654).abs() < 1e-3,
            "{lo} {hi}"
        );
        assert_eq!(wilson(0, 0, 1.96), (0.0, 1.0));
        let (lo, hi) = wilson(30, 30, 1.96);
        assert!(hi == 1.0 && lo > 0.88 && lo < 0.89, "{lo}");
    }

    #[test]
    fn t_quantiles_match_tables() {
        assert!((t_975(1) - 12.706).abs() < 1e-3);
        assert!((t_975(29) - 2.045).abs() < 1e-3);
        assert!((t_975(1000) - 1.962).abs() < 1e-3);
    }

    #[test]
    fn estimate_of_known_values() {
        let e = Estimate::from_values([1.0, 2.0, 3.0, f64::NAN]).unwrap();
        assert_eq!(e.n, 3);
        assert!((e.mean - 2.0).abs() < 1e-12);
        assert!((e.sd - 1.0).abs() < 1e-12);
        assert!((e.half_width() - 4.302_652_7 / 3f64.sqrt()).abs() < 1e-6);
        assert!(Estimate::from_values([]).is_none());
    }
}
