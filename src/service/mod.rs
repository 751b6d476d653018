//! Routers as services: the wire protocol (`docs/router-protocol.md`), the reference
//! server of the built-in policies (`d11sim router serve`), and a [`Router`] that asks a
//! service over the wire, so the simulation can run with an external router in the loop
//! (`d11sim bench --virtual`).
//!
//! [`Router`]: crate::routing::Router

pub mod client;
pub mod gate;
pub mod load;
pub mod protocol;
pub mod server;

/// True when `host` names the loopback interface (127.0.0.0/8, ::1 or `localhost`).
pub fn is_loopback(addr: &std::net::SocketAddr) -> bool {
    addr.ip().is_loopback()
}

/// Parses `http://HOST:PORT[/]` into a socket address (resolving `localhost`); other
/// schemes, paths and unresolvable hosts are errors that say why.
pub fn parse_target(url: &str) -> Result<std::net::SocketAddr, String> {
    use std::net::ToSocketAddrs;
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| format!("--target `{url}`: give http://HOST:PORT (plain HTTP/1.1)"))?;
    let hostport = rest.strip_suffix('/').unwrap_or(rest);
    if hostport.contains('/') {
        return Err(format!("--target `{url}`: no path, only http://HOST:PORT"));
    }
    hostport
        .to_socket_addrs()
        .map_err(|e| format!("--target `{url}`: {e}"))?
        .next()
        .ok_or_else(|| format!("--target `{url}`: the host resolves to no address"))
}
