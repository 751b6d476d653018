//! Shards: a run's replications split over several processes (a Slurm job array, a
//! Kubernetes indexed Job, or plain background jobs) and merged back exactly.
//!
//! `run --shard I/N` runs the contiguous block of replications `I*R/N .. (I+1)*R/N`
//! (integer division; a shard may be empty when N > R) and writes a shard folder:
//! `shard.json` (what run it belongs to) and `records.jsonl` (one line per replication
//! and plan, in order: the replication's whole result, histograms V2-deflate encoded, so
//! nothing is lost). `merge` checks the shards belong to one run, then folds their records
//! in replication order through the same summary a local run uses, so its outputs are
//! byte-identical to the unsharded run with the same seed.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::model::ReplicationResult;
use crate::replicate::{self, Keep, Prepared, RunConfig, RunResults, Summariser};
use crate::scenario::variants::Variant;

/// The file naming the run a shard belongs to.
pub const HEADER_FILE: &str = "shard.json";
/// The file holding a shard's replications.
pub const RECORDS_FILE: &str = "records.jsonl";

/// `I/N`: shard `I` (0-based) of `N`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShardSpec {
    /// This shard, `0..count`.
    pub index: u64,
    /// Shards in all.
    pub count: u64,
}

impl std::str::FromStr for ShardSpec {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let (i, n) = s
            .split_once('/')
            .ok_or_else(|| format!("`{s}`: give the shard as I/N, e.g. 0/4"))?;
        let parse = |x: &str, what: &str| {
            x.trim()
                .parse::<u64>()
                .map_err(|_| format!("`{s}`: {what} `{x}` is not a whole number"))
        };
        let (index, count) = (parse(i, "I")?, parse(n, "N")?);
        if count == 0 || count > MAX_SHARDS {
            return Err(format!("`{s}`: N must lie in 1..={MAX_SHARDS}"));
        }
        if index >= count {
            return Err(format!("`{s}`: I must lie in 0..N (0..={})", count - 1));
        }
        Ok(ShardSpec { index, count })
    }
}

/// Most shards a run may be split into.
pub const MAX_SHARDS: u64 = 100_000;

impl ShardSpec {
    /// The replications of this shard out of `replications`: a contiguous block, the
    /// blocks of all shards covering `0..replications` in order.
    pub fn range(self, replications: u64) -> std::ops::Range<u64> {
        let at =
            |i: u64| (u128::from(i) * u128::from(replications) / u128::from(self.count)) as u64;
        at(self.index)..at(self.index + 1)
    }
}

/// What run a shard belongs to (`shard.json`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ShardHeader {
    /// Always "d11sim".
    pub tool: String,
    /// "run" (replications: `records.jsonl`) or "bench" (an open-loop load generator's
    /// share: `stats.jsonl`).
    #[serde(default = "run_kind")]
    pub kind: String,
    /// A bench shard: the flags the merged run is judged and reported with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bench: Option<serde_json::Value>,
    /// The binary's version: shards of different versions do not merge.
    pub version: String,
    /// The scenario file as given (absolute), or "(embedded)".
    pub scenario: String,
    /// Fingerprint of every plan's resolved scenario (see [`scenario_hash`]).
    pub scenario_hash: String,
    /// Plan names, base first.
    pub plans: Vec<String>,
    /// Master seed.
    pub seed: u64,
    /// Replications of the whole run.
    pub replications: u64,
    /// This shard's index.
    pub shard: u64,
    /// Shards in all.
    pub shards: u64,
    /// First replication of this shard.
    pub first: u64,
    /// Replications this shard should hold.
    pub expected: u64,
    /// Replications it holds (fewer after Ctrl-C: such a shard does not merge).
    pub count: u64,
}

fn run_kind() -> String {
    "run".into()
}

impl ShardHeader {
    /// The header of `run` shard `spec` of `plans` (nothing finished yet).
    pub fn for_run(scenario: &str, plans: &[Variant], cfg: RunConfig, spec: ShardSpec) -> Self {
        let range = spec.range(cfg.replications);
        ShardHeader {
            tool: "d11sim".into(),
            kind: run_kind(),
            bench: None,
            version: env!("CARGO_PKG_VERSION").into(),
            scenario: scenario.into(),
            scenario_hash: scenario_hash(plans),
            plans: plans.iter().map(|p| p.name.clone()).collect(),
            seed: cfg.seed,
            replications: cfg.replications,
            shard: spec.index,
            shards: spec.count,
            first: range.start,
            expected: range.end - range.start,
            count: 0,
        }
    }
}

impl ShardHeader {
    /// What `other` differs in from this shard's run (`None`: a shard of the same run,
    /// whatever its index).
    pub fn same_run(&self, other: &ShardHeader) -> Option<&'static str> {
        if self.kind != other.kind {
            Some("kind")
        } else if self.version != other.version {
            Some("version")
        } else if self.scenario_hash != other.scenario_hash {
            Some("scenario")
        } else if self.seed != other.seed {
            Some("seed")
        } else if self.replications != other.replications {
            Some("replications")
        } else if self.shards != other.shards {
            Some("number of shards")
        } else if self.plans != other.plans {
            Some("plans")
        } else if self.bench != other.bench {
            Some("bench flags")
        } else {
            None
        }
    }
}

/// A fingerprint of the plans' resolved scenarios (FNV-1a over their full contents, CSV
/// arrival data included), stable across builds: shards and merge must agree on it.
pub fn scenario_hash(plans: &[Variant]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in plans {
        for b in format!("{}\n{:?}\n", p.name, p.scenario).bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

/// One line of `records.jsonl`.
#[derive(Serialize, Deserialize)]
struct Record {
    plan: usize,
    result: ReplicationResult,
}

/// Why a shard could not be written or merged.
#[derive(Debug)]
pub enum ShardError {
    /// The shards (or the folder) do not fit the rules: the message says which.
    Refused(String),
    /// Reading or writing failed.
    Io(String),
}

/// The header of the shard in `dir`.
pub fn read_header(dir: &Path) -> Result<ShardHeader, ShardError> {
    let path = dir.join(HEADER_FILE);
    let text = crate::input::read_text(&path, 1 << 20).map_err(|e| {
        ShardError::Refused(format!(
            "{}: no shard here ({e}): a failed or unfinished task?",
            dir.display()
        ))
    })?;
    serde_json::from_str(&text)
        .map_err(|e| ShardError::Refused(format!("{}: not a shard header: {e}", path.display())))
}

/// Checks that `dir` may take shard `header`: a new or empty folder, or one holding the
/// same shard of the same run (a re-submitted task replaces it); a shard of another run
/// is refused.
pub fn check_out(dir: &Path, header: &ShardHeader) -> Result<(), ShardError> {
    if !dir.join(HEADER_FILE).exists() {
        return Ok(());
    }
    let old = read_header(dir)?;
    let differs = old
        .same_run(header)
        .or((old.shard != header.shard).then_some("shard index"));
    match differs {
        None => Ok(()),
        Some(what) => Err(ShardError::Refused(format!(
            "{}: holds shard {}/{} of another run (its {what} differs); give another folder",
            dir.display(),
            old.shard,
            old.shards
        ))),
    }
}

/// Runs shard `spec` of the run (`plans`, `cfg.replications` in all) into `dir`, which
/// the caller stages; `done` is called after each replication. Returns the header
/// written.
pub fn run_shard(
    dir: &Path,
    plans: &[Variant],
    scenario: &str,
    cfg: RunConfig,
    spec: ShardSpec,
    done: &(dyn Fn() + Sync),
) -> Result<ShardHeader, ShardError> {
    let range = spec.range(cfg.replications);
    let mut header = ShardHeader::for_run(scenario, plans, cfg, spec);
    let io = |e: std::io::Error| ShardError::Io(format!("{}: {e}", dir.display()));
    let mut out =
        std::io::BufWriter::new(std::fs::File::create(dir.join(RECORDS_FILE)).map_err(io)?);
    let mut failed: Option<std::io::Error> = None;
    if header.expected > 0 {
        let local = RunConfig {
            replications: header.expected,
            ..cfg
        };
        header.count = replicate::run_rows(
            local,
            plans.len(),
            |p, i| {
                let r = crate::model::try_run_replication(
                    &plans[p].scenario,
                    cfg.seed,
                    range.start + i,
                );
                done();
                r.map_err(|e| replicate::exhaust(i, e)).ok()
            },
            |plan, _, result| {
                let Some(result) = result else { return };
                if failed.is_some() {
                    return;
                }
                let line = serde_json::to_string(&Record { plan, result })
                    .map_err(std::io::Error::other)
                    .and_then(|l| writeln!(out, "{l}"));
                if let Err(e) = line {
                    failed = Some(e);
                }
            },
        );
    }
    if let Some(e) = failed {
        return Err(io(e));
    }
    out.into_inner()
        .map_err(|e| io(e.into_error()))?
        .sync_all()
        .map_err(io)?;
    let text = serde_json::to_vec_pretty(&header).map_err(|e| ShardError::Io(e.to_string()))?;
    crate::output::write_atomic(&dir.join(HEADER_FILE), &text).map_err(io)?;
    Ok(header)
}

/// The shards in `dirs`, checked to be exactly the shards of one run, by index.
pub fn gather(dirs: &[PathBuf]) -> Result<Vec<(PathBuf, ShardHeader)>, ShardError> {
    let mut shards: Vec<(PathBuf, ShardHeader)> = Vec::new();
    for d in dirs {
        let h = read_header(d)?;
        if h.tool != "d11sim" {
            return Err(ShardError::Refused(format!(
                "{}: not a d11sim shard",
                d.display()
            )));
        }
        if let Some((first, f)) = shards.first()
            && let Some(what) = f.same_run(&h)
        {
            return Err(ShardError::Refused(format!(
                "{} and {} are shards of different runs: their {what} differs \
                 ({what}: {} against {})",
                first.display(),
                d.display(),
                field(f, what),
                field(&h, what)
            )));
        }
        if let Some((other, _)) = shards.iter().find(|(_, x)| x.shard == h.shard) {
            return Err(ShardError::Refused(format!(
                "shard {}/{} given twice: {} and {}",
                h.shard,
                h.shards,
                other.display(),
                d.display()
            )));
        }
        if h.count != h.expected {
            return Err(ShardError::Refused(format!(
                "{}: shard {}/{} holds {} of its {} replications (interrupted); run it again",
                d.display(),
                h.shard,
                h.shards,
                h.count,
                h.expected
            )));
        }
        shards.push((d.clone(), h));
    }
    let Some((_, any)) = shards.first() else {
        return Err(ShardError::Refused("no shard folders given".into()));
    };
    let n = any.shards;
    let missing: Vec<String> = (0..n)
        .filter(|i| !shards.iter().any(|(_, h)| h.shard == *i))
        .map(|i| i.to_string())
        .collect();
    if !missing.is_empty() {
        let shown = if missing.len() > 10 {
            format!(
                "{}, ... ({} in all)",
                missing[..10].join(", "),
                missing.len()
            )
        } else {
            missing.join(", ")
        };
        return Err(ShardError::Refused(format!(
            "missing shard(s) {shown} of {n}: their tasks failed or have not finished"
        )));
    }
    shards.sort_by_key(|(_, h)| h.shard);
    Ok(shards)
}

fn field(h: &ShardHeader, what: &str) -> String {
    match what {
        "version" => h.version.clone(),
        "scenario" => format!("{} (hash {})", h.scenario, h.scenario_hash),
        "seed" => h.seed.to_string(),
        "replications" => h.replications.to_string(),
        "number of shards" => h.shards.to_string(),
        "kind" => h.kind.clone(),
        "bench flags" => h.bench.as_ref().map_or(String::new(), ToString::to_string),
        _ => h.plans.join(","),
    }
}

/// Folds the records of `shards` (from [`gather`]) into one summary per plan, keeping
/// each plan's per-replication files in `files` (as a local run does).
pub fn merge(
    shards: &[(PathBuf, ShardHeader)],
    plans: &[Variant],
    files: &[Keep],
) -> Result<Vec<RunResults>, ShardError> {
    let head = &shards[0].1;
    if scenario_hash(plans) != head.scenario_hash {
        return Err(ShardError::Refused(format!(
            "the scenario {} is not the one the shards ran (hash {} against {}); give the \
             same file with --scenario",
            head.scenario,
            scenario_hash(plans),
            head.scenario_hash
        )));
    }
    let mut sums: Vec<Summariser> = plans
        .iter()
        .zip(files)
        .map(|(p, keep)| Summariser::new(&p.scenario, head.seed, keep))
        .collect();
    let mut next = 0u64;
    for (dir, h) in shards {
        let path = dir.join(RECORDS_FILE);
        let corrupt = |line: usize, why: String| {
            ShardError::Refused(format!("{}:{line}: {why}", path.display()))
        };
        let f = std::fs::File::open(&path)
            .map_err(|e| ShardError::Refused(format!("{}: {e}", path.display())))?;
        let mut lines = 0usize;
        for (n, line) in std::io::BufReader::new(f).lines().enumerate() {
            let line = line.map_err(|e| corrupt(n + 1, e.to_string()))?;
            let r: Record =
                serde_json::from_str(&line).map_err(|e| corrupt(n + 1, e.to_string()))?;
            let want = (next, lines % plans.len());
            if (r.result.index, r.plan) != want {
                return Err(corrupt(
                    n + 1,
                    format!(
                        "replication {} of plan {} where {} of plan {} was due",
                        r.result.index, r.plan, want.0, want.1
                    ),
                ));
            }
            let sc = &plans[r.plan].scenario;
            let files = sums[r.plan].wants_files();
            sums[r.plan].add(Prepared::new(sc, r.result, files));
            lines += 1;
            if lines.is_multiple_of(plans.len()) {
                next += 1;
            }
        }
        if lines as u64 != h.count * plans.len() as u64 {
            return Err(corrupt(
                lines,
                format!(
                    "{lines} records where the header promises {}",
                    h.count * plans.len() as u64
                ),
            ));
        }
    }
    Ok(sums.into_iter().map(Summariser::finish).collect())
}

/// Serde for one HdrHistogram: its V2-deflate encoding, base64.
pub mod v2_one {
    use base64::Engine;
    use hdrhistogram::Histogram;
    use hdrhistogram::serialization::{
        Deserializer as HdrDeserializer, Serializer as _, V2DeflateSerializer,
    };
    use serde::{Deserialize, Deserializer, Serializer};

    /// The encoding of `h`.
    pub fn encode(h: &Histogram<u64>) -> Result<String, String> {
        let mut buf = Vec::new();
        V2DeflateSerializer::new()
            .serialize(h, &mut buf)
            .map_err(|e| format!("{e:?}"))?;
        Ok(base64::engine::general_purpose::STANDARD.encode(buf))
    }

    /// The histogram of an encoding.
    pub fn decode(text: &str) -> Result<Histogram<u64>, String> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(text)
            .map_err(|e| e.to_string())?;
        HdrDeserializer::new()
            .deserialize(&mut bytes.as_slice())
            .map_err(|e| format!("{e:?}"))
    }

    /// Writes the encoding.
    pub fn serialize<S: Serializer>(h: &Histogram<u64>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&encode(h).map_err(serde::ser::Error::custom)?)
    }

    /// Reads it back.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Histogram<u64>, D::Error> {
        decode(&String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// Serde for [`crate::metrics::Histograms`]: the six histograms as HdrHistogram
/// V2-deflate encodings, base64.
pub mod v2 {
    use hdrhistogram::Histogram;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::v2_one::{decode, encode};
    use crate::metrics::Histograms;

    /// Writes the six encodings in field order.
    pub fn serialize<S: Serializer>(h: &Histograms, s: S) -> Result<S::Ok, S::Error> {
        let texts: Result<Vec<String>, S::Error> = h
            .all()
            .iter()
            .map(|x| encode(x).map_err(serde::ser::Error::custom))
            .collect();
        texts?.serialize(s)
    }

    /// Reads them back.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Histograms, D::Error> {
        let texts: Vec<String> = Vec::deserialize(d)?;
        if texts.len() != 6 {
            return Err(serde::de::Error::custom(format!(
                "{} histograms where 6 were expected",
                texts.len()
            )));
        }
        let mut all: Vec<Histogram<u64>> = Vec::with_capacity(6);
        for t in texts {
            all.push(decode(&t).map_err(serde::de::Error::custom)?);
        }
        let mut it = all.into_iter();
        let mut next = || it.next().expect("six checked above");
        Ok(Histograms {
            first_response_ms: next(),
            reply_response_ms: next(),
            wait_served_ms: next(),
            wait_abandoned_ms: next(),
            duration_ms: next(),
            bot_time_ms: next(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_cover_every_replication_once_in_order() {
        for r in [1u64, 2, 7, 10, 100] {
            for n in [1u64, 2, 3, 4, 7, 16, 150] {
                let mut next = 0;
                for i in 0..n {
                    let range = ShardSpec { index: i, count: n }.range(r);
                    assert_eq!(range.start, next, "R {r} N {n} shard {i}");
                    next = range.end;
                }
                assert_eq!(next, r);
            }
        }
        assert!("3/2".parse::<ShardSpec>().is_err());
        assert!("0/0".parse::<ShardSpec>().is_err());
        assert!("a/2".parse::<ShardSpec>().is_err());
        assert_eq!(
            "1/4".parse::<ShardSpec>(),
            Ok(ShardSpec { index: 1, count: 4 })
        );
    }
}
