//! `d11sim calibrate`: fits a scenario's inputs to a store's own conversation log.

use std::path::{Path, PathBuf};

use d11sim::calibrate::collect::Collected;
use d11sim::calibrate::estimate::{self, Value};
use d11sim::calibrate::write::{self, Fitted};
use d11sim::convlog::mapping::Mapping;
use d11sim::convlog::read::{self, ReadNotes};
use d11sim::convlog::time;
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

/// Runs `calibrate`.
pub(crate) fn calibrate(args: &CalibrateArgs) -> Result<(), Failure> {
    let (logs, messages, mapping) = inputs(args)?;
    let (base, extends) = base(args)?;
    crate::check_out(&args.out)?;
    let mut c = Collected::new(
        mapping.interval_s(),
        mapping.day_start_s().map_err(Failure::BadInput)?,
    );
    let bar = crate::progress_rows();
    let mut reading = Vec::new();
    for path in &logs {
        bar.set_message(path.display().to_string());
        let notes = read::conversations(path, &mapping, |row| {
            c.add(&row);
            if c.conversations.is_multiple_of(65_536) {
                bar.set_position(c.conversations);
            }
        })
        .map_err(Failure::BadInput)?;
        reading.push((path.clone(), notes));
    }
    for path in &messages {
        bar.set_message(path.display().to_string());
        let notes =
            read::messages(path, &mapping, |m| c.add_message(&m)).map_err(Failure::BadInput)?;
        reading.push((path.clone(), notes));
    }
    bar.finish_and_clear();
    for (p, n) in &reading {
        note_reading(p, n, args.quiet);
    }
    if c.conversations == 0 {
        return Err(Failure::BadInput(format!(
            "{}: no conversation to fit (every row dropped or impossible)",
            logs[0].display()
        )));
    }
    // the days: the named event days, else every day in the log
    let all_days: Vec<i64> = {
        let mut d: Vec<i64> = c.arrivals.keys().map(|(d, _)| *d).collect();
        d.dedup();
        d
    };
    let named: Vec<i64> = mapping
        .event_days
        .iter()
        .filter_map(|d| time::parse_date(d).ok())
        .collect();
    let (days, ordinary): (Vec<i64>, Vec<i64>) = if named.is_empty() {
        (all_days.clone(), Vec::new())
    } else {
        let days: Vec<i64> = all_days
            .iter()
            .copied()
            .filter(|d| named.contains(d))
            .collect();
        if days.is_empty() {
            return Err(Failure::BadInput(format!(
                "key `event_days`: none of {} is a day of the log",
                mapping.event_days.join(", ")
            )));
        }
        let ordinary = all_days
            .iter()
            .copied()
            .filter(|d| !named.contains(d))
            .collect();
        (days, ordinary)
    };
    let arrivals = estimate::arrivals(&c, &days, &ordinary)
        .ok_or_else(|| Failure::BadInput("no arrivals on the fitted days".into()))?;
    let mix = estimate::mix(&c, &days, 1.0);
    let silent = mapping
        .silent_share
        .unwrap_or(base.patience.silent_share)
        .min(0.99);
    let patience = estimate::patience(&c, silent);
    let handling = estimate::handling(&c);
    let handling_all = {
        let mut m = d11sim::calibrate::collect::LogMoments::default();
        for x in c.handling.values() {
            m.n += x.n;
            m.sum += x.sum;
            m.sum_sq += x.sum_sq;
        }
        estimate::lognormal(&m)
    };
    let bot = estimate::bot(&c);
    let touched: u64 = bot.iter().map(|b| b.touched).sum();
    let bot_touch = estimate::share(touched, c.conversations - c.retrials);
    let counts = estimate::counts(&c);
    let reply_time = estimate::lognormal(&c.reply_times);
    let short: Vec<(String, Option<Value>)> = (0..4)
        .filter(|&i| c.served[i] > 0)
        .map(|i| {
            (
                d11sim::calibrate::collect::slot_name(i).to_string(),
                estimate::share(c.short[i], c.served[i]),
            )
        })
        .collect();
    let start_s = days[0] as f64 * 86_400.0
        + c.day_start_s
        + arrivals
            .intervals
            .first()
            .map_or(0.0, |i| i.offset_min * 60.0);
    let sources: Vec<String> = logs.iter().map(|p| p.display().to_string()).collect();
    let fitted = Fitted {
        extends: &extends,
        base: &base,
        sources: &sources,
        start_s,
        interval_s: c.interval_s,
        arrivals: &arrivals,
        mix: &mix,
        patience: &patience,
        handling: handling_all.as_ref(),
        bot: &bot,
        bot_touch: (!bot.is_empty()).then_some(bot_touch).flatten(),
    };
    let (toml_text, kept) = write::scenario_toml(&fitted);
    let csv = write::arrivals_csv(&fitted);
    let not_identified: Vec<String> = patience
        .iter()
        .filter_map(|p| p.not_fitted.as_ref().map(|e| format!("{}: {e}", p.class)))
        .collect();
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
        "arrivals": arrivals,
        "mix": mix,
        "patience": patience,
        "patience_unknown": c.waits_unknown,
        "handling": handling,
        "handling_all": handling_all,
        "short_service_s": d11sim::calibrate::collect::SHORT_S,
        "short_service_share": short,
        "bot_touch": fitted.bot_touch,
        "bot": bot,
        "messages": counts,
        "reply_time": reply_time,
        "message_rows": c.message_rows,
        "from_the_base": kept,
    });
    let out = &args.out;
    crate::staged(out, |dir| {
        let w = |name: &str, text: &str| {
            std::fs::write(dir.join(name), text).map_err(|e| {
                Failure::Internal(format!("{}: cannot write {name}: {e}", out.display()))
            })
        };
        w("scenario.toml", &toml_text)?;
        w("arrivals.csv", &csv)?;
        w(
            "calibration.json",
            &serde_json::to_string_pretty(&json).map_err(|e| Failure::Internal(e.to_string()))?,
        )?;
        // the scenario must run as written
        Scenario::load(&dir.join("scenario.toml")).map_err(|e| {
            Failure::Internal(format!("the calibrated scenario does not load: {e}"))
        })?;
        Ok(())
    })?;
    if !args.quiet {
        outln!(
            "calibrated from {} conversations over {} days: {}",
            c.conversations,
            days.len(),
            out.join("scenario.toml").display()
        );
        for p in &patience {
            if let Some(f) = p.fits.iter().find(|f| Some(f.law) == p.chosen) {
                outln!(
                    "  patience {}: {} mean {:.0} s [{:.0}, {:.0}] (n {}, left {}; leavers alone: {:.0} s)",
                    p.class,
                    f.law,
                    f.mean_s.value,
                    f.mean_s.lo,
                    f.mean_s.hi,
                    p.n,
                    p.left,
                    p.naive_mean_s.unwrap_or(f64::NAN)
                );
            }
        }
    }
    if patience.iter().all(|p| p.chosen.is_none()) {
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
