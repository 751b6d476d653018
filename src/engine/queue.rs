//! The future-event list: a radix heap on event times, first in first out among events
//! at the same time.
//!
//! Times popped never decrease (no event is scheduled before the last one popped), which
//! is what a radix heap needs. Bucket `b` holds the events whose time's highest bit
//! differing from the last time popped is bit `b - 1`; bucket 0 holds the events at the
//! last time itself. A pop takes the front of bucket 0; when that is empty, the lowest
//! non-empty bucket's earliest time becomes the last time and its events move to lower
//! buckets. Each event moves a few times in its life, always by sequential pushes onto
//! vectors, so the cost per event stays flat when a platform-scale run holds millions of
//! pending events (a binary heap's sift misses the cache on every level there).
//!
//! Every bucket stays in scheduling order: direct pushes come in that order, and a bucket
//! is only refilled from a higher one (kept in order) while it is empty, since only the
//! lowest non-empty bucket is ever redistributed. So events at the same time come out in
//! the order they were scheduled, exactly as from a heap keyed by `(time, sequence)`,
//! without storing the sequence.

use super::SimTime;

/// Number of buckets besides the last time's own: one per bit of the 64-bit time.
const BUCKETS: usize = 64;

/// Capacity (entries) an emptied bucket keeps.
const KEPT_CAPACITY: usize = 4096;

/// Pending events, popped in time order; events at the same time come out in the order
/// they were scheduled, so a run is a pure function of its inputs.
pub struct EventQueue<E> {
    /// Events at the last time popped, in scheduling order; those before `head` are gone.
    current: Vec<Entry<E>>,
    head: usize,
    /// Bucket `b` (1..=64) at index `b - 1`.
    buckets: [Vec<Entry<E>>; BUCKETS],
    /// Bit `b - 1` set when bucket `b` is not empty.
    occupied: u64,
    /// The time last popped, in microseconds (0 before the first pop).
    last: u64,
    len: usize,
    /// Most events pending at once so far.
    peak: usize,
    /// Entries the buckets have room for now, and at most so far.
    room: usize,
    peak_room: usize,
}

struct Entry<E> {
    at: u64,
    event: E,
}

impl<E: Copy> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

/// The bucket of time `at` relative to the last time popped.
#[inline]
fn bucket_of(at: u64, last: u64) -> usize {
    64 - (at ^ last).leading_zeros() as usize
}

/// Appends to `bucket`, counting the room it grows by.
#[inline]
fn append<E>(bucket: &mut Vec<Entry<E>>, entry: Entry<E>, room: &mut usize, peak_room: &mut usize) {
    if bucket.len() == bucket.capacity() {
        let before = bucket.capacity();
        bucket.reserve(1);
        *room += bucket.capacity() - before;
        *peak_room = (*peak_room).max(*room);
    }
    bucket.push(entry);
}

impl<E: Copy> EventQueue<E> {
    /// An empty queue at time zero.
    pub fn new() -> Self {
        EventQueue {
            current: Vec::new(),
            head: 0,
            buckets: std::array::from_fn(|_| Vec::new()),
            occupied: 0,
            last: 0,
            len: 0,
            peak: 0,
            room: 0,
            peak_room: 0,
        }
    }

    /// The time of the event last popped.
    pub fn now(&self) -> SimTime {
        SimTime::from_micros(self.last)
    }

    /// Number of pending events.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Most events pending at once so far.
    pub fn peak(&self) -> usize {
        self.peak
    }

    /// Most bytes the buckets held allocated at once so far.
    pub fn peak_bytes(&self) -> usize {
        self.peak_room * Self::ENTRY_BYTES
    }

    /// Bytes one pending event takes in its bucket.
    pub const ENTRY_BYTES: usize = std::mem::size_of::<Entry<E>>();

    /// True when no event is pending.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    #[inline]
    fn push(&mut self, entry: Entry<E>) {
        match bucket_of(entry.at, self.last) {
            0 => append(
                &mut self.current,
                entry,
                &mut self.room,
                &mut self.peak_room,
            ),
            b => {
                append(
                    &mut self.buckets[b - 1],
                    entry,
                    &mut self.room,
                    &mut self.peak_room,
                );
                self.occupied |= 1 << (b - 1);
            }
        }
    }

    /// Schedules `event` at `at`.
    ///
    /// # Panics
    /// When `at` is earlier than `now()`: the model must never schedule into the past.
    #[inline]
    pub fn schedule(&mut self, at: SimTime, event: E) {
        let at = at.as_micros();
        assert!(
            at >= self.last,
            "event scheduled in the past: {} < {}",
            SimTime::from_micros(at),
            self.now()
        );
        self.len += 1;
        self.peak = self.peak.max(self.len);
        self.push(Entry { at, event });
    }

    /// Schedules `event` at `now() + delay`.
    pub fn schedule_in(&mut self, delay: SimTime, event: E) {
        self.schedule(self.now() + delay, event);
    }

    /// Removes the earliest event and advances `now()` to its time.
    #[inline]
    pub fn pop(&mut self) -> Option<E> {
        if self.head == self.current.len() && !self.refill() {
            return None;
        }
        let event = self.current[self.head].event;
        self.head += 1;
        self.len -= 1;
        Some(event)
    }

    /// Moves the lowest non-empty bucket's earliest events to `current`; false when no
    /// event is pending.
    fn refill(&mut self) -> bool {
        self.current.clear();
        self.head = 0;
        if self.occupied == 0 {
            return false;
        }
        let b = self.occupied.trailing_zeros() as usize;
        self.occupied &= !(1 << b);
        // every event of bucket b + 1 differs from the new last time (its earliest) below
        // bit b, so each moves to a lower bucket or to `current`, in order
        let (lower, rest) = self.buckets.split_at_mut(b);
        let moving = &mut rest[0];
        self.last = moving.iter().map(|e| e.at).min().expect("occupied");
        let (last, room, peak_room) = (self.last, &mut self.room, &mut self.peak_room);
        for entry in moving.drain(..) {
            match bucket_of(entry.at, last) {
                0 => append(&mut self.current, entry, room, peak_room),
                to => {
                    append(&mut lower[to - 1], entry, room, peak_room);
                    self.occupied |= 1 << (to - 1);
                }
            }
        }
        // a small emptied vector keeps its capacity for the next time the bucket fills;
        // a large one is freed, so capacity does not pile up in every bucket
        if moving.capacity() > KEPT_CAPACITY {
            self.room -= moving.capacity();
            *moving = Vec::new();
        }
        true
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
