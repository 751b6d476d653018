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
    /// Its agent group (index in the scenario's roster).
    pub group: u16,
    /// The group's 分流 tier: 0 is offered chats first; a higher tier is overflow, offered
    /// a chat only when no agent of a lower tier with the skill is below its soft cap.
    pub tier: u8,
    /// The group's 分流 weight within its tier: open chats are compared per unit of
    /// weight, so an agent of weight 2 holds twice the chats of one of weight 1.
    pub weight: f64,
    /// Open chats from which the agent stops being preferred (never above `cap`): past
    /// it, agents of higher tiers below theirs are offered chats first.
    pub soft_cap: u16,
}

impl AgentSnapshot {
    /// The 分流 part of a routing key, compared before anything a policy adds: agents
    /// below their soft cap come first, lower tiers first within that, then (`by_load`)
    /// fewer open chats per unit of weight. Fits in 32 bits: 1 bit for the soft cap,
    /// 4 for the tier, 27 for the weighted load (caps are at most 1000 chats, weights at
    /// least 1/20, in steps of 1/4096 of a chat).
    #[inline]
    pub fn preference(&self, by_load: bool) -> u32 {
        let past_soft = u32::from(self.load >= self.soft_cap);
        let tier = u32::from(self.tier.min(MAX_TIER));
        let load = if !by_load {
            0
        } else if self.weight == 1.0 {
            u32::from(self.load) << 12
        } else {
            ((f64::from(self.load) * 4096.0 / self.weight) as u32).min((1 << 27) - 1)
        };
        past_soft << 31 | tier << 27 | load
    }
}

/// Highest 分流 tier.
pub const MAX_TIER: u8 = 15;
/// Lowest and highest 分流 weight.
pub const WEIGHT_RANGE: (f64, f64) = (0.05, 20.0);

/// Chooses an agent for each new conversation. The model tells the router of every change
/// to every agent and asks it once per arrival; a `None` answer queues the conversation.
/// Each snapshot carries the agent's group and the group's 分流 settings (tier, weight,
/// soft cap); the built-in policies honour them before their own order.
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
    /// Fewest open chats (per unit of 分流 weight); ties to the agent whose last chat
    /// ended longest ago. Below soft caps and lower tiers first.
    LeastLoaded,
    /// The agent with the oldest last change (assignment or release), whatever its load.
    /// Below soft caps and lower tiers first.
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
            group: 0,
            tier: 0,
            weight: 1.0,
            soft_cap: 5,
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

    #[test]
    fn lower_tiers_are_offered_chats_until_their_soft_cap() {
        for policy in Policy::ALL {
            let mut r = policy.build(3);
            let now = SimTime::ZERO;
            let veteran = |load| AgentSnapshot {
                soft_cap: 3,
                cap: 6,
                ..snap(load, 0, 0)
            };
            let temp = AgentSnapshot {
                tier: 1,
                group: 1,
                ..snap(0, 0, 0)
            };
            r.agent_changed(0, &veteran(2), now);
            r.agent_changed(1, &temp, now);
            assert_eq!(r.route(Class::PreSale, now), Some(0), "{}", policy.name());
            // at its soft cap the veteran gives way to the overflow tier
            r.agent_changed(0, &veteran(3), now);
            assert_eq!(r.route(Class::PreSale, now), Some(1), "{}", policy.name());
            // with the overflow tier full, the veteran takes chats up to its cap
            r.agent_changed(
                1,
                &AgentSnapshot {
                    available: false,
                    ..temp
                },
                now,
            );
            assert_eq!(r.route(Class::PreSale, now), Some(0), "{}", policy.name());
        }
    }

    #[test]
    fn weights_share_chats_within_a_tier() {
        let mut r = Policy::LeastLoaded.build(2);
        let now = SimTime::ZERO;
        let mut load = [0u16; 2];
        let weight = [2.0, 1.0];
        let mut given = [0u32; 2];
        let update = |r: &mut Box<dyn Router>, a: usize, load: u16| {
            let s = AgentSnapshot {
                weight: weight[a],
                cap: 100,
                soft_cap: 100,
                ..snap(load, a as u64, 0)
            };
            r.agent_changed(a as AgentId, &s, now);
        };
        update(&mut r, 0, 0);
        update(&mut r, 1, 0);
        for _ in 0..30 {
            let a = r.route(Class::PreSale, now).expect("both available") as usize;
            given[a] += 1;
            load[a] += 1;
            update(&mut r, a, load[a]);
        }
        assert_eq!(given, [20, 10]);
    }

    #[test]
    fn the_preference_orders_soft_cap_then_tier_then_weighted_load() {
        let s = |load, tier, weight, soft_cap| AgentSnapshot {
            tier,
            weight,
            soft_cap,
            cap: 20,
            ..snap(load, 0, 0)
        };
        let p = |x: AgentSnapshot| x.preference(true);
        assert!(p(s(9, 3, 1.0, 10)) < p(s(0, 0, 1.0, 0)));
        assert!(p(s(9, 0, 1.0, 10)) < p(s(0, 1, 1.0, 10)));
        assert!(p(s(3, 0, 2.0, 10)) < p(s(2, 0, 1.0, 10)));
        // the most a key holds: 999 chats under cap 1000, at the smallest weight, in the
        // last tier, does not reach the tier's bits
        let most = s(999, MAX_TIER, WEIGHT_RANGE.0, 1000).preference(true);
        let next = s(999, MAX_TIER, WEIGHT_RANGE.0, 999).preference(true);
        assert_eq!(most >> 27, u32::from(MAX_TIER), "{most:#x}");
        assert!(most & ((1 << 27) - 1) < (1 << 27) - 1, "{most:#x}");
        assert!(most < next);
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
