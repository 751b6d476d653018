//! The judging and report of a bench run: bench.json, latency.hgrm and latency.hlog, the
//! printed summary and the gates. Shared by `bench` and by `merge` of open-loop shards.

use d11sim::output;
use d11sim::replicate;

use crate::Failure;

/// Version of the `bench.json` layout.
const BENCH_SCHEMA_VERSION: u32 = 1;

/// The share of requests that may meet a refused or reset connection before the run is
/// invalid (the target stopped answering).
const MAX_RESET_SHARE: f64 = 0.001;
/// Above this share of failed routing requests (timeouts, error replies, invalid answers)
/// a run is invalid in every mode: its latencies describe a failing service and its KPIs
/// (a failed decision counts as "wait") are not the policy's.
const MAX_FAILURE_SHARE: f64 = 0.01;
/// Median latency above which `bench` warns that the service is slow for loopback.
const SLOW_MEDIAN_US: u64 = 5_000;

/// Achieved rate below this share of the offered rate draws a warning.
const ACHIEVED_WARN: f64 = 0.95;

/// Percentiles of a latency histogram (µs) as JSON.
fn percentiles(h: &hdrhistogram::Histogram<u64>) -> serde_json::Value {
    let q = |p: f64| {
        if h.is_empty() {
            0
        } else {
            h.value_at_quantile(p)
        }
    };
    serde_json::json!({
        "count": h.len(), "p50": q(0.5), "p90": q(0.9), "p99": q(0.99), "p99.9": q(0.999),
        "p99.99": q(0.9999), "max": h.max(), "mean": if h.is_empty() { 0.0 } else { h.mean() },
    })
}

/// How a bench run is judged and reported: its flags and the service's reported policy
/// (kept in an open-loop shard's header, so `merge` judges the merged run the same way).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Judging {
    pub(crate) target: String,
    pub(crate) policy: Option<String>,
    pub(crate) open_loop: bool,
    pub(crate) speedup: Option<f64>,
    pub(crate) connections: u64,
    pub(crate) replications: u64,
    pub(crate) seed: u64,
    pub(crate) timeout_ms: u64,
    pub(crate) window_min: f64,
    pub(crate) thresholds: Vec<String>,
    pub(crate) max_lag_ms: f64,
    pub(crate) min_achieved: Option<f64>,
    pub(crate) max_requests: u64,
    pub(crate) max_wall_s: f64,
}

impl Judging {
    fn target_is_loopback(&self) -> bool {
        d11sim::service::parse_target(&self.target).is_ok_and(|a| d11sim::service::is_loopback(&a))
    }
}

/// Judges and reports the replications' client statistics (and the run's results, when
/// answers were fed back), printing the summary and writing `out`.
pub(crate) fn finish(
    j: &Judging,
    sc: &d11sim::scenario::Scenario,
    per_rep: &[d11sim::service::client::ClientStats],
    results: Option<&replicate::RunResults>,
    stopped: Option<String>,
    out: Option<&std::path::Path>,
) -> Result<(), Failure> {
    use d11sim::service::client::ClientStats;
    use d11sim::service::gate::Threshold;
    use std::time::Duration;
    let thresholds = j
        .thresholds
        .iter()
        .map(|t| Threshold::parse(t, &sc.calendar))
        .collect::<Result<Vec<_>, _>>()
        .map_err(Failure::BadInput)?;
    let window = d11sim::engine::SimTime::from_secs_f64(j.window_min * 60.0);
    let mut all = ClientStats::default();
    for s in per_rep {
        all.absorb(s).map_err(Failure::Internal)?;
        all.wall += s.wall;
    }
    let failures = all.timeouts + all.resets + all.errors + all.invalid;
    let judged: Vec<_> = thresholds
        .iter()
        .map(|t| t.judge(&all.windows, window))
        .collect();
    let lag_p99_us = if all.lag_us.is_empty() {
        0
    } else {
        all.lag_us.value_at_quantile(0.99)
    };
    let lag_ok = j.speedup.is_none() || lag_p99_us as f64 <= j.max_lag_ms * 1e3;
    // a target that stops answering (connections refused or reset) invalidates the run
    let lost = all.requests > 0 && all.resets as f64 > MAX_RESET_SHARE * all.requests as f64;
    let mut invalid: Vec<String> = Vec::new();
    if let Some(s) = &stopped {
        invalid.push(format!("the target failed its reset at {s}"));
    }
    if lost {
        invalid.push(format!(
            "{} of {} requests met a refused or reset connection (above {}%): the target \
             stopped answering",
            all.resets,
            all.requests,
            MAX_RESET_SHARE * 100.0
        ));
    }
    let failed = all.timeouts + all.errors + all.invalid;
    if all.requests > 0 && failed as f64 > MAX_FAILURE_SHARE * all.requests as f64 {
        invalid.push(format!(
            "{failed} of {} routing requests failed ({:.1}%: {} timeouts, {} error replies, {} \
             invalid answers), above {}%: the run measures a failing service, and its KPIs \
             (a failed decision counts as a wait) are not the policy's",
            all.requests,
            100.0 * failed as f64 / all.requests as f64,
            all.timeouts,
            all.errors,
            all.invalid,
            MAX_FAILURE_SHARE * 100.0
        ));
    }
    if all.capped > 0 {
        invalid.push(format!(
            "{} requests were not sent: the run reached --max-requests {} or --max-wall-s {:.0}",
            all.capped, j.max_requests, j.max_wall_s
        ));
    }
    if !lag_ok {
        invalid.push(format!(
            "the generator's own send lag p99 is {:.3} ms, above --max-lag-ms {}: it could \
             not keep the plan at --speedup {}; lower it",
            lag_p99_us as f64 / 1e3,
            j.max_lag_ms,
            j.speedup.unwrap_or(0.0)
        ));
    }
    let valid = invalid.is_empty();
    let mut summary = serde_json::json!({
        "tool": "d11sim",
        "version": env!("CARGO_PKG_VERSION"),
        "schema_version": BENCH_SCHEMA_VERSION,
        "scenario": sc.name,
        "service_policy": j.policy,
        "target": j.target,
        "mode": match (j.open_loop, j.speedup.is_some()) {
            (true, _) => "open_loop",
            (false, true) => "paced",
            (false, false) => "virtual",
        },
        "connections": if j.open_loop { j.connections } else { 1 },
        "replications": per_rep.len(),
        "replications_asked": j.replications,
        "invalid_reasons": invalid,
        "seed": j.seed,
        "requests": all.requests,
        "waits": all.waits,
        "timeouts": all.timeouts,
        "resets": all.resets,
        "errors": all.errors,
        "invalid_answers": all.invalid,
        "not_sent_at_bounds": all.capped,
        "valid": valid,
        "failure_share": if all.requests > 0 { failures as f64 / all.requests as f64 } else { 0.0 },
        "first_error": all.first_error,
        "timeout_ms": j.timeout_ms,
        "latency_us": percentiles(&all.latency_us),
    });
    if let Some(k) = j.speedup {
        let planned_s = sc.horizon.as_secs_f64() / k * j.replications as f64;
        let wall_s = all.wall.as_secs_f64();
        summary["speedup"] = serde_json::json!(k);
        summary["latency_us"]["measured_from"] = serde_json::json!("intended send time");
        summary["uncorrected_latency_us"] = percentiles(&all.uncorrected_us);
        summary["send_lag_us"] = percentiles(&all.lag_us);
        summary["offered_per_s"] = serde_json::json!(all.requests as f64 / planned_s.max(1e-9));
        summary["achieved_per_s"] = serde_json::json!(all.requests as f64 / wall_s.max(1e-9));
        summary["wall_s"] = serde_json::json!(wall_s);
        summary["max_lag_ms"] = serde_json::json!(j.max_lag_ms);
    }
    // windows and gates by scenario time, in every mode
    summary["windows"] = serde_json::Value::Array(
        all.windows
            .iter()
            .enumerate()
            .map(|(k, w)| {
                serde_json::json!({
                    "start": d11sim::report::at(&sc.calendar, window, k),
                    "requests": w.requests,
                    "failures": w.failures,
                    "latency_us": percentiles(&w.corrected_us),
                    "uncorrected_latency_us": percentiles(&w.uncorrected_us),
                })
            })
            .collect(),
    );
    summary["thresholds"] = serde_json::Value::Array(
        judged
            .iter()
            .map(|j| {
                serde_json::json!({
                    "threshold": j.threshold.text, "value": j.value, "passed": j.passed,
                })
            })
            .collect(),
    );
    outln!(
        "routing decided by the service at {} (its policy: {})",
        j.target,
        summary["service_policy"].as_str().unwrap_or("not reported")
    );
    match results {
        Some(r) => out!("{}", output::render_table(sc, r)),
        None => outln!(
            "open loop over {} connections: the service's answers are not fed back, so there \
             are no KPIs (run --virtual or paced for them)",
            j.connections
        ),
    }
    let q = |h: &hdrhistogram::Histogram<u64>, p: f64| {
        if h.is_empty() {
            0
        } else {
            h.value_at_quantile(p)
        }
    };
    let h = &all.latency_us;
    outln!(
        "\nrouting service {}: {} requests; latency µs{} p50 {} p90 {} p99 {} p99.9 {} p99.99 {} max {}",
        j.target,
        all.requests,
        if j.speedup.is_some() {
            " (from the intended send time)"
        } else {
            ""
        },
        q(h, 0.5),
        q(h, 0.9),
        q(h, 0.99),
        q(h, 0.999),
        q(h, 0.9999),
        h.max()
    );
    if q(h, 0.5) > SLOW_MEDIAN_US && j.target_is_loopback() {
        errln!(
            "warning: the service's median latency is {} µs on loopback, where a healthy \
             service answers in well under 1 ms: check that it sets TCP_NODELAY and writes each \
             reply in one write (docs/router-protocol.md, \"Latency on loopback\")",
            q(h, 0.5)
        );
    }
    if j.speedup.is_some() {
        let offered = summary["offered_per_s"].as_f64().unwrap_or(0.0);
        let achieved = summary["achieved_per_s"].as_f64().unwrap_or(0.0);
        if offered > 0.0 && achieved < ACHIEVED_WARN * offered {
            errln!(
                "warning: achieved {achieved:.0} requests/s against {offered:.0}/s offered \
                 ({:.1}%): the generator or the service could not keep the pace",
                100.0 * achieved / offered
            );
        }
    }
    if j.speedup.is_some() {
        let u = &all.uncorrected_us;
        outln!(
            "uncorrected (from the actual send): p50 {} p99 {} max {}; generator send lag p99 {} µs; \
             offered {:.0}/s, achieved {:.0}/s",
            q(u, 0.5),
            q(u, 0.99),
            u.max(),
            lag_p99_us,
            summary["offered_per_s"].as_f64().unwrap_or(0.0),
            summary["achieved_per_s"].as_f64().unwrap_or(0.0)
        );
    }
    outln!(
        "answers: {} wait; failures: {} timeouts, {} resets, {} error replies, {} invalid answers{}",
        all.waits,
        all.timeouts,
        all.resets,
        all.errors,
        all.invalid,
        all.first_error
            .as_ref()
            .map_or(String::new(), |e| format!(" (first: {e})"))
    );
    for j in &judged {
        outln!(
            "gate {}: {} ({})",
            j.threshold.text,
            if j.passed { "PASS" } else { "FAIL" },
            j.value.map_or("no request in its window".into(), |v| {
                match j.threshold.metric {
                    d11sim::service::gate::Metric::Errors => format!("{:.4}%", v * 100.0),
                    _ => format!("{v:.0} µs"),
                }
            })
        );
    }
    if let Some(out) = out {
        let write = |dir: &std::path::Path| -> std::io::Result<()> {
            if let Some(r) = results {
                output::write_all(dir, sc, r)?;
            }
            output::write_atomic(
                &dir.join("bench.json"),
                &serde_json::to_vec_pretty(&summary).map_err(std::io::Error::other)?,
            )?;
            output::write_atomic(
                &dir.join("latency.hgrm"),
                output::write_hgrm(&all.latency_us).as_bytes(),
            )?;
            let log = match j.speedup {
                Some(k) => {
                    let len = Duration::from_secs_f64(window.as_secs_f64() / k);
                    let entries: Vec<_> = all
                        .windows
                        .iter()
                        .enumerate()
                        .flat_map(|(i, w)| {
                            let at = len * i as u32;
                            [
                                ("corrected", at, len, &w.corrected_us),
                                ("uncorrected", at, len, &w.uncorrected_us),
                            ]
                        })
                        .collect();
                    output::write_interval_log(
                        &format!(
                            "d11sim bench: routing latency in µs per {} min of scenario time \
                             ({:.3} s of wall clock at speedup {k}); corrected = from the \
                             intended send time",
                            j.window_min,
                            len.as_secs_f64()
                        ),
                        &entries,
                    )?
                }
                None => {
                    let hists: Vec<&hdrhistogram::Histogram<u64>> =
                        per_rep.iter().map(|s| &s.latency_us).collect();
                    output::write_hlog("routing_latency_us", "µs", &hists)?
                }
            };
            output::write_atomic(&dir.join("latency.hlog"), &log)
        };
        crate::staged(out, |dir| {
            write(dir).map_err(|e| {
                Failure::Internal(format!("{}: cannot write outputs: {e}", out.display()))
            })
        })?;
    }
    if !valid {
        return Err(Failure::Invalid(invalid.join("; ")));
    }
    let missed: Vec<&str> = judged
        .iter()
        .filter(|j| !j.passed)
        .map(|j| j.threshold.text.as_str())
        .collect();
    let mut missed = missed;
    let achieved_share = summary["offered_per_s"]
        .as_f64()
        .filter(|o| *o > 0.0)
        .map(|o| summary["achieved_per_s"].as_f64().unwrap_or(0.0) / o);
    let achieved_gate = j
        .min_achieved
        .zip(achieved_share)
        .filter(|(min, share)| share < min)
        .map(|(min, share)| {
            format!(
                "achieved {:.1}% of offered < {:.1}%",
                share * 100.0,
                min * 100.0
            )
        });
    if let Some(text) = &achieved_gate {
        missed.push(text);
    }
    if !missed.is_empty() {
        return Err(Failure::Gate(missed.join(", ")));
    }
    Ok(())
}
