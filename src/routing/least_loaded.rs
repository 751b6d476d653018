//! Least-loaded: the available agent with the fewest open chats (per unit of its group's
//! 分流 weight, agents below their soft cap and in lower tiers first); ties go to the agent
//! whose last chat ended longest ago, then to the lowest agent id.

use super::{AgentId, AgentSnapshot, Router, SkillHeaps};
use crate::class::Class;
use crate::engine::SimTime;

/// Least-loaded routing over the available agents, one heap per skill set.
pub struct LeastLoaded {
    available: SkillHeaps,
}

impl LeastLoaded {
    /// A router for agents `0..agents`, none available yet.
    pub fn new(agents: usize) -> Self {
        LeastLoaded {
            available: SkillHeaps::new(agents),
        }
    }
}

impl Router for LeastLoaded {
    fn name(&self) -> &str {
        "least_loaded"
    }

    fn agent_changed(&mut self, agent: AgentId, s: &AgentSnapshot, _now: SimTime) {
        let key = (u128::from(s.preference(true)) << 96)
            | (u128::from(s.last_release.as_micros()) << 32)
            | u128::from(agent);
        self.available.update(agent, s, key);
    }

    fn route(&mut self, class: Class, _now: SimTime) -> Option<AgentId> {
        self.available.best(class)
    }
}
