//! `d11sim sweep`: a grid of parameter values, each run with the same seed.

use std::path::PathBuf;

use d11sim::output;
use d11sim::replicate;

use crate::{Failure, check_out, progress, run_config, staged};

#[derive(clap::Args)]
pub(crate) struct SweepArgs {
    /// The scenario file (TOML).
    scenario: PathBuf,
    /// KEY=VALUES: a dotted key path (groups by name) and a comma list or FROM..TO:STEP,
    /// e.g. groups.night_veterans.count=100..160:20 or arrivals.scale=0.8,1.0,1.2 (repeatable).
    #[arg(long = "set", required = true)]
    sets: Vec<String>,
    /// KPIs to show (default: 平响, first response, reply rate, abandonment, conversion,
    /// utilisation); the first gets the bar view.
    #[arg(long = "kpi")]
    kpis: Vec<String>,
    /// Independent replications per point.
    #[arg(short, long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    replications: u64,
    /// Master seed (the same for every point: common random numbers).
    #[arg(short, long, default_value_t = 20_261_111)]
    seed: u64,
    /// Worker threads (default: all cores); results do not depend on it.
    #[arg(short, long, value_parser = clap::value_parser!(u64).range(1..=1024))]
    threads: Option<u64>,
    /// Folder for sweep.csv and sweep.json.
    #[arg(short, long)]
    out: Option<PathBuf>,
    /// Also write the sweep's report (index.html, report.md, PNG chart) into this folder.
    #[arg(long)]
    report: Option<PathBuf>,
    /// Language of the report page: `en` (English, the trade's Chinese names beside the
    /// KPIs) or `zh` (Chinese). Charts carry both in either.
    #[arg(long, default_value = "en", value_name = "en|zh")]
    lang: d11sim::report::Lang,
}

/// Runs `d11sim sweep`.
pub(crate) fn sweep(args: &SweepArgs) -> Result<(), Failure> {
    let axes = args
        .sets
        .iter()
        .map(|s| d11sim::sweep::parse_axis(s))
        .collect::<Result<Vec<_>, _>>()
        .map_err(Failure::BadInput)?;
    let kpis = if args.kpis.is_empty() {
        d11sim::sweep::DEFAULT_KPIS.to_vec()
    } else {
        args.kpis
            .iter()
            .map(|k| {
                d11sim::kpi::Kpi::parse(k).ok_or_else(|| {
                    Failure::BadInput(format!(
                        "--kpi `{k}` is not a KPI key (see the README's glossary)"
                    ))
                })
            })
            .collect::<Result<Vec<_>, _>>()?
    };
    let base = d11sim::scenario::variants::Base::load(&args.scenario)?;
    d11sim::sweep::grid_size(&axes).map_err(Failure::BadInput)?;
    let points = d11sim::sweep::combinations(&axes);
    let label = args.scenario.display().to_string();
    let scenarios = points
        .iter()
        .map(|p| {
            let shown: Vec<String> = p.iter().map(|(k, v)| format!("{k}={v}")).collect();
            base.with(p, "--set", &format!("{label} ({})", shown.join(", ")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    crate::check_apart(args.out.as_deref(), args.report.as_deref())?;
    for dir in args.out.iter().chain(&args.report) {
        check_out(dir)?;
    }
    let cfg = run_config(args.replications, args.seed, args.threads);
    let bar = progress(cfg.replications * scenarios.len() as u64);
    let mut rows: Vec<d11sim::sweep::Row> = Vec::new();
    for (point, sc) in points.into_iter().zip(&scenarios) {
        if replicate::interrupted() {
            break;
        }
        let results = replicate::run_observed(sc, cfg, &|| bar.inc(1));
        if results.replications.is_empty() {
            break;
        }
        rows.push(d11sim::sweep::Row { point, results });
    }
    bar.finish_and_clear();
    if rows.is_empty() {
        return Err(Failure::Interrupted(
            "before any replication finished; nothing written".into(),
        ));
    }
    if let Some(dir) = &args.out {
        staged(dir, |d| {
            let write = || -> std::io::Result<()> {
                output::write_atomic(
                    &d.join("sweep.csv"),
                    d11sim::sweep::to_csv(&rows).as_bytes(),
                )?;
                let json = serde_json::to_vec_pretty(&d11sim::sweep::to_json(&rows))
                    .map_err(std::io::Error::other)?;
                output::write_atomic(&d.join("sweep.json"), &json)
            };
            write().map_err(|e| {
                Failure::Internal(format!("{}: cannot write outputs: {e}", dir.display()))
            })
        })?;
    }
    out!("{}", d11sim::sweep::render(&rows, &kpis));
    if let Some(dir) = &args.report {
        let sc = base.with(&[], "(scenario)", "(scenario)")?;
        staged(dir, |d| {
            let page = d11sim::report::sweep_page(d, &sc, &rows, &kpis, args.lang)
                .map_err(Failure::Internal)?;
            d11sim::report::write_page(d, &page).map_err(|e| {
                Failure::Internal(format!("{}: cannot write the report: {e}", dir.display()))
            })
        })?;
        outln!("report written to {}", dir.display());
    }
    if replicate::interrupted() {
        let done = format!(
            "{} of {} combinations run (the last may have fewer replications); their outputs \
             are written",
            rows.len(),
            scenarios.len()
        );
        crate::not_exhausted(&done)?;
        return Err(Failure::Interrupted(done));
    }
    Ok(())
}
