//! Agent state within a replication: duty, load, cap, and each model's working data.

use std::collections::VecDeque;

use super::customers::CustRef;
use crate::class::ClassSet;
use crate::engine::SimTime;
use crate::roster::AgentGroup;
use crate::routing::{AgentId, AgentSnapshot};
use crate::scenario::Scenario;

/// One agent. What every chat reads and writes (duty, load, cap, skills, times, the
/// sessions clock) comes first, in one 64-byte cache line of its own: at platform scale
/// an agent's record is out of cache whenever a chat reaches it, and one line is one miss.
#[repr(C, align(64))]
pub struct Agent {
    pub group: u16,
    pub load: u16,
    pub cap: u16,
    pub skills: ClassSet,
    /// In a shift (may take new chats).
    pub on_duty: bool,
    /// Counted as on duty: in a shift, or finishing chats after it.
    pub present: bool,
    /// Disconnected or in a site outage: takes no chats and sends no replies.
    pub offline: bool,
    /// A chain of disconnect events is scheduled for this agent.
    pub disconnects_running: bool,
    /// A break is due: takes no new chats, finishing those it holds, then rests.
    pub away: bool,
    /// Bumped whenever a scheduled completion becomes stale.
    pub token: u32,
    pub speed_factor: f64,
    pub last_release: SimTime,
    pub last_assign: SimTime,
    // sessions model
    /// Work done per chat since the agent started (virtual time).
    pub v: f64,
    /// When `v` was last brought up to date.
    pub v_at: SimTime,
    /// When the agent is back online (meaningful while `offline`).
    pub offline_until: SimTime,
    /// Open chats; in `sessions`, with the `v` at which each completes.
    pub chats: Vec<(CustRef, f64)>,
    // messages model
    /// Customer messages waiting for a reply, oldest first.
    pub inbox: VecDeque<CustRef>,
    /// The chat whose reply is being composed.
    pub composing: Option<CustRef>,
    /// When the reply being composed was begun.
    pub compose_started: SimTime,
    /// Site index (network), if modelled.
    pub site: Option<usize>,
    /// Workstation index (network), if any.
    pub workstation: Option<usize>,
    /// On its break (its chats finished); the break's own state is the model's
    /// (`Model::breaks`, kept only for scenarios with breaks).
    pub resting: bool,
    /// Sending a 催付 reminder (no reply is composed meanwhile).
    pub reminding: bool,
}

const _: () = assert!(std::mem::offset_of!(Agent, offline_until) + 8 <= 64);

impl Agent {
    /// The chat slots the agent staffs (slot occupancy's denominator): its cap while on
    /// duty, or the chats it holds when more (a cap lowered after a peak); past its
    /// shift, or with a break due, only the chats it still holds.
    #[inline]
    pub fn staffed_slots(&self) -> i64 {
        if self.on_duty && !self.away {
            i64::from(self.cap.max(self.load))
        } else {
            i64::from(self.load)
        }
    }

    /// May take a new chat now.
    #[inline]
    pub fn available(&self) -> bool {
        self.on_duty && !self.offline && !self.away && self.load < self.cap
    }

    /// What the router is told at `now`; `group` is the agent's group.
    pub fn snapshot(&self, group: &AgentGroup, now: SimTime) -> AgentSnapshot {
        AgentSnapshot {
            available: self.available(),
            load: self.load,
            cap: self.cap,
            skills: self.skills,
            last_release: self.last_release,
            last_assign: self.last_assign,
            group: self.group,
            tier: group.routing.tier,
            weight: group.routing.weight_at(now),
            soft_cap: group.soft_cap(self.cap),
        }
    }
}

/// Every agent of the scenario, off duty, grouped contiguously in group order.
pub fn build(sc: &Scenario) -> Vec<Agent> {
    let mut agents = Vec::with_capacity(sc.agents());
    for (g, group) in sc.groups.iter().enumerate() {
        let site = sc.network.as_ref().and_then(|n| n.group_site[g]);
        let workstation = sc.network.as_ref().and_then(|n| n.group_workstation[g]);
        for _ in 0..group.count {
            agents.push(Agent {
                group: g as u16,
                on_duty: false,
                present: false,
                load: 0,
                cap: group.max_chats,
                skills: group.skills,
                speed_factor: group.speed_factor,
                last_release: SimTime::ZERO,
                last_assign: SimTime::ZERO,
                token: 0,
                offline: false,
                offline_until: SimTime::ZERO,
                disconnects_running: false,
                site,
                workstation,
                inbox: VecDeque::new(),
                composing: None,
                compose_started: SimTime::ZERO,
                v: 0.0,
                v_at: SimTime::ZERO,
                chats: Vec::new(),
                away: false,
                resting: false,
                reminding: false,
            });
        }
    }
    agents
}

/// The ids of group `g`'s agents.
pub fn ids_of_group(agents: &[Agent], g: usize) -> impl Iterator<Item = AgentId> + '_ {
    agents
        .iter()
        .enumerate()
        .filter(move |(_, a)| usize::from(a.group) == g)
        .map(|(i, _)| i as AgentId)
}
