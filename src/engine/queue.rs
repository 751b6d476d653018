//! The future-event list: a binary heap keyed by `(time, insertion sequence)`.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use super::SimTime;

/// Pending events, popped in time order; events at the same time come out in the order
/// they were scheduled, so a run is a pure function of its inputs.
pub struct EventQueue<E> {
    heap: BinaryHeap<Entry<E>>,
    next_seq: u64,
    now: SimTime,
}

struct Entry<E> {
    /// `time << 64 | seq`: one integer compare orders by time, then insertion.
    key: u128,
    event: E,
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}
impl<E> Eq for Entry<E> {}
impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Entry<E> {
    fn cmp(&self, other: &Self) -> Ordering {
        // BinaryHeap is a max-heap: reverse so the earliest key is on top.
        other.key.cmp(&self.key)
    }
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> EventQueue<E> {
    /// An empty queue at time zero.
    pub fn new() -> Self {
        EventQueue {
            heap: BinaryHeap::with_capacity(1024),
            next_seq: 0,
            now: SimTime::ZERO,
        }
    }

    /// The time of the event last popped.
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Number of pending events.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// True when no event is pending.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// Schedules `event` at `at`.
    ///
    /// # Panics
    /// When `at` is earlier than `now()`: the model must never schedule into the past.
    pub fn schedule(&mut self, at: SimTime, event: E) {
        assert!(
            at >= self.now,
            "event scheduled in the past: {at} < {}",
            self.now
        );
        let key = (u128::from(at.as_micros()) << 64) | u128::from(self.next_seq);
        self.next_seq += 1;
        self.heap.push(Entry { key, event });
    }

    /// Schedules `event` at `now() + delay`.
    pub fn schedule_in(&mut self, delay: SimTime, event: E) {
        self.schedule(self.now + delay, event);
    }

    /// Removes the earliest event and advances `now()` to its time.
    pub fn pop(&mut self) -> Option<E> {
        let entry = self.heap.pop()?;
        self.now = SimTime::from_micros((entry.key >> 64) as u64);
        Some(entry.event)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_by_time_then_insertion_order() {
        let mut q = EventQueue::new();
        q.schedule(SimTime::from_micros(20), 'c');
        q.schedule(SimTime::from_micros(10), 'a');
        q.schedule(SimTime::from_micros(20), 'd');
        q.schedule(SimTime::from_micros(10), 'b');
        let mut out = String::new();
        while let Some(e) = q.pop() {
            out.push(e);
        }
        assert_eq!(out, "abcd");
        assert_eq!(q.now(), SimTime::from_micros(20));
    }

    #[test]
    fn pops_in_key_order_whatever_the_schedule() {
        // a pseudo-random mix of schedules and pops against a sorted reference
        let mut q = EventQueue::new();
        let mut reference: Vec<(u64, u64)> = Vec::new();
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut seq = 0u64;
        for step in 0..20_000u64 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            if !x.is_multiple_of(3) || reference.is_empty() {
                let at = q.now().as_micros() + x % 1000;
                q.schedule(SimTime::from_micros(at), seq);
                reference.push((at, seq));
                seq += 1;
            } else {
                reference.sort_unstable();
                let (at, s) = reference.remove(0);
                assert_eq!(q.pop(), Some(s), "step {step}");
                assert_eq!(q.now().as_micros(), at);
            }
        }
        reference.sort_unstable();
        for (_, s) in reference {
            assert_eq!(q.pop(), Some(s));
        }
        assert!(q.is_empty());
    }

    #[test]
    #[should_panic(expected = "in the past")]
    fn scheduling_into_the_past_panics() {
        let mut q = EventQueue::new();
        q.schedule(SimTime::from_micros(10), ());
        q.pop();
        q.schedule(SimTime::from_micros(5), ());
    }
}
