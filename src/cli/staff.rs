//! `d11sim staff`: the handbook formula, analytic requirement, shift plans and the
//! simulation-based optimiser.

use std::path::PathBuf;

use clap::Subcommand;

use d11sim::kpi::{Kpi, Target};
use d11sim::output;
use d11sim::replicate::{self, RunConfig};
use d11sim::scenario::Scenario;
use d11sim::scenario::variants::Base;
use d11sim::staffing::{
    self,
    erlang::StaffTarget,
    optimize::{self, Search, Settings},
    shifts,
};

use crate::{Failure, load, progress, run_config};

#[derive(Subcommand)]
pub(crate) enum StaffCommand {
    /// The handbook's formula: sales target -> inquiries -> agents, spread by the arrival curve.
    Formula(super::formula::FormulaArgs),
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
pub(crate) struct OptimizeArgs {
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
    /// Language of the report page: `en` or `zh`.
    #[arg(long, default_value = "en", value_name = "en|zh")]
    lang: d11sim::report::Lang,
}

#[derive(clap::Args)]
pub(crate) struct PlanArgs {
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
    /// Plan from a saved requirement (`requirement.csv` of `staff optimize --out`, its
    /// `required` column) instead of the Erlang A requirement; `--interval-min` must match.
    #[arg(long, conflicts_with = "target")]
    requirement: Option<PathBuf>,
}

#[derive(clap::Args)]
pub(crate) struct AnalyticArgs {
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
        outln!(
            "{}",
            serde_json::to_string_pretty(&needs).map_err(|e| Failure::Internal(e.to_string()))?
        );
    } else {
        out!("{}", staffing::analytic::render(sc, &needs, &texts));
    }
    Ok(())
}

/// Reads a shift templates file; errors name the file and the key.
fn read_templates(path: &std::path::Path) -> Result<shifts::TemplatesFile, Failure> {
    let shown = path.display().to_string();
    let text = d11sim::input::read_text(path, d11sim::input::MAX_TOML_BYTES)
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

fn plan(args: &PlanArgs) -> Result<(), Failure> {
    if let Some(dir) = &args.out {
        // found before the plan and its verification run, not after them
        output::staged::check_writable(dir).map_err(|e| Failure::BadInput(format!("--out {e}")))?;
    }
    let (texts, targets) = staff_targets(&args.target, args.interval_min)?;
    let shown = args.templates.display().to_string();
    let file = read_templates(&args.templates)?;
    let base = load_base(args.scenario.as_ref())?;
    let sc = base.with(&[], "(scenario)", "(scenario)")?;
    let opts = shifts::options(&file, &sc.calendar, &sc.groups)
        .map_err(|e| Failure::BadInput(format!("{shown}: {e}")))?;
    let interval = d11sim::engine::SimTime::from_secs_f64(args.interval_min * 60.0);
    let (need, source) = match &args.requirement {
        Some(path) => (
            read_requirement(path, &sc, interval)?,
            format!("{} (saved requirement)", path.display()),
        ),
        None => (
            staffing::analytic::per_interval(&sc, &targets, interval)
                .iter()
                .map(|n| n.agents_needed.unwrap_or(0))
                .collect(),
            format!("Erlang A ({})", texts.join(", ")),
        ),
    };
    let plan =
        shifts::solve(&opts, &file, &need, interval, &sc.calendar).map_err(Failure::BadInput)?;
    outln!(
        "requirement: {source} per {:.0} min for {}\n",
        args.interval_min,
        sc.name
    );
    out!("{}", shifts::render(&plan, &opts, &file, &sc.calendar));
    let groups = shifts::roster(&plan, &opts, &file, &base.raw.groups, &sc.calendar);
    let block = toml::to_string(&d11sim::staffing::shifts::RosterBlock {
        groups: groups.clone(),
    })
    .map_err(|e| Failure::Internal(e.to_string()))?;
    outln!("\nroster block (paste into the scenario in place of its [[groups]]):\n\n{block}");
    let value = toml::Value::try_from(&groups).map_err(|e| Failure::Internal(e.to_string()))?;
    let planned = base.with(
        &[("groups".to_string(), value)],
        "(planned roster)",
        &format!("{} with the planned roster", sc.name),
    )?;
    let results = replicate::run(&planned, run_config(args.replications, args.seed, None));
    crate::not_exhausted("the planned roster cannot be verified; nothing written")?;
    outln!("verification run of the planned roster:\n");
    out!("{}", output::render_table(&planned, &results));
    if let Some(dir) = &args.out {
        super::roster_file::write_roster(
            dir,
            args.scenario.as_ref(),
            &format!("d11sim staff plan from {shown}"),
            &format!("{} (planned roster)", sc.name),
            &block,
        )?;
    }
    Ok(())
}

/// The `required` column of a saved requirement, one row per interval of `sc` in order;
/// errors name the file, the line and the rule.
fn read_requirement(
    path: &std::path::Path,
    sc: &Scenario,
    interval: d11sim::engine::SimTime,
) -> Result<Vec<u32>, Failure> {
    let shown = path.display().to_string();
    let bad = |line: u64, rule: String| Failure::BadInput(format!("{shown}:{line}: {rule}"));
    let bytes = d11sim::input::read_capped(path, d11sim::input::MAX_CSV_BYTES)
        .map_err(|e| Failure::BadInput(format!("{shown}: cannot read the requirement: {e}")))?;
    let mut reader = csv::Reader::from_reader(bytes.as_slice());
    let header = reader
        .headers()
        .map_err(|e| bad(1, format!("not a CSV header: {e}")))?
        .clone();
    let column = |name: &str| {
        header.iter().position(|h| h == name).ok_or_else(|| {
            bad(
                1,
                format!("no `{name}` column (the header of `staff optimize`'s requirement.csv)"),
            )
        })
    };
    let (start_col, req_col) = (column("start")?, column("required")?);
    let intervals = sc.horizon.as_micros().div_ceil(interval.as_micros()) as usize;
    let mut need = Vec::new();
    for (k, row) in reader.records().enumerate() {
        let line = k as u64 + 2;
        let row = row.map_err(|e| bad(line, format!("not a CSV row: {e}")))?;
        let want = sc.calendar.format(d11sim::engine::SimTime::from_micros(
            interval.as_micros() * k as u64,
        ));
        let start = row.get(start_col).unwrap_or_default();
        if start != want {
            return Err(bad(
                line,
                format!(
                    "interval {k} starts at `{start}`, but this scenario's interval {k} starts \
                     at {want}: the requirement belongs to another scenario or --interval-min"
                ),
            ));
        }
        let value = row.get(req_col).unwrap_or_default();
        need.push(value.parse::<u32>().map_err(|_| {
            bad(
                line,
                format!("`required` must be a whole number of agents, got `{value}`"),
            )
        })?);
    }
    if need.len() != intervals {
        return Err(bad(
            need.len() as u64 + 1,
            format!(
                "{} interval row(s), but the scenario has {intervals} of {:.0} min: the \
                 requirement belongs to another scenario or --interval-min",
                need.len(),
                interval.as_secs_f64() / 60.0
            ),
        ));
    }
    Ok(need)
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
    // one bar for the whole run: the search's candidates, the shift plan's check and the
    // verification, in replications, so its ETA is the run's
    let stages = Stages {
        plan: templates.is_some(),
        replications: args.replications,
    };
    let bar = progress(stages.replications * stages.total(0, optimize::Phase::Ceiling) as u64);
    let observer = |p: optimize::Progress| stages.show(&bar, p);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{spinner} {msg} {wide_bar} {percent}%, {elapsed} (eta {eta})",
    ) {
        bar.set_style(style);
    }
    let mut search =
        Search::new(&base, &settings, &observer).map_err(|e| Failure::BadInput(e.to_string()))?;
    crate::check_apart(args.out.as_deref(), args.report.as_deref())?;
    if let Some(dir) = &args.out {
        // found before the search, not after ten minutes of it; the folder itself is made
        // when its first file is finished (an interrupted search leaves no empty folder)
        output::staged::check(dir).map_err(|e| Failure::BadInput(format!("--out {e}")))?;
    }
    if let Some(dir) = &args.report {
        output::staged::check(dir).map_err(|e| Failure::BadInput(format!("--report {e}")))?;
    }
    let req = search.run()?;
    if let Some(dir) = &args.out {
        // the search's result is kept whatever happens to the plan after it
        let csv = optimize::requirement_csv(&req, &sc.calendar, None, interval);
        std::fs::create_dir_all(dir)
            .and_then(|()| output::write_atomic(&dir.join("requirement.csv"), csv.as_bytes()))
            .map_err(|e| Failure::Internal(format!("{}: cannot write: {e}", dir.display())))?;
        output::staged::keep(&dir.join("requirement.csv"));
        bar.println(format!(
            "requirement written to {} ({:.1} s)",
            dir.join("requirement.csv").display(),
            clock.elapsed().as_secs_f64()
        ));
    }
    if req.active.iter().all(|t| t.iter().all(|a| !a)) {
        bar.finish_and_clear();
        out!("{}", optimize::render(&req, &settings, &sc.calendar, None));
        return Err(Failure::BadInput(
            "no target can be met in any interval, whatever the staffing".into(),
        ));
    }
    let cover = match (&templates, &opts) {
        (Some((file, shown)), Some(opts)) => match search.cover(&req, opts, file, 8) {
            Ok(c) => Some(c),
            Err(e) => {
                bar.finish_and_clear();
                out!("{}", optimize::render(&req, &settings, &sc.calendar, None));
                let kept = args.out.as_ref().map_or(String::new(), |dir| {
                    format!(
                        "\nthe requirement is kept in {}: change the templates and re-plan \
                         from it with `d11sim staff plan{} --templates {} --requirement {} \
                         --interval-min {}`",
                        dir.join("requirement.csv").display(),
                        args.scenario
                            .as_ref()
                            .map_or(String::new(), |p| format!(" {}", p.display())),
                        shown,
                        dir.join("requirement.csv").display(),
                        args.interval_min
                    )
                });
                return Err(Failure::BadInput(format!("{shown}: {e}{kept}")));
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
    planned.name_zh = format!("{}（优化后的排班）", sc.name_zh);
    planned.targets = targets;
    // the verification is judged by the rule the search used: each target held in at
    // least `--confidence` of the replications, on the day and in every interval
    planned.target_share = args.confidence;
    let vcfg = RunConfig {
        seed: args.seed.wrapping_add(2),
        ..cfg
    };
    if let Some(dir) = &args.out {
        // the plan is kept before the verification run, which may be interrupted
        super::roster_file::write_roster(
            dir,
            args.scenario.as_ref(),
            "d11sim staff optimize",
            &format!("{} (optimised roster)", sc.name),
            &roster_block(&groups)?,
        )?;
        output::staged::keep(&dir.join("roster.toml"));
    }
    let verification = search.evaluations() as u64 * args.replications;
    bar.set_length(verification + args.replications);
    bar.set_position(verification);
    bar.set_message(stages.label(None, search.evaluations() + 1, search.evaluations() + 1));
    let mut results = replicate::run_kept(&planned, vcfg, &replicate::Keep::Memory, &|| bar.inc(1));
    crate::not_exhausted("the planned roster cannot be verified")?;
    bar.finish_and_clear();
    for u in &req.unreachable {
        if let Some(t) = results.targets.iter_mut().find(|t| t.target == u.target) {
            t.gating = replicate::judge::Gating {
                gates: false,
                reason: Some(replicate::judge::NotGating::Staffing(
                    u.intervals.len(),
                    req.intervals.len(),
                )),
            };
        }
    }

    let shown = cover
        .as_ref()
        .and_then(|_| opts.as_deref().map(|o| (cover.as_ref().unwrap(), o)));
    out!("{}", optimize::render(&req, &settings, &sc.calendar, shown));
    let block = roster_block(&groups)?;
    match (&cover, &templates, &opts) {
        (Some(c), Some((file, from)), Some(opts)) => {
            outln!(
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
            out!("{}", shifts::render(&c.plan, opts, file, &sc.calendar));
            if !c.verified {
                outln!(
                    "WARNING: the plan still misses the confidence in some intervals (see `holdout pass`)"
                );
            }
            outln!(
                "\nroster block (paste into the scenario in place of its [[groups]]):\n\n{block}"
            );
        }
        _ => outln!(
            "\nroster block of the requirement (agents on duty per interval as stacked groups; \
             give --templates for a shift plan):\n\n{block}"
        ),
    }
    outln!(
        "verification run: {} fresh replications (seed {}):\n",
        vcfg.replications,
        vcfg.seed
    );
    out!("{}", output::render_table(&planned, &results));
    outln!(
        "{} candidates simulated in {:.1} s",
        search.evaluations(),
        clock.elapsed().as_secs_f64()
    );
    if let Some(dir) = &args.report {
        super::staff_report::optimize_report(
            dir, &req, shown, &planned, &results, &settings, args.lang,
        )?;
        outln!("report written to {}", dir.display());
    }
    if let Some(dir) = &args.out {
        let csv = optimize::requirement_csv(&req, &sc.calendar, shown, interval);
        std::fs::create_dir_all(dir)
            .and_then(|_| output::write_atomic(&dir.join("requirement.csv"), csv.as_bytes()))
            .and_then(|_| output::write_all(&dir.join("verification"), &planned, &results))
            .map_err(|e| Failure::Internal(format!("{}: cannot write: {e}", dir.display())))?;
    }
    Ok(())
}

/// The `[[groups]]` block of a roster.
fn roster_block(groups: &[d11sim::scenario::file::GroupFile]) -> Result<String, Failure> {
    toml::to_string(&shifts::RosterBlock {
        groups: groups.to_vec(),
    })
    .map_err(|e| Failure::Internal(e.to_string()))
}

/// The stages of `staff optimize` for its progress bar: the search's phases, the shift
/// plan's check (with templates) and the verification run.
struct Stages {
    plan: bool,
    replications: u64,
}

impl Stages {
    /// Candidates in the whole run, the verification counted as one, given the search's
    /// estimate of its own.
    fn total(&self, expected: usize, phase: optimize::Phase) -> usize {
        let plan_to_come = self.plan && phase != optimize::Phase::Plan;
        expected.max(3) + usize::from(plan_to_come) + 1
    }

    /// `[3/6 bisection] candidate 7 of ~15`.
    fn label(&self, phase: Option<optimize::Phase>, candidate: usize, total: usize) -> String {
        use optimize::Phase;
        let mut names = vec!["ceiling", "analytic start", "bisection", "repair"];
        if self.plan {
            names.push("shift plan check");
        }
        names.push("verification");
        let name = phase.map_or("verification", Phase::label);
        let at = names.iter().position(|n| *n == name).unwrap_or(0) + 1;
        format!(
            "[{at}/{} {name}] candidate {candidate} of ~{total}",
            names.len()
        )
    }

    fn show(&self, bar: &indicatif::ProgressBar, p: optimize::Progress) {
        let total = self.total(p.expected, p.phase);
        bar.set_length(total as u64 * self.replications);
        bar.set_position((p.evaluation as u64 - 1) * self.replications + p.done);
        if p.done == 0 {
            bar.set_message(self.label(Some(p.phase), p.evaluation, total));
        }
    }
}

/// Runs a `staff` subcommand.
pub(crate) fn dispatch(command: &StaffCommand) -> Result<(), Failure> {
    match command {
        StaffCommand::Formula(args) => super::formula::formula(args),
        StaffCommand::Analytic(args) => analytic(args),
        StaffCommand::Plan(args) => plan(args),
        StaffCommand::Optimize(args) => staff_optimize(args),
    }
}

#[cfg(test)]
mod tests {
    use super::Stages;
    use d11sim::staffing::optimize::Phase;

    #[test]
    fn the_bar_counts_every_stage_of_the_run() {
        let with_plan = Stages {
            plan: true,
            replications: 10,
        };
        // the search's 20 candidates, the plan check to come, the verification
        assert_eq!(with_plan.total(20, Phase::Bisect), 22);
        // during the plan check the search's estimate already holds it
        assert_eq!(with_plan.total(23, Phase::Plan), 24);
        assert_eq!(
            with_plan.label(Some(Phase::Bisect), 7, 22),
            "[3/6 bisection] candidate 7 of ~22"
        );
        assert_eq!(
            with_plan.label(None, 24, 24),
            "[6/6 verification] candidate 24 of ~24"
        );
        let without = Stages {
            plan: false,
            replications: 10,
        };
        assert_eq!(without.total(20, Phase::Repair), 21);
        assert_eq!(
            without.label(Some(Phase::Repair), 19, 21),
            "[4/5 repair] candidate 19 of ~21"
        );
    }
}
