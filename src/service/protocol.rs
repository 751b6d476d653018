//! The wire protocol between d11sim and a routing service: HTTP/1.1 with JSON bodies,
//! documented in `docs/router-protocol.md`. It carries exactly what the in-process
//! [`Router`](crate::routing::Router) trait carries: agent state updates and routing
//! requests.

use serde::{Deserialize, Serialize};

use crate::class::{Class, ClassSet};
use crate::engine::SimTime;
use crate::routing::{AgentId, AgentSnapshot};

/// `POST /v1/reset`: start a run with `agents` agents (ids 0..agents), all off duty.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reset {
    /// Number of agents.
    pub agents: u32,
}

/// One agent's state after a change (coming on or off duty, a conversation assigned or
/// ended, a cap change).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentUpdate {
    /// Agent id, 0..agents.
    pub agent: AgentId,
    /// On duty and below its cap: it may take a new conversation.
    pub available: bool,
    /// Open conversations.
    pub load: u16,
    /// Current cap on open conversations.
    pub cap: u16,
    /// Classes it serves.
    pub skills: Vec<Class>,
    /// When a conversation of its last ended, or it came on duty (µs of scenario time).
    pub last_release_us: u64,
    /// When it was last given a conversation (µs).
    pub last_assign_us: u64,
    /// When the change happened (µs).
    pub t_us: u64,
    /// Its agent group (index in the roster); 0 when a client leaves it out.
    #[serde(default)]
    pub group: u16,
    /// The group's 分流 tier (0 is offered chats first); 0 when left out.
    #[serde(default)]
    pub tier: u8,
    /// The group's 分流 weight within its tier; 1 when left out.
    #[serde(default = "one")]
    pub weight: f64,
    /// Open chats from which the agent stops being preferred; the cap when left out.
    #[serde(default)]
    pub soft_cap: Option<u16>,
}

fn one() -> f64 {
    1.0
}

impl AgentUpdate {
    /// The update for `snapshot` of `agent` at `now`.
    pub fn new(agent: AgentId, s: &AgentSnapshot, now: SimTime) -> AgentUpdate {
        AgentUpdate {
            agent,
            available: s.available,
            load: s.load,
            cap: s.cap,
            skills: s.skills.iter().collect(),
            last_release_us: s.last_release.as_micros(),
            last_assign_us: s.last_assign.as_micros(),
            t_us: now.as_micros(),
            group: s.group,
            tier: s.tier,
            weight: s.weight,
            soft_cap: Some(s.soft_cap),
        }
    }

    /// The snapshot it carries.
    pub fn snapshot(&self) -> AgentSnapshot {
        AgentSnapshot {
            available: self.available,
            load: self.load,
            cap: self.cap,
            skills: ClassSet::of(&self.skills),
            last_release: SimTime::from_micros(self.last_release_us),
            last_assign: SimTime::from_micros(self.last_assign_us),
            group: self.group,
            tier: self.tier.min(crate::routing::MAX_TIER),
            weight: self.weight,
            soft_cap: self.soft_cap.unwrap_or(self.cap).min(self.cap),
        }
    }
}

/// `POST /v1/updates`: agent updates with no decision to ask for.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Updates {
    /// In the order they happened.
    pub updates: Vec<AgentUpdate>,
}

/// `POST /v1/route`: the updates since the last request, then a new conversation to place.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteRequest {
    /// Agent updates since the previous request, in order; applied before the decision.
    #[serde(default)]
    pub updates: Vec<AgentUpdate>,
    /// The conversation's class.
    pub class: Class,
    /// When it arrives (µs of scenario time).
    pub t_us: u64,
}

/// The answer to a route request: an agent, or `null` to let the conversation wait.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteResponse {
    /// The chosen agent (available, with the class in its skills), or `null`: wait.
    pub agent: Option<AgentId>,
}

/// `GET /v1/health`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Health {
    /// The policy served.
    pub policy: String,
    /// Agents of the current run (0 before the first reset).
    pub agents: u32,
    /// Routing decisions answered since the server started.
    pub decisions: u64,
}

/// An error reply (any 4xx/5xx status).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ErrorReply {
    /// What was wrong.
    pub error: String,
}
