//! The conversation log: one row per conversation (and, apart, one row per message turn),
//! the interface between a store's back office and `calibrate` (docs/log-format.md).
//!
//! `run --log` writes it for simulated days ([`crate::model::run_logged`]); [`read`] reads
//! it back, or a foreign export through a column mapping ([`mapping`]).

pub mod mapping;
pub mod read;
pub mod time;

use crate::class::Class;

/// The log format's version, written in `log.toml` and checked on reading.
pub const VERSION: u32 = 1;

/// The conversation log's columns, in the order `run --log` writes them.
pub const COLUMNS: [&str; 18] = [
    "conversation",
    "customer",
    "day",
    "arrival",
    "class",
    "bot_start",
    "bot_end",
    "bot_outcome",
    "queued",
    "assigned",
    "first_reply",
    "left",
    "end",
    "outcome",
    "agent",
    "group",
    "customer_messages",
    "agent_messages",
];

/// The message log's columns.
pub const MESSAGE_COLUMNS: [&str; 5] = ["conversation", "sender", "time", "messages", "account"];

/// How a conversation ended, as a back office records it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// A human replied while the customer was (as far as the log shows) still there.
    Served,
    /// The customer closed the chat before any human reply.
    Abandoned,
    /// The bot answered and the customer never asked for a human.
    BotResolved,
    /// Anything else: refused when the line was full, closed by the platform unanswered,
    /// an export's own codes mapped to nothing more precise.
    Other,
}

impl Outcome {
    /// The word in the log.
    pub const fn name(self) -> &'static str {
        match self {
            Outcome::Served => "served",
            Outcome::Abandoned => "abandoned",
            Outcome::BotResolved => "bot_resolved",
            Outcome::Other => "other",
        }
    }

    /// Parses the log's word.
    pub fn parse(s: &str) -> Option<Outcome> {
        [
            Outcome::Served,
            Outcome::Abandoned,
            Outcome::BotResolved,
            Outcome::Other,
        ]
        .into_iter()
        .find(|o| o.name() == s)
    }
}

/// How a bot session ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BotOutcome {
    Resolved,
    Escalated,
    Abandoned,
}

impl BotOutcome {
    /// The word in the log.
    pub const fn name(self) -> &'static str {
        match self {
            BotOutcome::Resolved => "resolved",
            BotOutcome::Escalated => "escalated",
            BotOutcome::Abandoned => "abandoned",
        }
    }

    /// Parses the log's word.
    pub fn parse(s: &str) -> Option<BotOutcome> {
        [
            BotOutcome::Resolved,
            BotOutcome::Escalated,
            BotOutcome::Abandoned,
        ]
        .into_iter()
        .find(|o| o.name() == s)
    }
}

/// Who sent a message turn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sender {
    Customer,
    Agent,
}

impl Sender {
    /// The word in the log.
    pub const fn name(self) -> &'static str {
        match self {
            Sender::Customer => "customer",
            Sender::Agent => "agent",
        }
    }
}

/// One conversation. Times are seconds since 1970-01-01 00:00 in the store's local time
/// (no zone: a log is read in the zone it was written in).
#[derive(Clone, Debug, PartialEq)]
pub struct Conversation {
    pub id: String,
    /// The customer, tying a retrial to its earlier attempts (empty when unknown).
    pub customer: String,
    /// The day the conversation belongs to, days since 1970-01-01 (`None`: from the
    /// arrival and the mapping's `day_start`).
    pub day: Option<i64>,
    pub arrival: f64,
    pub class: Option<Class>,
    pub bot_start: Option<f64>,
    pub bot_end: Option<f64>,
    pub bot_outcome: Option<BotOutcome>,
    /// Asked for a human (转人工) or entered the agents' queue directly.
    pub queued: Option<f64>,
    /// An agent got the chat.
    pub assigned: Option<f64>,
    /// The first human reply.
    pub first_reply: Option<f64>,
    /// The customer closed the chat (unknown when the customer just went quiet).
    pub left: Option<f64>,
    /// The conversation was closed.
    pub end: Option<f64>,
    pub outcome: Outcome,
    pub agent: String,
    pub group: String,
    pub customer_messages: Option<u32>,
    pub agent_messages: Option<u32>,
}

/// One message turn: a burst of `messages` messages from one side.
#[derive(Clone, Debug, PartialEq)]
pub struct Message {
    pub conversation: String,
    pub sender: Sender,
    pub time: f64,
    pub messages: u32,
    /// The agent's account that sent an agent turn (子账号); empty when the log does not
    /// say, or for a customer turn.
    pub account: String,
}

fn opt_time(t: Option<f64>) -> String {
    t.map(time::format_datetime).unwrap_or_default()
}

fn opt_count(n: Option<u32>) -> String {
    n.map(|n| n.to_string()).unwrap_or_default()
}

impl Conversation {
    /// The row as `run --log` writes it (no quoting needed: ids and names have no commas,
    /// which [`crate::scenario`] checks for group names).
    pub fn csv_line(&self) -> String {
        let fields = [
            self.id.clone(),
            self.customer.clone(),
            self.day.map(time::format_date).unwrap_or_default(),
            time::format_datetime(self.arrival),
            self.class.map(|c| c.name().to_string()).unwrap_or_default(),
            opt_time(self.bot_start),
            opt_time(self.bot_end),
            self.bot_outcome
                .map(|o| o.name().to_string())
                .unwrap_or_default(),
            opt_time(self.queued),
            opt_time(self.assigned),
            opt_time(self.first_reply),
            opt_time(self.left),
            opt_time(self.end),
            self.outcome.name().to_string(),
            self.agent.clone(),
            self.group.clone(),
            opt_count(self.customer_messages),
            opt_count(self.agent_messages),
        ];
        let mut line = fields.join(",");
        line.push('\n');
        line
    }
}

impl Message {
    /// The row as `run --log` writes it.
    pub fn csv_line(&self) -> String {
        format!(
            "{},{},{},{},{}\n",
            self.conversation,
            self.sender.name(),
            time::format_datetime(self.time),
            self.messages,
            self.account
        )
    }
}
