//! Same scenario + same seed = byte-identical outputs, whatever the thread count.

use std::path::Path;

use crate::common;

fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for sub in ["", "histograms"] {
        let mut entries: Vec<_> = std::fs::read_dir(dir.join(sub))
            .unwrap()
            .flatten()
            .filter(|e| e.path().is_file())
            .collect();
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            out.push((
                format!("{sub}/{}", e.file_name().to_string_lossy()),
                std::fs::read(e.path()).unwrap(),
            ));
        }
    }
    out
}

#[test]
fn outputs_are_identical_for_any_thread_count() {
    let dir = common::temp_dir("determinism");
    let mut runs = Vec::new();
    for threads in ["1", "2", "3"] {
        let out = dir.join(format!("t{threads}"));
        let o = common::d11sim(
            &[
                "run",
                "-r",
                "5",
                "-s",
                "42",
                "-t",
                threads,
                "-q",
                "--out",
                out.to_str().unwrap(),
            ],
            &dir,
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        runs.push(files(&out));
    }
    assert_eq!(
        runs[0].len(),
        15,
        "summary, series, the .d11sim marker and 12 histogram files"
    );
    assert!(
        runs[0] == runs[1] && runs[1] == runs[2],
        "outputs differ between thread counts"
    );
    let other = dir.join("other-seed");
    let o = common::d11sim(
        &[
            "run",
            "-r",
            "5",
            "-s",
            "43",
            "-q",
            "--out",
            other.to_str().unwrap(),
        ],
        &dir,
    );
    assert!(o.status.success());
    assert_ne!(
        files(&other)[0].1,
        runs[0][1].1,
        "a different seed must change the summary"
    );
}

/// Sends `signal` to the process `pid` (the `kill` command).
fn signal(pid: u32, signal: &str) {
    let ok = std::process::Command::new("kill")
        .args([signal, &pid.to_string()])
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "kill {signal} {pid} failed");
}

/// Starts `d11sim args` in `dir`, interrupts it with SIGINT after `ms`, checks exit 130,
/// and returns how many replications it says it finished (at least one).
fn interrupt_after(dir: &std::path::Path, args: &[&str], ms: u64) -> u64 {
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_d11sim"))
        .args(args)
        .current_dir(dir)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(ms));
    signal(child.id(), "-INT");
    let o = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(130), "{stderr}");
    let k: u64 = stderr
        .split("interrupted: ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no count in: {stderr}"));
    assert!(k >= 1, "{stderr}");
    k
}

#[test]
fn an_interrupted_run_writes_its_finished_replications_as_a_shorter_run_would() {
    let dir = common::temp_dir("interrupt");
    // long enough for a few replications of the default day
    let k = interrupt_after(
        &dir,
        &["run", "-r", "100000", "--out", "out", "--quiet", "-t", "2"],
        2500,
    );
    // the same bytes as a run asked for k replications
    let o = common::d11sim(
        &["run", "-r", &k.to_string(), "--out", "reference", "--quiet"],
        &dir,
    );
    assert!(o.status.success());
    common::assert_same_files(
        &dir.join("out"),
        &dir.join("reference"),
        &[
            "summary.json",
            "series.csv",
            "histograms/first_response_ms.hgrm",
        ],
        &format!("differs from a {k}-replication run"),
    );
    // nothing temporary left beside the outputs
    let names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.contains("partial")), "{names:?}");
}

#[test]
fn an_interrupted_plan_comparison_keeps_the_same_replications_of_every_plan() {
    let dir = common::temp_dir("interrupt_plans");
    let plans = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/hardware_plans.toml");
    let k = interrupt_after(
        &dir,
        &[
            "run", plans, "-r", "100000", "--out", "out", "--quiet", "-t", "2",
        ],
        3000,
    );
    let o = common::d11sim(
        &[
            "run",
            plans,
            "-r",
            &k.to_string(),
            "--out",
            "reference",
            "--quiet",
        ],
        &dir,
    );
    assert!(o.status.success());
    common::assert_same_files(
        &dir.join("out"),
        &dir.join("reference"),
        &[
            "summary.json",
            "series.csv",
            "comparison.csv",
            "variants/old_pcs/summary.json",
            "variants/small_bot_server/series.csv",
            "variants/small_bot_server/histograms/first_response_ms.hlog",
        ],
        &format!("differs from a {k}-replication comparison"),
    );
}

#[test]
fn a_killed_write_never_mixes_two_runs_and_leaves_nothing_behind() {
    let dir = common::temp_dir("kill_write");
    let run = |seed: &str| {
        let o = common::d11sim(
            &["run", "-r", "2", "-s", seed, "--out", "out", "--quiet"],
            &dir,
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        std::fs::read(dir.join("out/summary.json")).unwrap()
    };
    let old = run("1");
    // kills at spread times over a run that replaces it (simulation, then writing)
    for delay_ms in [150, 300, 450, 600, 750, 900] {
        let child = std::process::Command::new(env!("CARGO_BIN_EXE_d11sim"))
            .args(["run", "-r", "2", "-s", "2", "--out", "out", "--quiet"])
            .current_dir(&dir)
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        signal(child.id(), "-KILL");
        let _ = child.wait_with_output();
        let summary = std::fs::read(dir.join("out/summary.json")).unwrap();
        let series = std::fs::read_to_string(dir.join("out/series.csv")).unwrap();
        // summary and series belong to the same run: the old one, or the whole new one
        let seed: serde_json::Value = serde_json::from_slice(&summary).unwrap();
        let seed = seed["seed"].as_u64().unwrap();
        assert!(seed == 1 || seed == 2, "{seed}");
        if seed == 1 {
            assert!(summary == old, "a mix after a kill at {delay_ms} ms");
        }
        assert!(!series.is_empty());
    }
    // the next run clears what the killed ones left
    run("3");
    let names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, vec!["out".to_string()], "left behind: {names:?}");
}

/// Ctrl-C during `nowcast` keeps the replications every move finished: its files are
/// those of a nowcast asked for that many, byte for byte.
#[test]
fn an_interrupted_nowcast_writes_what_a_shorter_one_would() {
    let dir = common::temp_dir("interrupt_nowcast");
    let o = common::d11sim(
        &[
            "run",
            "-r",
            "1",
            "-q",
            "--out",
            "day",
            "--snapshot-at",
            "11-10 23:40",
        ],
        &dir,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    std::fs::write(
        dir.join("moves.toml"),
        "[[move]]\nname = \"temps to 04:00\"\nextend_shift = { group = \"temps\", until = \"11-11 04:00\" }\n",
    )
    .unwrap();
    let args = |r: &str, out: &str| -> Vec<String> {
        [
            "nowcast",
            "--state",
            "day/snapshot/state-0000.json",
            "--observed",
            "day/snapshot/observed-0000.csv",
            "--moves",
            "moves.toml",
            "-r",
            r,
            "-t",
            "2",
            "-q",
            "--out",
            out,
        ]
        .map(String::from)
        .to_vec()
    };
    let long = args("100000", "out");
    let long: Vec<&str> = long.iter().map(String::as_str).collect();
    let k = interrupt_after(&dir, &long, 2500);
    let short = args(&k.to_string(), "reference");
    let short: Vec<&str> = short.iter().map(String::as_str).collect();
    let o = common::d11sim(&short, &dir);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    common::assert_same_files(
        &dir.join("out"),
        &dir.join("reference"),
        &["nowcast.json", "nowcast.csv"],
        &format!("differs from a {k}-replication nowcast"),
    );
}
