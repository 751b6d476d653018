//! Arrivals: a piecewise-constant rate curve, the non-homogeneous Poisson process drawn from
//! it, the per-replication forecast error and the class mix by period.

mod shapes;

pub use shapes::Shape;

use rand_distr::{Distribution, Exp1};

use crate::class::Class;
use crate::engine::SimTime;
use crate::random::SimRng;

/// One interval of constant arrival rate.
#[derive(Clone, Debug, PartialEq)]
pub struct Segment {
    /// Start, seconds from the scenario start.
    pub start_s: f64,
    /// End (exclusive), seconds from the scenario start.
    pub end_s: f64,
    /// Arrivals per second during the interval (before forecast error).
    pub rate_per_s: f64,
}

/// A piecewise-constant arrival rate over `[0, horizon)`; contiguous, sorted segments.
#[derive(Clone, Debug, PartialEq)]
pub struct RateCurve {
    segments: Vec<Segment>,
}

impl RateCurve {
    /// A curve from contiguous, sorted segments with finite non-negative rates.
    ///
    /// # Panics
    /// When segments are unsorted, gapped or have a bad rate; validation rules that out.
    pub fn new(segments: Vec<Segment>) -> RateCurve {
        for w in segments.windows(2) {
            assert!(
                (w[0].end_s - w[1].start_s).abs() < 1e-9,
                "rate segments must be contiguous"
            );
        }
        for s in &segments {
            assert!(s.end_s > s.start_s && s.rate_per_s.is_finite() && s.rate_per_s >= 0.0);
        }
        RateCurve { segments }
    }

    /// The segments, in time order.
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// Expected arrivals over the whole curve.
    pub fn expected_total(&self) -> f64 {
        self.segments
            .iter()
            .map(|s| s.rate_per_s * (s.end_s - s.start_s))
            .sum()
    }

    /// Expected arrivals in `[from_s, to_s)`.
    pub fn expected_between(&self, from_s: f64, to_s: f64) -> f64 {
        self.segments
            .iter()
            .map(|s| s.rate_per_s * (s.end_s.min(to_s) - s.start_s.max(from_s)).max(0.0))
            .sum()
    }

    /// The rate at `t_s` seconds (0 outside the curve).
    pub fn rate_at(&self, t_s: f64) -> f64 {
        self.segments
            .iter()
            .find(|s| s.start_s <= t_s && t_s < s.end_s)
            .map_or(0.0, |s| s.rate_per_s)
    }
}

/// The class mix from a point in time on: shares of pre-sale, in-sale, after-sale.
#[derive(Clone, Debug, PartialEq)]
pub struct MixPeriod {
    /// Start, seconds from the scenario start.
    pub from_s: f64,
    /// Shares by [`Class::index`], summing to 1.
    pub shares: [f64; 3],
}

/// Everything about who arrives when.
#[derive(Clone, Debug, PartialEq)]
pub struct Arrivals {
    /// The expected rate.
    pub curve: RateCurve,
    /// Coefficient of variation of the per-replication volume multiplier (0 = none).
    pub forecast_error_cv: f64,
    /// Class mix periods, sorted by start; the first starts at 0.
    pub mix: Vec<MixPeriod>,
}

impl Arrivals {
    /// The volume multiplier for one replication: log-normal with mean 1 and the given cv.
    pub fn draw_volume_factor(&self, rng: &mut SimRng) -> f64 {
        if self.forecast_error_cv <= 0.0 {
            return 1.0;
        }
        let sigma2 = (1.0 + self.forecast_error_cv.powi(2)).ln();
        let z: f64 = rand_distr::StandardNormal.sample(rng);
        (-sigma2 / 2.0 + sigma2.sqrt() * z).exp()
    }

    /// Expected arrivals of `class` in `[from_s, to_s)`: the curve weighted by the class's
    /// share in each mix period (with no mix, every arrival is pre-sale).
    pub fn class_expected_between(&self, class: Class, from_s: f64, to_s: f64) -> f64 {
        if self.mix.is_empty() {
            return match class {
                Class::PreSale => self.curve.expected_between(from_s, to_s),
                _ => 0.0,
            };
        }
        self.mix
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let end = self.mix.get(i + 1).map_or(f64::INFINITY, |n| n.from_s);
                let (a, b) = (p.from_s.max(from_s), end.min(to_s));
                if b > a {
                    self.curve.expected_between(a, b) * p.shares[class.index()]
                } else {
                    0.0
                }
            })
            .sum()
    }

    /// The class of a customer arriving at `t`, from one uniform draw `u` in [0, 1).
    pub fn class_at(&self, t: SimTime, u: f64) -> Class {
        let t_s = t.as_secs_f64();
        let idx = self
            .mix
            .partition_point(|p| p.from_s <= t_s)
            .saturating_sub(1);
        let shares = self.mix.get(idx).map_or([1.0, 0.0, 0.0], |p| p.shares);
        if u < shares[0] {
            Class::PreSale
        } else if u < shares[0] + shares[1] {
            Class::InSale
        } else {
            Class::AfterSale
        }
    }
}

/// One arrival a second from 0 to `end_s`, with class mix `first` until `switch_s` and
/// `second` after: a fixture for tests of the mix.
#[cfg(test)]
pub(crate) fn flat_with_two_mixes(
    end_s: f64,
    switch_s: f64,
    first: [f64; 3],
    second: [f64; 3],
) -> Arrivals {
    Arrivals {
        curve: RateCurve::new(vec![Segment {
            start_s: 0.0,
            end_s,
            rate_per_s: 1.0,
        }]),
        forecast_error_cv: 0.0,
        mix: vec![
            MixPeriod {
                from_s: 0.0,
                shares: first,
            },
            MixPeriod {
                from_s: switch_s,
                shares: second,
            },
        ],
    }
}

/// Draws the arrival times of a non-homogeneous Poisson process by inverting the
/// cumulative intensity: exact for a piecewise-constant rate, one exponential per arrival.
pub struct ArrivalProcess<'a> {
    segments: &'a [Segment],
    scale: f64,
    seg: usize,
    t_s: f64,
}

impl<'a> ArrivalProcess<'a> {
    /// A process over `curve` with every rate multiplied by `scale`.
    pub fn new(curve: &'a RateCurve, scale: f64) -> Self {
        let t_s = curve.segments.first().map_or(0.0, |s| s.start_s);
        ArrivalProcess {
            segments: &curve.segments,
            scale,
            seg: 0,
            t_s,
        }
    }

    /// Draws no arrivals before `t_s` (a warm start's moment).
    pub fn skip_to(&mut self, t_s: f64) {
        while self.segments.get(self.seg).is_some_and(|s| s.end_s <= t_s) {
            self.seg += 1;
        }
        self.t_s = self.t_s.max(t_s);
    }

    /// The next arrival time in seconds, or `None` after the curve's end.
    pub fn next_s(&mut self, rng: &mut SimRng) -> Option<f64> {
        let mut e: f64 = Exp1.sample(rng);
        while let Some(s) = self.segments.get(self.seg) {
            let rate = s.rate_per_s * self.scale;
            if rate > 0.0 {
                let t = self.t_s + e / rate;
                if t < s.end_s {
                    self.t_s = t;
                    return Some(t);
                }
                e -= rate * (s.end_s - self.t_s);
            }
            self.seg += 1;
            self.t_s = s.end_s;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::{Stream, stream};

    fn curve() -> RateCurve {
        RateCurve::new(vec![
            Segment {
                start_s: 0.0,
                end_s: 100.0,
                rate_per_s: 2.0,
            },
            Segment {
                start_s: 100.0,
                end_s: 200.0,
                rate_per_s: 0.0,
            },
            Segment {
                start_s: 200.0,
                end_s: 300.0,
                rate_per_s: 10.0,
            },
        ])
    }

    #[test]
    fn counts_per_segment_match_the_rates() {
        // Over 400 replications the count in each segment is Poisson: check each mean is
        // within 4 standard errors of its expectation.
        let curve = curve();
        let reps = 400;
        let mut counts = [0.0; 3];
        for r in 0..reps {
            let mut rng = stream(11, r, Stream::Arrivals);
            let mut p = ArrivalProcess::new(&curve, 1.0);
            while let Some(t) = p.next_s(&mut rng) {
                counts[(t / 100.0) as usize] += 1.0;
            }
        }
        for (i, want) in [200.0, 0.0, 1000.0].into_iter().enumerate() {
            let mean = counts[i] / reps as f64;
            let se = (want / reps as f64).sqrt();
            assert!(
                (mean - want).abs() <= 4.0 * se + 1e-12,
                "segment {i}: {mean} vs {want}"
            );
        }
    }

    #[test]
    fn class_expectation_weights_the_curve_by_the_mix() {
        let arrivals = flat_with_two_mixes(200.0, 100.0, [0.8, 0.2, 0.0], [0.5, 0.0, 0.5]);
        let pre = arrivals.class_expected_between(Class::PreSale, 50.0, 150.0);
        assert!((pre - (50.0 * 0.8 + 50.0 * 0.5)).abs() < 1e-9);
        let after = arrivals.class_expected_between(Class::AfterSale, 0.0, 200.0);
        assert!((after - 50.0).abs() < 1e-9);
    }

    #[test]
    fn volume_factor_has_mean_one() {
        let arrivals = Arrivals {
            curve: curve(),
            forecast_error_cv: 0.2,
            mix: vec![],
        };
        let mut rng = stream(5, 0, Stream::Replication);
        let n = 100_000;
        let draws: Vec<f64> = (0..n)
            .map(|_| arrivals.draw_volume_factor(&mut rng))
            .collect();
        let mean = draws.iter().sum::<f64>() / n as f64;
        // sd of the mean = 0.2 / sqrt(1e5) = 6.3e-4; 4 sd = 0.0025
        assert!((mean - 1.0).abs() < 0.0025, "{mean}");
    }

    #[test]
    fn class_follows_the_mix_period() {
        let arrivals = Arrivals {
            curve: curve(),
            forecast_error_cv: 0.0,
            mix: vec![
                MixPeriod {
                    from_s: 0.0,
                    shares: [1.0, 0.0, 0.0],
                },
                MixPeriod {
                    from_s: 100.0,
                    shares: [0.0, 0.5, 0.5],
                },
            ],
        };
        assert_eq!(
            arrivals.class_at(SimTime::from_secs(50), 0.99),
            Class::PreSale
        );
        assert_eq!(
            arrivals.class_at(SimTime::from_secs(150), 0.2),
            Class::InSale
        );
        assert_eq!(
            arrivals.class_at(SimTime::from_secs(150), 0.7),
            Class::AfterSale
        );
    }
}
