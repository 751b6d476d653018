//! How the platform scores response times: the daily scoring hours outside which rounds
//! (customer messages) do not count in 平响 and the per-round 3-minute share, and customers
//! do not count in the per-customer first-response KPIs (首响 and its 30 s and 3 min
//! shares); how a 留言 left while nobody was on duty counts in those; and a cap on one
//! round's time in 平响. They change what the KPIs count, never what happens.

use crate::engine::SimTime;

/// The platform's scoring rules.
#[derive(Clone, Debug, PartialEq)]
pub struct Scoring {
    /// Daily scoring hours `[from, to)` as offsets from midnight; `None`: all day.
    pub hours: Option<(SimTime, SimTime)>,
    /// Cap on one round's time in 平响; `SimTime::NEVER`: no cap.
    pub round_cap: SimTime,
    /// How a 留言 left while nobody with its skill was on duty counts in the per-customer
    /// first-response KPIs.
    pub messages_left: MessagesLeft,
}

/// How an unstaffed-hours 留言 counts in 首响 and the per-customer first-reply shares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MessagesLeft {
    /// From the message: the whole unstaffed wait counts (the KPI the customer lived).
    WholeWait,
    /// From the start of the next staffed hour: the first moment an agent with the skill
    /// is rostered on duty (the shift's own response, without the night before it).
    FromStaffed,
    /// Not scored: the 留言 is out of 首响 and out of both shares' numerators and
    /// denominators (it still counts in 回复率 and 留言率).
    LeftOut,
}

impl MessagesLeft {
    /// The scenario key's values, in order.
    pub const NAMES: [&'static str; 3] = ["whole_wait", "from_staffed", "left_out"];

    /// The value for a scenario key, if it is one.
    pub fn parse(s: &str) -> Option<MessagesLeft> {
        match s {
            "whole_wait" => Some(MessagesLeft::WholeWait),
            "from_staffed" => Some(MessagesLeft::FromStaffed),
            "left_out" => Some(MessagesLeft::LeftOut),
            _ => None,
        }
    }
}

impl Default for Scoring {
    fn default() -> Self {
        Scoring {
            hours: None,
            round_cap: SimTime::NEVER,
            messages_left: MessagesLeft::WholeWait,
        }
    }
}

impl Scoring {
    /// True when a round whose message was sent at `clock` (time of day since midnight)
    /// counts. A window whose end is before its start runs over midnight.
    pub fn counts_at(&self, clock: SimTime) -> bool {
        match self.hours {
            None => true,
            Some((from, to)) if from <= to => from <= clock && clock < to,
            Some((from, to)) => clock >= from || clock < to,
        }
    }

    /// A round's time as 平响 counts it (capped).
    pub fn capped(&self, t: SimTime) -> SimTime {
        t.min(self.round_cap)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(x: u64) -> SimTime {
        SimTime::from_secs(x * 3600)
    }

    #[test]
    fn scoring_hours_include_the_start_and_exclude_the_end() {
        let s = Scoring {
            hours: Some((h(8), h(23))),
            ..Scoring::default()
        };
        assert!(s.counts_at(h(8)) && s.counts_at(h(22)));
        assert!(!s.counts_at(h(23)) && !s.counts_at(h(3)));
        let night = Scoring {
            hours: Some((h(22), h(2))),
            ..Scoring::default()
        };
        assert!(night.counts_at(h(23)) && night.counts_at(h(1)) && !night.counts_at(h(12)));
        assert!(Scoring::default().counts_at(h(3)));
    }

    #[test]
    fn rounds_are_capped_in_avg_response() {
        let s = Scoring {
            round_cap: SimTime::from_secs(600),
            ..Scoring::default()
        };
        assert_eq!(s.capped(SimTime::from_secs(900)), SimTime::from_secs(600));
        assert_eq!(s.capped(SimTime::from_secs(30)), SimTime::from_secs(30));
    }
}
