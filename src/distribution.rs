//! Probability distributions of durations (seconds) and of counts, sampled by the model.

use rand::RngExt;
use rand_distr::{Distribution, Exp, Gamma, LogNormal, Poisson, Weibull};
use serde::Serialize;

use crate::engine::SimTime;
use crate::random::SimRng;

/// A distribution of a duration in seconds. Built only through validated constructors.
#[derive(Clone, Debug)]
pub enum Duration {
    /// Always the same value.
    Fixed(f64),
    /// Exponential with the given rate (1/mean).
    Exponential(Exp<f64>),
    /// Weibull with shape `k` and scale `λ`.
    Weibull(Weibull<f64>),
    /// Log-normal with underlying normal `μ`, `σ`.
    LogNormal(LogNormal<f64>),
    /// Uniform on `[lo, hi)`.
    Uniform { lo: f64, hi: f64 },
    /// Gamma with shape and scale.
    Gamma(Gamma<f64>),
    /// Never happens (infinite patience).
    Never,
}

/// What a [`Duration`] was built from, echoed in outputs with its mean.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "dist", rename_all = "snake_case")]
pub enum DurationSpec {
    Fixed { value_s: f64 },
    Exponential { mean_s: f64 },
    Weibull { shape: f64, scale_s: f64 },
    Lognormal { mu: f64, sigma: f64 },
    Uniform { min_s: f64, max_s: f64 },
    Gamma { shape: f64, scale_s: f64 },
    Never,
}

impl DurationSpec {
    /// Builds the sampler. Parameters must already be validated (finite, positive).
    ///
    /// # Panics
    /// When a parameter is out of range; `scenario::validate` rules that out.
    pub fn build(&self) -> Duration {
        match *self {
            DurationSpec::Fixed { value_s } => Duration::Fixed(value_s),
            DurationSpec::Exponential { mean_s } => {
                Duration::Exponential(Exp::new(1.0 / mean_s).expect("validated exponential"))
            }
            DurationSpec::Weibull { shape, scale_s } => {
                Duration::Weibull(Weibull::new(scale_s, shape).expect("validated weibull"))
            }
            DurationSpec::Lognormal { mu, sigma } => {
                Duration::LogNormal(LogNormal::new(mu, sigma).expect("validated lognormal"))
            }
            DurationSpec::Uniform { min_s, max_s } => Duration::Uniform {
                lo: min_s,
                hi: max_s,
            },
            DurationSpec::Gamma { shape, scale_s } => {
                Duration::Gamma(Gamma::new(shape, scale_s).expect("validated gamma"))
            }
            DurationSpec::Never => Duration::Never,
        }
    }

    /// The mean in seconds (infinite for `Never`).
    pub fn mean_s(&self) -> f64 {
        match *self {
            DurationSpec::Fixed { value_s } => value_s,
            DurationSpec::Exponential { mean_s } => mean_s,
            DurationSpec::Weibull { shape, scale_s } => scale_s * gamma_fn(1.0 + 1.0 / shape),
            DurationSpec::Lognormal { mu, sigma } => (mu + sigma * sigma / 2.0).exp(),
            DurationSpec::Uniform { min_s, max_s } => (min_s + max_s) / 2.0,
            DurationSpec::Gamma { shape, scale_s } => shape * scale_s,
            DurationSpec::Never => f64::INFINITY,
        }
    }

    /// A copy with every time scaled by `factor` (> 0): the same shape, a different mean.
    pub fn scaled(&self, factor: f64) -> DurationSpec {
        match *self {
            DurationSpec::Fixed { value_s } => DurationSpec::Fixed {
                value_s: value_s * factor,
            },
            DurationSpec::Exponential { mean_s } => DurationSpec::Exponential {
                mean_s: mean_s * factor,
            },
            DurationSpec::Weibull { shape, scale_s } => DurationSpec::Weibull {
                shape,
                scale_s: scale_s * factor,
            },
            DurationSpec::Lognormal { mu, sigma } => DurationSpec::Lognormal {
                mu: mu + factor.ln(),
                sigma,
            },
            DurationSpec::Uniform { min_s, max_s } => DurationSpec::Uniform {
                min_s: min_s * factor,
                max_s: max_s * factor,
            },
            DurationSpec::Gamma { shape, scale_s } => DurationSpec::Gamma {
                shape,
                scale_s: scale_s * factor,
            },
            DurationSpec::Never => DurationSpec::Never,
        }
    }
}

impl DurationSpec {
    /// `P(X > t)`.
    pub fn survival(&self, t: f64) -> f64 {
        use statrs::distribution::{ContinuousCDF, Gamma as G, Normal};
        if t <= 0.0 {
            return 1.0;
        }
        match *self {
            DurationSpec::Fixed { value_s } => f64::from(u8::from(value_s > t)),
            DurationSpec::Exponential { mean_s } => (-t / mean_s).exp(),
            DurationSpec::Weibull { shape, scale_s } => (-(t / scale_s).powf(shape)).exp(),
            DurationSpec::Lognormal { mu, sigma } => {
                Normal::new(mu, sigma).map_or(0.0, |n| n.sf(t.ln()))
            }
            DurationSpec::Uniform { min_s, max_s } => {
                ((max_s - t) / (max_s - min_s)).clamp(0.0, 1.0)
            }
            DurationSpec::Gamma { shape, scale_s } => {
                G::new(shape, 1.0 / scale_s).map_or(0.0, |g| g.sf(t))
            }
            DurationSpec::Never => 1.0,
        }
    }

    /// A draw of what is left of a duration that has already run `elapsed_s`: `X -
    /// elapsed` for `X` from the law conditioned on `X > elapsed` (inverse transform on
    /// the survival function; `f64::INFINITY` for `Never`; 0 where the law leaves no
    /// room past `elapsed`).
    pub fn residual_s(&self, elapsed_s: f64, rng: &mut SimRng) -> f64 {
        use statrs::distribution::{ContinuousCDF, Gamma as G, Normal};
        let e = elapsed_s.max(0.0);
        // u uniform on (0, 1]: the draw's survival, as a share of the survival at e
        let u = 1.0 - rng.random::<f64>();
        let x = match *self {
            DurationSpec::Fixed { value_s } => value_s,
            DurationSpec::Exponential { mean_s } => e - mean_s * u.ln(),
            DurationSpec::Weibull { shape, scale_s } => {
                scale_s * ((e / scale_s).powf(shape) - u.ln()).powf(1.0 / shape)
            }
            DurationSpec::Lognormal { mu, sigma } => {
                let z0 = if e > 0.0 {
                    (e.ln() - mu) / sigma
                } else {
                    f64::NEG_INFINITY
                };
                let std = Normal::standard();
                // survival target S(x) = u * S(e), read off the upper tail
                let tail = u * std.sf(z0);
                if tail <= 0.0 {
                    e
                } else {
                    (mu - sigma * std.inverse_cdf(tail).min(-z0)).exp()
                }
            }
            DurationSpec::Uniform { min_s, max_s } => {
                let lo = min_s.max(e);
                lo + (max_s - lo).max(0.0) * (1.0 - u)
            }
            DurationSpec::Gamma { shape, scale_s } => match G::new(shape, 1.0 / scale_s) {
                Ok(g) => {
                    let f0 = g.cdf(e);
                    g.inverse_cdf((f0 + (1.0 - f0) * (1.0 - u)).min(1.0 - 1e-16))
                        .max(e)
                }
                Err(_) => e,
            },
            DurationSpec::Never => return f64::INFINITY,
        };
        (x - e).max(0.0)
    }
}

/// Draws weighed against each other for [`DurationSpec::equilibrium_residual_s`].
const EQUILIBRIUM_DRAWS: usize = 256;

impl DurationSpec {
    /// A draw of what is left of a duration found under way at a random moment, its
    /// start unknown, among durations that begin at a steady rate: the equilibrium law,
    /// of density `S(t) / E[X]`. A duration found under way is picked in proportion to its
    /// length (the longer, the likelier to be under way), and found at a uniform point of
    /// it. The length-biased pick is made among [`EQUILIBRIUM_DRAWS`] draws, each weighed
    /// by its length (sampling-importance resampling). `f64::INFINITY` for `Never`.
    pub fn equilibrium_residual_s(&self, rng: &mut SimRng) -> f64 {
        if matches!(self, DurationSpec::Never) {
            return f64::INFINITY;
        }
        let draws: Vec<f64> = (0..EQUILIBRIUM_DRAWS)
            .map(|_| self.residual_s(0.0, rng))
            .collect();
        let total: f64 = draws.iter().sum();
        if !(total > 0.0 && total.is_finite()) {
            return 0.0;
        }
        let mut u = rng.random::<f64>() * total;
        let mut pick = draws[draws.len() - 1];
        for &d in &draws {
            if u < d {
                pick = d;
                break;
            }
            u -= d;
        }
        pick * rng.random::<f64>()
    }
}

impl Duration {
    /// One draw, in seconds (`f64::INFINITY` for `Never`).
    #[inline]
    pub fn sample_s(&self, rng: &mut SimRng) -> f64 {
        match self {
            Duration::Fixed(v) => *v,
            Duration::Exponential(d) => d.sample(rng),
            Duration::Weibull(d) => d.sample(rng),
            Duration::LogNormal(d) => d.sample(rng),
            Duration::Uniform { lo, hi } => lo + (hi - lo) * rng.random::<f64>(),
            Duration::Gamma(d) => d.sample(rng),
            Duration::Never => f64::INFINITY,
        }
    }

    /// One draw as simulated time ([`SimTime::NEVER`] for `Never`).
    #[inline]
    pub fn sample(&self, rng: &mut SimRng) -> SimTime {
        SimTime::from_secs_f64(self.sample_s(rng))
    }

    /// One draw scaled by `factor`, as simulated time.
    #[inline]
    pub fn sample_scaled(&self, rng: &mut SimRng, factor: f64) -> SimTime {
        SimTime::from_secs_f64(self.sample_s(rng) * factor)
    }
}

/// A distribution of a whole count (for example customer messages per conversation).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "dist", rename_all = "snake_case")]
pub enum CountSpec {
    /// Always `value`.
    Fixed { value: u32 },
    /// `1 + NegBin`, with overall mean `mean` (>= 1) and dispersion `k` (variance of the
    /// extra part = m + m^2/k); large `k` tends to `1 + Poisson(mean - 1)`.
    NegativeBinomial { mean: f64, dispersion: f64 },
    /// Geometric on 1, 2, ... with mean `mean` (>= 1).
    Geometric { mean: f64 },
}

impl CountSpec {
    /// One draw (always >= 1 except `Fixed { value: 0 }`, which validation rejects).
    pub fn sample(&self, rng: &mut SimRng) -> u32 {
        match *self {
            CountSpec::Fixed { value } => value,
            CountSpec::NegativeBinomial { mean, dispersion } => {
                let extra = mean - 1.0;
                if extra <= 0.0 {
                    return 1;
                }
                let lambda = Gamma::new(dispersion, extra / dispersion)
                    .expect("validated negative binomial")
                    .sample(rng);
                if lambda <= 0.0 {
                    return 1;
                }
                let n: f64 = Poisson::new(lambda).map(|p| p.sample(rng)).unwrap_or(0.0);
                1 + n.min(u32::MAX as f64 - 1.0) as u32
            }
            CountSpec::Geometric { mean } => {
                if mean <= 1.0 {
                    return 1;
                }
                let p = 1.0 / mean;
                let u: f64 = rng.random::<f64>();
                let k = ((1.0 - u).ln() / (1.0 - p).ln()).floor();
                1 + k.min(u32::MAX as f64 - 1.0) as u32
            }
        }
    }

    /// The mean count.
    pub fn mean(&self) -> f64 {
        match *self {
            CountSpec::Fixed { value } => f64::from(value),
            CountSpec::NegativeBinomial { mean, .. } | CountSpec::Geometric { mean } => mean,
        }
    }
}

/// The gamma function, by the Lanczos approximation (g = 7, n = 9); relative error < 1e-13
/// for the arguments used here (Weibull means, x in (1, 20)).
pub fn gamma_fn(x: f64) -> f64 {
    const G: f64 = 7.0;
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        return std::f64::consts::PI / ((std::f64::consts::PI * x).sin() * gamma_fn(1.0 - x));
    }
    let x = x - 1.0;
    let mut a = C[0];
    let t = x + G + 0.5;
    for (i, c) in C.iter().enumerate().skip(1) {
        a += c / (x + i as f64);
    }
    (2.0 * std::f64::consts::PI).sqrt() * t.powf(x + 0.5) * (-t).exp() * a
}

#[cfg(test)]
mod residual_tests {
    use super::*;
    use crate::random::{Stream, stream};

    /// The residual draw against rejection sampling from the law itself: the means of
    /// 40,000 draws each differ by less than 4.5 standard errors, and so do the shares
    /// above the rejection sample's median.
    #[test]
    fn residuals_match_rejection_sampling() {
        let laws = [
            DurationSpec::Exponential { mean_s: 60.0 },
            DurationSpec::Weibull {
                shape: 0.7,
                scale_s: 100.0,
            },
            DurationSpec::Weibull {
                shape: 2.5,
                scale_s: 100.0,
            },
            DurationSpec::Lognormal {
                mu: 4.0,
                sigma: 1.0,
            },
            DurationSpec::Uniform {
                min_s: 10.0,
                max_s: 200.0,
            },
            DurationSpec::Gamma {
                shape: 2.0,
                scale_s: 40.0,
            },
        ];
        let mut rng = stream(5, 0, Stream::Customers);
        for law in &laws {
            for e in [0.0, 30.0, 150.0] {
                let d = law.build();
                let mut rej = Vec::new();
                while rej.len() < 40_000 {
                    let x = d.sample_s(&mut rng);
                    if x > e {
                        rej.push(x - e);
                    }
                }
                let res: Vec<f64> = (0..40_000).map(|_| law.residual_s(e, &mut rng)).collect();
                let stats = |v: &[f64]| {
                    let n = v.len() as f64;
                    let m = v.iter().sum::<f64>() / n;
                    let var = v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0);
                    (m, var / n)
                };
                let ((m1, v1), (m2, v2)) = (stats(&rej), stats(&res));
                let z = (m1 - m2) / (v1 + v2).sqrt();
                assert!(
                    z.abs() < 4.5,
                    "{law:?} after {e}: mean {m1} against {m2} (z {z})"
                );
                let mut sorted = rej.clone();
                sorted.sort_by(f64::total_cmp);
                let med = sorted[sorted.len() / 2];
                let share = res.iter().filter(|x| **x > med).count() as f64 / 40_000.0;
                let z = (share - 0.5) / (0.25f64 / 40_000.0 * 2.0).sqrt();
                assert!(z.abs() < 4.5, "{law:?} after {e}: {share} above the median");
            }
            assert!((law.survival(0.0) - 1.0).abs() < 1e-12);
        }
    }

    /// What is left of a duration found under way has the equilibrium law, of mean
    /// `E[X^2] / (2 E[X])`: 40,000 draws each within 4.5 standard errors of it.
    #[test]
    fn equilibrium_residuals_have_the_equilibrium_mean() {
        let lognormal_mean = (5.5f64).exp() / 2.0;
        let cases = [
            (DurationSpec::Exponential { mean_s: 60.0 }, 60.0),
            (
                DurationSpec::Uniform {
                    min_s: 10.0,
                    max_s: 200.0,
                },
                (200.0f64.powi(3) - 10.0f64.powi(3)) / (3.0 * 190.0) / 210.0,
            ),
            (
                DurationSpec::Lognormal {
                    mu: 4.0,
                    sigma: 1.0,
                },
                lognormal_mean,
            ),
            (DurationSpec::Fixed { value_s: 30.0 }, 15.0),
        ];
        let mut rng = stream(6, 0, Stream::Customers);
        for (law, mean) in &cases {
            let v: Vec<f64> = (0..40_000)
                .map(|_| law.equilibrium_residual_s(&mut rng))
                .collect();
            let n = v.len() as f64;
            let m = v.iter().sum::<f64>() / n;
            let se = (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0) / n).sqrt();
            assert!(
                (m - mean).abs() < 4.5 * se,
                "{law:?}: mean {m} against {mean} (se {se})"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::{Stream, stream};

    fn sample_mean(spec: &DurationSpec, n: usize) -> f64 {
        let d = spec.build();
        let mut rng = stream(1, 0, Stream::Service);
        (0..n).map(|_| d.sample_s(&mut rng)).sum::<f64>() / n as f64
    }

    #[test]
    fn gamma_function_matches_known_values() {
        assert!((gamma_fn(5.0) - 24.0).abs() < 1e-10);
        assert!((gamma_fn(0.5) - std::f64::consts::PI.sqrt()).abs() < 1e-12);
        assert!((gamma_fn(1.0 + 1.0 / 0.9) - 1.052_183_720_891_293).abs() < 1e-12);
    }

    #[test]
    fn sample_means_match_analytic_means() {
        // 200k draws: the standard error of the mean is under 0.5% of the mean for these
        // shapes (cv <= 1.2), so 2% is more than 4 standard errors.
        let specs = [
            DurationSpec::Exponential { mean_s: 180.0 },
            DurationSpec::Weibull {
                shape: 0.9,
                scale_s: 228.0,
            },
            DurationSpec::Lognormal {
                mu: 12f64.ln(),
                sigma: 0.835,
            },
            DurationSpec::Uniform {
                min_s: 120.0,
                max_s: 1800.0,
            },
            DurationSpec::Gamma {
                shape: 2.0,
                scale_s: 10.0,
            },
        ];
        for spec in specs {
            let got = sample_mean(&spec, 200_000);
            let want = spec.mean_s();
            assert!(
                (got - want).abs() / want < 0.02,
                "{spec:?}: {got} vs {want}"
            );
        }
    }

    #[test]
    fn scaling_scales_the_mean() {
        let spec = DurationSpec::Weibull {
            shape: 0.9,
            scale_s: 228.0,
        };
        assert!((spec.scaled(0.7).mean_s() - 0.7 * spec.mean_s()).abs() < 1e-9);
        let ln = DurationSpec::Lognormal {
            mu: 2.0,
            sigma: 0.5,
        };
        assert!((ln.scaled(1.5).mean_s() - 1.5 * ln.mean_s()).abs() < 1e-9);
    }

    #[test]
    fn count_distributions_have_their_means() {
        let mut rng = stream(3, 0, Stream::Customers);
        for spec in [
            CountSpec::NegativeBinomial {
                mean: 9.0,
                dispersion: 3.0,
            },
            CountSpec::Geometric { mean: 4.0 },
            CountSpec::Fixed { value: 3 },
        ] {
            let n = 200_000;
            let draws: Vec<u32> = (0..n).map(|_| spec.sample(&mut rng)).collect();
            assert!(draws.iter().all(|&d| d >= 1));
            let mean = draws.iter().map(|&d| f64::from(d)).sum::<f64>() / n as f64;
            assert!(
                (mean - spec.mean()).abs() / spec.mean() < 0.02,
                "{spec:?}: {mean}"
            );
        }
    }
}
