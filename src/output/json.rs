//! `summary.json`: the run's stable, documented summary (schema in `docs/outputs.md`).

use serde_json::{Value, json};

use crate::kpi::GroupKpi;
use crate::metrics::Histograms;
use crate::replicate::RunResults;
use crate::scenario::Scenario;

/// Version of the `summary.json` layout; bumped on any incompatible change.
pub const SCHEMA_VERSION: u32 = 3;

/// The summary as a JSON value (key order is fixed, so output is byte-stable).
pub fn summary(scenario: &Scenario, r: &RunResults) -> Value {
    let kpis: serde_json::Map<String, Value> = r
        .kpis
        .iter()
        .map(|k| {
            let e = k.estimate.as_ref();
            (
                k.kpi.name().to_string(),
                json!({
                    "definition": k.kpi.definition(),
                    "mean": e.map(|e| e.mean),
                    "ci_low": e.map(|e| e.ci_low),
                    "ci_high": e.map(|e| e.ci_high),
                    "sd": e.map(|e| e.sd),
                    "n": e.map_or(0, |e| e.n),
                    "per_replication": k.values,
                }),
            )
        })
        .collect();
    let percentiles: serde_json::Map<String, Value> = Histograms::NAMES
        .iter()
        .zip(r.merged.all())
        .map(|(name, h)| {
            let q = |p: f64| (!h.is_empty()).then(|| h.value_at_quantile(p));
            (
                name.to_string(),
                json!({
                    "count": h.len(),
                    "mean": (!h.is_empty()).then(|| h.mean()),
                    "p50": q(0.5), "p90": q(0.9), "p95": q(0.95), "p99": q(0.99),
                    "max": (!h.is_empty()).then(|| h.max()),
                }),
            )
        })
        .collect();
    let sum = |f: fn(&crate::metrics::Counters) -> u64| -> u64 {
        // counts are summed over replications
        r.replications.iter().map(|x| f(&x.counters)).sum()
    };
    let counts = json!({
        "arrived": sum(|c| c.arrived),
        "received_by_human": sum(|c| c.received),
        "served": sum(|c| c.served),
        "replied_after_leaving": sum(|c| c.replied_after_leaving),
        "abandoned": sum(|c| c.abandoned),
        "blocked": sum(|c| c.blocked),
        "withdrawn": sum(|c| c.withdrawn),
        "closed_unanswered": sum(|c| c.closed_unanswered),
        "messages_left": sum(|c| c.messages_left),
        "messages_left_line_full": sum(|c| c.overflow_messages),
        "messages_answered": sum(|c| c.messages_answered),
        "attempts": sum(|c| c.attempts),
        "retrials": sum(|c| c.retrials),
        "waited": sum(|c| c.waited),
        "left_mid_conversation": sum(|c| c.left_mid_conversation),
        "handovers": sum(|c| c.handovers),
        "messages_left_outside_hours": sum(|c| c.outside_hours),
        "customer_messages": sum(|c| c.customer_messages),
        "agent_messages": sum(|c| c.agent_messages),
        "unresolved_at_end": sum(|c| c.unresolved_at_end),
        "bot_touched": sum(|c| c.bot_touched),
        "deflected": sum(|c| c.deflected),
        "escalations": sum(|c| c.escalations),
        "left_at_bot": sum(|c| c.left_at_bot),
        "abandoned_at_bot": sum(|c| c.abandoned_at_bot),
        "disconnects": sum(|c| c.disconnects),
        "reassigned_after_outage": sum(|c| c.reassigned),
    });
    let groups: Vec<Value> = scenario
        .groups
        .iter()
        .enumerate()
        .map(|(g, grp)| {
            // per group and replication: agents working, open chats, agents on duty (x s)
            let per_rep = |i: usize| -> Vec<Option<f64>> {
                r.replications
                    .iter()
                    .map(|x| {
                        let a = &x.groups[g];
                        (a[2] > 0.0).then(|| a[i] / a[2])
                    })
                    .collect()
            };
            let util = per_rep(0);
            let conc = per_rep(1);
            let est = |v: &[Option<f64>]| crate::stats::Estimate::from_values(v.iter().flatten().copied());
            let kpis: serde_json::Map<String, Value> = GroupKpi::ALL
                .iter()
                .map(|k| {
                    let values = r.group_values(g, *k);
                    let e = crate::stats::Estimate::from_values(values.iter().flatten().copied());
                    (k.name().to_string(), json!({
                        "mean": e.as_ref().map(|e| e.mean),
                        "ci_low": e.as_ref().map(|e| e.ci_low),
                        "ci_high": e.as_ref().map(|e| e.ci_high),
                        "n": e.as_ref().map_or(0, |e| e.n),
                        "per_replication": values,
                    }))
                })
                .collect();
            let targets: Vec<Value> = r
                .group_targets(g)
                .into_iter()
                .map(|(t, mean, share)| json!({ "target": t.to_string(), "mean": mean, "share_of_replications_met": share }))
                .collect();
            json!({
                "name": grp.name,
                "agents": grp.count,
                "site": grp.site,
                "routing": {
                    "tier": grp.routing.tier,
                    "weight": grp.routing.weight,
                    "soft_cap": grp.routing.soft_cap,
                },
                "utilisation": est(&util),
                "mean_concurrency": est(&conc),
                "agent_hours_on_duty_mean": crate::stats::Estimate::from_values(r.replications.iter().map(|x| x.groups[g][2] / 3600.0)).map(|e| e.mean),
                "kpis": kpis,
                "targets": targets,
            })
        })
        .collect();
    let targets: Vec<Value> = r
        .targets
        .iter()
        .map(|t| target_json(scenario, r, t))
        .collect();
    let mut by_class = serde_json::Map::new();
    for class in crate::class::Class::ALL {
        let kpis: serde_json::Map<String, Value> = crate::kpi::ClassKpi::ALL
            .iter()
            .map(|k| (k.name().to_string(), json!(r.class_kpi(class, *k))))
            .collect();
        by_class.insert(class.name().to_string(), Value::Object(kpis));
    }
    json!({
        "tool": "d11sim",
        "version": env!("CARGO_PKG_VERSION"),
        "schema_version": SCHEMA_VERSION,
        "seed": r.seed,
        "replications": r.replications.len(),
        "scenario": {
            "name": scenario.name,
            "conversation_model": scenario.conversation.name(),
            "routing_policy": scenario.routing.policy.name(),
            "start": scenario.calendar.format(crate::engine::SimTime::ZERO),
            "end": scenario.calendar.format(scenario.horizon),
            "warmup_s": scenario.warmup.as_secs_f64(),
            "agents": scenario.agents(),
            "expected_arrivals": scenario.arrivals.curve.expected_total(),
            "file": scenario.echo,
        },
        "warnings": scenario.warnings.iter().chain(&r.warnings()).collect::<Vec<_>>(),
        "volume_factor_per_replication": r.replications.iter().map(|x| x.volume_factor).collect::<Vec<_>>(),
        "kpis": kpis,
        "targets": targets,
        "by_class": by_class,
        "histograms_ms": percentiles,
        "counts": counts,
        "engine": engine(r),
        "groups": groups,
    })
}

/// Events handled (all replications) and the most customers and pending events any
/// replication held at once, with their sizes: what a run's memory grows with.
fn engine(r: &RunResults) -> Value {
    let most = |f: fn(&crate::model::Footprint) -> u64| {
        r.replications.iter().map(|x| f(&x.footprint)).max()
    };
    json!({
        "events": r.replications.iter().map(|x| x.footprint.events).sum::<u64>(),
        "peak_customers": most(|f| f.peak_customers),
        "customer_bytes": most(|f| f.customer_bytes),
        "peak_pending_events": most(|f| f.peak_pending_events),
        "event_bytes": most(|f| f.event_bytes),
        "held_bytes": most(|f| f.held_bytes),
    })
}

/// One target's judgement (the rule: docs/outputs.md).
fn target_json(sc: &Scenario, r: &RunResults, t: &crate::replicate::TargetResult) -> Value {
    let at = |k: usize| {
        sc.calendar.format(crate::engine::SimTime::from_micros(
            sc.interval.as_micros() * k as u64,
        ))
    };
    let windows: Vec<Value> = t
        .windows(r)
        .iter()
        .map(|(from, to, v, any)| {
            json!({
                "from": at(*from),
                "to": at(*to),
                "verdict": v,
                "share_of_replications_missing": any,
            })
        })
        .collect();
    let intervals: Vec<Value> = t
        .intervals
        .iter()
        .enumerate()
        .filter(|(_, s)| s.n > 0)
        .map(|(k, s)| {
            let (lo, hi) = s.share_interval();
            json!({
                "start": at(k),
                "verdict": s.verdict,
                "mean": s.estimate.as_ref().map(|e| e.mean),
                "ci_low": s.estimate.as_ref().map(|e| e.ci_low),
                "ci_high": s.estimate.as_ref().map(|e| e.ci_high),
                "replications": s.n,
                "replications_met": s.met,
                "share_met_ci": [lo, hi],
            })
        })
        .collect();
    let (lo, hi) = t.day.share_interval();
    json!({
        "target": t.target.to_string(),
        "kpi": t.target.kpi.name(),
        "verdict": t.verdict,
        "met": t.met(),
        "gating": t.gating.gates,
        "not_gating_because": t.gating.reason.as_ref().map(|x| x.text(t.target.kpi, false)),
        "required_share": sc.target_share,
        "mean": t.mean,
        "share_of_replications_met": t.share_met,
        "day": {
            "verdict": t.day.verdict,
            "mean": t.day.estimate.as_ref().map(|e| e.mean),
            "ci_low": t.day.estimate.as_ref().map(|e| e.ci_low),
            "ci_high": t.day.estimate.as_ref().map(|e| e.ci_high),
            "replications": t.day.n,
            "replications_met": t.day.met,
            "share_met_ci": [lo, hi],
        },
        "windows": windows,
        "intervals": intervals,
        "text": crate::report::describe(sc, r, t, crate::report::Lang::En),
    })
}
