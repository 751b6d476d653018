//! `[reminders]` (催付), checked into [`crate::reminders::Reminders`].

use serde::{Deserialize, Serialize};

use super::clock::Calendar;
use super::file::GroupFile;
use super::validate::{Ctx, R};
use crate::conversation::Conversation;
use crate::engine::SimTime;
use crate::reminders::{Channel, Reminders};

/// `[reminders]`: the store's 催付 plan.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RemindersFile {
    /// Groups whose agents send reminders (none for sms).
    #[serde(default)]
    pub groups: Vec<String>,
    /// ["MM-DD HH:MM", "MM-DD HH:MM"]: when reminders are sent.
    pub window: Vec<String>,
    /// Share of unpaid orders reminded (0-1).
    pub share: f64,
    /// Minutes after the conversation an unpaid order is reminded.
    #[serde(default = "default_after_min")]
    pub after_min: f64,
    /// "chat", "phone" or "sms".
    #[serde(default = "default_channel")]
    pub channel: String,
    /// Agent time per reminder for a veteran, seconds (not for sms).
    #[serde(default)]
    pub effort_s: f64,
    /// Share of reminded unpaid orders then paid (0-1).
    pub recovery: f64,
}

fn default_after_min() -> f64 {
    15.0
}

fn default_channel() -> String {
    "chat".into()
}

/// The scenario's 催付 plan, if it has one.
pub(crate) fn reminders(
    raw: Option<&RemindersFile>,
    groups: &[GroupFile],
    conversation: &Conversation,
    has_conversion: bool,
    cal: &Calendar,
    ctx: &Ctx<'_>,
) -> R<Option<Reminders>> {
    let Some(r) = raw else {
        return Ok(None);
    };
    if !has_conversion {
        return Err(ctx.err(
            "reminders",
            "needs [conversion]: unpaid orders come from its order and payment rates",
        ));
    }
    let channel = Channel::parse(&r.channel).ok_or_else(|| {
        ctx.err(
            "reminders.channel",
            format!(
                "`{}` is not a channel; use one of {}",
                r.channel,
                Channel::NAMES.join(", ")
            ),
        )
    })?;
    if channel.takes_agent_time() && !matches!(conversation, Conversation::Messages(_)) {
        return Err(ctx.err(
            "reminders.channel",
            "an agent's reminders need the messages model (their time competes with replies); \
             use channel = \"sms\" or model = \"messages\"",
        ));
    }
    let mut indices = Vec::new();
    for (i, name) in r.groups.iter().enumerate() {
        match groups.iter().position(|g| &g.name == name) {
            Some(g) => indices.push(g),
            None => {
                return Err(ctx.err(
                    format!("reminders.groups[{i}]"),
                    format!("no group named `{name}`"),
                ));
            }
        }
    }
    if channel.takes_agent_time() && indices.is_empty() {
        return Err(ctx.err(
            "reminders.groups",
            "name the groups that send reminders (sms alone needs none)",
        ));
    }
    let (a, b) = ctx.window("reminders.window", &r.window, cal, "reminders window")?;
    let window = super::validate::clamp_window(a, b);
    let effort = if channel.takes_agent_time() {
        ctx.positive(
            "reminders.effort_s",
            ctx.seconds("reminders.effort_s", r.effort_s)?,
        )?
    } else {
        ctx.non_negative(
            "reminders.effort_s",
            ctx.seconds("reminders.effort_s", r.effort_s)?,
        )?
    };
    Ok(Some(Reminders {
        groups: indices,
        window,
        share: ctx.probability("reminders.share", r.share)?,
        after: SimTime::from_secs_f64(ctx.non_negative(
            "reminders.after_min",
            ctx.seconds("reminders.after_min", r.after_min * 60.0)?,
        )?),
        channel,
        effort: SimTime::from_secs_f64(effort),
        recovery: ctx.probability("reminders.recovery", r.recovery)?,
    }))
}
