//! Bad input: each case must exit 2 with a message naming the file, the key path or line,
//! and the rule broken; no panic; no output folder created.

use std::path::Path;

use crate::common;

/// (case, text replaced in small_store.toml, replacement, substrings the message must hold)
const CASES: &[(&str, &str, &str, &[&str])] = &[
    (
        "routing_weight_out_of_range",
        "max_chats = 6\n",
        "max_chats = 6\nrouting_weight = 0\n",
        &[
            "bad.toml",
            "`groups[0].routing_weight`",
            "must lie in 0.05..=20",
        ],
    ),
    (
        "routing_tier_out_of_range",
        "max_chats = 6\n",
        "max_chats = 6\nrouting_tier = 16\n",
        &["bad.toml", "`groups[0].routing_tier`", "must lie in 0..=15"],
    ),
    (
        "soft_cap_zero",
        "max_chats = 6\n",
        "max_chats = 6\nsoft_cap = 0\n",
        &["bad.toml", "`groups[0].soft_cap`", "must lie in 1..=1000"],
    ),
    (
        "greeting_factor_without_its_greeting",
        "[conversation]\n",
        "[conversation.greeting]\nhello_patience_factor = 2\n[conversation]\n",
        &[
            "bad.toml",
            "`conversation.greeting.hello_patience_factor`",
            "applies only with agent_hello = true",
        ],
    ),
    (
        "reply_messages_beside_the_extra_message_share",
        "[conversation]\n",
        "[conversation]\nreply_messages = { dist = \"fixed\", value = 2 }\n",
        &["bad.toml", "`conversation.reply_messages`", "not both"],
    ),
    (
        "unknown_key",
        "forecast_error_cv = 0.15",
        "forecast_error_cv = 0.15\ncolour = \"red\"",
        &["bad.toml:", "unknown field `colour`"],
    ),
    (
        "wrong_type",
        "count = 4\n",
        "count = \"four\"\n",
        &["bad.toml:", "invalid type"],
    ),
    (
        "negative_rate",
        "base_per_hour = 20 ",
        "base_per_hour = -20 ",
        &[
            "bad.toml",
            "`arrivals.base_per_hour`",
            "must not be negative",
        ],
    ),
    (
        "nan_rate",
        "base_per_hour = 20 ",
        "base_per_hour = nan ",
        &["bad.toml", "`arrivals.base_per_hour`", "finite"],
    ),
    (
        "shift_end_before_start",
        "[\"11-11 03:00\", \"11-11 15:00\"]",
        "[\"11-11 15:00\", \"11-11 03:00\"]",
        &[
            "bad.toml",
            "`groups[1].shifts[0]`",
            "must be after its start",
        ],
    ),
    (
        "cap_zero",
        "max_chats = 3\n",
        "max_chats = 0\n",
        &["bad.toml", "`groups[2].max_chats`", "1..=1000"],
    ),
    (
        "probability_above_one",
        "silent_share = 0.7",
        "silent_share = 1.5",
        &["bad.toml", "`patience.silent_share`", "[0, 1]"],
    ),
    (
        "mix_does_not_sum",
        "after_sale = 0.05",
        "after_sale = 0.25",
        &["bad.toml", "`arrivals.mix[0]`", "sum to 1"],
    ),
    (
        "bad_clock",
        "end = \"11-12 00:00\"",
        "end = \"11-32 00:00\"",
        &["bad.toml", "`end`", "no day 32"],
    ),
    (
        "unknown_distribution",
        "dist = \"weibull\"",
        "dist = \"weibul\"",
        &[
            "bad.toml",
            "`patience.first_reply.pre_sale.dist`",
            "unknown distribution",
        ],
    ),
    (
        "bad_target",
        "\"reply_rate >= 0.99\"",
        "\"reply_rate => 0.99\"",
        &["bad.toml", "`targets[1]`", "KPI >= VALUE"],
    ),
];

/// Cases on the default scenario's bot, network, conversion sections and on variants.
const PLAN_CASES: &[(&str, &str, &str, &[&str])] = &[
    (
        "bot_share_above_one",
        "first_touch = { default = 0.60 }",
        "first_touch = { default = 1.60 }",
        &["`bot.first_touch.pre_sale`", "[0, 1]"],
    ),
    (
        "bot_overflow_unknown",
        "overflow = \"human\"",
        "overflow = \"drop\"",
        &["`bot.overflow`", "unknown overflow"],
    ),
    (
        "bot_beta_too_wide",
        "pre_sale = { mean = 0.35, sd = 0.08 }",
        "pre_sale = { mean = 0.35, sd = 0.6 }",
        &["`bot.resolution.pre_sale.sd`", "Beta"],
    ),
    (
        "bot_capacity_negative",
        "capacity = 500 ",
        "capacity = -5 ",
        &["`bot.capacity`", "0..="],
    ),
    (
        "stall_negative",
        "stall_prob = 0.002 ",
        "stall_prob = -0.002 ",
        &["`network.sites[0].stall_prob`", "[0, 1]"],
    ),
    (
        "site_unknown",
        "site = \"home\"",
        "site = \"garage\"",
        &["`groups[5].site`", "site `garage` is not in network.sites"],
    ),
    (
        "disconnects_nan",
        "disconnects_per_hour = 0.2  #",
        "disconnects_per_hour = nan  #",
        &["`network.sites[1].disconnects_per_hour`", "finite"],
    ),
    (
        "payment_rate_above_one",
        "payment_rate = 0.92",
        "payment_rate = 1.92",
        &["`conversion.payment_rate`", "[0, 1]"],
    ),
    (
        "curve_out_of_order",
        "[[10, 1.00], [30, 0.97]",
        "[[30, 1.00], [10, 0.97]",
        &["`conversion.first_reply_curve[1]`", "increasing"],
    ),
    (
        "variant_bad_path",
        "",
        "\n[[variants]]\nname = \"x\"\nset = { \"groups.nobody.count\" = 3 }\n",
        &[
            "`variants[0].set.\"groups.nobody.count\"`",
            "no element named `nobody`",
        ],
    ),
    (
        "variant_named_base",
        "",
        "\n[[variants]]\nname = \"base\"\n",
        &["`variants[0].name`", "is taken"],
    ),
    (
        "variant_bad_value",
        "",
        "\n[[variants]]\nname = \"x\"\nset = { \"bot.capacity\" = \"many\" }\n",
        &[
            "`bot.capacity`",
            "invalid type",
            "set by variants[0].set.\"bot.capacity\"",
        ],
    ),
    (
        "variant_invalid_result",
        "",
        "\n[[variants]]\nname = \"x\"\nset = { \"groups.temps.max_chats\" = 0 }\n",
        &["variant `x`", "`groups[5].max_chats`"],
    ),
];

#[test]
fn each_bad_plan_section_is_rejected_with_file_key_and_rule() {
    let good = std::fs::read_to_string(common::root().join("scenarios/double11.toml")).unwrap();
    for (case, from, to, expect) in PLAN_CASES {
        let text = if from.is_empty() {
            format!("{good}{to}")
        } else {
            assert!(
                good.contains(from),
                "{case}: fixture text `{from}` not in double11.toml"
            );
            good.replacen(from, to, 1)
        };
        let dir = common::temp_dir(case);
        std::fs::write(dir.join("bad.toml"), text).unwrap();
        let mut expect = expect.to_vec();
        expect.push("bad.toml");
        assert_rejected(&dir, "bad.toml", &expect, case);
    }
}

#[test]
fn extends_of_a_missing_file_is_rejected() {
    let dir = common::temp_dir("extends_missing");
    std::fs::write(
        dir.join("bad.toml"),
        "extends = \"nowhere.toml\"\nname = \"x\"\n",
    )
    .unwrap();
    assert_rejected(
        &dir,
        "bad.toml",
        &["bad.toml", "`extends`", "cannot read"],
        "extends_missing",
    );
}

fn assert_rejected(dir: &Path, scenario: &str, expect: &[&str], case: &str) {
    let out = dir.join("out");
    let o = common::d11sim(
        &["run", scenario, "-r", "1", "--out", out.to_str().unwrap()],
        dir,
    );
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(
        o.status.code(),
        Some(2),
        "{case}: exit {:?}, stderr {stderr}",
        o.status.code()
    );
    for e in expect {
        assert!(stderr.contains(e), "{case}: `{e}` missing from: {stderr}");
    }
    assert!(!stderr.contains("panicked"), "{case}: {stderr}");
    assert!(!out.exists(), "{case}: output written for bad input");
    let v = common::d11sim(&["validate", scenario], dir);
    assert_eq!(
        v.status.code(),
        Some(2),
        "{case}: validate must also exit 2"
    );
}

#[test]
fn each_bad_scenario_is_rejected_with_file_key_and_rule() {
    let good = std::fs::read_to_string(common::root().join("scenarios/small_store.toml")).unwrap();
    for (case, from, to, expect) in CASES {
        assert!(
            good.contains(from),
            "{case}: fixture text `{from}` not in small_store.toml"
        );
        let dir = common::temp_dir(case);
        std::fs::write(dir.join("bad.toml"), good.replacen(from, to, 1)).unwrap();
        assert_rejected(&dir, "bad.toml", expect, case);
    }
}

#[test]
fn empty_roster_is_rejected() {
    let good = std::fs::read_to_string(common::root().join("scenarios/small_store.toml")).unwrap();
    let cut = good.find("[[groups]]").unwrap();
    let dir = common::temp_dir("empty_roster");
    std::fs::write(dir.join("bad.toml"), &good[..cut]).unwrap();
    assert_rejected(
        &dir,
        "bad.toml",
        &["bad.toml", "`groups`", "roster is empty"],
        "empty_roster",
    );
}

#[test]
fn missing_scenario_file_is_rejected() {
    let dir = common::temp_dir("missing_file");
    assert_rejected(
        &dir,
        "nowhere.toml",
        &["nowhere.toml", "cannot read"],
        "missing_file",
    );
}

fn csv_scenario(dir: &Path, csv: &str) {
    let good = std::fs::read_to_string(common::root().join("scenarios/small_store.toml")).unwrap();
    let text = good.replace(
        "shape = \"double11_midnight\"  # calibration §1 schedule A\nbase_per_hour = 20 ",
        "csv = \"history.csv\"\nforecast_total = 2000 ",
    );
    std::fs::write(dir.join("bad.toml"), text).unwrap();
    std::fs::write(dir.join("history.csv"), csv).unwrap();
}

#[test]
fn csv_row_that_does_not_parse_is_rejected_with_its_line() {
    let dir = common::temp_dir("csv_bad_row");
    csv_scenario(
        &dir,
        "interval_start,count\n11-10 18:00,10\n11-10 19:00,abc\n11-10 20:00,30\n",
    );
    assert_rejected(
        &dir,
        "bad.toml",
        &["history.csv:3", "count `abc` is not a number"],
        "csv_bad_row",
    );
    let dir = common::temp_dir("csv_bad_time");
    csv_scenario(
        &dir,
        "interval_start,count\n11-10 18:00,10\n11-10 18:00,12\n",
    );
    assert_rejected(
        &dir,
        "bad.toml",
        &["history.csv:3", "increasing"],
        "csv_bad_time",
    );
}

#[test]
fn csv_line_numbers_count_physical_lines_whatever_the_line_endings() {
    // an Excel export ends rows with \r\n; blank and comment lines count as lines too
    for (case, text) in [
        (
            "csv_crlf",
            "interval_start,count\r\n11-10 18:00,10\r\n11-10 19:00,abc\r\n11-10 20:00,30\r\n",
        ),
        (
            "csv_gaps",
            "interval_start,count\n11-10 18:00,10\n\n# a note\n11-10 19:00,abc\n",
        ),
    ] {
        let dir = common::temp_dir(case);
        csv_scenario(&dir, text);
        let line = if case == "csv_crlf" {
            "history.csv:3"
        } else {
            "history.csv:5"
        };
        assert_rejected(
            &dir,
            "bad.toml",
            &[line, "count `abc` is not a number"],
            case,
        );
    }
}

#[test]
fn exports_read_as_a_back_office_writes_them_or_say_what_to_do() {
    // expected arrivals of a validated scenario, and its warnings
    let validate = |dir: &Path| {
        let o = common::d11sim(&["validate", "bad.toml"], dir);
        let stderr = String::from_utf8_lossy(&o.stderr).to_string();
        let stdout = String::from_utf8_lossy(&o.stdout).to_string();
        (o.status.code(), stdout, stderr)
    };
    // an agents' column beside the inquiries: the known name is chosen, and said
    let dir = common::temp_dir("csv_two_columns");
    csv_scenario(
        &dir,
        "时间,接待人数,咨询量\n11-10 18:00,40,100\n11-10 20:00,42,1300\n11-11 00:00,80,600\n",
    );
    let (code, _, stderr) = validate(&dir);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains("arrivals read from column `咨询量`") && stderr.contains("`接待人数`"),
        "{stderr}"
    );
    // two count columns, neither known: refused, naming both and the key to set
    std::fs::write(
        dir.join("history.csv"),
        "时间,接待人数,会话数\n11-10 18:00,40,100\n11-10 20:00,42,1300\n",
    )
    .unwrap();
    assert_rejected(
        &dir,
        "bad.toml",
        &[
            "history.csv:1",
            "`接待人数`, `会话数`",
            "arrivals.csv_column",
        ],
        "csv_two_columns",
    );
    // GBK, 年月日 dates, time slots, a total row, Windows line endings
    let dir = common::temp_dir("csv_gbk");
    csv_scenario(&dir, "");
    let text = "日期,时段,咨询量\r\n2025年11月10日,18:00-18:15,100\r\n2025年11月10日,20:00-20:15,1300\r\n2025年11月11日,00:00-00:15,600\r\n合计,,2000\r\n";
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(text);
    assert!(!unmappable);
    std::fs::write(dir.join("history.csv"), &gbk).unwrap();
    let (code, stdout, stderr) = validate(&dir);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains("2000 expected arrivals"), "{stdout}");
    assert!(stderr.contains("read as GBK text"), "{stderr}");
    assert!(
        stderr.contains("line 5: a total row (`合计`) skipped"),
        "{stderr}"
    );
    // bytes that are neither UTF-8 nor GBK: refused with what to do
    std::fs::write(dir.join("history.csv"), [0x80u8, 0xff, 0xfe, 0x0a]).unwrap();
    assert_rejected(
        &dir,
        "bad.toml",
        &["history.csv:1", "neither UTF-8 nor GBK", "save it as UTF-8"],
        "csv_not_text",
    );
}

#[test]
fn extends_can_swap_the_arrival_source_for_a_csv() {
    let dir = common::temp_dir("extends_csv");
    std::fs::write(
        dir.join("store.toml"),
        "extends = \"(embedded)\"\nname = \"my store\"\n[arrivals]\ncsv = \"history.csv\"\n\
         forecast_total = 30000\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("history.csv"),
        "时间,咨询量\n11-10 18:00,100\n11-10 20:00,1300\n11-11 00:00,600\n",
    )
    .unwrap();
    let o = common::d11sim(&["validate", "store.toml"], &dir);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(stdout.contains("30000 expected arrivals"), "{stdout}");
}

#[test]
fn missing_csv_is_rejected() {
    let dir = common::temp_dir("csv_missing");
    csv_scenario(&dir, "");
    std::fs::remove_file(dir.join("history.csv")).unwrap();
    assert_rejected(
        &dir,
        "bad.toml",
        &["bad.toml", "`arrivals.csv`", "cannot read"],
        "csv_missing",
    );
}

#[test]
fn a_good_csv_scenario_runs_and_scales_to_the_forecast() {
    let dir = common::temp_dir("csv_good");
    csv_scenario(
        &dir,
        "interval_start,count\n11-10 18:00,100\n11-10 19:00,300\n11-11 00:00,600\n",
    );
    let sc = d11sim::scenario::Scenario::load(&dir.join("bad.toml")).unwrap();
    // rows cover 18:00-19:00, 19:00-24:00 and 00:00-05:00 (last row as long as the one before)
    assert!((sc.arrivals.curve.expected_total() - 2000.0).abs() < 1e-6);
    let per_s = 2000.0 / 1000.0 * 300.0 / (5.0 * 3600.0);
    assert!((sc.arrivals.curve.rate_at(3.0 * 3600.0) - per_s).abs() < 1e-12);
    assert_eq!(sc.arrivals.curve.rate_at(12.0 * 3600.0), 0.0);
}

#[test]
fn back_office_exports_read_as_the_plain_csv() {
    // the plain form, then what a store's back office exports: a byte-order mark, a Chinese
    // header, dates with a year (dashes or slashes, with seconds), quoted thousands,
    // semicolons; each gives exactly the plain form's curve
    let plain = "interval_start,count\n11-10 18:00,100\n11-10 19:00,1300\n11-11 00:00,600\n";
    let forms = [
        (
            "bom",
            "\u{feff}interval_start,count\n11-10 18:00,100\n11-10 19:00,1300\n11-11 00:00,600\n",
        ),
        (
            "chinese_header",
            "时间,咨询量\n11-10 18:00,100\n11-10 19:00,1300\n11-11 00:00,600\n",
        ),
        (
            "year_dashes",
            "时间,咨询量\n2024-11-10 18:00,100\n2024-11-10 19:00,1300\n2024-11-11 00:00,600\n",
        ),
        (
            "year_slashes",
            "时间,咨询量\n2024/11/10 18:00:00,100\n2024/11/10 19:00:00,1300\n2024/11/11 0:00:00,600\n",
        ),
        (
            "quoted_thousands",
            "时间,咨询量\n11-10 18:00,100\n11-10 19:00,\"1,300\"\n11-11 00:00,600\n",
        ),
        (
            "semicolons",
            "\u{feff}时间;咨询量\n2024/11/10 18:00;100\n2024/11/10 19:00;\"1,300\"\n2024/11/11 00:00;600\n",
        ),
    ];
    let curve = |name: &str, text: &str| {
        let dir = common::temp_dir(&format!("csv_form_{name}"));
        csv_scenario(&dir, text);
        let sc = d11sim::scenario::Scenario::load(&dir.join("bad.toml"))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        sc.arrivals.curve
    };
    let want = curve("plain", plain);
    for (name, text) in forms {
        assert_eq!(curve(name, text), want, "{name}");
    }
    // what is still wrong is still named with its line, and a long field is not echoed whole
    let dir = common::temp_dir("csv_form_bad");
    let long = "9".repeat(5000);
    csv_scenario(
        &dir,
        &format!("时间;咨询量\n2024/11/10 18:00;100\n2024/11/10 19:00;x{long}\n"),
    );
    let o = common::d11sim(&["validate", "bad.toml"], &dir);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("history.csv:3") && stderr.contains("is not a number"),
        "{stderr}"
    );
    assert!(
        stderr.len() < 400,
        "the long field is echoed: {} bytes",
        stderr.len()
    );
}

#[test]
fn bad_flags_exit_2() {
    let dir = common::temp_dir("bad_flags");
    let o = common::d11sim(&["run", "--replications", "0"], &dir);
    assert_eq!(o.status.code(), Some(2));
    let o = common::d11sim(&["frobnicate"], &dir);
    assert_eq!(o.status.code(), Some(2));
}
