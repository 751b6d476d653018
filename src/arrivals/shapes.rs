//! Built-in Double-11 arrival shapes (docs/calibration.md §1), as multipliers of the
//! store's normal-day mean hourly inquiry rate. Every value is a GUESS anchored as the
//! calibration file states; outside the table the multiplier is 1.0 (a normal day).

/// A built-in arrival shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// Schedule A: the sale opens at midnight (2009-2021 style, the handbook's day).
    Double11Midnight,
    /// Schedule B: the sale opens at 20:00 on 10 November (Tmall 2022+).
    Double11Evening,
}

/// `(minutes after 11-10 18:00 where the piece ends, multiplier)`; pieces are contiguous
/// from minute 0, and the last ends at 11-12 00:00 (minute 1800).
type Table = &'static [(u32, f64)];

/// Schedule A with the within-hour profile around midnight.
const MIDNIGHT: Table = &[
    (60, 1.5),   // 11-10 18-19: the rise starts at 18:00 (handbook)
    (120, 2.0),  // 19-20: evening ramp plus pre-sale questions
    (180, 3.0),  // 20-21: "peak from 20:00 to the early hours" read as >= 3x
    (240, 3.5),  // 21-22: 2012 Nov 10 shows no decline after 21 h
    (300, 4.0),  // 22-23
    (350, 5.0),  // 23:00-23:50 x5
    (360, 10.0), // 23:50-24:00 x10: coupon, stock and stacking questions
    (365, 40.0), // 11-11 00:00-00:05 x40: the spike ("dozens of times", 2019 order peak 36x)
    (375, 30.0), // 00:05-00:15
    (390, 18.0), // 00:15-00:30
    (420, 10.0), // 00:30-01:00
    (450, 7.0),  // 01:00-01:30
    (480, 5.0),  // 01:30-02:00
    (540, 3.0),  // 02-03
    (600, 1.2),  // 03-04: 2018 GMV 01:48-08:09 at 0.37x day average
    (660, 0.6),  // 04-05: 2012 trough 4-6 h
    (720, 0.5),  // 05-06
    (780, 0.6),  // 06-07
    (840, 1.0),  // 07-08: fast rise after 7 h
    (900, 1.8),  // 08-09: early shift starts; after-sale wave begins
    (960, 2.5),  // 09-10
    (1020, 3.0), // 10-11: daytime plateau from 10 h
    (1080, 3.0), // 11-12
    (1140, 3.2), // 12-13: lunchtime bump
    (1200, 3.0), // 13-14
    (1260, 2.8), // 14-15: afternoon dip
    (1320, 2.8), // 15-16
    (1380, 3.0), // 16-17: late shift starts
    (1440, 3.2), // 17-18
    (1500, 3.5), // 18-19
    (1560, 4.0), // 19-20
    (1620, 4.5), // 20-21: 2012 highest traffic peak 20-22 h on Nov 11
    (1680, 5.0), // 21-22: "last chance" evening peak
    (1740, 5.0), // 22-23
    (1800, 4.0), // 23-24: last-hour rush, cut-off at 24:00
];

/// Schedule B: the midnight minute profile shifted to 20:00 on 11-10 (docs/calibration.md §1:
/// "For B, use the same profile shifted to 20:00"); the 19:50 and 21:00-22:00 splits keep
/// the calibration's hourly means (2.5 and 7).
const EVENING: Table = &[
    (60, 1.5),   // 11-10 18-19
    (110, 2.0),  // 19:00-19:50
    (120, 5.0),  // 19:50-20:00 (hour mean 2.5)
    (125, 40.0), // 20:00-20:05 the opening spike
    (135, 30.0), // 20:05-20:15
    (150, 18.0), // 20:15-20:30
    (180, 10.0), // 20:30-21:00 (hour mean 17.8 ~ 18)
    (210, 8.0),  // 21:00-21:30
    (240, 6.0),  // 21:30-22:00 (hour mean 7)
    (300, 5.0),  // 22-23
    (360, 4.5),  // 23-24
    (420, 6.0),  // 11-11 00-01: secondary midnight bump
    (480, 3.0),  // 01-02
    (540, 1.5),  // 02-03
    (600, 0.8),  // 03-04
    (660, 0.5),  // 04-05
    (720, 0.5),  // 05-06
    (780, 0.6),  // 06-07
    (840, 1.0),  // 07-08
    (900, 1.7),  // 08-09
    (960, 2.3),  // 09-10
    (1020, 2.8), // 10-11
    (1080, 2.8), // 11-12
    (1140, 3.0), // 12-13
    (1200, 2.8), // 13-14
    (1260, 2.6), // 14-15
    (1320, 2.6), // 15-16
    (1380, 2.8), // 16-17
    (1440, 3.0), // 17-18
    (1500, 3.3), // 18-19
    (1560, 3.8), // 19-20
    (1620, 4.2), // 20-21
    (1680, 4.6), // 21-22
    (1740, 4.6), // 22-23
    (1800, 3.7), // 23-24
];

impl Shape {
    /// The scenario keyword.
    pub fn name(self) -> &'static str {
        match self {
            Shape::Double11Midnight => "double11_midnight",
            Shape::Double11Evening => "double11_evening",
        }
    }

    /// Parses a scenario keyword.
    pub fn parse(s: &str) -> Option<Shape> {
        [Shape::Double11Midnight, Shape::Double11Evening]
            .into_iter()
            .find(|x| x.name() == s)
    }

    /// The pieces as `(start_min, end_min, multiplier)`, minutes after 11-10 18:00.
    pub fn pieces(self) -> Vec<(u32, u32, f64)> {
        let table = match self {
            Shape::Double11Midnight => MIDNIGHT,
            Shape::Double11Evening => EVENING,
        };
        let mut start = 0;
        table
            .iter()
            .map(|&(end, m)| {
                let piece = (start, end, m);
                start = end;
                piece
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mean_between(shape: Shape, from: u32, to: u32) -> f64 {
        let area: f64 = shape
            .pieces()
            .iter()
            .map(|&(s, e, m)| m * f64::from(e.min(to).saturating_sub(s.max(from))))
            .sum();
        area / f64::from(to - from)
    }

    #[test]
    fn hour_means_match_the_calibration_table() {
        let a = Shape::Double11Midnight;
        assert!((mean_between(a, 300, 360) - 5.83).abs() < 0.01); // 23-24 "5.8"
        assert!((mean_between(a, 360, 420) - 17.83).abs() < 0.01); // 00-01 "18"
        assert!((mean_between(a, 420, 480) - 6.0).abs() < 1e-9); // 01-02
        // Totals: Nov 10 18-24 = 19.8, Nov 11 = 85 (docs/calibration.md §1, rounded there).
        assert!((mean_between(a, 0, 360) * 6.0 - 19.83).abs() < 0.01);
        assert!((mean_between(a, 360, 1800) * 24.0 - 85.03).abs() < 0.01);
        let b = Shape::Double11Evening;
        assert!((mean_between(b, 60, 120) - 2.5).abs() < 1e-9);
        assert!((mean_between(b, 180, 240) - 7.0).abs() < 1e-9);
        assert!((mean_between(b, 0, 360) * 6.0 - 38.5).abs() < 0.5);
    }

    #[test]
    fn peak_five_minutes_is_forty_times_normal() {
        let peak = Shape::Double11Midnight
            .pieces()
            .iter()
            .map(|p| p.2)
            .fold(0.0, f64::max);
        assert_eq!(peak, 40.0);
    }
}
