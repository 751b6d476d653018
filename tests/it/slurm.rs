//! The sharded path on a real cluster engine: a Slurm job array submitted to slurmctld
//! (`sbatch --array --wait` of `deploy/slurm/d11sim-array.sbatch`, one shard per task),
//! merged, and compared byte for byte with the local run; `submit.sh --wait` failing fast
//! on a failed task. They need a cluster, so a plain `cargo test` lists them as ignored;
//! `.ci/run` runs them with `--include-ignored` after starting the one-node cluster of
//! `deploy/slurm/local-cluster.sh`.

use std::process::Command;

use crate::common;

fn slurm_answers() -> bool {
    Command::new("sinfo")
        .arg("-h")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Panics with what to do when no cluster answers (the tests below are run on purpose).
fn require_slurm() {
    assert!(
        slurm_answers(),
        "no Slurm cluster answers: run `bash deploy/slurm/local-cluster.sh start` as root"
    );
}

#[test]
#[ignore = "needs a Slurm cluster (deploy/slurm/local-cluster.sh); run with cargo test -- --include-ignored"]
fn a_slurm_job_array_of_shards_merges_into_the_local_runs_bytes() {
    require_slurm();
    let dir = common::temp_dir("slurm");
    let plans = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/hardware_plans.toml");
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/deploy/slurm/d11sim-array.sbatch"
    );
    // 4 shards of 3 replications: one task has none to run
    let (shards, replications) = (4, "3");
    let o = Command::new("sbatch")
        .args([
            "--parsable",
            "--wait",
            &format!("--array=0-{}", shards - 1),
            &format!("--chdir={}", dir.display()),
            script,
            plans,
            replications,
            "20261111",
            &dir.display().to_string(),
        ])
        .env("D11SIM_BIN", env!("CARGO_BIN_EXE_d11sim"))
        .output()
        .expect("sbatch runs");
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "sbatch: {stdout} {}",
        String::from_utf8_lossy(&o.stderr)
    );
    // the array ran as Slurm tasks: one log per task under the job id slurmctld gave
    let job: u64 = stdout
        .trim()
        .split(';')
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no job id in `{stdout}`"));
    for i in 0..shards {
        assert!(
            dir.join(format!("d11sim-{job}_{i}.log")).exists(),
            "no log of task {i} of job {job}"
        );
        assert!(dir.join(format!("shard-{i}/shard.json")).exists());
    }
    let mut merge = vec!["merge".to_string()];
    merge.extend((0..shards).map(|i| format!("shard-{i}")));
    merge.extend(["--out".into(), "merged".into(), "-q".into()]);
    let merge: Vec<&str> = merge.iter().map(String::as_str).collect();
    let o = common::d11sim(&merge, &dir);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = common::d11sim(
        &["run", plans, "-r", replications, "--out", "local", "-q"],
        &dir,
    );
    assert!(o.status.success());
    common::assert_same_files(
        &dir.join("merged"),
        &dir.join("local"),
        &[
            "summary.json",
            "series.csv",
            "comparison.csv",
            "comparison.json",
            "histograms/first_response_ms.hgrm",
            "histograms/reply_response_ms.hlog",
            "variants/midnight_outage/summary.json",
            "variants/old_pcs/series.csv",
        ],
        "the merged Slurm shards differ from the local run",
    );
}

#[test]
#[ignore = "needs a Slurm cluster (deploy/slurm/local-cluster.sh); run with cargo test -- --include-ignored"]
fn submit_wait_fails_fast_and_names_the_failed_task() {
    require_slurm();
    let dir = common::temp_dir("slurm_fail");
    // task 1 of 3 fails; the others run
    let wrapper = dir.join("fail1.sh");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\n[ \"$SLURM_ARRAY_TASK_ID\" = 1 ] && exit 7\nexec {} \"$@\"\n",
            env!("CARGO_BIN_EXE_d11sim")
        ),
    )
    .unwrap();
    let ok = Command::new("chmod")
        .args(["+x", &wrapper.display().to_string()])
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok);
    let submit = concat!(env!("CARGO_MANIFEST_DIR"), "/deploy/slurm/submit.sh");
    let root = dir.join("runs");
    let started = std::time::Instant::now();
    let o = Command::new("timeout")
        .args([
            "120",
            "bash",
            submit,
            "3",
            "-",
            "3",
            "1",
            &root.display().to_string(),
            "--wait",
        ])
        .env("D11SIM_BIN", &wrapper)
        .env("D11SIM_POLL_S", "0.5")
        .output()
        .expect("submit.sh runs");
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert!(
        started.elapsed().as_secs() < 100,
        "took {:?}",
        started.elapsed()
    );
    assert!(stderr.contains("task 1: FAILED"), "{stderr}");
    assert!(stderr.contains("merge (job"), "{stderr}");
    assert!(!root.join("merged").exists());
}
