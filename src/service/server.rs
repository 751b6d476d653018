//! The reference routing service: the built-in policies behind the wire protocol
//! (`d11sim router serve`). It is the test target of the harness and the example for
//! engineers writing their own.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

use super::protocol::{ErrorReply, Health, Reset, RouteRequest, RouteResponse, Updates};
use crate::engine::SimTime;
use crate::routing::{Policy, Router};

/// Largest request body accepted, bytes.
pub const MAX_BODY: usize = 16 << 20;

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
        }
    }

    /// Answers one request.
    pub async fn handle(&self, req: Request<Incoming>) -> Response<Full<Bytes>> {
        let (parts, body) = req.into_parts();
        let bytes = match http_body_util::Limited::new(body, MAX_BODY).collect().await {
            Ok(b) => b.to_bytes(),
            Err(e) => return error(StatusCode::PAYLOAD_TOO_LARGE, format!("body: {e}")),
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

/// Binds `addr` and serves `policy` until the process ends; calls `ready` with the bound
/// address first (port 0 picks a free port).
pub async fn serve(
    policy: Policy,
    addr: SocketAddr,
    ready: impl FnOnce(SocketAddr),
) -> std::io::Result<()> {
    let listener = TcpListener::bind(addr).await?;
    ready(listener.local_addr()?);
    let service = Service::new(policy);
    loop {
        let (stream, _) = listener.accept().await?;
        let _ = stream.set_nodelay(true);
        let service = service.clone();
        tokio::spawn(async move {
            let svc = service_fn(move |req| {
                let service = service.clone();
                async move { Ok::<_, std::convert::Infallible>(service.handle(req).await) }
            });
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), svc)
                .await;
        });
    }
}
