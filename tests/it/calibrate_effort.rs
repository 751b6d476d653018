//! The effort chain of `calibrate` against known truth: the `messages` model with a known
//! effort per reply, a switching penalty and a slower group, simulated with `run --log` and
//! fitted back from the message log. The true effort and penalty must lie inside their 95%
//! intervals in about 95% of seeds, and the naive reading (a reply's time as its effort,
//! which holds the agent's inbox wait) is shown far off on the same logs.

use super::calibrate::{assert_coverage, covers, round_trip, run_log};
use super::common::temp_dir;

/// Effort median 20 s, p90 60 s at a veteran's speed; +40% holding more than one chat.
const MEDIAN: f64 = 20.0;
const P90: f64 = 60.0;
const PENALTY: f64 = 0.4;

fn coverage(scenario: &str, seeds: u64, need: usize) {
    let dir = temp_dir(&format!("cal-effort-{scenario}"));
    let mut hits = [0usize; 3];
    for seed in 0..seeds {
        let cal = round_trip(&dir, scenario, 3000 + seed, 4, None);
        let e = &cal["effort"];
        assert!(e["replies"].as_u64().unwrap() > 5000, "{e}");
        let p = &e["switch_penalty"];
        // informative: the penalty's interval is narrower than the penalty's own size
        let (lo, hi) = (p["lo"].as_f64().unwrap(), p["hi"].as_f64().unwrap());
        assert!(hi - lo < 0.5, "{p}");
        // the naive effort, a reply's time, holds the inbox wait: several times too long
        let naive = cal["fits"]["reply_time"]["median_s"]["value"]
            .as_f64()
            .unwrap();
        assert!(naive > 3.0 * MEDIAN, "reply time median {naive} s");
        // where replies mix quick phrases, the typed replies' effort is the one to find
        let effort = if e["typed_effort"].is_null() {
            &e["effort"]
        } else {
            &e["typed_effort"]
        };
        let checks = [
            covers(&effort["median_s"], MEDIAN),
            covers(&effort["p90_s"], P90),
            covers(p, PENALTY),
        ];
        for (h, ok) in hits.iter_mut().zip(checks) {
            *h += usize::from(ok);
        }
    }
    for (name, h) in ["effort median", "effort p90", "switch penalty"]
        .iter()
        .zip(hits)
    {
        assert_coverage(&format!("{scenario}: {name}"), h, seeds as usize, need);
    }
}

#[test]
fn effort_and_the_switching_penalty_come_back_inside_their_intervals() {
    coverage("effort.toml", 60, 51);
}

#[test]
fn a_greeting_is_left_out_of_the_effort_chain() {
    coverage("effort_hello.toml", 40, 34);
}

/// 30% of a veteran's replies and 10% of a new hire's are quick phrases: the typed
/// replies' effort comes back from the mixture, the shares and quick law as the base has
/// them.
#[test]
fn typed_effort_comes_back_from_a_mixture_with_quick_phrases() {
    coverage("effort_quick.toml", 40, 34);
}

/// The calibrated scenario carries the fitted effort and penalty; a base that mixes quick
/// phrases gets the typed replies' effort, unless its quick phrases are not log-normal
/// (then it keeps its own effort and says so).
#[test]
fn the_fitted_effort_is_written_only_where_it_means_the_scenarios_effort() {
    let dir = temp_dir("cal-effort-write");
    let log = dir.join("log");
    let sc = super::common::root().join("tests/data/calibrate/effort.toml");
    run_log(&dir, Some(&sc), 3, None, &log);
    let calibrate = |base: &std::path::Path, out: &str| -> String {
        let r = super::common::d11sim(
            &[
                "calibrate",
                log.to_str().unwrap(),
                "--base",
                base.to_str().unwrap(),
                "--out",
                out,
                "-q",
            ],
            &dir,
        );
        assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
        std::fs::read_to_string(dir.join(out).join("scenario.toml")).unwrap()
    };
    let toml = calibrate(&sc, "fit");
    assert!(toml.contains("\neffort = { dist = \"lognormal\""), "{toml}");
    assert!(toml.contains("\nswitch_penalty = "), "{toml}");
    let quick = dir.join("quick.toml");
    std::fs::write(
        &quick,
        format!(
            "extends = \"{}\"\n[conversation]\nquick_phrase_share = 0.3\n\
             quick_phrase = {{ dist = \"lognormal\", median_s = 4, p90_s = 8 }}\n",
            sc.display()
        ),
    )
    .unwrap();
    let toml = calibrate(&quick, "fit-quick");
    assert!(toml.contains("\neffort = { dist = \"lognormal\""), "{toml}");
    assert!(
        toml.contains("# ^ typed replies, at a veteran's speed"),
        "{toml}"
    );
    let fixed = dir.join("fixed.toml");
    std::fs::write(
        &fixed,
        format!(
            "extends = \"{}\"\n[conversation]\nquick_phrase_share = 0.3\n\
             quick_phrase = {{ dist = \"fixed\", value_s = 4 }}\n",
            sc.display()
        ),
    )
    .unwrap();
    let toml = calibrate(&fixed, "fit-fixed");
    assert!(!toml.contains("\neffort = "), "{toml}");
    assert!(toml.contains("# from the base: effort: the base's (the base mixes quick phrases"));
    assert!(toml.contains("\nswitch_penalty = "), "{toml}");
}

/// A store that hands chats over (the default: pre-sale agents pass after-sale questions
/// on) needs the message log's `account` column: without it a handed-over chat's replies
/// all read as its first agent's, two agents' chains mix, and the penalty comes out at half
/// its size. With it the default's +18% comes back within a few points (the rest is the
/// network's delay, which the log cannot show: docs/log-format.md).
#[test]
fn the_account_column_keeps_handed_over_chats_out_of_the_wrong_chain() {
    let dir = temp_dir("cal-effort-handover");
    let log = dir.join("log");
    run_log(&dir, None, 2, None, &log);
    let penalty = |log: &std::path::Path, out: &str| -> f64 {
        let r = super::common::d11sim(
            &[
                "calibrate",
                log.to_str().unwrap(),
                "--out",
                out,
                "-q",
                "--holdout-every",
                "0",
            ],
            &dir,
        );
        assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
        let cal: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(dir.join(out).join("calibration.json")).unwrap(),
        )
        .unwrap();
        cal["effort"]["switch_penalty"]["value"].as_f64().unwrap()
    };
    let with = penalty(&log, "with");
    // the same log without the column
    let bare = dir.join("bare");
    std::fs::create_dir_all(&bare).unwrap();
    for f in ["conversations.csv", "log.toml"] {
        std::fs::copy(log.join(f), bare.join(f)).unwrap();
    }
    let text = std::fs::read_to_string(log.join("messages.csv")).unwrap();
    let stripped: String = text
        .lines()
        .map(|l| format!("{}\n", &l[..l.rfind(',').unwrap()]))
        .collect();
    std::fs::write(bare.join("messages.csv"), stripped).unwrap();
    let without = penalty(&bare, "without");
    assert!(
        (with - 0.18).abs() < 0.05,
        "with the account column: {with}"
    );
    assert!(with - without > 0.03, "with {with}, without {without}");
}
