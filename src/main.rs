//! The `d11sim` command: parse arguments, call the library, map outcomes to exit codes.
//!
//! Exit codes: 0 success; 1 internal error (I/O, a bug); 2 bad input (scenario, flags).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use d11sim::compare::{self, PlanResults};
use d11sim::kpi::{Kpi, Target};
use d11sim::output;
use d11sim::replicate::{self, RunConfig};
use d11sim::scenario::variants::Base;
use d11sim::scenario::variants::{Variant, load_plans};
use d11sim::scenario::{Scenario, ScenarioError};
use d11sim::staffing::{
    self,
    erlang::{Metrics, Queue, StaffTarget, render as render_erlang},
    formula::FormulaInputs,
    optimize::{self, Search, Settings},
    shifts,
};

/// Discrete-event simulator of e-commerce customer-service chat on Double-11.
#[derive(Parser)]
#[command(name = "d11sim", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Simulate a scenario and report its KPIs with 95% confidence intervals.
    Run(RunArgs),
    /// Simulate a scenario and write the war-room report: index.html (self-contained, charts
    /// inline as SVG), report.md and PNG charts.
    Report(ReportArgs),
    /// Check a scenario file and report the first error (exit 2) or "ok".
    Validate {
        /// The scenario file (TOML).
        scenario: PathBuf,
    },
    /// Erlang C / Erlang A calculator (and a chat version with several chats per agent).
    Erlang(ErlangArgs),
    /// Run every combination of parameter values with common random numbers.
    Sweep(SweepArgs),
    /// Routing services: the reference server of the built-in policies.
    Router {
        #[command(subcommand)]
        command: RouterCommand,
    },
    /// Run a scenario with an external routing service deciding every assignment
    /// (software in the loop), recording each request's latency.
    Bench(BenchArgs),
    /// Staffing: how many agents, and when.
    Staff {
        #[command(subcommand)]
        command: StaffCommand,
    },
}

#[derive(clap::Args)]
struct ErlangArgs {
    /// Arrivals per hour.
    #[arg(long)]
    arrivals_per_hour: f64,
    /// Mean handle time (work per conversation at speed 1), seconds.
    #[arg(long)]
    handle_s: f64,
    /// Mean patience, seconds (Erlang A); without it nobody abandons (Erlang C).
    #[arg(long)]
    patience_s: Option<f64>,
    /// Chats per agent.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1000))]
    chats: u32,
    /// Speed of each chat while an agent holds 1, 2, ... chats (comma-separated; default 1).
    #[arg(long, value_delimiter = ',')]
    speed: Vec<f64>,
    /// Evaluate this many agents.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    agents: Option<u32>,
    /// Find the fewest agents meeting every target: service_level>=X, asa_s<=X,
    /// p_abandon<=X, p_wait<=X, occupancy<=X (repeatable).
    #[arg(long)]
    target: Vec<String>,
    /// Service-level threshold, seconds.
    #[arg(long, default_value_t = 20.0)]
    sl_s: f64,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
struct SweepArgs {
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
}

#[derive(Subcommand)]
enum RouterCommand {
    /// Serve a built-in policy over the wire protocol (docs/router-protocol.md).
    Serve {
        /// least_loaded or longest_idle (`-` may replace `_`).
        #[arg(long, default_value = "least_loaded")]
        policy: String,
        /// Address to bind; port 0 picks a free one (printed on stdout).
        #[arg(long, default_value = "127.0.0.1:0")]
        addr: std::net::SocketAddr,
        /// Allow binding an address other than loopback.
        #[arg(long)]
        allow_remote: bool,
    },
}

#[derive(clap::Args)]
#[command(group(clap::ArgGroup::new("mode").required(true).args(["virtual_time", "speedup"])))]
struct BenchArgs {
    /// Scenario file (default: the embedded one).
    scenario: Option<PathBuf>,
    /// The routing service, http://HOST:PORT (loopback unless --allow-remote).
    #[arg(long)]
    target: String,
    /// Virtual time: the simulation runs as fast as the service answers.
    #[arg(long = "virtual")]
    virtual_time: bool,
    /// Wall-clock pacing: the scenario's arrivals are due at their time divided by K, and
    /// latency is measured from that intended time (no coordinated omission).
    #[arg(long)]
    speedup: Option<f64>,
    /// Replications, run one after another (the service holds one run's state); default
    /// 3 in virtual time, 1 when paced.
    #[arg(short, long, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    replications: Option<u64>,
    /// Master seed (the same arrivals as `run` with this seed).
    #[arg(short, long, default_value_t = 20_261_111)]
    seed: u64,
    /// A request slower than this counts as a timeout (recorded at this value).
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..=600_000))]
    timeout_ms: u64,
    /// Paced runs: send the scenario's requests open loop over --connections connections
    /// (recorded from an in-process run beforehand; answers are not fed back, no KPIs):
    /// for request rates one sequential decision stream cannot reach.
    #[arg(long)]
    open_loop: bool,
    /// Open-loop runs: keep-alive connections.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    connections: u64,
    /// Paced runs: latency percentiles per window of this many minutes of scenario time.
    #[arg(long, default_value_t = 60.0)]
    window_min: f64,
    /// Paced runs: a gate, e.g. 'p99<5ms', 'p99<5ms@20:00-24:00', 'errors<0.1%'
    /// (repeatable); a missed gate exits 3.
    #[arg(long)]
    threshold: Vec<String>,
    /// Paced runs: the run is invalid (exit 4) when the generator's own send lag p99
    /// exceeds this.
    #[arg(long, default_value_t = 1.0)]
    max_lag_ms: f64,
    /// Bound: most routing requests per replication; beyond it nothing is sent and the run
    /// is invalid (exit 4).
    #[arg(long, default_value_t = 50_000_000, value_parser = clap::value_parser!(u64).range(1..))]
    max_requests: u64,
    /// Bound: most wall-clock seconds per replication (default: twice the paced plan plus
    /// 60 s, or 3600 s in virtual time); beyond it nothing is sent and the run is invalid.
    #[arg(long)]
    max_wall_s: Option<f64>,
    /// Allow a target that is not on loopback.
    #[arg(long)]
    allow_remote: bool,
    /// Folder for bench.json, latency.hgrm, latency.hlog and the run's outputs.
    #[arg(short, long)]
    out: Option<PathBuf>,
}

#[derive(Subcommand)]
enum StaffCommand {
    /// The handbook's formula: sales target -> inquiries -> agents, spread by the arrival curve.
    Formula(FormulaArgs),
    /// Erlang A agents needed per interval of a scenario, against its roster.
    Analytic(AnalyticArgs),
    /// A shift plan covering the per-interval requirement at the fewest agent-hours
    /// (integer program), its roster block, and a verification run of that roster.
    Plan(PlanArgs),
    /// Search by simulation the fewest agents per interval meeting the targets with the
    /// given confidence, cover them with a shift plan, and verify it on fresh replications.
    Optimize(OptimizeArgs),
}

#[derive(clap::Args)]
struct OptimizeArgs {
    /// Scenario file (default: the embedded one).
    scenario: Option<PathBuf>,
    /// Targets judged on each interval's arrivals, e.g. 'avg_response_s<=30' (repeatable;
    /// default: the scenario's targets that can be judged per interval). KPIs:
    /// avg_response_s, first_response_p90_s, first_reply_30s_share, first_reply_3min_share,
    /// reply_rate, abandonment_rate, conversion.
    #[arg(long)]
    target: Vec<String>,
    /// Share of replications in which every interval must meet the targets.
    #[arg(long, default_value_t = 0.9)]
    confidence: f64,
    /// Replications per candidate (the scenario's forecast error varies across them).
    #[arg(short, long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    replications: u64,
    /// Master seed of the search; the plan is checked on seed + 1 and verified on seed + 2
    /// (replications the search never saw).
    #[arg(short, long, default_value_t = 20_261_111)]
    seed: u64,
    /// Worker threads (default: all cores); results do not depend on it.
    #[arg(short, long, value_parser = clap::value_parser!(u64).range(1..=1024))]
    threads: Option<u64>,
    /// Requirement interval, minutes.
    #[arg(long, default_value_t = 60.0)]
    interval_min: f64,
    /// Shift templates (TOML `[[templates]]`); default: the embedded ones for the embedded
    /// scenario. Without templates only the requirement is computed.
    #[arg(long)]
    templates: Option<PathBuf>,
    /// The group whose agents the requirement counts (default: the first template's `like`,
    /// or the scenario's first group).
    #[arg(long)]
    like: Option<String>,
    /// Write requirement.csv, roster.toml and verification/ (summary, series, histograms).
    #[arg(short, long)]
    out: Option<PathBuf>,
    /// Also write the war-room report of the recommendation and its verification run.
    #[arg(long)]
    report: Option<PathBuf>,
}

#[derive(clap::Args)]
struct PlanArgs {
    /// Scenario file (default: the embedded one).
    scenario: Option<PathBuf>,
    /// Shift templates (TOML, `[[templates]]`: name, like, starts, length_h, min/max_heads).
    #[arg(long)]
    templates: PathBuf,
    /// Targets, as for `staff analytic` (default service_level>=0.8).
    #[arg(long)]
    target: Vec<String>,
    /// Requirement interval, minutes.
    #[arg(long, default_value_t = 60.0)]
    interval_min: f64,
    /// Replications of the verification run.
    #[arg(short, long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    replications: u64,
    /// Master seed of the verification run.
    #[arg(short, long, default_value_t = 20_261_111)]
    seed: u64,
    /// Write the planned roster (`roster.toml`, a scenario extending the input) here.
    #[arg(short, long)]
    out: Option<PathBuf>,
}

#[derive(clap::Args)]
struct AnalyticArgs {
    /// Scenario file (default: the embedded one).
    scenario: Option<PathBuf>,
    /// Targets: service_level>=X (at the scenario's service_level_s), asa_s<=X,
    /// p_abandon<=X, p_wait<=X, occupancy<=X (repeatable; default service_level>=0.8).
    #[arg(long)]
    target: Vec<String>,
    /// Interval length, minutes.
    #[arg(long, default_value_t = 60.0)]
    interval_min: f64,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
struct FormulaArgs {
    /// A TOML file with sales_target, cs_sales_share, cs_average_order_value,
    /// inquiry_conversion, saturated_capacity [, hours_per_agent_day] (instead of flags).
    #[arg(long, conflicts_with_all = ["sales_target", "cs_share", "aov", "conversion", "capacity"])]
    inputs: Option<PathBuf>,
    /// Store sales target for the day.
    #[arg(long)]
    sales_target: Option<f64>,
    /// Share of sales through customer service (0-1).
    #[arg(long)]
    cs_share: Option<f64>,
    /// CS average order value (客单价).
    #[arg(long)]
    aov: Option<f64>,
    /// Inquiry conversion (0-1).
    #[arg(long)]
    conversion: Option<f64>,
    /// Saturated capacity: inquiries per agent-day (饱和接待量).
    #[arg(long)]
    capacity: Option<f64>,
    /// Hours online per agent-day.
    #[arg(long, default_value_t = 8.0)]
    hours_per_day: f64,
    /// Scenario whose arrival curve spreads the inquiries (default: the embedded one).
    #[arg(long)]
    scenario: Option<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
struct RunArgs {
    /// Scenario file (TOML); the embedded default Double-11 scenario when omitted.
    scenario: Option<PathBuf>,
    /// Independent replications.
    #[arg(short, long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    replications: u64,
    /// Master seed: the same scenario and seed give byte-identical outputs.
    #[arg(short, long, default_value_t = 20_261_111)]
    seed: u64,
    /// Folder for summary.json, series.csv and histograms/ (created if missing).
    #[arg(short, long)]
    out: Option<PathBuf>,
    /// Worker threads (default: all cores); results do not depend on it.
    #[arg(short, long, value_parser = clap::value_parser!(u64).range(1..=1024))]
    threads: Option<u64>,
    /// Print nothing on stdout.
    #[arg(short, long)]
    quiet: bool,
    /// Print summary.json on stdout instead of the table.
    #[arg(long, conflicts_with = "quiet")]
    json: bool,
    /// Also write the war-room report (index.html, report.md, PNG charts) into this folder.
    #[arg(long)]
    report: Option<PathBuf>,
}

#[derive(clap::Args)]
struct ReportArgs {
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
}

enum Failure {
    BadInput(String),
    Internal(String),
    /// `bench`: a --threshold gate was missed (exit 3).
    Gate(String),
    /// `bench`: the generator could not keep its plan (exit 4).
    Invalid(String),
}

impl From<ScenarioError> for Failure {
    fn from(e: ScenarioError) -> Self {
        Failure::BadInput(e.to_string())
    }
}

/// The plans to run: the scenario (or the embedded default) and its variants.
/// A progress bar on stderr for `total` replications; indicatif hides it when stderr is
/// not a terminal, so logs and pipes stay clean.
fn progress(total: u64) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(total);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{spinner} {wide_bar} {pos}/{len} replications, {elapsed} (eta {eta})",
    ) {
        bar.set_style(style);
    }
    bar
}

/// How to run replications: `threads` workers, or all cores when not given.
fn run_config(replications: u64, seed: u64, threads: Option<u64>) -> RunConfig {
    let threads = threads.map_or_else(
        || std::thread::available_parallelism().map_or(1, |n| n.get()),
        |t| t as usize,
    );
    RunConfig {
        replications,
        seed,
        threads,
    }
}

fn load(path: Option<&PathBuf>) -> Result<Vec<Variant>, Failure> {
    match path {
        Some(p) => Ok(load_plans(p)?),
        None => Ok(vec![Variant {
            name: "base".into(),
            description: String::new(),
            scenario: Scenario::default_double11(),
        }]),
    }
}

fn run(args: &RunArgs) -> Result<(), Failure> {
    let plans = load(args.scenario.as_ref())?;
    let cfg = run_config(args.replications, args.seed, args.threads);
    let bar = progress(cfg.replications * plans.len() as u64);
    let results: Vec<PlanResults> = plans
        .iter()
        .map(|p| PlanResults {
            name: p.name.clone(),
            description: p.description.clone(),
            results: replicate::run_observed(&p.scenario, cfg, &|| bar.inc(1)),
        })
        .collect();
    bar.finish_and_clear();
    let base = &plans[0].scenario;
    if let Some(dir) = &args.out {
        write_outputs(dir, &plans, &results).map_err(|e| {
            Failure::Internal(format!("{}: cannot write outputs: {e}", dir.display()))
        })?;
    }
    if let Some(dir) = &args.report {
        write_report(dir, &plans, &results, cfg)?;
    }
    if args.json {
        let json = serde_json::to_string_pretty(&output::summary(base, &results[0].results))
            .map_err(|e| Failure::Internal(e.to_string()))?;
        println!("{json}");
    } else if !args.quiet {
        print!("{}", output::render_table(base, &results[0].results));
        if results.len() > 1 {
            print!("{}", compare::render(&results));
        }
        if let Some(dir) = &args.out {
            println!("\noutputs written to {}", dir.display());
        }
    }
    Ok(())
}

/// Writes the war-room report of a run (and its variants) into `dir`.
/// Finding what fixes a missed target runs more replications (`cfg`); the time taken to
/// draw and write is returned.
fn write_report(
    dir: &std::path::Path,
    plans: &[Variant],
    results: &[PlanResults],
    cfg: RunConfig,
) -> Result<f64, Failure> {
    let bar = progress(0);
    bar.set_message("what fixes the missed targets");
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{spinner} {msg}: {pos} replications, {elapsed}")
    {
        bar.set_style(style);
    }
    let fixes =
        d11sim::report::fix::fixes(&plans[0].scenario, &results[0].results, cfg, &|| bar.inc(1));
    bar.finish_and_clear();
    let clock = std::time::Instant::now();
    let pairs: Vec<(&Scenario, &PlanResults)> =
        plans.iter().map(|p| &p.scenario).zip(results).collect();
    let page = d11sim::report::run_page(dir, &pairs, fixes).map_err(Failure::Internal)?;
    d11sim::report::write_page(dir, &page).map_err(|e| {
        Failure::Internal(format!("{}: cannot write the report: {e}", dir.display()))
    })?;
    Ok(clock.elapsed().as_secs_f64())
}

fn report(args: &ReportArgs) -> Result<(), Failure> {
    let plans = load(args.scenario.as_ref())?;
    let cfg = run_config(args.replications, args.seed, args.threads);
    let bar = progress(cfg.replications * plans.len() as u64);
    let results: Vec<PlanResults> = plans
        .iter()
        .map(|p| PlanResults {
            name: p.name.clone(),
            description: p.description.clone(),
            results: replicate::run_observed(&p.scenario, cfg, &|| bar.inc(1)),
        })
        .collect();
    bar.finish_and_clear();
    let drawn = write_report(&args.out, &plans, &results, cfg)?;
    println!(
        "report written to {} (index.html, report.md, PNG charts); drawn in {drawn:.2} s",
        args.out.display()
    );
    Ok(())
}

/// The base plan's files in `dir`, each variant's in `dir/variants/NAME/`, and the
/// comparison in `dir/comparison.{json,csv}`.
fn write_outputs(
    dir: &std::path::Path,
    plans: &[Variant],
    results: &[PlanResults],
) -> std::io::Result<()> {
    output::write_all(dir, &plans[0].scenario, &results[0].results)?;
    if results.len() > 1 {
        for (p, r) in plans.iter().zip(results).skip(1) {
            output::write_all(&dir.join("variants").join(&p.name), &p.scenario, &r.results)?;
        }
        let json =
            serde_json::to_vec_pretty(&compare::to_json(results)).map_err(std::io::Error::other)?;
        output::write_atomic(&dir.join("comparison.json"), &json)?;
        output::write_atomic(
            &dir.join("comparison.csv"),
            compare::to_csv(results).as_bytes(),
        )?;
    }
    Ok(())
}

fn validate(path: &std::path::Path) -> Result<(), Failure> {
    let plans = load_plans(path)?;
    let scenario = &plans[0].scenario;
    for w in &scenario.warnings {
        eprintln!("warning: {w}");
    }
    let variants = if plans.len() > 1 {
        format!(", {} variants", plans.len() - 1)
    } else {
        String::new()
    };
    println!(
        "ok: {} ({} agents in {} groups, {:.0} expected arrivals{variants})",
        path.display(),
        scenario.agents(),
        scenario.groups.len(),
        scenario.arrivals.curve.expected_total()
    );
    Ok(())
}

fn sweep(args: &SweepArgs) -> Result<(), Failure> {
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
    let points = d11sim::sweep::combinations(&axes);
    let label = args.scenario.display().to_string();
    let scenarios = points
        .iter()
        .map(|p| {
            let shown: Vec<String> = p.iter().map(|(k, v)| format!("{k}={v}")).collect();
            base.with(p, "--set", &format!("{label} ({})", shown.join(", ")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let cfg = run_config(args.replications, args.seed, args.threads);
    let bar = progress(cfg.replications * scenarios.len() as u64);
    let rows: Vec<d11sim::sweep::Row> = points
        .into_iter()
        .zip(&scenarios)
        .map(|(point, sc)| d11sim::sweep::Row {
            point,
            results: replicate::run_observed(sc, cfg, &|| bar.inc(1)),
        })
        .collect();
    bar.finish_and_clear();
    if let Some(dir) = &args.out {
        let write = || -> std::io::Result<()> {
            std::fs::create_dir_all(dir)?;
            output::write_atomic(
                &dir.join("sweep.csv"),
                d11sim::sweep::to_csv(&rows).as_bytes(),
            )?;
            let json = serde_json::to_vec_pretty(&d11sim::sweep::to_json(&rows))
                .map_err(std::io::Error::other)?;
            output::write_atomic(&dir.join("sweep.json"), &json)
        };
        write().map_err(|e| {
            Failure::Internal(format!("{}: cannot write outputs: {e}", dir.display()))
        })?;
    }
    print!("{}", d11sim::sweep::render(&rows, &kpis));
    if let Some(dir) = &args.report {
        let sc = base.with(&[], "(scenario)", "(scenario)")?;
        let page = d11sim::report::sweep_page(dir, &sc, &rows, &kpis).map_err(Failure::Internal)?;
        d11sim::report::write_page(dir, &page).map_err(|e| {
            Failure::Internal(format!("{}: cannot write the report: {e}", dir.display()))
        })?;
        println!("report written to {}", dir.display());
    }
    Ok(())
}

fn erlang(args: &ErlangArgs) -> Result<(), Failure> {
    let bad = |m: String| Failure::BadInput(m);
    let positive = |k: &str, x: f64| {
        if x.is_finite() && x > 0.0 {
            Ok(x)
        } else {
            Err(bad(format!("--{k} must be a finite number > 0, got {x}")))
        }
    };
    let queue = Queue {
        lambda: positive("arrivals-per-hour", args.arrivals_per_hour)? / 3600.0,
        handle_s: positive("handle-s", args.handle_s)?,
        patience_s: args
            .patience_s
            .map(|p| positive("patience-s", p))
            .transpose()?,
        chats: args.chats,
        speed: if args.speed.is_empty() {
            vec![1.0]
        } else {
            args.speed.clone()
        },
    };
    for s in &queue.speed {
        positive("speed", *s)?;
    }
    if !(args.sl_s.is_finite() && args.sl_s >= 0.0) {
        return Err(bad(format!(
            "--sl-s must be a finite number >= 0, got {}",
            args.sl_s
        )));
    }
    let targets = args
        .target
        .iter()
        .map(|t| StaffTarget::parse(t))
        .collect::<Result<Vec<_>, _>>()
        .map_err(bad)?;
    let unstable = |c: u32| {
        bad(format!(
            "with {c} agents the queue grows without bound (offered load at or above capacity, nobody abandons)"
        ))
    };
    let rows: Vec<Metrics> = match (args.agents, targets.is_empty()) {
        (Some(c), _) if queue.stable(c) => vec![queue.metrics(c, args.sl_s)],
        (Some(c), _) => return Err(unstable(c)),
        (None, false) => vec![
            queue
                .staff(&targets, args.sl_s, 1_000_000)
                .ok_or_else(|| bad("no pool of up to 1,000,000 agents meets the targets".into()))?,
        ],
        (None, true) => {
            // from a little below the pool that matches the offered load
            let per_agent = f64::from(queue.chats)
                * queue
                    .speed
                    .get(queue.chats as usize - 1)
                    .or(queue.speed.last())
                    .copied()
                    .unwrap_or(1.0);
            let near = (queue.lambda * queue.handle_s / per_agent).floor() as u32;
            let first = (near.saturating_sub(5).max(1)..)
                .find(|&c| queue.stable(c))
                .unwrap_or(1);
            (first..first + 15)
                .map(|c| queue.metrics(c, args.sl_s))
                .collect()
        }
    };
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&rows).map_err(|e| Failure::Internal(e.to_string()))?
        );
    } else {
        print!("{}", render_erlang(&queue, &rows));
    }
    Ok(())
}

/// Staffing targets (default `service_level>=0.8`) and a checked interval length.
fn staff_targets(
    given: &[String],
    interval_min: f64,
) -> Result<(Vec<String>, Vec<StaffTarget>), Failure> {
    let texts = if given.is_empty() {
        vec!["service_level>=0.8".to_string()]
    } else {
        given.to_vec()
    };
    let targets = texts
        .iter()
        .map(|t| StaffTarget::parse(t))
        .collect::<Result<Vec<_>, _>>()
        .map_err(Failure::BadInput)?;
    if !(interval_min.is_finite() && interval_min >= 1.0) {
        return Err(Failure::BadInput(format!(
            "--interval-min must be at least 1, got {interval_min}"
        )));
    }
    Ok((texts, targets))
}

fn analytic(args: &AnalyticArgs) -> Result<(), Failure> {
    let (texts, targets) = staff_targets(&args.target, args.interval_min)?;
    let plans = load(args.scenario.as_ref())?;
    let sc = &plans[0].scenario;
    let needs = staffing::analytic::per_interval(
        sc,
        &targets,
        d11sim::engine::SimTime::from_secs_f64(args.interval_min * 60.0),
    );
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&needs).map_err(|e| Failure::Internal(e.to_string()))?
        );
    } else {
        print!("{}", staffing::analytic::render(sc, &needs, &texts));
    }
    Ok(())
}

/// Reads a shift templates file; errors name the file and the key.
fn read_templates(path: &std::path::Path) -> Result<shifts::TemplatesFile, Failure> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::BadInput(format!("{shown}: cannot read: {e}")))?;
    toml::from_str(&text).map_err(|e| Failure::BadInput(format!("{shown}: {}", e.message().trim())))
}

/// The scenario file (or the embedded default) as a base for roster edits.
fn load_base(path: Option<&PathBuf>) -> Result<Base, Failure> {
    Ok(match path {
        Some(p) => Base::load(p)?,
        None => Base::from_toml(
            d11sim::scenario::DEFAULT_TOML,
            d11sim::scenario::DEFAULT_NAME,
            std::path::Path::new("scenarios"),
        )?,
    })
}

/// Writes `roster.toml` into `dir`: a scenario that extends the input with `block` as its
/// roster.
fn write_roster(
    dir: &std::path::Path,
    scenario: Option<&PathBuf>,
    by: &str,
    name: &str,
    block: &str,
) -> Result<(), Failure> {
    let extends = match scenario {
        Some(p) => format!(
            "extends = {:?}\n",
            std::fs::canonicalize(p)
                .unwrap_or(p.clone())
                .display()
                .to_string()
        ),
        None => format!("extends = {:?}\n", d11sim::scenario::EMBEDDED),
    };
    let text = format!("# Planned by {by}.\n{extends}name = {name:?}\n\n{block}");
    std::fs::create_dir_all(dir)
        .and_then(|_| output::write_atomic(&dir.join("roster.toml"), text.as_bytes()))
        .map_err(|e| Failure::Internal(format!("{}: cannot write: {e}", dir.display())))
}

fn plan(args: &PlanArgs) -> Result<(), Failure> {
    let (texts, targets) = staff_targets(&args.target, args.interval_min)?;
    let shown = args.templates.display().to_string();
    let file = read_templates(&args.templates)?;
    let base = load_base(args.scenario.as_ref())?;
    let sc = base.with(&[], "(scenario)", "(scenario)")?;
    let opts = shifts::options(&file, &sc.calendar, &sc.groups)
        .map_err(|e| Failure::BadInput(format!("{shown}: {e}")))?;
    let interval = d11sim::engine::SimTime::from_secs_f64(args.interval_min * 60.0);
    let needs = staffing::analytic::per_interval(&sc, &targets, interval);
    let need: Vec<u32> = needs.iter().map(|n| n.agents_needed.unwrap_or(0)).collect();
    let plan =
        shifts::solve(&opts, &file, &need, interval, &sc.calendar).map_err(Failure::BadInput)?;
    println!(
        "requirement: Erlang A per {:.0} min for {} ({})\n",
        args.interval_min,
        sc.name,
        texts.join(", ")
    );
    print!("{}", shifts::render(&plan, &opts, &file, &sc.calendar));
    let groups = shifts::roster(&plan, &opts, &file, &base.raw.groups, &sc.calendar);
    let block = toml::to_string(&d11sim::staffing::shifts::RosterBlock {
        groups: groups.clone(),
    })
    .map_err(|e| Failure::Internal(e.to_string()))?;
    println!("\nroster block (paste into the scenario in place of its [[groups]]):\n\n{block}");
    let value = toml::Value::try_from(&groups).map_err(|e| Failure::Internal(e.to_string()))?;
    let planned = base.with(
        &[("groups".to_string(), value)],
        "(planned roster)",
        &format!("{} with the planned roster", sc.name),
    )?;
    let results = replicate::run(&planned, run_config(args.replications, args.seed, None));
    println!("verification run of the planned roster:\n");
    print!("{}", output::render_table(&planned, &results));
    if let Some(dir) = &args.out {
        write_roster(
            dir,
            args.scenario.as_ref(),
            &format!("d11sim staff plan from {shown}"),
            &format!("{} (planned roster)", sc.name),
            &block,
        )?;
    }
    Ok(())
}

/// The optimiser's targets: the given ones, or the scenario's that can be judged per interval.
fn interval_targets(given: &[String], sc: &Scenario) -> Result<Vec<Target>, Failure> {
    let known: Vec<&str> = Kpi::PER_INTERVAL.iter().map(|k| k.name()).collect();
    let targets: Vec<Target> = if given.is_empty() {
        sc.targets
            .iter()
            .filter(|t| Kpi::PER_INTERVAL.contains(&t.kpi))
            .cloned()
            .collect()
    } else {
        given
            .iter()
            .map(|t| Target::parse(t).map_err(|e| Failure::BadInput(format!("--target: {e}"))))
            .collect::<Result<_, _>>()?
    };
    if let Some(t) = targets.iter().find(|t| !Kpi::PER_INTERVAL.contains(&t.kpi)) {
        return Err(Failure::BadInput(format!(
            "--target `{t}`: {} cannot be judged on one interval's arrivals; use one of {}",
            t.kpi.name(),
            known.join(", ")
        )));
    }
    if targets.is_empty() {
        return Err(Failure::BadInput(format!(
            "no target to staff for: give --target (KPIs: {}), or targets in the scenario",
            known.join(", ")
        )));
    }
    Ok(targets)
}

fn staff_optimize(args: &OptimizeArgs) -> Result<(), Failure> {
    use d11sim::engine::SimTime;
    let clock = std::time::Instant::now();
    staff_targets(&[], args.interval_min)?;
    if !(args.confidence > 0.0 && args.confidence <= 1.0) {
        return Err(Failure::BadInput(format!(
            "--confidence must be above 0 and at most 1, got {}",
            args.confidence
        )));
    }
    let base = load_base(args.scenario.as_ref())?;
    let sc = base.with(&[], "(scenario)", "(scenario)")?;
    let targets = interval_targets(&args.target, &sc)?;
    let templates = match (&args.templates, &args.scenario) {
        (Some(p), _) => Some((read_templates(p)?, p.display().to_string())),
        (None, None) => Some((
            toml::from_str::<shifts::TemplatesFile>(shifts::DEFAULT_TEMPLATES)
                .map_err(|e| Failure::Internal(e.to_string()))?,
            "the embedded shift templates".to_string(),
        )),
        (None, Some(_)) => None,
    };
    let opts = match &templates {
        Some((file, shown)) => Some(
            shifts::options(file, &sc.calendar, &sc.groups)
                .map_err(|e| Failure::BadInput(format!("{shown}: {e}")))?,
        ),
        None => None,
    };
    let like = args.like.clone().unwrap_or_else(|| match &templates {
        Some((file, _)) => file.templates[0].like.clone(),
        None => sc.groups[0].name.clone(),
    });
    let interval = SimTime::from_secs_f64(args.interval_min * 60.0);
    let start: Vec<u32> =
        staffing::analytic::per_interval(&sc, &[StaffTarget::ServiceLevelAtLeast(0.8)], interval)
            .iter()
            .map(|n| n.agents_needed.unwrap_or(0))
            .collect();
    let cfg = run_config(args.replications, args.seed, args.threads);
    let settings = Settings {
        targets: targets.clone(),
        confidence: args.confidence,
        replications: args.replications,
        seed: args.seed,
        threads: cfg.threads,
        interval,
        like,
        start,
    };
    let bar = progress(args.replications);
    let observer = |p: optimize::Progress| {
        if p.done == 0 {
            bar.set_position(0);
            bar.set_message(format!("candidate {} ({})", p.evaluation, p.phase.label()));
        } else {
            bar.set_position(p.done);
        }
    };
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{spinner} {msg} {wide_bar} {pos}/{len} replications, {elapsed}",
    ) {
        bar.set_style(style);
    }
    let mut search =
        Search::new(&base, &settings, &observer).map_err(|e| Failure::BadInput(e.to_string()))?;
    let req = search.run()?;
    if req.active.iter().all(|t| t.iter().all(|a| !a)) {
        bar.finish_and_clear();
        print!("{}", optimize::render(&req, &settings, &sc.calendar, None));
        return Err(Failure::BadInput(
            "no target can be met in any interval, whatever the staffing".into(),
        ));
    }
    let cover = match (&templates, &opts) {
        (Some((file, shown)), Some(opts)) => match search.cover(&req, opts, file, 8) {
            Ok(c) => Some(c),
            Err(e) => {
                bar.finish_and_clear();
                print!("{}", optimize::render(&req, &settings, &sc.calendar, None));
                return Err(Failure::BadInput(format!("{shown}: {e}")));
            }
        },
        _ => None,
    };
    let groups = cover.as_ref().map_or_else(
        || search.level_roster(&req.intervals.iter().map(|r| r.agents).collect::<Vec<_>>()),
        |c| c.groups.clone(),
    );
    let mut planned = search.scenario(&groups)?;
    planned.name = format!("{} with the optimised roster", sc.name);
    planned.targets = targets;
    let vcfg = RunConfig {
        seed: args.seed.wrapping_add(2),
        ..cfg
    };
    bar.set_position(0);
    bar.set_message("verification (fresh replications)");
    let results = replicate::run_observed(&planned, vcfg, &|| bar.inc(1));
    bar.finish_and_clear();
    let shares = search.pass_shares_of(&results.replications, &req.active);

    let shown = cover
        .as_ref()
        .and_then(|_| opts.as_deref().map(|o| (cover.as_ref().unwrap(), o)));
    print!("{}", optimize::render(&req, &settings, &sc.calendar, shown));
    let block = toml::to_string(&shifts::RosterBlock {
        groups: groups.clone(),
    })
    .map_err(|e| Failure::Internal(e.to_string()))?;
    match (&cover, &templates, &opts) {
        (Some(c), Some((file, from)), Some(opts)) => {
            println!(
                "\nshift plan from {from}{}:\n",
                if c.rounds > 1 {
                    format!(
                        " (requirement raised where the first {} plan(s) fell short in simulation)",
                        c.rounds - 1
                    )
                } else {
                    String::new()
                }
            );
            print!("{}", shifts::render(&c.plan, opts, file, &sc.calendar));
            if !c.verified {
                println!(
                    "WARNING: the plan still misses the confidence in some intervals (see `holdout pass`)"
                );
            }
            println!(
                "\nroster block (paste into the scenario in place of its [[groups]]):\n\n{block}"
            );
        }
        _ => println!(
            "\nroster block of the requirement (agents on duty per interval as stacked groups; \
             give --templates for a shift plan):\n\n{block}"
        ),
    }
    println!(
        "verification run: {} fresh replications (seed {}):\n",
        vcfg.replications, vcfg.seed
    );
    print!("{}", output::render_table(&planned, &results));
    let reps = vcfg.replications;
    let mut significant = 0;
    let short: Vec<String> = shares
        .iter()
        .enumerate()
        .filter(|(_, s)| **s < args.confidence - 1e-12)
        .map(|(k, s)| {
            let met = (s * reps as f64).round() as u64;
            let (lo, hi) = d11sim::stats::wilson(met, reps, 1.959_964);
            significant += usize::from(hi < args.confidence);
            format!(
                "{} {met}/{reps} [{:.0}%..{:.0}%]{}",
                sc.calendar
                    .format(SimTime::from_micros(interval.as_micros() * k as u64)),
                lo * 100.0,
                hi * 100.0,
                if hi < args.confidence {
                    " (significant)"
                } else {
                    ""
                }
            )
        })
        .collect();
    if short.is_empty() {
        println!(
            "every interval met the reachable targets in >= {:.0}% of the fresh replications",
            args.confidence * 100.0
        );
    } else {
        println!(
            "intervals below {:.0}% in the fresh replications (95% Wilson interval of the true \
             share; {significant} significantly below): {}",
            args.confidence * 100.0,
            short.join(", ")
        );
    }
    println!(
        "{} candidates simulated in {:.1} s",
        search.evaluations(),
        clock.elapsed().as_secs_f64()
    );
    if let Some(dir) = &args.report {
        optimize_report(dir, &req, shown, &planned, &results, &settings)?;
        println!("report written to {}", dir.display());
    }
    if let Some(dir) = &args.out {
        let csv = optimize::requirement_csv(&req, &sc.calendar, shown, interval);
        std::fs::create_dir_all(dir)
            .and_then(|_| output::write_atomic(&dir.join("requirement.csv"), csv.as_bytes()))
            .and_then(|_| output::write_all(&dir.join("verification"), &planned, &results))
            .map_err(|e| Failure::Internal(format!("{}: cannot write: {e}", dir.display())))?;
        write_roster(
            dir,
            args.scenario.as_ref(),
            "d11sim staff optimize",
            &format!("{} (optimised roster)", sc.name),
            &block,
        )?;
    }
    Ok(())
}

/// The report of `staff optimize`: the verification run's page, led by the recommendation.
fn optimize_report(
    dir: &std::path::Path,
    req: &optimize::Requirement,
    cover: Option<(&optimize::Cover, &[shifts::ShiftOption])>,
    planned: &Scenario,
    results: &replicate::RunResults,
    settings: &Settings,
) -> Result<(), Failure> {
    use d11sim::report::{self, Cell, Table};
    let run = PlanResults {
        name: "optimised roster".into(),
        description: String::new(),
        results: results.clone(),
    };
    let mut page =
        report::run_page(dir, &[(planned, &run)], Vec::new()).map_err(Failure::Internal)?;
    page.title = format!("d11sim staffing report: {}", planned.name);
    let required: Vec<f64> = req.intervals.iter().map(|r| f64::from(r.agents)).collect();
    let mut columns = vec![
        (
            "analytic (Erlang A)".to_string(),
            req.intervals
                .iter()
                .map(|r| f64::from(r.analytic))
                .collect(),
        ),
        ("required (simulation)".to_string(), required),
    ];
    let mut notes = vec![format!(
        "Agents like `{}` per interval so that each interval's arrivals meet {} in at least \
         {:.0}% of {} replications; {} candidates simulated in the search.",
        settings.like,
        settings
            .targets
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(" and "),
        settings.confidence * 100.0,
        settings.replications,
        req.evaluations
    )];
    let mut verdict: Vec<(String, bool)> = req
        .unreachable
        .iter()
        .map(|u| {
            (
                format!(
                    "{} cannot be met by staffing in {} of {} intervals (left out there)",
                    u.target,
                    u.intervals.len(),
                    req.intervals.len()
                ),
                false,
            )
        })
        .collect();
    let mut shift_table = None;
    if let Some((c, opts)) = cover {
        columns.push((
            "shift plan covers".to_string(),
            (0..req.intervals.len())
                .map(|k| {
                    opts.iter()
                        .zip(&c.plan.heads)
                        .filter(|(o, _)| shifts::covers(o, k, settings.interval))
                        .map(|(o, h)| o.weight * f64::from(*h))
                        .sum()
                })
                .collect(),
        ));
        verdict.insert(
            0,
            (
                format!(
                    "Shift plan: {} agents, {:.1} agent-hours (LP lower bound {:.1}); \
                     every reachable target held in the holdout check: {}",
                    c.plan.heads.iter().sum::<u32>(),
                    c.plan.agent_hours,
                    c.plan.lower_bound,
                    if c.verified { "yes" } else { "no" }
                ),
                c.verified,
            ),
        );
        let mut t = Table {
            header: ["group", "shift", "heads"].map(String::from).to_vec(),
            rows: Vec::new(),
        };
        for g in &c.groups {
            t.rows.push(vec![
                Cell::plain(g.name.clone()),
                Cell::plain(
                    g.shifts
                        .iter()
                        .map(|s| s.join(" - "))
                        .collect::<Vec<_>>()
                        .join(", "),
                ),
                Cell::plain(g.count.to_string()),
            ]);
        }
        shift_table = Some(t);
        notes.push("The shift plan's groups follow the table.".into());
    }
    verdict.append(&mut page.verdict);
    page.verdict = verdict;
    let section = report::staffing_section(
        dir,
        &planned.calendar,
        settings.interval,
        "Agents required per interval: analytic floor, simulation, and the shift plan",
        &columns,
        notes,
    )
    .map_err(Failure::Internal)?;
    page.sections.insert(0, section);
    if let Some(t) = shift_table {
        page.sections.insert(
            1,
            report::Section {
                heading: "Shift plan".into(),
                text: Vec::new(),
                table: Some(t),
                figures: Vec::new(),
            },
        );
    }
    report::write_page(dir, &page)
        .map_err(|e| Failure::Internal(format!("{}: cannot write the report: {e}", dir.display())))
}

fn router_serve(
    policy: &str,
    addr: std::net::SocketAddr,
    allow_remote: bool,
) -> Result<(), Failure> {
    let p = d11sim::routing::Policy::parse(&policy.replace('-', "_")).ok_or_else(|| {
        Failure::BadInput(format!(
            "--policy `{policy}`: use least_loaded or longest_idle"
        ))
    })?;
    if !d11sim::service::is_loopback(&addr) && !allow_remote {
        return Err(Failure::BadInput(format!(
            "--addr {addr} is not loopback; pass --allow-remote to serve other hosts"
        )));
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Internal(format!("cannot start the runtime: {e}")))?;
    runtime
        .block_on(d11sim::service::server::serve(p, addr, |bound| {
            use std::io::Write;
            println!("listening on http://{bound} (policy {})", p.name());
            let _ = std::io::stdout().flush();
        }))
        .map_err(|e| Failure::BadInput(format!("--addr {addr}: {e}")))
}

/// Percentiles of a latency histogram (µs) as JSON.
fn percentiles(h: &hdrhistogram::Histogram<u64>) -> serde_json::Value {
    let q = |p: f64| {
        if h.is_empty() {
            0
        } else {
            h.value_at_quantile(p)
        }
    };
    serde_json::json!({
        "count": h.len(), "p50": q(0.5), "p90": q(0.9), "p99": q(0.99), "p99.9": q(0.999),
        "p99.99": q(0.9999), "max": h.max(), "mean": if h.is_empty() { 0.0 } else { h.mean() },
    })
}

fn bench(args: &BenchArgs) -> Result<(), Failure> {
    use d11sim::service::client::{ClientStats, HttpRouter, Pacing, Window};
    use d11sim::service::gate::Threshold;
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, Instant};
    let addr = d11sim::service::parse_target(&args.target).map_err(Failure::BadInput)?;
    if !d11sim::service::is_loopback(&addr) && !args.allow_remote {
        return Err(Failure::BadInput(format!(
            "--target {addr} is not loopback; pass --allow-remote to load another host"
        )));
    }
    if args.open_loop && args.speedup.is_none() {
        return Err(Failure::BadInput(
            "--open-loop sends at a pace: give --speedup K instead of --virtual".into(),
        ));
    }
    if let Some(k) = args.speedup
        && !(k.is_finite() && k > 0.0)
    {
        return Err(Failure::BadInput(format!(
            "--speedup must be above 0, got {k}"
        )));
    }
    if !(args.window_min.is_finite() && args.window_min >= 1.0) {
        return Err(Failure::BadInput(format!(
            "--window-min must be at least 1, got {}",
            args.window_min
        )));
    }
    let plans = load(args.scenario.as_ref())?;
    let sc = &plans[0].scenario;
    if args.speedup.is_none() && !args.threshold.is_empty() {
        return Err(Failure::BadInput(
            "--threshold gates a paced run: give --speedup K".into(),
        ));
    }
    let thresholds = args
        .threshold
        .iter()
        .map(|t| Threshold::parse(t, &sc.calendar))
        .collect::<Result<Vec<_>, _>>()
        .map_err(Failure::BadInput)?;
    let replications = args
        .replications
        .unwrap_or(if args.speedup.is_some() { 1 } else { 3 });
    let timeout = Duration::from_millis(args.timeout_ms);
    let window = d11sim::engine::SimTime::from_secs_f64(args.window_min * 60.0);
    let max_wall = match (args.max_wall_s, args.speedup) {
        (Some(w), _) if w.is_finite() && w > 0.0 => w,
        (Some(w), _) => {
            return Err(Failure::BadInput(format!(
                "--max-wall-s must be above 0, got {w}"
            )));
        }
        (None, Some(k)) => 2.0 * sc.horizon.as_secs_f64() / k + 60.0,
        (None, None) => 3600.0,
    };
    let limits_from = |start: Instant| d11sim::service::client::Limits {
        max_requests: args.max_requests,
        deadline: start + Duration::from_secs_f64(max_wall),
    };
    let bar = progress(replications);
    let mut reps = Vec::new();
    let mut per_rep: Vec<ClientStats> = Vec::new();
    for i in 0..replications {
        if let (true, Some(speedup)) = (args.open_loop, args.speedup) {
            let plan = d11sim::service::load::plan(sc, args.seed, i);
            let stats = d11sim::service::load::run(
                addr,
                sc.agents(),
                &plan,
                speedup,
                window,
                args.connections as usize,
                timeout,
                limits_from(Instant::now()),
            )
            .map_err(Failure::BadInput)?;
            per_rep.push(stats);
            bar.inc(1);
            continue;
        }
        let stats = Arc::new(Mutex::new(ClientStats::default()));
        let mut router = HttpRouter::connect(addr, sc.agents(), timeout, Arc::clone(&stats))
            .map_err(Failure::BadInput)?
            .limited(limits_from(Instant::now()));
        if let Some(speedup) = args.speedup {
            router = router.paced(Pacing {
                start: Instant::now() + Duration::from_millis(20),
                speedup,
                window,
            });
        }
        reps.push(d11sim::model::run_with_router(
            sc,
            args.seed,
            i,
            Box::new(router),
        ));
        per_rep.push(
            Arc::try_unwrap(stats)
                .map(|m| {
                    m.into_inner()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                })
                .unwrap_or_default(),
        );
        bar.inc(1);
    }
    bar.finish_and_clear();
    let results = (!args.open_loop).then(|| replicate::summarise(sc, args.seed, reps));
    let mut all = ClientStats::default();
    let add = |a: &mut hdrhistogram::Histogram<u64>, b: &hdrhistogram::Histogram<u64>| {
        a.add(b).map_err(|e| Failure::Internal(e.to_string()))
    };
    for s in &per_rep {
        add(&mut all.latency_us, &s.latency_us)?;
        add(&mut all.uncorrected_us, &s.uncorrected_us)?;
        add(&mut all.lag_us, &s.lag_us)?;
        if all.windows.len() < s.windows.len() {
            all.windows.resize_with(s.windows.len(), Window::default);
        }
        for (w, x) in all.windows.iter_mut().zip(&s.windows) {
            add(&mut w.corrected_us, &x.corrected_us)?;
            add(&mut w.uncorrected_us, &x.uncorrected_us)?;
            w.requests += x.requests;
            w.failures += x.failures;
        }
        all.wall += s.wall;
        all.requests += s.requests;
        all.waits += s.waits;
        all.timeouts += s.timeouts;
        all.resets += s.resets;
        all.errors += s.errors;
        all.invalid += s.invalid;
        all.capped += s.capped;
        if all.first_error.is_none() {
            all.first_error.clone_from(&s.first_error);
        }
    }
    let failures = all.timeouts + all.resets + all.errors + all.invalid;
    let judged: Vec<_> = thresholds
        .iter()
        .map(|t| t.judge(&all.windows, window))
        .collect();
    let lag_p99_us = if all.lag_us.is_empty() {
        0
    } else {
        all.lag_us.value_at_quantile(0.99)
    };
    let lag_ok = args.speedup.is_none() || lag_p99_us as f64 <= args.max_lag_ms * 1e3;
    let valid = lag_ok && all.capped == 0;
    let mut summary = serde_json::json!({
        "target": args.target,
        "mode": match (args.open_loop, args.speedup.is_some()) {
            (true, _) => "open_loop",
            (false, true) => "paced",
            (false, false) => "virtual",
        },
        "connections": if args.open_loop { args.connections } else { 1 },
        "replications": replications,
        "seed": args.seed,
        "requests": all.requests,
        "waits": all.waits,
        "timeouts": all.timeouts,
        "resets": all.resets,
        "errors": all.errors,
        "invalid_answers": all.invalid,
        "not_sent_at_bounds": all.capped,
        "valid": valid,
        "failure_share": if all.requests > 0 { failures as f64 / all.requests as f64 } else { 0.0 },
        "first_error": all.first_error,
        "timeout_ms": args.timeout_ms,
        "latency_us": percentiles(&all.latency_us),
    });
    if let Some(k) = args.speedup {
        let planned_s = sc.horizon.as_secs_f64() / k * replications as f64;
        let wall_s = all.wall.as_secs_f64();
        summary["speedup"] = serde_json::json!(k);
        summary["latency_us"]["measured_from"] = serde_json::json!("intended send time");
        summary["uncorrected_latency_us"] = percentiles(&all.uncorrected_us);
        summary["send_lag_us"] = percentiles(&all.lag_us);
        summary["offered_per_s"] = serde_json::json!(all.requests as f64 / planned_s.max(1e-9));
        summary["achieved_per_s"] = serde_json::json!(all.requests as f64 / wall_s.max(1e-9));
        summary["wall_s"] = serde_json::json!(wall_s);
        summary["max_lag_ms"] = serde_json::json!(args.max_lag_ms);
        summary["windows"] = serde_json::Value::Array(
            all.windows
                .iter()
                .enumerate()
                .map(|(k, w)| {
                    serde_json::json!({
                        "start": d11sim::report::at(&sc.calendar, window, k),
                        "requests": w.requests,
                        "failures": w.failures,
                        "latency_us": percentiles(&w.corrected_us),
                        "uncorrected_latency_us": percentiles(&w.uncorrected_us),
                    })
                })
                .collect(),
        );
        summary["thresholds"] = serde_json::Value::Array(
            judged
                .iter()
                .map(|j| {
                    serde_json::json!({
                        "threshold": j.threshold.text, "value": j.value, "passed": j.passed,
                    })
                })
                .collect(),
        );
    }
    match &results {
        Some(r) => print!("{}", output::render_table(sc, r)),
        None => println!(
            "open loop over {} connections: the service's answers are not fed back, so there \
             are no KPIs (run --virtual or paced for them)",
            args.connections
        ),
    }
    let q = |h: &hdrhistogram::Histogram<u64>, p: f64| {
        if h.is_empty() {
            0
        } else {
            h.value_at_quantile(p)
        }
    };
    let h = &all.latency_us;
    println!(
        "\nrouting service {}: {} requests; latency µs{} p50 {} p90 {} p99 {} p99.9 {} p99.99 {} max {}",
        args.target,
        all.requests,
        if args.speedup.is_some() {
            " (from the intended send time)"
        } else {
            ""
        },
        q(h, 0.5),
        q(h, 0.9),
        q(h, 0.99),
        q(h, 0.999),
        q(h, 0.9999),
        h.max()
    );
    if args.speedup.is_some() {
        let u = &all.uncorrected_us;
        println!(
            "uncorrected (from the actual send): p50 {} p99 {} max {}; generator send lag p99 {} µs; \
             offered {:.0}/s, achieved {:.0}/s",
            q(u, 0.5),
            q(u, 0.99),
            u.max(),
            lag_p99_us,
            summary["offered_per_s"].as_f64().unwrap_or(0.0),
            summary["achieved_per_s"].as_f64().unwrap_or(0.0)
        );
    }
    println!(
        "answers: {} wait; failures: {} timeouts, {} resets, {} error replies, {} invalid answers{}",
        all.waits,
        all.timeouts,
        all.resets,
        all.errors,
        all.invalid,
        all.first_error
            .as_ref()
            .map_or(String::new(), |e| format!(" (first: {e})"))
    );
    for j in &judged {
        println!(
            "gate {}: {} ({})",
            j.threshold.text,
            if j.passed { "PASS" } else { "FAIL" },
            j.value.map_or("no request in its window".into(), |v| {
                match j.threshold.metric {
                    d11sim::service::gate::Metric::Errors => format!("{:.4}%", v * 100.0),
                    _ => format!("{v:.0} µs"),
                }
            })
        );
    }
    if let Some(dir) = &args.out {
        let write = || -> std::io::Result<()> {
            match &results {
                Some(r) => output::write_all(dir, sc, r)?,
                None => std::fs::create_dir_all(dir)?,
            }
            output::write_atomic(
                &dir.join("bench.json"),
                &serde_json::to_vec_pretty(&summary).map_err(std::io::Error::other)?,
            )?;
            output::write_atomic(
                &dir.join("latency.hgrm"),
                output::write_hgrm(&all.latency_us).as_bytes(),
            )?;
            let log = match args.speedup {
                Some(k) => {
                    let len = Duration::from_secs_f64(window.as_secs_f64() / k);
                    let entries: Vec<_> = all
                        .windows
                        .iter()
                        .enumerate()
                        .flat_map(|(i, w)| {
                            let at = len * i as u32;
                            [
                                ("corrected", at, len, &w.corrected_us),
                                ("uncorrected", at, len, &w.uncorrected_us),
                            ]
                        })
                        .collect();
                    output::write_interval_log(
                        &format!(
                            "d11sim bench: routing latency in µs per {} min of scenario time \
                             ({:.3} s of wall clock at speedup {k}); corrected = from the \
                             intended send time",
                            args.window_min,
                            len.as_secs_f64()
                        ),
                        &entries,
                    )?
                }
                None => {
                    let hists: Vec<&hdrhistogram::Histogram<u64>> =
                        per_rep.iter().map(|s| &s.latency_us).collect();
                    output::write_hlog("routing_latency_us", "µs", &hists)?
                }
            };
            output::write_atomic(&dir.join("latency.hlog"), &log)
        };
        write().map_err(|e| {
            Failure::Internal(format!("{}: cannot write outputs: {e}", dir.display()))
        })?;
    }
    if all.capped > 0 {
        return Err(Failure::Invalid(format!(
            "{} requests were not sent: the run reached --max-requests {} or --max-wall-s {:.0}",
            all.capped, args.max_requests, max_wall
        )));
    }
    if !valid {
        return Err(Failure::Invalid(format!(
            "the generator's own send lag p99 is {:.3} ms, above --max-lag-ms {}: it could \
             not keep the plan at --speedup {}; lower it",
            lag_p99_us as f64 / 1e3,
            args.max_lag_ms,
            args.speedup.unwrap_or(0.0)
        )));
    }
    let missed: Vec<&str> = judged
        .iter()
        .filter(|j| !j.passed)
        .map(|j| j.threshold.text.as_str())
        .collect();
    if !missed.is_empty() {
        return Err(Failure::Gate(missed.join(", ")));
    }
    Ok(())
}

fn formula(args: &FormulaArgs) -> Result<(), Failure> {
    let inputs = match &args.inputs {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| Failure::BadInput(format!("{}: cannot read: {e}", path.display())))?;
            toml::from_str::<FormulaInputs>(&text).map_err(|e| {
                Failure::BadInput(format!("{}: {}", path.display(), e.message().trim()))
            })?
        }
        None => {
            let need = |v: Option<f64>, flag: &str| {
                v.ok_or_else(|| {
                    Failure::BadInput(format!("--{flag} is required (or give --inputs FILE)"))
                })
            };
            FormulaInputs {
                sales_target: need(args.sales_target, "sales-target")?,
                cs_sales_share: need(args.cs_share, "cs-share")?,
                cs_average_order_value: need(args.aov, "aov")?,
                inquiry_conversion: need(args.conversion, "conversion")?,
                saturated_capacity: need(args.capacity, "capacity")?,
                hours_per_agent_day: args.hours_per_day,
            }
        }
    };
    inputs.validate().map_err(Failure::BadInput)?;
    let plans = load(args.scenario.as_ref())?;
    let sc = &plans[0].scenario;
    let result = staffing::formula::compute(&inputs, &sc.arrivals.curve, sc.horizon);
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&result).map_err(|e| Failure::Internal(e.to_string()))?
        );
    } else {
        print!(
            "{}",
            staffing::formula::render(&inputs, &result, &sc.calendar, &sc.name)
        );
    }
    Ok(())
}

fn main() -> ExitCode {
    std::panic::set_hook(Box::new(|info| {
        eprintln!("d11sim: internal error (a bug; please report it): {info}");
    }));
    let cli = Cli::parse();
    let outcome = std::panic::catch_unwind(|| match &cli.command {
        Command::Run(args) => run(args),
        Command::Report(args) => report(args),
        Command::Router {
            command:
                RouterCommand::Serve {
                    policy,
                    addr,
                    allow_remote,
                },
        } => router_serve(policy, *addr, *allow_remote),
        Command::Bench(args) => bench(args),
        Command::Validate { scenario } => validate(scenario),
        Command::Erlang(args) => erlang(args),
        Command::Sweep(args) => sweep(args),
        Command::Staff {
            command: StaffCommand::Formula(args),
        } => formula(args),
        Command::Staff {
            command: StaffCommand::Analytic(args),
        } => analytic(args),
        Command::Staff {
            command: StaffCommand::Plan(args),
        } => plan(args),
        Command::Staff {
            command: StaffCommand::Optimize(args),
        } => staff_optimize(args),
    });
    match outcome {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(Failure::BadInput(msg))) => {
            eprintln!("error: {msg}");
            ExitCode::from(2)
        }
        Ok(Err(Failure::Internal(msg))) => {
            eprintln!("d11sim: internal error: {msg}");
            ExitCode::from(1)
        }
        Ok(Err(Failure::Gate(msg))) => {
            eprintln!("gate missed: {msg}");
            ExitCode::from(3)
        }
        Ok(Err(Failure::Invalid(msg))) => {
            eprintln!("run invalid: {msg}");
            ExitCode::from(4)
        }
        Err(_) => ExitCode::from(1),
    }
}
