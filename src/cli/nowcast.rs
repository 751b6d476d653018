//! `d11sim nowcast`: the next hours from the live state, for doing nothing and for each
//! move, with prediction bands and paired differences.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use d11sim::forecast::Update;
use d11sim::nowcast::{self, KPIS, moves};
use d11sim::scenario::Scenario;
use d11sim::state::{LiveState, Warm};

use crate::Failure;

#[derive(clap::Args)]
pub(crate) struct NowcastArgs {
    /// Scenario file (TOML): the roster, routing and laws of the night; the embedded
    /// default when omitted. Its arrival curve is the plan the re-forecast starts from.
    scenario: Option<PathBuf>,
    /// The live state (docs/state-format.md): agents on duty with their chats, customers
    /// waiting, 留言, the time.
    #[arg(long, value_name = "STATE.json")]
    state: PathBuf,
    /// The arrivals so far (interval start, count; the form `forecast` reads).
    #[arg(long, value_name = "SO_FAR.csv")]
    observed: PathBuf,
    /// The observed file's count column, where it has more than one.
    #[arg(long, value_name = "COLUMN")]
    observed_column: Option<String>,
    /// The moves to weigh (TOML, `[[move]]`; docs/state-format.md).
    #[arg(long, value_name = "MOVES.toml")]
    moves: Option<PathBuf>,
    /// Folder for nowcast.csv and nowcast.json (created if missing).
    #[arg(short, long)]
    out: PathBuf,
    /// Replications per move (the same random numbers for every move).
    #[arg(short, long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(2..=100_000))]
    replications: u64,
    /// Hours ahead to report.
    #[arg(long, default_value_t = 3.0)]
    hours: f64,
    /// The plan's coefficient of variation before anything is seen (the re-forecast's
    /// prior; see `forecast`).
    #[arg(long, default_value_t = d11sim::forecast::DEFAULT_PRIOR_CV, value_name = "CV")]
    plan_cv: f64,
    /// Master seed.
    #[arg(short, long, default_value_t = 20_261_111)]
    seed: u64,
    /// Worker threads (default: all cores); results do not depend on it.
    #[arg(short, long, value_parser = clap::value_parser!(u64).range(1..=1024))]
    threads: Option<u64>,
    /// Also write the war-room page here (index.html, report.md, PNG charts).
    #[arg(long, value_name = "DIR")]
    report: Option<PathBuf>,
    /// Language of the page: `en` or `zh`.
    #[arg(long, default_value = "en", value_name = "en|zh")]
    lang: d11sim::report::Lang,
    /// Print nothing on stdout.
    #[arg(short, long)]
    quiet: bool,
}

/// Per move, per replication finished: the KPI rows of the window.
type Rows = Vec<[f64; 5]>;

/// Runs `nowcast`.
pub(crate) fn nowcast(args: &NowcastArgs) -> Result<(), Failure> {
    if !(args.hours > 0.0 && args.hours <= 48.0) {
        return Err(Failure::BadInput(format!(
            "--hours must be above 0 and at most 48, got {}",
            args.hours
        )));
    }
    if !(args.plan_cv > 0.0 && args.plan_cv <= 2.0) {
        return Err(Failure::BadInput(format!(
            "--plan-cv must be above 0 and at most 2, got {}",
            args.plan_cv
        )));
    }
    crate::check_out(&args.out)?;
    crate::check_apart(Some(&args.out), args.report.as_deref())?;
    if let Some(dir) = &args.report {
        d11sim::output::staged::check(dir)
            .map_err(|e| Failure::BadInput(format!("--report {e}")))?;
    }
    let plans = crate::load(args.scenario.as_ref())?;
    let sc = &plans[0].scenario;
    let shown = args.state.display().to_string();
    let text = d11sim::input::read_capped(&args.state, d11sim::input::MAX_TOML_BYTES)
        .map_err(|e| Failure::BadInput(format!("{shown}: cannot read: {e}")))?;
    let text = String::from_utf8(text)
        .map_err(|_| Failure::BadInput(format!("{shown}: is not UTF-8 text")))?;
    let state = LiveState::parse(&text, &shown).map_err(Failure::BadInput)?;
    let warm = state.resolve(sc, &shown).map_err(Failure::BadInput)?;
    let at_clock = f64::from(sc.calendar.start().seconds_of_year()) + warm.at.as_secs_f64();
    let (day, _) =
        crate::cli::forecast::observed(&args.observed, args.observed_column.as_deref(), at_clock)?;
    let seen = day.until(at_clock);
    if seen.steps().is_empty() {
        return Err(Failure::BadInput(format!(
            "{}: no row starts before the state's moment {}",
            args.observed.display(),
            state.at
        )));
    }
    let plan = nowcast::plan_curve(sc);
    let update = Update::new(&plan, &seen, args.plan_cv);
    let mut options: Vec<(String, Scenario)> = vec![("no move".into(), sc.clone())];
    if let Some(path) = &args.moves {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Failure::BadInput(format!("{}: cannot read: {e}", path.display())))?;
        let loaded = moves::load(&text, &path.display().to_string(), sc, warm.at)
            .map_err(Failure::BadInput)?;
        options.extend(loaded.into_iter().map(|m| (m.name, m.scenario)));
    }
    let (from, to) = nowcast::window(sc, warm.at, args.hours);
    for (_, s) in &mut options {
        *s = nowcast::cut(s, warm.at, args.hours).0;
    }
    let warms: Vec<Warm> = options
        .iter()
        .map(|(_, s)| state.resolve(s, &shown))
        .collect::<Result<_, _>>()
        .map_err(Failure::BadInput)?;
    let results = simulate(args, &options, &warms, &update, from, to)?;
    let finished = results[0].len();
    let names: Vec<String> = options.iter().map(|o| o.0.clone()).collect();
    let view = view(sc, &state.at, &names, &results, from, &update);
    let table = tables(&view);
    let answer = d11sim::report::nowcast::answer(&view, d11sim::report::Lang::En);
    crate::staged(&args.out, |dir| {
        let w = |name: &str, text: &str| {
            std::fs::write(dir.join(name), text)
                .map_err(|e| Failure::Internal(format!("cannot write {name}: {e}")))
        };
        w("nowcast.csv", &table.csv)?;
        let json = serde_json::json!({
            "version": 1,
            "at": state.at,
            "replications": finished,
            "seed": args.seed,
            "forecast": {
                "observed": update.observed,
                "plan_so_far": update.plan_so_far,
                "run_rate": update.run_rate(),
                "ratio": update.ratio(),
                "ratio_low_90": update.ratio_quantile(0.05),
                "ratio_high_90": update.ratio_quantile(0.95),
            },
            "moves": names,
            "answer": answer,
            "rows": table.json,
        });
        w(
            "nowcast.json",
            &(serde_json::to_string_pretty(&json).unwrap_or_default() + "\n"),
        )
    })?;
    if let Some(dir) = &args.report {
        crate::staged(dir, |d| {
            let page = d11sim::report::nowcast::nowcast_page(d, &view, args.lang)
                .map_err(Failure::Internal)?;
            d11sim::report::write_page(d, &page)
                .map_err(|e| Failure::Internal(format!("{}: cannot write: {e}", dir.display())))
        })?;
    }
    if !args.quiet {
        outln!("{answer}");
        outln!(
            "arrivals re-forecast at {:.2}x the plan [{:.2}, {:.2}] from {:.0} so far against {:.0} planned",
            update.ratio(),
            update.ratio_quantile(0.05),
            update.ratio_quantile(0.95),
            update.observed,
            update.plan_so_far
        );
        out!("{}", table.text);
        outln!(
            "wrote {} ({finished} replications per move)",
            args.out.display()
        );
    }
    if finished < args.replications as usize {
        return Err(Failure::Interrupted(format!(
            "{finished} of {} replications per move finished; their outputs are written",
            args.replications
        )));
    }
    Ok(())
}

/// Runs every move's replications on the worker threads; on Ctrl-C the replications that
/// finished for every move are kept.
fn simulate(
    args: &NowcastArgs,
    options: &[(String, Scenario)],
    warms: &[Warm],
    update: &Update,
    from: usize,
    to: usize,
) -> Result<Vec<Vec<Rows>>, Failure> {
    let n = args.replications;
    let moves = options.len() as u64;
    let total = n * moves;
    let next = AtomicU64::new(0);
    let done: Mutex<Vec<Vec<Option<Rows>>>> =
        Mutex::new(vec![vec![None; n as usize]; options.len()]);
    let failed: Mutex<Option<String>> = Mutex::new(None);
    let bar = crate::progress(total);
    let threads = args.threads.map_or_else(
        || std::thread::available_parallelism().map_or(1, |p| p.get()),
        |t| t as usize,
    );
    std::thread::scope(|s| {
        for _ in 0..threads.min(total as usize).max(1) {
            s.spawn(|| {
                loop {
                    // replication by replication, every move of one before the next
                    let k = next.fetch_add(1, Ordering::SeqCst);
                    if k >= total || d11sim::replicate::interrupted() {
                        break;
                    }
                    let (i, m) = (k / moves, (k % moves) as usize);
                    let theta = nowcast::volume(update, args.hours, args.seed, i);
                    match d11sim::model::run_warm(
                        &options[m].1,
                        args.seed,
                        i,
                        &warms[m],
                        Some(theta),
                    ) {
                        Ok(r) => {
                            done.lock().expect("nowcast results")[m][i as usize] =
                                Some(nowcast::kpis(&r, from, to));
                        }
                        Err(e) => {
                            *failed.lock().expect("nowcast failure") = Some(e.to_string());
                            d11sim::replicate::interrupt();
                        }
                    }
                    bar.inc(1);
                }
            });
        }
    });
    bar.finish_and_clear();
    if let Some(e) = failed.into_inner().expect("nowcast failure") {
        return Err(Failure::Exhausted(e));
    }
    let done = done.into_inner().expect("nowcast results");
    // the replications every move finished, in order
    let complete = (0..n as usize)
        .take_while(|&i| done.iter().all(|m| m[i].is_some()))
        .count();
    if complete < 2 {
        return Err(Failure::Interrupted(
            "before two replications of every move finished; nothing written".into(),
        ));
    }
    Ok(done
        .into_iter()
        .map(|m| {
            m.into_iter()
                .take(complete)
                .map(|r| r.expect("finished"))
                .collect()
        })
        .collect())
}

struct Tables {
    text: String,
    csv: String,
    json: Vec<serde_json::Value>,
}

/// The bands and paired differences of every move, interval and KPI.
fn view<'a>(
    sc: &Scenario,
    at: &'a str,
    names: &'a [String],
    results: &[Vec<Rows>],
    from: usize,
    update: &Update,
) -> d11sim::report::nowcast::Nowcast<'a> {
    let intervals = results[0][0].len();
    let step = sc.interval;
    let label = |k: usize| {
        let start = d11sim::engine::SimTime::from_micros((from + k) as u64 * step.as_micros());
        let clock = sc.calendar.time_of_day(start).as_secs_f64();
        let text = format!(
            "{}-{}",
            sc.calendar.format(start),
            &sc.calendar.format(start + step)[6..]
        );
        (text, clock)
    };
    let column = |m: usize, k: usize, kpi: usize| -> Vec<f64> {
        results[m].iter().map(|r| r[k][kpi]).collect()
    };
    let bands = (0..names.len())
        .map(|m| {
            (0..intervals)
                .map(|k| std::array::from_fn(|kpi| nowcast::band(&column(m, k, kpi), 0.05)))
                .collect()
        })
        .collect();
    let diffs = (0..names.len())
        .map(|m| {
            (0..intervals)
                .map(|k| {
                    std::array::from_fn(|kpi| {
                        (m > 0)
                            .then(|| nowcast::paired(&column(m, k, kpi), &column(0, k, kpi)))
                            .flatten()
                    })
                })
                .collect()
        })
        .collect();
    d11sim::report::nowcast::Nowcast {
        at,
        replications: results[0].len(),
        moves: names,
        intervals: (0..intervals).map(label).collect(),
        bands,
        diffs,
        ratio: (
            update.ratio(),
            update.ratio_quantile(0.05),
            update.ratio_quantile(0.95),
        ),
        observed: (update.observed, update.plan_so_far),
    }
}

/// The terminal's table, nowcast.csv and nowcast.json's rows.
fn tables(v: &d11sim::report::nowcast::Nowcast) -> Tables {
    let mut csv =
        String::from("move,interval,kpi,mean,low_90,high_90,diff_mean,diff_low_95,diff_high_95\n");
    let mut json = Vec::new();
    let mut text = String::new();
    let _ = writeln!(
        text,
        "{:<18} {:<24} {:>18} {:>18} {:>12}",
        "interval", "move", "backlog", "avg response s", "abandonment"
    );
    for (k, (label, _)) in v.intervals.iter().enumerate() {
        for (m, name) in v.moves.iter().enumerate() {
            for (kpi, key) in KPIS.iter().enumerate() {
                let b = v.bands[m][k][kpi];
                let d = &v.diffs[m][k][kpi];
                let f = |x: Option<f64>| x.map_or(String::new(), |v| format!("{v:.4}"));
                let _ = writeln!(
                    csv,
                    "{},{label},{key},{},{},{},{},{},{}",
                    d11sim::output::csv_field(name),
                    f(b.map(|b| b.0)),
                    f(b.map(|b| b.1)),
                    f(b.map(|b| b.2)),
                    f(d.as_ref().map(|d| d.mean)),
                    f(d.as_ref().map(|d| d.ci_low)),
                    f(d.as_ref().map(|d| d.ci_high)),
                );
                json.push(serde_json::json!({
                    "move": name, "interval": label, "kpi": key,
                    "mean": b.map(|b| b.0), "low_90": b.map(|b| b.1), "high_90": b.map(|b| b.2),
                    "diff": d.as_ref().map(|d| serde_json::json!({"mean": d.mean, "low_95": d.ci_low, "high_95": d.ci_high})),
                }));
            }
            let show = |b: Option<(f64, f64, f64)>, pct: bool| match b {
                Some((mean, lo, hi)) if pct => format!(
                    "{:.1}% [{:.1}, {:.1}]",
                    100.0 * mean,
                    100.0 * lo,
                    100.0 * hi
                ),
                Some((mean, lo, hi)) => format!("{mean:.0} [{lo:.0}, {hi:.0}]"),
                None => "-".into(),
            };
            let row = &v.bands[m][k];
            let _ = writeln!(
                text,
                "{:<18} {:<24} {:>18} {:>18} {:>12}",
                label,
                name,
                show(row[0], false),
                show(row[1], false),
                show(row[3], true)
            );
        }
    }
    Tables { text, csv, json }
}
