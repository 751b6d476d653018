//! `calibrate` against known truth: scenarios with known inputs are simulated with
//! `run --log`, fitted back, and every true value must lie inside its 95% interval in about
//! 95% of seeds (coverage over many seeds, not one lucky seed); the naive leavers-only
//! patience is shown biased on the same logs. Then the log reader on a foreign export (GBK,
//! Chinese headers, date and time apart, codes, dropped and impossible rows) and the bad
//! inputs that must exit 2.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::common::{d11sim, root, temp_dir};

fn data(name: &str) -> PathBuf {
    root().join("tests/data/calibrate").join(name)
}

/// Simulates `days` days of `scenario` with `seed`, logs them and calibrates the log on the
/// scenario itself; calibration.json.
pub(super) fn round_trip(
    dir: &Path,
    scenario: &str,
    seed: u64,
    days: u64,
    map: Option<&Path>,
) -> Value {
    let log = dir.join(format!("log-{seed}"));
    let out = dir.join(format!("cal-{seed}"));
    let sc = data(scenario);
    let (sc, log_s, out_s) = (
        sc.to_str().unwrap(),
        log.to_str().unwrap(),
        out.to_str().unwrap(),
    );
    let seed_s = seed.to_string();
    let days_s = days.to_string();
    let r = d11sim(
        &[
            "run", sc, "-r", &days_s, "-s", &seed_s, "-t", "1", "-q", "--log", log_s,
        ],
        dir,
    );
    assert!(
        r.status.success(),
        "run --log: {}",
        String::from_utf8_lossy(&r.stderr)
    );
    // the holdout check has its own test
    let mut args = vec![
        "calibrate",
        log_s,
        "--base",
        sc,
        "--out",
        out_s,
        "-q",
        "--holdout-every",
        "0",
    ];
    if let Some(m) = map {
        args.extend(["--map", m.to_str().unwrap()]);
    }
    let r = d11sim(&args, dir);
    assert!(
        r.status.success(),
        "calibrate: {}",
        String::from_utf8_lossy(&r.stderr)
    );
    let json = std::fs::read_to_string(out.join("calibration.json")).expect("calibration.json");
    let _ = std::fs::remove_dir_all(&log);
    let _ = std::fs::remove_dir_all(&out);
    serde_json::from_str(&json).expect("calibration.json parses")
}

/// `run [SCENARIO] -r DAYS [-s SEED] -q --log LOG` in `dir`; it must succeed.
pub(super) fn run_log(
    dir: &Path,
    scenario: Option<&Path>,
    days: u64,
    seed: Option<u64>,
    log: &Path,
) {
    let (days, seed) = (days.to_string(), seed.map(|s| s.to_string()));
    let mut args = vec!["run"];
    if let Some(sc) = scenario {
        args.push(sc.to_str().unwrap());
    }
    args.extend(["-r", &days]);
    if let Some(s) = &seed {
        args.extend(["-s", s]);
    }
    args.extend(["-q", "--log", log.to_str().unwrap()]);
    let r = d11sim(&args, dir);
    assert!(
        r.status.success(),
        "run --log: {}",
        String::from_utf8_lossy(&r.stderr)
    );
}

/// `(lo, hi)` of a fitted value.
fn ci(v: &Value) -> (f64, f64) {
    (v["lo"].as_f64().expect("lo"), v["hi"].as_f64().expect("hi"))
}

pub(super) fn covers(v: &Value, truth: f64) -> bool {
    let (lo, hi) = ci(v);
    lo <= truth && truth <= hi
}

/// The fit of `law` in the patience of the first class.
fn law<'a>(cal: &'a Value, name: &str) -> &'a Value {
    cal["fits"]["patience"][0]["fits"]
        .as_array()
        .expect("fits")
        .iter()
        .find(|f| f["law"] == name)
        .unwrap_or_else(|| panic!("no {name} fit"))
}

fn param<'a>(fit: &'a Value, name: &str) -> &'a Value {
    fit["params"]
        .as_array()
        .expect("params")
        .iter()
        .find(|p| p[0] == name)
        .map(|p| &p[1])
        .unwrap_or_else(|| panic!("no parameter {name}"))
}

/// A 95% interval covers the truth in at least `need` of `seeds`: with true coverage 95%,
/// fewer happens with probability under 0.5% at the seed counts used here.
pub(super) fn assert_coverage(what: &str, hits: usize, seeds: usize, need: usize) {
    assert!(
        hits >= need,
        "{what}: the 95% interval held the truth in {hits} of {seeds} seeds (need {need})"
    );
    eprintln!("{what}: {hits}/{seeds}");
}

#[test]
fn exponential_patience_work_and_bot_come_back_inside_their_intervals() {
    let dir = temp_dir("cal-exp");
    let seeds = 60;
    let mut hits = [0usize; 8];
    let names = [
        "patience mean",
        "work median",
        "work p90",
        "bot resolution",
        "bot first touch",
        "bot leave share",
        "day total",
        "arrivals 20:00-20:30",
    ];
    for seed in 0..seeds {
        let cal = round_trip(&dir, "exponential.toml", 1000 + seed, 5, None);
        let exp = law(&cal, "exponential");
        let mean = &exp["mean_s"];
        // the interval is informative, not just wide
        let (lo, hi) = ci(mean);
        assert!(hi - lo < 0.15 * mean["value"].as_f64().unwrap(), "{mean}");
        let naive = cal["fits"]["patience"][0]["naive_mean_s"].as_f64().unwrap();
        assert!(naive < 0.5 * 300.0, "leavers alone: {naive} s");
        let work = &cal["fits"]["handling_all"];
        let bot = &cal["fits"]["bot"][0];
        let checks = [
            covers(mean, 300.0),
            covers(&work["median_s"], 150.0),
            covers(&work["p90_s"], 400.0),
            covers(&bot["resolution"], 0.4),
            covers(&cal["fits"]["bot_touch"], 0.5),
            covers(&bot["leave_share"], 0.1),
            covers(&cal["fits"]["arrivals"]["day_total"], 4800.0),
            covers(&cal["fits"]["arrivals"]["intervals"][4]["per_hour"], 600.0),
        ];
        for (h, ok) in hits.iter_mut().zip(checks) {
            *h += usize::from(ok);
        }
    }
    for (name, h) in names.iter().zip(hits) {
        assert_coverage(name, h, seeds as usize, 51);
    }
}

#[test]
fn weibull_patience_comes_back_inside_its_intervals() {
    let dir = temp_dir("cal-weibull");
    let seeds = 40;
    let (mut shape, mut scale, mut best) = (0, 0, 0);
    for seed in 0..seeds {
        let cal = round_trip(&dir, "weibull.toml", 2000 + seed, 5, None);
        let w = law(&cal, "weibull");
        shape += usize::from(covers(param(w, "shape"), 0.7));
        scale += usize::from(covers(param(w, "scale_s"), 250.0));
        best += usize::from(cal["fits"]["patience"][0]["chosen"] == "weibull");
    }
    assert_coverage("Weibull shape", shape, seeds as usize, 34);
    assert_coverage("Weibull scale", scale, seeds as usize, 34);
    // AIC tells a Weibull of shape 0.7 from an exponential and a log-normal
    assert!(best >= 30, "Weibull chosen in {best} of {seeds} seeds");
}

#[test]
fn silent_leavers_are_a_mixture_the_fit_takes_apart() {
    let dir = temp_dir("cal-silent");
    let ignore = dir.join("ignore_silent.toml");
    std::fs::write(&ignore, "silent_share = 0\n").unwrap();
    let seeds = 40;
    let (mut with, mut without) = (0, 0);
    let (mut work_median, mut work_p90) = (0, 0);
    for seed in 0..seeds {
        let cal = round_trip(&dir, "silent.toml", 3000 + seed, 5, None);
        assert_eq!(cal["fits"]["patience"][0]["silent_share"], 0.5);
        with += usize::from(covers(&law(&cal, "exponential")["mean_s"], 300.0));
        // the silent leavers' chats, held to the 300 s timeout, are out of the handling
        let work = &cal["fits"]["handling_all"];
        work_median += usize::from(covers(&work["median_s"], 150.0));
        work_p90 += usize::from(covers(&work["p90_s"], 400.0));
        let cal = round_trip(&dir, "silent.toml", 3000 + seed, 5, Some(&ignore));
        let mean = &law(&cal, "exponential")["mean_s"];
        without += usize::from(covers(mean, 300.0));
        assert!(mean["value"].as_f64().unwrap() > 450.0, "{mean}");
    }
    assert_coverage(
        "work median with silent leavers",
        work_median,
        seeds as usize,
        34,
    );
    assert_coverage("work p90 with silent leavers", work_p90, seeds as usize, 34);
    assert_coverage(
        "patience mean with silent leavers",
        with,
        seeds as usize,
        34,
    );
    assert_eq!(without, 0, "ignoring silent leavers overstates patience");
}

#[test]
fn the_calibrated_scenario_runs_and_says_what_it_kept() {
    let dir = temp_dir("cal-runs");
    let log = dir.join("log");
    let out = dir.join("cal");
    run_log(&dir, None, 2, None, &log);
    let header = std::fs::read_to_string(log.join("conversations.csv")).unwrap();
    assert!(header.starts_with(&d11sim::convlog::COLUMNS.join(",")));
    // the same seed gives the same log, whatever the thread count
    let again = dir.join("log-1-thread");
    let r = d11sim(
        &[
            "run",
            "-r",
            "2",
            "-t",
            "1",
            "-q",
            "--log",
            again.to_str().unwrap(),
        ],
        &dir,
    );
    assert!(r.status.success());
    super::common::assert_same_files(
        &log,
        &again,
        &["conversations.csv", "messages.csv", "log.toml"],
        "run --log differs with the thread count",
    );
    let r = d11sim(
        &[
            "calibrate",
            log.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "-q",
        ],
        &dir,
    );
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    // the default store's agents answer slower with more chats open (its switch penalty
    // and their inboxes): the reply time at 5 open chats is above that at 1, CIs apart
    let cal: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("calibration.json")).unwrap())
            .unwrap();
    let levels = cal["concurrency"]["by_open_chats"].as_array().unwrap();
    let at = |j: u64| {
        levels
            .iter()
            .find(|l| l["open_chats"] == j)
            .unwrap_or_else(|| panic!("no level {j}: {levels:?}"))
    };
    assert_eq!(at(1)["slowdown"]["value"], 1.0);
    assert!(at(5)["slowdown"]["lo"].as_f64().unwrap() > 1.0, "{}", at(5));
    let toml = std::fs::read_to_string(out.join("scenario.toml")).unwrap();
    assert!(toml.contains("extends = \"(embedded)\""));
    assert!(toml.contains("# from the base: roster"));
    assert!(toml.contains("[patience.first_reply]"));
    let r = d11sim(
        &[
            "run",
            out.join("scenario.toml").to_str().unwrap(),
            "-r",
            "1",
            "-q",
        ],
        &dir,
    );
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
}

/// A back office's export: GBK, Chinese headers, the date apart from `H:MM:SS` times, its
/// own outcome codes, a test chat to drop and a row whose reply precedes the arrival.
#[test]
fn a_foreign_export_reads_through_its_mapping() {
    let dir = temp_dir("cal-foreign");
    let text = "会话ID,日期,进线时间,接入时间,首次回复时间,结束时间,结果,咨询类型,备注\n\
                A1,2025/11/10,23:58:10,23:58:10,23:58:40,0:05:00,已接待,售前,\n\
                A2,2025/11/10,23:59:00,23:59:00,,23:59:50,顾客放弃,售前,\n\
                A3,2025/11/10,23:59:30,23:59:30,23:59:35,0:10:00,已接待,售后,测试\n\
                A4,2025/11/11,0:01:00,0:01:00,0:00:30,0:09:00,已接待,售中,\n\
                A5,2025/11/11,0:02:00,0:02:00,0:02:20,0:12:00,已接待,售中,\n";
    let (bytes, _, bad) = encoding_rs::GBK.encode(text);
    assert!(!bad);
    let export = dir.join("export.csv");
    std::fs::write(&export, &bytes).unwrap();
    let map = dir.join("map.toml");
    std::fs::write(
        &map,
        "time_format = \"clock\"\nday_start = \"12:00\"\ninterval_min = 60\n\
         [columns]\nconversation = \"会话ID\"\ndate = \"日期\"\narrival = \"进线时间\"\n\
         queued = \"接入时间\"\nfirst_reply = \"首次回复时间\"\nend = \"结束时间\"\n\
         outcome = \"结果\"\nclass = \"咨询类型\"\n\
         [outcomes]\n\"已接待\" = \"served\"\n\"顾客放弃\" = \"abandoned\"\n\
         [classes]\n\"售前\" = \"pre_sale\"\n\"售中\" = \"in_sale\"\n\"售后\" = \"after_sale\"\n\
         [[drop]]\ncolumn = \"备注\"\nequals = [\"测试\"]\n",
    )
    .unwrap();
    let out = dir.join("cal");
    let r = d11sim(
        &[
            "calibrate",
            export.to_str().unwrap(),
            "--map",
            map.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        &dir,
    );
    let stderr = String::from_utf8_lossy(&r.stderr);
    assert!(r.status.success(), "{stderr}");
    assert!(stderr.contains("read as GBK"), "{stderr}");
    assert!(stderr.contains("1 dropped (备注 = 测试)"), "{stderr}");
    assert!(
        stderr.contains("line 5: first_reply before the arrival"),
        "{stderr}"
    );
    let cal: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("calibration.json")).unwrap())
            .unwrap();
    assert_eq!(cal["conversations"], 3);
    assert_eq!(cal["reading"][0]["impossible_lines"][0][0], 5);
    // one night from 12:00: the 23:58 and the 00:02 arrivals are the same day, the end
    // at 0:05 rolls to the next date
    assert_eq!(cal["fits"]["arrivals"]["days"].as_array().unwrap().len(), 1);
    let pre = &cal["fits"]["patience"][0];
    assert_eq!(
        (
            pre["class"].as_str(),
            pre["n"].as_u64(),
            pre["left"].as_u64()
        ),
        (Some("pre_sale"), Some(2), Some(1))
    );
}

fn assert_bad(args: &[&str], dir: &Path, needles: &[&str], out: &Path) {
    let r = d11sim(args, dir);
    let stderr = String::from_utf8_lossy(&r.stderr);
    assert_eq!(r.status.code(), Some(2), "{args:?}: {stderr}");
    for n in needles {
        assert!(stderr.contains(n), "{args:?}: `{n}` not in: {stderr}");
    }
    assert!(!out.exists(), "{args:?}: output written");
}

#[test]
fn bad_logs_and_mappings_exit_2_naming_file_and_line_or_key() {
    let dir = temp_dir("cal-bad");
    let out = dir.join("out");
    let out_s = out.to_str().unwrap();
    let header = d11sim::convlog::COLUMNS.join(",");
    // a row with a field too many
    let log = dir.join("extra.csv");
    std::fs::write(
        &log,
        format!("{header}\nc1,,,2025-11-10 20:00:00,pre_sale,,,,,,,,,served,,,,,x\n"),
    )
    .unwrap();
    assert_bad(
        &["calibrate", log.to_str().unwrap(), "--out", out_s],
        &dir,
        &["extra.csv", "line 2", "malformed"],
        &out,
    );
    // an impossible time
    let log = dir.join("time.csv");
    std::fs::write(
        &log,
        format!("{header}\nc1,,,2025-11-10 25:00:00,pre_sale,,,,,,,,,served,,,,\n"),
    )
    .unwrap();
    assert_bad(
        &["calibrate", log.to_str().unwrap(), "--out", out_s],
        &dir,
        &["time.csv", "line 2", "arrival"],
        &out,
    );
    // epoch times that cannot be a log's, and a year out of range
    let map = dir.join("epoch.toml");
    std::fs::write(&map, "time_format = \"epoch_s\"\n").unwrap();
    for (i, cell) in ["1e308", "NaN", "-1e15"].iter().enumerate() {
        let log = dir.join(format!("epoch{i}.csv"));
        std::fs::write(&log, format!("arrival\n{cell}\n")).unwrap();
        assert_bad(
            &[
                "calibrate",
                log.to_str().unwrap(),
                "--map",
                map.to_str().unwrap(),
                "--out",
                out_s,
            ],
            &dir,
            &[&format!("epoch{i}.csv"), "line 2", "between 1970 and 2200"],
            &out,
        );
    }
    let log = dir.join("year.csv");
    std::fs::write(&log, "arrival\n12025-11-10 20:00:00\n").unwrap();
    assert_bad(
        &["calibrate", log.to_str().unwrap(), "--out", out_s],
        &dir,
        &["year.csv", "line 2", "year 12025"],
        &out,
    );
    // a log whose days cross the new year cannot be a scenario's clock
    let log = dir.join("newyear.csv");
    std::fs::write(&log, "arrival\n2024-12-31 23:50:00\n2025-01-01 00:20:00\n").unwrap();
    let noon = dir.join("noon.toml");
    std::fs::write(&noon, "day_start = \"12:00\"\n").unwrap();
    assert_bad(
        &[
            "calibrate",
            log.to_str().unwrap(),
            "--map",
            noon.to_str().unwrap(),
            "--out",
            out_s,
        ],
        &dir,
        &["new year"],
        &out,
    );
    // a mapping naming a column the file lacks
    let map = dir.join("map.toml");
    std::fs::write(&map, "[columns]\narrival = \"进线时间\"\n").unwrap();
    let good = dir.join("good.csv");
    std::fs::write(
        &good,
        format!("{header}\nc1,,,2025-11-10 20:00:00,pre_sale,,,,,,,,,served,,,,\n"),
    )
    .unwrap();
    assert_bad(
        &[
            "calibrate",
            good.to_str().unwrap(),
            "--map",
            map.to_str().unwrap(),
            "--out",
            out_s,
        ],
        &dir,
        &["columns.arrival", "进线时间"],
        &out,
    );
    // a mapping key that does not exist
    std::fs::write(&map, "[colums]\narrival = \"x\"\n").unwrap();
    assert_bad(
        &[
            "calibrate",
            good.to_str().unwrap(),
            "--map",
            map.to_str().unwrap(),
            "--out",
            out_s,
        ],
        &dir,
        &["map.toml", "colums"],
        &out,
    );
    // bytes that are not text in the encoding the mapping names
    std::fs::write(&map, "encoding = \"utf-8\"\n").unwrap();
    let mut bytes = format!("{header}\n").into_bytes();
    bytes.extend(b"c1,,,2025-11-10 20:00:00,\xff\xfe,,,,,,,,,served,,,,\n");
    let enc = dir.join("enc.csv");
    std::fs::write(&enc, bytes).unwrap();
    assert_bad(
        &[
            "calibrate",
            enc.to_str().unwrap(),
            "--map",
            map.to_str().unwrap(),
            "--out",
            out_s,
        ],
        &dir,
        &["enc.csv", "line 2", "UTF-8"],
        &out,
    );
}

#[test]
fn a_log_without_leavers_keeps_the_base_patience_and_says_so() {
    let dir = temp_dir("cal-noleave");
    let log = dir.join("log");
    let out = dir.join("cal");
    let sc = data("no_leavers.toml");
    run_log(&dir, Some(&sc), 3, None, &log);
    let r = d11sim(
        &[
            "calibrate",
            log.to_str().unwrap(),
            "--base",
            sc.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "-q",
        ],
        &dir,
    );
    let stderr = String::from_utf8_lossy(&r.stderr);
    assert_eq!(r.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("conversations.csv"), "{stderr}");
    assert!(stderr.contains("patience cannot be identified"), "{stderr}");
    let toml = std::fs::read_to_string(out.join("scenario.toml")).unwrap();
    assert!(toml.contains("# from the base: patience"), "{toml}");
    assert!(!toml.contains("[patience.first_reply]"), "{toml}");
}

#[test]
fn the_holdout_check_passes_a_right_fit_and_fails_a_wrong_one() {
    let dir = temp_dir("cal-holdout");
    let log = dir.join("log");
    let run = |sc: &str, log: &Path| run_log(&dir, Some(&data(sc)), 10, Some(7), log);
    let calibrate = |sc: &str, log: &Path, map: Option<&Path>, out: &str| -> Value {
        let out = dir.join(out);
        let mut args = vec![
            "calibrate",
            log.to_str().unwrap(),
            "--base",
            data(sc).to_str().unwrap().to_string().leak(),
            "--out",
            out.to_str().unwrap().to_string().leak(),
            "-q",
        ];
        if let Some(m) = map {
            args.extend(["--map", m.to_str().unwrap().to_string().leak()]);
        }
        let r = d11sim(&args, &dir);
        assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
        assert!(out.join("holdout/scenario.toml").is_file());
        serde_json::from_str(&std::fs::read_to_string(out.join("calibration.json")).unwrap())
            .unwrap()
    };
    let share = |cal: &Value, kpi: &str| -> f64 {
        cal["holdout"]["consistent_share"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x[0] == kpi)
            .map(|x| x[1].as_f64().unwrap())
            .unwrap()
    };
    // the truth's own fit: held-out days look like the simulated ones, interval by interval
    run("exponential.toml", &log);
    let cal = calibrate("exponential.toml", &log, None, "right");
    assert_eq!(cal["holdout"]["held_out_days"].as_array().unwrap().len(), 2);
    assert_eq!(cal["holdout"]["fitted_days"].as_array().unwrap().len(), 8);
    for kpi in ["abandonment", "first_response_s", "service_level"] {
        assert!(share(&cal, kpi) >= 0.75, "{kpi}: {}", cal["holdout"]);
    }
    for r in cal["holdout"]["day"].as_array().unwrap() {
        assert_eq!(r["consistent"], true, "{r}");
    }
    // patience fitted as if no leaver were silent: the check says the fit is wrong
    let log = dir.join("log-silent");
    run("silent.toml", &log);
    let meta = std::fs::read_to_string(log.join("log.toml")).unwrap();
    let map = dir.join("ignore_silent.toml");
    std::fs::write(&map, format!("{meta}silent_share = 0\n")).unwrap();
    let cal = calibrate("silent.toml", &log, Some(&map), "wrong");
    assert!(share(&cal, "first_response_s") < 0.25, "{}", cal["holdout"]);
    // with the silent share, and the silent leavers' held chats out of the handling, the
    // same log's held-out days look like the simulated ones
    let cal = calibrate("silent.toml", &log, None, "silent-right");
    for kpi in ["abandonment", "first_response_s", "service_level"] {
        assert!(share(&cal, kpi) >= 0.75, "{kpi}: {}", cal["holdout"]);
    }
    for r in cal["holdout"]["day"].as_array().unwrap() {
        assert_eq!(r["consistent"], true, "{r}");
    }
}

/// The log written for a simulated day holds the day's own counts: every attempt and bot
/// session is a row, and the messages add up to the summary's.
#[test]
fn the_log_holds_the_same_numbers_as_the_summary() {
    let dir = temp_dir("cal-counts");
    let (out, log) = (dir.join("out"), dir.join("log"));
    let r = d11sim(
        &[
            "run",
            "-r",
            "1",
            "-q",
            "--out",
            out.to_str().unwrap(),
            "--log",
            log.to_str().unwrap(),
        ],
        &dir,
    );
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let count = |k: &str| -> u64 {
        let v = &summary["counts"][k];
        v.as_u64()
            .or_else(|| v["mean"].as_f64().map(|x| x as u64))
            .unwrap_or_else(|| panic!("count {k}: {v}"))
    };
    let mapping = d11sim::convlog::mapping::Mapping::default();
    let (mut rows, mut resolved, mut escalated, mut bot_left) = (0u64, 0u64, 0u64, 0u64);
    let (mut agent_msgs, mut cust_msgs_assigned) = (0u64, 0u64);
    d11sim::convlog::read::conversations(&log.join("conversations.csv"), &mapping, |r| {
        use d11sim::convlog::BotOutcome;
        rows += 1;
        match r.bot_outcome {
            Some(BotOutcome::Resolved) => resolved += 1,
            Some(BotOutcome::Escalated) => escalated += 1,
            Some(BotOutcome::Abandoned) => bot_left += 1,
            None => {}
        }
        agent_msgs += u64::from(r.agent_messages.unwrap_or(0));
        if r.assigned.is_some() {
            cust_msgs_assigned += u64::from(r.customer_messages.unwrap_or(0));
        }
    })
    .unwrap();
    assert_eq!(resolved, count("deflected"));
    assert_eq!(escalated, count("escalations"));
    // who left the bot's session or its queue
    assert_eq!(bot_left, count("abandoned_at_bot"));
    assert_eq!(rows, count("attempts") + resolved + bot_left);
    assert_eq!(agent_msgs, count("agent_messages"));
    // the summary counts a customer's messages once they reach an agent
    assert_eq!(cust_msgs_assigned, count("customer_messages"));
}
