//! Validation of arrival rate sources (built-in shape, table, CSV of past counts, constant),
//! scaling, forecast error and the class mix.

use super::ScenarioError;
use super::clock::{Calendar, ClockTime};
use super::file::ArrivalsFile;
use super::validate::{Ctx, R};
use crate::arrivals::{Arrivals, MixPeriod, RateCurve, Segment, Shape};
use crate::engine::SimTime;

pub(crate) fn arrivals(
    raw: &ArrivalsFile,
    cal: &Calendar,
    horizon: SimTime,
    ctx: &Ctx<'_>,
) -> R<Arrivals> {
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
        points = csv_points(path, raw.forecast_total, cal, ctx)?;
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
    Ok(Arrivals {
        curve: RateCurve::new(segments),
        forecast_error_cv,
        mix,
    })
}

pub(crate) fn csv_points(
    path: &str,
    total: Option<f64>,
    cal: &Calendar,
    ctx: &Ctx<'_>,
) -> R<Vec<(f64, f64)>> {
    let full = ctx.base_dir.join(path);
    let shown = full.display().to_string();
    let text = std::fs::read_to_string(&full)
        .map_err(|e| ctx.err("arrivals.csv", format!("cannot read `{shown}`: {e}")))?;
    let csv_err = |line: usize, rule: String| ScenarioError::Csv {
        file: shown.clone(),
        line,
        rule,
    };
    let mut rows: Vec<(f64, f64)> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line_no = n + 1;
        let line = line.trim();
        if line.is_empty()
            || line.starts_with('#')
            || (rows.is_empty() && line.starts_with("interval_start"))
        {
            continue;
        }
        let (t, c) = line
            .split_once(',')
            .ok_or_else(|| csv_err(line_no, "expected `interval_start,count`".into()))?;
        let at = ClockTime::parse(t.trim()).map_err(|rule| csv_err(line_no, rule))?;
        let count: f64 = c
            .trim()
            .parse()
            .map_err(|_| csv_err(line_no, format!("count `{}` is not a number", c.trim())))?;
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
            text.lines().count(),
            "needs at least two rows (an interval's end is the next row's start)".into(),
        ));
    }
    let last_len = rows[rows.len() - 1].0 - rows[rows.len() - 2].0;
    let sum: f64 = rows.iter().map(|r| r.1).sum();
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
    Ok(points)
}
