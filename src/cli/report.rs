//! `d11sim report`, and the war-room page `run --report` writes.

use std::path::PathBuf;

use d11sim::compare::PlanResults;
use d11sim::replicate::{self, RunConfig};
use d11sim::scenario::Scenario;
use d11sim::scenario::variants::Variant;

use crate::{Failure, check_out, exhausted, load, progress, run_config, run_plans, staged};

#[derive(clap::Args)]
pub(crate) struct ReportArgs {
    /// Scenario file (TOML); the embedded default Double-11 scenario when omitted.
    scenario: Option<PathBuf>,
    /// Folder for index.html, report.md and the PNG charts (created if missing).
    #[arg(short, long, default_value = "report")]
    out: PathBuf,
    /// Independent replications.
    #[arg(short, long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    replications: u64,
    /// Master seed.
    #[arg(short, long, default_value_t = 20_261_111)]
    seed: u64,
    /// Worker threads (default: all cores); results do not depend on it.
    #[arg(short, long, value_parser = clap::value_parser!(u64).range(1..=1024))]
    threads: Option<u64>,
    /// Language of the report page: `en` (English, the trade's Chinese names beside the
    /// KPIs) or `zh` (Chinese). Charts carry both in either.
    #[arg(long, default_value = "en", value_name = "en|zh")]
    lang: d11sim::report::Lang,
}

/// Writes the war-room report of a run (and its variants) into `dir`.
/// Finding what fixes a missed target runs more replications (`cfg`); the time taken to
/// draw and write is returned.
pub(crate) fn write_report(
    dir: &std::path::Path,
    plans: &[Variant],
    results: &[PlanResults],
    cfg: RunConfig,
    lang: d11sim::report::Lang,
) -> Result<f64, Failure> {
    let bar = progress(0);
    bar.set_message("what fixes the missed targets");
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{spinner} {msg}: {pos} replications, {elapsed}")
    {
        bar.set_style(style);
    }
    // after Ctrl-C the page is drawn from what finished, without the fix search
    let fixes = if replicate::interrupted() {
        Vec::new()
    } else {
        d11sim::report::fix::fixes(&plans[0].scenario, &results[0].results, cfg, lang, &|| {
            bar.inc(1)
        })
    };
    bar.finish_and_clear();
    let clock = std::time::Instant::now();
    let pairs: Vec<(&Scenario, &PlanResults)> =
        plans.iter().map(|p| &p.scenario).zip(results).collect();
    staged(dir, |d| {
        let page = d11sim::report::run_page(d, &pairs, fixes, lang).map_err(Failure::Internal)?;
        d11sim::report::write_page(d, &page).map_err(|e| {
            Failure::Internal(format!("{}: cannot write the report: {e}", dir.display()))
        })
    })?;
    Ok(clock.elapsed().as_secs_f64())
}

pub(crate) fn report(args: &ReportArgs) -> Result<(), Failure> {
    let plans = load(args.scenario.as_ref())?;
    check_out(&args.out)?;
    let cfg = run_config(args.replications, args.seed, args.threads);
    let (results, interrupted) = run_plans(&plans, cfg, &[]);
    let finished = results.first().map_or(0, |r| r.results.replications.len());
    let exhausted = exhausted(finished, cfg.replications, "the report shows them");
    if results.is_empty() {
        return Err(exhausted.unwrap_or_else(|| {
            Failure::Interrupted("before any replication finished; nothing written".into())
        }));
    }
    let drawn = write_report(&args.out, &plans, &results, cfg, args.lang)?;
    outln!(
        "report written to {} (index.html, report.md, PNG charts); drawn in {drawn:.2} s",
        args.out.display()
    );
    if let Some(f) = exhausted {
        return Err(f);
    }
    match interrupted {
        Some(note) => Err(Failure::Interrupted(format!(
            "{note}; the report shows them"
        ))),
        None => Ok(()),
    }
}
