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
