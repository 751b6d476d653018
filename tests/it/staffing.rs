//! Analytic staffing formulas against the exact reference values (tests/data/reference/):
//! these are exact computations, so agreement is to 1e-8 relative.

use d11sim::staffing::erlang::{Metrics, Queue, erlang_b};
use serde_json::Value;

use crate::common;

fn cases(file: &str, key: &str) -> Vec<Value> {
    let path = common::root().join("tests/data/reference").join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (the reference values ship with the repository)",
            path.display()
        )
    });
    let doc: Value = serde_json::from_str(&text).unwrap();
    doc[key].as_array().unwrap().clone()
}

fn close(got: f64, want: f64, what: &str) {
    let err = (got - want).abs() / want.abs().max(1e-300);
    assert!(
        err < 1e-8 || (got - want).abs() < 1e-14,
        "{what}: {got} vs {want} (relative {err:e})"
    );
}

fn queue(params: &Value) -> (Queue, u32) {
    let q = Queue {
        lambda: params["arrival_rate_per_s"].as_f64().unwrap(),
        handle_s: params["mean_service_s"].as_f64().unwrap(),
        patience_s: params["mean_patience_s"].as_f64(),
        chats: 1,
        speed: vec![1.0],
    };
    (q, params["c"].as_u64().unwrap() as u32)
}

/// A reference metric's key and the analytic metric it is compared with.
type MetricPair<'a> = (&'a str, fn(&Metrics) -> f64);

/// Checks every case of `file` against the analytic metrics named in `metrics`.
fn check_family(file: &str, count: usize, metrics: &[MetricPair<'_>]) {
    let cases = cases(file, "cases");
    assert_eq!(cases.len(), count);
    for case in cases {
        let id = case["id"].as_str().unwrap();
        let (q, c) = queue(&case["params"]);
        let m = q.metrics(c, 20.0);
        for (key, get) in metrics {
            close(
                get(&m),
                case["metrics"][*key].as_f64().unwrap(),
                &format!("{id} {key}"),
            );
        }
    }
}

#[test]
fn erlang_c_matches_every_reference_case() {
    check_family(
        "erlang_c.json",
        12,
        &[
            ("p_wait", |m| m.p_wait),
            ("mean_wait_all", |m| m.asa_s),
            ("sl20", |m| m.service_level),
            ("mean_queue", |m| m.mean_queue),
            ("occupancy", |m| m.occupancy),
        ],
    );
}

#[test]
fn erlang_a_matches_every_reference_case() {
    check_family(
        "erlang_a.json",
        18,
        &[
            ("p_wait", |m| m.p_wait),
            ("p_abandon", |m| m.p_abandon),
            ("mean_wait_all", |m| m.asa_s),
            ("sl20_all_wait", |m| m.service_level),
            ("mean_queue", |m| m.mean_queue),
            ("occupancy", |m| m.occupancy),
        ],
    );
}

#[test]
fn erlang_b_matches_every_reference_case() {
    let cases = cases("erlang_b_mmck.json", "erlang_b_cases");
    assert_eq!(cases.len(), 16);
    for case in cases {
        let p = &case["params"];
        let c = p["c"].as_u64().unwrap() as u32;
        let a = p["offered_load_erlangs"]
            .as_f64()
            .unwrap_or_else(|| p["arrival_rate_per_s"].as_f64().unwrap() * 180.0);
        close(
            erlang_b(c, a),
            case["metrics"]["p_block"].as_f64().unwrap(),
            case["id"].as_str().unwrap(),
        );
    }
}

#[test]
fn staffing_finds_the_smallest_pool_that_meets_the_target() {
    // every Erlang A case: the pool found for "p_abandon <= that case's value" is the case's c
    // (or fewer, never more), and one agent fewer misses the target
    use d11sim::staffing::erlang::StaffTarget;
    for case in cases("erlang_a.json", "cases") {
        let (q, c) = queue(&case["params"]);
        let target = case["metrics"]["p_abandon"].as_f64().unwrap() * (1.0 + 1e-9);
        let m = q
            .staff(&[StaffTarget::AbandonAtMost(target)], 20.0, 1000)
            .unwrap();
        assert!(m.agents <= c && m.p_abandon <= target);
        if m.agents > 1 {
            assert!(q.metrics(m.agents - 1, 20.0).p_abandon > target);
        }
    }
}

#[test]
fn erlang_command_finds_staffing_and_rejects_bad_input() {
    let dir = common::temp_dir("erlang_cli");
    let o = common::d11sim(
        &[
            "erlang",
            "--arrivals-per-hour",
            "200",
            "--handle-s",
            "180",
            "--sl-s",
            "19.8",
            "--target",
            "service_level>=0.9",
            "--json",
        ],
        &dir,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v[0]["agents"], 15); // the literature example: 14 agents give 0.888, 15 give 0.941
    for bad in [
        vec!["erlang", "--arrivals-per-hour", "-5", "--handle-s", "180"],
        vec![
            "erlang",
            "--arrivals-per-hour",
            "200",
            "--handle-s",
            "180",
            "--target",
            "speed>=3",
        ],
        vec![
            "erlang",
            "--arrivals-per-hour",
            "200",
            "--handle-s",
            "180",
            "--agents",
            "5",
        ],
    ] {
        let o = common::d11sim(&bad, &dir);
        assert_eq!(
            o.status.code(),
            Some(2),
            "{bad:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(!String::from_utf8_lossy(&o.stderr).contains("panicked"));
    }
}

#[test]
fn staff_formula_command_prints_each_step() {
    let dir = common::temp_dir("formula_cli");
    let args = [
        "staff",
        "formula",
        "--sales-target",
        "10000000",
        "--cs-share",
        "0.3",
        "--aov",
        "200",
        "--conversion",
        "0.5",
        "--capacity",
        "150",
    ];
    let o = common::d11sim(&args, &dir);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8_lossy(&o.stdout);
    for step in [
        "CS-assisted sales 3000000",
        "CS-assisted buyers 15000",
        "pre-sale inquiries 30000",
        "= 200.0 agents",
        "by the pre-sale arrivals",
        "peak hour needs 248 agents on duty",
        "warning: the peak hour needs 248 agents on duty but the day has only 200 agent-days",
    ] {
        assert!(text.contains(step), "`{step}` missing from:\n{text}");
    }
    std::fs::write(dir.join("in.toml"), "sales_target = 10000000\ncs_sales_share = 0.3\ncs_average_order_value = 200\ninquiry_conversion = 0.5\nsaturated_capacity = 150\n").unwrap();
    let o = common::d11sim(&["staff", "formula", "--inputs", "in.toml", "--json"], &dir);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!((v["agents"].as_f64().unwrap() - 200.0).abs() < 1e-9);
    let o = common::d11sim(
        &[
            "staff",
            "formula",
            "--sales-target",
            "1",
            "--cs-share",
            "2",
            "--aov",
            "1",
            "--conversion",
            "0.5",
            "--capacity",
            "1",
        ],
        &dir,
    );
    assert_eq!(o.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("`--cs-share` is a share"), "{stderr}");
    // percentages are shares too, and the flags name themselves
    let o = common::d11sim(
        &[
            "staff",
            "formula",
            "--sales-target",
            "10000000",
            "--cs-share",
            "30%",
            "--aov",
            "200",
            "--conversion",
            "50%",
            "--capacity",
            "150",
        ],
        &dir,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("= 200.0 agents"));
    std::fs::write(dir.join("bad.toml"), "sales_target = 1\ncs_sales_share = 2\ncs_average_order_value = 1\ninquiry_conversion = 0.5\nsaturated_capacity = 1\n").unwrap();
    let o = common::d11sim(&["staff", "formula", "--inputs", "bad.toml"], &dir);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr.contains("bad.toml: `cs_sales_share`"), "{stderr}");
}

#[test]
fn a_sweep_with_one_value_equals_a_plain_run() {
    let dir = common::temp_dir("sweep_one");
    let scen = common::root().join("scenarios/small_store.toml");
    let scen = scen.to_str().unwrap();
    let o = common::d11sim(
        &[
            "sweep",
            scen,
            "--set",
            "groups.temps.count=2",
            "-r",
            "4",
            "-s",
            "9",
            "--out",
            "sw",
        ],
        &dir,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o2 = common::d11sim(&["run", scen, "-r", "4", "-s", "9", "--json"], &dir);
    let sweep: Value =
        serde_json::from_slice(&std::fs::read(dir.join("sw/sweep.json")).unwrap()).unwrap();
    let run: Value = serde_json::from_slice(&o2.stdout).unwrap();
    let point = &sweep["points"][0]["kpis"];
    for (k, v) in run["kpis"].as_object().unwrap() {
        assert_eq!(point[k]["mean"], v["mean"], "{k}");
        assert_eq!(point[k]["ci_low"], v["ci_low"], "{k}");
    }
    let bad = common::d11sim(&["sweep", scen, "--set", "groups.nobody.count=1,2"], &dir);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("no element named `nobody`"));
}

#[test]
fn analytic_requirement_per_interval_matches_the_reference_case() {
    use d11sim::engine::SimTime;
    use d11sim::staffing::{analytic::per_interval, erlang::StaffTarget};
    // erlang_a.toml is case A_c50_a1c_pat300: 50 agents give P(abandon) 0.049190
    let sc =
        d11sim::scenario::Scenario::load(&common::root().join("scenarios/erlang_a.toml")).unwrap();
    let needs = per_interval(
        &sc,
        &[StaffTarget::AbandonAtMost(0.049_190_1)],
        SimTime::from_secs(86_400),
    );
    assert_eq!(needs.len(), 14);
    for n in &needs {
        assert!((n.arrivals_per_hour - 1000.0).abs() < 1e-6);
        assert_eq!((n.agents_needed, n.agents_rostered), (Some(50), 50));
    }
    // a bot that takes everyone and resolves half, losing nobody, halves the load
    let mut raw = common::raw_scenario("erlang_a.toml");
    raw.bot = Some(d11sim::scenario::file::BotFile {
        first_touch: d11sim::scenario::file::ClassValuesFile {
            default: Some(1.0),
            ..Default::default()
        },
        windows: vec![],
        latency: d11sim::scenario::file::DurationFile {
            dist: "fixed".into(),
            value_s: Some(1.0),
            ..Default::default()
        },
        session: d11sim::scenario::file::DurationFile {
            dist: "fixed".into(),
            value_s: Some(1.0),
            ..Default::default()
        },
        capacity: None,
        overflow: "human".into(),
        resolution: d11sim::scenario::file::ResolutionFile {
            default: Some(d11sim::scenario::file::UncertainFile { mean: 0.5, sd: 0.0 }),
            pre_sale: None,
            in_sale: None,
            after_sale: None,
        },
        leave_share: 0.0,
        escalated_patience_factor: 1.0,
    });
    let with_bot = per_interval(
        &common::validate(&raw),
        &[StaffTarget::AbandonAtMost(0.05)],
        SimTime::from_secs(86_400),
    );
    assert!((with_bot[0].arrivals_per_hour - 500.0).abs() < 1e-6);
    assert!(with_bot[0].agents_needed.unwrap() < 30);
}

#[test]
fn shift_plan_covers_the_requirement_by_the_rules_at_minimal_cost() {
    use d11sim::engine::SimTime;
    use d11sim::staffing::{analytic::per_interval, erlang::StaffTarget, shifts};
    let sc = d11sim::scenario::Scenario::default_double11();
    let text =
        std::fs::read_to_string(common::root().join("scenarios/shifts/double11.toml")).unwrap();
    let file: shifts::TemplatesFile = toml::from_str(&text).unwrap();
    let opts = shifts::options(&file, &sc.calendar, &sc.groups).unwrap();
    let hour = SimTime::from_secs(3600);
    let need: Vec<u32> = per_interval(&sc, &[StaffTarget::ServiceLevelAtLeast(0.8)], hour)
        .iter()
        .map(|n| n.agents_needed.unwrap())
        .collect();
    let plan = shifts::solve(&opts, &file, &need, hour, &sc.calendar).unwrap();
    // covers every interval, a temp counting as the speed share of a veteran
    let temps = opts
        .iter()
        .find(|o| file.templates[o.template].like == "temps");
    assert!((temps.unwrap().weight - 0.67).abs() < 1e-9);
    for (k, &n) in need.iter().enumerate() {
        let covered: f64 = opts
            .iter()
            .zip(&plan.heads)
            .filter(|(o, _)| shifts::covers(o, k, hour))
            .map(|(o, h)| o.weight * f64::from(*h))
            .sum();
        assert!(
            covered >= f64::from(n) - 1e-6,
            "interval {k}: {covered} < {n}"
        );
    }
    // respects every template rule
    for (i, t) in file.templates.iter().enumerate() {
        let heads: u32 = opts
            .iter()
            .zip(&plan.heads)
            .filter(|(o, _)| o.template == i)
            .map(|(_, h)| *h)
            .sum();
        assert!(
            heads >= t.min_heads && heads <= t.max_heads,
            "{}: {heads}",
            t.name
        );
    }
    for (o, _) in opts.iter().zip(&plan.heads).filter(|(_, h)| **h > 0) {
        assert!(o.end - o.start <= SimTime::from_secs(12 * 3600));
    }
    // never below the LP lower bound, and minimal: no single agent can be taken away
    assert!(plan.agent_hours >= plan.lower_bound - 1e-6);
    for (j, o) in opts.iter().enumerate().filter(|(j, _)| plan.heads[*j] > 0) {
        let short = need.iter().enumerate().any(|(k, &n)| {
            let covered: f64 = opts
                .iter()
                .zip(&plan.heads)
                .enumerate()
                .filter(|(_, (o, _))| shifts::covers(o, k, hour))
                .map(|(i, (o, h))| o.weight * f64::from(if i == j { h - 1 } else { *h }))
                .sum();
            covered < f64::from(n) - 1e-6
        });
        let t = &file.templates[o.template];
        let total: u32 = opts
            .iter()
            .zip(&plan.heads)
            .filter(|(x, _)| x.template == o.template)
            .map(|(_, h)| *h)
            .sum();
        assert!(
            short || total - 1 < t.min_heads,
            "{} at {:?} could lose an agent",
            t.name,
            o.start
        );
    }
}

#[test]
fn bad_templates_are_rejected_with_key_and_rule() {
    let dir = common::temp_dir("bad_templates");
    let good =
        std::fs::read_to_string(common::root().join("scenarios/shifts/double11.toml")).unwrap();
    for (case, from, to, expect) in [
        (
            "too_long",
            "length_h = 12",
            "length_h = 13",
            "`templates[1].length_h`: a shift lasts more than 0 and at most 12 h",
        ),
        (
            "unknown_like",
            "like = \"temps\"",
            "like = \"robots\"",
            "`templates[3].like`: no group named `robots`",
        ),
        (
            "min_above_max",
            "min_heads = 5 ",
            "min_heads = 500 ",
            "`templates[5]`: min_heads 500 exceeds max_heads 300",
        ),
        (
            "bad_start",
            "\"11-11 04:00\"",
            "\"11-11 4am\"",
            "`templates[4].starts[0]`",
        ),
        (
            "unknown_key",
            "max_heads = 150",
            "max_heads = 150\nshape = 1",
            "unknown field `shape`",
        ),
    ] {
        assert!(good.contains(from), "{case}");
        std::fs::write(dir.join("t.toml"), good.replacen(from, to, 1)).unwrap();
        let o = common::d11sim(&["staff", "plan", "--templates", "t.toml", "-r", "1"], &dir);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{case}: {err}");
        assert!(
            err.contains("t.toml") && err.contains(expect),
            "{case}: {err}"
        );
    }
}

#[test]
fn a_written_roster_reruns_from_another_folder_with_a_csv_base() {
    // the base scenario reads its arrivals from a CSV beside it; the roster that
    // `staff plan` writes elsewhere extends it; run from a third folder, the CSV is still
    // found (relative to the file that names it) and the arrivals are the base's
    let root = common::temp_dir("roster_rerun");
    for d in ["base", "plan", "elsewhere"] {
        std::fs::create_dir_all(root.join(d)).unwrap();
    }
    let store = std::fs::read_to_string(common::root().join("scenarios/small_store.toml"))
        .unwrap()
        .replace(
            "shape = \"double11_midnight\"  # calibration §1 schedule A\nbase_per_hour = 20 ",
            "csv = \"history.csv\"\nforecast_total = 2000 ",
        );
    assert!(store.contains("csv = \"history.csv\""));
    std::fs::write(root.join("base/store.toml"), store).unwrap();
    std::fs::write(
        root.join("base/history.csv"),
        "时间,咨询量\n2024-11-10 18:00,100\n2024-11-10 20:00,\"1,300\"\n2024-11-11 00:00,600\n",
    )
    .unwrap();
    std::fs::write(
        root.join("base/t.toml"),
        "[[templates]]\nname = \"all\"\nlike = \"owner_and_staff\"\nstarts = [\"11-10 18:00\", \"11-11 00:00\", \"11-11 06:00\", \"11-11 12:00\", \"11-11 18:00\"]\nlength_h = 6\nmax_heads = 50\n",
    )
    .unwrap();
    let o = common::d11sim(
        &[
            "staff",
            "plan",
            "../base/store.toml",
            "--templates",
            "../base/t.toml",
            "-r",
            "1",
            "--out",
            "out",
        ],
        &root.join("plan"),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let roster = root.join("plan/out/roster.toml");
    let o = common::d11sim(
        &["run", roster.to_str().unwrap(), "-r", "1", "--json"],
        &root.join("elsewhere"),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let expected = v["scenario"]["expected_arrivals"].as_f64().unwrap();
    assert!((expected - 2000.0).abs() < 1e-6, "{expected}");
    let o = common::d11sim(
        &["run", "../plan/out/roster.toml", "-r", "1", "--quiet"],
        &root.join("elsewhere"),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // the roster names its scenario relative to itself: the folders travel together
    let text = std::fs::read_to_string(&roster).unwrap();
    assert!(
        text.contains("extends = \"../../base/store.toml\""),
        "{text}"
    );
    let moved = root.with_file_name(format!(
        "{}-moved",
        root.file_name().unwrap().to_string_lossy()
    ));
    let _ = std::fs::remove_dir_all(&moved);
    std::fs::rename(&root, &moved).unwrap();
    let o = common::d11sim(&["validate", "plan/out/roster.toml"], &moved);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}
