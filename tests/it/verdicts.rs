//! One judgement of targets, told the same way everywhere: the terminal table,
//! summary.json, `--fail-on-targets` and the page give the same verdict for every target
//! of the default, a CSV store and a staffing run.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use crate::common;

/// target -> PASS / UNSURE / FAIL, from summary.json; also the gating targets not met.
fn from_summary(path: &Path) -> (BTreeMap<String, String>, usize, Vec<String>) {
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut out = BTreeMap::new();
    let mut gating_not_met = 0;
    let mut texts = Vec::new();
    for t in v["targets"].as_array().unwrap() {
        let word = match t["verdict"].as_str().unwrap() {
            "met" => "PASS",
            "unsure" => "UNSURE",
            "missed" => "FAIL",
            other => panic!("verdict {other}"),
        };
        assert_eq!(t["met"].as_bool().unwrap(), word == "PASS");
        if t["gating"].as_bool().unwrap() && word != "PASS" {
            gating_not_met += 1;
        }
        out.insert(t["target"].as_str().unwrap().to_string(), word.to_string());
        texts.push(t["text"].as_str().unwrap().to_string());
    }
    (out, gating_not_met, texts)
}

/// target -> verdict from the terminal's target table.
fn from_terminal(stdout: &str, targets: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for line in stdout.lines() {
        for t in targets.keys() {
            if line.starts_with(&format!("{t} ")) {
                let word = line
                    .trim_end()
                    .trim_end_matches(" (informative)")
                    .rsplit(' ')
                    .next()
                    .unwrap();
                out.insert(t.clone(), word.to_string());
            }
        }
    }
    out
}

/// Checks the terminal, summary.json, the gate and the page of one run agree.
fn agree(what: &str, stdout: &str, summary: &Path, page: &Path, gate: Option<(i32, &str)>) {
    let (verdicts, gating_not_met, texts) = from_summary(summary);
    assert!(!verdicts.is_empty(), "{what}: no targets");
    assert_eq!(
        from_terminal(stdout, &verdicts),
        verdicts,
        "{what}: terminal vs summary.json\n{stdout}"
    );
    // the page prints each target's judgement in the same words, and a headline that
    // counts the same targets
    let md = std::fs::read_to_string(page.join("report.md")).unwrap();
    for text in &texts {
        assert!(
            md.contains(text.as_str()),
            "{what}: page lacks `{text}`\n{md}"
        );
    }
    let not_met = verdicts.values().filter(|v| *v != "PASS").count();
    let headline = md.lines().find(|l| l.starts_with("**")).unwrap();
    if not_met == 0 {
        assert!(headline.contains("targets met"), "{what}: {headline}");
    } else {
        assert!(
            headline.contains(&format!("{not_met} of {} targets not met", verdicts.len())),
            "{what}: {headline}"
        );
    }
    // the page's KPI table marks each target with the same word
    let table: String = md
        .split("## KPIs against targets")
        .nth(1)
        .unwrap()
        .split("\n## ")
        .next()
        .unwrap()
        .to_string();
    for word in ["PASS", "UNSURE", "FAIL"] {
        let want = verdicts.values().filter(|v| *v == word).count();
        let got = table.matches(&format!("| **{word} ")).count()
            + table.matches(&format!("| {word} ")).count();
        assert_eq!(got, want, "{what}: {word} cells in the KPI table\n{table}");
    }
    if let Some((code, stderr)) = gate {
        if gating_not_met == 0 {
            assert_eq!(
                code, 0,
                "{what}: gate failed with every gating target met: {stderr}"
            );
        } else {
            assert_eq!(code, 3, "{what}: {stderr}");
            assert!(
                stderr.contains(&format!("{gating_not_met} of ")),
                "{what}: {stderr}"
            );
            for text in &texts {
                let gated = stderr.contains(text.as_str());
                let informative = text.contains("informative, not gated");
                let met = text.contains(": PASS: ");
                assert_eq!(gated, !informative && !met, "{what}: `{text}` in {stderr}");
            }
        }
    }
}

fn run_and_check(what: &str, dir: &Path, scenario: Option<&str>) {
    let mut args = vec!["run"];
    args.extend(scenario);
    args.extend([
        "-r",
        "6",
        "--out",
        "out",
        "--report",
        "page",
        "--fail-on-targets",
    ]);
    let o = common::d11sim(&args, dir);
    let stdout = String::from_utf8_lossy(&o.stdout).to_string();
    let stderr = String::from_utf8_lossy(&o.stderr).to_string();
    agree(
        what,
        &stdout,
        &dir.join("out/summary.json"),
        &dir.join("page"),
        Some((o.status.code().unwrap(), &stderr)),
    );
}

#[test]
fn the_terminal_summary_gate_and_page_give_one_verdict() {
    let dir = common::temp_dir("verdicts_default");
    run_and_check("default", &dir, None);

    let dir = common::temp_dir("verdicts_csv");
    let store = std::fs::read_to_string(common::root().join("scenarios/small_store.toml"))
        .unwrap()
        .replace(
            "shape = \"double11_midnight\"  # calibration §1 schedule A\nbase_per_hour = 20 ",
            "csv = \"history.csv\"\nforecast_total = 2000 ",
        )
        .replace(
            "targets = [\"avg_response_s <= 30\", \"reply_rate >= 0.99\"]",
            "targets = [\"avg_response_s <= 30\", \"reply_rate >= 0.99\", \
             \"first_reply_30s_share >= 0.5\", \"inquiry_conversion >= 0.9\"]",
        );
    assert!(store.contains("csv = \"history.csv\"") && store.contains("0.9\"]"));
    std::fs::write(dir.join("store.toml"), store).unwrap();
    std::fs::write(
        dir.join("history.csv"),
        "时间,咨询量\n2024-11-10 18:00,100\n2024-11-10 20:00,\"1,300\"\n2024-11-11 00:00,600\n",
    )
    .unwrap();
    run_and_check("csv store", &dir, Some("store.toml"));

    let dir = common::temp_dir("verdicts_staffing");
    let text = std::fs::read_to_string(common::root().join("scenarios/small_store.toml"))
        .unwrap()
        .replace("end = \"11-12 00:00\"", "end = \"11-11 06:00\"");
    std::fs::write(dir.join("store.toml"), text).unwrap();
    std::fs::write(
        dir.join("shifts.toml"),
        "[[templates]]\nname = \"staff\"\nlike = \"owner_and_staff\"\nstarts = [\"11-10 18:00\", \
         \"11-10 22:00\", \"11-11 00:00\"]\nlength_h = 6\nmax_heads = 60\n",
    )
    .unwrap();
    let o = common::d11sim(
        &[
            "staff",
            "optimize",
            "store.toml",
            "--templates",
            "shifts.toml",
            "--target",
            "avg_response_s<=30",
            "--target",
            "reply_rate>=0.99",
            "-r",
            "6",
            "--out",
            "out",
            "--report",
            "page",
        ],
        &dir,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8_lossy(&o.stdout).to_string();
    agree(
        "staffing",
        &stdout,
        &dir.join("out/verification/summary.json"),
        &dir.join("page"),
        None,
    );
    // the staffing run is judged by its own confidence
    let v: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("out/verification/summary.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(v["targets"][0]["required_share"].as_f64(), Some(0.9));
}

#[test]
fn a_what_if_with_a_window_is_answered_for_its_hours_first() {
    let dir = common::temp_dir("verdicts_window");
    std::fs::write(
        dir.join("mid.toml"),
        r#"extends = "(embedded)"
name = "midnight what-if"
[[variants]]
name = "plus20_midnight"
description = "20 more veterans 23:30-01:30"
window = ["11-11 00:00", "11-11 01:00"]
set = { "groups.midnight_extra" = { count = 20, skills = ["pre_sale", "in_sale", "after_sale"], max_chats = 6, max_chats_peak = 15, conversion_factor = 1.2, shifts = [["11-10 23:30", "11-11 01:30"]] } }
"#,
    )
    .unwrap();
    let o = common::d11sim(
        &[
            "run", "mid.toml", "-r", "6", "--out", "out", "--report", "page", "--quiet",
        ],
        &dir,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("out/comparison.json")).unwrap())
            .unwrap();
    let plan = &v["variants"][1];
    assert_eq!(plan["window"]["window"], "11-11 00:00-01:00");
    let avg = &plan["window"]["kpis"]["avg_response_s"];
    let (base, mean) = (
        avg["base_mean"].as_f64().unwrap(),
        avg["mean"].as_f64().unwrap(),
    );
    // the midnight cohort gains far more than the day does
    let day = plan["kpis"]["avg_response_s"]["difference_vs_base"]["mean"]
        .as_f64()
        .unwrap();
    let there = avg["difference_vs_base"]["mean"].as_f64().unwrap();
    assert!(base > 40.0 && mean < base, "{base} -> {mean}");
    assert!(there < 3.0 * day, "window {there} vs day {day}");
    assert!(avg["difference_vs_base"]["ci_high"].as_f64().unwrap() < 0.0);
    // the page's line answers for the window first, with the target there, then the day
    let md = std::fs::read_to_string(dir.join("page/report.md")).unwrap();
    let line = md
        .lines()
        .find(|l| l.contains("Plan `plus20_midnight`"))
        .unwrap();
    let at = line.find("for 11-11 00:00-01:00: 平响").unwrap();
    assert!(at < line.find("on the day").unwrap(), "{line}");
    assert!(line.contains("<= 30.00 met there in"), "{line}");

    // a window outside the scenario is refused by key
    std::fs::write(
        dir.join("bad.toml"),
        std::fs::read_to_string(dir.join("mid.toml"))
            .unwrap()
            .replace("\"11-11 01:00\"]", "\"11-13 01:00\"]"),
    )
    .unwrap();
    let o = common::d11sim(&["validate", "bad.toml"], &dir);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("variants[0].window"), "{stderr}");
}
