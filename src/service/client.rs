//! A [`Router`] that asks a routing service over the wire protocol: the simulation calls
//! it like an in-process policy (software in the loop). Agent updates are buffered and sent
//! with the next routing request, so each decision costs one round trip.
//!
//! Every request's latency goes into an HdrHistogram (µs). A timeout, a reset connection or
//! an error reply is counted and recorded at the timeout value, never dropped; the
//! conversation then waits, as if the router had said so. An answer naming an agent that is
//! not available or lacks the class is counted as invalid and also treated as "wait".

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::{self, SendRequest};
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use super::protocol::{AgentUpdate, Reset, RouteRequest, RouteResponse};
use crate::class::Class;
use crate::engine::SimTime;
use crate::routing::{AgentId, AgentSnapshot, Router};

fn histogram() -> hdrhistogram::Histogram<u64> {
    hdrhistogram::Histogram::new_with_bounds(1, 3_600_000_000, 3).expect("valid bounds")
}

/// Wall-clock pacing: each routing request is due at `start + t / speedup`, where `t` is
/// the arrival's scenario time.
#[derive(Clone, Copy, Debug)]
pub struct Pacing {
    /// When scenario time zero is due.
    pub start: Instant,
    /// How many times faster than real time the plan runs.
    pub speedup: f64,
    /// Scenario-time window of the per-window histograms.
    pub window: SimTime,
}

/// One window of scenario time, in a paced run.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Window {
    /// Latency from the intended send time, µs (failures: waited + the timeout).
    #[serde(with = "crate::shard::v2_one")]
    pub corrected_us: hdrhistogram::Histogram<u64>,
    /// Latency from the actual send, µs (failures: the timeout).
    #[serde(with = "crate::shard::v2_one")]
    pub uncorrected_us: hdrhistogram::Histogram<u64>,
    /// Requests due in the window.
    pub requests: u64,
    /// Of them, timeouts, resets, error replies and invalid answers.
    pub failures: u64,
}

impl Default for Window {
    fn default() -> Self {
        Window {
            corrected_us: histogram(),
            uncorrected_us: histogram(),
            requests: 0,
            failures: 0,
        }
    }
}

/// The largest reply body read from a routing service: 1 MiB (a route answer is a few
/// dozen bytes; an endless body is cut, not buffered).
pub const MAX_REPLY: usize = 1 << 20;

/// What the client saw.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct ClientStats {
    /// Request latency, µs (timeouts and errors at the timeout value); in a paced run, from
    /// the intended send time.
    #[serde(with = "crate::shard::v2_one")]
    pub latency_us: hdrhistogram::Histogram<u64>,
    /// Paced runs: latency from the actual send, µs.
    #[serde(with = "crate::shard::v2_one")]
    pub uncorrected_us: hdrhistogram::Histogram<u64>,
    /// Paced runs: the generator's own send lag, µs: actual send minus the later of the
    /// intended time and the previous reply (waiting for a slow reply is the target's
    /// doing and shows in the corrected latency instead).
    #[serde(with = "crate::shard::v2_one")]
    pub lag_us: hdrhistogram::Histogram<u64>,
    /// Paced runs: per window of scenario time.
    pub windows: Vec<Window>,
    /// Paced runs: wall-clock time from the plan's start to the last reply.
    pub wall: Duration,
    /// Routing requests sent.
    pub requests: u64,
    /// Answers "wait".
    pub waits: u64,
    /// Requests that timed out.
    pub timeouts: u64,
    /// Connection failures and resets.
    pub resets: u64,
    /// Error replies (status not 200) and unreadable bodies.
    pub errors: u64,
    /// Answers naming an agent that could not take the conversation.
    pub invalid: u64,
    /// The first failure, for the user.
    pub first_error: Option<String>,
    /// Requests not sent because a bound (count or wall-clock time) was reached.
    pub capped: u64,
}

/// Bounds on a run's requests: beyond them nothing more is sent (answers are "wait") and
/// the run is invalid.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Most requests per replication.
    pub max_requests: u64,
    /// No request is sent after this.
    pub deadline: Instant,
}

impl Default for ClientStats {
    fn default() -> Self {
        ClientStats {
            latency_us: histogram(),
            uncorrected_us: histogram(),
            lag_us: histogram(),
            windows: Vec::new(),
            wall: Duration::ZERO,
            requests: 0,
            waits: 0,
            timeouts: 0,
            resets: 0,
            errors: 0,
            invalid: 0,
            first_error: None,
            capped: 0,
        }
    }
}

impl ClientStats {
    /// Adds `other` (another replication, or another load generator's share of the same
    /// one): histograms and counts add exactly, and the first error is this one's if it
    /// has one. The wall clock is left to the caller: replications one after another add
    /// theirs, generators running side by side take the longest.
    pub fn absorb(&mut self, other: &ClientStats) -> Result<(), String> {
        let add = |a: &mut hdrhistogram::Histogram<u64>, b: &hdrhistogram::Histogram<u64>| {
            a.add(b).map_err(|e| e.to_string())
        };
        add(&mut self.latency_us, &other.latency_us)?;
        add(&mut self.uncorrected_us, &other.uncorrected_us)?;
        add(&mut self.lag_us, &other.lag_us)?;
        if self.windows.len() < other.windows.len() {
            self.windows
                .resize_with(other.windows.len(), Window::default);
        }
        for (w, x) in self.windows.iter_mut().zip(&other.windows) {
            add(&mut w.corrected_us, &x.corrected_us)?;
            add(&mut w.uncorrected_us, &x.uncorrected_us)?;
            w.requests += x.requests;
            w.failures += x.failures;
        }
        self.requests += other.requests;
        self.waits += other.waits;
        self.timeouts += other.timeouts;
        self.resets += other.resets;
        self.errors += other.errors;
        self.invalid += other.invalid;
        self.capped += other.capped;
        if self.first_error.is_none() {
            self.first_error.clone_from(&other.first_error);
        }
        Ok(())
    }
}

/// Why a request failed.
#[derive(Debug)]
enum Failed {
    Timeout,
    Reset(String),
    Error(String),
    /// A reply that is not a routing answer (not JSON, or not the protocol's).
    Invalid(String),
}

impl std::fmt::Display for Failed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failed::Timeout => f.write_str("no answer within the timeout"),
            Failed::Reset(e) => write!(f, "{e}"),
            Failed::Error(e) => write!(f, "error reply: {e}"),
            Failed::Invalid(e) => write!(f, "invalid answer: {e}"),
        }
    }
}

/// The routing service at `addr`, as a [`Router`].
pub struct HttpRouter {
    runtime: tokio::runtime::Runtime,
    addr: SocketAddr,
    sender: Option<SendRequest<Full<Bytes>>>,
    pending: Vec<AgentUpdate>,
    view: Vec<Option<AgentSnapshot>>,
    timeout: Duration,
    stats: Arc<Mutex<ClientStats>>,
    pacing: Option<Pacing>,
    last_reply: Option<Instant>,
    limits: Option<Limits>,
    observer: Option<Box<dyn Fn(SimTime) + Send>>,
    /// Scenario-time windows of the statistics in virtual time (paced runs take their
    /// pacing's).
    window: Option<SimTime>,
}

/// Sleeps until `at`, then spins the last stretch (sleep alone overshoots by ~0.1 ms).
fn wait_until(at: Instant) {
    loop {
        let now = Instant::now();
        if now >= at {
            return;
        }
        let left = at - now;
        if left > Duration::from_micros(300) {
            std::thread::sleep(left - Duration::from_micros(200));
        } else {
            std::hint::spin_loop();
        }
    }
}

impl HttpRouter {
    /// Bounds the run (see [`Limits`]).
    pub fn limited(mut self, limits: Limits) -> HttpRouter {
        self.limits = Some(limits);
        self
    }

    /// Calls `observer` with the scenario time of each routing request (for a progress bar).
    pub fn observed(mut self, observer: Box<dyn Fn(SimTime) + Send>) -> HttpRouter {
        self.observer = Some(observer);
        self
    }

    /// Keeps per-window statistics by scenario time in virtual time too, so gates judge
    /// its windows as a paced run's.
    pub fn windowed(mut self, window: SimTime) -> HttpRouter {
        self.window = Some(window);
        self
    }

    /// Paces routing requests in wall-clock time (see [`Pacing`]).
    pub fn paced(mut self, pacing: Pacing) -> HttpRouter {
        self.pacing = Some(pacing);
        self
    }

    /// Connects to `addr` and starts a run of `agents` agents (`POST /v1/reset`). Requests
    /// taking longer than `timeout` count as timeouts. `stats` collects what is seen.
    pub fn connect(
        addr: SocketAddr,
        agents: usize,
        timeout: Duration,
        stats: Arc<Mutex<ClientStats>>,
    ) -> Result<HttpRouter, String> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the client runtime: {e}"))?;
        let mut r = HttpRouter {
            runtime,
            addr,
            sender: None,
            pending: Vec::new(),
            view: vec![None; agents],
            timeout,
            stats,
            pacing: None,
            last_reply: None,
            limits: None,
            observer: None,
            window: None,
        };
        let body = serde_json::to_vec(&Reset {
            agents: agents as u32,
        })
        .map_err(|e| e.to_string())?;
        r.post("/v1/reset", body).map_err(|e| {
            format!("{addr}: POST /v1/reset failed: {e} (is the routing service running?)")
        })?;
        Ok(r)
    }

    async fn open(addr: SocketAddr) -> Result<SendRequest<Full<Bytes>>, String> {
        let stream = TcpStream::connect(addr)
            .await
            .map_err(|e| format!("connect: {e}"))?;
        let _ = stream.set_nodelay(true);
        let (sender, conn) = http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| format!("handshake: {e}"))?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        Ok(sender)
    }

    /// One POST, with the timeout; the body of a 200 reply.
    fn post(&mut self, path: &str, body: Vec<u8>) -> Result<Bytes, Failed> {
        let addr = self.addr;
        let host = addr.to_string();
        let timeout = self.timeout;
        let sender = self.sender.take();
        let uri = path.to_string();
        let result = self.runtime.block_on(async move {
            let work = async move {
                let mut sender = match sender {
                    Some(s) if s.is_ready() => s,
                    _ => HttpRouter::open(addr).await.map_err(Failed::Reset)?,
                };
                let req = Request::builder()
                    .method(Method::POST)
                    .uri(uri)
                    .header("host", host)
                    .header("content-type", "application/json")
                    .body(Full::new(Bytes::from(body)))
                    .map_err(|e| Failed::Error(e.to_string()))?;
                let resp = sender
                    .send_request(req)
                    .await
                    .map_err(|e| Failed::Reset(e.to_string()))?;
                let status = resp.status();
                let bytes = http_body_util::Limited::new(resp.into_body(), MAX_REPLY)
                    .collect()
                    .await
                    .map_err(|e| Failed::Reset(format!("reply body: {e}")))?
                    .to_bytes();
                if status != StatusCode::OK {
                    return Err(Failed::Error(format!(
                        "{status}: {}",
                        String::from_utf8_lossy(&bytes)
                    )));
                }
                Ok((sender, bytes))
            };
            match tokio::time::timeout(timeout, work).await {
                Ok(r) => r,
                Err(_) => Err(Failed::Timeout),
            }
        });
        match result {
            Ok((sender, bytes)) => {
                self.sender = Some(sender);
                Ok(bytes)
            }
            Err(e) => Err(e),
        }
    }
}

impl Router for HttpRouter {
    fn name(&self) -> &str {
        "http"
    }

    fn agent_changed(&mut self, agent: AgentId, snapshot: &AgentSnapshot, now: SimTime) {
        if let Some(v) = self.view.get_mut(agent as usize) {
            *v = Some(*snapshot);
        }
        self.pending.push(AgentUpdate::new(agent, snapshot, now));
    }

    fn route(&mut self, class: Class, now: SimTime) -> Option<AgentId> {
        if let Some(observe) = &self.observer {
            observe(now);
        }
        if let Some(l) = self.limits {
            let mut s = self
                .stats
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if s.requests >= l.max_requests || Instant::now() >= l.deadline {
                s.capped += 1;
                return None;
            }
        }
        let req = RouteRequest {
            updates: std::mem::take(&mut self.pending),
            class,
            t_us: now.as_micros(),
        };
        let body = serde_json::to_vec(&req).expect("plain data serialises");
        let intended = self
            .pacing
            .map(|p| p.start + Duration::from_secs_f64(now.as_secs_f64() / p.speedup));
        // a request due past the wall-clock bound is not waited for
        if let (Some(at), Some(l)) = (intended, self.limits)
            && at >= l.deadline
        {
            self.stats
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .capped += 1;
            return None;
        }
        if let Some(at) = intended {
            wait_until(at);
        }
        let start = Instant::now();
        let reply = self.post("/v1/route", body);
        let end = Instant::now();
        let took = end - start;
        let timeout_us = self.timeout.as_micros() as u64;
        let answer = match reply {
            Ok(bytes) => match serde_json::from_slice::<RouteResponse>(&bytes) {
                Ok(r) => Ok(r.agent),
                Err(e) => Err(Failed::Invalid(e.to_string())),
            },
            Err(e) => Err(e),
        };
        let stats = Arc::clone(&self.stats);
        let mut s = stats
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        s.requests += 1;
        let uncorrected = match &answer {
            Ok(_) => (took.as_micros() as u64).max(1),
            Err(_) => timeout_us.max(1),
        };
        let corrected = match (self.pacing, intended) {
            (Some(p), Some(at)) => {
                let waited = start.saturating_duration_since(at).as_micros() as u64;
                let own = start
                    .saturating_duration_since(self.last_reply.map_or(at, |r| r.max(at)))
                    .as_micros() as u64;
                s.lag_us.saturating_record(own.max(1));
                s.uncorrected_us.saturating_record(uncorrected);
                s.wall = end.saturating_duration_since(p.start);
                waited + uncorrected
            }
            _ => uncorrected,
        };
        s.latency_us.saturating_record(corrected);
        // the request's window of scenario time, in either mode
        let window = self.pacing.map(|p| p.window).or(self.window);
        let k = window.map(|w| (now.as_micros() / w.as_micros().max(1)) as usize);
        if let Some(k) = k {
            if s.windows.len() <= k {
                s.windows.resize_with(k + 1, Window::default);
            }
            let w = &mut s.windows[k];
            w.requests += 1;
            w.failures += u64::from(answer.is_err());
            w.corrected_us.saturating_record(corrected);
            w.uncorrected_us.saturating_record(uncorrected);
        }
        self.last_reply = Some(end);
        let decision = match answer {
            Ok(None) => {
                s.waits += 1;
                None
            }
            Ok(Some(a)) => {
                let ok = self
                    .view
                    .get(a as usize)
                    .copied()
                    .flatten()
                    .is_some_and(|v| v.available && v.skills.contains(class));
                if ok {
                    Some(a)
                } else {
                    s.invalid += 1;
                    if let Some(w) = k.and_then(|k| s.windows.get_mut(k)) {
                        w.failures += 1;
                    }
                    s.first_error.get_or_insert(format!(
                        "invalid answer: agent {a} cannot take a {class} conversation"
                    ));
                    None
                }
            }
            Err(Failed::Timeout) => {
                s.timeouts += 1;
                s.first_error
                    .get_or_insert_with(|| format!("timeout after {timeout_us} µs"));
                None
            }
            Err(Failed::Reset(e)) => {
                s.resets += 1;
                s.first_error.get_or_insert(format!("connection: {e}"));
                None
            }
            Err(Failed::Error(e)) => {
                s.errors += 1;
                s.first_error.get_or_insert(format!("error reply: {e}"));
                None
            }
            Err(Failed::Invalid(e)) => {
                s.invalid += 1;
                s.first_error.get_or_insert(format!("invalid answer: {e}"));
                None
            }
        };
        // updates sent with a failed request are not sent again: a service that failed
        // mid-request may or may not have applied them, and its answers are checked anyway
        decision
    }
}
