//! The reference routing service: the built-in policies behind the wire protocol
//! (`d11sim router serve`). It is the test target of the harness and the example for
//! engineers writing their own.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;

use super::protocol::{ErrorReply, Health, Reset, RouteRequest, RouteResponse, Updates};
use crate::engine::SimTime;
use crate::routing::{Policy, Router};

/// Largest request body accepted, bytes; a larger `Content-Length` is refused before any
/// of the body is read.
pub const MAX_BODY: usize = 16 << 20;
/// Request bodies buffered at once, in all connections together: 256 MiB, taken as the
/// bytes arrive.
const BODY_BUDGET: usize = 256 << 20;
/// A request's headers must arrive within this, or the connection is closed.
pub const HEADER_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);
/// A request's body must arrive within this after its headers, or the request is answered
/// 408 and the connection closed.
pub const BODY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);
/// Open connections kept by default; beyond them the longest-idle one is closed.
pub const DEFAULT_MAX_CONNECTIONS: usize = 512;

struct State {
    policy: Policy,
    router: Option<Box<dyn Router>>,
    agents: u32,
    decisions: u64,
}

impl State {
    fn health(&self) -> Health {
        Health {
            policy: self.policy.name().into(),
            agents: self.agents,
            decisions: self.decisions,
        }
    }
}

/// A running server's shared state.
#[derive(Clone)]
pub struct Service {
    state: Arc<Mutex<State>>,
    budget: Arc<tokio::sync::Semaphore>,
}

fn json<T: serde::Serialize>(status: StatusCode, body: &T) -> Response<Full<Bytes>> {
    let bytes = serde_json::to_vec(body).unwrap_or_else(|_| b"{}".to_vec());
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(bytes)))
        .unwrap_or_else(|_| Response::new(Full::new(Bytes::new())))
}

fn error(status: StatusCode, msg: impl Into<String>) -> Response<Full<Bytes>> {
    json(status, &ErrorReply { error: msg.into() })
}

impl Service {
    /// A service for `policy`; a run starts with `POST /v1/reset`.
    pub fn new(policy: Policy) -> Service {
        Service {
            state: Arc::new(Mutex::new(State {
                policy,
                router: None,
                agents: 0,
                decisions: 0,
            })),
            budget: Arc::new(tokio::sync::Semaphore::new(BODY_BUDGET / 1024)),
        }
    }

    /// Answers one request.
    pub async fn handle(&self, req: Request<Incoming>) -> Response<Full<Bytes>> {
        let (parts, body) = req.into_parts();
        // the declared length (0 for no body; none for a chunked one)
        let declared = hyper::body::Body::size_hint(&body)
            .exact()
            .map(|n| usize::try_from(n).unwrap_or(usize::MAX));
        if declared.is_some_and(|n| n > MAX_BODY) {
            return error(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("body: larger than {MAX_BODY} bytes"),
            );
        }
        let bytes = match self.read_body(body).await {
            Ok(b) => b,
            Err(reply) => return reply,
        };
        match (&parts.method, parts.uri.path()) {
            (&Method::GET, "/v1/health") => json(StatusCode::OK, &self.lock().health()),
            (&Method::POST, "/v1/reset") => match serde_json::from_slice::<Reset>(&bytes) {
                Ok(r) if r.agents <= 10_000_000 => {
                    let mut s = self.lock();
                    s.router = Some(s.policy.build(r.agents as usize));
                    s.agents = r.agents;
                    json(StatusCode::OK, &s.health())
                }
                Ok(r) => error(
                    StatusCode::BAD_REQUEST,
                    format!("agents {} is too many", r.agents),
                ),
                Err(e) => error(StatusCode::BAD_REQUEST, format!("reset: {e}")),
            },
            (&Method::POST, "/v1/updates") => match serde_json::from_slice::<Updates>(&bytes) {
                Ok(u) => self.apply(&u.updates).map_or_else(
                    |e| error(StatusCode::CONFLICT, e),
                    |_| json(StatusCode::OK, &serde_json::json!({"ok": true})),
                ),
                Err(e) => error(StatusCode::BAD_REQUEST, format!("updates: {e}")),
            },
            (&Method::POST, "/v1/route") => match serde_json::from_slice::<RouteRequest>(&bytes) {
                Ok(r) => match self.route(&r) {
                    Ok(agent) => json(StatusCode::OK, &RouteResponse { agent }),
                    Err(e) => error(StatusCode::CONFLICT, e),
                },
                Err(e) => error(StatusCode::BAD_REQUEST, format!("route: {e}")),
            },
            (_, "/v1/health" | "/v1/reset" | "/v1/updates" | "/v1/route") => error(
                StatusCode::METHOD_NOT_ALLOWED,
                "see docs/router-protocol.md",
            ),
            (_, path) => error(StatusCode::NOT_FOUND, format!("no endpoint {path}")),
        }
    }

    /// Reads a request body within [`BODY_TIMEOUT`], taking its share of the buffer budget
    /// as its bytes arrive (not as declared), so clients that declare large bodies and go
    /// silent hold only what they sent, and only until the deadline. The share is given
    /// back once the body is read: the request is then parsed from one buffer.
    async fn read_body(&self, mut body: Incoming) -> Result<Bytes, Response<Full<Bytes>>> {
        let deadline = tokio::time::Instant::now() + BODY_TIMEOUT;
        let mut buf: Vec<u8> = Vec::new();
        let mut held: Vec<tokio::sync::OwnedSemaphorePermit> = Vec::new();
        let mut units_held = 0usize;
        loop {
            let frame = match tokio::time::timeout_at(deadline, body.frame()).await {
                Err(_) => {
                    return Err(error(
                        StatusCode::REQUEST_TIMEOUT,
                        format!("body: not received within {} s", BODY_TIMEOUT.as_secs_f64()),
                    ));
                }
                Ok(None) => break,
                Ok(Some(Err(e))) => {
                    return Err(error(StatusCode::BAD_REQUEST, format!("body: {e}")));
                }
                Ok(Some(Ok(frame))) => frame,
            };
            let Ok(data) = frame.into_data() else {
                continue;
            };
            if buf.len() + data.len() > MAX_BODY {
                return Err(error(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!("body: larger than {MAX_BODY} bytes"),
                ));
            }
            let units = (buf.len() + data.len()).div_ceil(1024);
            if units > units_held {
                let more = (units - units_held) as u32;
                match tokio::time::timeout_at(
                    deadline,
                    self.budget.clone().acquire_many_owned(more),
                )
                .await
                {
                    Ok(Ok(p)) => held.push(p),
                    _ => {
                        return Err(error(
                            StatusCode::SERVICE_UNAVAILABLE,
                            "busy: too many request bodies in flight",
                        ));
                    }
                }
                units_held = units;
            }
            buf.extend_from_slice(&data);
        }
        drop(held);
        Ok(Bytes::from(buf))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn apply(&self, updates: &[super::protocol::AgentUpdate]) -> Result<(), String> {
        let mut s = self.lock();
        let agents = s.agents;
        let router = s.router.as_mut().ok_or("no run: POST /v1/reset first")?;
        for u in updates {
            if u.agent >= agents {
                return Err(format!("agent {} is not below {agents}", u.agent));
            }
            router.agent_changed(u.agent, &u.snapshot(), SimTime::from_micros(u.t_us));
        }
        Ok(())
    }

    fn route(&self, r: &RouteRequest) -> Result<Option<u32>, String> {
        self.apply(&r.updates)?;
        let mut s = self.lock();
        let router = s.router.as_mut().ok_or("no run: POST /v1/reset first")?;
        let agent = router.route(r.class, SimTime::from_micros(r.t_us));
        s.decisions += 1;
        Ok(agent)
    }
}

/// One open connection: whether a request is being answered, and how to close it.
struct Open {
    id: u64,
    busy: Arc<AtomicBool>,
    abort: tokio::task::AbortHandle,
}

/// Binds `addr` and serves `policy` until the process ends; calls `ready` with the bound
/// address first (port 0 picks a free port).
///
/// It stays up under load and abuse: at most `max_connections` are kept open (beyond them
/// the longest-idle one, one not being answered, is closed: idle or half-sent requests
/// cannot starve a health check), headers must arrive within [`HEADER_TIMEOUT`] and bodies
/// within [`BODY_TIMEOUT`], bodies are refused above [`MAX_BODY`] before being read and
/// share a buffer budget taken as their bytes arrive, and an accept
/// error (out of file descriptors) backs off and goes on.
pub async fn serve(
    policy: Policy,
    addr: SocketAddr,
    max_connections: usize,
    ready: impl FnOnce(SocketAddr),
) -> std::io::Result<()> {
    let listener = TcpListener::bind(addr).await?;
    ready(listener.local_addr()?);
    let service = Service::new(policy);
    let open: Arc<Mutex<VecDeque<Open>>> = Arc::new(Mutex::new(VecDeque::new()));
    let mut next_id = 0u64;
    let mut said = false;
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(e) => {
                // EMFILE and friends: shed an idle connection, wait a moment, go on
                if !said {
                    eprintln!("router: accept failed ({e}); closing idle connections and retrying");
                    said = true;
                }
                close_idle(&open);
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        if lock(&open).len() >= max_connections.max(1) {
            close_idle(&open);
        }
        let service = service.clone();
        let busy = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&busy);
        let registry = Arc::clone(&open);
        let id = next_id;
        next_id += 1;
        let task = tokio::spawn(async move {
            let svc = service_fn(move |req| {
                let service = service.clone();
                let flag = Arc::clone(&flag);
                async move {
                    flag.store(true, Ordering::Relaxed);
                    let reply = service.handle(req).await;
                    flag.store(false, Ordering::Relaxed);
                    Ok::<_, std::convert::Infallible>(reply)
                }
            });
            let _ = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_TIMEOUT)
                .serve_connection(TokioIo::new(stream), svc)
                .await;
            lock(&registry).retain(|o| o.id != id);
        });
        lock(&open).push_back(Open {
            id,
            busy,
            abort: task.abort_handle(),
        });
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Closes the longest-open connection that is not answering a request.
fn close_idle(open: &Mutex<VecDeque<Open>>) {
    let mut open = lock(open);
    if let Some(i) = open.iter().position(|o| !o.busy.load(Ordering::Relaxed))
        && let Some(o) = open.remove(i)
    {
        o.abort.abort();
    }
}
