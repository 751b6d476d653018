//! 催付: payment reminders for unpaid orders, outbound work that competes with inbound
//! chats for the agents' time.
//!
//! After a pre-sale customer's conversation the conversion model gives the chance `p` that
//! the customer orders and pays (C = A x B: `p = A x B`). The order is placed unpaid with
//! chance `A x (1 - B) = p (1 - B) / B`; a share of those unpaid orders is reminded, `after`
//! the conversation ends, inside the store's 催付 window and by the groups it names. A
//! reminder sent by an agent takes the agent's time (`effort`, at its group's speed) and,
//! on the chat client, one of its chat slots; an agent takes one only when it has nothing
//! to answer (inbound chats come first) and no break is due. Unsent tasks are dropped when
//! the window closes. A reminded unpaid order is then paid with chance `recovery`, which
//! raises B: the expected paid orders and their GMV are added to the customer's conversion.

use crate::engine::SimTime;
use crate::roster::Window;

/// How a reminder reaches the customer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Channel {
    /// A 千牛 message from the agent's chat client: agent time and a chat slot.
    Chat,
    /// A phone call: agent time, no chat slot.
    Phone,
    /// A text sent by a tool in bulk: no agent time.
    Sms,
}

impl Channel {
    /// The scenario key's values.
    pub const NAMES: [&'static str; 3] = ["chat", "phone", "sms"];

    /// The channel for a scenario key, if it is one.
    pub fn parse(s: &str) -> Option<Channel> {
        match s {
            "chat" => Some(Channel::Chat),
            "phone" => Some(Channel::Phone),
            "sms" => Some(Channel::Sms),
            _ => None,
        }
    }

    /// An agent sends it.
    pub fn takes_agent_time(self) -> bool {
        self != Channel::Sms
    }
}

/// The store's 催付 plan.
#[derive(Clone, Debug, PartialEq)]
pub struct Reminders {
    /// Indices of the groups that send reminders.
    pub groups: Vec<usize>,
    /// When reminders are sent.
    pub window: Window,
    /// Share of unpaid orders reminded.
    pub share: f64,
    /// How long after the conversation an unpaid order is reminded.
    pub after: SimTime,
    /// The channel.
    pub channel: Channel,
    /// Agent time per reminder for a veteran (divided by the group's speed).
    pub effort: SimTime,
    /// Share of reminded unpaid orders then paid.
    pub recovery: f64,
}

impl Reminders {
    /// Chance that a pre-sale customer with predicted payment `p` leaves an unpaid order,
    /// under payment rate `b`.
    pub fn unpaid_chance(p: f64, b: f64) -> f64 {
        if b <= 0.0 {
            return 0.0;
        }
        (p * (1.0 - b) / b).clamp(0.0, 1.0)
    }
}

/// How often idle agents of the 催付 groups look for due reminders.
pub const TICK: SimTime = SimTime::from_secs(60);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unpaid_order_is_an_order_not_paid() {
        // p = A x B with B = 0.9: A = p / 0.9, unpaid = A x 0.1
        assert!((Reminders::unpaid_chance(0.45, 0.9) - 0.05).abs() < 1e-12);
        assert_eq!(Reminders::unpaid_chance(0.5, 1.0), 0.0);
        assert_eq!(Reminders::unpaid_chance(0.5, 0.0), 0.0);
        assert_eq!(Channel::parse("chat"), Some(Channel::Chat));
        assert!(!Channel::Sms.takes_agent_time());
    }
}
