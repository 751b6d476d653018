//! The roster (班表): agent groups with their shifts, skills, chat caps and speed.

use crate::class::ClassSet;
use crate::engine::SimTime;

/// A span of scenario time `[start, end)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    /// Start, from the scenario start.
    pub start: SimTime,
    /// End (exclusive), from the scenario start.
    pub end: SimTime,
}

impl Window {
    /// True when `t` lies in the window.
    #[inline]
    pub fn contains(&self, t: SimTime) -> bool {
        self.start <= t && t < self.end
    }
}

/// Agents who share skills, caps, speed, site and shifts (new hires, temps, veterans...).
#[derive(Clone, Debug, PartialEq)]
pub struct AgentGroup {
    /// Name used in outputs.
    pub name: String,
    /// Display name on English pages (the name where none is given).
    pub label: String,
    /// Display name on Chinese pages (the label where none is given).
    pub label_zh: String,
    /// Number of agents.
    pub count: u32,
    /// Classes the group serves.
    pub skills: ClassSet,
    /// Most chats an agent holds at once outside peak windows.
    pub max_chats: u16,
    /// Most chats an agent holds at once inside the scenario's peak windows.
    pub max_chats_peak: u16,
    /// Speed relative to a veteran (1.0); effort and work are divided by it (a new hire at
    /// 0.67 takes 1.5x as long).
    pub speed_factor: f64,
    /// Where the group works (office, home, ...); used by the network model.
    pub site: String,
    /// On-duty windows, sorted and merged (overlapping or touching shifts become one).
    pub shifts: Vec<Window>,
    /// Share of replies sent as quick phrases; `None`: the conversation's share.
    pub quick_phrase_share: Option<f64>,
    /// Multiplier on the base order probability of the pre-sale customers the group answers
    /// first (veterans convert better than temps).
    pub conversion_factor: f64,
    /// 分流: the order, weight and soft cap by which new chats are offered to the group.
    pub routing: GroupRouting,
    /// Break rules the group's agents follow ([`crate::breaks`]).
    pub breaks: Vec<crate::breaks::BreakRule>,
    /// Share of every on-duty hour each agent is away.
    pub shrinkage: f64,
}

/// How a store's routing (分流) treats one group: the chat client offers new chats to its
/// groups in tier order (veterans first, temps as overflow), shares them within a tier by
/// weight (a new hire "logged in hidden" takes a small share), and moves on to the next
/// tier once the preferred agents reach their soft cap.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GroupRouting {
    /// 0 is offered chats first; higher tiers only when no agent of a lower tier with the
    /// skill is below its soft cap.
    pub tier: u8,
    /// Share within the tier: open chats are compared per unit of weight.
    pub weight: f64,
    /// Open chats from which an agent stops being preferred; `None`: its cap.
    pub soft_cap: Option<u16>,
    /// From this time on the group takes a full share (weight 1): new hires who start
    /// "logged in hidden" with a few customers, then take chats like everyone else.
    pub full_share_from: Option<SimTime>,
}

impl GroupRouting {
    /// The weight at `t`.
    pub fn weight_at(&self, t: SimTime) -> f64 {
        match self.full_share_from {
            Some(from) if t >= from => 1.0,
            _ => self.weight,
        }
    }
}

impl GroupRouting {
    /// Every group in one tier, equal weights, no soft cap: plain least-loaded (or
    /// longest-idle) over the whole roster.
    pub const EVEN: GroupRouting = GroupRouting {
        tier: 0,
        weight: 1.0,
        soft_cap: None,
        full_share_from: None,
    };
}

impl AgentGroup {
    /// The soft cap (分流) under chat cap `cap`.
    pub fn soft_cap(&self, cap: u16) -> u16 {
        self.routing.soft_cap.map_or(cap, |s| s.min(cap))
    }

    /// The chat cap at `t`, given the scenario's peak windows.
    pub fn cap_at(&self, t: SimTime, peaks: &[Window]) -> u16 {
        if peaks.iter().any(|w| w.contains(t)) {
            self.max_chats_peak
        } else {
            self.max_chats
        }
    }

    /// True when the group is on duty at `t`.
    pub fn on_duty_at(&self, t: SimTime) -> bool {
        self.shifts.iter().any(|w| w.contains(t))
    }

    /// True when the group's agents take breaks or lose a shrinkage share.
    pub fn takes_breaks(&self) -> bool {
        !self.breaks.is_empty() || self.shrinkage > 0.0
    }
}

/// Sorts shifts and merges those that overlap or touch, so duty is counted continuously.
pub fn merge_shifts(mut shifts: Vec<Window>) -> Vec<Window> {
    shifts.sort_by_key(|w| w.start);
    let mut merged: Vec<Window> = Vec::with_capacity(shifts.len());
    for w in shifts {
        match merged.last_mut() {
            Some(last) if w.start <= last.end => last.end = last.end.max(w.end),
            _ => merged.push(w),
        }
    }
    merged
}

/// Hours of continuous duty above which a shift is reported (handbook: nobody more than 12 h).
pub const MAX_CONTINUOUS_DUTY: SimTime = SimTime::from_secs(12 * 3600);

#[cfg(test)]
mod tests {
    use super::*;

    fn w(a: u64, b: u64) -> Window {
        Window {
            start: SimTime::from_secs(a),
            end: SimTime::from_secs(b),
        }
    }

    #[test]
    fn touching_shifts_merge_into_continuous_duty() {
        let merged = merge_shifts(vec![w(50, 60), w(0, 10), w(10, 20), w(15, 30)]);
        assert_eq!(merged, vec![w(0, 30), w(50, 60)]);
    }

    #[test]
    fn caps_follow_peak_windows() {
        let g = AgentGroup {
            name: "v".into(),
            label: "v".into(),
            label_zh: "v".into(),
            count: 1,
            skills: ClassSet::ALL,
            max_chats: 6,
            max_chats_peak: 15,
            speed_factor: 1.0,
            site: "office".into(),
            shifts: vec![w(0, 100)],
            quick_phrase_share: None,
            conversion_factor: 1.0,
            routing: GroupRouting::EVEN,
            breaks: Vec::new(),
            shrinkage: 0.0,
        };
        let peaks = [w(10, 20)];
        assert_eq!(g.cap_at(SimTime::from_secs(5), &peaks), 6);
        assert_eq!(g.cap_at(SimTime::from_secs(10), &peaks), 15);
        assert_eq!(g.cap_at(SimTime::from_secs(20), &peaks), 6);
        assert!(g.on_duty_at(SimTime::from_secs(99)) && !g.on_duty_at(SimTime::from_secs(100)));
    }
}
