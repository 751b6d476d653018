//! `d11sim forecast`: re-forecasts the rest of the night from the arrivals so far, or
//! back-tests the method on whole days.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use d11sim::forecast::backtest::{self, Point};
use d11sim::forecast::{self, Curve, Update};
use d11sim::scenario::clock::ClockTime;
use d11sim::scenario::read_count_file;

use crate::Failure;

#[derive(clap::Args)]
pub(crate) struct ForecastArgs {
    /// The planned curve: arrivals per interval (the CSV form a scenario's `arrivals.csv`
    /// reads: interval start, count).
    #[arg(long, value_name = "PLAN.csv")]
    plan: PathBuf,
    /// The plan's count column, where its file has more than one.
    #[arg(long, value_name = "COLUMN")]
    plan_column: Option<String>,
    /// The arrivals so far, in the same form. With --backtest: whole days, one file each.
    #[arg(long, value_name = "SO_FAR.csv", required = true, num_args = 1..)]
    observed: Vec<PathBuf>,
    /// The observed files' count column, where they have more than one.
    #[arg(long, value_name = "COLUMN")]
    observed_column: Option<String>,
    /// The update time, "MM-DD HH:MM": the observed rows up to it are used, the row under
    /// way counting its arrivals up to it. Required unless --backtest.
    #[arg(long, value_name = "MM-DD HH:MM")]
    at: Option<String>,
    /// How far the plan's volume may miss before anything is seen, as a coefficient of
    /// variation (0.25: the night runs within about +-50% of the plan 95 times in 100).
    #[arg(long, default_value_t = forecast::DEFAULT_PRIOR_CV, value_name = "CV")]
    plan_cv: f64,
    /// Back-test instead: forecast the rest of each observed day at every update time,
    /// three ways (the plan alone, the plain run-rate, the update), against what came.
    #[arg(long)]
    backtest: bool,
    /// Minutes between update times in a back-test.
    #[arg(long, default_value_t = 60, value_name = "MIN",
          value_parser = clap::value_parser!(u64).range(1..=1440))]
    every: u64,
    /// Folder for forecast.csv and forecast.json (backtest.csv and backtest.json with
    /// --backtest); created if missing.
    #[arg(short, long)]
    out: PathBuf,
    /// Print nothing on stdout.
    #[arg(short, long)]
    quiet: bool,
}

/// Reads a count file as a curve; one row lasts `single_len_s` (the plan's needs two).
fn curve(
    path: &Path,
    column: Option<&str>,
    single_len_s: Option<f64>,
) -> Result<(Curve, Vec<String>), Failure> {
    let file = read_count_file(path, column).map_err(Failure::BadInput)?;
    let rows: Vec<(f64, f64)> = file.rows.iter().map(|r| (r.1, r.2)).collect();
    if rows.len() < 2 && single_len_s.is_none() {
        return Err(Failure::BadInput(format!(
            "{}:{}: needs at least two rows (an interval's end is the next row's start)",
            path.display(),
            file.rows[0].0
        )));
    }
    let last = (rows.len() < 2).then_some(single_len_s).flatten();
    Ok((Curve::from_rows(&rows, last), file.notes))
}

/// Reads the arrivals so far as a curve (read once): a lone row runs to `at`, the update
/// time in seconds since 01-01 00:00.
pub(crate) fn observed(
    path: &Path,
    column: Option<&str>,
    at: f64,
) -> Result<(Curve, Vec<String>), Failure> {
    let file = read_count_file(path, column).map_err(Failure::BadInput)?;
    let rows: Vec<(f64, f64)> = file.rows.iter().map(|r| (r.1, r.2)).collect();
    let single = (rows.len() < 2).then(|| (at - rows[0].0).max(1.0));
    Ok((Curve::from_rows(&rows, single), file.notes))
}

fn clock(s: f64) -> String {
    ClockTime::format_seconds_of_year(s)
}

/// Checks that `day` overlaps `plan`, naming the file.
fn overlaps(plan: &Curve, day: &Curve, path: &Path, plan_path: &Path) -> Result<(), Failure> {
    if day.end_s() <= plan.start_s() || day.start_s() >= plan.end_s() {
        return Err(Failure::BadInput(format!(
            "{}: its rows ({} to {}) lie wholly outside the plan {} ({} to {}); check the dates",
            path.display(),
            clock(day.start_s()),
            clock(day.end_s()),
            plan_path.display(),
            clock(plan.start_s()),
            clock(plan.end_s())
        )));
    }
    Ok(())
}

/// Runs `forecast`.
pub(crate) fn forecast(args: &ForecastArgs) -> Result<(), Failure> {
    if !(args.plan_cv > 0.0 && args.plan_cv <= 2.0) {
        return Err(Failure::BadInput(format!(
            "--plan-cv must be above 0 and at most 2, got {}",
            args.plan_cv
        )));
    }
    crate::check_out(&args.out)?;
    let (plan, mut notes) = curve(&args.plan, args.plan_column.as_deref(), None)?;
    if args.backtest {
        if args.at.is_some() {
            return Err(Failure::BadInput(
                "--at does not apply to --backtest (it updates every --every minutes)".into(),
            ));
        }
        return run_backtest(args, &plan, notes);
    }
    let Some(at) = &args.at else {
        return Err(Failure::BadInput(
            "--at is required: the update time, e.g. --at \"11-10 23:40\"".into(),
        ));
    };
    let at = f64::from(
        ClockTime::parse(at)
            .map_err(|e| Failure::BadInput(format!("--at: {e}")))?
            .seconds_of_year(),
    );
    if at < plan.start_s() || at >= plan.end_s() {
        return Err(Failure::BadInput(format!(
            "--at {} is outside the plan {} ({} to {})",
            clock(at),
            args.plan.display(),
            clock(plan.start_s()),
            clock(plan.end_s())
        )));
    }
    if args.observed.len() != 1 {
        return Err(Failure::BadInput(
            "give one --observed file (several only with --backtest)".into(),
        ));
    }
    let path = &args.observed[0];
    let (day, more) = observed(path, args.observed_column.as_deref(), at)?;
    notes.extend(more);
    overlaps(&plan, &day, path, &args.plan)?;
    let seen = day.until(at);
    if seen.steps().is_empty() {
        return Err(Failure::BadInput(format!(
            "{}: no row starts before --at {} (its first is {})",
            path.display(),
            clock(at),
            clock(day.start_s())
        )));
    }
    let later = day.steps().len() - seen.steps().len();
    if later > 0 {
        notes.push(format!(
            "{}: {later} rows at or after --at {} are not used",
            path.display(),
            clock(at)
        ));
    }
    let u = Update::new(&plan, &seen, args.plan_cv);
    let rows = forecast::rest(&plan, at, &u);
    let plan_rest: f64 = rows.iter().map(|r| r.plan).sum();
    let span: Vec<(f64, f64)> = rows
        .iter()
        .map(|r| (r.plan, ((r.start_s + r.end_s) / 2.0 - at) / 3600.0))
        .collect();
    let total = u.predict_span(&span);
    crate::staged(&args.out, |dir| {
        write(dir, "forecast.csv", &rest_csv(&rows))?;
        write(
            dir,
            "forecast.json",
            &rest_json(at, &u, plan.end_s(), plan_rest, total, &notes),
        )
    })?;
    if !args.quiet {
        for n in &notes {
            outln!("note: {n}");
        }
        outln!(
            "re-forecast at {}: {:.0} arrivals so far against {:.0} planned (run-rate {:.2}, \
             dispersion {:.1}, {})",
            clock(at),
            u.observed,
            u.plan_so_far,
            u.run_rate(),
            u.dispersion,
            if u.discount < 1.0 {
                format!(
                    "the ratio drifts: each hour-old interval keeps {:.0}% of its weight",
                    100.0 * u.discount
                )
            } else {
                "no drift in the ratio".to_string()
            }
        );
        outln!(
            "the rest of the plan ({} to {}) runs at {:.2}x the plan [{:.2}, {:.2}] (90%): \
             {:.0} arrivals [{:.0}, {:.0}] against {:.0} planned",
            clock(at),
            clock(plan.end_s()),
            u.ratio(),
            u.ratio_quantile(0.05),
            u.ratio_quantile(0.95),
            total.mean,
            total.quantile(0.05),
            total.quantile(0.95),
            plan_rest
        );
        outln!("wrote {}", args.out.display());
    }
    Ok(())
}

fn write(dir: &Path, name: &str, text: &str) -> Result<(), Failure> {
    std::fs::write(dir.join(name), text)
        .map_err(|e| Failure::Internal(format!("cannot write {name}: {e}")))
}

/// forecast.csv: the rest of the night row by row, readable as a scenario's arrivals
/// (`csv_column = "forecast"`).
fn rest_csv(rows: &[forecast::Row]) -> String {
    let mut s = String::from("interval_start,plan,forecast,low_90,high_90,low_50,high_50\n");
    for r in rows {
        let f = &r.forecast;
        let _ = writeln!(
            s,
            "{},{:.3},{:.3},{},{},{},{}",
            clock(r.start_s),
            r.plan,
            f.mean,
            f.quantile(0.05),
            f.quantile(0.95),
            f.quantile(0.25),
            f.quantile(0.75)
        );
    }
    s
}

fn rest_json(
    at: f64,
    u: &Update,
    end: f64,
    plan_rest: f64,
    total: forecast::Prediction,
    notes: &[String],
) -> String {
    let v = serde_json::json!({
        "version": 1,
        "method": "gamma-poisson",
        "at": clock(at),
        "prior_cv": u.prior_cv,
        "observed": u.observed,
        "plan_so_far": u.plan_so_far,
        "intervals": u.intervals,
        "run_rate": u.run_rate(),
        "dispersion": u.dispersion,
        "discount_per_hour": u.discount,
        "weight_on_run_rate": u.weight(),
        "ratio": {
            "mean": u.ratio(),
            "low_90": u.ratio_quantile(0.05),
            "high_90": u.ratio_quantile(0.95),
            "gamma_shape": u.shape,
            "gamma_rate": u.rate,
        },
        "rest": {
            "from": clock(at),
            "to": clock(end),
            "plan": plan_rest,
            "forecast": total.mean,
            "low_90": total.quantile(0.05),
            "high_90": total.quantile(0.95),
        },
        "notes": notes,
    });
    serde_json::to_string_pretty(&v).unwrap_or_default() + "\n"
}

fn run_backtest(args: &ForecastArgs, plan: &Curve, mut notes: Vec<String>) -> Result<(), Failure> {
    let mut points: Vec<(String, Point)> = Vec::new();
    for path in &args.observed {
        let (day, more) = curve(path, args.observed_column.as_deref(), None)?;
        notes.extend(more);
        overlaps(plan, &day, path, &args.plan)?;
        let name = path.display().to_string();
        let every = args.every as f64 * 60.0;
        points.extend(
            backtest::day(plan, &day, every, args.plan_cv)
                .into_iter()
                .map(|p| (name.clone(), p)),
        );
    }
    let all: Vec<Point> = points.iter().map(|p| p.1.clone()).collect();
    let summary = backtest::summarize(&all);
    let mut csv = String::from(
        "day,at,actual,plan,run_rate,forecast,low_90,high_90,ape_plan,ape_run_rate,\
         ape_forecast,wape_plan,wape_run_rate,wape_forecast,dispersion,discount_per_hour\n",
    );
    for (day, p) in &points {
        let ape = p.ape().map_or([f64::NAN; 3], |a| a);
        let _ = writeln!(
            csv,
            "{},{},{:.0},{:.1},{:.1},{:.1},{},{},{:.4},{:.4},{:.4},{:.4},{:.4},{:.4},{:.3},{}",
            d11sim::output::csv_field(day),
            clock(p.at_s),
            p.actual,
            p.plan,
            p.run_rate,
            p.update.mean,
            p.band.0,
            p.band.1,
            ape[0],
            ape[1],
            ape[2],
            p.wape[0],
            p.wape[1],
            p.wape[2],
            p.dispersion,
            p.discount
        );
    }
    let rows: Vec<serde_json::Value> = summary
        .iter()
        .map(|s| {
            serde_json::json!({
                "at": clock(s.at_s),
                "days": s.days,
                "mape": {"plan": s.mape[0], "run_rate": s.mape[1], "forecast": s.mape[2]},
                "wape": {"plan": s.wape[0], "run_rate": s.wape[1], "forecast": s.wape[2]},
                "rmse": {"plan": s.rmse[0], "run_rate": s.rmse[1], "forecast": s.rmse[2]},
                "ape_forecast_less_run_rate": s.ape_vs_run_rate.as_ref().map(|e| serde_json::json!({
                    "mean": e.mean, "ci95_low": e.ci_low, "ci95_high": e.ci_high,
                })),
                "covered_90": s.covered,
            })
        })
        .collect();
    let json = serde_json::json!({
        "version": 1,
        "method": "gamma-poisson",
        "prior_cv": args.plan_cv,
        "every_min": args.every,
        "days": args.observed.len(),
        "by_update_time": rows,
        "notes": notes,
    });
    crate::staged(&args.out, |dir| {
        write(dir, "backtest.csv", &csv)?;
        write(
            dir,
            "backtest.json",
            &(serde_json::to_string_pretty(&json).unwrap_or_default() + "\n"),
        )
    })?;
    if !args.quiet {
        for n in &notes {
            outln!("note: {n}");
        }
        outln!(
            "rest-of-day error (mean absolute % of the rest's total) over {} days:",
            args.observed.len()
        );
        outln!(
            "{:<14} {:>5} {:>8} {:>9} {:>9} {:>27} {:>11}",
            "update at",
            "days",
            "plan",
            "run-rate",
            "forecast",
            "forecast - run-rate [95%]",
            "90% covers"
        );
        for s in &summary {
            let diff = s.ape_vs_run_rate.as_ref().map_or(String::new(), |e| {
                format!(
                    "{:+.2} [{:+.2}, {:+.2}]",
                    100.0 * e.mean,
                    100.0 * e.ci_low,
                    100.0 * e.ci_high
                )
            });
            outln!(
                "{:<14} {:>5} {:>7.2}% {:>8.2}% {:>8.2}% {:>27} {:>10.0}%",
                clock(s.at_s),
                s.days,
                100.0 * s.mape[0],
                100.0 * s.mape[1],
                100.0 * s.mape[2],
                diff,
                100.0 * s.covered
            );
        }
        outln!("wrote {}", args.out.display());
    }
    Ok(())
}
