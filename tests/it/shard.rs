//! Shards: `run --shard I/N` on every shard and `merge` give the unsharded run's outputs
//! byte for byte, whatever N (N > R included), with plan variants; shards of different
//! runs, missing, duplicate or interrupted shards are refused with exit 2 and a message
//! saying which.

use std::path::Path;

use crate::common;

/// Every file under `dir`, relative, sorted.
fn files(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).unwrap().display().to_string());
            }
        }
    }
    out.sort();
    out
}

fn ok(args: &[&str], dir: &Path) {
    let o = common::d11sim(args, dir);
    assert!(
        o.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// Runs shards 0..n of `r` replications into `prefix{i}` and merges them into `out`.
fn shard_and_merge(dir: &Path, scenario: &[&str], r: u64, n: u64, prefix: &str, out: &str) {
    let mut names = Vec::new();
    for i in 0..n {
        let name = format!("{prefix}{i}");
        let spec = format!("{i}/{n}");
        let mut args: Vec<&str> = vec!["run"];
        args.extend_from_slice(scenario);
        let r = r.to_string();
        args.extend_from_slice(&["-r", &r, "--shard", &spec, "--out", &name, "-q", "-t", "1"]);
        ok(&args, dir);
        names.push(name);
    }
    let mut args: Vec<&str> = vec!["merge"];
    args.extend(names.iter().map(String::as_str));
    args.extend_from_slice(&["--out", out, "-q"]);
    ok(&args, dir);
}

fn assert_same_tree(a: &Path, b: &Path) {
    let (fa, fb) = (files(a), files(b));
    assert_eq!(fa, fb, "different files");
    for f in fa {
        assert!(
            std::fs::read(a.join(&f)).unwrap() == std::fs::read(b.join(&f)).unwrap(),
            "{f} differs"
        );
    }
}

#[test]
fn sharded_and_merged_runs_are_byte_identical_to_the_unsharded_run() {
    let dir = common::temp_dir("shards");
    let plans = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/hardware_plans.toml");
    ok(&["run", plans, "-r", "3", "--out", "whole", "-q"], &dir);
    for n in [1u64, 2, 5] {
        let out = format!("merged{n}");
        shard_and_merge(&dir, &[plans], 3, n, &format!("s{n}_"), &out);
        assert_same_tree(&dir.join("whole"), &dir.join(&out));
    }
    // the embedded default, N = R and a shard of none (N > R)
    ok(&["run", "-r", "2", "--out", "default", "-q"], &dir);
    shard_and_merge(&dir, &[], 2, 3, "d", "default_merged");
    assert_same_tree(&dir.join("default"), &dir.join("default_merged"));
}

fn refused(args: &[&str], dir: &Path, says: &str) {
    let o = common::d11sim(args, dir);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
    assert!(err.contains(says), "{args:?}: {err}");
    assert!(!dir.join("never").exists(), "{args:?} wrote its output");
}

#[test]
fn shards_of_another_run_missing_or_twice_are_refused_by_name() {
    let dir = common::temp_dir("shard_refusals");
    for i in 0..3 {
        ok(
            &[
                "run",
                "-r",
                "3",
                "--shard",
                &format!("{i}/3"),
                "--out",
                &format!("s{i}"),
                "-q",
            ],
            &dir,
        );
    }
    let small = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/small_store.toml");
    ok(
        &[
            "run",
            small,
            "-r",
            "3",
            "--shard",
            "1/3",
            "--out",
            "other_scenario",
            "-q",
        ],
        &dir,
    );
    ok(
        &[
            "run",
            "-r",
            "3",
            "-s",
            "7",
            "--shard",
            "1/3",
            "--out",
            "other_seed",
            "-q",
        ],
        &dir,
    );
    ok(
        &["run", "-r", "4", "--shard", "1/3", "--out", "other_r", "-q"],
        &dir,
    );
    // a shard written by another version of the binary
    std::fs::create_dir_all(dir.join("other_version")).unwrap();
    for f in [".d11sim", "records.jsonl"] {
        std::fs::copy(dir.join("s1").join(f), dir.join("other_version").join(f)).unwrap();
    }
    let header = std::fs::read_to_string(dir.join("s1/shard.json")).unwrap();
    let version = format!("\"version\": \"{}\"", env!("CARGO_PKG_VERSION"));
    assert!(header.contains(&version));
    std::fs::write(
        dir.join("other_version/shard.json"),
        header.replace(&version, "\"version\": \"0.0.1\""),
    )
    .unwrap();

    let merge = |shards: &[&str]| {
        let mut a = vec!["merge"];
        a.extend_from_slice(shards);
        a.extend_from_slice(&["--out", "never"]);
        a.into_iter().map(String::from).collect::<Vec<String>>()
    };
    let check = |shards: &[&str], says: &str| {
        let args = merge(shards);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        refused(&args, &dir, says);
    };
    check(&["s0", "s2"], "missing shard(s) 1 of 3");
    check(
        &["s0", "s1", "s1", "s2"],
        "shard 1/3 given twice: s1 and s1",
    );
    check(&["s0", "other_scenario", "s2"], "their scenario differs");
    check(&["s0", "other_seed", "s2"], "their seed differs");
    check(&["s0", "other_r", "s2"], "their replications differs");
    check(&["s0", "other_version", "s2"], "their version differs");
    check(&["s0", "s1", "nowhere"], "nowhere: no shard here");
    // a re-submitted task replaces its shard only with the same run's
    ok(
        &["run", "-r", "3", "--shard", "1/3", "--out", "s1", "-q"],
        &dir,
    );
    let o = common::d11sim(
        &["run", "-r", "3", "-s", "9", "--shard", "1/3", "--out", "s1"],
        &dir,
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("holds shard 1/3 of another run"));
    assert_eq!(
        std::fs::read_to_string(dir.join("s1/shard.json")).unwrap(),
        header
    );
    ok(&["merge", "s0", "s1", "s2", "--out", "merged", "-q"], &dir);
}
