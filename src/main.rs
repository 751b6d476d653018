//! The `d11sim` command: parse arguments, call the library, map outcomes to exit codes.
//!
//! Exit codes: 0 success; 1 internal error (I/O, a bug); 2 bad input (scenario, flags);
//! `bench` only: 3 a gate missed, 4 the run invalid; 5 a replication reached the memory
//! budget (`--max-memory`); 6 stdout or stderr could not be written; 130 interrupted. `staff` and `router`/`bench` live in
//! `cli/`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Writes to stdout; a write that fails ends the command (see [`console_failed`]).
macro_rules! out {
    ($($arg:tt)*) => { $crate::say(false, format_args!($($arg)*)) };
}

/// [`out!`] with a newline.
macro_rules! outln {
    () => { $crate::say(false, format_args!("\n")) };
    ($($arg:tt)*) => { $crate::say(false, format_args!("{}\n", format_args!($($arg)*))) };
}

/// Writes a line to stderr; a write that fails ends the command.
macro_rules! errln {
    ($($arg:tt)*) => { $crate::say(true, format_args!("{}\n", format_args!($($arg)*))) };
}

mod cli;
pub(crate) use cli::progress::{progress, progress_rows};

/// Writes to stdout (or stderr), ending the command when the write fails.
pub(crate) fn say(stderr: bool, args: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let written = if stderr {
        std::io::stderr().lock().write_fmt(args)
    } else {
        let mut out = std::io::stdout().lock();
        out.write_fmt(args).and_then(|()| out.flush())
    };
    if let Err(e) = written {
        console_failed(if stderr { "stderr" } else { "stdout" }, &e);
    }
}

/// A write to the terminal failed. A closed pipe (`| head`) ends the command silently
/// with exit 0, as the reader wanted no more; any other failure (a full disk, an I/O
/// error) with a one-line message on stderr, if it can still be written, and exit 6.
/// Either way the outputs under way are abandoned and the finished ones kept, as on a
/// second Ctrl-C.
fn console_failed(stream: &str, e: &std::io::Error) -> ! {
    use std::io::Write;
    output::staged::abandon();
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        std::process::exit(0);
    }
    let _ = writeln!(
        std::io::stderr(),
        "d11sim: cannot write to {stream}: {e}; stopped"
    );
    std::process::exit(6);
}

use cli::bench::{BenchArgs, RouterCommand};
use cli::erlang::ErlangArgs;
use cli::staff::StaffCommand;
use cli::sweep::SweepArgs;

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
    /// Most expected arrivals per replication a scenario may have (a budget against runaway
    /// inputs; raise it for platform-scale scenarios).
    #[arg(long, global = true, default_value_t = d11sim::scenario::budget::DEFAULT_MAX_CUSTOMERS)]
    max_customers: u64,
    /// Memory the replications under way may hold together (customers present at once,
    /// waiting lines, pending events), e.g. 4G or 512M; default: half the least of the
    /// machine's RAM, the cgroup limit and `ulimit -v`, at least 256M. A replication that
    /// reaches its share stops with exit 5; the finished ones are written.
    #[arg(long, global = true, value_name = "SIZE", value_parser = d11sim::scenario::budget::parse_memory)]
    max_memory: Option<u64>,
}

#[derive(Subcommand)]
enum Command {
    /// Simulate a scenario and report its KPIs with 95% confidence intervals.
    Run(RunArgs),
    /// Simulate a scenario and write the war-room report: index.html (self-contained, charts
    /// inline as SVG), report.md and PNG charts.
    Report(cli::report::ReportArgs),
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
    /// Merge the shard folders of `run --shard I/N` into the outputs of the unsharded run.
    Merge(cli::shard::MergeArgs),
    /// Fit a scenario's inputs (arrival curve, class mix, patience with censoring,
    /// handling, bot) to a store's own conversation log, each with its 95% interval.
    Calibrate(cli::calibrate::CalibrateArgs),
    /// Re-forecast the rest of the night's arrivals from the arrivals so far against the
    /// plan (a gamma-Poisson update, with 90% and 50% bands), or back-test it on whole days.
    Forecast(cli::forecast::ForecastArgs),
    /// The war room's next hours: replications warm-started from the live state, arrivals
    /// re-forecast from those so far, and each move with the same random numbers as doing
    /// nothing, with per-interval bands and paired differences.
    Nowcast(cli::nowcast::NowcastArgs),
    /// Print a shell completion script: `d11sim completions bash > /etc/bash_completion.d/d11sim`
    /// (also zsh, fish, powershell, elvish).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
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
    /// Also write the war-room report (index.html, report.md, PNG charts) into this folder.
    #[arg(long)]
    report: Option<PathBuf>,
    /// Language of the report page: `en` (English, the trade's Chinese names beside the
    /// KPIs) or `zh` (Chinese). Charts carry both in either.
    #[arg(long, default_value = "en", value_name = "en|zh")]
    lang: d11sim::report::Lang,
    /// Exit with code 3 when a scenario target is missed on the day's mean (the base plan):
    /// a roster check for CI pipelines. Outputs are written first.
    #[arg(long)]
    fail_on_targets: bool,
    /// Run only shard I of N (0-based) of the replications, a contiguous block, and write
    /// a shard folder to --out for `d11sim merge` (a Slurm array task: I =
    /// $SLURM_ARRAY_TASK_ID, N = $SLURM_ARRAY_TASK_COUNT).
    #[arg(long, value_name = "I/N", requires = "out", conflicts_with_all = ["report", "json", "fail_on_targets", "log", "snapshot_at"])]
    shard: Option<d11sim::shard::ShardSpec>,
    /// Also write the conversation log of the simulated days into this folder
    /// (conversations.csv, messages.csv, log.toml; docs/log-format.md): one replication is
    /// one day, the input `calibrate` reads.
    #[arg(long, value_name = "DIR")]
    log: Option<PathBuf>,
    /// Also write each simulated day's live state at this moment and its arrivals so far
    /// into --out (snapshot/state-NNNN.json, snapshot/observed-NNNN.csv;
    /// docs/state-format.md): the inputs `nowcast` reads, for drills and tests.
    #[arg(long, value_name = "MM-DD HH:MM", requires = "out")]
    snapshot_at: Option<String>,
}

enum Failure {
    BadInput(String),
    Internal(String),
    /// `bench`: a --threshold gate was missed; `run --fail-on-targets`: a target (exit 3).
    Gate(String),
    /// `bench`: the generator could not keep its plan (exit 4).
    Invalid(String),
    /// Ctrl-C or SIGTERM: the finished replications were written (exit 130).
    Interrupted(String),
    /// A replication reached its share of `--max-memory`: the finished ones were written
    /// (exit 5).
    Exhausted(String),
}

impl From<ScenarioError> for Failure {
    fn from(e: ScenarioError) -> Self {
        Failure::BadInput(e.to_string())
    }
}

/// The plans to run: the scenario (or the embedded default) and its variants.
/// A progress bar on stderr for `total` replications; indicatif hides it when stderr is
/// not a terminal, so logs and pipes stay clean.
/// PASS in green and FAIL in red when stdout is a terminal and NO_COLOR is unset (the
/// text is unchanged otherwise: pipes, files and CI logs stay plain).
fn colour(table: &str) -> String {
    use std::io::IsTerminal;
    let wanted = std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    if !wanted {
        return table.to_string();
    }
    table
        .replace(" PASS ", " \x1b[32mPASS\x1b[0m ")
        .replace(" FAIL ", " \x1b[31mFAIL\x1b[0m ")
}

/// How to run replications: `threads` workers, or all cores when not given.
pub(crate) fn run_config(replications: u64, seed: u64, threads: Option<u64>) -> RunConfig {
    let threads = threads.map_or_else(
        || std::thread::available_parallelism().map_or(1, |n| n.get()),
        |t| t as usize,
    );
    // each replication under way gets its share of the memory budget
    d11sim::scenario::budget::set_parallel(threads.min(replications as usize));
    RunConfig {
        replications,
        seed,
        threads,
    }
}

/// After a run whose results feed a further step (a verification run, a sweep point):
/// fails when a replication stopped at its memory budget, naming what grew.
pub(crate) fn not_exhausted(what: &str) -> Result<(), Failure> {
    match replicate::exhausted() {
        Some(e) => Err(Failure::Exhausted(format!("{e}; {what}"))),
        None => Ok(()),
    }
}

/// After a run: the failure to report when a replication stopped at its memory budget
/// (`finished` replications were kept), else `None`.
pub(crate) fn exhausted(finished: usize, of: u64, kept: &str) -> Option<Failure> {
    replicate::exhausted().map(|e| {
        let what = if finished == 0 {
            "no replication finished; nothing written".to_string()
        } else {
            format!("{finished} of {of} replications finished; {kept}")
        };
        Failure::Exhausted(format!("{e}; {what}"))
    })
}

pub(crate) fn load(path: Option<&PathBuf>) -> Result<Vec<Variant>, Failure> {
    match path {
        Some(p) => Ok(load_plans(p)?),
        None => Ok(vec![Variant {
            name: "base".into(),
            description: String::new(),
            scenario: Scenario::default_double11(),
            window: None,
        }]),
    }
}

/// Runs every plan with `cfg`, with a progress bar; `files` is where each plan's
/// per-replication files go (one per plan, or empty for none).
///
/// Replication `i` of every plan runs before replication `i + 1` of any, so after Ctrl-C
/// every plan holds the same replications `0..k` and plan differences stay paired; the
/// note says how many. Plans without a replication are dropped.
pub(crate) fn run_plans(
    plans: &[Variant],
    cfg: RunConfig,
    files: &[replicate::Keep],
) -> (Vec<PlanResults>, Option<String>) {
    let bar = progress(cfg.replications * plans.len() as u64);
    let keep = |i: usize| files.get(i).cloned().unwrap_or_default();
    let jobs: Vec<(&Scenario, replicate::Keep)> = plans
        .iter()
        .enumerate()
        .map(|(i, p)| (&p.scenario, keep(i)))
        .collect();
    let runs = replicate::run_plans(&jobs, cfg, &|| bar.inc(1));
    bar.finish_and_clear();
    let k = runs.first().map_or(0, |r| r.replications.len());
    let results = if k == 0 {
        Vec::new()
    } else {
        PlanResults::of(plans, runs)
    };
    let note = replicate::interrupted()
        .then(|| format!("{k} of {} replications finished", cfg.replications));
    (results, note)
}

/// Where `run --out DIR` streams each plan's per-replication files: the base plan's in
/// `DIR`, each variant's in `DIR/variants/NAME/` (see [`write_outputs`]).
fn plan_folders(dir: &std::path::Path, plans: &[Variant]) -> Vec<replicate::Keep> {
    plans
        .iter()
        .enumerate()
        .map(|(i, p)| {
            replicate::Keep::Folder(if i == 0 {
                dir.to_path_buf()
            } else {
                dir.join("variants").join(&p.name)
            })
        })
        .collect()
}

/// Checks an output folder before any work (see `output::staged::check`).
pub(crate) fn check_out(dir: &std::path::Path) -> Result<(), Failure> {
    output::staged::check(dir).map_err(|e| Failure::BadInput(format!("--out {e}")))
}

/// Checks that `--out` and `--report`, when both are given, are separate folders.
pub(crate) fn check_apart(
    out: Option<&std::path::Path>,
    report: Option<&std::path::Path>,
) -> Result<(), Failure> {
    match (out, report) {
        (Some(o), Some(r)) => {
            output::staged::check_apart(("--out", o), ("--report", r)).map_err(Failure::BadInput)
        }
        _ => Ok(()),
    }
}

/// Fills `dir` through a temporary folder with `fill`, then puts it in place whole.
pub(crate) fn staged(
    dir: &std::path::Path,
    fill: impl FnOnce(&std::path::Path) -> Result<(), Failure>,
) -> Result<(), Failure> {
    let stage = output::staged::Staged::new(dir)
        .map_err(|e| Failure::Internal(format!("{}: cannot write: {e}", dir.display())))?;
    fill(stage.dir())?;
    stage
        .commit()
        .map_err(|e| Failure::Internal(format!("{}: cannot put in place: {e}", dir.display())))
}

fn run(args: &RunArgs) -> Result<(), Failure> {
    let plans = load(args.scenario.as_ref())?;
    if let (Some(spec), Some(out)) = (args.shard, &args.out) {
        let cfg = run_config(args.replications, args.seed, args.threads);
        return cli::shard::run_shard(&plans, args.scenario.as_ref(), cfg, spec, out, args.quiet);
    }
    check_apart(args.out.as_deref(), args.report.as_deref())?;
    for dir in args.out.iter().chain(&args.report) {
        check_out(dir)?;
    }
    if let Some(log) = &args.log {
        cli::log::check(log, &[("--out", &args.out), ("--report", &args.report)])?;
    }
    let snapshot_at = match &args.snapshot_at {
        Some(at) => Some(cli::snapshot::moment(&plans[0].scenario, at)?),
        None => None,
    };
    let cfg = run_config(args.replications, args.seed, args.threads);
    // `--out` is filled through a temporary folder that the replications' series and
    // histogram logs stream into as they finish
    let stage = match &args.out {
        Some(dir) => Some(
            output::staged::Staged::new(dir)
                .map_err(|e| Failure::Internal(format!("{}: cannot write: {e}", dir.display())))?,
        ),
        None => None,
    };
    let files = stage
        .as_ref()
        .map_or_else(Vec::new, |s| plan_folders(s.dir(), &plans));
    let (results, interrupted) = run_plans(&plans, cfg, &files);
    let finished = results.first().map_or(0, |r| r.results.replications.len());
    let exhausted = exhausted(finished, cfg.replications, "their outputs are written");
    if results.is_empty() {
        if let Some(f) = exhausted {
            return Err(f);
        }
        return Err(Failure::Interrupted(
            "before any replication finished; nothing written".into(),
        ));
    }
    let base = &plans[0].scenario;
    if let (Some(dir), Some(stage)) = (&args.out, stage) {
        if let Some(at) = snapshot_at {
            let finished = run_config(finished as u64, args.seed, args.threads);
            cli::snapshot::write(stage.dir(), base, finished, at)?;
        }
        write_outputs(stage.dir(), &plans, &results).map_err(|e| {
            Failure::Internal(format!("{}: cannot write outputs: {e}", dir.display()))
        })?;
        stage.commit().map_err(|e| {
            Failure::Internal(format!("{}: cannot put in place: {e}", dir.display()))
        })?;
    }
    if let Some(dir) = &args.report {
        cli::report::write_report(dir, &plans, &results, cfg, args.lang)?;
    }
    if let Some(dir) = &args.log
        && interrupted.is_none()
    {
        let days = cli::log::write_log(dir, base, cfg)?;
        if !args.quiet && !args.json {
            eprintln!(
                "conversation log of {days} simulated days written to {}",
                dir.display()
            );
        }
    }
    if let Some(f) = exhausted {
        return Err(f);
    }
    if let Some(note) = interrupted {
        return Err(Failure::Interrupted(format!(
            "{note}; their outputs are written"
        )));
    }
    if args.json {
        let json = serde_json::to_string_pretty(&output::summary(base, &results[0].results))
            .map_err(|e| Failure::Internal(e.to_string()))?;
        outln!("{json}");
    } else if !args.quiet {
        out!(
            "{}",
            colour(&output::render_table(base, &results[0].results))
        );
        if results.len() > 1 {
            out!("{}", compare::render(&results));
        }
        if let Some(dir) = &args.out {
            outln!("\noutputs written to {}", dir.display());
        }
    }
    if args.fail_on_targets {
        gate(base, &results[0].results)?;
    }
    Ok(())
}

/// `--fail-on-targets`: fails when a gating target is not met (missed or unsure, on the
/// day or in an interval); the message is the judgement the table and the page print.
fn gate(sc: &d11sim::scenario::Scenario, r: &d11sim::replicate::RunResults) -> Result<(), Failure> {
    if let Some(w) = r.warnings().first() {
        return Err(Failure::Gate(format!("the targets cannot be judged: {w}")));
    }
    let gating: Vec<_> = r.targets.iter().filter(|t| t.gating.gates).collect();
    let failing: Vec<String> = gating
        .iter()
        .filter(|t| !t.met())
        .map(|t| d11sim::report::describe(sc, r, t, d11sim::report::Lang::En))
        .collect();
    if failing.is_empty() {
        return Ok(());
    }
    Err(Failure::Gate(format!(
        "{} of {} gating targets not met: {}",
        failing.len(),
        gating.len(),
        failing.join(" | ")
    )))
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
        errln!("warning: {w}");
    }
    if let Some(w) = d11sim::staffing::analytic::overload(scenario) {
        errln!("warning: {w}");
    }
    let variants = if plans.len() > 1 {
        format!(", {} variants", plans.len() - 1)
    } else {
        String::new()
    };
    outln!(
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
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "d11sim: internal error (a bug; please report it): {info}"
        );
    }));
    let cli = Cli::parse();
    d11sim::scenario::budget::set_max_customers(cli.max_customers);
    if let Some(bytes) = cli.max_memory {
        d11sim::scenario::budget::set_max_memory(bytes);
    }
    // run, report and sweep keep their finished replications on Ctrl-C or SIGTERM; a
    // second signal, or one during any other command, exits at once
    let catches = matches!(
        cli.command,
        Command::Run(_) | Command::Report(_) | Command::Sweep(_) | Command::Nowcast(_)
    );
    let _ = ctrlc::set_handler(move || {
        if catches && !d11sim::replicate::interrupted() {
            d11sim::replicate::interrupt();
            errln!(
                "\ninterrupt: finishing the replications under way, then writing the finished \
                 ones (again to quit at once)"
            );
        } else {
            d11sim::output::staged::abandon();
            let kept = d11sim::output::staged::kept();
            if !kept.is_empty() {
                let names: Vec<String> = kept.iter().map(|p| p.display().to_string()).collect();
                errln!(
                    "\ninterrupted: the finished stages are kept: {}",
                    names.join(", ")
                );
            }
            std::process::exit(130);
        }
    });
    let outcome = std::panic::catch_unwind(|| match &cli.command {
        Command::Run(args) => run(args),
        Command::Report(args) => cli::report::report(args),
        Command::Router {
            command:
                RouterCommand::Serve {
                    policy,
                    addr,
                    allow_remote,
                    max_connections,
                },
        } => cli::bench::router_serve(policy, *addr, *allow_remote, *max_connections as usize),
        Command::Bench(args) => cli::bench::bench(args),
        Command::Validate { scenario } => validate(scenario),
        Command::Erlang(args) => cli::erlang::erlang(args),
        Command::Sweep(args) => cli::sweep::sweep(args),
        Command::Merge(args) => cli::shard::merge(args),
        Command::Calibrate(args) => cli::calibrate::calibrate(args),
        Command::Forecast(args) => cli::forecast::forecast(args),
        Command::Nowcast(args) => cli::nowcast::nowcast(args),
        Command::Staff { command } => cli::staff::dispatch(command),
        Command::Completions { shell } => {
            use clap::CommandFactory;
            let mut script = Vec::new();
            clap_complete::generate(*shell, &mut Cli::command(), "d11sim", &mut script);
            out!("{}", String::from_utf8_lossy(&script));
            Ok(())
        }
    });
    // every message is one line, whatever a value it quotes holds
    let one_line = |m: String| m.replace('\r', "\\r").replace('\n', "\\n");
    let outcome = outcome.map(|r| {
        r.map_err(|f| match f {
            Failure::BadInput(m) => Failure::BadInput(one_line(m)),
            Failure::Internal(m) => Failure::Internal(one_line(m)),
            Failure::Gate(m) => Failure::Gate(one_line(m)),
            Failure::Invalid(m) => Failure::Invalid(one_line(m)),
            Failure::Interrupted(m) => Failure::Interrupted(one_line(m)),
            Failure::Exhausted(m) => Failure::Exhausted(one_line(m)),
        })
    });
    match outcome {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(Failure::BadInput(msg))) => {
            errln!("error: {msg}");
            ExitCode::from(2)
        }
        Ok(Err(Failure::Internal(msg))) => {
            errln!("d11sim: internal error: {msg}");
            ExitCode::from(1)
        }
        Ok(Err(Failure::Gate(msg))) => {
            errln!("gate missed: {msg}");
            ExitCode::from(3)
        }
        Ok(Err(Failure::Invalid(msg))) => {
            errln!("run invalid: {msg}");
            ExitCode::from(4)
        }
        Ok(Err(Failure::Exhausted(msg))) => {
            errln!("memory budget reached: {msg}");
            ExitCode::from(5)
        }
        Ok(Err(Failure::Interrupted(msg))) => {
            errln!("interrupted: {msg}");
            ExitCode::from(130)
        }
        Err(_) => ExitCode::from(1),
    }
}
