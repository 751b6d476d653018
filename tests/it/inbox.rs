//! The inbox as the trade runs it: every KPI definition on hand-built scenarios whose
//! right counts are known exactly, 留言 answered by the next shift, the platform closing
//! left chats, and class priority deciding which pending message an agent answers next.

use std::path::Path;

use d11sim::class::Class;
use d11sim::kpi::{ClassKpi, Kpi};
use d11sim::model::{ReplicationResult, run_replication};
use d11sim::replicate::{self, RunConfig, RunResults};
use d11sim::scenario::Scenario;
use d11sim::stats::Estimate;

use crate::common;

fn scenario(toml: &str) -> Scenario {
    Scenario::from_toml(toml, "test.toml", Path::new(".")).unwrap_or_else(|e| panic!("{e}"))
}

fn run(sc: &Scenario, replications: u64, seed: u64) -> RunResults {
    let threads = common::threads();
    replicate::run(
        sc,
        RunConfig {
            replications,
            seed,
            threads,
        },
    )
}

/// Every replication's own results (for per-replication and per-interval values, which a
/// run's summary does not keep), by index.
fn replications(sc: &Scenario, replications: u64, seed: u64) -> Vec<ReplicationResult> {
    let cfg = RunConfig {
        replications,
        seed,
        threads: common::threads(),
    };
    replicate::run_all(cfg, |i| run_replication(sc, seed, i))
}

/// A `messages` scenario from 11-10 20:00 to 22:00 (15-minute series) with `per_hour`
/// arrivals, `messages` customer messages per conversation, every reply taking `effort_s`
/// and every think 20 s; `rest` adds the other sections (patience, inbox, routing, groups).
fn fixed_messages(per_hour: u32, messages: u32, effort_s: u32, rest: &str) -> Scenario {
    scenario(&format!(
        r#"
name = "fixed"
start = "11-10 20:00"
end = "11-10 22:00"
interval_min = 15
[arrivals]
constant_per_hour = {per_hour}
[conversation]
model = "messages"
customer_messages = {{ dist = "fixed", value = {messages} }}
effort = {{ dist = "fixed", value_s = {effort_s} }}
think = {{ dist = "fixed", value_s = 20 }}
{rest}
"#
    ))
}

/// Pre-sale customers give up after 1 s, in-sale customers never; every reply takes 10 s
/// and agents are always free: every pre-sale customer leaves before its first reply.
fn leavers(inbox: &str) -> Scenario {
    fixed_messages(
        60,
        2,
        10,
        &format!(
            r#"
[[arrivals.mix]]
from = "11-10 20:00"
pre_sale = 0.5
in_sale = 0.5
after_sale = 0
[patience]
silent_share = 0.5
[patience.first_reply]
pre_sale = {{ dist = "fixed", value_s = 1 }}
default = {{ dist = "never" }}
{inbox}
[[groups]]
name = "agents"
count = 20
max_chats = 3
"#
        ),
    )
}

#[test]
fn a_leaver_still_gets_the_reply_and_counts_as_replied_not_as_answered_while_present() {
    let sc = leavers("");
    for seed in 0..10 {
        let r = run_replication(&sc, seed, 0);
        let c = &r.counters;
        let pre = c.by_class[Class::PreSale.index()].arrived;
        let inn = c.by_class[Class::InSale.index()].arrived;
        assert!(pre > 10 && inn > 10, "{c:?}");
        assert_eq!(c.received, c.arrived);
        // 回复率 = 3/3 in the issue's words: every customer got a human reply
        assert_eq!(c.first_replies, c.received, "{c:?}");
        assert_eq!(Kpi::ReplyRate.value(&r), Some(1.0));
        // answered while present = only the in-sale customers
        assert_eq!((c.served, c.replied_after_leaving), (inn, pre), "{c:?}");
        let present = Kpi::AnsweredWhilePresentRate.value(&r).unwrap();
        assert!((present - inn as f64 / c.received as f64).abs() < 1e-12);
        // abandonment: left before the first reply, whatever came later
        assert_eq!(c.abandoned, pre);
        // 首响 is exactly one reply's effort; 平响 includes the replies to leavers
        assert!((Kpi::FirstResponseMeanS.value(&r).unwrap() - 10.0).abs() < 1e-9);
        assert!((Kpi::AvgResponseS.value(&r).unwrap() - 10.0).abs() < 1e-9);
        // leavers send no second message: replies = pre x 1 + in-sale x 2
        assert_eq!(c.replies, pre + 2 * inn, "{c:?}");
        assert_eq!(Kpi::FirstReply30sShare.value(&r), Some(1.0));
    }
}

#[test]
fn the_phone_queue_and_withdrawing_leavers_take_the_work_along() {
    for inbox in [
        "[inbox]\nkeep_messages = false",
        "[inbox]\nwithdraw_share = 1.0",
    ] {
        let sc = leavers(inbox);
        let r = run_replication(&sc, 3, 0);
        let c = &r.counters;
        let inn = c.by_class[Class::InSale.index()].arrived;
        assert_eq!((c.served, c.first_replies), (inn, inn), "{inbox}: {c:?}");
        assert_eq!(c.replied_after_leaving, 0);
        let rate = Kpi::ReplyRate.value(&r).unwrap();
        assert!((rate - inn as f64 / c.received as f64).abs() < 1e-12);
        assert_eq!(
            c.replies,
            2 * inn,
            "{inbox}: no reply to a leaver is counted"
        );
    }
}

#[test]
fn first_response_runs_from_the_escalation_and_bot_only_customers_are_out() {
    // every customer spends 1 s + 40 s with the bot, then escalates (转人工); a second
    // scenario has the bot resolve everyone: nobody reaches a human
    let bot = |resolution: f64| {
        fixed_messages(
            60,
            1,
            10,
            &format!(
                r#"
[patience.first_reply]
default = {{ dist = "never" }}
[bot]
first_touch = {{ default = 1.0 }}
latency = {{ dist = "fixed", value_s = 1 }}
session = {{ dist = "fixed", value_s = 40 }}
resolution = {{ default = {{ mean = {resolution}, sd = 0 }} }}
[[groups]]
name = "agents"
count = 20
max_chats = 3
"#
            ),
        )
    };
    let r = run_replication(&bot(0.0), 5, 0);
    let c = &r.counters;
    assert_eq!((c.escalations, c.received), (c.arrived, c.arrived), "{c:?}");
    assert!((Kpi::FirstResponseMeanS.value(&r).unwrap() - 10.0).abs() < 1e-9);
    let from_arrival = Kpi::FirstResponseFromArrivalMeanS.value(&r).unwrap();
    assert!((from_arrival - 51.0).abs() < 1e-9, "{from_arrival}");
    assert_eq!(Kpi::FirstReply30sShare.value(&r), Some(1.0));

    let r = run_replication(&bot(1.0), 5, 0);
    assert_eq!(r.counters.received, 0);
    assert_eq!(
        Kpi::ReplyRate.value(&r),
        None,
        "no human reception, no 回复率"
    );
    assert_eq!(Kpi::DeflectionRate.value(&r), Some(1.0));
}

/// Nobody is on duty 20:00-21:00; customers give up after 60 s but their 留言 stay.
fn night(close_after_h: f64) -> Scenario {
    fixed_messages(
        60,
        1,
        10,
        &format!(
            r#"
[patience.first_reply]
default = {{ dist = "fixed", value_s = 60 }}
[inbox]
close_after_h = {close_after_h}
[[groups]]
name = "morning"
count = 5
max_chats = 20
shifts = [["11-10 21:00", "11-10 23:00"]]
"#
        ),
    )
}

#[test]
fn messages_left_outside_hours_are_answered_by_the_next_shift_and_count_as_replied() {
    for seed in 0..5 {
        let r = run_replication(&night(24.0), seed, 0);
        let c = &r.counters;
        let before: u64 = r.intervals[..4].iter().map(|i| i.counts.arrived).sum();
        assert!(before > 20, "{c:?}");
        assert_eq!(
            c.messages_left, before,
            "every arrival before 21:00 is 留言"
        );
        assert_eq!(c.outside_hours, before);
        assert_eq!(c.messages_answered, before);
        assert_eq!(c.first_replies, c.received, "回复率 = 100%: {c:?}");
        // answered at 21:00 or soon after: at least the time to 21:00 on average
        let wait = Kpi::MessageResponseMeanS.value(&r).unwrap();
        assert!((60.0..3600.0).contains(&wait), "{wait}");
        assert_eq!(c.closed_unanswered, 0);
        // a 留言 answered after the customer gave up is replied, not answered while present
        assert_eq!(c.served, c.received - before, "{c:?}");
    }
}

#[test]
fn the_platform_closes_left_chats_nobody_answered_in_time() {
    // closed 15 min after the message: everything left before 20:45 is closed unanswered,
    // and so is a 留言 of 20:45-21:00 still in an inbox 15 min after it was left
    for seed in 0..5 {
        let r = run_replication(&night(0.25), seed, 0);
        let c = &r.counters;
        let early: u64 = r.intervals[..3].iter().map(|i| i.counts.arrived).sum();
        assert!(c.closed_unanswered >= early, "{c:?}");
        assert!(c.messages_answered > 0, "{c:?}");
        assert_eq!(c.closed_unanswered + c.messages_answered, c.messages_left);
        assert_eq!(c.first_replies + c.closed_unanswered, c.received);
        assert_eq!(c.unresolved_at_end, 0);
    }
}

#[test]
fn a_full_line_turns_arrivals_into_messages_or_busy_replies() {
    let base = |overflow: &str| {
        fixed_messages(
            600,
            3,
            20,
            &format!(
                r#"
[patience.first_reply]
default = {{ dist = "exponential", mean_s = 300 }}
[routing]
max_queue = 5
queue_overflow = "{overflow}"
[[groups]]
name = "agents"
count = 4
max_chats = 2
"#
            ),
        )
    };
    let busy = run_replication(&base("busy"), 1, 0);
    let c = &busy.counters;
    assert!(c.blocked > 50 && c.overflow_messages == 0, "{c:?}");
    assert!(c.first_replies + c.blocked <= c.received);
    let message = run_replication(&base("message"), 1, 0);
    let c = &message.counters;
    assert!(c.overflow_messages > 50 && c.blocked == 0, "{c:?}");
    assert_eq!(c.messages_left, c.overflow_messages);
    // the 留言 wait behind the line and are answered: 回复率 beats the busy reply's
    assert!(Kpi::ReplyRate.value(&message).unwrap() > Kpi::ReplyRate.value(&busy).unwrap() + 0.1);
}

/// Six agents with room for 30 chats each: nobody waits for a slot, but each agent's
/// inbox runs long, so which message comes next decides the response times.
fn busy_inboxes(priority: bool) -> Scenario {
    let window = if priority {
        "[[routing.priority]]\nfrom = \"11-10 20:00\"\nto = \"11-10 23:00\"\norder = [\"pre_sale\", \"in_sale\", \"after_sale\"]"
    } else {
        ""
    };
    scenario(&format!(
        r#"
name = "inboxes"
start = "11-10 20:00"
end = "11-10 22:00"
[arrivals]
constant_per_hour = 240
[[arrivals.mix]]
from = "11-10 20:00"
pre_sale = 0.5
in_sale = 0
after_sale = 0.5
[conversation]
model = "messages"
customer_messages = {{ dist = "negative_binomial", mean = 5, dispersion = 3 }}
effort = {{ dist = "lognormal", median_s = 12, p90_s = 30 }}
think = {{ dist = "lognormal", median_s = 20, mean_s = 35 }}
[patience.first_reply]
default = {{ dist = "exponential", mean_s = 900 }}
[routing]
{window}
[[groups]]
name = "agents"
count = 6
max_chats = 30
"#
    ))
}

#[test]
fn priority_decides_which_pending_message_is_answered_next() {
    let (on, off) = (
        run(&busy_inboxes(true), 20, 5),
        run(&busy_inboxes(false), 20, 5),
    );
    let (on_reps, off_reps) = (
        replications(&busy_inboxes(true), 20, 5),
        replications(&busy_inboxes(false), 20, 5),
    );
    // nobody waits for a slot: the difference is the inbox order alone
    for r in [&on, &off] {
        assert!(
            r.mean(Kpi::PWait).unwrap() < 0.01,
            "{:?}",
            r.mean(Kpi::PWait)
        );
    }
    let paired = |class: Class| {
        let d: Vec<f64> = on_reps
            .iter()
            .zip(&off_reps)
            .map(|(a, b)| {
                ClassKpi::FirstResponseMeanS.value(class, a).unwrap()
                    - ClassKpi::FirstResponseMeanS.value(class, b).unwrap()
            })
            .collect();
        Estimate::from_values(d).expect("20 differences")
    };
    let (pre, after) = (paired(Class::PreSale), paired(Class::AfterSale));
    println!("priority on - off, first response: pre-sale {pre:?}, after-sale {after:?}");
    assert!(pre.ci_high < 0.0, "pre-sale not faster: {pre:?}");
    assert!(after.ci_low > 0.0, "after-sale not slower: {after:?}");
}

/// Per-replication values of an interval's KPI in the default scenario, as an estimate.
fn interval_estimate(
    r: &[ReplicationResult],
    k: usize,
    f: impl Fn(&d11sim::model::IntervalRow) -> f64,
) -> Estimate {
    Estimate::from_values(r.iter().map(|x| f(&x.intervals[k]))).expect("values")
}

#[test]
fn the_default_roster_strains_at_midnight_and_recovers_within_the_hour() {
    let sc = common::validate(&common::raw_scenario("double11.toml"));
    let r = replications(&sc, 10, 20261111);
    // 15-minute intervals from 11-10 18:00: 23:30 is 22, 00:00 is 24, 00:15 is 25, 01:30 is 30
    let avg =
        |row: &d11sim::model::IntervalRow| Kpi::AvgResponseS.interval_value(row).unwrap_or(0.0);
    let backlog = |row: &d11sim::model::IntervalRow| row.counts.unanswered as f64;
    let (calm, spike, after) = (
        interval_estimate(&r, 22, backlog),
        interval_estimate(&r, 24, backlog),
        interval_estimate(&r, 30, backlog),
    );
    println!("unanswered: 23:30-23:45 {calm:?}, 00:00-00:15 {spike:?}, 01:30-01:45 {after:?}");
    assert!(spike.ci_low > 4.0 * calm.ci_high, "no backlog at the spike");
    assert!(
        after.ci_high < 2.0 * calm.ci_high,
        "the backlog has not cleared by 01:45"
    );
    for k in [24, 25] {
        let e = interval_estimate(&r, k, avg);
        assert!(e.ci_low > 30.0, "平响 of interval {k} meets 30 s: {e:?}");
    }
    let e = interval_estimate(&r, 30, avg);
    assert!(e.ci_high < 30.0, "平响 at 01:30 still above 30 s: {e:?}");
    // most hours meet 平响 <= 30 s
    let hours_meeting = r[0]
        .intervals
        .iter()
        .enumerate()
        .filter(|(k, _)| interval_estimate(&r, *k, avg).mean <= 30.0)
        .count();
    assert!(
        hours_meeting >= 110,
        "{hours_meeting} of 120 intervals meet 平响"
    );
}

#[test]
fn four_times_the_default_roster_meets_the_reply_rate_and_the_3_minute_share() {
    let mut raw = common::raw_scenario("double11.toml");
    for g in &mut raw.groups {
        g.count *= 4;
    }
    let r = run(&common::validate(&raw), 10, 20261111);
    let reply = r.kpi(Kpi::ReplyRate).estimate.clone().unwrap();
    let three = r.kpi(Kpi::FirstReply3minShare).estimate.clone().unwrap();
    assert!(reply.ci_low >= 0.99, "回复率 {reply:?}");
    assert!(three.ci_low >= 0.95, "3-minute share {three:?}");
}

#[test]
fn scoring_hours_and_the_round_cap_change_what_avg_response_counts() {
    // every reply takes exactly 10 s: a 4 s cap makes 平响 4 s; scoring hours that exclude
    // the whole run leave nothing to score, and the histogram stays raw
    let capped = run_replication(&leavers("[scoring]\nround_cap_s = 4"), 2, 0);
    assert!((Kpi::AvgResponseS.value(&capped).unwrap() - 4.0).abs() < 1e-9);
    assert!((Kpi::ReplyResponseP90S.value(&capped).unwrap() - 10.0).abs() < 0.05);
    let night_only = run_replication(&leavers("[scoring]\nhours = [\"08:00\", \"18:00\"]"), 2, 0);
    assert_eq!(night_only.counters.replies, 0);
    assert_eq!(Kpi::AvgResponseS.value(&night_only), None);
    assert_eq!(Kpi::Rounds3minShare.value(&night_only), None);
    assert!(night_only.counters.agent_messages > 0);
}

#[test]
fn quick_phrases_replace_typed_replies_by_group() {
    let phrases = |group_share: &str| {
        fixed_messages(
            60,
            3,
            20,
            &format!(
                r#"
quick_phrase_share = 1.0
quick_phrase = {{ dist = "fixed", value_s = 2 }}
[patience.first_reply]
default = {{ dist = "never" }}
[[groups]]
name = "agents"
count = 20
max_chats = 1
{group_share}
"#
            ),
        )
    };
    let r = run_replication(&phrases(""), 1, 0);
    assert!((Kpi::AvgResponseS.value(&r).unwrap() - 2.0).abs() < 1e-9);
    let r = run_replication(&phrases("quick_phrase_share = 0"), 1, 0);
    assert!((Kpi::AvgResponseS.value(&r).unwrap() - 20.0).abs() < 1e-9);
}

/// Six customer messages in bursts of three (two turns), answered by replies of two
/// messages each taking 10 s, with the agent's 您好 2 s after the chat arrives; agents are
/// always free and nobody leaves.
fn greeted_bursts(hello: bool) -> Scenario {
    let greeting = if hello {
        "[conversation.greeting]\nagent_hello = true\nhello = { dist = \"fixed\", value_s = 2 }"
    } else {
        ""
    };
    fixed_messages(
        60,
        6,
        10,
        &format!(
            r#"
burst = {{ dist = "fixed", value = 3 }}
reply_messages = {{ dist = "fixed", value = 2 }}
{greeting}
[patience.first_reply]
default = {{ dist = "never" }}
[[groups]]
name = "agents"
count = 20
max_chats = 3
"#
        ),
    )
}

#[test]
fn a_burst_gets_one_reply_and_the_hello_is_the_first_response_but_not_the_answer() {
    for seed in 0..5 {
        let plain = run_replication(&greeted_bursts(false), seed, 0);
        let greeted = run_replication(&greeted_bursts(true), seed, 0);
        for r in [&plain, &greeted] {
            let c = &r.counters;
            assert!(c.arrived > 30, "{c:?}");
            // six customer messages, two turns, two replies of two messages each
            assert_eq!(c.customer_messages, 6 * c.arrived);
            assert_eq!(c.first_replies, c.arrived);
        }
        let (p, g) = (&plain.counters, &greeted.counters);
        assert_eq!(p.agent_messages, 4 * p.arrived);
        assert_eq!(p.replies, 2 * p.arrived);
        // the 您好 is one more agent message, and closes the opening round in its place
        assert_eq!(g.agent_messages, 5 * g.arrived);
        assert_eq!(g.replies, 2 * g.arrived);
        // 首响: the typed answer (10 s) without, the 您好 (2 s) with
        assert!((Kpi::FirstResponseMeanS.value(&plain).unwrap() - 10.0).abs() < 1e-6);
        assert!((Kpi::FirstResponseMeanS.value(&greeted).unwrap() - 2.0).abs() < 1e-6);
        // 平响: rounds of 10 s, or the opening round of 2 s and the next of 10 s
        assert!((Kpi::AvgResponseS.value(&plain).unwrap() - 10.0).abs() < 1e-6);
        assert!((Kpi::AvgResponseS.value(&greeted).unwrap() - 6.0).abs() < 1e-6);
        assert!((Kpi::AnswerQuestionRatio.value(&greeted).unwrap() - 5.0 / 6.0).abs() < 1e-9);
    }
}
