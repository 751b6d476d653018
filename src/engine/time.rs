//! Simulated time: whole microseconds since the scenario's start.

use std::fmt;
use std::ops::{Add, AddAssign, Sub};

/// A point in, or a span of, simulated time, in whole microseconds.
///
/// Integer time makes event order total and lets histogram values need no conversion.
/// Seconds from a scenario are converted once, at the scenario boundary.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    serde::Serialize,
    serde::Deserialize,
)]
pub struct SimTime(u64);

impl SimTime {
    /// Time zero: the scenario's start.
    pub const ZERO: SimTime = SimTime(0);
    /// Later than any reachable time; used for "never".
    pub const NEVER: SimTime = SimTime(u64::MAX);

    /// From whole microseconds.
    pub const fn from_micros(us: u64) -> Self {
        SimTime(us)
    }

    /// From whole seconds.
    pub const fn from_secs(s: u64) -> Self {
        SimTime(s * 1_000_000)
    }

    /// From fractional seconds, rounded to the nearest microsecond; negative or NaN gives
    /// zero and values beyond range saturate to [`SimTime::NEVER`].
    #[inline]
    pub fn from_secs_f64(s: f64) -> Self {
        /// From here on every f64 is a whole number.
        const WHOLE: f64 = (1u64 << 52) as f64;
        let us = s * 1e6;
        if us > 0.0 && us < WHOLE {
            // round half away from zero, as `f64::round`, without a library call: the
            // truncation and the fraction left are both exact below 2^52
            let whole = us as i64;
            let up = us - whole as f64 >= 0.5;
            SimTime(whole as u64 + u64::from(up))
        } else if us.is_nan() || us <= 0.0 {
            SimTime::ZERO
        } else if us >= u64::MAX as f64 {
            SimTime::NEVER
        } else {
            SimTime(us as u64)
        }
    }

    /// Whole microseconds.
    pub const fn as_micros(self) -> u64 {
        self.0
    }

    /// Whole milliseconds (truncated).
    pub const fn as_millis(self) -> u64 {
        self.0 / 1_000
    }

    /// Fractional seconds.
    #[inline]
    pub fn as_secs_f64(self) -> f64 {
        // through i64 where it fits: one conversion instruction instead of a sequence
        match i64::try_from(self.0) {
            Ok(us) => us as f64 / 1e6,
            Err(_) => self.0 as f64 / 1e6,
        }
    }

    /// `self - earlier`, or zero when `earlier` is later.
    pub const fn saturating_sub(self, earlier: SimTime) -> SimTime {
        SimTime(self.0.saturating_sub(earlier.0))
    }
}

impl Add for SimTime {
    type Output = SimTime;
    fn add(self, rhs: SimTime) -> SimTime {
        SimTime(self.0.saturating_add(rhs.0))
    }
}

impl AddAssign for SimTime {
    fn add_assign(&mut self, rhs: SimTime) {
        *self = *self + rhs;
    }
}

impl Sub for SimTime {
    type Output = SimTime;
    /// # Panics
    /// When `rhs` is later than `self` (time never runs backwards in the model).
    fn sub(self, rhs: SimTime) -> SimTime {
        SimTime(
            self.0
                .checked_sub(rhs.0)
                .expect("SimTime subtraction went negative"),
        )
    }
}

impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.6}s", self.as_secs_f64())
    }
}

/// Consecutive spans of one length from time zero (the series intervals): which span a
/// time falls in, by a multiply by the length's reciprocal instead of a division, as the
/// model asks it several times per customer.
#[derive(Clone, Copy, Debug)]
pub struct Spans {
    len: u64,
    /// `floor((2^64 - 1) / len)`: its product with `t` falls short of `t / len` by at
    /// most one, which one comparison restores.
    inv: u64,
}

impl Spans {
    /// Spans of `len` (a zero length is taken as one microsecond).
    pub fn new(len: SimTime) -> Self {
        let len = len.as_micros().max(1);
        Spans {
            len,
            inv: u64::MAX / len,
        }
    }

    /// The index of the span holding `t`: exactly `t / len`.
    #[inline]
    pub fn index(&self, t: SimTime) -> u64 {
        let t = t.as_micros();
        let q = ((u128::from(t) * u128::from(self.inv)) >> 64) as u64;
        if t - q * self.len >= self.len {
            q + 1
        } else {
            q
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn span_index_is_exactly_the_quotient() {
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut lens = vec![1, 2, 3, 7, 1_000_000, 900_000_000, 3_600_000_000, 1 << 32];
        lens.extend([
            (1 << 63) - 1,
            1 << 63,
            (1 << 63) + 1,
            u64::MAX - 1,
            u64::MAX,
        ]);
        for _ in 0..200 {
            let v = next();
            lens.push(v >> (v % 64));
        }
        for len in lens {
            let spans = Spans::new(SimTime::from_micros(len));
            let len = len.max(1);
            let mut times = vec![0, 1, len - 1, len, len.saturating_add(1), u64::MAX - 1];
            times.extend([u64::MAX, u64::MAX / len * len, (u64::MAX / len * len) - 1]);
            for _ in 0..2_000 {
                let v = next();
                times.push(v >> (v % 64));
                times.push((v % 1_000).saturating_mul(len));
                times.push((v % 1_000).saturating_mul(len).saturating_sub(1));
            }
            for t in times {
                assert_eq!(spans.index(SimTime::from_micros(t)), t / len, "{t} / {len}");
            }
        }
    }

    #[test]
    fn seconds_round_trip_and_saturate() {
        assert_eq!(SimTime::from_secs_f64(1.5).as_micros(), 1_500_000);
        assert_eq!(SimTime::from_secs_f64(-3.0), SimTime::ZERO);
        assert_eq!(SimTime::from_secs_f64(f64::NAN), SimTime::ZERO);
        assert_eq!(SimTime::from_secs_f64(1e30), SimTime::NEVER);
        assert_eq!(SimTime::from_secs(2).as_millis(), 2_000);
        assert_eq!(SimTime::NEVER + SimTime::from_secs(1), SimTime::NEVER);
        assert_eq!(SimTime::NEVER.as_secs_f64(), u64::MAX as f64 / 1e6);
        assert_eq!(
            SimTime::from_micros(1 << 63).as_secs_f64(),
            2f64.powi(63) / 1e6
        );
    }

    #[test]
    fn rounds_to_the_nearest_microsecond_as_f64_round_does() {
        let mut x: u64 = 0x853c_49e6_748f_ea9b;
        let mut cases = vec![
            0.0,
            4e-7,
            5e-7,
            6e-7,
            2.5e-6,
            0.4999999,
            1e9,
            4.503599627370495e9,
        ];
        for _ in 0..100_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            // seconds across many magnitudes, with exact halves among them
            let s = (x >> 11) as f64 / (1u64 << 53) as f64 * 10f64.powi((x % 14) as i32 - 4);
            cases.push(s);
            cases.push(((x % 1_000_000) as f64 + 0.5) / 1e6);
        }
        for s in cases {
            let expected = (s * 1e6).round();
            assert_eq!(
                SimTime::from_secs_f64(s).as_micros() as f64,
                expected,
                "{s}"
            );
        }
    }
}
