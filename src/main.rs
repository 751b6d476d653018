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
    let threads = args.threads.map_or_else(
        || std::thread::available_parallelism().map_or(1, |n| n.get()),
        |t| t as usize,
    );
    let cfg = RunConfig {
        replications: args.replications,
        seed: args.seed,
        threads,
    };
    let results: Vec<PlanResults> = plans
        .iter()
        .map(|p| PlanResults {
            name: p.name.clone(),
            description: p.description.clone(),
            results: replicate::run(&p.scenario, cfg),
        })
        .collect();
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

fn main() -> ExitCode {
    std::panic::set_hook(Box::new(|info| {
        eprintln!("d11sim: internal error (a bug; please report it): {info}");
    }));
    let cli = Cli::parse();
    let outcome = std::panic::catch_unwind(|| match &cli.command {
        Command::Run(args) => run(args),
        Command::Validate { scenario } => validate(scenario),
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
