//! Time-weighted levels (customers waiting, agents working, chats open ...): the integral
//! of a step function over the measurement window and over each series interval.
//!
//! The integral is kept exactly, in value x microseconds, as a 128-bit integer from time
//! zero. A change costs one multiply-add; the window's start and end and the series
//! interval boundaries are cut only when a change passes them, by reading the running
//! integral there. Areas are therefore exact whatever the order of changes, and the
//! areas of several levels add up exactly (a total is the sum of its parts).

use crate::engine::SimTime;

/// The next cut of a level past the window: none. The window ends before the last
/// microsecond, so no real cut falls there.
const NO_CUT: u64 = u64::MAX;

/// The measurement window and series intervals shared by every level of a replication.
#[derive(Clone, Copy, Debug)]
pub struct Clocking {
    /// Start of measurement (end of warm-up).
    pub from: SimTime,
    /// End of measurement (the horizon).
    pub to: SimTime,
    /// Series interval length.
    pub interval: SimTime,
}

impl Clocking {
    /// The first cut after `t`: the window's start or end, or (when `intervals`) the next
    /// interval boundary before the window's end; [`NO_CUT`] past the window.
    fn next_cut_after(&self, t: u64, intervals: bool) -> u64 {
        let (from, to) = (self.from.as_micros(), self.to.as_micros());
        let mut next = NO_CUT;
        if from > t {
            next = from;
        }
        if to > t {
            next = next.min(to);
        }
        if intervals {
            let len = self.interval.as_micros();
            let boundary = (t / len + 1) * len;
            if boundary < to {
                next = next.min(boundary);
            }
        }
        next
    }
}

/// A level integrated over time, inside the measurement window `[from, to)` and per
/// series interval.
#[derive(Clone, Debug)]
pub struct Level {
    value: i64,
    /// Time of the last change or cut, microseconds.
    last: u64,
    /// The next time the integral must be read at (see [`Clocking::next_cut_after`]).
    next_cut: u64,
    /// Integral of the value from time zero to `last`, value x microseconds.
    integral: i128,
    /// `integral` at the window's start and end, once passed.
    at_from: Option<i128>,
    at_to: Option<i128>,
    /// `integral` at the start of the series interval in progress.
    interval_start: i128,
    /// Area (value x seconds) of each series interval closed so far.
    per_interval: Option<Vec<f64>>,
}

impl Level {
    /// A level at zero; `intervals` > 0 also keeps the area of each series interval.
    pub fn new(intervals: usize) -> Self {
        Level {
            value: 0,
            last: 0,
            // time zero may itself be a cut (no warm-up): the first change checks
            next_cut: 0,
            integral: 0,
            at_from: None,
            at_to: None,
            interval_start: 0,
            per_interval: (intervals > 0).then(|| vec![0.0; intervals]),
        }
    }

    /// The current value.
    #[inline]
    pub fn value(&self) -> i64 {
        self.value
    }

    /// Changes the value by `delta` at `now`.
    #[inline]
    pub fn add(&mut self, now: SimTime, delta: i64, c: &Clocking) {
        self.advance(now, c);
        self.value += delta;
    }

    /// Integrates the current value up to `now` (earlier times are ignored).
    #[inline]
    pub fn advance(&mut self, now: SimTime, c: &Clocking) {
        let now = now.as_micros();
        if now >= self.next_cut {
            self.cut_until(now, c);
        }
        if now > self.last {
            self.integral += i128::from(self.value) * i128::from(now - self.last);
            self.last = now;
        }
    }

    /// Integrates up to and reads the integral at every cut up to `now`.
    #[cold]
    fn cut_until(&mut self, now: u64, c: &Clocking) {
        // a change at the clock's last microsecond (a saturated time) passes every cut
        while self.next_cut <= now && self.next_cut != NO_CUT {
            let at = self.next_cut;
            if at > self.last {
                self.integral += i128::from(self.value) * i128::from(at - self.last);
                self.last = at;
            }
            self.cut(at, c);
            self.next_cut = c.next_cut_after(at, self.per_interval.is_some());
        }
    }

    fn cut(&mut self, at: u64, c: &Clocking) {
        let (from, to) = (c.from.as_micros(), c.to.as_micros());
        if at == from {
            self.at_from = Some(self.integral);
        }
        let len = c.interval.as_micros();
        if let Some(areas) = self.per_interval.as_mut()
            && at > 0
            && at <= to
            && (at.is_multiple_of(len) || at == to)
        {
            // the interval that ends here (the last one may end early, at the window's end)
            if let Some(area) = areas.get_mut(((at - 1) / len) as usize) {
                *area = (self.integral - self.interval_start) as f64 / 1e6;
            }
            self.interval_start = self.integral;
        }
        if at == to {
            self.at_to = Some(self.integral);
        }
    }

    /// Area (value x microseconds) inside the measurement window so far, exact.
    pub fn area_us(&self) -> i128 {
        match (self.at_from, self.at_to) {
            (Some(from), Some(to)) => to - from,
            (Some(from), None) => self.integral - from,
            _ => 0,
        }
    }

    /// Area (value x seconds) inside the measurement window so far.
    pub fn area_s(&self) -> f64 {
        seconds(self.area_us())
    }

    /// Area per series interval (empty when not kept); an interval's area is there once
    /// the level has been advanced to its end, so all of them after advancing to the
    /// window's end.
    pub fn interval_areas(&self) -> &[f64] {
        self.per_interval.as_deref().unwrap_or(&[])
    }
}

/// Value x microseconds as value x seconds.
pub fn seconds(area_us: i128) -> f64 {
    area_us as f64 / 1e6
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clocking(from: u64, to: u64, interval: u64) -> Clocking {
        Clocking {
            from: SimTime::from_secs(from),
            to: SimTime::from_secs(to),
            interval: SimTime::from_secs(interval),
        }
    }

    #[test]
    fn level_integrates_inside_the_window_and_per_interval() {
        let c = clocking(10, 40, 10);
        let mut l = Level::new(4);
        l.add(SimTime::from_secs(5), 2, &c); // 2 from t=5
        l.add(SimTime::from_secs(25), 1, &c); // 3 from t=25
        l.advance(SimTime::from_secs(50), &c);
        // window [10,40): 2*15 + 3*15 = 75
        assert_eq!(l.area_s(), 75.0);
        // intervals [0,10): 2*5, [10,20): 20, [20,30): 2*5+3*5, [30,40): 30
        assert_eq!(l.interval_areas(), &[10.0, 20.0, 25.0, 30.0]);
    }

    #[test]
    fn a_change_at_the_last_microsecond_of_the_clock_ends() {
        // a reply whose drawn time saturates the clock lands at its last microsecond
        let c = clocking(10, 40, 10);
        let mut l = Level::new(4);
        l.add(SimTime::from_secs(5), 2, &c);
        l.add(SimTime::NEVER, -2, &c);
        l.advance(SimTime::NEVER, &c);
        assert_eq!(l.area_s(), 60.0);
        assert_eq!(l.interval_areas(), &[10.0, 20.0, 20.0, 20.0]);
    }

    #[test]
    fn a_short_last_interval_ends_with_the_window() {
        // window [0, 25) in intervals of 10: the third covers [20, 25) only
        let c = clocking(0, 25, 10);
        let mut l = Level::new(3);
        l.add(SimTime::ZERO, 4, &c);
        l.add(SimTime::from_secs(22), -1, &c);
        l.advance(SimTime::from_secs(100), &c);
        assert_eq!(l.interval_areas(), &[40.0, 40.0, 8.0 + 9.0]);
        assert_eq!(l.area_s(), 97.0);
    }

    #[test]
    fn matches_a_direct_integration_over_random_steps() {
        // changes at random times, some on cuts, several at one time; against a
        // per-microsecond-exact reference computed independently
        let c = Clocking {
            from: SimTime::from_micros(1_000_003),
            to: SimTime::from_micros(9_000_000),
            interval: SimTime::from_micros(700_000),
        };
        let n = 13;
        let mut l = Level::new(n);
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        let (mut t, mut value, mut steps) = (0u64, 0i64, Vec::new());
        while t < 10_000_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            t += match x % 5 {
                0 => 0,
                1 => 700_000 - t % 700_000, // exactly onto a boundary
                _ => x % 400_000,
            };
            let delta = (x >> 20) as i64 % 7 - 3;
            l.add(SimTime::from_micros(t), delta, &c);
            steps.push((t, value));
            value += delta;
        }
        steps.push((t, value));
        l.advance(SimTime::from_micros(t), &c);
        // reference: the value in force over [steps[i].0, steps[i+1].0) is steps[i+1].1
        let overlap = |a: u64, b: u64, lo: u64, hi: u64| b.min(hi).saturating_sub(a.max(lo));
        let area = |lo: u64, hi: u64| -> i128 {
            steps
                .windows(2)
                .map(|w| i128::from(w[1].1) * i128::from(overlap(w[0].0, w[1].0, lo, hi)))
                .sum()
        };
        assert_eq!(l.area_us(), area(1_000_003, 9_000_000));
        for (k, got) in l.interval_areas().iter().enumerate() {
            let lo = k as u64 * 700_000;
            assert_eq!(
                *got,
                seconds(area(lo, (lo + 700_000).min(9_000_000))),
                "interval {k}"
            );
        }
    }
}
