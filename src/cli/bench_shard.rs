//! `bench --open-loop --shard I/N`: one load generator's share of a day's routing requests
//! (request k of each replication's plan when k mod N = I), written as a shard folder,
//! and the `merge` of such shards: client statistics added exactly (histograms and
//! counts), the longest generator's wall clock, then judged and written as one bench run.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use d11sim::scenario::variants::Variant;
use d11sim::service::client::ClientStats;
use d11sim::shard::{self, ShardHeader, ShardSpec};

use super::bench_report::Judging;
use crate::Failure;

/// The file holding a bench shard's client statistics, one replication per line.
const STATS_FILE: &str = "stats.jsonl";

/// Which shard a bench run is.
pub(crate) struct Shard<'a> {
    pub(crate) plans: &'a [Variant],
    pub(crate) scenario: Option<&'a PathBuf>,
    pub(crate) spec: ShardSpec,
}

/// Writes generator `shard`'s statistics (one per replication measured) to `out`.
pub(crate) fn write(
    out: &Path,
    shard: &Shard,
    judging: &Judging,
    per_rep: &[ClientStats],
    stopped: Option<String>,
) -> Result<(), Failure> {
    let header = ShardHeader {
        tool: "d11sim".into(),
        kind: "bench".into(),
        bench: Some(serde_json::to_value(judging).map_err(|e| Failure::Internal(e.to_string()))?),
        version: env!("CARGO_PKG_VERSION").into(),
        scenario: super::shard::scenario_name(shard.scenario),
        scenario_hash: shard::scenario_hash(shard.plans),
        plans: shard.plans.iter().map(|p| p.name.clone()).collect(),
        seed: judging.seed,
        replications: judging.replications,
        shard: shard.spec.index,
        shards: shard.spec.count,
        first: 0,
        expected: judging.replications,
        count: per_rep.len() as u64,
    };
    shard::check_out(out, &header)?;
    crate::staged(out, |d| {
        let io = |e: std::io::Error| Failure::Internal(format!("{}: {e}", out.display()));
        let mut f = std::io::BufWriter::new(std::fs::File::create(d.join(STATS_FILE)).map_err(io)?);
        for s in per_rep {
            let line = serde_json::to_string(s).map_err(|e| Failure::Internal(e.to_string()))?;
            writeln!(f, "{line}").map_err(io)?;
        }
        f.into_inner()
            .map_err(|e| io(e.into_error()))?
            .sync_all()
            .map_err(io)?;
        let text =
            serde_json::to_vec_pretty(&header).map_err(|e| Failure::Internal(e.to_string()))?;
        d11sim::output::write_atomic(&d.join(shard::HEADER_FILE), &text).map_err(io)
    })?;
    let requests: u64 = per_rep.iter().map(|s| s.requests).sum();
    outln!(
        "load generator {}/{}: {requests} requests over {} replication(s), written to {}",
        shard.spec.index,
        shard.spec.count,
        per_rep.len(),
        out.display()
    );
    match stopped {
        Some(s) => Err(Failure::Invalid(format!(
            "the target failed its reset at {s}; this shard will not merge"
        ))),
        None => Ok(()),
    }
}

/// Merges the bench shards (from `shard::gather`) into one bench run written to `out`.
pub(crate) fn merge(
    shards: &[(PathBuf, ShardHeader)],
    scenario: Option<&PathBuf>,
    out: &Path,
) -> Result<(), Failure> {
    let head = &shards[0].1;
    let path = scenario
        .cloned()
        .or_else(|| (head.scenario != "(embedded)").then(|| PathBuf::from(&head.scenario)));
    let plans = crate::load(path.as_ref())?;
    if shard::scenario_hash(&plans) != head.scenario_hash {
        return Err(Failure::BadInput(format!(
            "the scenario {} is not the one the shards ran; give the same file with --scenario",
            head.scenario
        )));
    }
    let judging: Judging = serde_json::from_value(head.bench.clone().unwrap_or_default())
        .map_err(|e| Failure::BadInput(format!("{}: bench flags: {e}", shards[0].0.display())))?;
    let mut per_rep: Vec<ClientStats> = Vec::new();
    for (dir, h) in shards {
        let path = dir.join(STATS_FILE);
        let bad =
            |line: usize, e: String| Failure::BadInput(format!("{}:{line}: {e}", path.display()));
        let f = std::fs::File::open(&path).map_err(|e| bad(0, e.to_string()))?;
        let mut n = 0;
        for (i, line) in std::io::BufReader::new(f).lines().enumerate() {
            let line = line.map_err(|e| bad(i + 1, e.to_string()))?;
            let s: ClientStats =
                serde_json::from_str(&line).map_err(|e| bad(i + 1, e.to_string()))?;
            if per_rep.len() <= i {
                per_rep.push(s);
            } else {
                // generators ran side by side: counts add, the wall clock is the longest
                let wall = per_rep[i].wall.max(s.wall);
                per_rep[i].absorb(&s).map_err(Failure::Internal)?;
                per_rep[i].wall = wall;
            }
            n += 1;
        }
        if n != h.count {
            return Err(bad(
                n as usize,
                format!("{n} replications where the header promises {}", h.count),
            ));
        }
    }
    super::bench_report::finish(
        &judging,
        &plans[0].scenario,
        &per_rep,
        None,
        None,
        Some(out),
    )
}
