//! Patience from a log, with censoring: Kaplan-Meier with Greenwood intervals, and censored
//! maximum likelihood for four laws (exponential, Weibull, log-normal, log-logistic) chosen
//! by AIC.
//!
//! A customer who left before the first reply shows its patience (an event at its wait); a
//! customer answered first shows only that its patience outlasted its wait (censored at the
//! wait). Taking patience from the leavers alone keeps only the impatient ones and
//! understates it badly; every fit here counts the answered customers as censored.
//!
//! The laws are fitted on log-scale parameters by Nelder-Mead (`argmin`); each parameter's
//! 95% interval comes from the inverse of the observed information (a numerical Hessian of
//! the log-likelihood at the optimum), and the mean's and median's by the delta method.

use argmin::core::{CostFunction, Error, Executor};
use argmin::solver::neldermead::NelderMead;
use statrs::function::erf::erfc;
use statrs::function::gamma::ln_gamma;

/// One customer's wait: `t` seconds (> 0), and whether it left then (`event`) or was answered
/// with its patience still running (censored).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Obs {
    /// The wait, seconds.
    pub t: f64,
    /// Left at `t` (true) or answered at `t` (false: censored).
    pub event: bool,
}

/// Customers with the same wait: how many left then and how many were answered then. A
/// log of millions reads as at most a few hundred thousand of these (waits to a hundredth of a second), so a
/// fit's memory does not grow with the log.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tally {
    /// The wait, seconds.
    pub t: f64,
    /// Left at `t`.
    pub left: u64,
    /// Answered at `t`, patience still running (censored).
    pub answered: u64,
}

/// `obs` grouped by wait, in increasing order of wait.
pub fn tally(obs: &[Obs]) -> Vec<Tally> {
    let mut sorted: Vec<Obs> = obs.to_vec();
    sorted.sort_by(|a, b| a.t.total_cmp(&b.t));
    let mut out: Vec<Tally> = Vec::new();
    for o in sorted {
        match out.last_mut() {
            Some(last) if last.t == o.t => {
                last.left += u64::from(o.event);
                last.answered += u64::from(!o.event);
            }
            _ => out.push(Tally {
                t: o.t,
                left: u64::from(o.event),
                answered: u64::from(!o.event),
            }),
        }
    }
    out
}

/// The normal quantile of a two-sided 95% interval.
const Z95: f64 = 1.959_963_984_540_054;

/// One step of the Kaplan-Meier curve.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct KmPoint {
    /// Event time, seconds.
    pub t: f64,
    /// Customers still waiting just before `t`.
    pub at_risk: u64,
    /// Customers who left at `t`.
    pub events: u64,
    /// Share still patient after `t`.
    pub survival: f64,
    /// Its 95% interval (Greenwood's variance on the log(-log) scale).
    pub lo: f64,
    /// Upper end.
    pub hi: f64,
}

/// The Kaplan-Meier estimate of patience's survival curve. At a time with both, leavers
/// are taken before the censored (the usual convention).
pub fn kaplan_meier(obs: &[Obs]) -> Vec<KmPoint> {
    kaplan_meier_tallied(&tally(obs))
}

/// [`kaplan_meier`] of tallied waits (in increasing order of wait).
pub fn kaplan_meier_tallied(tallies: &[Tally]) -> Vec<KmPoint> {
    let mut out = Vec::new();
    let (mut s, mut greenwood) = (1.0f64, 0.0f64);
    let mut at_risk: u64 = tallies.iter().map(|x| x.left + x.answered).sum();
    for x in tallies {
        let (t, events) = (x.t, x.left);
        let here = at_risk;
        at_risk -= x.left + x.answered;
        let at_risk = here;
        if events > 0 {
            let (d, r) = (events as f64, at_risk as f64);
            s *= 1.0 - d / r;
            if r > d {
                greenwood += d / (r * (r - d));
            }
            let (lo, hi) = log_log_interval(s, greenwood);
            out.push(KmPoint {
                t,
                at_risk,
                events,
                survival: s,
                lo,
                hi,
            });
        }
    }
    out
}

/// The 95% interval of a survival share `s` with Greenwood sum `g`, on the log(-log) scale
/// (it stays inside (0, 1)).
fn log_log_interval(s: f64, g: f64) -> (f64, f64) {
    if s <= 0.0 || s >= 1.0 {
        return (s, s);
    }
    let ln = s.ln();
    let c = Z95 * g.sqrt() / ln.abs();
    (s.powf(c.exp()), s.powf((-c).exp()))
}

/// A law of patience.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Law {
    /// Rate λ: S(t) = exp(-λ t).
    Exponential,
    /// Shape k, scale λ: S(t) = exp(-(t/λ)^k).
    Weibull,
    /// μ, σ of log t: S(t) = 1 - Φ((ln t - μ)/σ).
    LogNormal,
    /// Scale α, shape β: S(t) = 1 / (1 + (t/α)^β).
    LogLogistic,
}

impl Law {
    /// Every law, in the order they are fitted.
    pub const ALL: [Law; 4] = [
        Law::Exponential,
        Law::Weibull,
        Law::LogNormal,
        Law::LogLogistic,
    ];

    /// The scenario's name for the law.
    pub fn name(self) -> &'static str {
        match self {
            Law::Exponential => "exponential",
            Law::Weibull => "weibull",
            Law::LogNormal => "lognormal",
            Law::LogLogistic => "loglogistic",
        }
    }

    /// The parameters' names, in `θ`'s order (before the log).
    fn params(self) -> [&'static str; 2] {
        match self {
            Law::Exponential => ["rate", ""],
            Law::Weibull => ["shape", "scale_s"],
            Law::LogNormal => ["mu", "sigma"],
            Law::LogLogistic => ["scale_s", "shape"],
        }
    }

    /// log f(t) and log S(t) under `θ` (log-scale parameters; μ as is for log-normal).
    fn log_f_s(self, th: &[f64], t: f64) -> (f64, f64) {
        let lt = t.ln();
        match self {
            Law::Exponential => {
                let rate = th[0].exp();
                (th[0] - rate * t, -rate * t)
            }
            Law::Weibull => {
                let (k, ll) = (th[0].exp(), th[1]);
                let u = ((lt - ll) * k).exp();
                (th[0] - ll + (k - 1.0) * (lt - ll) - u, -u)
            }
            Law::LogNormal => {
                let (mu, sigma) = (th[0], th[1].exp());
                let z = (lt - mu) / sigma;
                let log_f = -lt - th[1] - 0.5 * (2.0 * std::f64::consts::PI).ln() - 0.5 * z * z;
                (log_f, log_normal_tail(z))
            }
            Law::LogLogistic => {
                let (la, b) = (th[0], th[1].exp());
                let lu = b * (lt - la);
                let log1p_u = softplus(lu);
                (th[1] - la + (b - 1.0) * (lt - la) - 2.0 * log1p_u, -log1p_u)
            }
        }
    }

    /// The mean (infinite for a log-logistic shape <= 1) and the median under `θ`.
    fn mean_median(self, th: &[f64]) -> (f64, f64) {
        match self {
            Law::Exponential => {
                let rate = th[0].exp();
                (1.0 / rate, std::f64::consts::LN_2 / rate)
            }
            Law::Weibull => {
                let (k, l) = (th[0].exp(), th[1].exp());
                (
                    l * ln_gamma(1.0 + 1.0 / k).exp(),
                    l * std::f64::consts::LN_2.powf(1.0 / k),
                )
            }
            Law::LogNormal => {
                let sigma = th[1].exp();
                ((th[0] + 0.5 * sigma * sigma).exp(), th[0].exp())
            }
            Law::LogLogistic => {
                let (a, b) = (th[0].exp(), th[1].exp());
                let mean = if b > 1.0 {
                    let x = std::f64::consts::PI / b;
                    a * x / x.sin()
                } else {
                    f64::INFINITY
                };
                (mean, a)
            }
        }
    }
}

/// ln(1 + e^x) without overflow.
fn softplus(x: f64) -> f64 {
    if x > 30.0 { x } else { x.exp().ln_1p() }
}

/// ln(1 - Φ(z)), accurate far in the tail.
fn log_normal_tail(z: f64) -> f64 {
    (0.5 * erfc(z / std::f64::consts::SQRT_2))
        .max(f64::MIN_POSITIVE)
        .ln()
}

/// A value with its 95% interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Interval {
    /// The estimate.
    pub value: f64,
    /// Lower end.
    pub lo: f64,
    /// Upper end.
    pub hi: f64,
}

impl Interval {
    /// True when `x` lies inside.
    pub fn contains(&self, x: f64) -> bool {
        self.lo <= x && x <= self.hi
    }
}

/// A fitted law.
#[derive(Clone, Debug, PartialEq)]
pub struct Fit {
    /// The law.
    pub law: Law,
    /// Its parameters by name (see [`Law::params`]), each with its 95% interval.
    pub params: Vec<(&'static str, Interval)>,
    /// Mean patience, s (interval by the delta method on the log scale).
    pub mean: Interval,
    /// Median patience, s.
    pub median: Interval,
    /// Maximised log-likelihood.
    pub log_lik: f64,
    /// Akaike's criterion: 2 x parameters - 2 x log-likelihood (lower is better).
    pub aic: f64,
    /// Customers and leavers the fit saw.
    pub n: usize,
    /// Leavers (events).
    pub events: usize,
}

/// Why a law cannot be fitted.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FitError {
    /// Nobody left: patience only has lower bounds, no estimate.
    #[error(
        "no customer left before an answer ({0} answered): patience cannot be identified from this log"
    )]
    NoEvents(usize),
    /// A wait that is not a positive number.
    #[error("wait {0} is not a positive number of seconds")]
    BadWait(String),
    /// The optimiser failed.
    #[error("the {0} fit did not converge: {1}")]
    NoConvergence(&'static str, String),
}

struct NegLogLik<'a> {
    law: Law,
    obs: &'a [Tally],
    /// Share of leavers who leave silently (seen as answered at their reply).
    silent: f64,
}

impl NegLogLik<'_> {
    fn value(&self, th: &[f64]) -> f64 {
        let mut ll = 0.0;
        for o in self.obs {
            let (lf, ls) = self.law.log_f_s(th, o.t);
            if o.left > 0 {
                ll += o.left as f64 * lf;
            }
            if o.answered > 0 {
                // a silent leaver whose patience ran out looks answered: P = s + (1-s) S(t)
                let lc = if self.silent > 0.0 {
                    (self.silent + (1.0 - self.silent) * ls.exp()).ln()
                } else {
                    ls
                };
                ll += o.answered as f64 * lc;
            }
        }
        if ll.is_finite() { -ll } else { f64::INFINITY }
    }
}

impl CostFunction for NegLogLik<'_> {
    type Param = Vec<f64>;
    type Output = f64;
    fn cost(&self, th: &Self::Param) -> Result<f64, Error> {
        Ok(self.value(th))
    }
}

/// Fits `law` to `obs` by censored maximum likelihood.
pub fn fit(law: Law, obs: &[Obs]) -> Result<Fit, FitError> {
    fit_tallied(law, &tally(obs))
}

/// [`fit`] of tallied waits.
pub fn fit_tallied(law: Law, obs: &[Tally]) -> Result<Fit, FitError> {
    fit_silent(law, obs, 0.0)
}

/// [`fit_tallied`] when a share `silent` of leavers leave without a trace: the log shows
/// them as answered at their reply, so a wait answered at `t` has probability
/// `silent + (1 - silent) S(t)`, and a seen leaver `(1 - silent) f(t)` (a mixture; the
/// share comes from elsewhere, since one log cannot tell it from patience).
pub fn fit_silent(law: Law, obs: &[Tally], silent: f64) -> Result<Fit, FitError> {
    if let Some(o) = obs.iter().find(|o| !(o.t.is_finite() && o.t > 0.0)) {
        return Err(FitError::BadWait(o.t.to_string()));
    }
    let events = obs.iter().map(|o| o.left).sum::<u64>() as usize;
    let n = obs.iter().map(|o| o.left + o.answered).sum::<u64>() as usize;
    if events == 0 {
        return Err(FitError::NoEvents(n));
    }
    let total: f64 = obs.iter().map(|o| o.t * (o.left + o.answered) as f64).sum();
    let rate = events as f64 / total;
    let nll = NegLogLik { law, obs, silent };
    // seen leavers are a share (1 - silent) of all: start from the whole hazard
    let rate = rate / (1.0 - silent).max(1e-3);
    let (th, dim) = match law {
        // leavers over waiting time is the exact optimum only without silent leavers
        Law::Exponential if silent == 0.0 => (vec![rate.ln()], 1),
        Law::Exponential => (nelder_mead(&nll, vec![rate.ln()], law)?, 1),
        _ => {
            let m = (1.0 / rate).ln();
            let start = match law {
                Law::Weibull => vec![0.0, m],
                Law::LogNormal => vec![m - 0.5, 0.0],
                _ => vec![m - 0.3, 0.5],
            };
            (nelder_mead(&nll, start, law)?, 2)
        }
    };
    let cov = covariance(&nll, &th);
    let se = |i: usize| cov.as_ref().map_or(f64::NAN, |c| c[i][i].max(0.0).sqrt());
    let names = law.params();
    let params = (0..dim)
        .map(|i| {
            // log-scale parameters back on their scale; the log-normal's μ is as is
            let (v, s) = (th[i], se(i));
            let iv = if law == Law::LogNormal && i == 0 {
                Interval {
                    value: v,
                    lo: v - Z95 * s,
                    hi: v + Z95 * s,
                }
            } else {
                Interval {
                    value: v.exp(),
                    lo: (v - Z95 * s).exp(),
                    hi: (v + Z95 * s).exp(),
                }
            };
            (names[i], iv)
        })
        .collect();
    let (mean, median) = law.mean_median(&th);
    let delta = |g: &dyn Fn(&[f64]) -> f64, value: f64| -> Interval {
        // the interval of ln g(θ), by the delta method, back on g's scale
        let Some(c) = &cov else {
            return Interval {
                value,
                lo: f64::NAN,
                hi: f64::NAN,
            };
        };
        let grad: Vec<f64> = (0..dim)
            .map(|i| {
                let h = 1e-5;
                let (mut a, mut b) = (th.clone(), th.clone());
                a[i] += h;
                b[i] -= h;
                (g(&a).ln() - g(&b).ln()) / (2.0 * h)
            })
            .collect();
        let var: f64 = (0..dim)
            .flat_map(|i| (0..dim).map(move |j| (i, j)))
            .map(|(i, j)| grad[i] * c[i][j] * grad[j])
            .sum();
        let s = var.max(0.0).sqrt();
        Interval {
            value,
            lo: value * (-Z95 * s).exp(),
            hi: value * (Z95 * s).exp(),
        }
    };
    let log_lik = -nll.value(&th);
    Ok(Fit {
        law,
        params,
        mean: if mean.is_finite() {
            delta(&|t| law.mean_median(t).0, mean)
        } else {
            Interval {
                value: mean,
                lo: f64::NAN,
                hi: f64::NAN,
            }
        },
        median: delta(&|t| law.mean_median(t).1, median),
        log_lik,
        aic: 2.0 * dim as f64 - 2.0 * log_lik,
        n,
        events,
    })
}

/// Every law fitted to `obs`, best (lowest AIC) first; laws that failed are left out.
pub fn fit_all(obs: &[Obs]) -> Result<Vec<Fit>, FitError> {
    fit_all_tallied(&tally(obs))
}

/// [`fit_all`] of tallied waits.
pub fn fit_all_tallied(obs: &[Tally]) -> Result<Vec<Fit>, FitError> {
    fit_all_silent(obs, 0.0)
}

/// [`fit_all_tallied`] with a share `silent` of silent leavers ([`fit_silent`]).
pub fn fit_all_silent(obs: &[Tally], silent: f64) -> Result<Vec<Fit>, FitError> {
    let mut fits = Vec::new();
    let mut first_error = None;
    for law in Law::ALL {
        match fit_silent(law, obs, silent) {
            Ok(f) => fits.push(f),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    if fits.is_empty() {
        return Err(first_error.expect("a law failed"));
    }
    fits.sort_by(|a, b| a.aic.total_cmp(&b.aic));
    Ok(fits)
}

fn nelder_mead(nll: &NegLogLik<'_>, start: Vec<f64>, law: Law) -> Result<Vec<f64>, FitError> {
    let simplex = if start.len() == 1 {
        vec![start.clone(), vec![start[0] + 0.3]]
    } else {
        vec![
            start.clone(),
            vec![start[0] + 0.3, start[1]],
            vec![start[0], start[1] + 0.3],
        ]
    };
    let fail = |e: Error| FitError::NoConvergence(law.name(), e.to_string());
    let solver = NelderMead::new(simplex)
        .with_sd_tolerance(1e-10)
        .map_err(fail)?;
    let run = Executor::new(
        NegLogLik {
            law,
            obs: nll.obs,
            silent: nll.silent,
        },
        solver,
    )
    .configure(|s| s.max_iters(2_000))
    .run()
    .map_err(fail)?;
    run.state
        .best_param
        .filter(|p| p.iter().all(|x| x.is_finite()))
        .ok_or_else(|| FitError::NoConvergence(law.name(), "no finite optimum".into()))
}

/// The inverse of the observed information at `th` (a numerical Hessian of -log L), if it
/// is positive definite.
fn covariance(nll: &NegLogLik<'_>, th: &[f64]) -> Option<Vec<Vec<f64>>> {
    covariance_of(|x| nll.value(x), th)
}

/// The inverse of the numerical Hessian of the negative log-likelihood `f` at its
/// optimum `th` (one or two parameters): the parameters' covariance; `None` where it is
/// not positive definite.
pub(crate) fn covariance_of(f: impl Fn(&[f64]) -> f64, th: &[f64]) -> Option<Vec<Vec<f64>>> {
    let d = th.len();
    let h = 1e-4;
    let mut hess = vec![vec![0.0; d]; d];
    for i in 0..d {
        for j in 0..d {
            let at = |di: f64, dj: f64| {
                let mut x = th.to_vec();
                x[i] += di;
                x[j] += dj;
                f(&x)
            };
            hess[i][j] = (at(h, h) - at(h, -h) - at(-h, h) + at(-h, -h)) / (4.0 * h * h);
        }
    }
    match d {
        1 => (hess[0][0] > 0.0).then(|| vec![vec![1.0 / hess[0][0]]]),
        _ => {
            let det = hess[0][0] * hess[1][1] - hess[0][1] * hess[1][0];
            (det > 0.0 && hess[0][0] > 0.0).then(|| {
                vec![
                    vec![hess[1][1] / det, -hess[0][1] / det],
                    vec![-hess[1][0] / det, hess[0][0] / det],
                ]
            })
        }
    }
}

/// Mean patience read the naive way, from the leavers' waits alone (what a fit without
/// censoring gives): shown beside the censored fits to say how far off it is.
pub fn naive_mean(obs: &[Obs]) -> Option<f64> {
    naive_mean_tallied(&tally(obs))
}

/// [`naive_mean`] of tallied waits.
pub fn naive_mean_tallied(obs: &[Tally]) -> Option<f64> {
    let left: u64 = obs.iter().map(|o| o.left).sum();
    (left > 0).then(|| obs.iter().map(|o| o.t * o.left as f64).sum::<f64>() / left as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_distr::{Distribution, Exp, Weibull};

    fn o(t: f64, event: bool) -> Obs {
        Obs { t, event }
    }

    #[test]
    fn kaplan_meier_steps_down_at_each_leaver_and_skips_the_censored() {
        // waits 1, 2+, 3, 3, 4+, 5: at risk 6, 4, 1
        let obs = [
            o(1.0, true),
            o(2.0, false),
            o(3.0, true),
            o(3.0, true),
            o(4.0, false),
            o(5.0, true),
        ];
        let km = kaplan_meier(&obs);
        let s: Vec<(f64, u64, u64)> = km.iter().map(|p| (p.t, p.at_risk, p.events)).collect();
        assert_eq!(s, vec![(1.0, 6, 1), (3.0, 4, 2), (5.0, 1, 1)]);
        assert!((km[0].survival - 5.0 / 6.0).abs() < 1e-12);
        assert!((km[1].survival - 5.0 / 6.0 * 0.5).abs() < 1e-12);
        assert_eq!(km[2].survival, 0.0);
        // Greenwood after two steps: 1/(6x5) + 2/(4x2)
        let g: f64 = 1.0 / 30.0 + 2.0 / 8.0;
        let (lo, hi) = log_log_interval(km[1].survival, g);
        assert_eq!((km[1].lo, km[1].hi), (lo, hi));
        assert!(lo < km[1].survival && km[1].survival < hi && hi < 1.0 && lo > 0.0);
    }

    #[test]
    fn the_exponential_fit_is_leavers_over_total_waiting_time() {
        let obs = [o(10.0, true), o(20.0, false), o(30.0, true), o(40.0, false)];
        let f = fit(Law::Exponential, &obs).unwrap();
        let rate = f.params[0].1;
        assert!((rate.value - 2.0 / 100.0).abs() < 1e-12);
        // se(ln rate) = 1/sqrt(events): the interval is rate x exp(±1.96/sqrt 2)
        assert!((rate.hi / rate.value - (Z95 / 2f64.sqrt()).exp()).abs() < 1e-4);
        assert!((f.mean.value - 50.0).abs() < 1e-9);
        assert!((f.log_lik - (2.0 * 0.02f64.ln() - 2.0)).abs() < 1e-9);
    }

    #[test]
    fn a_log_without_leavers_cannot_identify_patience() {
        let obs = [o(10.0, false), o(20.0, false)];
        assert_eq!(fit(Law::Weibull, &obs), Err(FitError::NoEvents(2)));
        assert!(fit(Law::Exponential, &[o(-1.0, true)]).is_err());
    }

    /// Customers with Weibull(k, λ) patience served after an exponential wait (mean 120 s):
    /// the answered ones are censored at their wait.
    fn weibull_log(seed: u64, n: usize, k: f64, scale: f64) -> Vec<Obs> {
        let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(seed);
        let patience = Weibull::new(scale, k).unwrap();
        let wait = Exp::new(1.0 / 120.0).unwrap();
        (0..n)
            .map(|_| {
                let (p, w): (f64, f64) = (patience.sample(&mut rng), wait.sample(&mut rng));
                let p = p.max(1e-3);
                let w = w.max(1e-3);
                if p < w { o(p, true) } else { o(w, false) }
            })
            .collect()
    }

    #[test]
    fn censored_weibull_fits_cover_the_truth_and_the_naive_mean_does_not() {
        let (k, scale) = (1.4, 300.0);
        let true_mean = scale * ln_gamma(1.0 + 1.0 / k).exp();
        let seeds = 60;
        let mut covered = [0; 3];
        for seed in 0..seeds {
            let obs = weibull_log(seed, 600, k, scale);
            let f = fit(Law::Weibull, &obs).unwrap();
            covered[0] += usize::from(f.params[0].1.contains(k));
            covered[1] += usize::from(f.params[1].1.contains(scale));
            covered[2] += usize::from(f.mean.contains(true_mean));
            // the leavers alone say patience is about half of what it is
            let naive = naive_mean(&obs).unwrap();
            assert!(naive < 0.65 * true_mean, "{naive} against {true_mean}");
        }
        // 95% intervals over 60 seeds: a binomial(60, 0.95) falls below 51 with chance < 1%
        for c in covered {
            assert!(c >= 51, "{covered:?} of {seeds}");
        }
    }

    #[test]
    fn aic_picks_the_law_the_data_came_from() {
        let obs = weibull_log(7, 4000, 2.0, 200.0);
        let fits = fit_all(&obs).unwrap();
        assert_eq!(
            fits[0].law,
            Law::Weibull,
            "{:?}",
            fits.iter().map(|f| (f.law, f.aic)).collect::<Vec<_>>()
        );
        let exp_only: Vec<Obs> = {
            let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(3);
            let p = Exp::new(1.0 / 250.0).unwrap();
            (0..4000)
                .map(|_| o(Distribution::<f64>::sample(&p, &mut rng).max(1e-3), true))
                .collect()
        };
        let best = &fit_all(&exp_only).unwrap()[0];
        // an exponential is a Weibull of shape 1: either may win, at the same likelihood
        assert!(
            matches!(best.law, Law::Exponential | Law::Weibull),
            "{best:?}"
        );
        for law in [Law::LogNormal, Law::LogLogistic] {
            let f = fit(law, &exp_only).unwrap();
            assert!(f.aic > best.aic);
        }
    }
}
