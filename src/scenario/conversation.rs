//! The `[conversation]` table -> the conversation model: messages (turns, replies,
//! greetings) or sessions (work and speeds), or an error naming the key and the rule.

use super::distributions::{count, duration};
use super::file::{ConversationFile, GreetingFile};
use super::validate::{Ctx, R};
use crate::conversation::{Conversation, Greeting, Hello, MessagesModel, SessionsModel};
use crate::distribution::{CountSpec, DurationSpec};
use crate::engine::SimTime;

pub(super) fn conversation(raw: &ConversationFile, ctx: &Ctx<'_>) -> R<Conversation> {
    let messages_keys = [
        ("customer_messages", raw.customer_messages.is_some()),
        ("burst", raw.burst.is_some()),
        (
            "extra_agent_message_prob",
            raw.extra_agent_message_prob.is_some(),
        ),
        ("reply_messages", raw.reply_messages.is_some()),
        ("greeting", raw.greeting.is_some()),
        ("effort", raw.effort.is_some()),
        ("think", raw.think.is_some()),
        ("switch_penalty", raw.switch_penalty.is_some()),
        ("wrap_up_s", raw.wrap_up_s.is_some()),
        ("quick_phrase_share", raw.quick_phrase_share.is_some()),
        ("quick_phrase", raw.quick_phrase.is_some()),
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
                burst: match &raw.burst {
                    Some(b) => Some(count(b, "conversation.burst", ctx)?),
                    None => None,
                },
                extra_agent_message_prob: ctx.probability(
                    "conversation.extra_agent_message_prob",
                    raw.extra_agent_message_prob.unwrap_or(0.0),
                )?,
                reply_messages: reply_messages(raw, ctx)?,
                greeting: match &raw.greeting {
                    Some(g) => greeting(g, ctx)?,
                    None => Greeting::NONE,
                },
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
                    ctx.seconds("conversation.wrap_up_s", raw.wrap_up_s.unwrap_or(0.0))?,
                ),
                quick_phrase_share: ctx.probability(
                    "conversation.quick_phrase_share",
                    raw.quick_phrase_share.unwrap_or(0.0),
                )?,
                quick_phrase: match &raw.quick_phrase {
                    Some(d) => duration(d, "conversation.quick_phrase", ctx)?,
                    None => DurationSpec::Fixed { value_s: 3.0 },
                },
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

/// Agent messages per reply: a count, or one plus `extra_agent_message_prob` (not both).
fn reply_messages(raw: &ConversationFile, ctx: &Ctx<'_>) -> R<Option<CountSpec>> {
    let Some(r) = &raw.reply_messages else {
        return Ok(None);
    };
    if raw.extra_agent_message_prob.is_some() {
        return Err(ctx.err(
            "conversation.reply_messages",
            "give either reply_messages or extra_agent_message_prob, not both (both set the agent messages per reply)",
        ));
    }
    Ok(Some(count(r, "conversation.reply_messages", ctx)?))
}

/// `[conversation.greeting]`: factors only with their greeting switched on.
fn greeting(g: &GreetingFile, ctx: &Ctx<'_>) -> R<Greeting> {
    let off = |key: &str, set: bool, switch: &str| -> R<()> {
        if set {
            Err(ctx.err(
                format!("conversation.greeting.{key}"),
                format!("applies only with {switch} = true"),
            ))
        } else {
            Ok(())
        }
    };
    if !g.auto_welcome {
        off(
            "auto_welcome_patience_factor",
            g.auto_welcome_patience_factor.is_some(),
            "auto_welcome",
        )?;
    }
    if !g.agent_hello {
        off("hello", g.hello.is_some(), "agent_hello")?;
        off(
            "hello_patience_factor",
            g.hello_patience_factor.is_some(),
            "agent_hello",
        )?;
    }
    let factor = |key: &str, x: Option<f64>| {
        ctx.positive(&format!("conversation.greeting.{key}"), x.unwrap_or(1.0))
    };
    let hello = if g.agent_hello {
        Some(Hello {
            delay: match &g.hello {
                Some(d) => duration(d, "conversation.greeting.hello", ctx)?,
                None => DurationSpec::Fixed { value_s: 3.0 },
            },
            patience_factor: factor("hello_patience_factor", g.hello_patience_factor)?,
        })
    } else {
        None
    };
    Ok(Greeting {
        auto_welcome_patience_factor: if g.auto_welcome {
            Some(factor(
                "auto_welcome_patience_factor",
                g.auto_welcome_patience_factor,
            )?)
        } else {
            None
        },
        hello,
    })
}
