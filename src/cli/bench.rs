//! `d11sim router serve` and `d11sim bench`: routing components as services.

use std::path::PathBuf;

use clap::Subcommand;

use d11sim::output;
use d11sim::replicate;

use crate::{Failure, load, progress};

#[derive(Subcommand)]
pub(crate) enum RouterCommand {
    /// Serve a built-in policy over the wire protocol (docs/router-protocol.md).
    Serve {
        /// least_loaded or longest_idle (`-` may replace `_`).
        #[arg(long, default_value = "least_loaded")]
        policy: String,
        /// Address to bind; port 0 picks a free one (printed on stdout).
        #[arg(long, default_value = "127.0.0.1:0")]
        addr: std::net::SocketAddr,
        /// Allow binding an address other than loopback.
        #[arg(long)]
        allow_remote: bool,
        /// Open connections kept; beyond them the longest-idle one is closed (keep it
        /// below the file-descriptor limit, `ulimit -n`).
        #[arg(long, default_value_t = d11sim::service::server::DEFAULT_MAX_CONNECTIONS as u64,
              value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
        max_connections: u64,
    },
}

#[derive(clap::Args)]
#[command(group(clap::ArgGroup::new("mode").required(true).args(["virtual_time", "speedup"])))]
pub(crate) struct BenchArgs {
    /// Scenario file (default: the embedded one).
    scenario: Option<PathBuf>,
    /// The routing service, http://HOST:PORT (loopback unless --allow-remote).
    #[arg(long)]
    target: String,
    /// Virtual time: the simulation runs as fast as the service answers.
    #[arg(long = "virtual")]
    virtual_time: bool,
    /// Wall-clock pacing: the scenario's arrivals are due at their time divided by K, and
    /// latency is measured from that intended time (no coordinated omission).
    #[arg(long)]
    speedup: Option<f64>,
    /// Replications, run one after another (the service holds one run's state); default
    /// 3 in virtual time, 1 when paced.
    #[arg(short, long, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    replications: Option<u64>,
    /// Master seed (the same arrivals as `run` with this seed).
    #[arg(short, long, default_value_t = 20_261_111)]
    seed: u64,
    /// A request slower than this counts as a timeout (recorded at this value).
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..=600_000))]
    timeout_ms: u64,
    /// Paced runs: send the scenario's requests open loop over --connections connections
    /// (recorded from an in-process run beforehand; answers are not fed back, no KPIs):
    /// for request rates one sequential decision stream cannot reach.
    #[arg(long)]
    open_loop: bool,
    /// Open-loop runs: keep-alive connections.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    connections: u64,
    /// Paced runs: latency percentiles per window of this many minutes of scenario time.
    #[arg(long, default_value_t = 60.0)]
    window_min: f64,
    /// Paced runs: a gate, e.g. 'p99<5ms', 'p99<5ms@20:00-24:00', 'errors<0.1%'
    /// (repeatable); a missed gate exits 3.
    #[arg(long)]
    threshold: Vec<String>,
    /// Paced runs: the run is invalid (exit 4) when the generator's own send lag p99
    /// exceeds this.
    #[arg(long, default_value_t = 1.0)]
    max_lag_ms: f64,
    /// Paced runs: a gate (exit 3) on the achieved request rate as a share of the offered
    /// one, e.g. 0.95; below 0.95 a warning is printed whatever this is.
    #[arg(long)]
    min_achieved: Option<f64>,
    /// Bound: most routing requests per replication; beyond it nothing is sent and the run
    /// is invalid (exit 4).
    #[arg(long, default_value_t = 50_000_000, value_parser = clap::value_parser!(u64).range(1..))]
    max_requests: u64,
    /// Bound: most wall-clock seconds per replication (default: twice the paced plan plus
    /// 60 s, or 3600 s in virtual time); beyond it nothing is sent and the run is invalid.
    #[arg(long)]
    max_wall_s: Option<f64>,
    /// Allow a target that is not on loopback.
    #[arg(long)]
    allow_remote: bool,
    /// Folder for bench.json, latency.hgrm, latency.hlog and the run's outputs.
    #[arg(short, long)]
    out: Option<PathBuf>,
}

pub(crate) fn router_serve(
    policy: &str,
    addr: std::net::SocketAddr,
    allow_remote: bool,
    max_connections: usize,
) -> Result<(), Failure> {
    let p = d11sim::routing::Policy::parse(&policy.replace('-', "_")).ok_or_else(|| {
        Failure::BadInput(format!(
            "--policy `{policy}`: use least_loaded or longest_idle"
        ))
    })?;
    if !d11sim::service::is_loopback(&addr) && !allow_remote {
        return Err(Failure::BadInput(format!(
            "--addr {addr} is not loopback; pass --allow-remote to serve other hosts"
        )));
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Internal(format!("cannot start the runtime: {e}")))?;
    runtime
        .block_on(d11sim::service::server::serve(
            p,
            addr,
            max_connections,
            |bound| {
                use std::io::Write;
                println!("listening on http://{bound} (policy {})", p.name());
                let _ = std::io::stdout().flush();
            },
        ))
        .map_err(|e| Failure::BadInput(format!("--addr {addr}: {e}")))
}

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

/// Version of the `bench.json` layout.
const BENCH_SCHEMA_VERSION: u32 = 1;

/// The pacing accepted: from a thousandth of real time to a million times faster.
const MIN_SPEEDUP: f64 = 1e-3;
const MAX_SPEEDUP: f64 = 1e6;
/// The share of requests that may meet a refused or reset connection before the run is
/// invalid (the target stopped answering).
const MAX_RESET_SHARE: f64 = 0.001;
/// The longest wall-clock bound per replication (about 116 days).
const MAX_WALL_S: f64 = 1e7;

/// Median latency above which `bench` warns that the service is slow for loopback.
const SLOW_MEDIAN_US: u64 = 5_000;

/// Achieved rate below this share of the offered rate draws a warning.
const ACHIEVED_WARN: f64 = 0.95;

/// The policy the service at `addr` reports on `GET /v1/health`, if it answers.
fn service_policy(addr: std::net::SocketAddr, timeout: std::time::Duration) -> Option<String> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect_timeout(&addr, timeout).ok()?;
    stream.set_read_timeout(Some(timeout)).ok()?;
    stream
        .write_all(
            format!("GET /v1/health HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\n\r\n")
                .as_bytes(),
        )
        .ok()?;
    let mut reply = Vec::new();
    stream.take(64 * 1024).read_to_end(&mut reply).ok()?;
    let reply = String::from_utf8_lossy(&reply);
    let body = reply.split("\r\n\r\n").nth(1)?;
    let v: serde_json::Value = serde_json::from_str(body.trim()).ok()?;
    v["policy"].as_str().map(str::to_string)
}

pub(crate) fn bench(args: &BenchArgs) -> Result<(), Failure> {
    use d11sim::service::client::{ClientStats, HttpRouter, Pacing, Window};
    use d11sim::service::gate::Threshold;
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, Instant};
    let addr = d11sim::service::parse_target(&args.target).map_err(Failure::BadInput)?;
    if !d11sim::service::is_loopback(&addr) && !args.allow_remote {
        return Err(Failure::BadInput(format!(
            "--target {addr} is not loopback; pass --allow-remote to load another host"
        )));
    }
    if args.open_loop && args.speedup.is_none() {
        return Err(Failure::BadInput(
            "--open-loop sends at a pace: give --speedup K instead of --virtual".into(),
        ));
    }
    if let Some(k) = args.speedup
        && !(MIN_SPEEDUP..=MAX_SPEEDUP).contains(&k)
    {
        return Err(Failure::BadInput(format!(
            "--speedup must lie in {MIN_SPEEDUP}..={MAX_SPEEDUP:.0e}, got {}",
            d11sim::input::number(k)
        )));
    }
    if let Some(m) = args.min_achieved
        && !(m > 0.0 && m <= 1.0)
    {
        return Err(Failure::BadInput(format!(
            "--min-achieved is a share in (0, 1], got {m}"
        )));
    }
    if args.min_achieved.is_some() && args.speedup.is_none() {
        return Err(Failure::BadInput(
            "--min-achieved gates a paced run: give --speedup K".into(),
        ));
    }
    if !(args.window_min.is_finite() && args.window_min >= 1.0) {
        return Err(Failure::BadInput(format!(
            "--window-min must be at least 1, got {}",
            args.window_min
        )));
    }
    let plans = load(args.scenario.as_ref())?;
    if let Some(out) = &args.out {
        crate::check_out(out)?;
    }
    let sc = &plans[0].scenario;
    if args.speedup.is_none() && !args.threshold.is_empty() {
        return Err(Failure::BadInput(
            "--threshold gates a paced run: give --speedup K".into(),
        ));
    }
    let thresholds = args
        .threshold
        .iter()
        .map(|t| Threshold::parse(t, &sc.calendar))
        .collect::<Result<Vec<_>, _>>()
        .map_err(Failure::BadInput)?;
    let replications = args
        .replications
        .unwrap_or(if args.speedup.is_some() { 1 } else { 3 });
    let timeout = Duration::from_millis(args.timeout_ms);
    let window = d11sim::engine::SimTime::from_secs_f64(args.window_min * 60.0);
    let max_wall = match (args.max_wall_s, args.speedup) {
        (Some(w), _) if w > 0.0 && w <= MAX_WALL_S => w,
        (Some(w), _) => {
            return Err(Failure::BadInput(format!(
                "--max-wall-s must lie in (0, {MAX_WALL_S:.0e}], got {}",
                d11sim::input::number(w)
            )));
        }
        (None, Some(k)) => 2.0 * sc.horizon.as_secs_f64() / k + 60.0,
        (None, None) => 3600.0,
    };
    let limits_from = |start: Instant| d11sim::service::client::Limits {
        max_requests: args.max_requests,
        deadline: start + Duration::from_secs_f64(max_wall),
    };
    // progress in scenario time, within each replication as well as across them
    let horizon_s = (sc.horizon.as_micros() / 1_000_000).max(1);
    let bar = progress(replications * horizon_s);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{spinner} {msg} {wide_bar} {percent}%, {elapsed} (eta {eta})",
    ) {
        bar.set_style(style);
    }
    let observer = |i: u64| -> Box<dyn Fn(d11sim::engine::SimTime) + Send> {
        let (bar, calendar) = (bar.clone(), sc.calendar);
        let shown = std::sync::atomic::AtomicU64::new(u64::MAX);
        Box::new(move |now| {
            let s = (now.as_micros() / 1_000_000).min(horizon_s);
            bar.set_position(i * horizon_s + s);
            // the clock in the message moves by scenario minutes
            if shown.swap(s / 60, std::sync::atomic::Ordering::Relaxed) != s / 60 {
                bar.set_message(format!(
                    "replication {}/{replications}, scenario clock {}",
                    i + 1,
                    calendar.format(d11sim::engine::SimTime::from_secs(s / 60 * 60))
                ));
            }
        })
    };
    let mut reps = Vec::new();
    let mut per_rep: Vec<ClientStats> = Vec::new();
    // a target that fails its reset after the first replication ends the run: what was
    // measured is kept and written, and the run is invalid
    let mut stopped: Option<String> = None;
    let mut fail_reset = |i: u64, e: String| -> Result<(), Failure> {
        if i == 0 {
            return Err(Failure::BadInput(e));
        }
        stopped = Some(format!("replication {} of {replications}: {e}", i + 1));
        Ok(())
    };
    for i in 0..replications {
        if let (true, Some(speedup)) = (args.open_loop, args.speedup) {
            let plan = d11sim::service::load::plan(sc, args.seed, i);
            match d11sim::service::load::run(
                addr,
                sc.agents(),
                &plan,
                speedup,
                window,
                args.connections as usize,
                timeout,
                limits_from(Instant::now()),
                observer(i),
            ) {
                Ok(stats) => per_rep.push(stats),
                Err(e) => {
                    fail_reset(i, e)?;
                    break;
                }
            }
            bar.set_position((i + 1) * horizon_s);
            continue;
        }
        let stats = Arc::new(Mutex::new(ClientStats::default()));
        let router = match HttpRouter::connect(addr, sc.agents(), timeout, Arc::clone(&stats)) {
            Ok(r) => r,
            Err(e) => {
                fail_reset(i, e)?;
                break;
            }
        };
        let mut router = router
            .limited(limits_from(Instant::now()))
            .observed(observer(i));
        if let Some(speedup) = args.speedup {
            router = router.paced(Pacing {
                start: Instant::now() + Duration::from_millis(20),
                speedup,
                window,
            });
        }
        reps.push(d11sim::model::run_with_router(
            sc,
            args.seed,
            i,
            Box::new(router),
        ));
        per_rep.push(
            Arc::try_unwrap(stats)
                .map(|m| {
                    m.into_inner()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                })
                .unwrap_or_default(),
        );
        bar.set_position((i + 1) * horizon_s);
    }
    bar.finish_and_clear();
    let results = (!args.open_loop).then(|| replicate::summarise(sc, args.seed, reps));
    let mut all = ClientStats::default();
    let add = |a: &mut hdrhistogram::Histogram<u64>, b: &hdrhistogram::Histogram<u64>| {
        a.add(b).map_err(|e| Failure::Internal(e.to_string()))
    };
    for s in &per_rep {
        add(&mut all.latency_us, &s.latency_us)?;
        add(&mut all.uncorrected_us, &s.uncorrected_us)?;
        add(&mut all.lag_us, &s.lag_us)?;
        if all.windows.len() < s.windows.len() {
            all.windows.resize_with(s.windows.len(), Window::default);
        }
        for (w, x) in all.windows.iter_mut().zip(&s.windows) {
            add(&mut w.corrected_us, &x.corrected_us)?;
            add(&mut w.uncorrected_us, &x.uncorrected_us)?;
            w.requests += x.requests;
            w.failures += x.failures;
        }
        all.wall += s.wall;
        all.requests += s.requests;
        all.waits += s.waits;
        all.timeouts += s.timeouts;
        all.resets += s.resets;
        all.errors += s.errors;
        all.invalid += s.invalid;
        all.capped += s.capped;
        if all.first_error.is_none() {
            all.first_error.clone_from(&s.first_error);
        }
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
    let lag_ok = args.speedup.is_none() || lag_p99_us as f64 <= args.max_lag_ms * 1e3;
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
    if all.capped > 0 {
        invalid.push(format!(
            "{} requests were not sent: the run reached --max-requests {} or --max-wall-s {:.0}",
            all.capped, args.max_requests, max_wall
        ));
    }
    if !lag_ok {
        invalid.push(format!(
            "the generator's own send lag p99 is {:.3} ms, above --max-lag-ms {}: it could \
             not keep the plan at --speedup {}; lower it",
            lag_p99_us as f64 / 1e3,
            args.max_lag_ms,
            args.speedup.unwrap_or(0.0)
        ));
    }
    let valid = invalid.is_empty();
    let mut summary = serde_json::json!({
        "tool": "d11sim",
        "version": env!("CARGO_PKG_VERSION"),
        "schema_version": BENCH_SCHEMA_VERSION,
        "scenario": sc.name,
        "service_policy": service_policy(addr, timeout),
        "target": args.target,
        "mode": match (args.open_loop, args.speedup.is_some()) {
            (true, _) => "open_loop",
            (false, true) => "paced",
            (false, false) => "virtual",
        },
        "connections": if args.open_loop { args.connections } else { 1 },
        "replications": per_rep.len(),
        "replications_asked": replications,
        "invalid_reasons": invalid,
        "seed": args.seed,
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
        "timeout_ms": args.timeout_ms,
        "latency_us": percentiles(&all.latency_us),
    });
    if let Some(k) = args.speedup {
        let planned_s = sc.horizon.as_secs_f64() / k * replications as f64;
        let wall_s = all.wall.as_secs_f64();
        summary["speedup"] = serde_json::json!(k);
        summary["latency_us"]["measured_from"] = serde_json::json!("intended send time");
        summary["uncorrected_latency_us"] = percentiles(&all.uncorrected_us);
        summary["send_lag_us"] = percentiles(&all.lag_us);
        summary["offered_per_s"] = serde_json::json!(all.requests as f64 / planned_s.max(1e-9));
        summary["achieved_per_s"] = serde_json::json!(all.requests as f64 / wall_s.max(1e-9));
        summary["wall_s"] = serde_json::json!(wall_s);
        summary["max_lag_ms"] = serde_json::json!(args.max_lag_ms);
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
    }
    println!(
        "routing decided by the service at {} (its policy: {})",
        args.target,
        summary["service_policy"].as_str().unwrap_or("not reported")
    );
    match &results {
        Some(r) => print!("{}", output::render_table(sc, r)),
        None => println!(
            "open loop over {} connections: the service's answers are not fed back, so there \
             are no KPIs (run --virtual or paced for them)",
            args.connections
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
    println!(
        "\nrouting service {}: {} requests; latency µs{} p50 {} p90 {} p99 {} p99.9 {} p99.99 {} max {}",
        args.target,
        all.requests,
        if args.speedup.is_some() {
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
    if q(h, 0.5) > SLOW_MEDIAN_US && d11sim::service::is_loopback(&addr) {
        eprintln!(
            "warning: the service's median latency is {} µs on loopback, where a healthy \
             service answers in well under 1 ms: check that it sets TCP_NODELAY and writes each \
             reply in one write (docs/router-protocol.md, \"Latency on loopback\")",
            q(h, 0.5)
        );
    }
    if args.speedup.is_some() {
        let offered = summary["offered_per_s"].as_f64().unwrap_or(0.0);
        let achieved = summary["achieved_per_s"].as_f64().unwrap_or(0.0);
        if offered > 0.0 && achieved < ACHIEVED_WARN * offered {
            eprintln!(
                "warning: achieved {achieved:.0} requests/s against {offered:.0}/s offered \
                 ({:.1}%): the generator or the service could not keep the pace",
                100.0 * achieved / offered
            );
        }
    }
    if args.speedup.is_some() {
        let u = &all.uncorrected_us;
        println!(
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
    println!(
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
        println!(
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
    if let Some(out) = &args.out {
        let write = |dir: &std::path::Path| -> std::io::Result<()> {
            if let Some(r) = &results {
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
            let log = match args.speedup {
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
                            args.window_min,
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
    let achieved_gate = args
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
