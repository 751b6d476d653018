//! The whole night by the handbooks (issue 27): each new rule on a hand-built tiny scenario
//! where the right figure is known exactly.

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
