//! Longest-idle: the available agent whose last change (a chat given or ended) is oldest,
//! whatever its load; ties to the lowest agent id.

use super::{AgentHeap, AgentId, AgentSnapshot, Router};
use crate::class::Class;
use crate::engine::SimTime;

/// Longest-idle routing over one heap of available agents per class.
pub struct LongestIdle {
    by_class: [AgentHeap; 3],
}

impl LongestIdle {
    /// A router for agents `0..agents`, none available yet.
    pub fn new(agents: usize) -> Self {
        LongestIdle {
            by_class: std::array::from_fn(|_| AgentHeap::new(agents)),
        }
    }
}

impl Router for LongestIdle {
    fn name(&self) -> &str {
        "longest_idle"
    }

    fn agent_changed(&mut self, agent: AgentId, s: &AgentSnapshot, _now: SimTime) {
        let last_change = s.last_release.max(s.last_assign);
        let key = (u128::from(last_change.as_micros()) << 32) | u128::from(agent);
        super::agent_heap::update_class_heaps(&mut self.by_class, agent, s, key);
    }

    fn route(&mut self, class: Class, _now: SimTime) -> Option<AgentId> {
        self.by_class[class.index()].peek()
    }
}
