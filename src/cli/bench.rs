//! `d11sim router serve` and `d11sim bench`: routing components as services.

use std::path::PathBuf;

use clap::Subcommand;

use d11sim::replicate;

use super::bench_report::{Judging, finish};
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
    /// Latency percentiles per window of this many minutes of scenario time.
    #[arg(long, default_value_t = 60.0)]
    window_min: f64,
    /// A gate, e.g. 'p99<5ms', 'p99<5ms@20:00-24:00', 'errors<0.1%' (repeatable); a missed
    /// gate exits 3. In virtual time the latency is the service's own (nothing waits for
    /// a send time).
    #[arg(long)]
    threshold: Vec<String>,
    /// Paced runs: the run is invalid (exit 4) when the generator's own send lag p99
    /// exceeds this (0 < ms <= 60000).
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
    /// Bound: most wall-clock seconds per replication, counted from the command's start
    /// (replication i must end within (i + 1) x this, whatever it waits for; default: twice
    /// the paced plan plus 60 s after the wait for --start-at, or 3600 s in virtual time);
    /// beyond it nothing is sent and the run is invalid.
    #[arg(long)]
    max_wall_s: Option<f64>,
    /// Allow a target that is not on loopback.
    #[arg(long)]
    allow_remote: bool,
    /// Folder for bench.json, latency.hgrm, latency.hlog and the run's outputs.
    #[arg(short, long)]
    out: Option<PathBuf>,
    /// Open-loop runs: be load generator I of N (0-based): send request k of each
    /// replication's plan when k mod N = I, and write a shard folder to --out for
    /// `d11sim merge` (only generator 0 resets the target).
    #[arg(long, value_name = "I/N", requires_all = ["out", "open_loop"])]
    shard: Option<d11sim::shard::ShardSpec>,
    /// Open-loop runs: start replication i's plan at this Unix time (seconds) plus i x
    /// (the plan's paced length + 10 s), so that sharded generators send side by side.
    #[arg(long, value_name = "UNIX_S", requires = "open_loop")]
    start_at: Option<f64>,
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
                outln!("listening on http://{bound} (policy {})", p.name());
            },
        ))
        .map_err(|e| Failure::BadInput(format!("--addr {addr}: {e}")))
}

/// The pacing accepted: from a thousandth of real time to a million times faster.
const MIN_SPEEDUP: f64 = 1e-3;
const MAX_SPEEDUP: f64 = 1e6;
/// The longest wall-clock bound per replication (about 116 days).
const MAX_WALL_S: f64 = 1e7;
/// The latest `--start-at` accepted (Unix seconds; the year 5138).
const MAX_START_AT: f64 = 1e11;
/// The largest --max-lag-ms: a minute.
const MAX_LAG_MS: f64 = 60_000.0;

/// Seconds from now to Unix time `t` (0 when it is past or not given).
fn wait_s(t: Option<f64>) -> f64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64());
    t.map_or(0.0, |t| (t - now).max(0.0))
}

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
    use d11sim::service::client::{ClientStats, HttpRouter, Pacing};
    use d11sim::service::gate::Threshold;
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, Instant};
    // the wall-clock bound counts from here, whatever the run waits for
    let command_start = Instant::now();
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
    if !(args.max_lag_ms.is_finite() && args.max_lag_ms > 0.0 && args.max_lag_ms <= MAX_LAG_MS) {
        return Err(Failure::BadInput(format!(
            "--max-lag-ms must lie in (0, {MAX_LAG_MS}], got {}",
            d11sim::input::number(args.max_lag_ms)
        )));
    }
    if let Some(t) = args.start_at
        && !(t.is_finite() && (0.0..=MAX_START_AT).contains(&t))
    {
        return Err(Failure::BadInput(format!(
            "--start-at is a Unix time in seconds, 0..={MAX_START_AT:.0e}, got {}",
            d11sim::input::number(t)
        )));
    }
    let plans = load(args.scenario.as_ref())?;
    if let Some(out) = &args.out {
        crate::check_out(out)?;
    }
    let sc = &plans[0].scenario;
    // gates are judged after the run; a bad one is refused before it
    for t in &args.threshold {
        Threshold::parse(t, &sc.calendar).map_err(Failure::BadInput)?;
    }
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
    // the default bound also covers the wait for --start-at; a given one counts from the
    // command's start whatever the run waits for
    let waits = if args.max_wall_s.is_none() {
        wait_s(args.start_at)
    } else {
        0.0
    };
    if let (Some(t), Some(k), Some(_)) = (args.start_at, args.speedup, args.max_wall_s) {
        // the last replication's plan must start within its bound, or nothing would be sent
        let gap = sc.horizon.as_secs_f64() / k + 10.0;
        let last = replications.saturating_sub(1) as f64;
        let away = wait_s(Some(t + last * gap));
        let bound = replications as f64 * max_wall;
        if away >= bound {
            return Err(Failure::BadInput(format!(
                "--start-at puts the last replication's start {away:.0} s from now, past the \
                 wall-clock bound of {bound:.0} s ({replications} x --max-wall-s {max_wall}); \
                 raise --max-wall-s or start sooner"
            )));
        }
    }
    // replication i ends by (i + 1) x the bound from the command's start
    let limits_for = |i: u64| d11sim::service::client::Limits {
        max_requests: args.max_requests,
        deadline: command_start + Duration::from_secs_f64(waits + max_wall * (i + 1) as f64),
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
            let mut plan = match d11sim::service::load::plan(sc, args.seed, i) {
                Ok(plan) => plan,
                Err(e) if i == 0 => return Err(Failure::Exhausted(e.to_string())),
                Err(e) => {
                    stopped = Some(e.to_string());
                    break;
                }
            };
            if let Some(spec) = args.shard {
                // generator I of N sends every N-th request, so all send over the whole day
                let mut k = 0u64;
                plan.retain(|_| {
                    k += 1;
                    (k - 1) % spec.count == spec.index
                });
            }
            let generator = d11sim::service::load::Generator {
                reset: args.shard.is_none_or(|s| s.index == 0),
                start: args.start_at.map(|t| {
                    let gap = sc.horizon.as_secs_f64() / speedup + 10.0;
                    std::time::UNIX_EPOCH + Duration::from_secs_f64(t + i as f64 * gap)
                }),
            };
            match d11sim::service::load::run(
                addr,
                sc.agents(),
                &plan,
                speedup,
                window,
                args.connections as usize,
                timeout,
                limits_for(i),
                generator,
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
            .limited(limits_for(i))
            .observed(observer(i))
            .windowed(window);
        if let Some(speedup) = args.speedup {
            router = router.paced(Pacing {
                start: Instant::now() + Duration::from_millis(20),
                speedup,
                window,
            });
        }
        match d11sim::model::run_with_router(sc, args.seed, i, Box::new(router)) {
            Ok(r) => reps.push(r),
            Err(e) if i == 0 => return Err(Failure::Exhausted(e.to_string())),
            Err(e) => {
                stopped = Some(e.to_string());
                break;
            }
        }
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
    let judging = Judging {
        target: args.target.clone(),
        policy: service_policy(addr, timeout),
        open_loop: args.open_loop,
        speedup: args.speedup,
        connections: args.connections,
        replications,
        seed: args.seed,
        timeout_ms: args.timeout_ms,
        window_min: args.window_min,
        thresholds: args.threshold.clone(),
        max_lag_ms: args.max_lag_ms,
        min_achieved: args.min_achieved,
        max_requests: args.max_requests,
        max_wall_s: max_wall,
    };
    if let (Some(spec), Some(out)) = (args.shard, &args.out) {
        let shard = super::bench_shard::Shard {
            plans: &plans,
            scenario: args.scenario.as_ref(),
            spec,
        };
        return super::bench_shard::write(out, &shard, &judging, &per_rep, stopped);
    }
    finish(
        &judging,
        sc,
        &per_rep,
        results.as_ref(),
        stopped,
        args.out.as_deref(),
    )
}
