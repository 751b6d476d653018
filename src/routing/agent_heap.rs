//! An indexed binary min-heap of agents keyed by a `u128`: O(log n) insert, update and
//! remove by agent, O(1) peek; and [`SkillHeaps`], the available agents split by skill
//! set, which the routers keep.

use super::{AgentId, AgentSnapshot};
use crate::class::Class;

const ABSENT: u32 = u32::MAX;

/// Agents ordered by key; each agent is in the heap at most once.
#[derive(Clone, Debug, Default)]
pub struct AgentHeap {
    heap: Vec<(u128, AgentId)>,
    /// Each agent's place in `heap`; allocated on the first insert.
    pos: Vec<u32>,
    agents: usize,
}

impl AgentHeap {
    /// An empty heap for agents `0..agents`.
    pub fn new(agents: usize) -> Self {
        AgentHeap {
            heap: Vec::new(),
            pos: Vec::new(),
            agents,
        }
    }

    /// The agent with the smallest key.
    #[inline]
    pub fn peek(&self) -> Option<AgentId> {
        self.heap.first().map(|&(_, a)| a)
    }

    /// The smallest key and its agent.
    #[inline]
    pub fn peek_entry(&self) -> Option<(u128, AgentId)> {
        self.heap.first().copied()
    }

    /// Number of agents held.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// Puts `agent` in with `key`, or moves it to `key` if present.
    pub fn set(&mut self, agent: AgentId, key: u128) {
        if self.pos.is_empty() {
            self.pos = vec![ABSENT; self.agents];
        }
        let p = self.pos[agent as usize];
        if p == ABSENT {
            self.heap.push((key, agent));
            let i = self.heap.len() - 1;
            self.pos[agent as usize] = i as u32;
            self.sift_up(i);
        } else {
            let i = p as usize;
            let old = self.heap[i].0;
            self.heap[i].0 = key;
            if key < old {
                self.sift_up(i)
            } else {
                self.sift_down(i)
            }
        }
    }

    /// Takes `agent` out, if present.
    pub fn remove(&mut self, agent: AgentId) {
        let p = self.pos.get(agent as usize).copied().unwrap_or(ABSENT);
        if p == ABSENT {
            return;
        }
        let i = p as usize;
        self.pos[agent as usize] = ABSENT;
        let last = self.heap.pop().expect("a placed agent is in the heap");
        if i < self.heap.len() {
            // the last entry fills the hole and moves to its place
            self.heap[i] = last;
            self.sift_down(i);
            self.sift_up(i);
        }
    }

    /// Moves the entry at `i` up to its place: parents it beats move down one each, and
    /// the entry is written once, where it stops.
    fn sift_up(&mut self, mut i: usize) {
        let entry = self.heap[i];
        while i > 0 {
            let parent = (i - 1) / 2;
            if entry.0 >= self.heap[parent].0 {
                break;
            }
            self.heap[i] = self.heap[parent];
            self.pos[self.heap[i].1 as usize] = i as u32;
            i = parent;
        }
        self.heap[i] = entry;
        self.pos[entry.1 as usize] = i as u32;
    }

    /// Moves the entry at `i` down to its place, the smaller child moving up each level.
    fn sift_down(&mut self, mut i: usize) {
        let entry = self.heap[i];
        let n = self.heap.len();
        loop {
            let l = 2 * i + 1;
            if l >= n {
                break;
            }
            let r = l + 1;
            let m = if r < n && self.heap[r].0 < self.heap[l].0 {
                r
            } else {
                l
            };
            if self.heap[m].0 >= entry.0 {
                break;
            }
            self.heap[i] = self.heap[m];
            self.pos[self.heap[i].1 as usize] = i as u32;
            i = m;
        }
        self.heap[i] = entry;
        self.pos[entry.1 as usize] = i as u32;
    }
}

/// The available agents in one heap per skill set (seven non-empty sets of three
/// classes), so that an agent's change moves it in one heap, however many classes it
/// takes. The best agent for a class is the smallest key among the heads of the sets
/// holding the class: the same agent one heap per class would give, keys being distinct.
#[derive(Clone, Debug)]
pub struct SkillHeaps {
    by_skills: [AgentHeap; 8],
    /// The skill set each agent is filed under; 0 when it is in no heap.
    home: Vec<u8>,
}

impl SkillHeaps {
    /// Empty heaps for agents `0..agents`.
    pub fn new(agents: usize) -> Self {
        SkillHeaps {
            by_skills: std::array::from_fn(|_| AgentHeap::new(agents)),
            home: vec![0; agents],
        }
    }

    /// Files `agent` under `key` while it is available with some skill, and out otherwise.
    pub fn update(&mut self, agent: AgentId, s: &AgentSnapshot, key: u128) {
        let set = if s.available { s.skills.bits() } else { 0 };
        let home = &mut self.home[agent as usize];
        if *home != set && *home != 0 {
            self.by_skills[usize::from(*home)].remove(agent);
        }
        *home = set;
        if set != 0 {
            self.by_skills[usize::from(set)].set(agent, key);
        }
    }

    /// The available agent with the smallest key among those taking `class`.
    #[inline]
    pub fn best(&self, class: Class) -> Option<AgentId> {
        let bit = 1u8 << class.index();
        (1..8u8)
            .filter(|set| set & bit != 0)
            .filter_map(|set| self.by_skills[usize::from(set)].peek_entry())
            .min()
            .map(|(_, a)| a)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    #[test]
    fn matches_a_naive_minimum_under_random_updates() {
        let n = 50;
        let mut heap = AgentHeap::new(n);
        let mut naive: Vec<Option<u128>> = vec![None; n];
        let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(9);
        for _ in 0..20_000 {
            let agent = (rng.next_u32() % n as u32) as AgentId;
            if rng.next_u32() % 3 == 0 {
                heap.remove(agent);
                naive[agent as usize] = None;
            } else {
                // distinct keys: agent id in the low bits, as the routers do
                let key = (u128::from(rng.next_u32() % 100) << 32) | u128::from(agent);
                heap.set(agent, key);
                naive[agent as usize] = Some(key);
            }
            let want = naive
                .iter()
                .enumerate()
                .filter_map(|(a, k)| k.map(|k| (k, a as AgentId)))
                .min()
                .map(|(_, a)| a);
            assert_eq!(heap.peek(), want);
            assert_eq!(heap.len(), naive.iter().flatten().count());
        }
    }

    #[test]
    fn skill_heaps_give_each_class_its_smallest_available_agent() {
        use crate::class::ClassSet;
        use crate::engine::SimTime;
        let n = 40;
        let mut heaps = SkillHeaps::new(n);
        // per agent: Some((key, skills)) while available
        let mut naive: Vec<Option<(u128, ClassSet)>> = vec![None; n];
        let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(11);
        for _ in 0..20_000 {
            let agent = (rng.next_u32() % n as u32) as AgentId;
            let mask = (rng.next_u32() % 8) as usize;
            let skills = ClassSet::of(
                &Class::ALL
                    .into_iter()
                    .filter(|c| mask & (1 << c.index()) != 0)
                    .collect::<Vec<_>>(),
            );
            let available = rng.next_u32() % 4 != 0;
            let key = (u128::from(rng.next_u32() % 50) << 32) | u128::from(agent);
            let snapshot = AgentSnapshot {
                available,
                load: 0,
                cap: 1,
                skills,
                last_release: SimTime::ZERO,
                last_assign: SimTime::ZERO,
            };
            heaps.update(agent, &snapshot, key);
            naive[agent as usize] = (available && mask != 0).then_some((key, skills));
            for class in Class::ALL {
                let want = naive
                    .iter()
                    .enumerate()
                    .filter_map(|(a, e)| e.filter(|(_, s)| s.contains(class)).map(|(k, _)| (k, a)))
                    .min()
                    .map(|(_, a)| a as AgentId);
                assert_eq!(heaps.best(class), want, "{class}");
            }
        }
    }
}
