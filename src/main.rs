//! The `d11sim` command: parse arguments, call the library, map outcomes to exit codes.
//!
//! Exit codes: 0 success; 1 internal error (I/O, a bug); 2 bad input (scenario, flags).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use d11sim::compare::{self, PlanResults};
use d11sim::output;
use d11sim::replicate::{self, RunConfig};
use d11sim::scenario::variants::{Variant, load_plans};
use d11sim::scenario::{Scenario, ScenarioError};
use d11sim::staffing::{
    self,
    erlang::{Metrics, Queue, StaffTarget, render as render_erlang},
    formula::FormulaInputs,
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
    /// Check a scenario file and report the first error (exit 2) or "ok".
    Validate {
        /// The scenario file (TOML).
        scenario: PathBuf,
    },
    /// Erlang C / Erlang A calculator (and a chat version with several chats per agent).
    Erlang(ErlangArgs),
    /// Run every combination of parameter values with common random numbers.
    Sweep(SweepArgs),
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
}

enum Failure {
    BadInput(String),
    Internal(String),
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

fn plan(args: &PlanArgs) -> Result<(), Failure> {
    use d11sim::staffing::shifts;
    let (texts, targets) = staff_targets(&args.target, args.interval_min)?;
    let shown = args.templates.display().to_string();
    let text = std::fs::read_to_string(&args.templates)
        .map_err(|e| Failure::BadInput(format!("{shown}: cannot read: {e}")))?;
    let file: shifts::TemplatesFile = toml::from_str(&text)
        .map_err(|e| Failure::BadInput(format!("{shown}: {}", e.message().trim())))?;
    let base = match &args.scenario {
        Some(p) => d11sim::scenario::variants::Base::load(p)?,
        None => d11sim::scenario::variants::Base::from_toml(
            d11sim::scenario::DEFAULT_TOML,
            d11sim::scenario::DEFAULT_NAME,
            std::path::Path::new("scenarios"),
        )?,
    };
    let sc = base.with(&[], "(scenario)", "(scenario)")?;
    let names: Vec<&str> = base.raw.groups.iter().map(|g| g.name.as_str()).collect();
    let opts = shifts::options(&file, &sc.calendar, &names)
        .map_err(|e| Failure::BadInput(format!("{shown}: {e}")))?;
    let interval = d11sim::engine::SimTime::from_secs_f64(args.interval_min * 60.0);
    let needs = staffing::analytic::per_interval(&sc, &targets, interval);
    let need: Vec<u32> = needs.iter().map(|n| n.agents_needed.unwrap_or(0)).collect();
    let plan = shifts::solve(&opts, &file, &need, interval).map_err(Failure::BadInput)?;
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
        let extends = match &args.scenario {
            Some(p) => format!(
                "extends = {:?}\n",
                std::fs::canonicalize(p)
                    .unwrap_or(p.clone())
                    .display()
                    .to_string()
            ),
            None => String::new(),
        };
        let text = format!(
            "# Planned by d11sim staff plan from {shown}.\n{extends}name = {:?}\n\n{block}",
            format!("{} (planned roster)", sc.name)
        );
        std::fs::create_dir_all(dir)
            .and_then(|_| output::write_atomic(&dir.join("roster.toml"), text.as_bytes()))
            .map_err(|e| Failure::Internal(format!("{}: cannot write: {e}", dir.display())))?;
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
        Err(_) => ExitCode::from(1),
    }
}
