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
///
/// Each set also has a fast lane beside its heap: a key above every key the lane has
/// taken is appended to it in O(1) instead of sifted into the heap. That is the common
/// case, since an agent freed now sorts after every agent freed before, so with one chat
/// per agent most agents pass through the lane and never touch the heap. The lane stays
/// sorted; an entry its agent has since left stays in it, recognised by the agent's
/// stamp, until it reaches the front or the lane is compacted.
#[derive(Clone, Debug)]
pub struct SkillHeaps {
    by_skills: [AgentHeap; 8],
    lanes: [Lane; 8],
    /// Per agent: the skill set it is filed under (0 when in none), plus [`IN_LANE`] when
    /// it is filed in that set's lane rather than its heap.
    filing: Vec<u8>,
    /// Each agent's lane stamp, raised whenever it leaves a lane: its lane entry is
    /// current exactly when the stamps match.
    stamp: Vec<u32>,
    /// Agents filed under each set.
    filed: [u32; 8],
    /// Bit `s` set when set `s` has agents filed.
    occupied: u8,
}

/// The flag in [`SkillHeaps::filing`] for an agent filed in a lane.
const IN_LANE: u8 = 0x80;

/// Per class, bit `s` set for every skill set `s` that holds the class.
const SETS_WITH: [u8; 3] = [0b1010_1010, 0b1100_1100, 0b1111_0000];

/// A set's fast lane: entries in rising key order, stale ones included.
#[derive(Clone, Debug, Default)]
struct Lane {
    entries: std::collections::VecDeque<(u128, AgentId, u32)>,
    /// Entries whose agents have left since.
    stale: usize,
}

impl SkillHeaps {
    /// Empty heaps for agents `0..agents`.
    pub fn new(agents: usize) -> Self {
        SkillHeaps {
            by_skills: std::array::from_fn(|_| AgentHeap::new(agents)),
            lanes: Default::default(),
            filing: vec![0; agents],
            stamp: vec![0; agents],
            filed: [0; 8],
            occupied: 0,
        }
    }

    /// Files `agent` under `key` while it is available with some skill, and out otherwise.
    pub fn update(&mut self, agent: AgentId, s: &AgentSnapshot, key: u128) {
        let set = usize::from(if s.available { s.skills.bits() } else { 0 });
        let a = agent as usize;
        let home = usize::from(self.filing[a] & !IN_LANE);
        let was_in_lane = self.filing[a] & IN_LANE != 0;
        if home != set {
            self.count(home, false);
            self.count(set, true);
        }
        if was_in_lane {
            self.leave_lane(home, agent);
        } else if home != 0 && home != set {
            self.by_skills[home].remove(agent);
        }
        if set == 0 {
            self.filing[a] = 0;
            return;
        }
        let lane = &mut self.lanes[set];
        if lane.entries.back().is_none_or(|&(last, _, _)| key > last) {
            if home == set && !was_in_lane {
                self.by_skills[set].remove(agent);
            }
            lane.entries.push_back((key, agent, self.stamp[a]));
            self.filing[a] = set as u8 | IN_LANE;
        } else {
            self.by_skills[set].set(agent, key);
            self.filing[a] = set as u8;
        }
    }

    /// Keeps the count of agents filed under `set` (0: none) and the occupied sets.
    fn count(&mut self, set: usize, arriving: bool) {
        if set == 0 {
            return;
        }
        let n = &mut self.filed[set];
        *n = if arriving { *n + 1 } else { *n - 1 };
        if *n == 0 {
            self.occupied &= !(1 << set);
        } else {
            self.occupied |= 1 << set;
        }
    }

    /// `agent`'s entry in `set`'s lane goes: at once when it is the last one in (freed
    /// and given a chat at once), else it goes stale; a mostly stale lane is compacted.
    fn leave_lane(&mut self, set: usize, agent: AgentId) {
        let a = agent as usize;
        let stamp = self.stamp[a];
        self.stamp[a] = stamp.wrapping_add(1);
        let lane = &mut self.lanes[set];
        if lane
            .entries
            .back()
            .is_some_and(|&(_, b, st)| b == agent && st == stamp)
        {
            lane.entries.pop_back();
            return;
        }
        lane.stale += 1;
        if lane.stale > 32 && 2 * lane.stale > lane.entries.len() {
            let stamps = &self.stamp;
            lane.entries.retain(|&(_, b, st)| stamps[b as usize] == st);
            lane.stale = 0;
        }
    }

    /// The available agent with the smallest key among those taking `class`.
    #[inline]
    pub fn best(&mut self, class: Class) -> Option<AgentId> {
        let mut sets = self.occupied & SETS_WITH[class.index()];
        let mut best: Option<(u128, AgentId)> = None;
        while sets != 0 {
            let set = sets.trailing_zeros() as usize;
            sets &= sets - 1;
            let lane = &mut self.lanes[set];
            while let Some(&(key, a, st)) = lane.entries.front() {
                if self.stamp[a as usize] == st {
                    if best.is_none_or(|(k, _)| key < k) {
                        best = Some((key, a));
                    }
                    break;
                }
                lane.entries.pop_front();
                lane.stale -= 1;
            }
            if let Some((key, a)) = self.by_skills[set].peek_entry()
                && best.is_none_or(|(k, _)| key < k)
            {
                best = Some((key, a));
            }
        }
        best.map(|(_, a)| a)
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

    /// Random updates of 40 agents against a naive minimum. `rising`: keys follow the
    /// routers' pattern (a release time that only grows, ties included, under a load that
    /// is mostly 0), and the chosen agent is often the one taken next, so that the lanes,
    /// their stale entries and their compaction carry most of the traffic.
    fn check_skill_heaps(seed: u64, rising: bool) {
        use crate::class::ClassSet;
        use crate::engine::SimTime;
        let n = 40;
        let mut heaps = SkillHeaps::new(n);
        // per agent: Some((key, skills)) while available
        let mut naive: Vec<Option<(u128, ClassSet)>> = vec![None; n];
        let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(seed);
        let (mut t, mut chosen) = (0u64, None);
        for _ in 0..20_000 {
            let agent = match chosen {
                Some(a) if rising && rng.next_u32() % 2 == 0 => a,
                _ => (rng.next_u32() % n as u32) as AgentId,
            };
            let mask = (rng.next_u32() % 8) as usize;
            let skills = ClassSet::of(
                &Class::ALL
                    .into_iter()
                    .filter(|c| mask & (1 << c.index()) != 0)
                    .collect::<Vec<_>>(),
            );
            let available = rng.next_u32() % 4 != 0;
            let key = if rising {
                t += u64::from(rng.next_u32() % 3);
                let load = u128::from(rng.next_u32() % 8 / 6);
                (load << 96) | (u128::from(t) << 32) | u128::from(agent)
            } else {
                (u128::from(rng.next_u32() % 50) << 32) | u128::from(agent)
            };
            let snapshot = AgentSnapshot {
                available,
                load: 0,
                cap: 1,
                skills,
                last_release: SimTime::ZERO,
                last_assign: SimTime::ZERO,
                group: 0,
                tier: 0,
                weight: 1.0,
                soft_cap: 1,
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
                let got = heaps.best(class);
                assert_eq!(got, want, "{class}");
                chosen = got.or(chosen);
            }
            let held: usize = heaps.lanes.iter().map(|l| l.entries.len()).sum();
            assert!(
                held <= 2 * n + 8 * 33,
                "lanes hold {held} entries for {n} agents"
            );
        }
    }

    #[test]
    fn skill_heaps_give_each_class_its_smallest_available_agent() {
        check_skill_heaps(11, false);
    }

    #[test]
    fn skill_heaps_stay_exact_when_keys_rise_as_agents_are_freed() {
        check_skill_heaps(12, true);
    }

    #[test]
    fn a_lane_behind_an_agent_never_chosen_is_compacted() {
        use crate::class::ClassSet;
        use crate::engine::SimTime;
        let n = 40;
        let mut heaps = SkillHeaps::new(n);
        let snapshot = |available| AgentSnapshot {
            available,
            load: 0,
            cap: 1,
            skills: ClassSet::ALL,
            last_release: SimTime::ZERO,
            last_assign: SimTime::ZERO,
            group: 0,
            tier: 0,
            weight: 1.0,
            soft_cap: 1,
        };
        // agent 0 heads the lane and is never taken; the others come and go behind it
        heaps.update(0, &snapshot(true), 0);
        for i in 0..10_000u32 {
            let freed = 1 + i % (n as u32 - 1);
            heaps.update(
                freed,
                &snapshot(true),
                u128::from(i + 1) << 32 | u128::from(freed),
            );
            let taken = 1 + (i + 7) % (n as u32 - 1);
            heaps.update(taken, &snapshot(false), 0);
            assert_eq!(heaps.best(Class::PreSale), Some(0));
            let held = heaps.lanes[7].entries.len();
            assert!(
                held <= 2 * n + 33,
                "the lane holds {held} entries for {n} agents"
            );
        }
    }
}
