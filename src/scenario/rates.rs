//! Validation of arrival rate sources (built-in shape, table, CSV of past counts, constant),
//! scaling, forecast error and the class mix.

use super::ScenarioError;
use super::clock::{Calendar, ClockTime};
use super::file::ArrivalsFile;
use super::validate::{Ctx, R};
use crate::arrivals::{Arrivals, MixPeriod, RateCurve, Segment, Shape};
use crate::engine::SimTime;

/// The largest sigma of the per-replication volume multiplier (`forecast_error_cv` at
/// most about 1.31).
pub const MAX_FORECAST_SIGMA: f64 = 1.0;

pub(crate) fn arrivals(
    raw: &ArrivalsFile,
    cal: &Calendar,
    horizon: SimTime,
    ctx: &Ctx<'_>,
) -> R<(Arrivals, Vec<String>)> {
    let h = horizon.as_secs_f64();
    let sources = [
        raw.shape.is_some(),
        raw.table.is_some(),
        raw.csv.is_some(),
        raw.constant_per_hour.is_some(),
    ];
    if sources.iter().filter(|s| **s).count() != 1 {
        return Err(ctx.err(
            "arrivals",
            "give exactly one rate source: shape, table, csv or constant_per_hour",
        ));
    }
    if raw.csv_column.is_some() && raw.csv.is_none() {
        return Err(ctx.err(
            "arrivals.csv_column",
            "names a column of `csv`, which is not given",
        ));
    }
    let mut notes = Vec::new();
    let scale = ctx.non_negative("arrivals.scale", raw.scale)?;
    let base = |ctx: &Ctx<'_>| -> R<f64> {
        let b = raw.base_per_hour.ok_or_else(|| {
            ctx.err(
                "arrivals.base_per_hour",
                "is required with a shape or a table (the normal-day mean inquiries per hour)",
            )
        })?;
        ctx.non_negative("arrivals.base_per_hour", b)
    };
    if raw.base_per_hour.is_some() && (raw.csv.is_some() || raw.constant_per_hour.is_some()) {
        return Err(ctx.err(
            "arrivals.base_per_hour",
            "applies only to a shape or a table",
        ));
    }
    if raw.forecast_total.is_some() && raw.csv.is_none() {
        return Err(ctx.err("arrivals.forecast_total", "applies only to a csv source"));
    }
    // (start_s, rate_per_s) breakpoints in scenario seconds; each holds until the next.
    let mut points: Vec<(f64, f64)> = Vec::new();
    if let Some(name) = &raw.shape {
        let shape = Shape::parse(name).ok_or_else(|| {
            ctx.err(
                "arrivals.shape",
                format!("unknown shape `{name}`; known: double11_midnight, double11_evening"),
            )
        })?;
        let per_s = base(ctx)? / 3600.0;
        let origin = cal.offset_s(f64::from(
            ClockTime::parse("11-10 18:00")
                .expect("static")
                .seconds_of_year(),
        ));
        points.push((f64::MIN, per_s));
        let pieces = shape.pieces();
        for (s, _, m) in &pieces {
            points.push((origin + f64::from(*s) * 60.0, per_s * m));
        }
        let last_end = pieces.last().map_or(0, |p| p.1);
        points.push((origin + f64::from(last_end) * 60.0, per_s));
    } else if let Some(rows) = &raw.table {
        let per_s = base(ctx)? / 3600.0;
        points.push((f64::MIN, 0.0));
        let mut prev = f64::MIN;
        for (i, (t, m)) in rows.iter().enumerate() {
            let key = format!("arrivals.table[{i}]");
            let at = cal.offset_s(f64::from(ctx.clock(&key, t)?.seconds_of_year()));
            if at <= prev {
                return Err(ctx.err(key, "table rows must be in strictly increasing time order"));
            }
            prev = at;
            points.push((at, per_s * ctx.non_negative(&format!("{key}[1]"), *m)?));
        }
    } else if let Some(path) = &raw.csv {
        let (p, n) = csv_points(
            path,
            raw.csv_column.as_deref(),
            raw.forecast_total,
            cal,
            horizon,
            ctx,
        )?;
        points = p;
        notes = n;
    } else if let Some(per_hour) = raw.constant_per_hour {
        points.push((
            f64::MIN,
            ctx.non_negative("arrivals.constant_per_hour", per_hour)? / 3600.0,
        ));
    }
    let mut segments: Vec<Segment> = Vec::new();
    for (i, &(s, rate)) in points.iter().enumerate() {
        let e = points.get(i + 1).map_or(f64::INFINITY, |p| p.0);
        let (a, b) = (s.max(0.0), e.min(h));
        if b > a {
            segments.push(Segment {
                start_s: a,
                end_s: b,
                rate_per_s: rate * scale,
            });
        }
    }
    if segments.first().is_none_or(|s| s.start_s > 0.0) {
        let first = segments.first().map_or(h, |s| s.start_s);
        segments.insert(
            0,
            Segment {
                start_s: 0.0,
                end_s: first,
                rate_per_s: 0.0,
            },
        );
    }
    let forecast_error_cv =
        ctx.non_negative("arrivals.forecast_error_cv", raw.forecast_error_cv)?;
    // the multiplier is log-normal with mean 1: past sigma 1 its median falls below 0.61
    // and a run's replications no longer average to the forecast
    let sigma = (1.0 + forecast_error_cv * forecast_error_cv).ln().sqrt();
    if sigma > MAX_FORECAST_SIGMA {
        return Err(ctx.err(
            "arrivals.forecast_error_cv",
            format!(
                "gives the volume multiplier (log-normal, mean 1) a sigma of {sigma:.2} and a \
                 median of {:.2e}: most replications would see a sliver of the forecast and a \
                 rare one all of it; the limit is sigma {MAX_FORECAST_SIGMA} (a cv of at most \
                 {:.2})",
                1.0 / (1.0 + forecast_error_cv * forecast_error_cv).sqrt(),
                (MAX_FORECAST_SIGMA.powi(2).exp() - 1.0).sqrt()
            ),
        ));
    }
    let mut mix = Vec::new();
    for (i, m) in raw.mix.iter().enumerate() {
        let key = format!("arrivals.mix[{i}]");
        let from = cal.offset_s(f64::from(
            ctx.clock(&format!("{key}.from"), &m.from)?
                .seconds_of_year(),
        ));
        let shares = [
            ctx.probability(&format!("{key}.pre_sale"), m.pre_sale)?,
            ctx.probability(&format!("{key}.in_sale"), m.in_sale)?,
            ctx.probability(&format!("{key}.after_sale"), m.after_sale)?,
        ];
        let sum: f64 = shares.iter().sum();
        if (sum - 1.0).abs() > 1e-6 {
            return Err(ctx.err(key, format!("shares must sum to 1, got {sum}")));
        }
        if mix.last().is_some_and(|p: &MixPeriod| p.from_s >= from) {
            return Err(ctx.err(
                format!("{key}.from"),
                "mix periods must be in strictly increasing time order",
            ));
        }
        mix.push(MixPeriod {
            from_s: from,
            shares,
        });
    }
    if let Some(first) = mix.first_mut() {
        first.from_s = first.from_s.min(0.0);
    }
    Ok((
        Arrivals {
            curve: RateCurve::new(segments),
            forecast_error_cv,
            mix,
        },
        notes,
    ))
}

/// `(time s, rate per s)` steps of a rate curve.
type RatePoints = Vec<(f64, f64)>;

pub(crate) fn csv_points(
    path: &str,
    column: Option<&str>,
    total: Option<f64>,
    cal: &Calendar,
    horizon: SimTime,
    ctx: &Ctx<'_>,
) -> R<(RatePoints, Vec<String>)> {
    let full = ctx.base_dir.join(path);
    let shown = full.display().to_string();
    let csv_err = |line: usize, rule: String| ScenarioError::Csv {
        file: shown.clone(),
        line,
        rule,
    };
    let counts = super::csv_import::read_counts(&full, column).map_err(|e| match e {
        super::csv_import::CountsError::Unreadable(e) => {
            ctx.err("arrivals.csv", format!("cannot read `{shown}`: {e}"))
        }
        super::csv_import::CountsError::Row(line, rule) => csv_err(line, rule),
    })?;
    let mut notes = counts.notes;
    notes.extend(counts.read.notes);
    let text_lines = counts.lines;
    let mut rows: Vec<(f64, f64)> = Vec::new();
    for (line_no, at, count) in counts.read.rows {
        if !count.is_finite() || count < 0.0 {
            return Err(csv_err(
                line_no,
                format!("count must be a finite number >= 0, got {count}"),
            ));
        }
        let at = cal.offset_s(f64::from(at.seconds_of_year()));
        if rows.last().is_some_and(|r| r.0 >= at) {
            return Err(csv_err(
                line_no,
                "interval starts must be in strictly increasing time order".into(),
            ));
        }
        rows.push((at, count));
    }
    if rows.len() < 2 {
        return Err(csv_err(
            text_lines.max(1),
            "needs at least two rows (an interval's end is the next row's start)".into(),
        ));
    }
    let last_len = rows[rows.len() - 1].0 - rows[rows.len() - 2].0;
    let sum: f64 = rows.iter().map(|r| r.1).sum();
    if !sum.is_finite() {
        return Err(ctx.err(
            "arrivals.csv",
            format!("`{shown}`: the counts add up to more than a number can hold"),
        ));
    }
    let (first, end) = (rows[0].0, rows[rows.len() - 1].0 + last_len);
    if end <= 0.0 || first >= horizon.as_secs_f64() {
        return Err(ctx.err(
            "arrivals.csv",
            format!(
                "`{shown}`: its rows ({} to {}) lie wholly outside the scenario ({} to {}): \
                 no arrivals would be drawn; check the dates or the scenario's start and end",
                cal.format_offset_s(first),
                cal.format_offset_s(end),
                cal.format(SimTime::ZERO),
                cal.format(horizon)
            ),
        ));
    }
    let factor = match total {
        Some(t) => {
            let t = ctx.non_negative("arrivals.forecast_total", t)?;
            if sum <= 0.0 {
                return Err(ctx.err(
                    "arrivals.forecast_total",
                    "cannot scale a CSV whose counts sum to 0",
                ));
            }
            t / sum
        }
        None => 1.0,
    };
    let mut points = vec![(f64::MIN, 0.0)];
    for (i, &(at, count)) in rows.iter().enumerate() {
        let len = rows.get(i + 1).map_or(last_len, |r| r.0 - at);
        points.push((at, count * factor / len));
    }
    points.push((rows[rows.len() - 1].0 + last_len, 0.0));
    Ok((points, notes))
}

#[cfg(test)]
mod tests {
    use super::super::csv_import::{delimiter, parse_count, parse_interval_start};
    use super::*;

    #[test]
    fn interval_starts_accept_a_year_slashes_and_seconds() {
        let want = ClockTime::parse("11-10 18:00").unwrap();
        for s in [
            "11-10 18:00",
            "2024-11-10 18:00",
            "2024/11/10 18:00",
            "11/10 18:00",
            "2024-11-10 18:00:00",
            "2024/11/10 18:00:00",
        ] {
            assert_eq!(parse_interval_start(s), Ok(want), "{s}");
        }
        assert_eq!(
            parse_interval_start("2024/11/10 8:00"),
            ClockTime::parse("11-10 08:00")
        );
        assert!(parse_interval_start("yesterday").is_err());
        assert!(parse_interval_start("2024-11 18:00").is_err());
    }

    #[test]
    fn counts_accept_thousands_separators() {
        assert_eq!(parse_count("1,050"), Some(1050.0));
        assert_eq!(parse_count("1 050"), Some(1050.0));
        assert_eq!(parse_count("12.5"), Some(12.5));
        assert_eq!(parse_count("咨询量"), None);
    }

    #[test]
    fn the_delimiter_follows_the_first_data_line() {
        assert_eq!(delimiter("时间;咨询量\n11-10 18:00;5\n"), b';');
        assert_eq!(delimiter("# a comment\n11-10 18:00,\"1,050\"\n"), b',');
        assert_eq!(delimiter("11-10 18:00;\"1,050\"\n"), b';');
        assert_eq!(delimiter("11-10 18:00\t5\n"), b'\t');
    }
}
