//! Validation of the plan sections: the bot tier, network and hardware, and conversion.

use super::clock::Calendar;
use super::distributions::duration;
use super::file::*;
use super::validate::{Ctx, R, clamp_window};
use crate::bot::{Bot, Overflow, UncertainProbability};
use crate::class::Class;
use crate::conversation::Conversation;
use crate::conversion::{Conversion, InSaleValue};
use crate::distribution::DurationSpec;
use crate::engine::SimTime;
use crate::network::{Network, Outage, Site, Workstation};
use crate::satisfaction::Satisfaction;

fn class_values(raw: &ClassValuesFile, key: &str, ctx: &Ctx<'_>) -> R<[f64; 3]> {
    let given = [raw.pre_sale, raw.in_sale, raw.after_sale];
    let mut out = [0.0; 3];
    for (i, class) in Class::ALL.iter().enumerate() {
        let v = given[i]
            .or(raw.default)
            .ok_or_else(|| ctx.err(format!("{key}.{class}"), "is required (or give a default)"))?;
        out[i] = ctx.probability(&format!("{key}.{class}"), v)?;
    }
    Ok(out)
}

fn uncertain(raw: &UncertainFile, key: &str, ctx: &Ctx<'_>) -> R<UncertainProbability> {
    let mean = ctx.probability(&format!("{key}.mean"), raw.mean)?;
    let sd = ctx.non_negative(&format!("{key}.sd"), raw.sd)?;
    if sd > 0.0 && sd * sd >= mean * (1.0 - mean) {
        return Err(ctx.err(
            format!("{key}.sd"),
            format!(
                "a Beta with mean {mean} needs sd < {:.4}",
                (mean * (1.0 - mean)).sqrt()
            ),
        ));
    }
    Ok(UncertainProbability { mean, sd })
}

pub(super) fn bot(raw: &BotFile, cal: &Calendar, ctx: &Ctx<'_>) -> R<Bot> {
    let mut windows = Vec::new();
    for (i, w) in raw.windows.iter().enumerate() {
        let key = format!("bot.windows[{i}]");
        let (a, b) = ctx.window(&key, &[w.from.clone(), w.to.clone()], cal, "window")?;
        windows.push((
            clamp_window(a, b),
            class_values(&w.first_touch, &format!("{key}.first_touch"), ctx)?,
        ));
    }
    let r = &raw.resolution;
    let per_class = [&r.pre_sale, &r.in_sale, &r.after_sale];
    let mut resolution = Vec::new();
    for (class, given) in Class::ALL.iter().zip(per_class) {
        let u = match (given, &r.default) {
            (Some(u), _) => uncertain(u, &format!("bot.resolution.{class}"), ctx)?,
            (None, Some(u)) => uncertain(u, "bot.resolution.default", ctx)?,
            (None, None) => {
                return Err(ctx.err(
                    format!("bot.resolution.{class}"),
                    "is required (or give bot.resolution.default)",
                ));
            }
        };
        resolution.push(u);
    }
    let capacity = match raw.capacity {
        None => None,
        Some(c) if (0..=10_000_000).contains(&c) => Some(c as u32),
        Some(c) => {
            return Err(ctx.err(
                "bot.capacity",
                format!("must lie in 0..=10000000 sessions, got {c}"),
            ));
        }
    };
    let overflow = match raw.overflow.as_str() {
        "queue" => Overflow::Queue,
        "human" => Overflow::Human,
        other => {
            return Err(ctx.err(
                "bot.overflow",
                format!("unknown overflow `{other}`; known: queue, human"),
            ));
        }
    };
    let finite = |spec: DurationSpec, key: &str| -> R<DurationSpec> {
        if matches!(spec, DurationSpec::Never) {
            Err(ctx.err(key, "must be finite"))
        } else {
            Ok(spec)
        }
    };
    Ok(Bot {
        first_touch: class_values(&raw.first_touch, "bot.first_touch", ctx)?,
        windows,
        latency: finite(duration(&raw.latency, "bot.latency", ctx)?, "bot.latency")?,
        session: finite(duration(&raw.session, "bot.session", ctx)?, "bot.session")?,
        capacity,
        overflow,
        resolution: resolution.try_into().expect("three classes"),
        leave_share: ctx.probability("bot.leave_share", raw.leave_share)?,
        escalated_patience_factor: ctx.positive(
            "bot.escalated_patience_factor",
            raw.escalated_patience_factor,
        )?,
    })
}

fn zero() -> DurationSpec {
    DurationSpec::Fixed { value_s: 0.0 }
}

fn finite_or_zero(raw: &Option<DurationFile>, key: &str, ctx: &Ctx<'_>) -> R<DurationSpec> {
    match raw {
        None => Ok(zero()),
        Some(d) => match duration(d, key, ctx)? {
            DurationSpec::Never => {
                Err(ctx.err(key, "must be finite (a message that never arrives)"))
            }
            spec => Ok(spec),
        },
    }
}

pub(super) fn network(
    raw: &NetworkFile,
    groups: &[GroupFile],
    conv: &Conversation,
    cal: &Calendar,
    ctx: &Ctx<'_>,
) -> R<Network> {
    if !matches!(conv, Conversation::Messages(_)) {
        return Err(ctx.err(
            "network",
            "network delays act on messages: it needs conversation.model = \"messages\"",
        ));
    }
    let mut sites: Vec<Site> = Vec::new();
    for (i, s) in raw.sites.iter().enumerate() {
        let key = format!("network.sites[{i}]");
        if sites.iter().any(|x| x.name == s.name) {
            return Err(ctx.err(
                format!("{key}.name"),
                format!("site `{}` is listed twice", s.name),
            ));
        }
        sites.push(Site {
            name: s.name.clone(),
            delay: finite_or_zero(&s.delay, &format!("{key}.delay"), ctx)?,
            stall_prob: ctx.probability(&format!("{key}.stall_prob"), s.stall_prob)?,
            stall: finite_or_zero(&s.stall, &format!("{key}.stall"), ctx)?,
            disconnects_per_hour: ctx.non_negative(
                &format!("{key}.disconnects_per_hour"),
                s.disconnects_per_hour,
            )?,
            relogin: finite_or_zero(&s.relogin, &format!("{key}.relogin"), ctx)?,
        });
    }
    let mut workstations: Vec<Workstation> = Vec::new();
    for (i, w) in raw.workstations.iter().enumerate() {
        let key = format!("network.workstations[{i}]");
        if workstations.iter().any(|x| x.name == w.name) {
            return Err(ctx.err(
                format!("{key}.name"),
                format!("workstation `{}` is listed twice", w.name),
            ));
        }
        workstations.push(Workstation {
            name: w.name.clone(),
            lag_base_s: ctx.seconds(&format!("{key}.lag_base_s"), w.lag_base_s)?,
            lag_per_chat_s: ctx.seconds(&format!("{key}.lag_per_chat_s"), w.lag_per_chat_s)?,
        });
    }
    let site_index = |name: &str, key: &str| -> R<usize> {
        sites.iter().position(|s| s.name == name).ok_or_else(|| {
            let known: Vec<&str> = sites.iter().map(|s| s.name.as_str()).collect();
            ctx.err(
                key,
                format!(
                    "site `{name}` is not in network.sites (known: {})",
                    known.join(", ")
                ),
            )
        })
    };
    let mut group_site = Vec::new();
    let mut group_workstation = Vec::new();
    for (i, g) in groups.iter().enumerate() {
        group_site.push(if sites.is_empty() {
            None
        } else {
            Some(site_index(&g.site, &format!("groups[{i}].site"))?)
        });
        group_workstation.push(match &g.workstation {
            None => None,
            Some(w) => Some(
                workstations
                    .iter()
                    .position(|x| &x.name == w)
                    .ok_or_else(|| {
                        ctx.err(
                            format!("groups[{i}].workstation"),
                            format!("workstation `{w}` is not in network.workstations"),
                        )
                    })?,
            ),
        });
    }
    let mut outages = Vec::new();
    for (i, o) in raw.outages.iter().enumerate() {
        let key = format!("network.outages[{i}]");
        let site = site_index(&o.site, &format!("{key}.site"))?;
        let (a, b) = ctx.window(&key, &[o.from.clone(), o.to.clone()], cal, "outage")?;
        let reassign_after = match o.reassign_after_s {
            None => None,
            Some(s) => Some(SimTime::from_secs_f64(
                ctx.seconds(&format!("{key}.reassign_after_s"), s)?,
            )),
        };
        outages.push(Outage {
            site,
            window: clamp_window(a, b),
            reassign_after,
        });
    }
    Ok(Network {
        platform_delay: finite_or_zero(&raw.platform_delay, "network.platform_delay", ctx)?,
        platform_peak_extra: finite_or_zero(
            &raw.platform_peak_extra,
            "network.platform_peak_extra",
            ctx,
        )?,
        sites,
        workstations,
        outages,
        group_site,
        group_workstation,
    })
}

/// A `[seconds, multiplier]` curve under `key`: times strictly increasing, multipliers
/// that never rise (a later answer never sells more); its first and last points.
fn curve(points: &[(f64, f64)], key: &str, ctx: &Ctx<'_>) -> R<Vec<(f64, f64)>> {
    let mut curve: Vec<(f64, f64)> = Vec::new();
    for (i, &(t, m)) in points.iter().enumerate() {
        let at = format!("{key}[{i}]");
        let t = ctx.non_negative(&format!("{at}[0]"), t)?;
        let m = ctx.non_negative(&format!("{at}[1]"), m)?;
        if curve.last().is_some_and(|&(p, _)| p >= t) {
            return Err(ctx.err(at, "points must be in strictly increasing time order"));
        }
        // a later first reply never sells more: GMV lost would read as a gain otherwise
        if let Some(&(p, before)) = curve.last()
            && m > before
        {
            return Err(ctx.err(
                at,
                format!(
                    "the multiplier {m} at {t} s is above {before} at {p} s: a later first \
                     reply must not convert better"
                ),
            ));
        }
        curve.push((t, m));
    }
    if curve.is_empty() {
        return Err(ctx.err(key, "needs at least one [seconds, multiplier] point"));
    }
    Ok(curve)
}

/// The floor for leavers (at most the curve's last point) and the bot's factor (at most
/// its first, an instant answer; that by default) under `key`.
fn floor_and_bot(
    curve: &[(f64, f64)],
    key: &str,
    abandoned: f64,
    bot: Option<f64>,
    ctx: &Ctx<'_>,
) -> R<(f64, f64)> {
    let (instant, (last_s, last)) = (curve[0].1, curve[curve.len() - 1]);
    let abandoned = ctx.non_negative(&format!("{key}.abandoned_multiplier"), abandoned)?;
    if abandoned > last {
        return Err(ctx.err(
            format!("{key}.abandoned_multiplier"),
            format!(
                "{abandoned} is above the curve's {last} at {last_s} s: a customer who leaves \
                 unanswered must not convert better than one answered late"
            ),
        ));
    }
    let bot = ctx.non_negative(
        &format!("{key}.bot_resolved_factor"),
        bot.unwrap_or(instant),
    )?;
    if bot > instant {
        return Err(ctx.err(
            format!("{key}.bot_resolved_factor"),
            format!(
                "{bot} is above the curve's instant multiplier {instant}: the bot would \
                 out-sell an instant human answer, and GMV lost against an instant answer \
                 would read as a gain"
            ),
        ));
    }
    Ok((abandoned, bot))
}

pub(super) fn satisfaction(raw: &SatisfactionFile, ctx: &Ctx<'_>) -> R<Satisfaction> {
    let key = "satisfaction.first_reply_curve";
    let points = curve(&raw.first_reply_curve, key, ctx)?;
    if points[0].1 > 1.0 {
        return Err(ctx.err(
            format!("{key}[0][1]"),
            format!(
                "is {}: the curve scales the share satisfied when answered at once, so it is \
                 at most 1",
                points[0].1
            ),
        ));
    }
    Ok(Satisfaction {
        at_once: class_values(&raw.at_once, "satisfaction.at_once", ctx)?,
        curve: points,
    })
}

pub(super) fn conversion(raw: &ConversionFile, ctx: &Ctx<'_>) -> R<Conversion> {
    let curve = curve(&raw.first_reply_curve, "conversion.first_reply_curve", ctx)?;
    let (abandoned, bot) = floor_and_bot(
        &curve,
        "conversion",
        raw.abandoned_multiplier,
        raw.bot_resolved_factor,
        ctx,
    )?;
    let average_order_value =
        ctx.non_negative("conversion.average_order_value", raw.average_order_value)?;
    let in_sale = match &raw.in_sale {
        None => None,
        Some(f) => {
            let key = "conversion.in_sale";
            let points = self::curve(
                &f.first_reply_curve,
                &format!("{key}.first_reply_curve"),
                ctx,
            )?;
            let (abandoned, bot) = floor_and_bot(
                &points,
                key,
                f.abandoned_multiplier,
                f.bot_resolved_factor,
                ctx,
            )?;
            Some(InSaleValue {
                curve: points,
                abandoned_multiplier: abandoned,
                bot_resolved_factor: bot,
                order_value: ctx.non_negative(
                    &format!("{key}.order_value"),
                    f.order_value.unwrap_or(average_order_value),
                )?,
            })
        }
    };
    Ok(Conversion {
        order_base: ctx.probability("conversion.order_base", raw.order_base)?,
        first_reply_curve: curve,
        abandoned_multiplier: abandoned,
        slow_reply_threshold_s: ctx.seconds(
            "conversion.slow_reply_threshold_s",
            raw.slow_reply_threshold_s,
        )?,
        slow_reply_penalty_per_10s: ctx.probability(
            "conversion.slow_reply_penalty_per_10s",
            raw.slow_reply_penalty_per_10s,
        )?,
        slow_reply_penalty_cap: ctx.probability(
            "conversion.slow_reply_penalty_cap",
            raw.slow_reply_penalty_cap,
        )?,
        bot_resolved_factor: bot,
        payment_rate: ctx.probability("conversion.payment_rate", raw.payment_rate)?,
        average_order_value,
        in_sale,
    })
}
