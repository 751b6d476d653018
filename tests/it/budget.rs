//! The input budget: inputs that validation used to accept and that then panicked, hung,
//! exhausted memory or gave silently wrong figures. Each must exit 2 with a one-line
//! message naming the file and key (or the flag) and the rule or limit, and write nothing.

use std::path::Path;

use crate::common;

/// A one-group scenario over four hours with `arrivals` and `work`.
fn scenario(arrivals: &str, work: &str) -> String {
    format!(
        "name = \"t\"\nstart = \"01-01 00:00\"\nend = \"01-01 04:00\"\ninterval_min = 60\n\
         [arrivals]\n{arrivals}\n[conversation]\nmodel = \"sessions\"\nwork = {work}\n\
         [patience.first_reply]\ndefault = {{ dist = \"exponential\", mean_s = 300 }}\n\
         [[groups]]\nname = \"agents\"\ncount = 5\nmax_chats = 1\n"
    )
}

const EXP: &str = "{ dist = \"exponential\", mean_s = 60 }";

/// Runs `args` in `dir` and checks: exit 2, one line on stderr holding every `expect`, no
/// panic, and no `out` folder.
fn refused(dir: &Path, args: &[&str], expect: &[&str], case: &str) {
    let o = common::d11sim(args, dir);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{case}: {stderr}");
    for e in expect {
        assert!(stderr.contains(e), "{case}: `{e}` missing from: {stderr}");
    }
    assert!(!stderr.contains("panicked"), "{case}: {stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{case}: {stderr}");
    assert!(!dir.join("out").exists(), "{case}: output written");
}

fn refused_scenario(case: &str, text: &str, expect: &[&str]) {
    let dir = common::temp_dir(&format!("budget_{case}"));
    std::fs::write(dir.join("s.toml"), text).unwrap();
    let mut expect = expect.to_vec();
    expect.push("s.toml");
    refused(&dir, &["validate", "s.toml"], &expect, case);
    refused(
        &dir,
        &["run", "s.toml", "-r", "1", "--out", "out"],
        &expect,
        case,
    );
}

#[test]
fn distributions_whose_derived_parameters_would_fail_are_refused() {
    for (case, work, rule) in [
        (
            "weibull_shape",
            "{ dist = \"weibull\", shape = 0.005, mean_s = 60 }",
            "Weibull shape of 0.005",
        ),
        (
            "lognormal_median",
            "{ dist = \"lognormal\", median_s = 1e-308, p90_s = 60 }",
            "log-normal sigma",
        ),
        (
            "lognormal_sd",
            "{ dist = \"lognormal\", mean_s = 60, sd_s = 1e160 }",
            "log-normal sigma of inf",
        ),
        (
            "gamma_shape",
            "{ dist = \"gamma\", shape = 1e300, mean_s = 1e-300 }",
            "gamma shape of 1e300",
        ),
        (
            "exponential_tiny",
            "{ dist = \"exponential\", mean_s = 1e-300 }",
            "mean (s) of 1e-300",
        ),
    ] {
        refused_scenario(
            case,
            &scenario("constant_per_hour = 100", work),
            &["`conversation.work`", rule, "must lie in"],
        );
    }
}

#[test]
fn work_that_is_slow_only_in_product_with_the_speeds_is_refused() {
    // each value within its own range; the slowest agent's mean reply or conversation not
    // (a switch penalty of 9.2e18 once drew replies at the clock's end, and the run hung)
    let messages = |penalty: &str, speed: &str| {
        scenario("constant_per_hour = 100", EXP).replace(
            "model = \"sessions\"\nwork = { dist = \"exponential\", mean_s = 60 }",
            &format!(
                "model = \"messages\"\ncustomer_messages = {{ dist = \"fixed\", value = 3 }}\n\
                 effort = {{ dist = \"exponential\", mean_s = 20 }}\n\
                 think = {{ dist = \"exponential\", mean_s = 30 }}\n\
                 switch_penalty = {penalty}"
            ),
        ) + &format!("speed_factor = {speed}\n")
    };
    refused_scenario(
        "switch_penalty",
        &messages("9223372036854775807", "1.0"),
        &[
            "`conversation.switch_penalty`",
            "a reply's mean effort with the switch penalty is 1.8e20 s",
            "limit is 1e9 s",
        ],
    );
    refused_scenario(
        "speed_factor",
        &messages("0.2", "1e-308"),
        &[
            "`groups[0].speed_factor`",
            "at this group's speed",
            "limit is 1e9 s",
        ],
    );
    refused_scenario(
        "sessions_speed",
        &scenario("constant_per_hour = 100", EXP).replace(
            "mean_s = 60 }\n[patience",
            "mean_s = 60 }\nspeed = [1.0, 1e-300]\n[patience",
        ),
        &[
            "`conversation.speed`",
            "a conversation's mean work at the slowest speed is 6.0e301 s",
        ],
    );
    // the same scenario at ordinary values runs
    let dir = common::temp_dir("budget_switch_ok");
    std::fs::write(dir.join("s.toml"), messages("0.2", "0.8")).unwrap();
    let o = common::d11sim(&["validate", "s.toml"], &dir);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn arrivals_beyond_the_budget_are_refused_and_the_budget_can_be_raised() {
    refused_scenario(
        "arrivals_1e12",
        &scenario("constant_per_hour = 1e12", EXP),
        &[
            "`arrivals`",
            "expected 4.0e12 arrivals",
            "limit is 2.0e8",
            "--max-customers",
        ],
    );
    refused_scenario(
        "arrivals_1e8",
        &scenario("constant_per_hour = 1e8", EXP),
        &["`arrivals`", "limit is 2.0e8"],
    );
    let dir = common::temp_dir("budget_raise");
    std::fs::write(
        dir.join("s.toml"),
        scenario("constant_per_hour = 1000", EXP),
    )
    .unwrap();
    refused(
        &dir,
        &["validate", "s.toml", "--max-customers", "3000"],
        &["expected 4.0e3 arrivals", "limit is 3.0e3"],
        "lowered",
    );
    let o = common::d11sim(&["validate", "s.toml", "--max-customers", "5000"], &dir);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn series_intervals_beyond_the_budget_are_refused() {
    let text = scenario("constant_per_hour = 10", EXP)
        .replace("end = \"01-01 04:00\"", "end = \"12-31 24:00\"")
        .replace("interval_min = 60", "interval_min = 1");
    refused_scenario(
        "intervals",
        &text,
        &[
            "`interval_min`",
            "525600 series intervals",
            "limit is 100000",
        ],
    );
}

#[test]
fn message_counts_and_duplicate_groups_are_refused() {
    let good = std::fs::read_to_string(common::root().join("scenarios/small_store.toml")).unwrap();
    let from = "customer_messages = { dist = \"negative_binomial\", mean = 9, dispersion = 3 }";
    assert!(good.contains(from));
    refused_scenario(
        "geometric_mean",
        &good.replace(
            from,
            "customer_messages = { dist = \"geometric\", mean = 1e300 }",
        ),
        &["`conversation.customer_messages.mean`", "1..=10000"],
    );
    refused_scenario(
        "duplicate_group",
        &good.replace("name = \"day_staff\"", "name = \"owner_and_staff\""),
        &[
            "`groups[1].name`",
            "already the name of groups[0]",
            "unique",
        ],
    );
}

#[test]
fn csv_sources_that_are_infinite_outside_or_not_files_are_refused() {
    let csv_scenario = |path: &str, extra: &str| {
        scenario(&format!("csv = \"{path}\"\n{extra}"), EXP)
            .replace("start = \"01-01 00:00\"", "start = \"11-10 00:00\"")
            .replace("end = \"01-01 04:00\"", "end = \"11-10 04:00\"")
    };
    let dir = common::temp_dir("budget_csv");
    std::fs::write(
        dir.join("inf.csv"),
        "interval_start,count\n11-10 00:00,1e308\n11-10 01:00,1e308\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("outside.csv"),
        "interval_start,count\n11-12 00:00,100\n11-12 01:00,100\n",
    )
    .unwrap();
    for (case, text, expect) in [
        (
            "csv_inf",
            csv_scenario("inf.csv", "forecast_total = 100"),
            vec!["`arrivals.csv`", "add up to more than a number can hold"],
        ),
        (
            "csv_outside",
            csv_scenario("outside.csv", ""),
            vec![
                "`arrivals.csv`",
                "11-12 00:00 to 11-12 02:00",
                "wholly outside the scenario (11-10 00:00 to 11-10 04:00)",
            ],
        ),
        (
            "csv_device",
            csv_scenario("/dev/urandom", ""),
            vec!["`arrivals.csv`", "not a regular file"],
        ),
        (
            "csv_folder",
            csv_scenario(".", ""),
            vec!["`arrivals.csv`", "a folder"],
        ),
    ] {
        std::fs::write(dir.join("s.toml"), text).unwrap();
        let mut expect = expect.clone();
        expect.push("s.toml");
        refused(&dir, &["validate", "s.toml"], &expect, case);
    }
    // a FIFO would block a plain read forever
    let fifo = dir.join("fifo.csv");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if made.is_ok_and(|s| s.success()) {
        std::fs::write(dir.join("s.toml"), csv_scenario("fifo.csv", "")).unwrap();
        refused(
            &dir,
            &["validate", "s.toml"],
            &["not a regular file", "FIFO"],
            "csv_fifo",
        );
    }
}

#[test]
fn calculator_sweep_and_bench_flags_beyond_their_limits_are_refused() {
    let dir = common::temp_dir("budget_flags");
    for (case, args, expect) in [
        (
            "erlang_huge_rate",
            vec![
                "erlang",
                "--arrivals-per-hour",
                "1e308",
                "--handle-s",
                "180",
            ],
            vec!["--arrivals-per-hour must lie in", "1e308"],
        ),
        (
            "erlang_tiny_speed",
            vec![
                "erlang",
                "--arrivals-per-hour",
                "100",
                "--handle-s",
                "180",
                "--chats",
                "1000",
                "--speed",
                "1e-300",
            ],
            vec!["--speed must lie in"],
        ),
        (
            "erlang_extreme_patience",
            vec![
                "erlang",
                "--arrivals-per-hour",
                "100",
                "--handle-s",
                "1e-300",
                "--patience-s",
                "1e300",
            ],
            vec!["--handle-s must lie in"],
        ),
        (
            "erlang_huge_load",
            vec![
                "erlang",
                "--arrivals-per-hour",
                "1e9",
                "--handle-s",
                "180",
                "--target",
                "service_level>=0.8",
            ],
            vec!["offered load of 5.0e7", "limit of 1e5"],
        ),
        (
            "erlang_endless_chain",
            vec![
                "erlang",
                "--arrivals-per-hour",
                "1e6",
                "--handle-s",
                "1",
                "--patience-s",
                "1e6",
            ],
            vec!["arrivals x patience", "limit is 1e7"],
        ),
        (
            "sweep_grid",
            vec![
                "sweep",
                "s.toml",
                "--set",
                "arrivals.scale=1..10000:1",
                "--set",
                "groups.agents.count=1..10000:1",
                "--set",
                "groups.agents.max_chats=1..10000:1",
                "--out",
                "out",
            ],
            vec!["1.0e12 combinations", "limit is 10000"],
        ),
        (
            "sweep_tiny_effort",
            vec![
                "sweep",
                "s.toml",
                "--set",
                "conversation.work.mean_s=1e-308",
                "--out",
                "out",
            ],
            vec!["`conversation.work`", "must lie in"],
        ),
        (
            "bench_wall",
            vec![
                "bench",
                "--target",
                "http://127.0.0.1:9",
                "--virtual",
                "--max-wall-s",
                "1e20",
            ],
            vec!["--max-wall-s must lie in", "1e20"],
        ),
        (
            "bench_speedup",
            vec![
                "bench",
                "--target",
                "http://127.0.0.1:9",
                "--speedup",
                "1e-300",
            ],
            vec!["--speedup must lie in", "1e-300"],
        ),
    ] {
        std::fs::write(dir.join("s.toml"), scenario("constant_per_hour = 100", EXP)).unwrap();
        refused(&dir, &args, &expect, case);
    }
}

#[test]
fn errors_in_an_extending_file_or_a_variant_name_the_key_and_line() {
    let dir = common::temp_dir("budget_messages");
    for (case, text, expect) in [
        (
            "extends_unknown_key",
            "extends = \"(embedded)\"\nname = \"x\"\ncolour = \"red\"\n",
            vec!["s.toml:3:", "`colour`", "unknown field `colour`"],
        ),
        (
            "extends_wrong_type",
            "extends = \"(embedded)\"\nname = \"x\"\n[arrivals]\nscale = \"big\"\n",
            vec!["s.toml:4:", "`arrivals.scale`", "invalid type"],
        ),
        (
            "variant_wrong_type",
            "extends = \"(embedded)\"\n[[variants]]\nname = \"v\"\n\
             set = { \"groups.temps.count\" = \"many\" }\n",
            vec![
                "`groups[5].count`",
                "invalid type",
                "set by variants[0].set.\"groups.temps.count\"",
            ],
        ),
        (
            "newline_in_a_value",
            "extends = \"(embedded)\"\nstart = \"11-10\\n18:00\"\n",
            vec!["`start`", "11-10\\n18:00"],
        ),
    ] {
        std::fs::write(dir.join("s.toml"), text).unwrap();
        refused(&dir, &["validate", "s.toml"], &expect, case);
    }
}

#[test]
fn a_platform_sized_group_is_accepted_and_the_agents_budget_is_held() {
    let big = |counts: &[u64]| {
        let mut text = scenario("constant_per_hour = 10", EXP);
        text = text.replace("count = 5\n", &format!("count = {}\n", counts[0]));
        for (i, n) in counts.iter().enumerate().skip(1) {
            text.push_str(&format!(
                "[[groups]]\nname = \"g{i}\"\ncount = {n}\nmax_chats = 1\n"
            ));
        }
        text
    };
    let dir = common::temp_dir("budget_agents");
    std::fs::write(dir.join("s.toml"), big(&[1_000_000, 1_000_000])).unwrap();
    let o = common::d11sim(&["validate", "s.toml"], &dir);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    refused_scenario(
        "agents_in_all",
        &big(&[1_000_000, 1_000_000, 1]),
        &["`groups`", "2000001 agents in all", "limit is 2000000"],
    );
    refused_scenario(
        "agents_in_a_group",
        &big(&[1_000_001]),
        &["`groups[0].count`", "0..=1000000"],
    );
}
