//! Validation of distribution tables (`{ dist = "lognormal", median_s = 12, p90_s = 35 }`):
//! each `dist` takes its own keys only.

use super::file::{CountFile, DurationFile};
use super::validate::{Ctx, R};
use crate::distribution::{CountSpec, DurationSpec};
use crate::input::number;

/// z such that P(Z <= z) = 0.9 for a standard normal (to fit a log-normal's p90).
const Z90: f64 = 1.281_551_565_544_600_4;

/// The shortest time a distribution's scale may have: the simulation clock's resolution.
pub const MIN_TIME_S: f64 = 1e-6;
/// The longest mean or bound a duration may have (about 32 years): far beyond any chat,
/// and far from the clock's overflow.
pub const MAX_TIME_S: f64 = 1e9;
/// Weibull shapes accepted: below 0.1 the mean is over 10^6 times the scale.
const WEIBULL_SHAPE: (f64, f64) = (0.1, 100.0);
/// The largest mean count of customer messages per conversation (the `fixed` limit too).
const MAX_MESSAGES: f64 = 10_000.0;
/// Gamma shapes accepted (and negative-binomial dispersions, the same gamma inside).
const GAMMA_SHAPE: (f64, f64) = (1e-3, 1e6);
/// The largest log-normal sigma: p90 = 600x the median, the mean 270,000x.
const MAX_SIGMA: f64 = 5.0;

/// The derived parameters of a built distribution: every scale within
/// [`MIN_TIME_S`, `MAX_TIME_S`], shapes within their ranges, the mean finite and at most
/// [`MAX_TIME_S`], so that sampling can neither fail nor overflow the clock.
fn derived(spec: &DurationSpec, key: &str, ctx: &Ctx<'_>) -> R<()> {
    let within = |what: &str, x: f64, (lo, hi): (f64, f64)| -> R<()> {
        if x.is_finite() && x >= lo && x <= hi {
            Ok(())
        } else {
            Err(ctx.err(
                key,
                format!(
                    "gives a {what} of {}; it must lie in {}..={}",
                    number(x),
                    number(lo),
                    number(hi)
                ),
            ))
        }
    };
    let time = (MIN_TIME_S, MAX_TIME_S);
    match *spec {
        DurationSpec::Fixed { value_s } => within("value (s)", value_s, (0.0, MAX_TIME_S))?,
        DurationSpec::Exponential { mean_s } => within("mean (s)", mean_s, time)?,
        DurationSpec::Weibull { shape, scale_s } => {
            within("Weibull shape", shape, WEIBULL_SHAPE)?;
            within("Weibull scale (s)", scale_s, time)?;
        }
        DurationSpec::Lognormal { mu, sigma } => {
            within("log-normal sigma", sigma, (0.0, MAX_SIGMA))?;
            within("log-normal median (s)", mu.exp(), time)?;
        }
        DurationSpec::Uniform { max_s, .. } => within("maximum (s)", max_s, (0.0, MAX_TIME_S))?,
        DurationSpec::Gamma { shape, scale_s } => {
            within("gamma shape", shape, GAMMA_SHAPE)?;
            within("gamma scale (s)", scale_s, time)?;
        }
        DurationSpec::Never => return Ok(()),
    }
    within("mean (s)", spec.mean_s(), (0.0, MAX_TIME_S))
}

/// Validates a duration distribution at `key`.
pub(crate) fn duration(raw: &DurationFile, key: &str, ctx: &Ctx<'_>) -> R<DurationSpec> {
    let given: Vec<(&str, Option<f64>)> = vec![
        ("value_s", raw.value_s),
        ("mean_s", raw.mean_s),
        ("shape", raw.shape),
        ("scale_s", raw.scale_s),
        ("median_s", raw.median_s),
        ("p90_s", raw.p90_s),
        ("sd_s", raw.sd_s),
        ("min_s", raw.min_s),
        ("max_s", raw.max_s),
    ];
    let has = |name: &str| given.iter().any(|(n, v)| *n == name && v.is_some());
    let get = |name: &str| given.iter().find(|(n, _)| *n == name).and_then(|(_, v)| *v);
    let sub = |name: &str| format!("{key}.{name}");
    let need = |name: &str| {
        get(name).ok_or_else(|| {
            ctx.err(
                sub(name),
                format!("is required for dist = \"{}\"", raw.dist),
            )
        })
    };
    let only = |allowed: &[&str]| -> R<()> {
        match given
            .iter()
            .find(|(n, v)| v.is_some() && !allowed.contains(n))
        {
            Some((n, _)) => Err(ctx.err(
                sub(n),
                format!(
                    "does not apply to dist = \"{}\" (it takes {})",
                    raw.dist,
                    if allowed.is_empty() {
                        "no parameters".to_string()
                    } else {
                        allowed.join(", ")
                    }
                ),
            )),
            None => Ok(()),
        }
    };
    let spec = match raw.dist.as_str() {
        "fixed" => {
            only(&["value_s"])?;
            DurationSpec::Fixed {
                value_s: ctx.non_negative(&sub("value_s"), need("value_s")?)?,
            }
        }
        "exponential" => {
            only(&["mean_s"])?;
            DurationSpec::Exponential {
                mean_s: ctx.positive(&sub("mean_s"), need("mean_s")?)?,
            }
        }
        "weibull" => {
            let shape = ctx.positive(&sub("shape"), need("shape")?)?;
            if has("mean_s") {
                only(&["shape", "mean_s"])?;
                let mean = ctx.positive(&sub("mean_s"), need("mean_s")?)?;
                DurationSpec::Weibull {
                    shape,
                    scale_s: mean / crate::distribution::gamma_fn(1.0 + 1.0 / shape),
                }
            } else {
                only(&["shape", "scale_s"])?;
                DurationSpec::Weibull {
                    shape,
                    scale_s: ctx.positive(&sub("scale_s"), need("scale_s")?)?,
                }
            }
        }
        "lognormal" => lognormal(raw, key, ctx, &only)?,
        "uniform" => {
            only(&["min_s", "max_s"])?;
            let lo = ctx.non_negative(&sub("min_s"), need("min_s")?)?;
            let hi = ctx.finite(&sub("max_s"), need("max_s")?)?;
            if hi <= lo {
                return Err(ctx.err(
                    sub("max_s"),
                    format!("must be greater than min_s ({lo}), got {hi}"),
                ));
            }
            DurationSpec::Uniform {
                min_s: lo,
                max_s: hi,
            }
        }
        "gamma" => {
            let shape = ctx.positive(&sub("shape"), need("shape")?)?;
            if has("mean_s") {
                only(&["shape", "mean_s"])?;
                DurationSpec::Gamma {
                    shape,
                    scale_s: ctx.positive(&sub("mean_s"), need("mean_s")?)? / shape,
                }
            } else {
                only(&["shape", "scale_s"])?;
                DurationSpec::Gamma {
                    shape,
                    scale_s: ctx.positive(&sub("scale_s"), need("scale_s")?)?,
                }
            }
        }
        "never" => {
            only(&[])?;
            DurationSpec::Never
        }
        other => {
            return Err(ctx.err(format!("{key}.dist"), format!("unknown distribution `{other}`; known: fixed, exponential, weibull, lognormal, uniform, gamma, never")));
        }
    };
    derived(&spec, key, ctx)?;
    Ok(spec)
}

pub(crate) fn lognormal(
    raw: &DurationFile,
    key: &str,
    ctx: &Ctx<'_>,
    only: &dyn Fn(&[&str]) -> R<()>,
) -> R<DurationSpec> {
    let sub = |name: &str| format!("{key}.{name}");
    match (raw.median_s, raw.p90_s, raw.mean_s, raw.sd_s) {
        (Some(median), Some(p90), None, None) => {
            only(&["median_s", "p90_s"])?;
            let median = ctx.positive(&sub("median_s"), median)?;
            let p90 = ctx.finite(&sub("p90_s"), p90)?;
            if p90 <= median {
                return Err(ctx.err(
                    sub("p90_s"),
                    format!("must be greater than median_s ({median}), got {p90}"),
                ));
            }
            Ok(DurationSpec::Lognormal {
                mu: median.ln(),
                sigma: (p90 / median).ln() / Z90,
            })
        }
        (None, None, Some(mean), Some(sd)) => {
            only(&["mean_s", "sd_s"])?;
            let mean = ctx.positive(&sub("mean_s"), mean)?;
            let sd = ctx.positive(&sub("sd_s"), sd)?;
            let s2 = (1.0 + (sd / mean).powi(2)).ln();
            Ok(DurationSpec::Lognormal {
                mu: mean.ln() - s2 / 2.0,
                sigma: s2.sqrt(),
            })
        }
        (Some(median), None, Some(mean), None) => {
            only(&["median_s", "mean_s"])?;
            let median = ctx.positive(&sub("median_s"), median)?;
            let mean = ctx.finite(&sub("mean_s"), mean)?;
            if mean <= median {
                return Err(ctx.err(
                    sub("mean_s"),
                    format!(
                        "must be greater than median_s ({median}) for a log-normal, got {mean}"
                    ),
                ));
            }
            Ok(DurationSpec::Lognormal {
                mu: median.ln(),
                sigma: (2.0 * (mean / median).ln()).sqrt(),
            })
        }
        _ => Err(ctx.err(
            key,
            "a lognormal takes median_s + p90_s, mean_s + sd_s, or median_s + mean_s",
        )),
    }
}

pub(crate) fn count(raw: &CountFile, key: &str, ctx: &Ctx<'_>) -> R<CountSpec> {
    let sub = |name: &str| format!("{key}.{name}");
    let stray = |name: &str, present: bool| -> R<()> {
        if present {
            Err(ctx.err(
                sub(name),
                format!("does not apply to dist = \"{}\"", raw.dist),
            ))
        } else {
            Ok(())
        }
    };
    let mean = |ctx: &Ctx<'_>| -> R<f64> {
        let m = raw
            .mean
            .ok_or_else(|| ctx.err(sub("mean"), "is required"))?;
        let m = ctx.finite(&sub("mean"), m)?;
        if !(1.0..=MAX_MESSAGES).contains(&m) {
            Err(ctx.err(
                sub("mean"),
                format!(
                    "must lie in 1..={MAX_MESSAGES} (a conversation has a message; more than \
                     {MAX_MESSAGES} on average is no chat), got {m}"
                ),
            ))
        } else {
            Ok(m)
        }
    };
    match raw.dist.as_str() {
        "fixed" => {
            stray("mean", raw.mean.is_some())?;
            stray("dispersion", raw.dispersion.is_some())?;
            let v = raw
                .value
                .ok_or_else(|| ctx.err(sub("value"), "is required"))?;
            if !(1..=10_000).contains(&v) {
                return Err(ctx.err(sub("value"), format!("must lie in 1..=10000, got {v}")));
            }
            Ok(CountSpec::Fixed { value: v as u32 })
        }
        "negative_binomial" => {
            stray("value", raw.value.is_some())?;
            let d = raw
                .dispersion
                .ok_or_else(|| ctx.err(sub("dispersion"), "is required"))?;
            let d = ctx.positive(&sub("dispersion"), d)?;
            if !(GAMMA_SHAPE.0..=GAMMA_SHAPE.1).contains(&d) {
                return Err(ctx.err(
                    sub("dispersion"),
                    format!(
                        "must lie in {:e}..={:e}, got {d:e}",
                        GAMMA_SHAPE.0, GAMMA_SHAPE.1
                    ),
                ));
            }
            Ok(CountSpec::NegativeBinomial {
                mean: mean(ctx)?,
                dispersion: d,
            })
        }
        "geometric" => {
            stray("value", raw.value.is_some())?;
            stray("dispersion", raw.dispersion.is_some())?;
            Ok(CountSpec::Geometric { mean: mean(ctx)? })
        }
        other => Err(ctx.err(
            sub("dist"),
            format!(
                "unknown count distribution `{other}`; known: fixed, negative_binomial, geometric"
            ),
        )),
    }
}
