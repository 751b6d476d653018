//! Longest-idle: the available agent whose last change (a chat given or ended) is oldest,
//! whatever its load (agents below their soft cap and in lower 分流 tiers first); ties to
//! the lowest agent id.

use super::{AgentId, AgentSnapshot, Router, SkillHeaps};
use crate::class::Class;
use crate::engine::SimTime;

/// Longest-idle routing over the available agents, one heap per skill set.
pub struct LongestIdle {
    available: SkillHeaps,
}

impl LongestIdle {
    /// A router for agents `0..agents`, none available yet.
    pub fn new(agents: usize) -> Self {
        LongestIdle {
            available: SkillHeaps::new(agents),
        }
    }
}

impl Router for LongestIdle {
    fn name(&self) -> &str {
        "longest_idle"
    }

    fn agent_changed(&mut self, agent: AgentId, s: &AgentSnapshot, _now: SimTime) {
        let last_change = s.last_release.max(s.last_assign);
        let key = (u128::from(s.preference(false)) << 96)
            | (u128::from(last_change.as_micros()) << 32)
            | u128::from(agent);
        self.available.update(agent, s, key);
    }

    fn route(&mut self, class: Class, _now: SimTime) -> Option<AgentId> {
        self.available.best(class)
    }
}
