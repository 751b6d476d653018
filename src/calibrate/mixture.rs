//! Typed effort where replies mix quick phrases (快捷短语) with typed ones. The log's
//! efforts are the mixture; with the base scenario's quick-phrase share (by group) and
//! quick-phrase law taken as given, the typed replies' log-normal is fitted by maximum
//! likelihood on the binned efforts, each group's efforts scaled back by its speed.

use std::collections::BTreeMap;

use argmin::core::{CostFunction, Error, Executor};
use argmin::solver::neldermead::NelderMead;

use super::collect::HANDLING_BINS;
use super::estimate::{LogNormalFit, Value};
use super::survival::covariance_of;

const Z95: f64 = 1.959_963_984_540_054;
const Z90: f64 = 1.281_551_565_544_600_9;

/// One group's efforts: its speed, its share of quick phrases, and its binned efforts
/// (bin `k` is an effort of `exp(k / HANDLING_BINS)` seconds).
pub struct GroupEfforts<'a> {
    pub speed: f64,
    pub quick_share: f64,
    pub bins: &'a BTreeMap<i32, u64>,
}

struct Mixture<'a> {
    groups: &'a [GroupEfforts<'a>],
    /// The quick phrases' log-normal (mu, sigma of the log seconds at a veteran's speed).
    quick: (f64, f64),
}

fn log_density(y: f64, mu: f64, sigma: f64) -> f64 {
    let z = (y - mu) / sigma;
    -0.5 * z * z - sigma.ln() - 0.5 * (2.0 * std::f64::consts::PI).ln()
}

impl Mixture<'_> {
    /// The negative log-likelihood at `th` = (mu, ln sigma) of the typed replies.
    fn value(&self, th: &[f64]) -> f64 {
        let (mu, sigma) = (th[0], th[1].exp());
        let mut ll = 0.0;
        for g in self.groups {
            let shift = g.speed.ln();
            let q = g.quick_share.clamp(0.0, 1.0);
            for (&k, &n) in g.bins {
                // a veteran's log effort: the observed one plus ln(speed)
                let y = f64::from(k) / HANDLING_BINS + shift;
                let typed = (1.0 - q) * log_density(y, mu, sigma).exp();
                let quick = q * log_density(y, self.quick.0, self.quick.1).exp();
                ll += n as f64 * (typed + quick).max(f64::MIN_POSITIVE).ln();
            }
        }
        if ll.is_finite() { -ll } else { f64::INFINITY }
    }
}

impl CostFunction for Mixture<'_> {
    type Param = Vec<f64>;
    type Output = f64;
    fn cost(&self, th: &Self::Param) -> Result<f64, Error> {
        Ok(self.value(th))
    }
}

/// The typed replies' log-normal at a veteran's speed, with 95% intervals (observed
/// information); `None` with fewer than 30 efforts or when the fit does not converge.
pub fn typed_effort(groups: &[GroupEfforts], quick: (f64, f64)) -> Option<LogNormalFit> {
    let n: u64 = groups.iter().flat_map(|g| g.bins.values()).sum();
    if n < 30 {
        return None;
    }
    // start from the moments of the log efforts
    let (mut s1, mut s2) = (0.0, 0.0);
    for g in groups {
        for (&k, &c) in g.bins {
            let y = f64::from(k) / HANDLING_BINS + g.speed.ln();
            s1 += c as f64 * y;
            s2 += c as f64 * y * y;
        }
    }
    let mean = s1 / n as f64;
    let sd = (s2 / n as f64 - mean * mean).max(1e-4).sqrt();
    let model = Mixture { groups, quick };
    let start = vec![mean, sd.ln()];
    let simplex = vec![
        start.clone(),
        vec![start[0] + 0.3, start[1]],
        vec![start[0], start[1] + 0.3],
    ];
    let solver = NelderMead::new(simplex).with_sd_tolerance(1e-10).ok()?;
    let run = Executor::new(Mixture { groups, quick }, solver)
        .configure(|s| s.max_iters(2_000))
        .run()
        .ok()?;
    let th = run
        .state
        .best_param
        .filter(|p| p.iter().all(|x| x.is_finite()))?;
    let cov = covariance_of(|x| model.value(x), &th)?;
    let (mu, sigma) = (th[0], th[1].exp());
    // exp(mu + a sigma) and its interval by the delta method on (mu, ln sigma)
    let at = |a: f64, b: f64| -> Value {
        // the log of the quantity is mu + a sigma + b sigma^2
        let v = mu + a * sigma + b * sigma * sigma;
        let g = [1.0, a * sigma + 2.0 * b * sigma * sigma];
        let var = g[0] * g[0] * cov[0][0] + 2.0 * g[0] * g[1] * cov[0][1] + g[1] * g[1] * cov[1][1];
        let se = var.max(0.0).sqrt();
        Value {
            value: v.exp(),
            lo: (v - Z95 * se).exp(),
            hi: (v + Z95 * se).exp(),
            n,
        }
    };
    let se_ls = cov[1][1].max(0.0).sqrt();
    Some(LogNormalFit {
        median_s: at(0.0, 0.0),
        p90_s: at(Z90, 0.0),
        mean_s: at(0.0, 0.5),
        sigma: Value {
            value: sigma,
            lo: (th[1] - Z95 * se_ls).exp(),
            hi: (th[1] + Z95 * se_ls).exp(),
            n,
        },
    })
}
