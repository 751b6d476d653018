//! Routing: which agent gets a new conversation (the pluggable [`Router`]), which waiting
//! class a freed agent serves (per-class FCFS with priority windows), and hand-over of
//! after-sale questions found by pre-sale agents.

mod agent_heap;
mod least_loaded;
mod longest_idle;

pub use agent_heap::{AgentHeap, SkillHeaps};
pub use least_loaded::LeastLoaded;
pub use longest_idle::LongestIdle;

use crate::class::{Class, ClassSet};
use crate::engine::SimTime;
use crate::roster::Window;

/// Dense agent index, 0..agents.
pub type AgentId = u32;

/// What a router may know of an agent after any change to it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AgentSnapshot {
    /// On duty and holding fewer chats than its current cap: it may take a new chat.
    pub available: bool,
    /// Open chats.
    pub load: u16,
    /// Current cap.
    pub cap: u16,
    /// Classes it serves.
    pub skills: ClassSet,
    /// When its load last went down (a chat ended) or it came on duty.
    pub last_release: SimTime,
    /// When it was last given a chat.
    pub last_assign: SimTime,
}

/// Chooses an agent for each new conversation. The model tells the router of every change
/// to every agent and asks it once per arrival; a `None` answer queues the conversation.
/// A chat that ends and whose slot a waiting customer takes at the same instant reaches the
/// router as one change (nothing is routed in between).
///
/// Implement this to benchmark your own policy in-process. The model checks the answer:
/// an agent that is not available or lacks the skill is a bug in the router and panics.
pub trait Router: Send {
    /// The policy's name, for outputs.
    fn name(&self) -> &str;
    /// Agent `agent` changed (load, duty, cap); `now` is the simulated time.
    fn agent_changed(&mut self, agent: AgentId, snapshot: &AgentSnapshot, now: SimTime);
    /// A conversation of `class` arrives at `now`: an available agent with the skill, or
    /// `None` to let it wait.
    fn route(&mut self, class: Class, now: SimTime) -> Option<AgentId>;
}

/// The built-in agent-choice policies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    /// Fewest open chats; ties to the agent whose last chat ended longest ago.
    LeastLoaded,
    /// The agent with the oldest last change (assignment or release), whatever its load.
    LongestIdle,
}

impl Policy {
    /// Every policy.
    pub const ALL: [Policy; 2] = [Policy::LeastLoaded, Policy::LongestIdle];

    /// The scenario keyword.
    pub fn name(self) -> &'static str {
        match self {
            Policy::LeastLoaded => "least_loaded",
            Policy::LongestIdle => "longest_idle",
        }
    }

    /// Parses a scenario keyword.
    pub fn parse(s: &str) -> Option<Policy> {
        Policy::ALL.into_iter().find(|p| p.name() == s)
    }

    /// A fresh router for `agents` agents.
    pub fn build(self, agents: usize) -> Box<dyn Router> {
        match self {
            Policy::LeastLoaded => Box::new(LeastLoaded::new(agents)),
            Policy::LongestIdle => Box::new(LongestIdle::new(agents)),
        }
    }
}

/// During `window`, freed agents serve waiting classes in `order` (pre-sale first at peak);
/// outside every window they take the longest-waiting customer among their classes.
#[derive(Clone, Debug, PartialEq)]
pub struct PriorityWindow {
    /// When the order applies.
    pub window: Window,
    /// Classes, most urgent first; classes not listed come after, oldest first.
    pub order: Vec<Class>,
}

/// A share of after-sale customers enter through the pre-sale queue; the pre-sale agent
/// finds out and hands them to the after-sale queue after a few replies.
#[derive(Clone, Debug, PartialEq)]
pub struct Handover {
    /// Share of after-sale arrivals that first reach a pre-sale agent.
    pub share: f64,
    /// Fewest replies before the hand-over.
    pub replies_min: u16,
    /// Most replies before the hand-over.
    pub replies_max: u16,
}

/// The routing part of a scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct Routing {
    /// Agent-choice policy.
    pub policy: Policy,
    /// Class priority windows.
    pub priority: Vec<PriorityWindow>,
    /// Hand-over of misrouted after-sale questions (`messages` model only).
    pub handover: Option<Handover>,
    /// Most customers waiting in line for an agent (分流); `None`: no limit.
    pub max_queue: Option<u32>,
    /// What an arrival that finds the line full gets.
    pub queue_overflow: QueueOverflow,
}

/// What an arrival that finds the waiting line full gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QueueOverflow {
    /// 留言: the message goes to the message list that agents answer after the line.
    Message,
    /// A busy reply: the customer is turned away (blocked, as in Erlang B).
    Busy,
}

impl Routing {
    /// The class a freed agent with `skills` serves next at `now`, given the arrival time of
    /// the head of each class queue (`None` = empty).
    pub fn next_class(
        &self,
        skills: ClassSet,
        heads: [Option<SimTime>; 3],
        now: SimTime,
    ) -> Option<Class> {
        if let Some(p) = self.priority.iter().find(|p| p.window.contains(now))
            && let Some(c) = p
                .order
                .iter()
                .find(|c| skills.contains(**c) && heads[c.index()].is_some())
        {
            return Some(*c);
        }
        skills
            .iter()
            .filter_map(|c| heads[c.index()].map(|t| (t, c)))
            .min()
            .map(|(_, c)| c)
    }

    /// How urgent `class` is at `now` (0 = most urgent), or `None` outside every priority
    /// window. Classes a window does not list come after the listed ones.
    pub fn rank(&self, class: Class, now: SimTime) -> Option<usize> {
        let p = self.priority.iter().find(|p| p.window.contains(now))?;
        Some(
            p.order
                .iter()
                .position(|c| *c == class)
                .unwrap_or(p.order.len()),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snap(load: u16, released: u64, assigned: u64) -> AgentSnapshot {
        AgentSnapshot {
            available: true,
            load,
            cap: 5,
            skills: ClassSet::ALL,
            last_release: SimTime::from_secs(released),
            last_assign: SimTime::from_secs(assigned),
        }
    }

    #[test]
    fn least_loaded_picks_fewest_chats_then_longest_since_release() {
        let mut r = Policy::LeastLoaded.build(3);
        let now = SimTime::ZERO;
        r.agent_changed(0, &snap(2, 10, 50), now);
        r.agent_changed(1, &snap(1, 30, 20), now);
        r.agent_changed(2, &snap(1, 20, 90), now);
        assert_eq!(r.route(Class::PreSale, now), Some(2));
        r.agent_changed(
            2,
            &AgentSnapshot {
                available: false,
                ..snap(1, 20, 90)
            },
            now,
        );
        assert_eq!(r.route(Class::PreSale, now), Some(1));
        r.agent_changed(
            1,
            &AgentSnapshot {
                skills: ClassSet::of(&[Class::AfterSale]),
                ..snap(1, 30, 20)
            },
            now,
        );
        assert_eq!(r.route(Class::PreSale, now), Some(0));
        assert_eq!(r.route(Class::AfterSale, now), Some(1));
    }

    #[test]
    fn longest_idle_picks_the_oldest_change_whatever_the_load() {
        let mut r = Policy::LongestIdle.build(3);
        let now = SimTime::ZERO;
        r.agent_changed(0, &snap(4, 10, 15), now);
        r.agent_changed(1, &snap(0, 30, 20), now);
        r.agent_changed(2, &snap(1, 40, 5), now);
        assert_eq!(r.route(Class::InSale, now), Some(0));
    }

    fn t(s: u64) -> SimTime {
        SimTime::from_secs(s)
    }

    #[test]
    fn priority_window_puts_pre_sale_first_and_fcfs_otherwise() {
        let routing = Routing {
            policy: Policy::LeastLoaded,
            priority: vec![PriorityWindow {
                window: Window {
                    start: t(100),
                    end: t(200),
                },
                order: vec![Class::PreSale],
            }],
            handover: None,
            max_queue: None,
            queue_overflow: QueueOverflow::Message,
        };
        assert_eq!(routing.rank(Class::AfterSale, t(150)), Some(1));
        assert_eq!(routing.rank(Class::PreSale, t(150)), Some(0));
        assert_eq!(routing.rank(Class::PreSale, t(250)), None);
        let heads = [Some(t(50)), None, Some(t(10))];
        assert_eq!(
            routing.next_class(ClassSet::ALL, heads, t(20)),
            Some(Class::AfterSale)
        );
        assert_eq!(
            routing.next_class(ClassSet::ALL, heads, t(150)),
            Some(Class::PreSale)
        );
        let after_only = ClassSet::of(&[Class::AfterSale]);
        assert_eq!(
            routing.next_class(after_only, heads, t(150)),
            Some(Class::AfterSale)
        );
        assert_eq!(
            routing.next_class(after_only, [Some(t(1)), None, None], t(150)),
            None
        );
    }
}
