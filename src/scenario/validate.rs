//! Raw scenario structs -> validated domain types, or an error naming the file, the key
//! path and the rule broken. Nothing past this boundary sees an `Option` default.

use std::path::Path;

use super::clock::{Calendar, ClockTime};
use super::file::*;
use super::{Scenario, ScenarioError};
use crate::arrivals::{Arrivals, MixPeriod, RateCurve, Segment, Shape};
use crate::class::{Class, ClassSet};
use crate::conversation::{Conversation, MessagesModel, SessionsModel};
use crate::distribution::{CountSpec, DurationSpec};
use crate::engine::SimTime;
use crate::kpi::Target;
use crate::patience::{Patience, Retrial};
use crate::roster::{AgentGroup, MAX_CONTINUOUS_DUTY, Window, merge_shifts};
use crate::routing::{Handover, Policy, PriorityWindow, Routing};

/// z such that P(Z <= z) = 0.9 for a standard normal (to fit a log-normal's p90).
const Z90: f64 = 1.281_551_565_544_600_4;

/// Builds errors that name the scenario file.
pub(crate) struct Ctx<'a> {
    pub file: &'a str,
    pub base_dir: &'a Path,
}

pub(crate) type R<T> = Result<T, ScenarioError>;

impl Ctx<'_> {
    pub(crate) fn err(&self, key: impl Into<String>, rule: impl Into<String>) -> ScenarioError {
        ScenarioError::Invalid {
            file: self.file.to_string(),
            key: key.into(),
            rule: rule.into(),
        }
    }

    pub(crate) fn finite(&self, key: &str, x: f64) -> R<f64> {
        if x.is_finite() {
            Ok(x)
        } else {
            Err(self.err(key, format!("must be a finite number, got {x}")))
        }
    }

    pub(crate) fn positive(&self, key: &str, x: f64) -> R<f64> {
        let x = self.finite(key, x)?;
        if x > 0.0 {
            Ok(x)
        } else {
            Err(self.err(key, format!("must be greater than 0, got {x}")))
        }
    }

    pub(crate) fn non_negative(&self, key: &str, x: f64) -> R<f64> {
        let x = self.finite(key, x)?;
        if x >= 0.0 {
            Ok(x)
        } else {
            Err(self.err(key, format!("must not be negative, got {x}")))
        }
    }

    pub(crate) fn probability(&self, key: &str, x: f64) -> R<f64> {
        let x = self.finite(key, x)?;
        if (0.0..=1.0).contains(&x) {
            Ok(x)
        } else {
            Err(self.err(
                key,
                format!("is a probability and must lie in [0, 1], got {x}"),
            ))
        }
    }

    pub(crate) fn clock(&self, key: &str, s: &str) -> R<ClockTime> {
        ClockTime::parse(s).map_err(|rule| self.err(key, rule))
    }

    pub(crate) fn window(
        &self,
        key: &str,
        pair: &[String],
        cal: &Calendar,
        what: &str,
    ) -> R<(f64, f64)> {
        let [a, b] = pair else {
            return Err(self.err(
                key,
                format!(
                    "a {what} is two times [\"MM-DD HH:MM\", \"MM-DD HH:MM\"], got {} value(s)",
                    pair.len()
                ),
            ));
        };
        let start = self.clock(&format!("{key}[0]"), a)?;
        let end = self.clock(&format!("{key}[1]"), b)?;
        if end <= start {
            return Err(self.err(
                key,
                format!("{what} end `{b}` must be after its start `{a}`"),
            ));
        }
        Ok((
            cal.offset_s(f64::from(start.seconds_of_year())),
            cal.offset_s(f64::from(end.seconds_of_year())),
        ))
    }
}

pub(crate) fn clamp_window(start_s: f64, end_s: f64) -> Window {
    Window {
        start: SimTime::from_secs_f64(start_s.max(0.0)),
        end: SimTime::from_secs_f64(end_s.max(0.0)),
    }
}

/// Validates a parsed scenario file.
pub(super) fn validate(raw: &ScenarioFile, ctx: &Ctx<'_>) -> R<Scenario> {
    let start = ctx.clock("start", &raw.start)?;
    let end = ctx.clock("end", &raw.end)?;
    let cal = Calendar::new(start);
    let horizon = cal
        .offset(end)
        .filter(|h| *h > SimTime::ZERO)
        .ok_or_else(|| {
            ctx.err(
                "end",
                format!("`{}` must be after start `{}`", raw.end, raw.start),
            )
        })?;
    let warmup = SimTime::from_secs_f64(ctx.non_negative("warmup_h", raw.warmup_h)? * 3600.0);
    if warmup >= horizon {
        return Err(ctx.err("warmup_h", "the warm-up must end before the scenario's end"));
    }
    let interval = SimTime::from_secs_f64(ctx.positive("interval_min", raw.interval_min)? * 60.0);
    if interval < SimTime::from_secs(1) {
        return Err(ctx.err("interval_min", "must be at least 1 second"));
    }
    let service_level =
        SimTime::from_secs_f64(ctx.non_negative("service_level_s", raw.service_level_s)?);
    let peaks = raw
        .peak_windows
        .iter()
        .enumerate()
        .map(|(i, w)| {
            ctx.window(&format!("peak_windows[{i}]"), w, &cal, "window")
                .map(|(a, b)| clamp_window(a, b))
        })
        .collect::<R<Vec<_>>>()?;
    let targets = raw
        .targets
        .iter()
        .enumerate()
        .map(|(i, t)| Target::parse(t).map_err(|rule| ctx.err(format!("targets[{i}]"), rule)))
        .collect::<R<Vec<_>>>()?;
    let conversation = conversation(&raw.conversation, ctx)?;
    let routing = routing(&raw.routing, &conversation, &cal, ctx)?;
    let (groups, warnings) = groups(&raw.groups, &cal, ctx)?;
    let bot = match &raw.bot {
        Some(b) => Some(super::plans::bot(b, &cal, ctx)?),
        None => None,
    };
    let network = match &raw.network {
        Some(n) => Some(super::plans::network(
            n,
            &raw.groups,
            &conversation,
            &cal,
            ctx,
        )?),
        None => None,
    };
    let conversion = match &raw.conversion {
        Some(c) => Some(super::plans::conversion(c, ctx)?),
        None => None,
    };
    if raw.groups.iter().any(|g| g.workstation.is_some()) && raw.network.is_none() {
        let i = raw
            .groups
            .iter()
            .position(|g| g.workstation.is_some())
            .unwrap_or(0);
        return Err(ctx.err(
            format!("groups[{i}].workstation"),
            "names a workstation, but the scenario has no [network] section",
        ));
    }
    let echo = serde_json::to_value(raw).map_err(|e| ctx.err("(scenario)", e.to_string()))?;
    Ok(Scenario {
        name: raw.name.clone(),
        description: raw.description.clone(),
        calendar: cal,
        horizon,
        warmup,
        interval,
        service_level,
        peaks,
        arrivals: arrivals(&raw.arrivals, &cal, horizon, ctx)?,
        conversation,
        patience: patience(&raw.patience, ctx)?,
        routing,
        groups,
        targets,
        warnings,
        bot,
        network,
        conversion,
        echo,
    })
}

fn arrivals(raw: &ArrivalsFile, cal: &Calendar, horizon: SimTime, ctx: &Ctx<'_>) -> R<Arrivals> {
    let h = horizon.as_secs_f64();
    let sources = [
        raw.shape.is_some(),
        raw.table.is_some(),
        raw.csv.is_some(),
        raw.constant_per_hour.is_some(),
    ];
    if sources.iter().filter(|s| **s).count() != 1 {
        return Err(ctx.err(
            "arrivals",
            "give exactly one rate source: shape, table, csv or constant_per_hour",
        ));
    }
    let scale = ctx.non_negative("arrivals.scale", raw.scale)?;
    let base = |ctx: &Ctx<'_>| -> R<f64> {
        let b = raw.base_per_hour.ok_or_else(|| {
            ctx.err(
                "arrivals.base_per_hour",
                "is required with a shape or a table (the normal-day mean inquiries per hour)",
            )
        })?;
        ctx.non_negative("arrivals.base_per_hour", b)
    };
    if raw.base_per_hour.is_some() && (raw.csv.is_some() || raw.constant_per_hour.is_some()) {
        return Err(ctx.err(
            "arrivals.base_per_hour",
            "applies only to a shape or a table",
        ));
    }
    if raw.forecast_total.is_some() && raw.csv.is_none() {
        return Err(ctx.err("arrivals.forecast_total", "applies only to a csv source"));
    }
    // (start_s, rate_per_s) breakpoints in scenario seconds; each holds until the next.
    let mut points: Vec<(f64, f64)> = Vec::new();
    if let Some(name) = &raw.shape {
        let shape = Shape::parse(name).ok_or_else(|| {
            ctx.err(
                "arrivals.shape",
                format!("unknown shape `{name}`; known: double11_midnight, double11_evening"),
            )
        })?;
        let per_s = base(ctx)? / 3600.0;
        let origin = cal.offset_s(f64::from(
            ClockTime::parse("11-10 18:00")
                .expect("static")
                .seconds_of_year(),
        ));
        points.push((f64::MIN, per_s));
        let pieces = shape.pieces();
        for (s, _, m) in &pieces {
            points.push((origin + f64::from(*s) * 60.0, per_s * m));
        }
        let last_end = pieces.last().map_or(0, |p| p.1);
        points.push((origin + f64::from(last_end) * 60.0, per_s));
    } else if let Some(rows) = &raw.table {
        let per_s = base(ctx)? / 3600.0;
        points.push((f64::MIN, 0.0));
        let mut prev = f64::MIN;
        for (i, (t, m)) in rows.iter().enumerate() {
            let key = format!("arrivals.table[{i}]");
            let at = cal.offset_s(f64::from(ctx.clock(&key, t)?.seconds_of_year()));
            if at <= prev {
                return Err(ctx.err(key, "table rows must be in strictly increasing time order"));
            }
            prev = at;
            points.push((at, per_s * ctx.non_negative(&format!("{key}[1]"), *m)?));
        }
    } else if let Some(path) = &raw.csv {
        points = csv_points(path, raw.forecast_total, cal, ctx)?;
    } else if let Some(per_hour) = raw.constant_per_hour {
        points.push((
            f64::MIN,
            ctx.non_negative("arrivals.constant_per_hour", per_hour)? / 3600.0,
        ));
    }
    let mut segments: Vec<Segment> = Vec::new();
    for (i, &(s, rate)) in points.iter().enumerate() {
        let e = points.get(i + 1).map_or(f64::INFINITY, |p| p.0);
        let (a, b) = (s.max(0.0), e.min(h));
        if b > a {
            segments.push(Segment {
                start_s: a,
                end_s: b,
                rate_per_s: rate * scale,
            });
        }
    }
    if segments.first().is_none_or(|s| s.start_s > 0.0) {
        let first = segments.first().map_or(h, |s| s.start_s);
        segments.insert(
            0,
            Segment {
                start_s: 0.0,
                end_s: first,
                rate_per_s: 0.0,
            },
        );
    }
    let forecast_error_cv =
        ctx.non_negative("arrivals.forecast_error_cv", raw.forecast_error_cv)?;
    let mut mix = Vec::new();
    for (i, m) in raw.mix.iter().enumerate() {
        let key = format!("arrivals.mix[{i}]");
        let from = cal.offset_s(f64::from(
            ctx.clock(&format!("{key}.from"), &m.from)?
                .seconds_of_year(),
        ));
        let shares = [
            ctx.probability(&format!("{key}.pre_sale"), m.pre_sale)?,
            ctx.probability(&format!("{key}.in_sale"), m.in_sale)?,
            ctx.probability(&format!("{key}.after_sale"), m.after_sale)?,
        ];
        let sum: f64 = shares.iter().sum();
        if (sum - 1.0).abs() > 1e-6 {
            return Err(ctx.err(key, format!("shares must sum to 1, got {sum}")));
        }
        if mix.last().is_some_and(|p: &MixPeriod| p.from_s >= from) {
            return Err(ctx.err(
                format!("{key}.from"),
                "mix periods must be in strictly increasing time order",
            ));
        }
        mix.push(MixPeriod {
            from_s: from,
            shares,
        });
    }
    if let Some(first) = mix.first_mut() {
        first.from_s = first.from_s.min(0.0);
    }
    Ok(Arrivals {
        curve: RateCurve::new(segments),
        forecast_error_cv,
        mix,
    })
}

fn csv_points(path: &str, total: Option<f64>, cal: &Calendar, ctx: &Ctx<'_>) -> R<Vec<(f64, f64)>> {
    let full = ctx.base_dir.join(path);
    let shown = full.display().to_string();
    let text = std::fs::read_to_string(&full)
        .map_err(|e| ctx.err("arrivals.csv", format!("cannot read `{shown}`: {e}")))?;
    let csv_err = |line: usize, rule: String| ScenarioError::Csv {
        file: shown.clone(),
        line,
        rule,
    };
    let mut rows: Vec<(f64, f64)> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line_no = n + 1;
        let line = line.trim();
        if line.is_empty()
            || line.starts_with('#')
            || (rows.is_empty() && line.starts_with("interval_start"))
        {
            continue;
        }
        let (t, c) = line
            .split_once(',')
            .ok_or_else(|| csv_err(line_no, "expected `interval_start,count`".into()))?;
        let at = ClockTime::parse(t.trim()).map_err(|rule| csv_err(line_no, rule))?;
        let count: f64 = c
            .trim()
            .parse()
            .map_err(|_| csv_err(line_no, format!("count `{}` is not a number", c.trim())))?;
        if !count.is_finite() || count < 0.0 {
            return Err(csv_err(
                line_no,
                format!("count must be a finite number >= 0, got {count}"),
            ));
        }
        let at = cal.offset_s(f64::from(at.seconds_of_year()));
        if rows.last().is_some_and(|r| r.0 >= at) {
            return Err(csv_err(
                line_no,
                "interval starts must be in strictly increasing time order".into(),
            ));
        }
        rows.push((at, count));
    }
    if rows.len() < 2 {
        return Err(csv_err(
            text.lines().count(),
            "needs at least two rows (an interval's end is the next row's start)".into(),
        ));
    }
    let last_len = rows[rows.len() - 1].0 - rows[rows.len() - 2].0;
    let sum: f64 = rows.iter().map(|r| r.1).sum();
    let factor = match total {
        Some(t) => {
            let t = ctx.non_negative("arrivals.forecast_total", t)?;
            if sum <= 0.0 {
                return Err(ctx.err(
                    "arrivals.forecast_total",
                    "cannot scale a CSV whose counts sum to 0",
                ));
            }
            t / sum
        }
        None => 1.0,
    };
    let mut points = vec![(f64::MIN, 0.0)];
    for (i, &(at, count)) in rows.iter().enumerate() {
        let len = rows.get(i + 1).map_or(last_len, |r| r.0 - at);
        points.push((at, count * factor / len));
    }
    points.push((rows[rows.len() - 1].0 + last_len, 0.0));
    Ok(points)
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
    Ok(spec)
}

fn lognormal(
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

fn count(raw: &CountFile, key: &str, ctx: &Ctx<'_>) -> R<CountSpec> {
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
        if m >= 1.0 {
            Ok(m)
        } else {
            Err(ctx.err(
                sub("mean"),
                format!("must be at least 1 (a conversation has a message), got {m}"),
            ))
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
            Ok(CountSpec::NegativeBinomial {
                mean: mean(ctx)?,
                dispersion: ctx.positive(&sub("dispersion"), d)?,
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

fn conversation(raw: &ConversationFile, ctx: &Ctx<'_>) -> R<Conversation> {
    let messages_keys = [
        ("customer_messages", raw.customer_messages.is_some()),
        (
            "extra_agent_message_prob",
            raw.extra_agent_message_prob.is_some(),
        ),
        ("effort", raw.effort.is_some()),
        ("think", raw.think.is_some()),
        ("switch_penalty", raw.switch_penalty.is_some()),
        ("wrap_up_s", raw.wrap_up_s.is_some()),
    ];
    let sessions_keys = [("work", raw.work.is_some()), ("speed", raw.speed.is_some())];
    let reject = |keys: &[(&str, bool)], model: &str| -> R<()> {
        match keys.iter().find(|k| k.1) {
            Some((k, _)) => Err(ctx.err(
                format!("conversation.{k}"),
                format!("does not apply to model = \"{model}\""),
            )),
            None => Ok(()),
        }
    };
    let required =
        |name: &str| ctx.err(format!("conversation.{name}"), "is required for this model");
    match raw.model.as_str() {
        "messages" => {
            reject(&sessions_keys, "messages")?;
            Ok(Conversation::Messages(MessagesModel {
                customer_messages: count(
                    raw.customer_messages
                        .as_ref()
                        .ok_or_else(|| required("customer_messages"))?,
                    "conversation.customer_messages",
                    ctx,
                )?,
                extra_agent_message_prob: ctx.probability(
                    "conversation.extra_agent_message_prob",
                    raw.extra_agent_message_prob.unwrap_or(0.0),
                )?,
                effort: duration(
                    raw.effort.as_ref().ok_or_else(|| required("effort"))?,
                    "conversation.effort",
                    ctx,
                )?,
                think: duration(
                    raw.think.as_ref().ok_or_else(|| required("think"))?,
                    "conversation.think",
                    ctx,
                )?,
                switch_penalty: ctx.non_negative(
                    "conversation.switch_penalty",
                    raw.switch_penalty.unwrap_or(0.0),
                )?,
                wrap_up: SimTime::from_secs_f64(
                    ctx.non_negative("conversation.wrap_up_s", raw.wrap_up_s.unwrap_or(0.0))?,
                ),
            }))
        }
        "sessions" => {
            reject(&messages_keys, "sessions")?;
            let work = duration(
                raw.work.as_ref().ok_or_else(|| required("work"))?,
                "conversation.work",
                ctx,
            )?;
            if matches!(work, DurationSpec::Never) {
                return Err(ctx.err(
                    "conversation.work",
                    "work must be finite (dist = \"never\" would hold chats forever)",
                ));
            }
            let speed = raw.speed.clone().unwrap_or_else(|| vec![1.0]);
            if speed.is_empty() {
                return Err(ctx.err(
                    "conversation.speed",
                    "needs at least one value (speed with one chat)",
                ));
            }
            for (i, s) in speed.iter().enumerate() {
                ctx.positive(&format!("conversation.speed[{i}]"), *s)?;
            }
            Ok(Conversation::Sessions(SessionsModel { work, speed }))
        }
        other => Err(ctx.err(
            "conversation.model",
            format!("unknown model `{other}`; known: messages, sessions"),
        )),
    }
}

fn patience(raw: &PatienceFile, ctx: &Ctx<'_>) -> R<Patience> {
    let fr = &raw.first_reply;
    let per_class = [&fr.pre_sale, &fr.in_sale, &fr.after_sale];
    let mut first_reply = Vec::with_capacity(3);
    for (class, given) in Class::ALL.iter().zip(per_class) {
        let spec = match (given, &fr.default) {
            (Some(d), _) => duration(d, &format!("patience.first_reply.{class}"), ctx)?,
            (None, Some(d)) => duration(d, "patience.first_reply.default", ctx)?,
            (None, None) => {
                return Err(ctx.err(
                    format!("patience.first_reply.{class}"),
                    "is required (or give patience.first_reply.default)",
                ));
            }
        };
        first_reply.push(spec);
    }
    let retrial = match &raw.retrial {
        None => None,
        Some(r) => {
            if !(1..=255).contains(&r.max_attempts) {
                return Err(ctx.err(
                    "patience.retrial.max_attempts",
                    format!("must lie in 1..=255, got {}", r.max_attempts),
                ));
            }
            Some(Retrial {
                probability: ctx.probability("patience.retrial.probability", r.probability)?,
                delay: duration(&r.delay, "patience.retrial.delay", ctx)?,
                patience_factor: ctx
                    .positive("patience.retrial.patience_factor", r.patience_factor)?,
                max_attempts: r.max_attempts as u8,
            })
        }
    };
    Ok(Patience {
        first_reply: first_reply.try_into().expect("three classes"),
        mid_conversation: match &raw.mid_conversation {
            Some(d) => duration(d, "patience.mid_conversation", ctx)?,
            None => DurationSpec::Never,
        },
        silent_share: ctx.probability("patience.silent_share", raw.silent_share)?,
        silent_timeout: SimTime::from_secs_f64(
            ctx.non_negative("patience.silent_timeout_s", raw.silent_timeout_s)?,
        ),
        retrial,
    })
}

fn routing(raw: &RoutingFile, conv: &Conversation, cal: &Calendar, ctx: &Ctx<'_>) -> R<Routing> {
    let policy = Policy::parse(&raw.policy).ok_or_else(|| {
        let known: Vec<&str> = Policy::ALL.iter().map(|p| p.name()).collect();
        ctx.err(
            "routing.policy",
            format!(
                "unknown policy `{}`; known: {}",
                raw.policy,
                known.join(", ")
            ),
        )
    })?;
    let mut priority = Vec::new();
    for (i, p) in raw.priority.iter().enumerate() {
        let key = format!("routing.priority[{i}]");
        let (a, b) = ctx.window(
            &key,
            &[p.from.clone(), p.to.clone()],
            cal,
            "priority window",
        )?;
        let order = classes(&p.order, &format!("{key}.order"), ctx)?;
        priority.push(PriorityWindow {
            window: clamp_window(a, b),
            order,
        });
    }
    let handover = match &raw.handover {
        None => None,
        Some(h) => {
            if !matches!(conv, Conversation::Messages(_)) {
                return Err(ctx.err(
                    "routing.handover",
                    "hand-over needs conversation.model = \"messages\" (it happens after replies)",
                ));
            }
            if !(1..=1000).contains(&h.replies_min)
                || h.replies_max < h.replies_min
                || h.replies_max > 1000
            {
                return Err(ctx.err(
                    "routing.handover",
                    format!(
                        "need 1 <= replies_min <= replies_max <= 1000, got {}..{}",
                        h.replies_min, h.replies_max
                    ),
                ));
            }
            Some(Handover {
                share: ctx.probability("routing.handover.share", h.share)?,
                replies_min: h.replies_min as u16,
                replies_max: h.replies_max as u16,
            })
        }
    };
    Ok(Routing {
        policy,
        priority,
        handover,
    })
}

fn classes(names: &[String], key: &str, ctx: &Ctx<'_>) -> R<Vec<Class>> {
    let mut out = Vec::new();
    for (i, n) in names.iter().enumerate() {
        let c = Class::parse(n).ok_or_else(|| {
            ctx.err(
                format!("{key}[{i}]"),
                format!("unknown class `{n}`; known: pre_sale, in_sale, after_sale"),
            )
        })?;
        if out.contains(&c) {
            return Err(ctx.err(
                format!("{key}[{i}]"),
                format!("class `{n}` is listed twice"),
            ));
        }
        out.push(c);
    }
    if out.is_empty() {
        return Err(ctx.err(key, "needs at least one class"));
    }
    Ok(out)
}

fn groups(raw: &[GroupFile], cal: &Calendar, ctx: &Ctx<'_>) -> R<(Vec<AgentGroup>, Vec<String>)> {
    if raw.is_empty() {
        return Err(ctx.err(
            "groups",
            "the roster is empty: add at least one [[groups]] entry",
        ));
    }
    let mut groups = Vec::new();
    let mut warnings = Vec::new();
    for (i, g) in raw.iter().enumerate() {
        let key = format!("groups[{i}]");
        if !(0..=100_000).contains(&g.count) {
            return Err(ctx.err(
                format!("{key}.count"),
                format!("must lie in 0..=100000, got {}", g.count),
            ));
        }
        let cap = |k: &str, v: i64| -> R<u16> {
            if (1..=1000).contains(&v) {
                Ok(v as u16)
            } else {
                Err(ctx.err(
                    format!("{key}.{k}"),
                    format!("must lie in 1..=1000 chats, got {v}"),
                ))
            }
        };
        let max_chats = cap("max_chats", g.max_chats)?;
        let max_chats_peak = cap("max_chats_peak", g.max_chats_peak.unwrap_or(g.max_chats))?;
        let mut shifts = Vec::new();
        for (j, s) in g.shifts.iter().enumerate() {
            let (a, b) = ctx.window(&format!("{key}.shifts[{j}]"), s, cal, "shift")?;
            shifts.push(clamp_window(a, b));
        }
        let shifts = if g.shifts.is_empty() {
            vec![Window {
                start: SimTime::ZERO,
                end: SimTime::NEVER,
            }]
        } else {
            merge_shifts(shifts.into_iter().filter(|w| w.end > w.start).collect())
        };
        let group = AgentGroup {
            name: g.name.clone(),
            count: g.count as u32,
            skills: ClassSet::of(&classes(&g.skills, &format!("{key}.skills"), ctx)?),
            max_chats,
            max_chats_peak,
            speed_factor: ctx.positive(&format!("{key}.speed_factor"), g.speed_factor)?,
            site: g.site.clone(),
            shifts,
        };
        if !g.shifts.is_empty() {
            for w in group.overlong_shifts(MAX_CONTINUOUS_DUTY) {
                warnings.push(format!(
                    "group `{}` is on duty {:.1} h without a break ({} to {}); the handbook's limit is 12 h",
                    g.name,
                    (w.end - w.start).as_secs_f64() / 3600.0,
                    cal.format(w.start),
                    cal.format(w.end)
                ));
            }
        }
        groups.push(group);
    }
    if groups.iter().all(|g| g.count == 0) {
        return Err(ctx.err("groups", "the roster is empty: every group has count = 0"));
    }
    Ok((groups, warnings))
}
