//! `d11sim calibrate`: fits a scenario's inputs to a store's own conversation log.

use std::path::{Path, PathBuf};

use d11sim::calibrate::collect::Collected;
use d11sim::calibrate::fits::Fits;
use d11sim::calibrate::holdout;
use d11sim::calibrate::write::{self, Fitted};
use d11sim::convlog::mapping::Mapping;
use d11sim::convlog::read::{self, ReadNotes};
use d11sim::convlog::time;
use d11sim::model::LogDay;
use d11sim::scenario::{EMBEDDED, Scenario};

use crate::Failure;

#[derive(clap::Args)]
pub(crate) struct CalibrateArgs {
    /// Conversation logs (CSV or TSV; docs/log-format.md), or folders written by
    /// `run --log` (their conversations.csv, messages.csv and log.toml are used).
    #[arg(required = true)]
    logs: Vec<PathBuf>,
    /// Message logs (conversation, sender, time) for reply times.
    #[arg(long = "messages", value_name = "LOG")]
    messages: Vec<PathBuf>,
    /// Column mapping for an export whose columns, codes or times differ (TOML;
    /// docs/log-format.md). A `run --log` folder's log.toml is used when none is given.
    #[arg(long, value_name = "MAP.toml")]
    map: Option<PathBuf>,
    /// The scenario the fitted values go on (roster, routing and all the log cannot
    /// tell); the embedded default when omitted.
    #[arg(long, value_name = "SCENARIO")]
    base: Option<PathBuf>,
    /// Folder for scenario.toml, arrivals.csv and calibration.json (created if missing).
    #[arg(short, long)]
    out: PathBuf,
    /// Hold out every N-th day of the log (in the order days first appear) for the
    /// holdout check: the scenario fitted on the other days is simulated and compared with
    /// them interval by interval. 0: no check.
    #[arg(long, default_value_t = 5, value_name = "N")]
    holdout_every: u64,
    /// Simulated days for the holdout check.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u64).range(2..=10_000))]
    holdout_replications: u64,
    /// Master seed of the holdout simulation.
    #[arg(short, long, default_value_t = 20_261_111)]
    seed: u64,
    /// Also write the calibration page here: the survival curves against each law, QQ
    /// plots, the arrival fit and the holdout check (index.html, report.md, PNGs).
    #[arg(long, value_name = "DIR")]
    report: Option<PathBuf>,
    /// Language of the report page: `en` or `zh`.
    #[arg(long, default_value = "en", value_name = "en|zh")]
    lang: d11sim::report::Lang,
    /// Print nothing on stdout.
    #[arg(short, long)]
    quiet: bool,
}

/// The conversation logs, message logs and mapping the arguments name.
fn inputs(args: &CalibrateArgs) -> Result<(Vec<PathBuf>, Vec<PathBuf>, Mapping), Failure> {
    let mut logs = Vec::new();
    let mut messages = args.messages.clone();
    let mut folder_map = None;
    for p in &args.logs {
        if p.is_dir() {
            let conv = p.join("conversations.csv");
            if !conv.is_file() {
                return Err(Failure::BadInput(format!(
                    "{}: a folder without conversations.csv (a `run --log` folder holds one)",
                    p.display()
                )));
            }
            logs.push(conv);
            let msg = p.join("messages.csv");
            if msg.is_file() {
                messages.push(msg);
            }
            let meta = p.join("log.toml");
            if meta.is_file() && folder_map.is_none() {
                folder_map = Some(meta);
            }
        } else if p.is_file() {
            logs.push(p.clone());
        } else {
            return Err(Failure::BadInput(format!(
                "{}: no such file or folder",
                p.display()
            )));
        }
    }
    let mapping = match args.map.as_ref().or(folder_map.as_ref()) {
        Some(m) => Mapping::load(m).map_err(Failure::BadInput)?,
        None => Mapping::default(),
    };
    Ok((logs, messages, mapping))
}

fn base(args: &CalibrateArgs) -> Result<(Scenario, String), Failure> {
    match &args.base {
        None => Ok((Scenario::default_double11(), EMBEDDED.to_string())),
        Some(p) => {
            let sc = Scenario::load(p)?;
            let abs = std::fs::canonicalize(p)
                .map_err(|e| Failure::BadInput(format!("{}: cannot resolve: {e}", p.display())))?;
            Ok((sc, abs.display().to_string()))
        }
    }
}

fn note_reading(path: &Path, notes: &ReadNotes, quiet: bool) {
    if quiet {
        return;
    }
    let mut parts = vec![format!("{} rows", notes.rows)];
    if notes.encoding != "UTF-8" {
        parts.push(format!("read as {}", notes.encoding));
    }
    for (rule, n) in &notes.dropped {
        parts.push(format!("{n} dropped ({rule})"));
    }
    if notes.impossible > 0 {
        let lines: Vec<String> = notes
            .impossible_lines
            .iter()
            .map(|(l, why)| format!("line {l}: {why}"))
            .collect();
        parts.push(format!(
            "{} with impossible times left out ({}{})",
            notes.impossible,
            lines.join("; "),
            if notes.impossible as usize > lines.len() {
                "; ..."
            } else {
                ""
            }
        ));
    }
    eprintln!("{}: {}", path.display(), parts.join(", "));
}

/// Which collection a day's rows go to: every `every`-th day in the order days first
/// appear is held out (0: none).
struct Split {
    every: u64,
    seen: std::collections::HashMap<i64, bool>,
}

impl Split {
    fn held_out(&mut self, day: i64) -> bool {
        let n = self.seen.len() as u64;
        let every = self.every;
        *self
            .seen
            .entry(day)
            .or_insert_with(|| every > 0 && n % every == every - 1)
    }
}

/// The event days of `c` (the named ones, else all) and the ordinary ones.
fn day_sets(c: &Collected, named: &[i64]) -> (Vec<i64>, Vec<i64>) {
    let mut all: Vec<i64> = c.arrivals.keys().map(|(d, _)| *d).collect();
    all.dedup();
    if named.is_empty() {
        return (all, Vec::new());
    }
    all.iter().copied().partition(|d| named.contains(d))
}

/// Runs `calibrate`.
pub(crate) fn calibrate(args: &CalibrateArgs) -> Result<(), Failure> {
    let (logs, messages, mapping) = inputs(args)?;
    let (base, extends) = base(args)?;
    crate::check_out(&args.out)?;
    crate::check_apart(Some(&args.out), args.report.as_deref())?;
    if let Some(dir) = &args.report {
        d11sim::output::staged::check(dir)
            .map_err(|e| Failure::BadInput(format!("--report {e}")))?;
    }
    let day_start = mapping.day_start_s().map_err(Failure::BadInput)?;
    let fresh = || {
        let mut c = Collected::new(mapping.interval_s(), day_start);
        c.service_level_s = base.service_level.as_secs_f64();
        c
    };
    let (mut train, mut test) = (fresh(), fresh());
    let mut split = Split {
        every: args.holdout_every,
        seen: Default::default(),
    };
    let bar = crate::progress_rows();
    let mut reading = Vec::new();
    let mut rows = 0u64;
    for path in &logs {
        bar.set_message(path.display().to_string());
        let notes = read::conversations(path, &mapping, |row| {
            let held = split.held_out(row.day.unwrap_or(0));
            if held { &mut test } else { &mut train }.add(&row);
            rows += 1;
            if rows.is_multiple_of(65_536) {
                bar.set_position(rows);
            }
        })
        .map_err(Failure::BadInput)?;
        reading.push((path.clone(), notes));
    }
    for path in &messages {
        bar.set_message(path.display().to_string());
        let notes =
            read::messages(path, &mapping, |m| train.add_message(&m)).map_err(Failure::BadInput)?;
        reading.push((path.clone(), notes));
    }
    bar.finish_and_clear();
    for (p, n) in &reading {
        note_reading(p, n, args.quiet);
    }
    let mut c = fresh();
    c.absorb(&train);
    c.absorb(&test);
    c.reply_times = train.reply_times;
    c.message_rows = train.message_rows;
    if c.conversations == 0 {
        return Err(Failure::BadInput(format!(
            "{}: no conversation to fit (every row dropped or impossible)",
            logs[0].display()
        )));
    }
    let named: Vec<i64> = mapping
        .event_days
        .iter()
        .filter_map(|d| time::parse_date(d).ok())
        .collect();
    let (days, ordinary) = day_sets(&c, &named);
    if days.is_empty() {
        return Err(Failure::BadInput(format!(
            "key `event_days`: none of {} is a day of the log",
            mapping.event_days.join(", ")
        )));
    }
    let silent = mapping
        .silent_share
        .unwrap_or(base.patience.silent_share)
        .min(0.99);
    // silent leavers read as served chats as long as the timeout: out of the handling
    let timeout = base.patience.silent_timeout.as_secs_f64();
    d11sim::calibrate::estimate::remove_ghosts(&mut c, silent, timeout);
    d11sim::calibrate::estimate::remove_ghosts(&mut train, silent, timeout);
    let fits = Fits::of(&c, &days, &ordinary, silent)
        .ok_or_else(|| Failure::BadInput("no arrivals on the fitted days".into()))?;
    let sources: Vec<String> = logs.iter().map(|p| p.display().to_string()).collect();
    let start_of = |days: &[i64], f: &Fits| {
        days[0] as f64 * 86_400.0
            + day_start
            + f.arrivals
                .intervals
                .first()
                .map_or(0.0, |i| i.offset_min * 60.0)
    };
    let effort = effort_fit(&base, &mut train.concurrency);
    let fitted = |f: &'_ Fits, start_s: f64| -> (String, String, Vec<String>) {
        let w = Fitted {
            extends: &extends,
            base: &base,
            sources: &sources,
            start_s,
            interval_s: c.interval_s,
            fits: f,
            effort: effort.as_ref(),
        };
        let (toml, kept) = write::scenario_toml(&w);
        (toml, write::arrivals_csv(&w), kept)
    };
    let (toml_text, csv, kept) = fitted(&fits, start_of(&days, &fits));
    // the holdout check: fitted on the other days, simulated, set against the held-out ones
    let (test_days, _) = day_sets(&test, &named);
    let (train_days, train_ordinary) = day_sets(&train, &named);
    let holdout_fits = (!test_days.is_empty() && !train_days.is_empty())
        .then(|| Fits::of(&train, &train_days, &train_ordinary, silent))
        .flatten();
    let out = &args.out;
    let mut holdout = None;
    crate::staged(out, |dir| {
        let w = |path: &Path, text: &str| {
            std::fs::write(path, text).map_err(|e| {
                Failure::Internal(format!(
                    "{}: cannot write {}: {e}",
                    out.display(),
                    path.display()
                ))
            })
        };
        w(&dir.join("scenario.toml"), &toml_text)?;
        w(&dir.join("arrivals.csv"), &csv)?;
        // the scenario must run as written
        Scenario::load(&dir.join("scenario.toml")).map_err(|e| {
            let e = e.to_string();
            let clock = if e.contains("`start`") || e.contains("`end`") {
                "; a scenario's clock runs within one non-leap year, so days across the new \
                 year or on 29 February cannot be written"
            } else {
                ""
            };
            Failure::BadInput(format!(
                "the scenario fitted to the log does not load ({e}){clock}"
            ))
        })?;
        if let Some(hf) = &holdout_fits {
            let hdir = dir.join("holdout");
            std::fs::create_dir_all(&hdir)
                .map_err(|e| Failure::Internal(format!("{}: {e}", hdir.display())))?;
            let start_s = start_of(&train_days, hf);
            let (t, a, _) = fitted(hf, start_s);
            w(&hdir.join("scenario.toml"), &t)?;
            w(&hdir.join("arrivals.csv"), &a)?;
            let sc = Scenario::load(&hdir.join("scenario.toml")).map_err(|e| {
                Failure::BadInput(format!("the holdout scenario does not load: {e}"))
            })?;
            let first_offset = hf
                .arrivals
                .intervals
                .first()
                .map_or(0.0, |i| i.offset_min * 60.0);
            let mut sim = Collected::new(c.interval_s, start_s.rem_euclid(86_400.0) - first_offset);
            sim.service_level_s = base.service_level.as_secs_f64();
            let sim_days = simulate(&sc, args, &mut sim)?;
            holdout = Some(holdout::compare(
                &test,
                &test_days,
                &sim,
                &sim_days,
                &train_days,
            ));
        }
        let json = serde_json::json!({
            "format": "d11sim-calibration",
            "version": 1,
            "tool_version": env!("CARGO_PKG_VERSION"),
            "sources": sources,
            "reading": reading.iter().map(|(p, n)| serde_json::json!({
                "file": p.display().to_string(),
                "rows": n.rows,
                "kept": n.kept,
                "encoding": n.encoding,
                "dropped": n.dropped,
                "impossible": n.impossible,
                "impossible_lines": n.impossible_lines,
            })).collect::<Vec<_>>(),
            "conversations": c.conversations,
            "interval_min": c.interval_s / 60.0,
            "day_start_s": c.day_start_s,
            "silent_share": silent,
            "patience_unknown": c.waits_unknown,
            "silent_timeout_s": timeout,
            "silent_leavers_out_of_handling": c.ghosts_removed,
            "short_service_s": d11sim::calibrate::collect::SHORT_S,
            "message_rows": c.message_rows,
            "concurrency": serde_json::json!({
                "agents_sampled_share": train.concurrency.sampled_share(),
                "by_open_chats": d11sim::calibrate::concurrency::fit(&train.concurrency),
            }),
            "effort": effort,
            "fits": fits,
            "holdout": holdout,
            "from_the_base": kept,
        });
        w(
            &dir.join("calibration.json"),
            &serde_json::to_string_pretty(&json).map_err(|e| Failure::Internal(e.to_string()))?,
        )?;
        Ok(())
    })?;
    if !args.quiet {
        summary(&c, &days, &fits, holdout.as_ref(), out);
    }
    if let Some(dir) = &args.report {
        let view = d11sim::report::calibration::Calibrated {
            all: &c,
            held_out: &test_days,
            fits: &fits,
            holdout: holdout.as_ref(),
            kept: &kept,
            scenario: &out.join("scenario.toml"),
            effort: effort.as_ref(),
        };
        crate::staged(dir, |d| {
            let page = d11sim::report::calibration::calibration_page(d, &view, args.lang)
                .map_err(Failure::Internal)?;
            d11sim::report::write_page(d, &page)
                .map_err(|e| Failure::Internal(format!("{}: cannot write: {e}", dir.display())))
        })?;
        if !args.quiet {
            outln!("report written to {}", dir.display());
        }
    }
    let patience = &fits.patience;
    if patience.iter().all(|p| p.chosen.is_none()) {
        let not_identified: Vec<String> = patience
            .iter()
            .filter_map(|p| p.not_fitted.as_ref().map(|e| format!("{}: {e}", p.class)))
            .collect();
        let why = if not_identified.is_empty() {
            "no customer waited for a reply".to_string()
        } else {
            not_identified.join("; ")
        };
        return Err(Failure::BadInput(format!(
            "{}: patience cannot be identified ({why}); {} is written with the base's patience",
            logs[0].display(),
            out.join("scenario.toml").display()
        )));
    }
    Ok(())
}

/// Effort and the switching penalty from the message log's chains, with the base's
/// speeds and, where it mixes quick phrases with typed replies, its shares and law.
fn effort_fit(
    base: &Scenario,
    c: &mut d11sim::calibrate::concurrency::Concurrency,
) -> Option<d11sim::calibrate::effort::EffortFit> {
    use d11sim::conversation::Conversation as Model;
    use d11sim::distribution::DurationSpec;
    let (share, quick) = match &base.conversation {
        Model::Messages(m) => match m.quick_phrase {
            DurationSpec::Lognormal { mu, sigma } => (m.quick_phrase_share, Some((mu, sigma))),
            _ => (0.0, None),
        },
        Model::Sessions(_) => (0.0, None),
    };
    let any_quick = share > 0.0
        || base
            .groups
            .iter()
            .any(|g| g.quick_phrase_share.is_some_and(|q| q > 0.0));
    d11sim::calibrate::effort::fit(
        c,
        |g| {
            base.groups
                .iter()
                .find(|x| x.name == g)
                .map_or((1.0, share), |x| {
                    (x.speed_factor, x.quick_phrase_share.unwrap_or(share))
                })
        },
        quick.filter(|_| any_quick),
    )
}

/// Simulates the holdout scenario's days into `sim`; the simulated days.
fn simulate(sc: &Scenario, args: &CalibrateArgs, sim: &mut Collected) -> Result<Vec<i64>, Failure> {
    let mut days = Vec::new();
    for i in 0..args.holdout_replications {
        let at = LogDay::of(sc, i);
        let (_, log) = d11sim::model::run_logged(sc, args.seed, i, at)
            .map_err(|e| Failure::BadInput(format!("the holdout simulation: {e}")))?;
        let (header, _) = d11sim::model::log_headers();
        let text = format!("{header}{}", log.conversations);
        read::conversations_in(&text, "(holdout simulation)", &Mapping::default(), |r| {
            sim.add(&r)
        })
        .map_err(Failure::Internal)?;
        days.push(at.day);
    }
    Ok(days)
}

/// The lines a planner reads after `calibrate`.
fn summary(
    c: &Collected,
    days: &[i64],
    fits: &Fits,
    holdout: Option<&holdout::Holdout>,
    out: &Path,
) {
    outln!(
        "calibrated from {} conversations over {} days: {}",
        c.conversations,
        days.len(),
        out.join("scenario.toml").display()
    );
    for p in &fits.patience {
        match p.fits.iter().find(|f| Some(f.law) == p.chosen) {
            Some(f) => outln!(
                "  patience {}: {} mean {:.0} s [{:.0}, {:.0}] (n {}, left {}; leavers alone: {:.0} s)",
                p.class,
                f.law,
                f.mean_s.value,
                f.mean_s.lo,
                f.mean_s.hi,
                p.n,
                p.left,
                p.naive_mean_s.unwrap_or(f64::NAN)
            ),
            None => outln!(
                "  patience {}: not fitted: {}",
                p.class,
                p.not_fitted.as_deref().unwrap_or("")
            ),
        }
    }
    if let Some(h) = holdout {
        outln!(
            "  holdout: fitted on {} days, checked on {} ({}), {} simulated days:",
            h.fitted_days.len(),
            h.held_out_days.len(),
            h.held_out_days.join(", "),
            h.replications
        );
        for (kpi, share, n) in &h.consistent_share {
            let day = h.day.iter().find(|r| r.kpi == *kpi);
            outln!(
                "    {kpi}: {:.0}% of {n} intervals within the CIs{}",
                share * 100.0,
                day.map_or(String::new(), |r| format!(
                    "; the day {:.3} observed, {:.3} simulated",
                    r.observed.value, r.simulated.value
                ))
            );
        }
    }
}
