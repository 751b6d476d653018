//! Routers as services on loopback: the reference server speaks the protocol, the
//! simulation with the service in the loop equals the in-process run, failures are counted
//! at the timeout value, the latency log round-trips, and non-loopback targets are refused.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};

use crate::common;

/// `d11sim router serve` on a free loopback port; killed on drop.
struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(policy: &str) -> Server {
    let mut command = Command::new(env!("CARGO_BIN_EXE_d11sim"));
    command.args([
        "router",
        "serve",
        "--policy",
        policy,
        "--addr",
        "127.0.0.1:0",
    ]);
    start(command)
}

/// Starts a server command and reads the address it prints.
fn start(mut command: Command) -> Server {
    let mut child = command.stdout(Stdio::piped()).spawn().unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .split("http://")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .parse()
        .unwrap();
    Server { child, addr }
}

/// One request with hyper's client; (status, JSON body).
fn call(addr: SocketAddr, method: &str, path: &str, body: &str) -> (StatusCode, Value) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        let (mut send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .unwrap();
        tokio::spawn(conn);
        let req = Request::builder()
            .method(method)
            .uri(path)
            .header("host", addr.to_string())
            .body(Full::new(Bytes::from(body.to_string())))
            .unwrap();
        let resp = send.send_request(req).await.unwrap();
        let status = resp.status();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    })
}

fn update(agent: u32, load: u16, cap: u16, skills: &[&str], release_us: u64) -> Value {
    json!({"agent": agent, "available": load < cap, "load": load, "cap": cap,
           "skills": skills, "last_release_us": release_us, "last_assign_us": 0, "t_us": 10})
}

#[test]
fn the_reference_server_speaks_the_protocol() {
    let s = serve("least-loaded");
    let (st, v) = call(s.addr, "GET", "/v1/health", "");
    assert_eq!(
        (st, v["policy"].as_str()),
        (StatusCode::OK, Some("least_loaded"))
    );
    // a route before a run is a conflict, with the reason
    let (st, v) = call(
        s.addr,
        "POST",
        "/v1/route",
        r#"{"class":"pre_sale","t_us":0}"#,
    );
    assert_eq!(st, StatusCode::CONFLICT);
    assert!(v["error"].as_str().unwrap().contains("reset"), "{v}");
    let (st, _) = call(s.addr, "POST", "/v1/reset", r#"{"agents":3}"#);
    assert_eq!(st, StatusCode::OK);
    // agent 0: 2 chats; agent 1: 1 chat; agent 2: idle but after-sale only
    let body = json!({"updates": [update(0, 2, 6, &["pre_sale", "in_sale", "after_sale"], 5),
                                  update(1, 1, 6, &["pre_sale", "in_sale", "after_sale"], 7),
                                  update(2, 0, 6, &["after_sale"], 1)],
                      "class": "pre_sale", "t_us": 20});
    let (st, v) = call(s.addr, "POST", "/v1/route", &body.to_string());
    assert_eq!((st, v["agent"].as_u64()), (StatusCode::OK, Some(1)), "{v}");
    let (_, v) = call(
        s.addr,
        "POST",
        "/v1/route",
        r#"{"class":"after_sale","t_us":30}"#,
    );
    assert_eq!(v["agent"].as_u64(), Some(2), "the idle after-sale agent");
    // everyone full: wait
    let full =
        json!({"updates": [update(0, 6, 6, &["pre_sale"], 5), update(1, 6, 6, &["pre_sale"], 7)]});
    assert_eq!(
        call(s.addr, "POST", "/v1/updates", &full.to_string()).0,
        StatusCode::OK
    );
    let (_, v) = call(
        s.addr,
        "POST",
        "/v1/route",
        r#"{"class":"pre_sale","t_us":40}"#,
    );
    assert!(v["agent"].is_null(), "{v}");
    // bad input is refused with a reason; unknown paths and methods too
    let (st, v) = call(s.addr, "POST", "/v1/route", r#"{"class":"vip","t_us":0}"#);
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert!(v["error"].as_str().unwrap().contains("vip"), "{v}");
    let bad_agent = json!({"updates": [update(9, 0, 6, &["pre_sale"], 0)]});
    assert_eq!(
        call(s.addr, "POST", "/v1/updates", &bad_agent.to_string()).0,
        StatusCode::CONFLICT
    );
    assert_eq!(
        call(s.addr, "GET", "/v2/route", "").0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        call(s.addr, "GET", "/v1/route", "").0,
        StatusCode::METHOD_NOT_ALLOWED
    );
    let (_, v) = call(s.addr, "GET", "/v1/health", "");
    assert_eq!(v["decisions"].as_u64(), Some(3));
}

#[test]
fn the_reference_server_honours_routing_tiers_and_soft_caps() {
    let s = serve("least-loaded");
    call(s.addr, "POST", "/v1/reset", r#"{"agents":2}"#);
    let all = ["pre_sale", "in_sale", "after_sale"];
    // agent 0: a veteran with 3 chats, soft cap 4; agent 1: an idle overflow temp
    let with = |u: Value, extra: Value| {
        let mut u = u;
        u.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        u
    };
    let veteran = |load| {
        with(
            update(0, load, 15, &all, 5),
            json!({"tier": 0, "soft_cap": 4}),
        )
    };
    let temp = with(
        update(1, 0, 6, &all, 1),
        json!({"group": 1, "tier": 1, "weight": 0.5}),
    );
    let body = json!({"updates": [veteran(3), temp], "class": "pre_sale", "t_us": 20});
    let (st, v) = call(s.addr, "POST", "/v1/route", &body.to_string());
    assert_eq!((st, v["agent"].as_u64()), (StatusCode::OK, Some(0)), "{v}");
    // at its soft cap the veteran gives way to the overflow tier
    let body = json!({"updates": [veteran(4)], "class": "pre_sale", "t_us": 30});
    let (_, v) = call(s.addr, "POST", "/v1/route", &body.to_string());
    assert_eq!(v["agent"].as_u64(), Some(1), "{v}");
}

/// The small store cut to its first two hours (a few dozen conversations).
fn short_scenario(dir: &std::path::Path) -> String {
    let text = std::fs::read_to_string(common::root().join("scenarios/small_store.toml"))
        .unwrap()
        .replace("end = \"11-12 00:00\"", "end = \"11-10 20:00\"");
    std::fs::write(dir.join("short.toml"), text).unwrap();
    "short.toml".into()
}

#[test]
fn the_simulation_with_the_service_in_the_loop_equals_the_in_process_run() {
    let dir = common::temp_dir("bench_virtual");
    let scenario = common::root().join("scenarios/small_store.toml");
    let scenario = scenario.to_str().unwrap();
    for policy in ["least_loaded", "longest_idle"] {
        let s = serve(policy);
        // run both through a copy of the scenario that names this policy
        let text = std::fs::read_to_string(scenario).unwrap();
        assert!(!text.contains("[routing]"));
        let text = format!("{text}\n[routing]\npolicy = \"{policy}\"\n");
        let file = dir.join(format!("{policy}.toml"));
        std::fs::write(&file, text).unwrap();
        let target = format!("http://{}", s.addr);
        let o = common::d11sim(
            &[
                "bench",
                file.to_str().unwrap(),
                "--target",
                &target,
                "--virtual",
                "-r",
                "2",
                "--out",
                policy,
            ],
            &dir,
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let local = format!("{policy}_local");
        let o = common::d11sim(
            &[
                "run",
                file.to_str().unwrap(),
                "-r",
                "2",
                "--quiet",
                "--out",
                &local,
            ],
            &dir,
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let a: Value =
            serde_json::from_slice(&std::fs::read(dir.join(policy).join("summary.json")).unwrap())
                .unwrap();
        let b: Value =
            serde_json::from_slice(&std::fs::read(dir.join(&local).join("summary.json")).unwrap())
                .unwrap();
        assert_eq!(
            a["kpis"], b["kpis"],
            "{policy}: the service decided differently"
        );
        let bench: Value =
            serde_json::from_slice(&std::fs::read(dir.join(policy).join("bench.json")).unwrap())
                .unwrap();
        assert!(bench["requests"].as_u64().unwrap() > 1000, "{bench}");
        // the file says what made it, against what, and what the service said it runs
        assert_eq!(bench["tool"], "d11sim");
        assert_eq!(bench["schema_version"], 1);
        assert!(
            bench["version"].is_string() && bench["scenario"].is_string(),
            "{bench}"
        );
        assert_eq!(bench["service_policy"], policy, "{bench}");
        for k in ["timeouts", "resets", "errors", "invalid_answers"] {
            assert_eq!(bench[k], 0, "{k}: {bench}");
        }
        // the latency log round-trips through the hdrhistogram crate: one interval per
        // replication, adding up to the requests
        let log = std::fs::read(dir.join(policy).join("latency.hlog")).unwrap();
        let mut deserializer = hdrhistogram::serialization::Deserializer::new();
        let mut total = 0;
        let mut intervals = 0;
        for item in hdrhistogram::serialization::interval_log::IntervalLogIterator::new(&log) {
            if let Ok(hdrhistogram::serialization::interval_log::LogEntry::Interval(h)) = item {
                let decoded: hdrhistogram::Histogram<u64> = deserializer
                    .deserialize(&mut std::io::Cursor::new(
                        base64::Engine::decode(
                            &base64::engine::general_purpose::STANDARD,
                            h.encoded_histogram(),
                        )
                        .unwrap(),
                    ))
                    .unwrap();
                total += decoded.len();
                intervals += 1;
            }
        }
        assert_eq!(intervals, 2);
        assert_eq!(total, bench["requests"].as_u64().unwrap());
    }
}

/// A misbehaving service on loopback: every route answer takes `delay`, or fails with 500,
/// or (with `stall_at`) only that route request stalls for `delay`.
fn bad_server(delay: Duration, fail: bool, stall_at: Option<usize>) -> SocketAddr {
    let seen = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            loop {
                let (stream, _) = listener.accept().await.unwrap();
                let seen = seen.clone();
                tokio::spawn(async move {
                    let svc =
                        hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
                            let seen = seen.clone();
                            async move {
                                let reset = req.uri().path() == "/v1/reset";
                                let _ = req.into_body().collect().await;
                                if !reset {
                                    let n = seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                                    if stall_at.is_none_or(|at| at == n) {
                                        tokio::time::sleep(delay).await;
                                    }
                                }
                                let (status, body) = if reset {
                                    (
                                        StatusCode::OK,
                                        r#"{"policy":"test","agents":0,"decisions":0}"#,
                                    )
                                } else if fail {
                                    (
                                        StatusCode::INTERNAL_SERVER_ERROR,
                                        r#"{"error":"broken on purpose"}"#,
                                    )
                                } else {
                                    (StatusCode::OK, r#"{"agent":null}"#)
                                };
                                Ok::<_, std::convert::Infallible>(
                                    Response::builder()
                                        .status(status)
                                        .body(Full::new(Bytes::from(body)))
                                        .unwrap(),
                                )
                            }
                        });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), svc)
                        .await;
                });
            }
        });
    });
    rx.recv().unwrap()
}

#[test]
fn timeouts_and_error_replies_are_counted_at_the_timeout_value() {
    let dir = common::temp_dir("bench_failures");
    let scenario = short_scenario(&dir);
    for (name, delay, fail) in [
        ("slow", Duration::from_millis(300), false),
        ("broken", Duration::ZERO, true),
    ] {
        let addr = bad_server(delay, fail, None);
        let target = format!("http://{addr}");
        let o = common::d11sim(
            &[
                "bench",
                &scenario,
                "--target",
                &target,
                "--virtual",
                "-r",
                "1",
                "--timeout-ms",
                "40",
                "--out",
                name,
            ],
            &dir,
        );
        // every request failed: the outputs are written and the run is invalid (exit 4)
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(4), "{name}: {err}");
        assert!(err.contains("failing service"), "{name}: {err}");
        let bench: Value =
            serde_json::from_slice(&std::fs::read(dir.join(name).join("bench.json")).unwrap())
                .unwrap();
        assert_eq!(bench["valid"], false, "{bench}");
        let requests = bench["requests"].as_u64().unwrap();
        assert!(requests > 5, "{bench}");
        let counted = if fail {
            &bench["errors"]
        } else {
            &bench["timeouts"]
        };
        assert_eq!(counted.as_u64(), Some(requests), "{name}: {bench}");
        // every failure is recorded at the timeout (40 ms), none dropped
        let p50 = bench["latency_us"]["p50"].as_u64().unwrap();
        assert!((39_900..=40_100).contains(&p50), "{name}: {bench}");
        assert!(bench["first_error"].as_str().is_some(), "{bench}");
    }
}

#[test]
fn targets_and_servers_off_loopback_need_an_explicit_flag() {
    let dir = common::temp_dir("bench_loopback");
    let o = common::d11sim(
        &["bench", "--target", "http://192.0.2.1:8080", "--virtual"],
        &dir,
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--allow-remote"));
    let o = common::d11sim(&["router", "serve", "--addr", "0.0.0.0:0"], &dir);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--allow-remote"));
    let o = common::d11sim(
        &["bench", "--target", "https://127.0.0.1:1", "--virtual"],
        &dir,
    );
    assert_eq!(o.status.code(), Some(2));
    // nothing listening: a clear error, exit 2
    let o = common::d11sim(
        &[
            "bench",
            "--target",
            "http://127.0.0.1:1",
            "--virtual",
            "-r",
            "1",
        ],
        &dir,
    );
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("127.0.0.1:1"), "{stderr}");
    assert!(
        !stderr.contains("Reset(") && stderr.contains("is the routing service running?"),
        "not plain text: {stderr}"
    );
}

/// The small store's first two hours at 20 times the volume (about 1,200 conversations):
/// at --speedup 7200 a one-second paced run of ~1,200 requests per second.
fn busy_scenario(dir: &std::path::Path) -> String {
    let text = std::fs::read_to_string(common::root().join("scenarios/small_store.toml"))
        .unwrap()
        .replace("end = \"11-12 00:00\"", "end = \"11-10 20:00\"")
        .replace("base_per_hour = 20 ", "base_per_hour = 400 ");
    std::fs::write(dir.join("busy.toml"), text).unwrap();
    "busy.toml".into()
}

fn paced(
    dir: &std::path::Path,
    target: &str,
    extra: &[&str],
    out: &str,
) -> (Option<i32>, Value, String) {
    let scenario = busy_scenario(dir);
    let mut args = vec![
        "bench",
        &scenario,
        "--target",
        target,
        "--speedup",
        "7200",
        "--out",
        out,
    ];
    // the tests share two cores with the rest of the suite: a generous lag bound keeps
    // them about what they check (the 1 ms target is measured by benches/service.sh)
    if !extra.contains(&"--max-lag-ms") {
        args.extend(["--max-lag-ms", "200"]);
    }
    args.extend(extra);
    let o = common::d11sim(&args, dir);
    let bench = std::fs::read(dir.join(out).join("bench.json"))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or(Value::Null);
    (
        o.status.code(),
        bench,
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn paced_sends_keep_the_plan_and_gates_set_the_exit_code() {
    let dir = common::temp_dir("bench_paced");
    let s = serve("least_loaded");
    let target = format!("http://{}", s.addr);
    let (code, bench, err) = paced(
        &dir,
        &target,
        &[
            "--threshold",
            "p99<1s",
            "--threshold",
            "p99.9<=2s@18:30-19:30",
            "--threshold",
            "errors<0.1%",
        ],
        "ok",
    );
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(bench["valid"], true);
    // the plan: two hours at 7200x is one second of wall clock, never run ahead
    let wall = bench["wall_s"].as_f64().unwrap();
    assert!((0.95..20.0).contains(&wall), "{bench}");
    let offered = bench["offered_per_s"].as_f64().unwrap();
    assert!(offered > 500.0, "{bench}");
    assert!(
        bench["send_lag_us"]["p99"].as_u64().unwrap() <= 200_000,
        "{bench}"
    );
    assert_eq!(bench["thresholds"].as_array().unwrap().len(), 3);
    assert!(bench["windows"].as_array().unwrap().len() >= 2);
    // a gate missed: exit 3, outputs still written
    let (code, bench, err) = paced(&dir, &target, &["--threshold", "p50<1us"], "gate");
    assert_eq!(code, Some(3), "{err}");
    assert!(err.contains("gate missed: p50<1us"), "{err}");
    assert_eq!(bench["thresholds"][0]["passed"], false);
    // the generator cannot keep a plan to a nanosecond: invalid, exit 4 (before gates)
    let (code, _, err) = paced(
        &dir,
        &target,
        &["--max-lag-ms", "0.0001", "--threshold", "p50<1us"],
        "lag",
    );
    assert_eq!(code, Some(4), "{err}");
    assert!(err.contains("run invalid"), "{err}");
    // bad gates are bad input
    for bad in [
        "p99<5",
        "p200<5ms",
        "median<5ms",
        "p99<5ms@25:00-01:00",
        "errors<5ms",
    ] {
        let (code, _, err) = paced(&dir, &target, &["--threshold", bad], "bad");
        assert_eq!(code, Some(2), "{bad}: {err}");
        assert!(err.contains(bad), "{bad}: {err}");
    }
}

#[test]
fn a_stall_shows_in_the_corrected_percentiles_and_not_in_the_uncorrected() {
    let dir = common::temp_dir("bench_stall");
    // the 200th route request stalls 300 ms: ~360 requests fall due meanwhile
    let addr = bad_server(Duration::from_millis(300), false, Some(200));
    let (code, bench, err) = paced(&dir, &format!("http://{addr}"), &[], "stall");
    assert_eq!(code, Some(0), "{err}");
    let corrected = bench["latency_us"]["p90"].as_u64().unwrap();
    let uncorrected = bench["uncorrected_latency_us"]["p99"].as_u64().unwrap();
    assert!(corrected >= 50_000, "corrected p90 {corrected} µs: {bench}");
    assert!(
        uncorrected < 20_000,
        "uncorrected p99 {uncorrected} µs: {bench}"
    );
    assert!(bench["uncorrected_latency_us"]["max"].as_u64().unwrap() >= 290_000);
    // waiting on the stalled reply is the target's doing, not the generator's lag
    assert_eq!(bench["valid"], true, "{bench}");
}

#[test]
fn open_loop_sends_every_planned_request_over_several_connections() {
    let dir = common::temp_dir("bench_open_loop");
    let s = serve("least_loaded");
    let target = format!("http://{}", s.addr);
    let scenario = busy_scenario(&dir);
    let o = common::d11sim(
        &[
            "bench",
            &scenario,
            "--target",
            &target,
            "--speedup",
            "7200",
            "--open-loop",
            "--connections",
            "4",
            "--max-lag-ms",
            "200",
            "--out",
            "open",
        ],
        &dir,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let bench: Value =
        serde_json::from_slice(&std::fs::read(dir.join("open/bench.json")).unwrap()).unwrap();
    assert_eq!(bench["mode"], "open_loop");
    assert_eq!(bench["connections"], 4);
    // the same requests as the paced mode's in-the-loop run of this scenario and seed
    let paced = common::d11sim(
        &[
            "bench",
            &scenario,
            "--target",
            &target,
            "--speedup",
            "7200",
            "--max-lag-ms",
            "200",
            "--out",
            "paced",
        ],
        &dir,
    );
    assert!(paced.status.success());
    let p: Value =
        serde_json::from_slice(&std::fs::read(dir.join("paced/bench.json")).unwrap()).unwrap();
    assert_eq!(bench["requests"], p["requests"], "{bench}\n{p}");
    for k in ["timeouts", "resets", "errors"] {
        assert_eq!(bench[k], 0, "{k}: {bench}");
    }
    assert_eq!(bench["valid"], true, "{bench}");
    assert!(
        !dir.join("open/summary.json").exists(),
        "no KPIs without the loop"
    );
    // --open-loop needs a pace
    let o = common::d11sim(
        &[
            "bench",
            &scenario,
            "--target",
            &target,
            "--virtual",
            "--open-loop",
        ],
        &dir,
    );
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn harness_flags_are_checked_and_the_wall_bound_counts_from_the_command_start() {
    let dir = common::temp_dir("bench_flags");
    let s = serve("least_loaded");
    let target = format!("http://{}", s.addr);
    let scenario = short_scenario(&dir);
    for lag in ["nan", "0", "-1", "inf", "1e9"] {
        let o = common::d11sim(
            &[
                "bench",
                &scenario,
                "--target",
                &target,
                "--speedup",
                "60",
                &format!("--max-lag-ms={lag}"),
            ],
            &dir,
        );
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "--max-lag-ms {lag}: {err}");
        assert!(err.contains("--max-lag-ms"), "{err}");
    }
    // a start far off is refused at once, not waited for
    let start = std::time::Instant::now();
    let o = common::d11sim(
        &[
            "bench",
            &scenario,
            "--target",
            &target,
            "--speedup",
            "60",
            "--open-loop",
            "--start-at",
            "1e11",
            "--max-wall-s",
            "5",
        ],
        &dir,
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("--start-at") && err.contains("--max-wall-s"),
        "{err}"
    );
    assert!(start.elapsed() < Duration::from_secs(10));
    // a healthy service in virtual time passes a gate, windows and all
    let o = common::d11sim(
        &[
            "bench",
            &scenario,
            "--target",
            &target,
            "--virtual",
            "-r",
            "1",
            "--threshold",
            "errors<0.1%",
            "--threshold",
            "p99<1s",
            "--out",
            "v",
        ],
        &dir,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let bench: Value =
        serde_json::from_slice(&std::fs::read(dir.join("v/bench.json")).unwrap()).unwrap();
    assert_eq!(bench["valid"], true, "{bench}");
    assert_eq!(
        bench["thresholds"].as_array().map(Vec::len),
        Some(2),
        "{bench}"
    );
    assert!(
        bench["windows"].as_array().is_some_and(|w| !w.is_empty()),
        "{bench}"
    );
}

#[test]
fn request_loops_are_bounded_in_count_and_time() {
    let dir = common::temp_dir("bench_bounds");
    let s = serve("least_loaded");
    let target = format!("http://{}", s.addr);
    let scenario = short_scenario(&dir);
    for (bound, value, mode) in [
        ("--max-requests", "10", vec!["--virtual", "-r", "1"]),
        ("--max-wall-s", "0.3", vec!["--speedup", "60"]),
    ] {
        let mut args = vec![
            "bench", &scenario, "--target", &target, bound, value, "--out", "b",
        ];
        args.extend(mode.iter().copied());
        let start = std::time::Instant::now();
        let o = common::d11sim(&args, &dir);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(4), "{bound}: {err}");
        assert!(err.contains("were not sent"), "{bound}: {err}");
        // two hours at 60x would take two minutes; the bound stops sending at 0.3 s
        assert!(start.elapsed() < Duration::from_secs(30), "{bound}");
        let bench: Value =
            serde_json::from_slice(&std::fs::read(dir.join("b/bench.json")).unwrap()).unwrap();
        assert!(bench["not_sent_at_bounds"].as_u64().unwrap() > 0, "{bench}");
        assert_eq!(bench["valid"], false);
    }
}

/// Raises this process's open-file limit towards its hard limit (for the client side of a
/// connection flood); the limit now in force.
fn raise_fd_limit() -> u64 {
    // SAFETY: getrlimit/setrlimit read and write a plain struct owned here.
    unsafe {
        let mut l = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut l) != 0 {
            return 0;
        }
        l.rlim_cur = l.rlim_max.min(16_384);
        libc::setrlimit(libc::RLIMIT_NOFILE, &l);
        libc::getrlimit(libc::RLIMIT_NOFILE, &mut l);
        #[allow(clippy::unnecessary_cast)] // rlim_t is not u64 on every platform
        let limit = l.rlim_cur as u64;
        limit
    }
}

#[test]
fn under_ulimit_1024_two_thousand_idle_connections_do_not_stop_health() {
    use std::io::{Read, Write};
    let limit = raise_fd_limit();
    if limit < 2_100 {
        eprintln!(
            "note: this process may open only {limit} files (hard limit); the flood of 2,000 \
             connections needs 2,100: skipped"
        );
        return;
    }
    let mut command = Command::new("bash");
    command
        .args([
            "-c",
            &format!(
                "ulimit -n 1024 && exec {} router serve --addr 127.0.0.1:0",
                env!("CARGO_BIN_EXE_d11sim")
            ),
        ])
        .stderr(Stdio::null());
    let server = start(command);
    let addr = server.addr;
    // idle connections, each holding half a request, more than the server's descriptors
    let mut idle = Vec::new();
    for _ in 0..2000 {
        match std::net::TcpStream::connect(addr) {
            Ok(mut s) => {
                let _ = s.write_all(b"POST /v1/route HTTP/1.1\r\nHost: x\r\nContent-Le");
                idle.push(s);
            }
            Err(_) => break,
        }
    }
    assert!(idle.len() >= 1500, "only {} connections opened", idle.len());
    std::thread::sleep(Duration::from_millis(300));
    let clock = std::time::Instant::now();
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(b"GET /v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut reply = String::new();
    let _ = s.read_to_string(&mut reply);
    let took = clock.elapsed();
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply:?}");
    assert!(took < Duration::from_secs(1), "health took {took:?}");
    // a body larger than the limit is refused from its declared length, unread
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(b"POST /v1/route HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n")
        .unwrap();
    let mut head = [0u8; 12];
    s.read_exact(&mut head).unwrap();
    assert_eq!(&head, b"HTTP/1.1 413");
    drop(idle);
    drop(server);
}

#[test]
fn silent_clients_with_declared_bodies_hold_no_budget_and_are_cut_at_the_body_deadline() {
    use std::io::{Read, Write};
    let server = serve("least_loaded");
    let addr = server.addr;
    // 64 clients declare the largest body, send one byte and go silent: 64 x 16 MiB is
    // four times the server's body budget, were it reserved by declared length
    let mut silent = Vec::new();
    for _ in 0..64 {
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        s.write_all(
            format!(
                "POST /v1/route HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n{{",
                16 << 20
            )
            .as_bytes(),
        )
        .unwrap();
        silent.push(s);
    }
    std::thread::sleep(Duration::from_millis(300));
    // a request with a body is answered at once, not after a wait for budget
    let clock = std::time::Instant::now();
    let (status, body) = call(addr, "POST", "/v1/reset", r#"{"agents": 2}"#);
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        clock.elapsed() < Duration::from_secs(2),
        "{:?}",
        clock.elapsed()
    );
    // each silent client gets 408 at the body deadline and its connection is closed
    let clock = std::time::Instant::now();
    let mut s = silent.pop().unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut reply = String::new();
    let _ = s.read_to_string(&mut reply);
    assert!(reply.starts_with("HTTP/1.1 408"), "{reply:?}");
    assert!(
        clock.elapsed() < Duration::from_secs(12),
        "{:?}",
        clock.elapsed()
    );
    drop(silent);
    drop(server);
}

/// How the faulty target misbehaves on `POST /v1/route` (resets answer normally).
#[derive(Clone, Copy, PartialEq)]
enum Fault {
    /// `200` with a body that is not JSON.
    InvalidJson,
    /// `503`.
    ServerError,
    /// A `200` whose chunked body never ends.
    EndlessBody,
    /// After this many route requests, stops listening and closes every connection.
    DiesAfter(usize),
}

/// A routing target that answers resets and health, then misbehaves by `fault`; it runs
/// on its own threads until the test ends.
fn faulty(fault: Fault) -> SocketAddr {
    use std::io::{Read, Write};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let routed = Arc::new(AtomicUsize::new(0));
    let dead = Arc::new(AtomicBool::new(false));
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            if dead.load(Ordering::SeqCst) {
                return; // the listener is dropped: connections are refused
            }
            let Ok(mut s) = stream else { continue };
            let (routed, dead) = (Arc::clone(&routed), Arc::clone(&dead));
            std::thread::spawn(move || {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 65536];
                loop {
                    // one request: headers, then Content-Length bytes of body
                    let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
                        match s.read(&mut chunk) {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                        continue;
                    };
                    let head = String::from_utf8_lossy(&buf[..end]).to_lowercase();
                    let len: usize = head
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length:"))
                        .and_then(|v| v.trim().parse().ok())
                        .unwrap_or(0);
                    while buf.len() < end + 4 + len {
                        match s.read(&mut chunk) {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    }
                    buf.drain(..end + 4 + len);
                    let reply = |s: &mut std::net::TcpStream, status: &str, body: &str| {
                        let _ = s.write_all(
                            format!(
                                "HTTP/1.1 {status}\r\ncontent-type: application/json\r\n\
                                 content-length: {}\r\n\r\n{body}",
                                body.len()
                            )
                            .as_bytes(),
                        );
                    };
                    if !head.starts_with("post /v1/route") {
                        reply(
                            &mut s,
                            "200 OK",
                            r#"{"policy":"faulty","agents":0,"decisions":0}"#,
                        );
                        continue;
                    }
                    let n = routed.fetch_add(1, Ordering::SeqCst);
                    match fault {
                        Fault::InvalidJson => reply(&mut s, "200 OK", "agent seven"),
                        Fault::ServerError => reply(&mut s, "503 Service Unavailable", "{}"),
                        Fault::EndlessBody => {
                            let _ = s.write_all(
                                b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n",
                            );
                            let piece = format!("10000\r\n{}\r\n", "x".repeat(0x10000));
                            while s.write_all(piece.as_bytes()).is_ok() {}
                            return;
                        }
                        Fault::DiesAfter(k) if n >= k => {
                            dead.store(true, Ordering::SeqCst);
                            // wake the accept loop so it drops the listener
                            let _ = std::net::TcpStream::connect(addr);
                            return;
                        }
                        Fault::DiesAfter(_) => reply(&mut s, "200 OK", r#"{"agent":null}"#),
                    }
                }
            });
        }
    });
    addr
}

fn bench_against(dir: &Path, addr: SocketAddr, extra: &[&str]) -> (Option<i32>, Value, String) {
    let scenario = short_scenario(dir);
    let target = format!("http://{addr}");
    let mut args = vec![
        "bench",
        scenario.as_str(),
        "--target",
        &target,
        "--timeout-ms",
        "2000",
        "--out",
        "out",
    ];
    args.extend(extra);
    let o = common::d11sim(&args, dir);
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    let json = std::fs::read(dir.join("out/bench.json"))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or(Value::Null);
    (o.status.code(), json, stderr)
}

#[test]
fn the_harness_counts_every_bad_answer_and_never_calls_a_dead_target_valid() {
    // every loop reads every answer: invalid JSON and 5xx are failures, not successes,
    // each under one counter whatever the loop, and a run of them is invalid in each
    let open = ["--speedup", "3600", "--open-loop", "--connections", "2"];
    let virtual_time = ["--virtual", "-r", "1", "--threshold", "errors<0.1%"];
    for (fault, key) in [
        (Fault::InvalidJson, "invalid_answers"),
        (Fault::ServerError, "errors"),
    ] {
        for mode in [&open[..], &virtual_time[..]] {
            let dir = common::temp_dir("faulty_loops");
            let (code, json, stderr) = bench_against(&dir, faulty(fault), mode);
            assert_eq!(code, Some(4), "{key} {mode:?}: {stderr}");
            assert_eq!(json["valid"], false, "{key} {mode:?}: {json}");
            let requests = json["requests"].as_u64().unwrap();
            assert!(requests > 0, "{json}");
            assert_eq!(json[key].as_u64(), Some(requests), "{key} {mode:?}: {json}");
            assert_eq!(json["failure_share"].as_f64(), Some(1.0));
            // gates judge virtual runs too
            if mode[0] == "--virtual" {
                assert_eq!(json["thresholds"][0]["passed"], false, "{json}");
            }
        }
    }
    // an endless reply body is cut at the limit, counted, and memory stays bounded
    let dir = common::temp_dir("faulty_endless");
    let (_, json, stderr) =
        bench_against(&dir, faulty(Fault::EndlessBody), &["--virtual", "-r", "1"]);
    assert!(json["resets"].as_u64().unwrap_or(0) > 0, "{json} {stderr}");
    assert!(
        json["first_error"]
            .as_str()
            .unwrap_or("")
            .contains("reply body"),
        "{json}"
    );
    // a target dying mid-run: the run goes on, is invalid (exit 4), and keeps what it took
    let dir = common::temp_dir("faulty_dies");
    let (code, json, stderr) = bench_against(
        &dir,
        faulty(Fault::DiesAfter(50)),
        &["--virtual", "-r", "2"],
    );
    assert_eq!(code, Some(4), "{stderr}");
    assert_eq!(json["valid"], Value::Bool(false), "{json}");
    assert!(json["requests"].as_u64().unwrap() >= 50, "{json}");
    let reasons = json["invalid_reasons"].to_string();
    assert!(
        reasons.contains("stopped answering") || reasons.contains("failed its reset"),
        "{reasons}"
    );
    assert!(stderr.contains("run invalid"), "{stderr}");
}

#[test]
fn paced_runs_keep_their_wall_clock_bound_even_with_sparse_arrivals() {
    let s = serve("least_loaded");
    let dir = common::temp_dir("paced_wall");
    let clock = std::time::Instant::now();
    // at speedup 1 the first arrivals are minutes apart; the bound is 2 s
    let (code, json, stderr) =
        bench_against(&dir, s.addr, &["--speedup", "1", "--max-wall-s", "2"]);
    let took = clock.elapsed();
    assert_eq!(code, Some(4), "{stderr}");
    assert!(took < Duration::from_secs(20), "took {took:?}");
    assert!(json["not_sent_at_bounds"].as_u64().unwrap() > 0, "{json}");
}

#[test]
fn open_loop_generators_share_the_plan_and_merge_adds_their_statistics_exactly() {
    let dir = common::temp_dir("bench_open_loop_shards");
    let s = serve("least_loaded");
    let target = format!("http://{}", s.addr);
    let scenario = busy_scenario(&dir);
    let generator = |extra: &[&str], out: &str| {
        let mut args = vec![
            "bench",
            &scenario,
            "--target",
            &target,
            "--speedup",
            "7200",
            "--open-loop",
            "--connections",
            "2",
            "--max-lag-ms",
            "200",
            "--out",
            out,
        ];
        args.extend_from_slice(extra);
        args.into_iter().map(String::from).collect::<Vec<String>>()
    };
    let whole = common::d11sim(
        &generator(&[], "whole")
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
        &dir,
    );
    assert!(
        whole.status.success(),
        "{}",
        String::from_utf8_lossy(&whole.stderr)
    );
    let whole: Value =
        serde_json::from_slice(&std::fs::read(dir.join("whole/bench.json")).unwrap()).unwrap();
    // three generators side by side, started together
    let at = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
        + 1.5;
    let at = format!("{at:.3}");
    let children: Vec<_> = (0..3)
        .map(|i| {
            let spec = format!("{i}/3");
            let args = generator(&["--shard", &spec, "--start-at", &at], &format!("g{i}"));
            Command::new(env!("CARGO_BIN_EXE_d11sim"))
                .args(&args)
                .current_dir(&dir)
                .output()
                .unwrap()
        })
        .collect::<Vec<_>>();
    for (i, o) in children.iter().enumerate() {
        assert!(
            o.status.success(),
            "generator {i}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    let o = common::d11sim(&["merge", "g2", "g0", "g1", "--out", "merged"], &dir);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let merged: Value =
        serde_json::from_slice(&std::fs::read(dir.join("merged/bench.json")).unwrap()).unwrap();
    // every request of the plan was sent once, by one of the generators
    assert_eq!(merged["requests"], whole["requests"], "{merged}");
    assert_eq!(merged["latency_us"]["count"], whole["requests"]);
    assert_eq!(merged["mode"], "open_loop");
    // the merged histogram is exactly the sum of the generators' (read back on our own)
    let mut sum = d11sim::service::client::ClientStats::default();
    for i in 0..3 {
        let text = std::fs::read_to_string(dir.join(format!("g{i}/stats.jsonl"))).unwrap();
        let s: d11sim::service::client::ClientStats = serde_json::from_str(text.trim()).unwrap();
        assert!(s.requests > 0, "generator {i} sent nothing");
        sum.absorb(&s).unwrap();
    }
    assert_eq!(
        std::fs::read_to_string(dir.join("merged/latency.hgrm")).unwrap(),
        d11sim::output::write_hgrm(&sum.latency_us)
    );
    // the order the shards are named in does not matter
    let o = common::d11sim(&["merge", "g0", "g1", "g2", "--out", "again"], &dir);
    assert!(o.status.success());
    common::assert_same_files(
        &dir.join("merged"),
        &dir.join("again"),
        &["bench.json", "latency.hgrm", "latency.hlog"],
        "depends on the order",
    );
    // a run shard and a bench shard never merge
    let o = common::d11sim(
        &["run", "-r", "1", "--shard", "1/3", "--out", "run1", "-q"],
        &dir,
    );
    assert!(o.status.success());
    let o = common::d11sim(&["merge", "g0", "run1", "g2", "--out", "never"], &dir);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("their kind differs"));
}
