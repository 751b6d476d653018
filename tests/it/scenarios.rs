//! Every shipped scenario validates and runs, and the embedded default is the shipped file.

use d11sim::kpi::Kpi;
use d11sim::scenario::Scenario;

use crate::common;

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
    assert!(stderr.contains("inquiry_conversion >= 0.65"), "{stderr}");
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
