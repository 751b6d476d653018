//! The whole night by the handbooks (issue 27): each new rule on a hand-built tiny scenario
//! where the right figure is known exactly.

use std::path::Path;

use d11sim::kpi::Kpi;
use d11sim::model::run_replication;
use d11sim::scenario::Scenario;
use d11sim::scenario::variants::plans_from_toml;

use crate::common;

/// In-sale customers only, `agents` agents holding one chat each (sessions) on `shift`,
/// first-reply patience fixed at 10 s, and in-sale value: P(pay) = 0.92 x m_in(t).
fn in_sale_only(agents: u32, shift: &str) -> Scenario {
    let text = format!(
        r#"
name = "in-sale only"
start = "01-01 00:00"
end = "01-01 04:00"
interval_min = 60
[arrivals]
constant_per_hour = 200
[[arrivals.mix]]
from = "01-01 00:00"
pre_sale = 0
in_sale = 1
after_sale = 0
[conversation]
model = "sessions"
work = {{ dist = "fixed", value_s = 60 }}
[patience.first_reply]
default = {{ dist = "fixed", value_s = 10 }}
[[groups]]
name = "agents"
count = {agents}
max_chats = 1
shifts = [{shift}]
[conversion]
order_base = 0.6
first_reply_curve = [[10, 1.0], [1800, 0.5]]
abandoned_multiplier = 0.5
payment_rate = 0.92
average_order_value = 300
[conversion.in_sale]
first_reply_curve = [[10, 1.0], [60, 0.95], [300, 0.85], [1800, 0.75]]
abandoned_multiplier = 0.70
order_value = 400
[satisfaction]
at_once = {{ default = 0.98, in_sale = 0.9 }}
first_reply_curve = [[50, 1.0], [180, 0.8]]
"#
    );
    let dir = common::temp_dir("in_sale_only");
    plans_from_toml(&text, "in_sale.toml", &dir)
        .expect("a valid scenario")
        .remove(0)
        .scenario
}

#[test]
fn an_in_sale_order_is_paid_at_b_when_answered_at_once_and_at_the_floor_when_left() {
    // plenty of agents: every in-sale customer is answered on arrival, P(pay) = B
    let r = run_replication(
        &in_sale_only(100, r#"["01-01 00:00", "01-01 04:00"]"#),
        1,
        0,
    );
    let c = &r.counters;
    assert!(c.in_sale_customers > 500, "{}", c.in_sale_customers);
    assert_eq!(c.in_sale_customers, c.arrived);
    let rate = Kpi::InSalePayRate.value(&r).unwrap();
    assert!((rate - 0.92).abs() < 1e-12, "{rate}");
    assert!(Kpi::InSaleGmvLost.value(&r).unwrap().abs() < 1e-9);
    // nobody on duty until the end: every one leaves unanswered after 10 s, P(pay) =
    // 0.92 x 0.70, and each loses 0.92 x 0.30 x 400 = 110.4 against an instant answer
    let r = run_replication(&in_sale_only(1, r#"["01-01 05:00", "01-01 06:00"]"#), 1, 0);
    let c = &r.counters;
    assert_eq!(c.in_sale_customers, c.abandoned);
    let rate = Kpi::InSalePayRate.value(&r).unwrap();
    assert!((rate - 0.92 * 0.70).abs() < 1e-12, "{rate}");
    let lost = Kpi::InSaleGmvLost.value(&r).unwrap();
    let each = 0.92 * 0.30 * 400.0;
    assert!(
        (lost - each * c.in_sale_customers as f64).abs() < 1e-6 * lost,
        "{lost} against {each} x {}",
        c.in_sale_customers
    );
    // pre-sale figures stay undefined: no pre-sale customer arrived
    assert_eq!(Kpi::GmvLost.value(&r), None);
}

#[test]
fn satisfaction_is_the_class_share_for_customers_answered_at_once_and_a_target_checks_it() {
    let mut sc = in_sale_only(100, r#"["01-01 00:00", "01-01 04:00"]"#);
    sc.targets = vec![d11sim::kpi::Target::parse("satisfaction >= 0.95").unwrap()];
    let r = run_replication(&sc, 1, 0);
    // every in-sale customer answered on arrival rates, satisfied with P = 0.9
    assert_eq!(r.counters.rated, r.counters.arrived);
    let s = Kpi::Satisfaction.value(&r).unwrap();
    assert!((s - 0.9).abs() < 1e-12, "{s}");
    let results = d11sim::replicate::summarise(&sc, 1, vec![r]);
    let t = &results.targets[0];
    assert_eq!(
        t.verdict,
        d11sim::replicate::judge::Verdict::Missed,
        "{t:?}"
    );
    // nobody answered: nobody rates, and the KPI is undefined rather than 0
    let r = run_replication(&in_sale_only(1, r#"["01-01 05:00", "01-01 06:00"]"#), 1, 0);
    assert_eq!(r.counters.rated, 0);
    assert_eq!(Kpi::Satisfaction.value(&r), None);
}

/// Nobody on duty 20:00-21:00, then 100 agents holding one chat each: every 留言 left
/// before 21:00 is answered at 21:00 plus the 10 s reply (one per agent), and every later
/// customer 10 s after arriving; `scoring` is the `[scoring]` table.
fn unstaffed_first_hour(scoring: &str) -> Scenario {
    Scenario::from_toml(&unstaffed_toml(scoring), "unstaffed.toml", Path::new("."))
        .unwrap_or_else(|e| panic!("{e}"))
}

fn unstaffed_toml(scoring: &str) -> String {
    format!(
        r#"
name = "unstaffed first hour"
start = "11-10 20:00"
end = "11-10 22:00"
interval_min = 15
[arrivals]
constant_per_hour = 60
[conversation]
model = "messages"
customer_messages = {{ dist = "fixed", value = 1 }}
effort = {{ dist = "fixed", value_s = 10 }}
think = {{ dist = "fixed", value_s = 20 }}
[patience.first_reply]
default = {{ dist = "fixed", value_s = 600 }}
[[groups]]
name = "evening"
count = 100
max_chats = 1
shifts = [["11-10 21:00", "11-10 23:00"]]
[scoring]
{scoring}
"#
    )
}

#[test]
fn a_message_left_while_nobody_was_on_duty_is_scored_by_the_scoring_rule() {
    for seed in 0..5 {
        let whole = run_replication(&unstaffed_first_hour(""), seed, 0);
        let from = run_replication(
            &unstaffed_first_hour(r#"messages_left = "from_staffed""#),
            seed,
            0,
        );
        let out = run_replication(
            &unstaffed_first_hour(r#"messages_left = "left_out""#),
            seed,
            0,
        );
        let c = &whole.counters;
        let left = c.outside_hours;
        assert!(left > 20 && c.received > left + 20, "{c:?}");
        // the rule changes what is counted, never what happens
        for r in [&from, &out] {
            assert_eq!(r.counters.first_replies, c.first_replies);
            assert_eq!(r.counters.served, c.served);
            assert_eq!(Kpi::ReplyRate.value(r), Kpi::ReplyRate.value(&whole));
        }
        // whole wait: a 留言 carries its unstaffed wait (a mean minute at least)
        let mean = |r| Kpi::FirstResponseMeanS.value(r).unwrap();
        assert!(mean(&whole) > 10.0 + 60.0 * left as f64 / c.received as f64);
        // only 留言 of the last 20 s before 21:00 can be within 30 s
        let present = (c.received - left) as f64 / c.received as f64;
        let share = Kpi::FirstReply30sShare.value(&whole).unwrap();
        assert!(
            share >= present && share < present + 0.05,
            "{share} {present}"
        );
        // from the next staffed hour: every 留言 is answered 10 s after 21:00, like every
        // customer after it, so 首响 is 10 s for everyone and all are within 30 s
        assert!((mean(&from) - 10.0).abs() < 1e-9, "{}", mean(&from));
        assert_eq!(Kpi::FirstReply30sShare.value(&from), Some(1.0));
        assert_eq!(from.counters.first_response_left_out, 0);
        // left out: only the customers who came while someone was there are scored
        assert_eq!(out.counters.first_response_left_out, left);
        assert_eq!(out.counters.first_replies_left_out, left);
        assert!((mean(&out) - 10.0).abs() < 1e-9, "{}", mean(&out));
        assert_eq!(Kpi::FirstReply3minShare.value(&out), Some(1.0));
        let scored: u64 = out.intervals[4..].iter().map(|i| i.counts.received).sum();
        let left_out: u64 = out.intervals[..4]
            .iter()
            .map(|i| i.counts.first_response_left_out)
            .sum();
        assert_eq!((scored, left_out), (c.received - left, left));
        assert_eq!(
            Kpi::FirstReply30sShare.interval_value(&out.intervals[1]),
            None,
            "an unstaffed interval has nobody scored"
        );
    }
}

#[test]
fn scoring_hours_leave_customers_out_of_the_first_response_kpis_as_they_do_rounds() {
    // scored from 21:30: the 留言 and the customers of 21:00-21:30 are out of 首响
    let r = run_replication(&unstaffed_first_hour(r#"hours = ["21:30", "23:00"]"#), 3, 0);
    let c = &r.counters;
    let before: u64 = r.intervals[..6].iter().map(|i| i.counts.received).sum();
    assert_eq!(c.first_response_left_out, before);
    assert!(c.received > before && before > c.outside_hours, "{c:?}");
    assert!((Kpi::FirstResponseMeanS.value(&r).unwrap() - 10.0).abs() < 1e-9);
    // a 留言 scored from the next staffed hour still falls outside the hours
    let r2 = run_replication(
        &unstaffed_first_hour(
            r#"hours = ["21:30", "23:00"]
messages_left = "from_staffed""#,
        ),
        3,
        0,
    );
    assert_eq!(r2.counters.first_response_left_out, before);
}

#[test]
fn an_unknown_messages_left_rule_is_refused_naming_the_key() {
    let text = unstaffed_toml(r#"messages_left = "next_day""#);
    let e = Scenario::from_toml(&text, "bad.toml", Path::new("."))
        .expect_err("refused")
        .to_string();
    assert!(
        e.contains("scoring.messages_left") && e.contains("from_staffed"),
        "{e}"
    );
}

/// One agent holding one chat, each lasting exactly 700 s, on duty 00:10-08:00 with a line
/// that never empties (customers from 00:00, waiting up to 3 h); `breaks` adds its rules.
fn one_busy_agent(breaks: &str) -> Scenario {
    let text = format!(
        r#"
name = "one busy agent"
start = "01-01 00:00"
end = "01-01 08:00"
interval_min = 10
[arrivals]
constant_per_hour = 60
[conversation]
model = "sessions"
work = {{ dist = "fixed", value_s = 700 }}
[patience.first_reply]
default = {{ dist = "fixed", value_s = 10800 }}
[[groups]]
name = "agent"
count = 1
max_chats = 1
shifts = [["01-01 00:10", "01-01 08:00"]]
{breaks}
"#
    );
    Scenario::from_toml(&text, "busy.toml", Path::new(".")).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn a_break_due_while_the_agent_holds_a_chat_starts_when_the_chat_ends() {
    let meal = r#"
[[breaks]]
name = "meal"
shift_at_least_h = 7
minutes = 30
between_h = [2, 3]
"#;
    for seed in 0..3 {
        let plain = run_replication(&one_busy_agent(""), seed, 0);
        let r = run_replication(&one_busy_agent(meal), seed, 0);
        // chats start at 00:10 + 700 k s; the meal is due at 02:10 (7,800 s), during the
        // chat that started at 7,600 s: the agent takes no new chat, finishes that one at
        // 8,300 s, rests 30 min, and takes the next chat at 10,100 s
        let c = &r.counters;
        assert_eq!(c.breaks_taken, 1);
        assert!((c.break_finish_chats_s - 500.0).abs() < 1e-6, "{c:?}");
        assert!((r.areas.on_break_s - 1800.0).abs() < 1e-6);
        // chats started before 08:00: 11 before the meal and 27 after, against 41
        assert_eq!(plain.counters.served, 41, "{:?}", plain.counters);
        assert_eq!(c.served, 11 + 27);
        // the meal is 1,800 s of the agent's 7 h 50 min on duty in the window
        let share = Kpi::BreakShare.value(&r).unwrap();
        assert!((r.areas.on_duty_s - 28_200.0).abs() < 1e-6);
        assert!((share - 1800.0 / 28_200.0).abs() < 1e-12, "{share}");
        // utilisation is over available time: a busy agent is busy all of it
        let u = Kpi::AgentUtilisation.value(&r).unwrap();
        assert!(u > 0.99, "{u}");
        // interval k ends at (k + 1) x 600 s: resting at 8,400 and 9,600 s, not at 7,800
        // (finishing its chat) or 10,200 s (back)
        let at = |k: usize| r.intervals[k].counts.agents_on_break;
        assert_eq!((at(12), at(13), at(15), at(16)), (0, 1, 1, 0));
    }
}

#[test]
fn breaks_are_staggered_so_a_group_never_leaves_at_once() {
    let text = r#"
name = "five agents"
start = "01-01 00:00"
end = "01-01 08:00"
interval_min = 5
[arrivals]
constant_per_hour = 30
[conversation]
model = "sessions"
work = { dist = "fixed", value_s = 60 }
[patience.first_reply]
default = { dist = "fixed", value_s = 600 }
[[groups]]
name = "agents"
count = 5
max_chats = 3
shifts = [["01-01 00:00", "01-01 08:00"]]
shrinkage = 0.1
[[breaks]]
name = "meal"
shift_at_least_h = 7
minutes = 30
between_h = [3, 5]
"#;
    let sc = Scenario::from_toml(text, "five.toml", Path::new(".")).unwrap();
    let r = run_replication(&sc, 4, 0);
    let most = r
        .intervals
        .iter()
        .map(|i| i.counts.agents_on_break)
        .max()
        .unwrap();
    // meals 22.5 min apart overlap by two; shrinkage blocks 10.8 min apart never overlap:
    // at most 3 of the 5 are away at once
    assert!((2..=3).contains(&most), "{most}");
    // each agent: one meal and 6 min of every hour but the one it is at its meal for
    // at most (a block falling inside the meal is skipped), all inside the shift
    let c = &r.counters;
    assert!(c.breaks_taken >= 5 * 7 && c.breaks_taken <= 5 * 9, "{c:?}");
    let share = Kpi::BreakShare.value(&r).unwrap();
    assert!((0.12..=0.1625).contains(&share), "{share}");
}

#[test]
fn the_twelve_hour_rule_counts_breaks_as_rest() {
    let with = |shift_end: &str, breaks: &str| {
        let text = sessions_store(
            "01-02 00:00",
            &format!("shifts = [[\"01-01 08:00\", \"{shift_end}\"]]\n{breaks}"),
        );
        Scenario::from_toml(&text, "long.toml", Path::new("."))
            .unwrap()
            .warnings
    };
    let meal =
        "[[breaks]]\nname = \"meal\"\nshift_at_least_h = 8\nminutes = 60\nbetween_h = [4, 7]";
    let w = with("01-01 20:30", "");
    assert!(
        w.iter().any(|w| w.contains("12.5 h without a break")),
        "{w:?}"
    );
    assert!(
        with("01-01 20:30", meal)
            .iter()
            .all(|w| !w.contains("12 h"))
    );
    let w = with("01-01 21:30", meal);
    assert!(
        w.iter()
            .any(|w| w.contains("13.5 h with 1.0 h of breaks, 12.5 h of work")),
        "{w:?}"
    );
}

#[test]
fn break_rules_that_cannot_hold_are_refused_naming_the_key() {
    let base = |rule: &str| sessions_store("01-01 08:00", rule);
    for (rule, key) in [
        (
            "[[breaks]]\nname = \"m\"\nshift_at_least_h = 4\nminutes = 90\nbetween_h = [1, 2]",
            "breaks[0].between_h",
        ),
        (
            "[[breaks]]\nname = \"m\"\nshift_at_least_h = 4\nminutes = 30\nbetween_h = [1, 5]",
            "breaks[0].between_h",
        ),
        (
            "[[breaks]]\nname = \"m\"\nshift_at_least_h = 4\nminutes = 0\nbetween_h = [1, 2]",
            "breaks[0].minutes",
        ),
        ("shrinkage = 0.7", "groups[0].shrinkage"),
    ] {
        let e = Scenario::from_toml(&base(rule), "bad.toml", Path::new("."))
            .expect_err(rule)
            .to_string();
        assert!(e.contains(key), "{rule}: {e}");
    }
}

/// Pre-sale customers only, 60 an hour from 00:00 to 03:00, two agents answering each
/// message in 20 s; payment rate B = 0.5, so a customer with P(pay) = p leaves an unpaid
/// order with chance p; `reminders` adds the [reminders] table.
fn unpaid_orders(reminders: &str) -> Scenario {
    let text = format!(
        r#"
name = "unpaid orders"
start = "01-01 00:00"
end = "01-01 03:00"
interval_min = 30
[arrivals]
constant_per_hour = 60
[[arrivals.mix]]
from = "01-01 00:00"
pre_sale = 1
in_sale = 0
after_sale = 0
[conversation]
model = "messages"
customer_messages = {{ dist = "fixed", value = 3 }}
effort = {{ dist = "fixed", value_s = 20 }}
think = {{ dist = "fixed", value_s = 30 }}
[patience.first_reply]
default = {{ dist = "fixed", value_s = 3600 }}
[[groups]]
name = "agents"
count = 2
max_chats = 5
[conversion]
order_base = 0.8
first_reply_curve = [[10, 1.0], [1800, 0.5]]
abandoned_multiplier = 0.5
payment_rate = 0.5
average_order_value = 200
{reminders}
"#
    );
    Scenario::from_toml(&text, "unpaid.toml", Path::new(".")).unwrap_or_else(|e| panic!("{e}"))
}

const SMS: &str = r#"[reminders]
window = ["01-01 00:00", "01-01 06:00"]
share = 1
after_min = 5
channel = "sms"
recovery = 0.3
"#;

#[test]
fn a_reminded_unpaid_order_raises_b_by_the_recovery_share() {
    let mut counts = 0.0;
    let mut expected = 0.0;
    for seed in 0..20 {
        let none = run_replication(&unpaid_orders(""), seed, 0);
        let sms = run_replication(&unpaid_orders(SMS), seed, 0);
        let c = &sms.counters;
        // a text takes no agent time: everything but the reminded orders is the same
        assert_eq!(c.served, none.counters.served);
        assert_eq!(c.reminder_agent_s, 0.0);
        let paid = c.reminder_orders_paid;
        assert!((paid - 0.3 * c.reminders_sent as f64).abs() < 1e-9);
        assert!((c.reminder_gmv - 200.0 * paid).abs() < 1e-6);
        assert!((c.expected_buyers - none.counters.expected_buyers - paid).abs() < 1e-9);
        assert!((c.cs_gmv - none.counters.cs_gmv - 200.0 * paid).abs() < 1e-6);
        let gain = Kpi::Conversion.value(&sms).unwrap() - Kpi::Conversion.value(&none).unwrap();
        assert!((gain - paid / c.pre_sale_customers as f64).abs() < 1e-12);
        assert_eq!(
            c.reminders_expired, 0,
            "every order is due inside the window"
        );
        // with B = 0.5 a customer leaves an unpaid order with chance p: the reminders
        // sent are a sum of Bernoulli draws whose mean is the expected buyers
        counts += c.reminders_sent as f64;
        expected += none.counters.expected_buyers;
    }
    // the sum's standard deviation is below sqrt(mean): 4 of them is a 99.99% bound
    assert!(
        (counts - expected).abs() < 4.0 * expected.sqrt(),
        "{counts} {expected}"
    );
}

#[test]
fn an_agents_reminder_takes_its_time_and_delays_the_replies_behind_it() {
    let by_phone = |channel: &str| {
        format!(
            r#"[reminders]
groups = ["agents"]
window = ["01-01 00:30", "01-01 02:30"]
share = 1
after_min = 0
channel = "{channel}"
effort_s = 90
recovery = 0.2
"#
        )
    };
    let mut diffs = Vec::new();
    for seed in 0..30 {
        let none = run_replication(&unpaid_orders(""), seed, 0);
        let r = run_replication(&unpaid_orders(&by_phone("phone")), seed, 0);
        let c = &r.counters;
        assert!(c.reminders_sent > 10, "{c:?}");
        // each reminder takes 90 s of a veteran's time; all are sent in the window
        assert!((c.reminder_agent_s - 90.0 * c.reminders_sent as f64).abs() < 1e-6);
        assert!(
            (Kpi::ReminderAgentHours.value(&r).unwrap() - c.reminder_agent_s / 3600.0).abs()
                < 1e-12
        );
        // orders of conversations that ended after 02:30 are not reminded
        assert!(c.reminders_expired > 0, "{c:?}");
        let avg = |x: &d11sim::model::ReplicationResult| Kpi::AvgResponseS.value(x).unwrap();
        diffs.push(avg(&r) - avg(&none));
        // on the chat client the reminder also holds a chat slot: occupancy rises
        let chat = run_replication(&unpaid_orders(&by_phone("chat")), seed, 0);
        assert!(chat.areas.chats_s > r.areas.chats_s - 1e-6);
    }
    // a reply whose message came during a reminder waits for it: 平响 rises
    let n = diffs.len() as f64;
    let mean = diffs.iter().sum::<f64>() / n;
    let sd = (diffs.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    assert!(mean - 2.76 * sd / n.sqrt() > 0.0, "{mean} ± {sd}");
}

#[test]
fn reminders_by_an_agent_need_the_messages_model_and_known_groups() {
    let text = |extra: &str| {
        sessions_store(
            "01-01 03:00",
            &format!(
                r#"[conversion]
order_base = 0.5
first_reply_curve = [[10, 1.0], [1800, 0.5]]
abandoned_multiplier = 0.5
payment_rate = 0.9
average_order_value = 200
[reminders]
groups = ["g"]
window = ["01-01 00:30", "01-01 02:30"]
share = 0.5
recovery = 0.2
{extra}
"#
            ),
        )
    };
    for (extra, key) in [
        ("channel = \"chat\"\neffort_s = 30", "reminders.channel"),
        ("channel = \"fax\"", "reminders.channel"),
        ("channel = \"sms\"\neffort_s = -1", "reminders.effort_s"),
    ] {
        let e = Scenario::from_toml(&text(extra), "bad.toml", Path::new("."))
            .expect_err(extra)
            .to_string();
        assert!(e.contains(key), "{extra}: {e}");
    }
    let e = Scenario::from_toml(
        &text("channel = \"sms\"")
            .replace("groups = [\"g\"]\nwindow", "groups = [\"nobody\"]\nwindow"),
        "bad.toml",
        Path::new("."),
    )
    .expect_err("unknown group")
    .to_string();
    assert!(e.contains("reminders.groups[0]"), "{e}");
}

/// A small sessions-model store from 01-01 00:00 to `end`: 10 customers an hour, two agents
/// `g` of three chats each, one-minute chats, ten minutes' patience; `rest` adds sections
/// or keys of the group.
fn sessions_store(end: &str, rest: &str) -> String {
    format!(
        r#"
name = "x"
start = "01-01 00:00"
end = "{end}"
[arrivals]
constant_per_hour = 10
[conversation]
model = "sessions"
work = {{ dist = "fixed", value_s = 60 }}
[patience.first_reply]
default = {{ dist = "fixed", value_s = 600 }}
[[groups]]
name = "g"
count = 2
max_chats = 3
{rest}
"#
    )
}
