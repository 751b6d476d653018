//! `d11sim forecast`: the re-forecast's files, its use as a scenario's arrivals, the
//! back-test, and bad inputs refused by name with nothing written.

use std::path::Path;

use super::common::{d11sim, temp_dir};

/// The start of quarter-hour `i` from 11-10 18:00.
fn stamp(i: usize) -> String {
    let m = 18 * 60 + 15 * i;
    format!("11-{} {:02}:{:02}", 10 + m / 1440, m % 1440 / 60, m % 60)
}

/// A plan of 32 quarter-hours from 11-10 18:00, 100 arrivals each.
fn plan(dir: &Path) -> String {
    let mut s = String::from("时间,咨询量\n");
    for i in 0..32 {
        s += &format!("2025-{},100\n", stamp(i));
    }
    let path = dir.join("plan.csv");
    std::fs::write(&path, s).unwrap();
    path.display().to_string()
}

/// Arrivals at `k` times the plan for the first `n` quarter-hours.
fn observed(dir: &Path, name: &str, n: usize, k: f64) -> String {
    let mut s = String::from("interval_start,arrivals\n");
    for i in 0..n {
        s += &format!("{},{}\n", stamp(i), (100.0 * k).round());
    }
    let path = dir.join(name);
    std::fs::write(&path, s).unwrap();
    path.display().to_string()
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn the_rest_is_the_plan_scaled_toward_the_run_rate_and_reads_as_arrivals() {
    let dir = temp_dir("forecast-rest");
    let plan = plan(&dir);
    let seen = observed(&dir, "seen.csv", 8, 1.3);
    let out = dir.join("out");
    let o = d11sim(
        &[
            "forecast",
            "--plan",
            &plan,
            "--observed",
            &seen,
            "--at",
            "11-10 20:00",
            "--out",
            out.to_str().unwrap(),
        ],
        &dir,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let j = json(&out.join("forecast.json"));
    assert_eq!(j["observed"], 1040.0);
    assert_eq!(j["plan_so_far"], 800.0);
    let ratio = j["ratio"]["mean"].as_f64().unwrap();
    // 800 planned against a prior of 16: the weight on the run-rate is 800/816
    assert!(
        (ratio - (1.0 + 0.3 * 800.0 / 816.0)).abs() < 1e-9,
        "{ratio}"
    );
    assert!(j["ratio"]["low_90"].as_f64().unwrap() < ratio);
    let rest = &j["rest"];
    assert_eq!(rest["plan"], 2400.0);
    let (low, mid, high) = (
        rest["low_90"].as_f64().unwrap(),
        rest["forecast"].as_f64().unwrap(),
        rest["high_90"].as_f64().unwrap(),
    );
    assert!(low < mid && mid < high && (mid - 2400.0 * ratio).abs() < 1e-6);
    let csv = std::fs::read_to_string(out.join("forecast.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + 24);
    assert!(
        csv.lines()
            .nth(1)
            .unwrap()
            .starts_with("11-10 20:00,100.000,")
    );
    // the rest reads as a scenario's arrivals
    std::fs::write(
        dir.join("night.toml"),
        format!(
            "extends = \"{}\"\nstart = \"11-10 20:00\"\nend = \"11-11 02:00\"\n\
             [arrivals]\ncsv = \"out/forecast.csv\"\ncsv_column = \"forecast\"\n",
            super::common::root()
                .join("scenarios/small_store.toml")
                .display()
        ),
    )
    .unwrap();
    let v = d11sim(&["validate", "night.toml"], &dir);
    assert!(v.status.success(), "{}", String::from_utf8_lossy(&v.stderr));
}

#[test]
fn a_row_under_way_counts_to_the_update_time() {
    let dir = temp_dir("forecast-partial");
    let plan = plan(&dir);
    // 18:00-20:00 whole, and 20:00 holding the first 5 minutes' 40 arrivals
    let mut s = std::fs::read_to_string(observed(&dir, "seen.csv", 8, 1.2)).unwrap();
    s += "11-10 20:00,40\n";
    std::fs::write(dir.join("seen.csv"), s).unwrap();
    let out = dir.join("out");
    let o = d11sim(
        &[
            "forecast",
            "--plan",
            &plan,
            "--observed",
            "seen.csv",
            "--at",
            "11-10 20:05",
            "--out",
            "out",
        ],
        &dir,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let j = json(&out.join("forecast.json"));
    assert_eq!(j["observed"], 1000.0);
    let planned = j["plan_so_far"].as_f64().unwrap();
    assert!((planned - (800.0 + 100.0 / 3.0)).abs() < 1e-9, "{planned}");
    let csv = std::fs::read_to_string(out.join("forecast.csv")).unwrap();
    assert!(
        csv.lines()
            .nth(1)
            .unwrap()
            .starts_with("11-10 20:05,66.667,"),
        "{csv}"
    );
}

#[test]
fn the_backtest_scores_three_forecasts_per_update_time() {
    let dir = temp_dir("forecast-backtest");
    let plan = plan(&dir);
    let a = observed(&dir, "a.csv", 32, 1.5);
    let b = observed(&dir, "b.csv", 32, 0.7);
    let o = d11sim(
        &[
            "forecast",
            "--plan",
            &plan,
            "--observed",
            &a,
            &b,
            "--backtest",
            "--out",
            "bt",
        ],
        &dir,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let j = json(&dir.join("bt/backtest.json"));
    let rows = j["by_update_time"].as_array().unwrap();
    assert_eq!(rows.len(), 7);
    for r in rows {
        assert_eq!(r["days"], 2);
        // a day at a constant multiple of the plan: the run-rate is exact, the plan off
        // by 50% and 30%, and the update in between, closer with each hour
        assert!((r["mape"]["plan"].as_f64().unwrap() - (0.5 / 1.5 + 0.3 / 0.7) / 2.0).abs() < 1e-9);
        assert!(r["mape"]["run_rate"].as_f64().unwrap() < 1e-12);
        assert!(r["mape"]["forecast"].as_f64().unwrap() < 0.02);
    }
    let first = rows[0]["mape"]["forecast"].as_f64().unwrap();
    let last = rows[6]["mape"]["forecast"].as_f64().unwrap();
    assert!(last < first);
    let csv = std::fs::read_to_string(dir.join("bt/backtest.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + 14);
}

#[test]
fn bad_forecast_inputs_are_refused_by_name_and_write_nothing() {
    let dir = temp_dir("forecast-bad");
    let plan = plan(&dir);
    let seen = observed(&dir, "seen.csv", 8, 1.0);
    std::fs::write(
        dir.join("bad.csv"),
        "interval_start,arrivals\n11-10 18:00,5\n11-10 18:15,-3\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("late.csv"),
        "interval_start,arrivals\n11-11 18:00,5\n11-11 18:15,3\n",
    )
    .unwrap();
    let cases: [(&[&str], &str); 7] = [
        (
            &["--observed", &seen, "--at", "11-12 03:00"],
            "--at 11-12 03:00 is outside the plan",
        ),
        (&["--observed", &seen, "--at", "25:00"], "--at: "),
        (&["--observed", &seen], "--at is required"),
        (
            &["--observed", "bad.csv", "--at", "11-10 20:00"],
            "bad.csv:3: count must be a finite number >= 0",
        ),
        (
            &["--observed", "late.csv", "--at", "11-10 20:00"],
            "lie wholly outside the plan",
        ),
        (
            &["--observed", &seen, "--at", "11-10 20:00", "--plan-cv", "0"],
            "--plan-cv must be above 0",
        ),
        (
            &["--observed", "missing.csv", "--at", "11-10 20:00"],
            "missing.csv: cannot read",
        ),
    ];
    for (args, want) in cases {
        let mut all = vec!["forecast", "--plan", &plan, "--out", "out"];
        all.extend_from_slice(args);
        let o = d11sim(&all, &dir);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(want), "{args:?}: {err}");
        assert!(!dir.join("out").exists(), "{args:?} wrote its output");
    }
}
