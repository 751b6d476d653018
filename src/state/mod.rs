//! The live state at one moment of the night (docs/state-format.md): agents on duty by
//! group with their open chats, customers waiting, 留言, the time. `run --snapshot-at`
//! writes it from a simulated day; a store's monitoring writes it on the night;
//! `nowcast` starts the model from it.
//!
//! Counts alone suffice (what a monitoring screen shows); details are used where given.
//! [`LiveState::resolve`] checks a state against the scenario and fills what is missing.

use serde::{Deserialize, Serialize};

use crate::class::Class;
use crate::conversation::Conversation;
use crate::engine::SimTime;
use crate::scenario::Scenario;
use crate::scenario::clock::ClockTime;

mod fill;

pub use fill::patience_factor;
use fill::{resolve_bot, spread};

/// The state format's version.
pub const VERSION: u32 = 1;

/// The live state as written (state.json).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LiveState {
    /// [`VERSION`].
    pub version: u32,
    /// The moment, `"MM-DD HH:MM[:SS]"`.
    pub at: String,
    /// Agent groups; a group left out has the agents on duty the roster gives it at `at`,
    /// holding no chats.
    #[serde(default)]
    pub groups: Vec<GroupState>,
    /// Customers waiting in the line for an agent.
    #[serde(default)]
    pub waiting: Vec<Waiting>,
    /// 留言 not yet taken by an agent.
    #[serde(default)]
    pub messages_left: Vec<Waiting>,
    /// The bot's sessions under way and its queue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bot: Option<BotState>,
    /// Customers who gave up before a first reply and have not come back (yet).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub abandoned: Vec<Abandoned>,
}

/// Customers of one class who gave up at the same time, before a first reply.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Abandoned {
    /// `pre_sale`, `in_sale` or `after_sale`.
    pub class: Class,
    /// Seconds since they left.
    pub left_s: f64,
    /// Seconds since they first arrived (default: `left_s`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arrived_s: Option<f64>,
    /// Attempts made so far (default 1).
    #[serde(default = "one_u8", skip_serializing_if = "is_one_u8")]
    pub attempts: u8,
    /// Whether they will try again (a simulation knows; else drawn by the scenario's
    /// retrial odds given that they have not come back yet).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retries: Option<bool>,
    /// Had come to the agents from the bot (转人工): less patient when they come back.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub escalated: bool,
    /// How many (default 1).
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub count: u32,
}

fn one_u8() -> u8 {
    1
}

fn is_one_u8(n: &u8) -> bool {
    *n == 1
}

/// The bot at the moment.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BotState {
    /// Sessions under way.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sessions: Vec<BotSession>,
    /// Customers waiting for a bot session (a bot whose overflow is `queue`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub waiting: Vec<Waiting>,
}

/// Bot sessions of one class that have run the same time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BotSession {
    /// The customer's question class (default: drawn from the mix the bot takes at the
    /// moment).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<Class>,
    /// Seconds since the session began (default: unknown; what is left is drawn as for a
    /// session found under way at a steady rate).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since_s: Option<f64>,
    /// How many (default 1).
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub count: u32,
}

/// One group's agents.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupState {
    /// The scenario's group name.
    pub name: String,
    /// Agents in their shift (taking new chats).
    pub on_duty: u32,
    /// Open chats of the group's agents, counts only (spread over its agents on duty);
    /// not with `agents`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_chats: Option<u32>,
    /// Agents one by one, with their chats (those on duty first).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub agents: Vec<AgentState>,
}

/// One agent and its open chats.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentState {
    /// Past its shift, finishing the chats it holds (takes no new ones).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub finishing: bool,
    /// Open chats.
    #[serde(default)]
    pub chats: Vec<ChatState>,
}

/// Where a chat stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// The customer's latest message waits for the agent's reply.
    AwaitingReply,
    /// The agent replied; the customer's next message is to come.
    CustomerTurn,
    /// The last reply is sent; the agent wraps the chat up.
    WrapUp,
    /// The customer left without closing the chat; the slot frees at the timeout.
    Closing,
}

/// One open chat.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChatState {
    /// `pre_sale`, `in_sale` or `after_sale`.
    pub class: Class,
    /// Where the chat stands.
    pub phase: Phase,
    /// Seconds in the phase: since the customer's pending message (awaiting a reply),
    /// else since the last reply.
    pub since_s: f64,
    /// Seconds since the customer arrived (default: `since_s` when nothing was replied
    /// yet, else unknown and taken as `since_s`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arrived_s: Option<f64>,
    /// Agent replies so far (default 0 awaiting a reply, else 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replies: Option<u16>,
    /// Seconds the agent has spent on the reply it is composing for this chat, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub composing_s: Option<f64>,
    /// Turns the conversation has in all, where known (a simulation knows; else drawn
    /// from the scenario's law given the turns so far).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub turns_total: Option<u16>,
    /// Whether the customer has already left while its message waits (a simulation
    /// knows; a monitoring screen cannot tell, and without it the odds are drawn).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub left: Option<bool>,
    /// The customer's attempt (default 1; a retrial is 2 or more, and less patient).
    #[serde(default = "one_u8", skip_serializing_if = "is_one_u8")]
    pub attempt: u8,
    /// Came to the agents from the bot (转人工), and so less patient.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub escalated: bool,
}

/// Customers of one class who have waited the same time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Waiting {
    /// `pre_sale`, `in_sale` or `after_sale`.
    pub class: Class,
    /// Seconds waited so far.
    pub waited_s: f64,
    /// How many (default 1).
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub count: u32,
    /// The customer's attempt (default 1; a retrial is 2 or more, and less patient).
    #[serde(default = "one_u8", skip_serializing_if = "is_one_u8")]
    pub attempt: u8,
    /// Came to the agents from the bot (转人工), and so less patient.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub escalated: bool,
}

fn one() -> u32 {
    1
}

fn is_one(n: &u32) -> bool {
    *n == 1
}

/// A chat checked and filled in, in scenario time.
#[derive(Clone, Debug, PartialEq)]
pub struct Chat {
    pub class: Class,
    pub phase: Phase,
    /// When the phase began.
    pub since: SimTime,
    /// When the customer arrived.
    pub arrived: SimTime,
    pub replies: u16,
    /// When the agent began composing this chat's reply, if it is.
    pub composing_since: Option<SimTime>,
    pub turns_total: Option<u16>,
    pub left: Option<bool>,
    /// First-reply patience relative to a fresh customer's (a retrial's, an escalated
    /// customer's).
    pub patience_factor: f32,
    /// The time in the phase is known (false for chats given by count alone).
    pub elapsed_known: bool,
}

/// One customer in a line, checked.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Queued {
    pub class: Class,
    pub arrived: SimTime,
    /// First-reply patience relative to a fresh customer's.
    pub patience_factor: f32,
}

/// One agent checked: its group, whether it is finishing, its chats.
#[derive(Clone, Debug, PartialEq)]
pub struct Agent {
    pub group: usize,
    pub finishing: bool,
    pub chats: Vec<Chat>,
}

/// A state checked against a scenario, in scenario time.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Warm {
    /// The moment.
    pub at: SimTime,
    /// Agents on duty per group (every group of the scenario; `None`: as the roster has
    /// them).
    pub on_duty: Vec<Option<u32>>,
    /// The agents with chats, or finishing.
    pub agents: Vec<Agent>,
    /// Customers in the line, longest waiting first.
    pub waiting: Vec<Queued>,
    /// 留言, oldest first.
    pub messages_left: Vec<Queued>,
    /// `(class, began)` of the bot's sessions under way (`None`: when is unknown).
    pub bot_sessions: Vec<(Class, Option<SimTime>)>,
    /// `(class, arrived)` of customers waiting for a bot session, longest waiting first.
    pub bot_waiting: Vec<(Class, SimTime)>,
    /// Customers who gave up and have not come back.
    pub abandoned: Vec<Gone>,
}

/// A customer who gave up before a first reply, checked.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Gone {
    pub class: Class,
    /// When they first arrived.
    pub arrived: SimTime,
    /// When they left.
    pub left: SimTime,
    /// Attempts made so far.
    pub attempts: u8,
    /// Whether they will try again, where known.
    pub retries: Option<bool>,
    /// First-reply patience of their next attempt relative to a fresh customer's.
    pub patience_factor: f32,
}

/// Most customers (waiting, 留言 and in chats together) a state may hold.
pub const MAX_CUSTOMERS: u64 = 10_000_000;

impl LiveState {
    /// Reads a state from JSON text; `file` names it in errors.
    ///
    /// # Errors
    /// `file: key: rule` for bad JSON, an unknown key or a wrong type.
    pub fn parse(text: &str, file: &str) -> Result<LiveState, String> {
        let de = &mut serde_json::Deserializer::from_str(text);
        serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner();
            if path == "." || path.is_empty() {
                format!("{file}: {inner}")
            } else {
                format!("{file}: {path}: {inner}")
            }
        })
    }

    /// Checks the state against `sc` and fills in what is missing (docs/state-format.md
    /// says what is assumed).
    ///
    /// # Errors
    /// `file: key: rule` naming the field that breaks a rule.
    pub fn resolve(&self, sc: &Scenario, file: &str) -> Result<Warm, String> {
        let err = |key: &str, rule: String| format!("{file}: {key}: {rule}");
        if self.version != VERSION {
            return Err(err(
                "version",
                format!("is {}; this d11sim reads version {VERSION}", self.version),
            ));
        }
        let at_clock = ClockTime::parse(&self.at).map_err(|e| err("at", e))?;
        let at = sc
            .calendar
            .offset(at_clock)
            .filter(|t| *t < sc.horizon)
            .ok_or_else(|| {
                err(
                    "at",
                    format!(
                        "{} lies outside the scenario ({} to {})",
                        self.at,
                        sc.calendar.format(SimTime::ZERO),
                        sc.calendar.format(sc.horizon)
                    ),
                )
            })?;
        let before = |key: &str, secs: f64| -> Result<SimTime, String> {
            if !(secs.is_finite() && secs >= 0.0) {
                return Err(err(
                    key,
                    format!("must be a finite number of seconds >= 0, got {secs}"),
                ));
            }
            let back = SimTime::from_secs_f64(secs);
            if back > at {
                return Err(err(
                    key,
                    format!(
                        "{secs} s before {} reaches before the scenario's start ({})",
                        self.at,
                        sc.calendar.format(SimTime::ZERO)
                    ),
                ));
            }
            Ok(at - back)
        };
        let mut total: u64 = 0;
        let mut count = |key: &str, n: u64| -> Result<(), String> {
            total += n;
            if total > MAX_CUSTOMERS {
                return Err(err(
                    key,
                    format!("the state holds more than {MAX_CUSTOMERS} customers"),
                ));
            }
            Ok(())
        };
        let mut warm = Warm {
            at,
            on_duty: vec![None; sc.groups.len()],
            ..Warm::default()
        };
        let mut seen = vec![false; sc.groups.len()];
        for (gi, gs) in self.groups.iter().enumerate() {
            let key = |k: &str| format!("groups[{gi}].{k}");
            let g = sc
                .groups
                .iter()
                .position(|g| g.name == gs.name)
                .ok_or_else(|| {
                    let names: Vec<&str> = sc.groups.iter().map(|g| g.name.as_str()).collect();
                    err(
                        &key("name"),
                        format!(
                            "no group `{}` in the scenario (its groups: {})",
                            gs.name,
                            names.join(", ")
                        ),
                    )
                })?;
            if std::mem::replace(&mut seen[g], true) {
                return Err(err(
                    &key("name"),
                    format!("group `{}` is given twice", gs.name),
                ));
            }
            let group = &sc.groups[g];
            if gs.on_duty > group.count {
                return Err(err(
                    &key("on_duty"),
                    format!(
                        "{} agents on duty, more than the group's {}",
                        gs.on_duty, group.count
                    ),
                ));
            }
            warm.on_duty[g] = Some(gs.on_duty);
            let cap = group.cap_at(at, &sc.peaks);
            if gs.open_chats.is_some() && !gs.agents.is_empty() {
                return Err(err(
                    &key("open_chats"),
                    "give open_chats or agents, not both".into(),
                ));
            }
            if let Some(n) = gs.open_chats {
                let room = u64::from(gs.on_duty) * u64::from(cap);
                if u64::from(n) > room {
                    return Err(err(
                        &key("open_chats"),
                        format!(
                            "{n} open chats, more than {} agents on duty can hold at the cap of {cap} at {}",
                            gs.on_duty, self.at
                        ),
                    ));
                }
                count(&key("open_chats"), u64::from(n))?;
                warm.agents
                    .extend(spread(g, n, gs.on_duty, group.skills, sc, at));
                continue;
            }
            if gs.agents.len() > group.count as usize {
                return Err(err(
                    &key("agents"),
                    format!(
                        "{} agents listed, more than the group's {}",
                        gs.agents.len(),
                        group.count
                    ),
                ));
            }
            let on = gs.agents.iter().filter(|a| !a.finishing).count();
            if on > gs.on_duty as usize {
                return Err(err(
                    &key("agents"),
                    format!(
                        "{on} agents listed as on duty, more than on_duty ({})",
                        gs.on_duty
                    ),
                ));
            }
            if gs.agents.len() - on + gs.on_duty as usize > group.count as usize {
                return Err(err(
                    &key("agents"),
                    format!(
                        "on_duty and the finishing agents make more than the group's {}",
                        group.count
                    ),
                ));
            }
            for (ai, a) in gs.agents.iter().enumerate() {
                let akey = |k: &str| key(&format!("agents[{ai}].{k}"));
                if a.chats.len() > usize::from(cap.max(1)) && !a.finishing
                    || a.chats.len() > usize::from(u16::MAX)
                {
                    return Err(err(
                        &akey("chats"),
                        format!(
                            "{} open chats, over the group's cap of {cap} at {}",
                            a.chats.len(),
                            self.at
                        ),
                    ));
                }
                count(&akey("chats"), a.chats.len() as u64)?;
                let mut chats = Vec::with_capacity(a.chats.len());
                let mut composing = 0;
                for (ci, c) in a.chats.iter().enumerate() {
                    let ckey = |k: &str| akey(&format!("chats[{ci}].{k}"));
                    if !group.skills.contains(c.class) {
                        return Err(err(
                            &ckey("class"),
                            format!("group `{}` does not serve {} chats", group.name, c.class),
                        ));
                    }
                    let since = before(&ckey("since_s"), c.since_s)?;
                    let arrived = match c.arrived_s {
                        Some(s) => before(&ckey("arrived_s"), s)?,
                        None => since,
                    };
                    if arrived > since {
                        return Err(err(&ckey("arrived_s"), "must be at least since_s".into()));
                    }
                    if matches!(sc.conversation, Conversation::Sessions(_))
                        && !matches!(c.phase, Phase::CustomerTurn | Phase::Closing)
                    {
                        return Err(err(
                            &ckey("phase"),
                            "in the scenario's `sessions` model a chat is a session under way \
                             (`customer_turn`, since_s from when the agent took it) or \
                             `closing`"
                                .into(),
                        ));
                    }
                    let awaiting = c.phase == Phase::AwaitingReply;
                    let replies = c.replies.unwrap_or(u16::from(!awaiting));
                    // a closing chat may have none: a reply to a customer who left
                    // before any is not counted where nothing is owed to it
                    if matches!(c.phase, Phase::CustomerTurn | Phase::WrapUp) && replies == 0 {
                        return Err(err(
                            &ckey("replies"),
                            "must be at least 1 once a reply was sent".into(),
                        ));
                    }
                    let composing_since = match c.composing_s {
                        Some(_) if !awaiting => {
                            return Err(err(
                                &ckey("composing_s"),
                                "applies only while awaiting_reply".into(),
                            ));
                        }
                        Some(s) => {
                            composing += 1;
                            let t = before(&ckey("composing_s"), s)?;
                            if t < since {
                                return Err(err(
                                    &ckey("composing_s"),
                                    "must be at most since_s".into(),
                                ));
                            }
                            Some(t)
                        }
                        None => None,
                    };
                    if composing > 1 {
                        return Err(err(
                            &ckey("composing_s"),
                            "an agent composes one reply at a time".into(),
                        ));
                    }
                    if let Some(t) = c.turns_total {
                        let sent = replies + u16::from(awaiting);
                        if t < sent.max(1) {
                            return Err(err(
                                &ckey("turns_total"),
                                format!("{t} is fewer than the turns so far ({sent})"),
                            ));
                        }
                    }
                    if c.left.is_some() && c.phase != Phase::AwaitingReply {
                        return Err(err(
                            &ckey("left"),
                            "applies only while awaiting_reply (else the phase is closing)".into(),
                        ));
                    }
                    let patience_factor = patience_factor(sc, c.attempt, c.escalated)
                        .map_err(|(k, rule)| err(&ckey(k), rule))?;
                    chats.push(Chat {
                        class: c.class,
                        phase: c.phase,
                        since,
                        arrived,
                        replies,
                        composing_since,
                        turns_total: c.turns_total,
                        left: c.left,
                        patience_factor,
                        elapsed_known: true,
                    });
                }
                warm.agents.push(Agent {
                    group: g,
                    finishing: a.finishing,
                    chats,
                });
            }
        }
        for (list, name, out) in [
            (&self.waiting, "waiting", &mut warm.waiting),
            (
                &self.messages_left,
                "messages_left",
                &mut warm.messages_left,
            ),
        ] {
            for (i, w) in list.iter().enumerate() {
                let key = format!("{name}[{i}]");
                let arrived = before(&format!("{key}.waited_s"), w.waited_s)?;
                count(&format!("{key}.count"), u64::from(w.count))?;
                let patience_factor = patience_factor(sc, w.attempt, w.escalated)
                    .map_err(|(k, rule)| err(&format!("{key}.{k}"), rule))?;
                let q = Queued {
                    class: w.class,
                    arrived,
                    patience_factor,
                };
                out.extend(std::iter::repeat_n(q, w.count as usize));
            }
            out.sort_by_key(|q| q.arrived);
        }
        if let Some(b) = &self.bot {
            resolve_bot(b, sc, at, &mut warm, &err, &before, &mut count)?;
        }
        for (i, a) in self.abandoned.iter().enumerate() {
            let key = |k: &str| format!("abandoned[{i}].{k}");
            let left = before(&key("left_s"), a.left_s)?;
            let arrived = match a.arrived_s {
                Some(s) => before(&key("arrived_s"), s)?,
                None => left,
            };
            if arrived > left {
                return Err(err(&key("arrived_s"), "must be at least left_s".into()));
            }
            if a.attempts == 0 {
                return Err(err(&key("attempts"), "must be at least 1".into()));
            }
            if a.retries == Some(true) {
                let Some(r) = &sc.patience.retrial else {
                    return Err(err(
                        &key("retries"),
                        "the scenario has no [patience.retrial]: no one comes back".into(),
                    ));
                };
                if a.attempts >= r.max_attempts {
                    return Err(err(
                        &key("attempts"),
                        format!(
                            "{} attempts made; the scenario's max_attempts ({}) allows no more",
                            a.attempts, r.max_attempts
                        ),
                    ));
                }
            }
            count(&key("count"), u64::from(a.count))?;
            let next = a.attempts.saturating_add(1);
            let patience_factor =
                patience_factor(sc, next, a.escalated).map_err(|(k, rule)| err(&key(k), rule))?;
            warm.abandoned.extend(std::iter::repeat_n(
                Gone {
                    class: a.class,
                    arrived,
                    left,
                    attempts: a.attempts,
                    retries: a.retries,
                    patience_factor,
                },
                a.count as usize,
            ));
        }
        warm.abandoned.sort_by_key(|g| g.left);
        Ok(warm)
    }
}
