//! `d11sim run --shard I/N` and `d11sim merge`: replications split over cluster tasks and
//! merged back, byte for byte the outputs of the unsharded run (see `d11sim::shard`).

use std::path::{Path, PathBuf};

use d11sim::replicate::{self, RunConfig};
use d11sim::scenario::variants::Variant;
use d11sim::shard::{self, ShardError, ShardSpec};

use crate::{Failure, PlanResults, check_out, plan_folders, progress, write_outputs};

impl From<ShardError> for Failure {
    fn from(e: ShardError) -> Self {
        match e {
            ShardError::Refused(m) => Failure::BadInput(m),
            ShardError::Io(m) => Failure::Internal(m),
        }
    }
}

/// How a shard names its scenario: the file's absolute path, or "(embedded)".
pub(crate) fn scenario_name(path: Option<&PathBuf>) -> String {
    path.map_or_else(
        || "(embedded)".to_string(),
        |p| {
            std::path::absolute(p)
                .unwrap_or_else(|_| p.clone())
                .display()
                .to_string()
        },
    )
}

/// `run --shard I/N --out DIR`: this shard's replications into a shard folder.
pub(crate) fn run_shard(
    plans: &[Variant],
    scenario: Option<&PathBuf>,
    cfg: RunConfig,
    spec: ShardSpec,
    out: &Path,
    quiet: bool,
) -> Result<(), Failure> {
    check_out(out)?;
    let name = scenario_name(scenario);
    let range = spec.range(cfg.replications);
    let probe = shard::ShardHeader::for_run(&name, plans, cfg, spec);
    shard::check_out(out, &probe)?;
    let bar = progress((range.end - range.start) * plans.len() as u64);
    let mut header = None;
    crate::staged(out, |d| {
        header = Some(shard::run_shard(d, plans, &name, cfg, spec, &|| {
            bar.inc(1)
        })?);
        Ok(())
    })?;
    bar.finish_and_clear();
    let h = header.expect("written when staged succeeds");
    if h.count < h.expected {
        return Err(Failure::Interrupted(format!(
            "{} of this shard's {} replications finished; the shard is written but will not \
             merge until it is run again",
            h.count, h.expected
        )));
    }
    if !quiet {
        outln!(
            "shard {}/{}: replications {}..{} of {} written to {}",
            h.shard,
            h.shards,
            h.first,
            h.first + h.count,
            h.replications,
            out.display()
        );
    }
    Ok(())
}

#[derive(clap::Args)]
pub(crate) struct MergeArgs {
    /// Shard folders written by `run --shard I/N --out DIR`, every shard of one run once.
    #[arg(required = true)]
    shards: Vec<PathBuf>,
    /// Folder for the merged outputs: those of the unsharded run, byte for byte.
    #[arg(short, long)]
    out: PathBuf,
    /// The scenario file, when it is no longer where the shards ran it (it must be the
    /// same file: its fingerprint is checked).
    #[arg(long)]
    scenario: Option<PathBuf>,
    /// Print nothing on stdout.
    #[arg(short, long)]
    quiet: bool,
}

/// `merge SHARD... --out DIR`.
pub(crate) fn merge(args: &MergeArgs) -> Result<(), Failure> {
    check_out(&args.out)?;
    let shards = shard::gather(&args.shards)?;
    let head = &shards[0].1;
    if head.kind == "bench" {
        return super::bench_shard::merge(&shards, args.scenario.as_ref(), &args.out);
    }
    let path = args
        .scenario
        .clone()
        .or_else(|| (head.scenario != "(embedded)").then(|| PathBuf::from(&head.scenario)));
    let plans = crate::load(path.as_ref())?;
    let stage = d11sim::output::staged::Staged::new(&args.out)
        .map_err(|e| Failure::Internal(format!("{}: cannot write: {e}", args.out.display())))?;
    let files = plan_folders(stage.dir(), &plans);
    let runs = shard::merge(&shards, &plans, &files)?;
    let results = PlanResults::of(&plans, runs);
    write_outputs(stage.dir(), &plans, &results).map_err(|e| {
        Failure::Internal(format!("{}: cannot write outputs: {e}", args.out.display()))
    })?;
    stage.commit().map_err(|e| {
        Failure::Internal(format!("{}: cannot put in place: {e}", args.out.display()))
    })?;
    if !args.quiet {
        outln!(
            "merged {} shards ({} replications, seed {}) into {}",
            shards.len(),
            head.replications,
            head.seed,
            args.out.display()
        );
    }
    let _ = replicate::interrupted();
    Ok(())
}
