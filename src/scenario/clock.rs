//! Wall-clock times in scenarios: `"MM-DD HH:MM"` (or `"MM-DD HH:MM:SS"`), read against a
//! non-leap calendar year, converted to and from scenario time at the boundary.

use crate::engine::SimTime;

const DAYS_IN_MONTH: [u32; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/// Seconds since 01-01 00:00 of a non-leap year.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ClockTime(u32);

impl ClockTime {
    /// Parses `MM-DD HH:MM[:SS]`; the error says what is wrong. `HH:MM` may be `24:00`.
    pub fn parse(s: &str) -> Result<ClockTime, String> {
        let bad =
            || format!("`{s}` is not a time of the form \"MM-DD HH:MM\" (e.g. \"11-10 20:00\")");
        let (date, time) = s.trim().split_once(' ').ok_or_else(bad)?;
        let (mm, dd) = date.split_once('-').ok_or_else(bad)?;
        let month: u32 = mm.parse().map_err(|_| bad())?;
        let day: u32 = dd.parse().map_err(|_| bad())?;
        let parts: Vec<&str> = time.trim().split(':').collect();
        if !(2..=3).contains(&parts.len()) {
            return Err(bad());
        }
        let hour: u32 = parts[0].parse().map_err(|_| bad())?;
        let minute: u32 = parts[1].parse().map_err(|_| bad())?;
        let second: u32 = parts
            .get(2)
            .map_or(Ok(0), |p| p.parse())
            .map_err(|_| bad())?;
        if !(1..=12).contains(&month) {
            return Err(format!("`{s}`: month {month} is not 1-12"));
        }
        if day == 0 || day > DAYS_IN_MONTH[month as usize - 1] {
            return Err(format!("`{s}`: month {month} has no day {day}"));
        }
        let at_24 = hour == 24 && minute == 0 && second == 0;
        if !(hour < 24 || at_24) || minute > 59 || second > 59 {
            return Err(format!(
                "`{s}`: {hour:02}:{minute:02}:{second:02} is not a time of day"
            ));
        }
        let day_of_year: u32 = DAYS_IN_MONTH[..month as usize - 1].iter().sum::<u32>() + day - 1;
        Ok(ClockTime(
            day_of_year * 86_400 + hour * 3600 + minute * 60 + second,
        ))
    }

    /// Seconds since 01-01 00:00.
    pub fn seconds_of_year(self) -> u32 {
        self.0
    }

    /// `"MM-DD HH:MM[:SS]"` for `s` seconds since 01-01 00:00 (negative: 01-01 00:00).
    pub fn format_seconds_of_year(s: f64) -> String {
        format_seconds(s.max(0.0) as u64)
    }
}

impl std::fmt::Display for ClockTime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&format_seconds(u64::from(self.0)))
    }
}

/// Maps scenario time to clock time: where the scenario starts on the calendar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Calendar {
    start: ClockTime,
}

impl Calendar {
    /// A calendar whose scenario time zero is `start`.
    pub fn new(start: ClockTime) -> Self {
        Calendar { start }
    }

    /// The clock time of scenario start.
    pub fn start(&self) -> ClockTime {
        self.start
    }

    /// Scenario time of `t`, or `None` when `t` is before the start.
    pub fn offset(&self, t: ClockTime) -> Option<SimTime> {
        t.0.checked_sub(self.start.0)
            .map(|s| SimTime::from_secs(u64::from(s)))
    }

    /// Scenario time of clock seconds-of-year `s` (may be before the start: negative).
    pub fn offset_s(&self, seconds_of_year: f64) -> f64 {
        seconds_of_year - f64::from(self.start.0)
    }

    /// Time of day of scenario time `t`, as an offset from that day's midnight.
    pub fn time_of_day(&self, t: SimTime) -> SimTime {
        let us = u64::from(self.start.0) * 1_000_000 + t.as_micros().min(u64::MAX / 2);
        SimTime::from_micros(us % 86_400_000_000)
    }

    /// `"MM-DD HH:MM"` for scenario time `t` (seconds shown when not whole minutes).
    pub fn format(&self, t: SimTime) -> String {
        format_seconds(u64::from(self.start.0).saturating_add(t.as_micros() / 1_000_000))
    }

    /// [`Calendar::format`] for `s` seconds from the start (negative: before it, at most
    /// back to the year's start).
    pub fn format_offset_s(&self, s: f64) -> String {
        format_seconds((f64::from(self.start.0) + s).max(0.0) as u64)
    }
}

/// `"MM-DD HH:MM[:SS]"` for `total` seconds since 01-01 00:00. The year's last instant is
/// `12-31 24:00`, as scenarios write it; later times run on into the next year.
fn format_seconds(total: u64) -> String {
    const YEAR: u64 = 365 * 86_400;
    if total == YEAR {
        return "12-31 24:00".into();
    }
    let total = total % YEAR;
    let (mut day, rem) = (total / 86_400, total % 86_400);
    let mut month = 0;
    while month < 11 && day >= u64::from(DAYS_IN_MONTH[month]) {
        day -= u64::from(DAYS_IN_MONTH[month]);
        month += 1;
    }
    let (h, m, s) = (rem / 3600, rem % 3600 / 60, rem % 60);
    if s == 0 {
        format!("{:02}-{:02} {h:02}:{m:02}", month + 1, day + 1)
    } else {
        format!("{:02}-{:02} {h:02}:{m:02}:{s:02}", month + 1, day + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_formats_and_rejects() {
        let start = ClockTime::parse("11-10 18:00").unwrap();
        let cal = Calendar::new(start);
        let t = cal
            .offset(ClockTime::parse("11-11 00:05").unwrap())
            .unwrap();
        assert_eq!(t, SimTime::from_secs(6 * 3600 + 300));
        assert_eq!(cal.format(t), "11-11 00:05");
        assert_eq!(
            cal.format(SimTime::from_secs(30 * 3600 + 1)),
            "11-12 00:00:01"
        );
        assert_eq!(
            ClockTime::parse("11-10 24:00").unwrap(),
            ClockTime::parse("11-11 00:00").unwrap()
        );
        assert!(
            cal.offset(ClockTime::parse("11-10 17:59").unwrap())
                .is_none()
        );
        assert!(
            ClockTime::parse("11-31 10:00")
                .unwrap_err()
                .contains("no day 31")
        );
        assert!(
            ClockTime::parse("13-01 10:00")
                .unwrap_err()
                .contains("month 13")
        );
        assert!(
            ClockTime::parse("11-10 25:00")
                .unwrap_err()
                .contains("not a time of day")
        );
        assert!(
            ClockTime::parse("20:00")
                .unwrap_err()
                .contains("MM-DD HH:MM")
        );
    }

    #[test]
    fn the_years_end_reads_back_as_written() {
        let cal = Calendar::new(ClockTime::parse("12-31 18:00").unwrap());
        let end = cal
            .offset(ClockTime::parse("12-31 24:00").unwrap())
            .unwrap();
        assert_eq!(cal.format(end), "12-31 24:00");
        assert_eq!(cal.format(end + SimTime::from_secs(300)), "01-01 00:05");
        assert_eq!(cal.format_offset_s(-3600.0), "12-31 17:00");
    }
}
