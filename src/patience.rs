//! Customer patience: waiting for the first reply, between later messages, silent
//! abandonment, and retrials.

use crate::distribution::DurationSpec;
use crate::engine::SimTime;

/// How long customers wait and what they do when they stop waiting.
#[derive(Clone, Debug, PartialEq)]
pub struct Patience {
    /// Patience for the first reply, by class index (runs from arrival to first reply).
    pub first_reply: [DurationSpec; 3],
    /// Patience for each later reply (`messages` model only).
    pub mid_conversation: DurationSpec,
    /// Share of abandoning customers who leave silently: the agent does not know and the
    /// chat holds a slot until `silent_timeout`.
    pub silent_share: f64,
    /// How long a silent abandoner holds the slot once an agent has it (after the agent's
    /// unanswered message in the `messages` model).
    pub silent_timeout: SimTime,
    /// Retrials of customers who abandoned before a first reply, if any.
    pub retrial: Option<Retrial>,
}

/// Customers who come back after abandoning.
#[derive(Clone, Debug, PartialEq)]
pub struct Retrial {
    /// Probability that an abandoning customer tries again (each time).
    pub probability: f64,
    /// Delay before the new attempt, seconds.
    pub delay: DurationSpec,
    /// Patience of a new attempt relative to a fresh customer's.
    pub patience_factor: f64,
    /// Most attempts per customer, the first included.
    pub max_attempts: u8,
}
