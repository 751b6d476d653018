//! Raw scenario structs -> validated domain types, or an error naming the file, the key
//! path and the rule broken. Nothing past this boundary sees an `Option` default.

use std::path::Path;

use super::clock::{Calendar, ClockTime};
use super::distributions::duration;
use super::file::*;
use super::rates::arrivals;
use super::{Scenario, ScenarioError};
use crate::class::{Class, ClassSet};
use crate::conversation::Conversation;
use crate::distribution::DurationSpec;
use crate::engine::SimTime;
use crate::inbox::Inbox;
use crate::kpi::Target;
use crate::patience::{Patience, Retrial};
use crate::roster::{AgentGroup, GroupRouting, Window, merge_shifts};
use crate::routing::{Handover, Policy, PriorityWindow, QueueOverflow, Routing};
use crate::scoring::{MessagesLeft, Scoring};

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

    /// A duration in seconds, held to the same cap as the distributions' times, so that no
    /// timer runs past the clock a run can honour.
    pub(crate) fn seconds(&self, key: &str, x: f64) -> R<f64> {
        use super::distributions::MAX_TIME_S;
        let x = self.non_negative(key, x)?;
        if x <= MAX_TIME_S {
            Ok(x)
        } else {
            Err(self.err(
                key,
                format!("must be at most {MAX_TIME_S:.0e} s (about 31 years), got {x}"),
            ))
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
/// Agents one group may have: a platform's whole service centre fits in one.
pub const MAX_GROUP_AGENTS: i64 = 1_000_000;

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
        SimTime::from_secs_f64(ctx.seconds("service_level_s", raw.service_level_s)?);
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
    let target_share = ctx.probability("target_share", raw.target_share)?;
    if target_share == 0.0 {
        return Err(ctx.err(
            "target_share",
            "must be above 0 (a target held in no replication is not met)",
        ));
    }
    let conversation = super::conversation::conversation(&raw.conversation, ctx)?;
    let routing = routing(&raw.routing, &conversation, &cal, ctx)?;
    let break_rules = super::breaks::rules(&raw.breaks, ctx)?;
    let (groups, mut warnings) = groups(&raw.groups, &break_rules, &cal, ctx)?;
    let (arrivals, notes) = arrivals(&raw.arrivals, &cal, horizon, ctx)?;
    warnings.extend(notes);
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
    let satisfaction = match &raw.satisfaction {
        Some(s) => Some(super::plans::satisfaction(s, ctx)?),
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
    let inbox = inbox(raw.inbox.as_ref(), &conversation, ctx)?;
    let scoring = scoring(raw.scoring.as_ref(), ctx)?;
    let reminders = super::reminders::reminders(
        raw.reminders.as_ref(),
        &raw.groups,
        &conversation,
        conversion.is_some(),
        &cal,
        ctx,
    )?;
    let echo = serde_json::to_value(raw).map_err(|e| ctx.err("(scenario)", e.to_string()))?;
    let sc = Scenario {
        name: raw.name.clone(),
        name_zh: raw.name_zh.clone().unwrap_or_else(|| raw.name.clone()),
        description: raw.description.clone(),
        calendar: cal,
        horizon,
        warmup,
        interval,
        service_level,
        peaks,
        arrivals,
        conversation,
        patience: patience(&raw.patience, ctx)?,
        routing,
        inbox,
        scoring,
        groups,
        targets,
        target_share,
        windows: Vec::new(),
        warnings,
        bot,
        network,
        conversion,
        satisfaction,
        reminders,
        echo,
    };
    super::budget::check(&sc, ctx)?;
    Ok(sc)
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
            let delay = duration(&r.delay, "patience.retrial.delay", ctx)?;
            if delay == DurationSpec::Never {
                return Err(ctx.err(
                    "patience.retrial.delay",
                    "a retrial delay of \"never\" means nobody comes back: remove \
                     [patience.retrial] (or set its probability to 0) instead",
                ));
            }
            Some(Retrial {
                probability: ctx.probability("patience.retrial.probability", r.probability)?,
                delay,
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
            ctx.seconds("patience.silent_timeout_s", raw.silent_timeout_s)?,
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
    let max_queue = match raw.max_queue {
        None => None,
        Some(w) if (0..=10_000_000).contains(&w) => Some(w as u32),
        Some(w) => {
            return Err(ctx.err(
                "routing.max_queue",
                format!("must lie in 0..=10000000 customers, got {w}"),
            ));
        }
    };
    let queue_overflow = match raw.queue_overflow.as_str() {
        "message" => QueueOverflow::Message,
        "busy" => QueueOverflow::Busy,
        other => {
            return Err(ctx.err(
                "routing.queue_overflow",
                format!("unknown overflow `{other}`; known: message, busy"),
            ));
        }
    };
    Ok(Routing {
        policy,
        priority,
        handover,
        max_queue,
        queue_overflow,
    })
}

fn inbox(raw: Option<&InboxFile>, conv: &Conversation, ctx: &Ctx<'_>) -> R<Inbox> {
    let messages = matches!(conv, Conversation::Messages(_));
    let raw = raw.cloned().unwrap_or_default();
    let keep = raw.keep_messages.unwrap_or(messages);
    if keep && !messages {
        return Err(ctx.err(
            "inbox.keep_messages",
            "needs conversation.model = \"messages\" (a session has no messages to keep)",
        ));
    }
    if !keep {
        return Ok(Inbox::PHONE);
    }
    let close_h = ctx.positive("inbox.close_after_h", raw.close_after_h)?;
    if close_h > 24.0 * 366.0 {
        return Err(ctx.err("inbox.close_after_h", "must be at most one year (8784 h)"));
    }
    Ok(Inbox {
        keep_messages: true,
        withdraw_share: ctx.probability("inbox.withdraw_share", raw.withdraw_share)?,
        close_after: SimTime::from_secs_f64(close_h * 3600.0),
    })
}

fn scoring(raw: Option<&ScoringFile>, ctx: &Ctx<'_>) -> R<Scoring> {
    let Some(raw) = raw else {
        return Ok(Scoring::default());
    };
    let hours = match &raw.hours {
        None => None,
        Some(h) => {
            let [from, to] = h.as_slice() else {
                return Err(ctx.err(
                    "scoring.hours",
                    "needs two times of day [\"HH:MM\", \"HH:MM\"]",
                ));
            };
            let parse = |i: usize, s: &str| -> R<SimTime> {
                let t = ClockTime::parse(&format!("01-01 {s}")).map_err(|e| {
                    ctx.err(
                        format!("scoring.hours[{i}]"),
                        format!("`{s}` is not a time of day HH:MM ({e})"),
                    )
                })?;
                Ok(SimTime::from_secs(u64::from(t.seconds_of_year())))
            };
            let (a, b) = (parse(0, from)?, parse(1, to)?);
            if a == b {
                return Err(ctx.err("scoring.hours", "the scoring hours are empty (from = to)"));
            }
            Some((a, b))
        }
    };
    let round_cap = match raw.round_cap_s {
        None => SimTime::NEVER,
        Some(x) => SimTime::from_secs_f64(ctx.positive(
            "scoring.round_cap_s",
            ctx.seconds("scoring.round_cap_s", x)?,
        )?),
    };
    let messages_left = match raw.messages_left.as_deref() {
        None => MessagesLeft::WholeWait,
        Some(name) => MessagesLeft::parse(name).ok_or_else(|| {
            ctx.err(
                "scoring.messages_left",
                format!(
                    "`{name}` is not a rule; use one of {}",
                    MessagesLeft::NAMES.join(", ")
                ),
            )
        })?,
    };
    Ok(Scoring {
        hours,
        round_cap,
        messages_left,
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

fn groups(
    raw: &[GroupFile],
    break_rules: &[crate::breaks::BreakRule],
    cal: &Calendar,
    ctx: &Ctx<'_>,
) -> R<(Vec<AgentGroup>, Vec<String>)> {
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
        if let Some(j) = raw[..i].iter().position(|h| h.name == g.name) {
            return Err(ctx.err(
                format!("{key}.name"),
                format!(
                    "`{}` is already the name of groups[{j}]: group names must be unique (variants \
                     and sweeps address groups by name)",
                    g.name
                ),
            ));
        }
        if !(0..=MAX_GROUP_AGENTS).contains(&g.count) {
            return Err(ctx.err(
                format!("{key}.count"),
                format!("must lie in 0..={MAX_GROUP_AGENTS}, got {}", g.count),
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
            label: g.label.clone().unwrap_or_else(|| g.name.clone()),
            label_zh: g
                .label_zh
                .clone()
                .or_else(|| g.label.clone())
                .unwrap_or_else(|| g.name.clone()),
            count: g.count as u32,
            skills: ClassSet::of(&classes(&g.skills, &format!("{key}.skills"), ctx)?),
            max_chats,
            max_chats_peak,
            speed_factor: ctx.positive(&format!("{key}.speed_factor"), g.speed_factor)?,
            site: g.site.clone(),
            shifts,
            quick_phrase_share: match g.quick_phrase_share {
                Some(x) => Some(ctx.probability(&format!("{key}.quick_phrase_share"), x)?),
                None => None,
            },
            conversion_factor: ctx
                .positive(&format!("{key}.conversion_factor"), g.conversion_factor)?,
            routing: group_routing(g, &key, cal, ctx)?,
            breaks: if g.breaks.unwrap_or(true) {
                break_rules.to_vec()
            } else {
                Vec::new()
            },
            shrinkage: super::breaks::shrinkage(g.shrinkage, &key, ctx)?,
        };
        if !g.shifts.is_empty() {
            for (w, breaks) in crate::breaks::overlong(&group) {
                let on_duty = (w.end - w.start).as_secs_f64() / 3600.0;
                let rest = if breaks == SimTime::ZERO {
                    "without a break".to_string()
                } else {
                    format!(
                        "with {:.1} h of breaks, {:.1} h of work",
                        breaks.as_secs_f64() / 3600.0,
                        on_duty - breaks.as_secs_f64() / 3600.0
                    )
                };
                warnings.push(format!(
                    "group `{}` is on duty {on_duty:.1} h {rest} ({} to {}); the handbook's limit is 12 h of work",
                    g.name,
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

/// A group's 分流 settings: tier, weight and soft cap, each in its range.
fn group_routing(g: &GroupFile, key: &str, cal: &Calendar, ctx: &Ctx) -> R<GroupRouting> {
    let max_tier = i64::from(crate::routing::MAX_TIER);
    if !(0..=max_tier).contains(&g.routing_tier) {
        return Err(ctx.err(
            format!("{key}.routing_tier"),
            format!(
                "must lie in 0..={max_tier} (0 is offered chats first), got {}",
                g.routing_tier
            ),
        ));
    }
    let (lo, hi) = crate::routing::WEIGHT_RANGE;
    if !(lo..=hi).contains(&g.routing_weight) {
        return Err(ctx.err(
            format!("{key}.routing_weight"),
            format!(
                "must lie in {lo}..={hi} (a share relative to weight 1), got {}",
                g.routing_weight
            ),
        ));
    }
    let soft_cap = match g.soft_cap {
        None => None,
        Some(v) if (1..=1000).contains(&v) => Some(v as u16),
        Some(v) => {
            return Err(ctx.err(
                format!("{key}.soft_cap"),
                format!("must lie in 1..=1000 chats, got {v}"),
            ));
        }
    };
    let full_share_from = match &g.full_share_from {
        None => None,
        Some(t) => {
            let at = ctx.clock(&format!("{key}.full_share_from"), t)?;
            let s = cal.offset_s(f64::from(at.seconds_of_year()));
            // before the start: a full share from the start
            Some(SimTime::from_secs_f64(s.clamp(0.0, 1e12)))
        }
    };
    Ok(GroupRouting {
        tier: g.routing_tier as u8,
        weight: g.routing_weight,
        soft_cap,
        full_share_from,
    })
}
