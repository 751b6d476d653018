//! The agent's inbox as the platform keeps it: a customer message is owed a reply until an
//! agent answers it or the platform closes the chat, whether or not the customer is still
//! there. Patience decides whether the customer is still reading, not whether the work exists.

use crate::engine::SimTime;

/// What happens to the pending message of a customer who stops waiting.
#[derive(Clone, Debug, PartialEq)]
pub struct Inbox {
    /// The pending message stays owed (the trade's semantics). `false` gives the phone
    /// queue's: a leaver's message is gone (`sessions` and pure-queueing checks).
    pub keep_messages: bool,
    /// Share of leavers who withdraw the chat (nothing is owed; they may come back).
    pub withdraw_share: f64,
    /// How long after a leaver's last message the platform closes an unanswered chat.
    pub close_after: SimTime,
}

impl Inbox {
    /// The phone queue's semantics: a customer who leaves takes the work along.
    pub const PHONE: Inbox = Inbox {
        keep_messages: false,
        withdraw_share: 1.0,
        close_after: SimTime::NEVER,
    };
}
