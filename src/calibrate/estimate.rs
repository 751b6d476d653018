//! From what was collected to fitted values, each with its 95% interval and its n: the
//! content of `calibration.json` and of the calibrated scenario.

use serde::Serialize;
use statrs::distribution::{ChiSquared, ContinuousCDF};

use super::collect::{CLASSES, Collected, LogMoments, slot_name};
use super::survival::{self, Law, Tally};
use crate::stats::{t_975, wilson};

/// The normal quantile of a two-sided 95% interval.
const Z95: f64 = 1.959_963_984_540_054;
/// The standard normal's 0.9 quantile (a log-normal's p90 is `exp(mu + Z90 sigma)`).
const Z90: f64 = 1.281_551_565_544_600_9;

/// A fitted value, its 95% interval and the observations behind it.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Value {
    pub value: f64,
    pub lo: f64,
    pub hi: f64,
    pub n: u64,
}

impl Value {
    fn new(value: f64, lo: f64, hi: f64, n: u64) -> Value {
        Value { value, lo, hi, n }
    }

    /// True when `x` lies inside the interval.
    pub fn contains(&self, x: f64) -> bool {
        self.lo <= x && x <= self.hi
    }

    /// `"n = 1,234, 95% CI [lo, hi]"` for a scenario comment.
    pub fn comment(&self, digits: usize) -> String {
        format!(
            "n = {}, 95% CI [{:.d$}, {:.d$}]",
            self.n,
            self.lo,
            self.hi,
            d = digits
        )
    }
}

/// A log-normal fitted to durations by their log-moments.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct LogNormalFit {
    pub median_s: Value,
    pub p90_s: Value,
    pub mean_s: Value,
    pub sigma: Value,
}

/// The log-normal of `m`'s durations: mu by Student's t, sigma by the chi-square interval,
/// p90 and the mean by the delta method (`None` below 2 observations).
pub fn lognormal(m: &LogMoments) -> Option<LogNormalFit> {
    if m.n < 2 {
        return None;
    }
    let n = m.n as f64;
    let mu = m.sum / n;
    let var = ((m.sum_sq - m.sum * mu) / (n - 1.0)).max(0.0);
    let sigma = var.sqrt();
    let se_mu = sigma / n.sqrt();
    let t = t_975(m.n as usize - 1);
    let chi = ChiSquared::new(n - 1.0).ok()?;
    let (s_lo, s_hi) = (
        (var * (n - 1.0) / chi.inverse_cdf(0.975)).sqrt(),
        (var * (n - 1.0) / chi.inverse_cdf(0.025)).sqrt(),
    );
    // Var(sigma hat) ~ sigma^2 / (2(n-1)); mu and sigma hat are independent
    let var_sigma = var / (2.0 * (n - 1.0));
    let log_value = |a: f64| -> Value {
        // exp(mu + a sigma): the interval of its log by the delta method
        let v = mu + a * sigma;
        let se = (se_mu * se_mu + a * a * var_sigma).sqrt();
        Value::new(v.exp(), (v - Z95 * se).exp(), (v + Z95 * se).exp(), m.n)
    };
    let mean = {
        let v = mu + var / 2.0;
        // d/dsigma of sigma^2/2 is sigma
        let se = (se_mu * se_mu + sigma * sigma * var_sigma).sqrt();
        Value::new(v.exp(), (v - Z95 * se).exp(), (v + Z95 * se).exp(), m.n)
    };
    Some(LogNormalFit {
        median_s: Value::new(
            mu.exp(),
            (mu - t * se_mu).exp(),
            (mu + t * se_mu).exp(),
            m.n,
        ),
        p90_s: log_value(Z90),
        mean_s: mean,
        sigma: Value::new(sigma, s_lo, s_hi, m.n),
    })
}

/// A share with its Wilson interval.
pub fn share(k: u64, n: u64) -> Option<Value> {
    (n > 0).then(|| {
        let (lo, hi) = wilson(k, n, Z95);
        Value::new(k as f64 / n as f64, lo, hi, n)
    })
}

/// One interval of the arrival curve.
#[derive(Clone, Debug, Serialize)]
pub struct IntervalFit {
    /// Minutes from the day's start.
    pub offset_min: f64,
    /// Mean conversations per hour over the days, with its interval over days.
    pub per_hour: Value,
}

/// The arrival curve and its day-to-day spread.
#[derive(Clone, Debug, Serialize)]
pub struct ArrivalFit {
    /// Days fitted (the event days when some are named).
    pub days: Vec<String>,
    pub intervals: Vec<IntervalFit>,
    /// Conversations in a day (first attempts).
    pub day_total: Value,
    /// The coefficient of variation of the day's volume beyond Poisson noise: the
    /// scenario's `forecast_error_cv` (`None` with fewer than 3 days).
    pub forecast_error_cv: Option<Value>,
    /// Event days' volume over ordinary days' (when both are in the log).
    pub event_multiplier: Option<Value>,
    /// Share of conversations that are a customer's second or later that day.
    pub retrial_share: Option<Value>,
}

/// The class mix of one block of hours.
#[derive(Clone, Debug, Serialize)]
pub struct MixFit {
    /// Hours from the day's start.
    pub from_h: f64,
    pub pre_sale: Value,
    pub in_sale: Value,
    pub after_sale: Value,
}

/// One law fitted to patience.
#[derive(Clone, Debug, Serialize)]
pub struct LawFit {
    pub law: &'static str,
    pub params: Vec<(&'static str, Value)>,
    pub mean_s: Value,
    pub median_s: Value,
    pub log_lik: f64,
    pub aic: f64,
}

impl LawFit {
    fn param(&self, name: &str) -> f64 {
        self.params
            .iter()
            .find(|(k, _)| *k == name)
            .map_or(f64::NAN, |(_, v)| v.value)
    }

    /// The fitted law's survival at `t` seconds: the share still waiting.
    pub fn survival(&self, t: f64) -> f64 {
        let t = t.max(0.0);
        match self.law {
            "exponential" => (-self.param("rate") * t).exp(),
            "weibull" => (-(t / self.param("scale_s")).powf(self.param("shape"))).exp(),
            "lognormal" if t > 0.0 => {
                let z = (t.ln() - self.param("mu")) / self.param("sigma");
                0.5 * statrs::function::erf::erfc(z / std::f64::consts::SQRT_2)
            }
            "lognormal" => 1.0,
            _ => 1.0 / (1.0 + (t / self.param("scale_s")).powf(self.param("shape"))),
        }
    }

    /// The fitted law's `p` quantile, seconds (`0 < p < 1`).
    pub fn quantile(&self, p: f64) -> f64 {
        let h = -(1.0 - p).ln();
        match self.law {
            "exponential" => h / self.param("rate"),
            "weibull" => self.param("scale_s") * h.powf(1.0 / self.param("shape")),
            "lognormal" => {
                let z = statrs::distribution::Normal::standard().inverse_cdf(p);
                (self.param("mu") + self.param("sigma") * z).exp()
            }
            _ => self.param("scale_s") * (p / (1.0 - p)).powf(1.0 / self.param("shape")),
        }
    }
}

/// Patience of one class.
#[derive(Clone, Debug, Serialize)]
pub struct PatienceFit {
    pub class: &'static str,
    /// Customers who reached a human, and those who left before a reply.
    pub n: u64,
    pub left: u64,
    /// Best (lowest AIC) first.
    pub fits: Vec<LawFit>,
    /// The law written into the scenario (the best one a scenario can hold).
    pub chosen: Option<&'static str>,
    /// Mean patience read from the leavers alone (biased low; shown for comparison).
    pub naive_mean_s: Option<f64>,
    /// Kaplan-Meier: (wait s, survival, lo, hi), thinned to at most 200 points.
    pub kaplan_meier: Vec<[f64; 4]>,
    /// Why patience was not fitted, when it was not.
    pub not_fitted: Option<String>,
    /// The share of leavers taken to leave without a trace (seen as answered).
    pub silent_share: f64,
}

/// Handling time of served conversations of one class and group.
#[derive(Clone, Debug, Serialize)]
pub struct HandlingFit {
    pub class: &'static str,
    pub group: String,
    pub fit: LogNormalFit,
}

/// The bot's share of first touches, resolution and session time, per class.
#[derive(Clone, Debug, Serialize)]
pub struct BotFit {
    pub class: &'static str,
    pub touched: u64,
    pub resolution: Value,
    /// Day-to-day sd of the resolution share beyond binomial noise (0 when none shows).
    pub resolution_sd: f64,
    /// Of the unresolved: share who left instead of asking for a human.
    pub leave_share: Option<Value>,
    pub session: Option<LogNormalFit>,
}

/// Counts per conversation (served), per class.
#[derive(Clone, Debug, Serialize)]
pub struct CountFit {
    pub class: &'static str,
    pub customer_messages: Value,
    /// The negative binomial's dispersion by moments (`None` when not over-dispersed).
    pub customer_dispersion: Option<f64>,
    pub agent_messages: Option<Value>,
}

fn mean_of(n: u64, sum: f64, sum_sq: f64) -> Option<(Value, f64)> {
    let e = crate::stats::Estimate::from_moments(n as usize, sum, sum_sq)?;
    Some((Value::new(e.mean, e.ci_low, e.ci_high, n), e.sd * e.sd))
}

/// The arrival curve over `days` (days since 1970).
pub fn arrivals(c: &Collected, days: &[i64], ordinary: &[i64]) -> Option<ArrivalFit> {
    let in_days = |d: i64| days.contains(&d);
    let ks: Vec<i64> = c
        .arrivals
        .keys()
        .filter(|(d, _)| in_days(*d))
        .map(|(_, k)| *k)
        .collect();
    let (k0, k1) = (*ks.iter().min()?, *ks.iter().max()?);
    let nd = days.len() as u64;
    let per_hour = 3600.0 / c.interval_s;
    let count = |d: i64, k: i64| -> f64 {
        c.arrivals
            .get(&(d, k))
            .map_or(0.0, |v| v.iter().sum::<u64>() as f64)
    };
    let intervals = (k0..=k1)
        .map(|k| {
            let xs: Vec<f64> = days.iter().map(|&d| count(d, k)).collect();
            let m = xs.iter().sum::<f64>() / xs.len() as f64;
            let (lo, hi) = if xs.len() > 1 {
                let e = crate::stats::Estimate::from_values(xs.iter().copied())
                    .expect("days have counts");
                (e.ci_low.max(0.0), e.ci_high)
            } else {
                // one day: the Poisson interval of its count
                let h = Z95 * m.sqrt();
                ((m - h).max(0.0), m + h)
            };
            IntervalFit {
                offset_min: k as f64 * c.interval_s / 60.0,
                per_hour: Value::new(m * per_hour, lo * per_hour, hi * per_hour, nd),
            }
        })
        .collect();
    let total = |d: i64| -> f64 {
        c.arrivals
            .iter()
            .filter(|((dd, _), _)| *dd == d)
            .map(|(_, v)| v.iter().sum::<u64>() as f64)
            .sum()
    };
    let totals: Vec<f64> = days.iter().map(|&d| total(d)).collect();
    let e = crate::stats::Estimate::from_values(totals.iter().copied())?;
    let day_total = Value::new(e.mean, e.ci_low, e.ci_high, nd);
    let forecast_error_cv = (totals.len() >= 3).then(|| {
        let n = totals.len() as f64;
        let var = e.sd * e.sd;
        let cv = |v: f64| ((v - e.mean) / (e.mean * e.mean)).max(0.0).sqrt();
        let chi = ChiSquared::new(n - 1.0).expect("n >= 3");
        Value::new(
            cv(var),
            cv(var * (n - 1.0) / chi.inverse_cdf(0.975)),
            cv(var * (n - 1.0) / chi.inverse_cdf(0.025)),
            nd,
        )
    });
    let event_multiplier = (!ordinary.is_empty()).then(|| {
        let o: Vec<f64> = ordinary.iter().map(|&d| total(d)).collect();
        let eo = crate::stats::Estimate::from_values(o.iter().copied()).expect("ordinary days");
        let r = e.mean / eo.mean;
        // delta method on the log of a ratio of two independent means
        let var = (e.sd * e.sd) / (n_of(&totals) * e.mean * e.mean)
            + (eo.sd * eo.sd) / (n_of(&o) * eo.mean * eo.mean);
        let s = var.sqrt();
        Value::new(
            r,
            r * (-Z95 * s).exp(),
            r * (Z95 * s).exp(),
            nd + o.len() as u64,
        )
    });
    Some(ArrivalFit {
        days: days
            .iter()
            .map(|&d| crate::convlog::time::format_date(d))
            .collect(),
        intervals,
        day_total,
        forecast_error_cv,
        event_multiplier,
        retrial_share: share(c.retrials, c.conversations),
    })
}

fn n_of(xs: &[f64]) -> f64 {
    xs.len() as f64
}

/// The class mix in blocks of `block_h` hours from the day's start, pooled over `days`.
pub fn mix(c: &Collected, days: &[i64], block_h: f64) -> Vec<MixFit> {
    let per_block = ((block_h * 3600.0) / c.interval_s).round().max(1.0) as i64;
    let mut blocks: std::collections::BTreeMap<i64, [u64; CLASSES]> = Default::default();
    for ((d, k), v) in &c.arrivals {
        if days.contains(d) {
            let b = blocks.entry(k.div_euclid(per_block)).or_default();
            for i in 0..CLASSES {
                b[i] += v[i];
            }
        }
    }
    blocks
        .into_iter()
        .filter_map(|(b, v)| {
            let n = v[0] + v[1] + v[2];
            Some(MixFit {
                from_h: b as f64 * per_block as f64 * c.interval_s / 3600.0,
                pre_sale: share(v[0], n)?,
                in_sale: share(v[1], n)?,
                after_sale: share(v[2], n)?,
            })
        })
        .collect()
}

/// How far past the longest wait seen a law's mean may lie and still be written.
pub const EXTRAPOLATION: f64 = 10.0;

/// The bot's first-touch share in blocks of `block_h` hours from the day's start, pooled
/// over `days`: `(from_h, share)`.
pub fn bot_touch(c: &Collected, days: &[i64], block_h: f64) -> Vec<(f64, Value)> {
    let per_block = ((block_h * 3600.0) / c.interval_s).round().max(1.0) as i64;
    let mut blocks: std::collections::BTreeMap<i64, (u64, u64)> = Default::default();
    for ((d, k), v) in &c.arrivals {
        if days.contains(d) {
            let b = blocks.entry(k.div_euclid(per_block)).or_default();
            b.0 += c.bot_touched.get(&(*d, *k)).copied().unwrap_or(0);
            b.1 += v.iter().sum::<u64>();
        }
    }
    blocks
        .into_iter()
        .filter_map(|(b, (t, n))| {
            Some((
                b as f64 * per_block as f64 * c.interval_s / 3600.0,
                share(t, n)?,
            ))
        })
        .collect()
}

/// Laws a scenario can hold (the log-logistic is fitted and shown, not written).
fn writable(law: Law) -> bool {
    law != Law::LogLogistic
}

/// Patience of every class the log has, a share `silent` of leavers leaving no trace.
pub fn patience(c: &Collected, silent: f64) -> Vec<PatienceFit> {
    (0..CLASSES)
        .filter(|&i| !c.waits[i].is_empty())
        .map(|i| {
            let tallies: Vec<Tally> = c.waits[i]
                .iter()
                .map(|(&k, &(left, answered))| Tally {
                    t: (k as f64 / 100.0).max(0.005),
                    left,
                    answered,
                })
                .collect();
            let n: u64 = tallies.iter().map(|x| x.left + x.answered).sum();
            let left: u64 = tallies.iter().map(|x| x.left).sum();
            // the log's curve is of seen leaving, s + (1 - s) S(t): back to S(t)
            let km: Vec<survival::KmPoint> = survival::kaplan_meier_tallied(&tallies)
                .into_iter()
                .map(|mut p| {
                    let back = |x: f64| ((x - silent) / (1.0 - silent)).clamp(0.0, 1.0);
                    p.survival = back(p.survival);
                    p.lo = back(p.lo);
                    p.hi = back(p.hi);
                    p
                })
                .collect();
            let step = km.len().div_ceil(200).max(1);
            let kaplan_meier = km
                .iter()
                .step_by(step)
                .chain(km.last())
                .map(|p| [p.t, p.survival, p.lo, p.hi])
                .collect();
            let (fits, not_fitted) = match survival::fit_all_silent(&tallies, silent) {
                Ok(fits) => (fits, None),
                Err(e) => (Vec::new(), Some(e.to_string())),
            };
            let value = |iv: &survival::Interval| Value::new(iv.value, iv.lo, iv.hi, n);
            // a law whose mean lies an order of magnitude past the longest wait seen is
            // extrapolating: the log says only that patience outlasts its waits
            let longest = tallies.last().map_or(0.0, |x| x.t);
            // and one a scenario can hold (a handful of waits can give a degenerate fit)
            let within = |f: &survival::Fit, name: &str, lo: f64, hi: f64| {
                f.params
                    .iter()
                    .all(|(k, iv)| *k != name || (lo..=hi).contains(&iv.value))
            };
            let plausible = |f: &survival::Fit| {
                f.mean.value <= EXTRAPOLATION * longest
                    && within(f, "sigma", 0.01, 5.0)
                    && within(f, "shape", 0.1, 100.0)
            };
            let chosen = fits
                .iter()
                .find(|f| writable(f.law) && plausible(f))
                .map(|f| f.law.name());
            let not_fitted = not_fitted.or_else(|| {
                chosen.is_none().then(|| {
                    format!(
                        "patience is not identified: {left} of {n} customers left before a reply, \
                         and every law's mean lies more than {EXTRAPOLATION}x past the longest \
                         wait in the log ({longest:.0} s); the log says only that patience \
                         outlasts its waits"
                    )
                })
            });
            PatienceFit {
                class: slot_name(i),
                n,
                left,
                fits: fits
                    .iter()
                    .map(|f| LawFit {
                        law: f.law.name(),
                        params: f.params.iter().map(|(k, iv)| (*k, value(iv))).collect(),
                        mean_s: value(&f.mean),
                        median_s: value(&f.median),
                        log_lik: f.log_lik,
                        aic: f.aic,
                    })
                    .collect(),
                chosen,
                naive_mean_s: survival::naive_mean_tallied(&tallies),
                kaplan_meier,
                not_fitted,
                silent_share: silent,
            }
        })
        .collect()
}

/// Handling times of served conversations by class and group (groups with fewer than 30
/// conversations left out).
pub fn handling(c: &Collected) -> Vec<HandlingFit> {
    c.handling
        .iter()
        .filter(|(_, m)| m.n >= 30)
        .filter_map(|((slot, group), m)| {
            Some(HandlingFit {
                class: slot_name(*slot),
                group: group.clone(),
                fit: lognormal(m)?,
            })
        })
        .collect()
}

/// Handling times of served conversations by class, all groups together.
pub fn handling_by_class(c: &Collected) -> [Option<LogNormalFit>; CLASSES] {
    std::array::from_fn(|i| {
        let mut m = LogMoments::default();
        for ((slot, _), x) in &c.handling {
            if *slot == i {
                m.n += x.n;
                m.sum += x.sum;
                m.sum_sq += x.sum_sq;
            }
        }
        lognormal(&m)
    })
}

/// Takes the silent leavers out of the handling of served conversations. A customer who
/// left silently reads as answered, and its chat holds the agent's slot until
/// `timeout_s` (the scenario's `silent_timeout_s`), which the log shows as a served
/// conversation of that length. Under each class's fitted patience an answered wait `t`
/// is a silent leaver with probability `s F(t) / (s + (1 - s) S(t))`; that many chats of
/// length `timeout_s` leave the class's handling (spread over its groups by their served
/// counts) and its QQ bins. Classes without a written patience law are left as they are.
pub fn remove_ghosts(c: &mut Collected, silent: f64, timeout_s: f64) {
    if silent <= 0.0 || timeout_s <= 0.0 {
        return;
    }
    let patience = patience(c, silent);
    let (lt, bin) = (
        timeout_s.ln(),
        (timeout_s.ln() * super::collect::HANDLING_BINS).round() as i32,
    );
    for p in &patience {
        let Some(law) = p.fits.iter().find(|f| Some(f.law) == p.chosen) else {
            continue;
        };
        let i = (0..CLASSES).find(|&i| slot_name(i) == p.class).unwrap_or(3);
        let ghosts: f64 = c.waits[i]
            .iter()
            .map(|(&k, &(_, answered))| {
                let s_t = law.survival(k as f64 / 100.0);
                answered as f64 * silent * (1.0 - s_t) / (silent + (1.0 - silent) * s_t)
            })
            .sum();
        let served: u64 = c
            .handling
            .iter()
            .filter(|((slot, _), _)| *slot == i)
            .map(|(_, m)| m.n)
            .sum();
        // no more than the chats at least that long the log holds
        let at_least: u64 = c.handling_bins[i].range(bin..).map(|(_, n)| n).sum();
        let ghosts = ghosts.min(at_least as f64).min(served as f64);
        if ghosts < 1.0 {
            continue;
        }
        let mut removed = 0;
        for ((slot, _), m) in c.handling.iter_mut() {
            if *slot != i || served == 0 {
                continue;
            }
            let g = ((ghosts * m.n as f64 / served as f64).round() as u64).min(m.n);
            m.n -= g;
            m.sum -= g as f64 * lt;
            m.sum_sq = (m.sum_sq - g as f64 * lt * lt).max(0.0);
            removed += g;
        }
        // from the QQ bins too: at the timeout first, then just above it
        let mut left = removed;
        for (_, n) in c.handling_bins[i].range_mut(bin..) {
            let g = left.min(*n);
            *n -= g;
            left -= g;
            if left == 0 {
                break;
            }
        }
        c.ghosts_removed[i] += removed;
    }
}

/// The bot's fits per class that it touched.
pub fn bot(c: &Collected) -> Vec<BotFit> {
    (0..CLASSES)
        .filter_map(|i| {
            let b = &c.bot[i];
            let touched = b.resolved + b.escalated + b.abandoned;
            let resolution = share(b.resolved, touched)?;
            // day-to-day variance of the share beyond what binomial noise gives
            let daily: Vec<(f64, f64)> = c
                .bot_days
                .iter()
                .filter(|((_, s), (_, n))| *s == i && *n > 0)
                .map(|(_, (r, n))| (*r as f64 / *n as f64, *n as f64))
                .collect();
            let resolution_sd = if daily.len() >= 3 {
                let p = resolution.value;
                let m = daily.iter().map(|x| x.0).sum::<f64>() / daily.len() as f64;
                let var =
                    daily.iter().map(|x| (x.0 - m).powi(2)).sum::<f64>() / (daily.len() - 1) as f64;
                let noise =
                    daily.iter().map(|x| p * (1.0 - p) / x.1).sum::<f64>() / daily.len() as f64;
                (var - noise).max(0.0).sqrt()
            } else {
                0.0
            };
            Some(BotFit {
                class: slot_name(i),
                touched,
                resolution,
                resolution_sd,
                leave_share: share(b.abandoned, b.abandoned + b.escalated),
                session: lognormal(&b.session),
            })
        })
        .collect()
}

/// Messages per served conversation, per class that has them.
pub fn counts(c: &Collected) -> Vec<CountFit> {
    (0..CLASSES)
        .filter_map(|i| {
            let m = &c.customer_messages[i];
            let (mean, var) = mean_of(m.n, m.sum, m.sum_sq)?;
            let a = &c.agent_messages[i];
            Some(CountFit {
                class: slot_name(i),
                customer_messages: mean,
                customer_dispersion: (var > mean.value)
                    .then(|| mean.value * mean.value / (var - mean.value)),
                agent_messages: mean_of(a.n, a.sum, a.sum_sq).map(|x| x.0),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn law(law: &'static str, params: &[(&'static str, f64)]) -> LawFit {
        let v = |x: f64| Value::new(x, x, x, 1);
        LawFit {
            law,
            params: params.iter().map(|(k, x)| (*k, v(*x))).collect(),
            mean_s: v(0.0),
            median_s: v(0.0),
            log_lik: 0.0,
            aic: 0.0,
        }
    }

    /// Each law's quantile is where its survival falls to 1 - p, and the known medians
    /// come out: what the report's survival curves and QQ plots draw.
    #[test]
    fn survival_and_quantile_are_inverse() {
        let laws = [
            law("exponential", &[("rate", 1.0 / 300.0)]),
            law("weibull", &[("shape", 0.7), ("scale_s", 250.0)]),
            law("lognormal", &[("mu", 5.0), ("sigma", 1.2)]),
            law("loglogistic", &[("scale_s", 200.0), ("shape", 2.5)]),
        ];
        for f in &laws {
            for p in [0.01, 0.1, 0.5, 0.9, 0.99] {
                let t = f.quantile(p);
                assert!((f.survival(t) - (1.0 - p)).abs() < 1e-9, "{} at {p}", f.law);
            }
            assert_eq!(f.survival(0.0), 1.0, "{}", f.law);
        }
        assert!((laws[0].quantile(0.5) - 300.0 * std::f64::consts::LN_2).abs() < 1e-9);
        assert!((laws[2].quantile(0.5) - 5f64.exp()).abs() < 1e-9);
        assert!((laws[3].quantile(0.5) - 200.0).abs() < 1e-9);
    }
}
