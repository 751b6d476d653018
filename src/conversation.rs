//! The two conversation models: `messages` (message by message, the realistic default) and
//! `sessions` (one unit of work consumed at a speed that depends on concurrency).

use crate::distribution::{CountSpec, DurationSpec};
use crate::engine::SimTime;

/// How a conversation is modelled.
#[derive(Clone, Debug, PartialEq)]
pub enum Conversation {
    /// Message by message: each customer message needs a reply composed by one agent.
    Messages(MessagesModel),
    /// One unit of work per conversation, processor-shared within an agent.
    Sessions(SessionsModel),
}

impl Conversation {
    /// The scenario keyword.
    pub fn name(&self) -> &'static str {
        match self {
            Conversation::Messages(_) => "messages",
            Conversation::Sessions(_) => "sessions",
        }
    }
}

/// Parameters of the `messages` model.
#[derive(Clone, Debug, PartialEq)]
pub struct MessagesModel {
    /// Customer messages per conversation.
    pub customer_messages: CountSpec,
    /// Customer messages per turn: a customer sends a burst ("在吗", the question, a
    /// product link) and the agent answers the burst with one reply. `None`: every
    /// message is its own turn.
    pub burst: Option<CountSpec>,
    /// Probability that a reply goes out as two agent messages (答问比 above 100%); used
    /// when `reply_messages` is not given.
    pub extra_agent_message_prob: f64,
    /// Agent messages per reply (the handbook's "多写短句, 多按回车键": one answer sent as
    /// several short messages). `None`: one, or two with `extra_agent_message_prob`.
    pub reply_messages: Option<CountSpec>,
    /// The automatic welcome message and the agent's quick 您好.
    pub greeting: Greeting,
    /// Agent effort per reply (read, compose, send), seconds, for a veteran holding one chat.
    pub effort: DurationSpec,
    /// Customer think time between a delivered reply and the next message, seconds.
    pub think: DurationSpec,
    /// Relative extra effort per reply while the agent holds more than one chat (0.18 = +18%).
    pub switch_penalty: f64,
    /// Time a finished chat keeps its slot (closing, notes).
    pub wrap_up: SimTime,
    /// Share of a veteran's replies sent as quick phrases (快捷短语); groups may override.
    pub quick_phrase_share: f64,
    /// Effort of a quick-phrase reply, seconds (the rest are typed: `effort`).
    pub quick_phrase: DurationSpec,
}

/// Parameters of the `sessions` model.
#[derive(Clone, Debug, PartialEq)]
pub struct SessionsModel {
    /// Work per conversation at speed 1, seconds.
    pub work: DurationSpec,
    /// `speed[j-1]` is the speed of each chat while the agent holds `j` chats; beyond the
    /// table the last value holds. `speed[0]` = 1.
    pub speed: Vec<f64>,
}

impl SessionsModel {
    /// Speed of each chat while the agent holds `j >= 1` chats.
    #[inline]
    pub fn speed(&self, j: u16) -> f64 {
        let i = usize::from(j.max(1)) - 1;
        self.speed
            .get(i)
            .or(self.speed.last())
            .copied()
            .unwrap_or(1.0)
    }

    /// Every chat runs at speed 1 whatever the agent's load: each chat then ends at its own
    /// start plus its work, and no agent-level clock is needed.
    pub fn flat(&self) -> bool {
        self.speed.iter().all(|&s| s == 1.0)
    }
}

/// What a customer gets before the answer: the store's automatic welcome message
/// (欢迎语/自动回复) and the agent's quick "您好" (the handbook: reply at once, "even just
/// 您好").
#[derive(Clone, Debug, PartialEq)]
pub struct Greeting {
    /// The chat client sends the store's welcome message as the chat reaches the human
    /// queue. It is automatic: not a human reply, so it counts neither for 首响 nor for
    /// 回复率, nor as an agent message; it makes the customer wait longer for the first
    /// human reply. `Some(factor)`: on, first-reply patience x factor.
    pub auto_welcome_patience_factor: Option<f64>,
    /// The agent's quick 您好 as a chat reaches them.
    pub hello: Option<Hello>,
}

impl Greeting {
    /// Neither greeting: every customer's first human reply is the answer itself.
    pub const NONE: Greeting = Greeting {
        auto_welcome_patience_factor: None,
        hello: None,
    };
}

/// The agent's quick 您好: a quick phrase clicked as the chat arrives, in the seconds
/// between other replies (it does not take the composer's turn). It is a human reply: it is
/// the chat's first response (首响, 回复率) and closes the opening round for 平响, as the
/// platforms count a round from the customer's message to the agent's next message. The
/// question itself is still owed its answer, and conversion runs to that answer.
#[derive(Clone, Debug, PartialEq)]
pub struct Hello {
    /// From the chat reaching the agent to the 您好 leaving the agent's client.
    pub delay: DurationSpec,
    /// Patience for the answer of a greeted customer, x the mid-conversation patience.
    pub patience_factor: f64,
}
