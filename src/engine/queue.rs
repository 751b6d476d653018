//! The future-event list: a radix heap on event times with one level per 6-bit digit of
//! the time, first in first out among events at the same time.
//!
//! Times popped never decrease (no event is scheduled before the last one popped), which
//! is what a radix heap needs. An event whose time equals the last time popped waits in
//! `current`. Any other event sits at level `k`, the highest digit in which its time
//! differs from the last time, in the bucket of its own digit `k` there (`DIGITS`
//! buckets per level, one bit each in the level's occupancy word). All events of a lower
//! level come before all of a higher one, and within a level a lower digit comes first.
//! A pop takes the front of `current`; when that is empty, the lowest level's lowest
//! bucket is taken: a lone event is popped where it lies, a level-0 bucket (one time
//! only) becomes `current` whole, and any other bucket's earliest time becomes the last
//! time and its events move to `current` or to lower levels. An event therefore moves at
//! most once per digit of its distance in time (a minute ahead is 26 bits: about four
//! moves), always by a sequential push onto a vector, so the cost per event stays flat
//! when a platform-scale run holds millions of pending events (a binary heap's sift
//! misses the cache on every level there). Six bits per digit measured best: one bit
//! per bucket (64 levels) moved events many times at platform scale, and eight bits
//! (256 buckets a level) touched more cache lines than the M/M/100+M run's 200 pending
//! events need.
//!
//! Every bucket stays in scheduling order: direct pushes come in that order, and a
//! bucket is only refilled from a higher one (kept in order) while it is empty, since
//! only a bucket of the lowest occupied level is ever redistributed, into lower levels.
//! So events at the same time come out in the order they were scheduled, exactly as from
//! a heap keyed by `(time, sequence)`, without storing the sequence.

use super::SimTime;

/// Bits of the time per level (a digit).
const BITS: usize = 6;

/// Levels: one per digit of the 64-bit time.
const LEVELS: usize = 64_usize.div_ceil(BITS);

/// Buckets per level: one per value of a digit.
const DIGITS: usize = 1 << BITS;

// a level's occupancy is one word: a bit per bucket
const _: () = assert!(DIGITS <= 64);

/// Capacity (entries) an emptied bucket keeps; a larger one is freed.
const KEPT_CAPACITY: usize = 512;

/// Pending events, popped in time order; events at the same time come out in the order
/// they were scheduled, so a run is a pure function of its inputs.
pub struct EventQueue<E> {
    /// Events at the last time popped, in scheduling order; those before `head` are gone.
    current: Vec<Entry<E>>,
    head: usize,
    /// Bucket `d` of level `k` at index `k * DIGITS + d`.
    buckets: Box<[Vec<Entry<E>>]>,
    /// Bit `d` of level `k`'s word set when its bucket `d` is not empty.
    occupied: [u64; LEVELS],
    /// Bit `k` set when level `k` has a non-empty bucket.
    levels: u32,
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

/// Where time `at` waits relative to the last time popped: `None` for `current`, else
/// the level and the bucket's index.
#[inline]
fn slot_of(at: u64, last: u64) -> Option<(usize, usize)> {
    let differing = at ^ last;
    if differing == 0 {
        return None;
    }
    let level = (63 - differing.leading_zeros() as usize) / BITS;
    let digit = (at >> (BITS * level)) as usize % DIGITS;
    Some((level, level * DIGITS + digit))
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
            buckets: (0..LEVELS * DIGITS).map(|_| Vec::new()).collect(),
            occupied: [0; LEVELS],
            levels: 0,
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

    /// Bytes the buckets hold allocated now.
    pub fn room_bytes(&self) -> usize {
        self.room * Self::ENTRY_BYTES
    }

    /// Bytes one pending event takes in its bucket.
    pub const ENTRY_BYTES: usize = std::mem::size_of::<Entry<E>>();

    /// True when no event is pending.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Every pending event with its time, in no particular order (for a snapshot of the
    /// model's state; the run never reads it).
    pub fn pending(&self) -> impl Iterator<Item = (SimTime, &E)> {
        self.current[self.head..]
            .iter()
            .chain(self.buckets.iter().flatten())
            .map(|e| (SimTime::from_micros(e.at), &e.event))
    }

    /// Schedules `event` at `at`.
    ///
    /// # Panics
    /// When `at` is earlier than `now()`: the model must never schedule into the past.
    #[inline(always)]
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
        let entry = Entry { at, event };
        let (room, peak_room) = (&mut self.room, &mut self.peak_room);
        match slot_of(at, self.last) {
            None => append(&mut self.current, entry, room, peak_room),
            Some((level, index)) => {
                append(&mut self.buckets[index], entry, room, peak_room);
                mark(&mut self.occupied, &mut self.levels, level, index);
            }
        }
    }

    /// Schedules `event` at `now() + delay`.
    pub fn schedule_in(&mut self, delay: SimTime, event: E) {
        self.schedule(self.now() + delay, event);
    }

    /// Removes the earliest event and advances `now()` to its time.
    #[inline]
    pub fn pop(&mut self) -> Option<E> {
        if self.head < self.current.len() {
            let event = self.current[self.head].event;
            self.head += 1;
            self.len -= 1;
            return Some(event);
        }
        self.pop_later()
    }

    /// Pops when `current` is spent: the earliest bucket's events become the next ones.
    fn pop_later(&mut self) -> Option<E> {
        self.current.clear();
        self.head = 0;
        if self.levels == 0 {
            return None;
        }
        let level = self.levels.trailing_zeros() as usize;
        let word = &mut self.occupied[level];
        let digit = word.trailing_zeros() as usize;
        *word &= *word - 1;
        if *word == 0 {
            self.levels &= !(1 << level);
        }
        self.len -= 1;
        let (lower, rest) = self.buckets.split_at_mut(level * DIGITS);
        let moving = &mut rest[digit];
        if level == 0 {
            // a bucket of level 0 holds events at one time only: it becomes `current`
            // whole, and `current`'s emptied vector takes its place
            self.last = (self.last & !(DIGITS as u64 - 1)) | digit as u64;
            std::mem::swap(&mut self.current, moving);
        } else if moving.len() == 1 {
            // a lone event is popped where it is; every other event keeps its place,
            // since the new last time shares every digit above `level` with the old
            let entry = moving.pop().expect("occupied");
            self.last = entry.at;
            return Some(entry.event);
        } else {
            // the bucket's events share every digit from `level` up with its earliest
            // time, so each moves to `current` or to a lower level, all of them empty,
            // in order
            self.last = moving.iter().map(|e| e.at).min().expect("occupied");
            let (last, room, peak_room) = (self.last, &mut self.room, &mut self.peak_room);
            for entry in moving.drain(..) {
                match slot_of(entry.at, last) {
                    None => append(&mut self.current, entry, room, peak_room),
                    Some((to, index)) => {
                        append(&mut lower[index], entry, room, peak_room);
                        mark(&mut self.occupied, &mut self.levels, to, index);
                    }
                }
            }
            // a small emptied vector keeps its capacity for the next time the bucket
            // fills; a large one shrinks to that, so capacity does not pile up over the
            // buckets (shrunk, not freed: glibc raises its mmap threshold on every free
            // of a large mapped block, and then keeps later ones on its heap for good)
            if moving.capacity() > KEPT_CAPACITY {
                let before = moving.capacity();
                moving.shrink_to(KEPT_CAPACITY);
                self.room -= before - moving.capacity();
            }
        }
        self.head = 1;
        Some(self.current[0].event)
    }
}

/// Marks bucket `index` of `level` as not empty.
#[inline]
fn mark(occupied: &mut [u64; LEVELS], levels: &mut u32, level: usize, index: usize) {
    let digit = index % DIGITS;
    occupied[level] |= 1 << digit;
    *levels |= 1 << level;
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
    fn pending_lists_every_event_not_yet_popped() {
        let mut q = EventQueue::new();
        for (t, e) in [(5, 'a'), (5, 'b'), (70, 'c'), (9000, 'd')] {
            q.schedule(SimTime::from_micros(t), e);
        }
        assert_eq!(q.pop(), Some('a'));
        let mut left: Vec<(u64, char)> = q.pending().map(|(t, e)| (t.as_micros(), *e)).collect();
        left.sort_unstable();
        assert_eq!(left, vec![(5, 'b'), (70, 'c'), (9000, 'd')]);
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
    fn pops_in_key_order_over_every_digit_of_time() {
        // distances from a microsecond to weeks (every level of the queue), with many
        // events at equal times, against a reference sorted by (time, sequence)
        let mut q = EventQueue::new();
        let mut reference = std::collections::BTreeSet::new();
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        let mut seq = 0u64;
        let mut popped = 0;
        for step in 0..100_000u64 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            if x % 5 < 3 || reference.is_empty() {
                let distance = match x % 7 {
                    0 => 0,
                    1 => 1 << ((x >> 58) % 41),
                    _ => (x >> 16) % (1 << ((x >> 8) % 41)),
                };
                let at = q.now().as_micros() + distance;
                q.schedule(SimTime::from_micros(at), seq);
                reference.insert((at, seq));
                seq += 1;
            } else {
                let (at, s) = reference.pop_first().expect("pending");
                assert_eq!(q.pop(), Some(s), "step {step}");
                assert_eq!(q.now().as_micros(), at);
                popped += 1;
            }
            assert_eq!(q.len(), reference.len());
        }
        assert!(popped > 30_000);
        while let Some((at, s)) = reference.pop_first() {
            assert_eq!(q.pop(), Some(s));
            assert_eq!(q.now().as_micros(), at);
        }
        assert_eq!(q.pop(), None);
        assert!(q.is_empty());
    }

    #[test]
    fn large_buckets_keep_their_order() {
        // waves of thousands of events into the same far buckets, so buckets outgrow the
        // kept capacity and are freed, popped half-way between
        let mut q = EventQueue::new();
        let mut reference = std::collections::BTreeSet::new();
        let mut seq = 0u64;
        for wave in 0..6u64 {
            let base = q.now().as_micros() + 40_000_000;
            for k in 0..30_000u64 {
                let at = base + (k * 7_919 + wave) % 20_000_000 / 1_000 * 1_000;
                q.schedule(SimTime::from_micros(at), seq);
                reference.insert((at, seq));
                seq += 1;
            }
            for _ in 0..reference.len() / 2 {
                let (at, s) = reference.pop_first().expect("pending");
                assert_eq!(q.pop(), Some(s), "wave {wave}");
                assert_eq!(q.now().as_micros(), at);
            }
        }
        while let Some((_, s)) = reference.pop_first() {
            assert_eq!(q.pop(), Some(s));
        }
        assert!(q.is_empty());
        assert!(q.peak_bytes() >= q.peak() * EventQueue::<u64>::ENTRY_BYTES / 2);
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
