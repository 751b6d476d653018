//! The second hardening round: inputs that validated and then exhausted memory, a search
//! bounded by a constant, outputs that overwrote each other, writes to a full terminal, and
//! values a run cannot honour. Each case ends under a 4 GB address-space limit within 60 s
//! with its documented exit code and a one-line message, never an abort or a panic.

use std::path::Path;
use std::process::Output;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common;

/// Runs `d11sim ARGS` in `dir` under `ulimit -v` 4 GB and a 60 s timeout, stdout to
/// `stdout` (a shell redirection such as `> /dev/full`, or empty for a pipe back).
fn limited(dir: &Path, args: &str, stdout: &str) -> (Output, Duration) {
    let clock = Instant::now();
    let o = std::process::Command::new("bash")
        .args([
            "-c",
            &format!(
                "ulimit -v 4194304 && exec timeout 60 {} {args} {stdout}",
                env!("CARGO_BIN_EXE_d11sim")
            ),
        ])
        .current_dir(dir)
        .output()
        .expect("bash runs");
    (o, clock.elapsed())
}

/// Checks an outcome: the exit code, one line on stderr holding every `expect` (or none
/// when `expect` is empty and the code is 0), no panic, within the minute.
fn ended(o: &Output, took: Duration, code: i32, expect: &[&str], case: &str) -> String {
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(code), "{case}: {stderr}");
    assert!(took < Duration::from_secs(60), "{case}: took {took:?}");
    assert!(
        !stderr.contains("panicked") && !stderr.contains("internal error"),
        "{case}: {stderr}"
    );
    if !expect.is_empty() {
        assert_eq!(stderr.trim_end().lines().count(), 1, "{case}: {stderr}");
    }
    for e in expect {
        assert!(stderr.contains(e), "{case}: `{e}` missing from: {stderr}");
    }
    stderr
}

/// One group of `agents` over `hours` hours at `per_hour` arrivals, infinitely patient.
fn flood(agents: u32, per_hour: &str, end: &str, extra: &str) -> String {
    format!(
        "name = \"flood\"\nstart = \"01-01 00:00\"\nend = \"{end}\"\ninterval_min = 60\n\
         [arrivals]\nconstant_per_hour = {per_hour}\n{extra}\n[conversation]\n\
         model = \"sessions\"\nwork = {{ dist = \"exponential\", mean_s = 180 }}\n\
         [patience.first_reply]\ndefault = {{ dist = \"never\" }}\n\
         [[groups]]\nname = \"agents\"\ncount = {agents}\nmax_chats = 1\n"
    )
}

#[test]
fn lines_that_never_drain_stop_at_the_memory_budget_with_what_grew() {
    let dir = common::temp_dir("hard_memory");
    let double11 = std::fs::read_to_string(common::root().join("scenarios/double11.toml"))
        .unwrap()
        .replace("base_per_hour = 600 ", "base_per_hour = 1e6 ");
    std::fs::write(dir.join("store.toml"), double11).unwrap();
    std::fs::write(dir.join("one.toml"), flood(1, "1e8", "01-01 02:00", "")).unwrap();
    std::fs::write(
        dir.join("c.toml"),
        flood(20, "100001", "01-31 00:00", "")
            .replace("interval_min = 60", "interval_min = 1440\nwarmup_h = 24"),
    )
    .unwrap();
    for (file, what) in [
        ("one.toml", "1 agent on duty"),
        ("store.toml", "agents on duty"),
        ("c.toml", "20 agents on duty"),
    ] {
        // validate warns of the load it cannot drain, and accepts the file
        let (o, took) = limited(
            &dir,
            &format!("validate {file} --max-customers 1000000000000"),
            "",
        );
        let stderr = ended(&o, took, 0, &[], file);
        assert!(stderr.contains("can serve at best"), "{file}: {stderr}");
        let (o, took) = limited(
            &dir,
            &format!("run {file} -r 2 --out out --max-customers 1000000000000"),
            "",
        );
        ended(
            &o,
            took,
            5,
            &[
                "the waiting line reached",
                what,
                "--max-memory",
                "nothing written",
            ],
            file,
        );
        assert!(!dir.join("out").exists(), "{file}: a half-written output");
    }
}

#[test]
fn replications_finished_before_the_budget_is_reached_are_kept_whatever_the_threads() {
    let dir = common::temp_dir("hard_kept");
    // seed 7 draws volume multipliers 0.43, 1.35 and 4.2: the third line outgrows 64 MiB
    std::fs::write(
        dir.join("k.toml"),
        flood(1, "60000", "01-01 02:00", "forecast_error_cv = 1.3"),
    )
    .unwrap();
    let (o, took) = limited(
        &dir,
        "run k.toml -r 3 -s 7 -t 1 --max-memory 64M --out a --quiet",
        "",
    );
    ended(
        &o,
        took,
        5,
        &["replication 2:", "2 of 3 replications finished"],
        "kept",
    );
    let (o, took) = limited(&dir, "run k.toml -r 2 -s 7 -t 2 --out b --quiet", "");
    ended(&o, took, 0, &[], "two");
    // what was kept is byte-identical to a run of the replications that finished
    common::assert_same_files(&dir.join("a"), &dir.join("b"), &["summary.json"], "kept");
}

#[test]
fn the_erlang_search_follows_the_load_not_a_constant() {
    let dir = common::temp_dir("hard_erlang");
    for chats in ["200", "1000"] {
        let (o, took) = limited(
            &dir,
            &format!(
                "erlang --arrivals-per-hour 100 --handle-s 180 --chats {chats} --target \
                 'service_level>=0.8'"
            ),
            "",
        );
        ended(&o, took, 0, &[], chats);
        assert!(took < Duration::from_secs(5), "{chats}: {took:?}");
        let out = String::from_utf8_lossy(&o.stdout);
        assert!(
            out.contains("\n      1 "),
            "{chats}: one agent holds the load: {out}"
        );
    }
    // a pool beyond the calculator's slots is refused, not allocated
    let (o, took) = limited(
        &dir,
        "erlang --arrivals-per-hour 100 --handle-s 180 --chats 1000 --agents 1000000",
        "",
    );
    ended(&o, took, 2, &["chat slots"], "agents");
}

#[test]
fn overlapping_output_folders_are_refused_before_the_run() {
    let dir = common::temp_dir("hard_folders");
    for (out, report) in [
        ("x", "x"),
        ("x", "x/page"),
        ("y/../x", "x"),
        ("x/data", "x"),
    ] {
        let (o, took) = limited(&dir, &format!("run -r 1 --out {out} --report {report}"), "");
        ended(&o, took, 2, &["--out", "--report", "separate folders"], out);
        assert!(!dir.join("x").exists(), "{out} {report}: written");
    }
    // staff plan checks its --out before planning and verifying, not after
    std::fs::write(dir.join("afile"), "").unwrap();
    let templates = common::root().join("scenarios/shifts/double11.toml");
    let (o, took) = limited(
        &dir,
        &format!("staff plan --templates {} --out afile", templates.display()),
        "",
    );
    ended(&o, took, 2, &["--out afile", "not a folder"], "staff plan");
    assert!(took < Duration::from_secs(5), "{took:?}");
}

#[test]
fn a_terminal_that_cannot_be_written_ends_with_one_line_and_a_pipe_closed_early_is_silent() {
    let dir = common::temp_dir("hard_console");
    let scenario = common::root().join("scenarios/small_store.toml");
    let validate = format!("validate {}", scenario.display());
    for args in ["run -r 1 --json", validate.as_str(), "completions bash"] {
        let (o, took) = limited(&dir, args, "> /dev/full");
        ended(&o, took, 6, &["cannot write to stdout"], args);
        let (o, took) = limited(&dir, args, "| head -c 1 > /dev/null");
        // the exit status of a pipeline is head's; the command itself must be silent
        ended(&o, took, 0, &[], args);
        assert!(
            o.stderr.is_empty(),
            "{args}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
}

#[test]
fn values_a_run_cannot_honour_are_refused_by_validate() {
    let dir = common::temp_dir("hard_values");
    let base = flood(5, "100", "01-01 04:00", "");
    for (case, text, expect) in [
        (
            "forecast_cv",
            base.replace(
                "constant_per_hour = 100",
                "constant_per_hour = 100\nforecast_error_cv = 1e18",
            ),
            "sigma",
        ),
        (
            "retrial_never",
            base.replace(
                "[[groups]]",
                "[patience.retrial]\nprobability = 0.5\ndelay = { dist = \"never\" }\n[[groups]]",
            ),
            "never",
        ),
        (
            "wrap_up",
            std::fs::read_to_string(common::root().join("scenarios/double11.toml"))
                .unwrap()
                .replace("wrap_up_s = 0 ", "wrap_up_s = 1e10 "),
            "at most 1e9 s",
        ),
        (
            "silent_timeout",
            base.replace(
                "[patience.first_reply]",
                "[patience]\nsilent_timeout_s = 1e10\n[patience.first_reply]",
            ),
            "at most 1e9 s",
        ),
    ] {
        std::fs::write(dir.join("s.toml"), &text).unwrap();
        let (o, took) = limited(&dir, "validate s.toml", "");
        ended(&o, took, 2, &["s.toml", expect], case);
    }
}

#[test]
fn customers_left_at_the_drain_cap_are_a_warning_and_fail_the_gate() {
    let dir = common::temp_dir("hard_drain");
    let text = std::fs::read_to_string(common::root().join("scenarios/erlang_c.toml"))
        .unwrap()
        .replace("mean_s = 180", "mean_s = 1e6");
    std::fs::write(dir.join("slow.toml"), text).unwrap();
    let (o, took) = limited(&dir, "run slow.toml -r 2 --out out", "");
    ended(&o, took, 0, &[], "run");
    let table = String::from_utf8_lossy(&o.stdout);
    assert!(
        table.contains("warning:") && table.contains("still unresolved"),
        "{table}"
    );
    let summary: Value =
        serde_json::from_slice(&std::fs::read(dir.join("out/summary.json")).unwrap()).unwrap();
    assert!(
        summary["warnings"].to_string().contains("still unresolved"),
        "{}",
        summary["warnings"]
    );
    let (o, took) = limited(&dir, "run slow.toml -r 2 --fail-on-targets --quiet", "");
    ended(
        &o,
        took,
        3,
        &["cannot be judged", "still unresolved"],
        "gate",
    );
}
