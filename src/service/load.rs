//! Open-loop load: the scenario's routing requests, recorded from an in-process run and
//! serialised before the clock starts, sent at their intended wall-clock times over several
//! keep-alive connections from one thread. The service's answers are not fed back (that is
//! what the in-the-loop modes do); this mode measures how fast a service answers at rates
//! one sequential decision stream cannot reach.

use std::cell::{Cell, RefCell};
use std::net::SocketAddr;
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use super::client::{ClientStats, Window};
use super::protocol::{AgentUpdate, Reset, RouteRequest, RouteResponse};
use crate::class::Class;
use crate::engine::SimTime;
use crate::model::{Exhausted, run_with_router};
use crate::routing::{AgentId, AgentSnapshot, Router};
use crate::scenario::Scenario;

/// One request of the plan.
#[derive(Clone, Debug)]
pub struct Planned {
    /// Scenario time it is due.
    pub at: SimTime,
    /// The serialised `POST /v1/route` body.
    pub body: Bytes,
}

struct Recorder {
    inner: Box<dyn Router>,
    pending: Vec<AgentUpdate>,
    plan: Arc<Mutex<Vec<Planned>>>,
}

impl Router for Recorder {
    fn name(&self) -> &str {
        "recorder"
    }
    fn agent_changed(&mut self, agent: AgentId, snapshot: &AgentSnapshot, now: SimTime) {
        self.pending.push(AgentUpdate::new(agent, snapshot, now));
        self.inner.agent_changed(agent, snapshot, now);
    }
    fn route(&mut self, class: Class, now: SimTime) -> Option<AgentId> {
        let req = RouteRequest {
            updates: std::mem::take(&mut self.pending),
            class,
            t_us: now.as_micros(),
        };
        let body = Bytes::from(serde_json::to_vec(&req).expect("plain data serialises"));
        self.plan
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(Planned { at: now, body });
        self.inner.route(class, now)
    }
}

/// The routing requests of replication `index` of `sc`, in order, from an in-process run
/// with the scenario's own policy (its decisions shape the agent updates), or why the
/// replication stopped at its memory budget.
pub fn plan(sc: &Scenario, seed: u64, index: u64) -> Result<Vec<Planned>, Exhausted> {
    let plan = Arc::new(Mutex::new(Vec::new()));
    let recorder = Recorder {
        inner: sc.routing.policy.build(sc.agents()),
        pending: Vec::new(),
        plan: Arc::clone(&plan),
    };
    run_with_router(sc, seed, index, Box::new(recorder))?;
    let mut v = std::mem::take(
        &mut *plan
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner),
    );
    v.sort_by_key(|p| p.at);
    Ok(v)
}

/// One load generator among several sending a plan's requests side by side.
#[derive(Clone, Copy, Debug)]
pub struct Generator {
    /// Resets the target before sending (one generator does; the others must not wipe
    /// the state it set up).
    pub reset: bool,
    /// When the plan's time zero is due (all generators agree on it); `None`: just after
    /// connecting.
    pub start: Option<std::time::SystemTime>,
}

impl Default for Generator {
    fn default() -> Self {
        Generator {
            reset: true,
            start: None,
        }
    }
}

/// Sends `plan` to `addr` over `connections` connections, each request due at its scenario
/// time divided by `speedup`; latency per `window` of scenario time, as in the paced mode.
/// `observer` is called with the scenario time of each request as it is sent.
#[allow(clippy::too_many_arguments)]
pub fn run(
    addr: SocketAddr,
    agents: usize,
    plan: &[Planned],
    speedup: f64,
    window: SimTime,
    connections: usize,
    timeout: Duration,
    limits: super::client::Limits,
    generator: Generator,
    observer: Box<dyn Fn(SimTime)>,
) -> Result<ClientStats, String> {
    let observer: Rc<dyn Fn(SimTime)> = Rc::from(observer);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the load runtime: {e}"))?;
    rt.block_on(async move {
        let sendable = plan.len().min(limits.max_requests as usize);
        let capped_by_count = (plan.len() - sendable) as u64;
        let plan: Rc<Vec<Planned>> = Rc::new(plan[..sendable].to_vec());
        let open = move || async move {
            let stream = TcpStream::connect(addr)
                .await
                .map_err(|e| format!("{addr}: connect: {e}"))?;
            let _ = stream.set_nodelay(true);
            let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
                .await
                .map_err(|e| format!("{addr}: handshake: {e}"))?;
            tokio::spawn(async move {
                let _ = conn.await;
            });
            Ok::<_, String>(sender)
        };
        let host = addr.to_string();
        let post = move |mut s: hyper::client::conn::http1::SendRequest<Full<Bytes>>,
                         path: &'static str,
                         body: Bytes| {
            let host = host.clone();
            async move {
                let req = Request::builder()
                    .method(Method::POST)
                    .uri(path)
                    .header("host", host)
                    .header("content-type", "application/json")
                    .body(Full::new(body))
                    .map_err(|e| e.to_string())?;
                let resp = s
                    .send_request(req)
                    .await
                    .map_err(|e| format!("connection: {e}"))?;
                let status = resp.status();
                let bytes =
                    http_body_util::Limited::new(resp.into_body(), super::client::MAX_REPLY)
                        .collect()
                        .await
                        .map_err(|e| format!("connection: reply body: {e}"))?
                        .to_bytes();
                if status != StatusCode::OK {
                    return Err(format!(
                        "error reply: {status}: {}",
                        String::from_utf8_lossy(&bytes)
                    ));
                }
                Ok::<_, String>((s, bytes))
            }
        };
        let reset = Bytes::from(
            serde_json::to_vec(&Reset {
                agents: agents as u32,
            })
            .map_err(|e| e.to_string())?,
        );
        let mut first = open().await?;
        if generator.reset {
            first = match tokio::time::timeout(timeout, post(first, "/v1/reset", reset)).await {
                Ok(r) => {
                    r.map_err(|e| format!("{addr}: POST /v1/reset failed: {e}"))?
                        .0
                }
                Err(_) => {
                    return Err(format!(
                        "{addr}: POST /v1/reset failed: no answer within {} ms",
                        timeout.as_millis()
                    ));
                }
            };
        }
        let mut senders = vec![first];
        for _ in 1..connections {
            senders.push(open().await?);
        }
        let stats = Rc::new(RefCell::new(ClientStats::default()));
        let next = Rc::new(Cell::new(0usize));
        let soon = Instant::now() + Duration::from_millis(20);
        let start = generator
            .start
            .and_then(|t| t.duration_since(std::time::SystemTime::now()).ok())
            .map_or(soon, |wait| (Instant::now() + wait).max(soon));
        let timeout_us = timeout.as_micros() as u64;
        let local = tokio::task::LocalSet::new();
        for sender in senders {
            let (stats, next, post, plan, observer) = (
                Rc::clone(&stats),
                Rc::clone(&next),
                post.clone(),
                Rc::clone(&plan),
                Rc::clone(&observer),
            );
            local.spawn_local(async move {
                let mut sender = Some(sender);
                let mut free_since = start;
                loop {
                    let i = next.get();
                    if i >= plan.len() {
                        break;
                    }
                    let due = start + Duration::from_secs_f64(plan[i].at.as_secs_f64() / speedup);
                    if Instant::now() >= limits.deadline || due >= limits.deadline {
                        // past the time bound, or due past it: the rest is not sent
                        stats.borrow_mut().capped += (plan.len() - i) as u64;
                        next.set(plan.len());
                        break;
                    }
                    next.set(i + 1);
                    let p = &plan[i];
                    // sleep while far ahead (the timer wheel ticks in ms), then yield-spin
                    loop {
                        let now = Instant::now();
                        if now >= due {
                            break;
                        }
                        if due - now > Duration::from_millis(3) {
                            tokio::time::sleep(due - now - Duration::from_millis(2)).await;
                        } else {
                            tokio::task::yield_now().await;
                        }
                    }
                    observer(p.at);
                    let sent = Instant::now();
                    let conn = match sender.take() {
                        Some(s) if s.is_ready() => Ok(s),
                        _ => open().await,
                    };
                    let outcome = match conn {
                        Ok(s) => match tokio::time::timeout(
                            timeout,
                            post(s, "/v1/route", p.body.clone()),
                        )
                        .await
                        {
                            Ok(Ok((s, bytes))) => {
                                sender = Some(s);
                                // every answer is read and checked, as in the closed loop
                                match serde_json::from_slice::<RouteResponse>(&bytes) {
                                    Ok(r) if r.agent.is_none_or(|a| (a as usize) < agents) => {
                                        Ok(())
                                    }
                                    Ok(r) => Err((
                                        false,
                                        format!("invalid answer: agent {:?} of {agents}", r.agent),
                                    )),
                                    Err(e) => Err((false, format!("invalid answer: {e}"))),
                                }
                            }
                            Ok(Err(e)) => Err((e.starts_with("connection"), e)),
                            Err(_) => Err((false, format!("timeout after {timeout_us} µs"))),
                        },
                        Err(e) => Err((true, e)),
                    };
                    let end = Instant::now();
                    let mut s = stats.borrow_mut();
                    s.requests += 1;
                    let uncorrected = match &outcome {
                        Ok(()) => ((end - sent).as_micros() as u64).max(1),
                        Err(_) => timeout_us.max(1),
                    };
                    let corrected =
                        sent.saturating_duration_since(due).as_micros() as u64 + uncorrected;
                    let lag = sent
                        .saturating_duration_since(due.max(free_since))
                        .as_micros() as u64;
                    s.lag_us.saturating_record(lag.max(1));
                    s.latency_us.saturating_record(corrected);
                    s.uncorrected_us.saturating_record(uncorrected);
                    let k = (p.at.as_micros() / window.as_micros().max(1)) as usize;
                    if s.windows.len() <= k {
                        s.windows.resize_with(k + 1, Window::default);
                    }
                    let failed = outcome.is_err();
                    {
                        let w = &mut s.windows[k];
                        w.requests += 1;
                        w.failures += u64::from(failed);
                        w.corrected_us.saturating_record(corrected);
                        w.uncorrected_us.saturating_record(uncorrected);
                    }
                    if let Err((reset, e)) = outcome {
                        if e.starts_with("invalid") {
                            s.invalid += 1;
                        } else if e.starts_with("timeout") {
                            s.timeouts += 1;
                        } else if reset {
                            s.resets += 1;
                        } else {
                            s.errors += 1;
                        }
                        s.first_error.get_or_insert(e);
                    }
                    s.wall = s.wall.max(end.saturating_duration_since(start));
                    free_since = end;
                }
            });
        }
        local.await;
        let mut s = stats.borrow().clone();
        s.capped += capped_by_count;
        Ok(s)
    })
}
