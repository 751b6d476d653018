//! An indexed binary min-heap of agents keyed by a `u128`: O(log n) insert, update and
//! remove by agent, O(1) peek. Routers keep one per class of available agents.

use super::{AgentId, AgentSnapshot};
use crate::class::Class;

const ABSENT: u32 = u32::MAX;

/// Agents ordered by key; each agent is in the heap at most once.
#[derive(Clone, Debug, Default)]
pub struct AgentHeap {
    heap: Vec<(u128, AgentId)>,
    pos: Vec<u32>,
}

impl AgentHeap {
    /// An empty heap for agents `0..agents`.
    pub fn new(agents: usize) -> Self {
        AgentHeap {
            heap: Vec::with_capacity(agents),
            pos: vec![ABSENT; agents],
        }
    }

    /// The agent with the smallest key.
    #[inline]
    pub fn peek(&self) -> Option<AgentId> {
        self.heap.first().map(|&(_, a)| a)
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
        let p = self.pos[agent as usize];
        if p == ABSENT {
            return;
        }
        let i = p as usize;
        let last = self.heap.len() - 1;
        self.swap(i, last);
        self.heap.pop();
        self.pos[agent as usize] = ABSENT;
        if i < self.heap.len() {
            self.sift_down(i);
            self.sift_up(i);
        }
    }

    fn swap(&mut self, i: usize, j: usize) {
        self.heap.swap(i, j);
        self.pos[self.heap[i].1 as usize] = i as u32;
        self.pos[self.heap[j].1 as usize] = j as u32;
    }

    fn sift_up(&mut self, mut i: usize) {
        while i > 0 {
            let parent = (i - 1) / 2;
            if self.heap[i].0 >= self.heap[parent].0 {
                break;
            }
            self.swap(i, parent);
            i = parent;
        }
    }

    fn sift_down(&mut self, mut i: usize) {
        loop {
            let (l, r) = (2 * i + 1, 2 * i + 2);
            let mut m = i;
            if l < self.heap.len() && self.heap[l].0 < self.heap[m].0 {
                m = l;
            }
            if r < self.heap.len() && self.heap[r].0 < self.heap[m].0 {
                m = r;
            }
            if m == i {
                break;
            }
            self.swap(i, m);
            i = m;
        }
    }
}

/// Puts `agent` under `key` in the heap of every class it may take now, and out of the others.
pub fn update_class_heaps(
    heaps: &mut [AgentHeap; 3],
    agent: AgentId,
    s: &AgentSnapshot,
    key: u128,
) {
    for class in Class::ALL {
        let heap = &mut heaps[class.index()];
        if s.available && s.skills.contains(class) {
            heap.set(agent, key);
        } else {
            heap.remove(agent);
        }
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
}
