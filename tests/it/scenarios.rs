//! Every shipped scenario validates and runs, and the embedded default is the shipped file.

use d11sim::kpi::Kpi;
use d11sim::scenario::Scenario;

use crate::common;

/// `scenarios/platform.toml` with arrivals, agents and bot capacity divided by `d`, as
/// `benches/platform.sh` scales it, in a temporary folder beside a copy of the file it
/// extends.
fn scaled_platform(d: u64) -> std::path::PathBuf {
    let dir = common::temp_dir(&format!("platform_{d}"));
    let src = common::root().join("scenarios");
    std::fs::copy(src.join("double11.toml"), dir.join("double11.toml")).unwrap();
    let text = std::fs::read_to_string(src.join("platform.toml")).unwrap();
    let scaled: Vec<String> = text
        .lines()
        .map(|line| {
            for key in ["base_per_hour", "count", "capacity"] {
                if let Some(n) = line
                    .strip_prefix(&format!("{key} = "))
                    .and_then(|rest| rest.split_whitespace().next())
                    .and_then(|n| n.parse::<u64>().ok())
                {
                    return format!("{key} = {}", (n / d).max(1));
                }
            }
            line.to_string()
        })
        .collect();
    let path = dir.join("platform.toml");
    std::fs::write(&path, scaled.join("\n")).unwrap();
    path
}

#[test]
fn the_platform_day_holds_1e8_inquiries_and_its_bot_resolves_about_95_percent() {
    let full = common::d11sim(&["validate", "scenarios/platform.toml"], &common::root());
    let text = String::from_utf8_lossy(&full.stdout);
    assert!(
        full.status.success() && text.contains("31800 agents"),
        "{text}"
    );
    let expected: f64 = text
        .split(", ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no expected arrivals in: {text}"));
    assert!((0.9e8..1.1e8).contains(&expected), "{expected}");
    let small = scaled_platform(100);
    let o = common::d11sim(
        &["run", small.to_str().unwrap(), "-r", "4", "--json"],
        &common::root(),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let arrived = v["kpis"]["arrived"]["mean"].as_f64().unwrap();
    assert!(
        (arrived - expected / 100.0).abs() < 0.3 * expected / 100.0,
        "{arrived}"
    );
    // the platform bot resolves about 95% of the inquiries it touches (all of them): the
    // 95% CI over replications meets the 94-96% band the scenario is built for
    let deflection = &v["kpis"]["deflection_rate"];
    let (lo, hi) = (
        deflection["ci_low"].as_f64().unwrap(),
        deflection["ci_high"].as_f64().unwrap(),
    );
    assert!(lo < 0.96 && hi > 0.94, "deflection [{lo}, {hi}]");
    assert!(hi - lo < 0.05, "too wide to tell: [{lo}, {hi}]");
    // tens of thousands of agents answer the rest within minutes
    let first = v["kpis"]["first_reply_3min_share"]["mean"]
        .as_f64()
        .unwrap();
    assert!(first > 0.9, "3-minute share {first}");
}

#[test]
fn every_shipped_scenario_validates_and_runs() {
    let dir = common::root().join("scenarios");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    names.sort();
    assert!(names.len() >= 5, "{names:?}");
    for path in names {
        let p = path.to_str().unwrap();
        let o = common::d11sim(&["validate", p], &common::root());
        assert!(
            o.status.success(),
            "{p}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        // the platform day (10^8 inquiries, a minute a replication) runs here at 1/100
        let small = (path.file_name().unwrap() == "platform.toml").then(|| scaled_platform(100));
        let p = small.as_ref().map_or(p, |s| s.to_str().unwrap());
        let o = common::d11sim(&["run", p, "-r", "2", "--json"], &common::root());
        assert!(
            o.status.success(),
            "{p}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("--json prints JSON");
        assert!(
            v["kpis"]["arrived"]["mean"].as_f64().unwrap() > 0.0,
            "{p}: nobody arrived"
        );
    }
}

#[test]
fn the_embedded_default_is_scenarios_double11() {
    let shipped = Scenario::load(&common::root().join("scenarios/double11.toml")).unwrap();
    let embedded = Scenario::default_double11();
    assert_eq!(shipped.echo, embedded.echo);
    let o = common::d11sim(&["run", "-r", "2"], &common::root());
    assert!(o.status.success());
    let table = String::from_utf8_lossy(&o.stdout);
    assert!(
        table.contains("Large Tmall store")
            && table.contains("平响")
            && table.contains("avg_response_s <= 30"),
        "{table}"
    );
}

#[test]
fn a_scenario_can_extend_the_embedded_default_from_anywhere() {
    let dir = common::temp_dir("extends_embedded");
    std::fs::write(
        dir.join("more_night.toml"),
        "extends = \"(embedded)\"\nname = \"more night\"\n\n[arrivals]\nscale = 1.2\n",
    )
    .unwrap();
    let sc = Scenario::load(&dir.join("more_night.toml")).unwrap();
    let default = Scenario::default_double11();
    assert_eq!(sc.name, "more night");
    assert_eq!(sc.groups, default.groups);
    let ratio = sc
        .arrivals
        .curve
        .expected_between(0.0, sc.horizon.as_secs_f64())
        / default
            .arrivals
            .curve
            .expected_between(0.0, default.horizon.as_secs_f64());
    assert!((ratio - 1.2).abs() < 1e-9, "{ratio}");
}

#[test]
fn default_scenario_kpis_are_plausible() {
    // Broad sanity bounds a planner would expect of the calibrated default: conversations of
    // about 8-12 minutes (docs/calibration.md §5) and an answer/question ratio near 11/9.
    let sc = Scenario::default_double11();
    let r = d11sim::replicate::run(
        &sc,
        d11sim::replicate::RunConfig {
            replications: 4,
            seed: 5,
            threads: common::threads(),
        },
    );
    let duration = r.mean(Kpi::ConversationDurationMeanS).unwrap();
    assert!(
        (300.0..900.0).contains(&duration),
        "conversation {duration} s"
    );
    let aq = r.mean(Kpi::AnswerQuestionRatio).unwrap();
    assert!((1.0..1.3).contains(&aq), "answer/question {aq}");
    assert!(r.mean(Kpi::Arrived).unwrap() > 20_000.0);
}

#[test]
fn fail_on_targets_exits_3_after_writing_the_outputs_and_0_when_every_target_holds() {
    let dir = common::temp_dir("fail_on_targets");
    let o = common::d11sim(
        &[
            "run",
            "-r",
            "2",
            "--quiet",
            "--fail-on-targets",
            "--out",
            "out",
        ],
        &dir,
    );
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "{stderr}");
    // a midnight miss fails the gate although the day's mean meets the target; the
    // conversion target no staffing reaches is reported, not gated
    assert!(
        stderr.contains("平响 avg response (s) <= 30.00: FAIL"),
        "{stderr}"
    );
    assert!(stderr.contains("missed 11-10 23:45"), "{stderr}");
    assert!(!stderr.contains("询单转化率"), "{stderr}");
    assert!(dir.join("out/summary.json").exists(), "outputs come first");
    std::fs::write(
        dir.join("easy.toml"),
        "extends = \"(embedded)\"\nname = \"easy\"\ntargets = [\"reply_rate >= 0.9\"]\n",
    )
    .unwrap();
    let o = common::d11sim(
        &[
            "run",
            "easy.toml",
            "-r",
            "2",
            "--quiet",
            "--fail-on-targets",
        ],
        &dir,
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // without the flag a missed target is not an error
    let o = common::d11sim(&["run", "-r", "2", "--quiet"], &dir);
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn shell_completions_cover_the_commands_and_piped_tables_stay_plain() {
    let dir = common::temp_dir("completions");
    for shell in ["bash", "zsh", "fish"] {
        let o = common::d11sim(&["completions", shell], &dir);
        assert!(o.status.success(), "{shell}");
        let text = String::from_utf8_lossy(&o.stdout);
        for word in ["run", "report", "staff", "bench", "fail-on-targets"] {
            assert!(text.contains(word), "{shell}: `{word}` missing");
        }
    }
    // stdout is a pipe here: no colour codes
    let o = common::d11sim(&["run", "-r", "1"], &dir);
    assert!(!String::from_utf8_lossy(&o.stdout).contains('\x1b'));
}
