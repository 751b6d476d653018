//! Calendar times in logs: dates and date-times in the forms back offices export, as
//! seconds since 1970-01-01 00:00 of the store's local clock (the proleptic Gregorian
//! calendar, no time zone).

/// The years a log's dates may lie in.
pub const YEARS: std::ops::RangeInclusive<i64> = 1970..=2200;

/// Seconds since 1970 of 2201-01-01: a time at or past it is out of [`YEARS`].
pub const END_S: f64 = 7_289_654_400.0;

/// Days since 1970-01-01 of a calendar date (`month` 1-12, `day` 1-31 already checked).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    // March-based years put the leap day last, so a year's day count is a closed form.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The calendar date `(year, month, day)` of days since 1970-01-01.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// `YYYY-MM-DD` of days since 1970-01-01.
pub fn format_date(days: i64) -> String {
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// `YYYY-MM-DD HH:MM:SS` of seconds since 1970, with milliseconds when not whole.
pub fn format_datetime(t: f64) -> String {
    let ms = (t * 1000.0).round() as i64;
    let days = ms.div_euclid(86_400_000);
    let rest = ms.rem_euclid(86_400_000);
    let (h, m, s, frac) = (
        rest / 3_600_000,
        rest / 60_000 % 60,
        rest / 1000 % 60,
        rest % 1000,
    );
    if frac == 0 {
        format!("{} {h:02}:{m:02}:{s:02}", format_date(days))
    } else {
        format!("{} {h:02}:{m:02}:{s:02}.{frac:03}", format_date(days))
    }
}

/// Parses a date: `2025-11-10`, `2025/11/10`, `2025.11.10`, `20251110` or `2025年11月10日`;
/// days since 1970-01-01.
pub fn parse_date(s: &str) -> Result<i64, String> {
    let s = s.trim();
    let bad = || format!("`{s}` is not a date like 2025-11-10");
    let (y, m, d): (i64, u32, u32) = if s.len() == 8 && s.bytes().all(|b| b.is_ascii_digit()) {
        (
            s[..4].parse().map_err(|_| bad())?,
            s[4..6].parse().map_err(|_| bad())?,
            s[6..].parse().map_err(|_| bad())?,
        )
    } else {
        let cleaned: String = s
            .chars()
            .map(|c| match c {
                '/' | '.' | '年' | '月' => '-',
                '日' => ' ',
                c => c,
            })
            .collect();
        let parts: Vec<&str> = cleaned.trim().split('-').collect();
        if parts.len() != 3 {
            return Err(bad());
        }
        (
            parts[0].trim().parse().map_err(|_| bad())?,
            parts[1].trim().parse().map_err(|_| bad())?,
            parts[2].trim().parse().map_err(|_| bad())?,
        )
    };
    if !(YEARS).contains(&y) {
        return Err(format!(
            "`{s}`: year {y} is outside {}-{}",
            YEARS.start(),
            YEARS.end()
        ));
    }
    if !(1..=12).contains(&m) {
        return Err(format!("`{s}`: month {m} is not 1-12"));
    }
    if d == 0 || d > days_in_month(y, m) {
        return Err(format!("`{s}`: {y}-{m:02} has no day {d}"));
    }
    Ok(days_from_civil(y, m, d))
}

/// Parses a time of day `H:MM`, `H:MM:SS` or `H:MM:SS.fff` into seconds; hours may pass
/// 24 (a night's `25:30` is 01:30 the next day).
pub fn parse_clock(s: &str) -> Result<f64, String> {
    let s = s.trim();
    let bad = || format!("`{s}` is not a time of day like 18:05:30");
    let parts: Vec<&str> = s.split(':').collect();
    if !(2..=3).contains(&parts.len()) {
        return Err(bad());
    }
    let h: u32 = parts[0].trim().parse().map_err(|_| bad())?;
    let m: u32 = parts[1].trim().parse().map_err(|_| bad())?;
    let sec: f64 = match parts.get(2) {
        Some(p) => p.trim().parse().map_err(|_| bad())?,
        None => 0.0,
    };
    if m > 59 || !(0.0..60.0).contains(&sec) || !sec.is_finite() {
        return Err(bad());
    }
    Ok(f64::from(h) * 3600.0 + f64::from(m) * 60.0 + sec)
}

/// Parses a date-time: a date (any form [`parse_date`] reads) and a time of day separated
/// by a space or `T`; seconds since 1970.
pub fn parse_datetime(s: &str) -> Result<f64, String> {
    let s = s.trim();
    if let Some(t) = iso_fast(s.as_bytes()) {
        return Ok(t);
    }
    let (date, clock) = s
        .split_once(['T', ' '])
        .ok_or_else(|| format!("`{s}` is not a date and time like 2025-11-10 18:05:30"))?;
    let days = parse_date(date)?;
    let secs = parse_clock(clock)?;
    if secs > 86_400.0 {
        return Err(format!("`{s}`: the time of day is past 24:00"));
    }
    Ok(days as f64 * 86_400.0 + secs)
}

/// `YYYY-MM-DD HH:MM:SS[.fff]` (the log's own form) read without allocating; `None` for
/// any other form or an impossible date or time (the general reader then says why).
fn iso_fast(b: &[u8]) -> Option<f64> {
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b' ' | b'T') {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        b[r].iter().try_fold(0u32, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
        })
    };
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let frac = match b.get(19) {
        None => 0.0,
        Some(b'.') if b.len() > 20 => {
            let digits = &b[20..];
            if !digits.iter().all(u8::is_ascii_digit) || digits.len() > 9 {
                return None;
            }
            let v = digits
                .iter()
                .fold(0u64, |acc, &c| acc * 10 + u64::from(c - b'0'));
            v as f64 / 10f64.powi(digits.len() as i32)
        }
        Some(_) => return None,
    };
    if !(1..=12).contains(&mo) || d == 0 || d > days_in_month(i64::from(y), mo) {
        return None;
    }
    if !YEARS.contains(&i64::from(y)) {
        return None;
    }
    if h > 23 || mi > 59 || sec > 59 {
        return None;
    }
    let days = days_from_civil(i64::from(y), mo, d);
    Some(days as f64 * 86_400.0 + f64::from(h * 3600 + mi * 60 + sec) + frac)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_days_round_trip_over_four_centuries() {
        for days in (-200_000..200_000).step_by(7) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
    }

    #[test]
    fn datetimes_read_in_every_form_and_write_back() {
        let t = parse_datetime("2025-11-10 18:05:30").unwrap();
        assert_eq!(format_datetime(t), "2025-11-10 18:05:30");
        assert_eq!(parse_datetime("2025/11/10 18:05:30").unwrap(), t);
        assert_eq!(parse_datetime("2025年11月10日 18:05:30").unwrap(), t);
        assert_eq!(parse_datetime("2025-11-10T18:05:30").unwrap(), t);
        let f = parse_datetime("2025-11-10 18:05:30.250").unwrap();
        assert_eq!(format_datetime(f), "2025-11-10 18:05:30.250");
        // the fast path and the general reader agree
        assert_eq!(iso_fast(b"2025-11-10 18:05:30.25"), Some(f));
        assert_eq!(iso_fast(b"2025-11-10 24:00:00"), None);
        assert!(parse_datetime("2025-11-10 24:00:00").is_ok());
        assert_eq!(iso_fast(b"2025-02-29 00:00:00"), None);
        assert!(parse_datetime("2025-02-29 00:00").is_err());
        assert!(parse_datetime("2024-02-29 00:00").is_ok());
        assert!(parse_datetime("2025-11-10 18:61").is_err());
        assert!(parse_datetime("yesterday").is_err());
    }
}
