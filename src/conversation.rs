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
    /// Customer messages per conversation (each needs one reply).
    pub customer_messages: CountSpec,
    /// Probability that a reply goes out as two agent messages (答问比 above 100%).
    pub extra_agent_message_prob: f64,
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
