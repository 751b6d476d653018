//! Bot, network, conversion and plan variants: the equivalences and directions users rely
//! on (issue 3), with common random numbers and paired confidence intervals.

use std::path::Path;

use d11sim::kpi::Kpi;
use d11sim::model::{ReplicationResult, run_replication};
use d11sim::replicate::{self, RunConfig, RunResults};
use d11sim::scenario::file::{
    BotFile, ClassValuesFile, DurationFile, NetworkFile, OutageFile, ResolutionFile, SiteFile,
    UncertainFile,
};
use d11sim::scenario::variants::plans_from_toml;
use d11sim::scenario::{Scenario, ScenarioFile};
use d11sim::stats::Estimate;

use crate::common;

fn fixed(s: f64) -> DurationFile {
    DurationFile {
        dist: "fixed".into(),
        value_s: Some(s),
        ..Default::default()
    }
}

/// Asserts that `a` and `b` give the same agent-side results for three seeds.
fn assert_same_agent_results(a: &Scenario, b: &Scenario) -> Vec<ReplicationResult> {
    (0..3)
        .map(|seed| {
            let (x, y) = (run_replication(a, seed, 0), run_replication(b, seed, 0));
            assert_eq!(human_kpis(&x), human_kpis(&y), "seed {seed}");
            assert_eq!(
                x.histograms.first_response_ms,
                y.histograms.first_response_ms
            );
            assert_eq!(
                x.histograms.reply_response_ms,
                y.histograms.reply_response_ms
            );
            y
        })
        .collect()
}

/// KPIs that are not about the bot.
fn human_kpis(r: &ReplicationResult) -> Vec<(Kpi, Option<f64>)> {
    Kpi::ALL
        .into_iter()
        .filter(|k| {
            !matches!(
                k,
                Kpi::DeflectionRate | Kpi::Escalations | Kpi::BotUtilisation
            )
        })
        .map(|k| (k, k.value(r)))
        .collect()
}

#[test]
fn a_bot_that_resolves_nothing_instantly_changes_nothing() {
    let mut raw = common::raw_scenario("double11.toml");
    raw.bot = None;
    let without = common::validate(&raw);
    raw.bot = Some(bot_for_everyone(0.0, 0.0));
    let with = common::validate(&raw);
    for b in assert_same_agent_results(&without, &with) {
        assert_eq!(
            b.counters.escalations, b.counters.arrived,
            "everyone went through the bot"
        );
    }
}

#[test]
fn customers_in_a_bot_session_hold_no_record() {
    // a bot that resolves everyone in a minute: nobody reaches the agents or waits for the
    // bot, so the customers present at once (16 on average over the day) are all in
    // bot sessions, and none of them holds a customer record
    let mut raw = common::raw_scenario("double11.toml");
    raw.bot = Some(bot_for_everyone(60.0, 1.0));
    let r = run_replication(&common::validate(&raw), 1, 0);
    assert_eq!(r.counters.deflected, r.counters.arrived, "{:?}", r.counters);
    let present = Kpi::MeanInSystem.value(&r).unwrap();
    assert!(present > 1.0, "mean in system {present}");
    assert_eq!(r.footprint.peak_customers, 0);
}

/// A bot that takes every inquiry, answers at once, talks for `session_s` and resolves a
/// share `resolution` of them; nobody leaves it.
fn bot_for_everyone(session_s: f64, resolution: f64) -> BotFile {
    BotFile {
        first_touch: ClassValuesFile {
            default: Some(1.0),
            ..Default::default()
        },
        windows: vec![],
        latency: fixed(0.0),
        session: fixed(session_s),
        capacity: None,
        overflow: "human".into(),
        resolution: ResolutionFile {
            default: Some(UncertainFile {
                mean: resolution,
                sd: 0.0,
            }),
            pre_sale: None,
            in_sale: None,
            after_sale: None,
        },
        leave_share: 0.0,
        escalated_patience_factor: 1.0,
    }
}

fn zero_network(raw: &ScenarioFile) -> NetworkFile {
    let sites = raw
        .network
        .as_ref()
        .unwrap()
        .sites
        .iter()
        .map(|s| SiteFile {
            name: s.name.clone(),
            delay: Some(fixed(0.0)),
            stall_prob: 0.0,
            stall: None,
            disconnects_per_hour: 0.0,
            relogin: None,
        });
    NetworkFile {
        platform_delay: Some(fixed(0.0)),
        platform_peak_extra: None,
        sites: sites.collect(),
        workstations: vec![],
        outages: vec![],
    }
}

#[test]
fn a_network_without_delay_changes_nothing() {
    let mut raw = common::raw_scenario("double11.toml");
    let zero = zero_network(&raw);
    raw.network = None;
    let without = common::validate(&raw);
    raw.network = Some(zero);
    let with = common::validate(&raw);
    assert_same_agent_results(&without, &with);
}

#[test]
fn network_delay_shows_in_the_response_histogram() {
    // every message waits 5 s each way: every reply's response grows by about 10 s
    let mut raw = common::raw_scenario("double11.toml");
    let mut slow = zero_network(&raw);
    slow.platform_delay = Some(fixed(5.0));
    raw.network = Some(slow);
    let slow = common::validate(&raw);
    raw.network = None;
    let fast = common::validate(&raw);
    let (a, b) = (run_replication(&fast, 1, 0), run_replication(&slow, 1, 0));
    let (pa, pb) = (
        a.histograms.reply_response_ms.value_at_quantile(0.1),
        b.histograms.reply_response_ms.value_at_quantile(0.1),
    );
    assert!(
        pb >= pa + 9_000,
        "p10 per-reply response {pa} ms -> {pb} ms"
    );
}

fn paired(a: &RunResults, b: &RunResults, kpi: Kpi) -> Estimate {
    d11sim::compare::difference(a, b, kpi).unwrap_or_else(|| panic!("{kpi} undefined"))
}

fn run(sc: &Scenario, reps: u64) -> RunResults {
    replicate::run(
        sc,
        RunConfig {
            replications: reps,
            seed: 11,
            threads: common::threads(),
        },
    )
}

#[test]
fn an_outage_raises_abandonment_and_lowers_conversion() {
    let mut raw = common::raw_scenario("double11.toml");
    let base = common::validate(&raw);
    raw.network.as_mut().unwrap().outages = vec![OutageFile {
        site: "office".into(),
        from: "11-10 23:50".into(),
        to: "11-11 00:40".into(),
        reassign_after_s: None,
    }];
    let outage = common::validate(&raw);
    let (a, b) = (run(&base, 10), run(&outage, 10));
    let ab = paired(&a, &b, Kpi::AbandonmentRate);
    let conv = paired(&a, &b, Kpi::Conversion);
    assert!(ab.ci_low > 0.0, "abandonment change {ab:?}");
    assert!(conv.ci_high < 0.0, "conversion change {conv:?}");
}

#[test]
fn conversion_falls_as_agents_are_removed() {
    let mut means = Vec::new();
    let mut runs = Vec::new();
    for share in [1.0, 0.4, 0.25, 0.15] {
        let mut raw = common::raw_scenario("double11.toml");
        for g in &mut raw.groups {
            g.count = ((g.count as f64) * share).round().max(1.0) as i64;
        }
        let r = run(&common::validate(&raw), 10);
        means.push(r.mean(Kpi::Conversion).unwrap());
        runs.push(r);
    }
    for w in runs.windows(2) {
        let d = paired(&w[0], &w[1], Kpi::Conversion);
        assert!(
            d.ci_high < 0.0,
            "conversion did not fall: means {means:?}, step {d:?}"
        );
    }
}

#[test]
fn a_variant_identical_to_the_base_differs_by_exactly_zero() {
    let text = "extends = \"double11.toml\"\nname = \"twin\"\n[[variants]]\nname = \"twin\"\nset = { \"bot.capacity\" = 500, \"groups.temps.count\" = 60 }\n";
    let plans = plans_from_toml(text, "twin.toml", &common::root().join("scenarios")).unwrap();
    assert_eq!(plans.len(), 2);
    let (a, b) = (run(&plans[0].scenario, 4), run(&plans[1].scenario, 4));
    for kpi in Kpi::ALL {
        if let Some(d) = d11sim::compare::difference(&a, &b, kpi) {
            assert!(
                d.mean == 0.0 && d.ci_low == 0.0 && d.ci_high == 0.0,
                "{kpi}: {d:?}"
            );
        }
    }
}

#[test]
fn hardware_plans_differ_in_the_expected_direction() {
    let plans = d11sim::scenario::variants::load_plans(
        &common::root().join("scenarios/hardware_plans.toml"),
    )
    .unwrap();
    let names: Vec<&str> = plans.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "base",
            "upgraded_network",
            "old_pcs",
            "midnight_outage",
            "small_bot_server"
        ]
    );
    let results: Vec<RunResults> = plans.iter().map(|p| run(&p.scenario, 10)).collect();
    // old PCs slow every reply: 平响 rises
    assert!(paired(&results[0], &results[2], Kpi::AvgResponseS).ci_low > 0.0);
    // a smaller bot server deflects fewer customers
    assert!(paired(&results[0], &results[4], Kpi::DeflectionRate).ci_high < 0.0);
    // the upgrade removes home disconnects
    assert!(
        results[1].mean(Kpi::Disconnects).is_none()
            && results[0].mean(Kpi::Disconnects).unwrap() > 0.0
    );
}

#[test]
fn default_bot_deflects_about_a_quarter() {
    // docs/calibration.md §4: "resulting overall deflection: about 35% at 00:00-02:00, 23-27% at
    // other hours"; over the day the default should land between those.
    let r = run(&Scenario::default_double11(), 10);
    let d = r.kpi(Kpi::DeflectionRate).estimate.clone().unwrap();
    assert!(d.ci_low > 0.20 && d.ci_high < 0.35, "deflection {d:?}");
    let _ = Path::new(".");
}

#[test]
fn a_full_bot_queues_or_overflows_to_agents_as_configured() {
    let mut raw = common::raw_scenario("double11.toml");
    raw.bot.as_mut().unwrap().capacity = Some(5);
    raw.bot.as_mut().unwrap().overflow = "human".into();
    let human = run(&common::validate(&raw), 10);
    raw.bot.as_mut().unwrap().overflow = "queue".into();
    let queue = run(&common::validate(&raw), 10);
    // waiting for the bot keeps customers with it: more of them are resolved there
    let d = paired(&human, &queue, Kpi::DeflectionRate);
    assert!(d.ci_low > 0.0, "deflection change {d:?}");
    // five sessions are far too few for the day: the bot is busy most of the time
    let u = queue.kpi(Kpi::BotUtilisation).estimate.clone().unwrap();
    assert!(u.ci_low > 0.5, "bot utilisation {u:?}");
    assert!(
        queue
            .replications
            .iter()
            .all(|r| r.counters.abandoned_at_bot > r.counters.left_at_bot)
    );
}

#[test]
fn a_variant_adds_and_removes_groups() {
    let text = r#"
extends = "double11.toml"
name = "staffing what-ifs"
[[variants]]
name = "more_temps"
set = { "groups.extra_temps" = { count = 20, max_chats = 3, max_chats_peak = 6, skills = ["pre_sale"], speed_factor = 0.67, shifts = [["11-10 23:00", "11-11 02:00"]] } }
[[variants]]
name = "no_temps"
remove = ["groups.temps"]
"#;
    let plans = plans_from_toml(text, "whatif.toml", &common::root().join("scenarios")).unwrap();
    let agents: Vec<usize> = plans.iter().map(|p| p.scenario.agents()).collect();
    assert_eq!(agents, vec![222, 242, 162]);
    let added = plans[1].scenario.groups.last().unwrap();
    assert_eq!((added.name.as_str(), added.count), ("extra_temps", 20));
    assert!(plans[2].scenario.groups.iter().all(|g| g.name != "temps"));
    // more temps at the spike help; none hurt (paired, common random numbers)
    let cfg = RunConfig {
        replications: 10,
        seed: 3,
        threads: common::threads(),
    };
    let runs: Vec<RunResults> = plans
        .iter()
        .map(|p| replicate::run(&p.scenario, cfg))
        .collect();
    let d = |i: usize| d11sim::compare::difference(&runs[0], &runs[i], Kpi::AvgResponseS).unwrap();
    assert!(d(1).ci_high < 0.0, "more temps: {:?}", d(1));
    assert!(d(2).ci_low > 0.0, "no temps: {:?}", d(2));
    let bad = text.replace(
        "remove = [\"groups.temps\"]",
        "remove = [\"groups.robots\"]",
    );
    let e = plans_from_toml(&bad, "whatif.toml", &common::root().join("scenarios")).unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("variants[1].remove[0]") && msg.contains("no element named `robots`"),
        "{msg}"
    );
}

/// Mean 首响 of the customers who arrived in series intervals `ks`, seconds.
fn cohort_first_response(r: &ReplicationResult, ks: std::ops::Range<usize>) -> f64 {
    let rows = &r.intervals[ks];
    let sum: f64 = rows
        .iter()
        .flat_map(|row| row.counts.first_response_sum_s_by_class)
        .sum();
    let n: u64 = rows
        .iter()
        .flat_map(|row| row.counts.replied_by_class)
        .sum();
    sum / n as f64
}

/// The manager's levers on the default store (scenarios/levers.toml), 20 replications with
/// common random numbers: each moves CS-assisted GMV and 首响 the way a store manager
/// expects, judged by the paired difference's 95% CI.
#[test]
fn the_managers_levers_move_money_and_first_response_as_a_manager_expects() {
    let plans =
        d11sim::scenario::variants::load_plans(&common::root().join("scenarios/levers.toml"))
            .unwrap();
    let names: Vec<&str> = plans.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "base",
            "temps_site_outage",
            "more_temps",
            "temps_start_late",
            "veterans_cap_6"
        ]
    );
    let reps: Vec<Vec<ReplicationResult>> = std::thread::scope(|s| {
        let handles: Vec<_> = plans
            .iter()
            .map(|p| {
                s.spawn(|| {
                    (0..20)
                        .map(|i| run_replication(&p.scenario, 11, i))
                        .collect()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let paired = |plan: usize, f: &dyn Fn(&ReplicationResult) -> f64| {
        let d = reps[plan].iter().zip(&reps[0]).map(|(p, b)| f(p) - f(b));
        Estimate::from_values(d).unwrap()
    };
    let gmv = |r: &ReplicationResult| Kpi::CsGmv.value(r).unwrap();
    let outage = paired(1, &gmv);
    assert!(
        outage.ci_high < 0.0,
        "the temps' outage must cost GMV: {outage:?}"
    );
    let more = paired(2, &gmv);
    assert!(more.ci_high > 0.0, "more temps must not lose GMV: {more:?}");
    let late = paired(3, &gmv);
    assert!(late.ci_low < 0.0, "later temps must not gain GMV: {late:?}");
    // 15-minute intervals from 11-10 18:00: 00:00-00:30 is 24 and 25
    let midnight = |r: &ReplicationResult| cohort_first_response(r, 24..26);
    let cap = paired(4, &midnight);
    assert!(
        cap.ci_low > 0.0,
        "a peak cap of 6 must slow 首响 at 00:00-00:30: {cap:?}"
    );
}

#[test]
fn the_whole_nights_trade_offs_show_in_money_with_paired_intervals() {
    let plans =
        d11sim::scenario::variants::load_plans(&common::root().join("scenarios/whole_night.toml"))
            .unwrap();
    let names: Vec<&str> = plans.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names,
        ["base", "no_priority", "cuifu_veterans", "cuifu_temps"]
    );
    let reps: Vec<Vec<ReplicationResult>> = std::thread::scope(|s| {
        let handles: Vec<_> = plans
            .iter()
            .map(|p| {
                s.spawn(|| {
                    (0..10)
                        .map(|i| run_replication(&p.scenario, 11, i))
                        .collect()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let paired = |plan: usize, kpi: Kpi| {
        let d = reps[plan]
            .iter()
            .zip(&reps[0])
            .map(|(p, b)| kpi.value(p).unwrap() - kpi.value(b).unwrap());
        Estimate::from_values(d).unwrap()
    };
    // pre-sale first at the peaks: without it the in-sale side loses less and the pre-sale
    // side more, and the store less in all
    let in_sale = paired(1, Kpi::InSaleGmvLost);
    assert!(in_sale.ci_high < 0.0, "{in_sale:?}");
    let pre_sale = paired(1, Kpi::GmvLost);
    assert!(pre_sale.ci_low > 0.0, "{pre_sale:?}");
    assert!(paired(1, Kpi::CsGmv).ci_high < 0.0);
    // 催付 recovers GMV net of the replies it slows, whoever sends it; the veterans' time
    // comes out of the inbound chats (平响 rises)
    for plan in [2, 3] {
        let gain = paired(plan, Kpi::CsGmv);
        assert!(gain.ci_low > 0.0, "plan {plan}: {gain:?}");
        assert!(
            reps[plan]
                .iter()
                .all(|r| Kpi::RemindersSent.value(r) > Some(100.0))
        );
    }
    let slower = paired(2, Kpi::AvgResponseS);
    assert!(slower.ci_low > 0.0, "{slower:?}");
}
