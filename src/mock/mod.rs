//! A local, stateful stand-in for the APIs in `spec/`, driven by the same specs as the
//! clients: routes, validation, error bodies and examples are generated from each spec's
//! IR; this module is the engine that serves them. Every API's operations answer on one
//! port.
//!
//! ```no_run
//! use talkover::mock::{Fault, MockServer};
//!
//! let mock = MockServer::start()?;
//! let client = talkover::Client::builder().token(mock.token()).base_url(mock.url()).build()?;
//! mock.fail_next(Fault::status(503).on("GET", "/api/v1/calls"))?;
//! assert!(client.calls().list(&Default::default()).is_err());
//! assert_eq!(mock.requests()[0].status, Some(503));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! It is bounded for use in CI: at most 256 open connections (one more is answered `503`),
//! idle keep-alive connections closed after 30 s, a stalled request cut off after 30 s, and a
//! log of the last 10,000 requests with bodies kept up to 64 KiB; [`MockServer::builder`]
//! changes each.

mod answer;
mod control;
mod engine;
mod error_reply;
mod faults;
pub(crate) mod http;
mod inputs;
mod log;
mod rate_limit;
mod refuse;
// Public for the tables generated code writes, which name its types; not public API.
#[doc(hidden)]
pub mod spec;
mod store;
mod validate;

use std::io;
use std::net::{IpAddr, TcpListener};
use std::sync::Arc;
use std::time::Duration;

pub use faults::{Fault, LoggedRequest};
pub use http::Stopper;
pub use rate_limit::NOMINAL_LIMIT;

use engine::Engine;
use http::{HttpServer, Limits};
use log::LogLimits;
use spec::Api;

/// A running mock server on a local port.
pub struct MockServer {
    server: HttpServer,
    engine: Arc<Engine>,
    url: String,
    token: String,
}

impl MockServer {
    /// A server of `apis`, the tables generated code provides; [`MockServer::builder`]
    /// serves every API of the crate. Generated code's entry point, not public API.
    #[doc(hidden)]
    pub fn with_apis(apis: &'static [&'static Api]) -> MockServerBuilder {
        MockServerBuilder {
            apis: Apis(apis),
            addr: "127.0.0.1:0".into(),
            limits: Limits::default(),
            log: LogLimits::default(),
            expose_request_log: false,
            rate_limit_per_minute: None,
        }
    }

    /// A fresh token that every one of `apis` accepts: it has the token prefix their specs
    /// declare (`x-token-prefix`). [`MockServer::new_token`] is this for the crate's APIs.
    #[doc(hidden)]
    pub fn token_for(apis: &[&Api]) -> String {
        let prefix = apis
            .iter()
            .find_map(|api| api.token_prefix)
            .unwrap_or_default();
        format!("{prefix}mock_{:016x}", store::random())
    }

    /// The base URL to give a client (`http://127.0.0.1:4010`).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// A token of this server's own environment. Any token of the right form works; each
    /// is a separate environment that starts from the seed data.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// Queues a fault for the next requests it matches.
    pub fn fail_next(&self, fault: Fault) -> Result<(), InvalidFault> {
        self.engine.add_fault(fault).map_err(InvalidFault)
    }

    pub fn clear_faults(&self) {
        self.engine.clear_faults();
    }

    /// The requests received so far (control requests excepted), oldest first: the last
    /// [`MockServerBuilder::max_logged_requests`] of them.
    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.engine.requests()
    }

    /// Forgets the logged requests and frees the memory they took.
    pub fn clear_requests(&self) {
        self.engine.clear_requests();
    }

    /// The bytes the request log holds: its slots plus the strings and bodies of its entries
    /// (0 when it is empty).
    pub fn request_log_bytes(&self) -> usize {
        self.engine.log_bytes()
    }

    /// The per-token limit enforced, if any.
    pub fn rate_limit_per_minute(&self) -> Option<u32> {
        self.engine.rate_limit()
    }

    /// Enforces `per_minute` requests a minute per token (`None`: none, the default); every
    /// token starts a fresh window.
    pub fn set_rate_limit_per_minute(&self, per_minute: Option<u32>) {
        self.engine.set_rate_limit(per_minute);
    }

    /// Forgets every environment, queued fault, logged request and rate-limit window; the
    /// rate limit itself stays.
    pub fn reset(&self) {
        self.engine.reset();
    }

    /// A handle that stops the server from another thread.
    pub fn stopper(&self) -> Stopper {
        self.server.stopper()
    }

    /// Stops serving and frees the port; also done on drop.
    pub fn stop(&mut self) {
        self.server.stop();
    }

    /// Blocks until the server is stopped through a [`Stopper`].
    pub fn wait(&mut self) {
        self.server.wait();
    }
}

impl std::fmt::Debug for MockServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockServer")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

/// How a [`MockServer`] starts: its address, limits and rate limit.
#[derive(Debug, Clone)]
pub struct MockServerBuilder {
    apis: Apis,
    addr: String,
    limits: Limits,
    log: LogLimits,
    expose_request_log: bool,
    rate_limit_per_minute: Option<u32>,
}

/// The APIs a server serves, shown by name.
#[derive(Clone, Copy)]
struct Apis(&'static [&'static Api]);

impl std::fmt::Debug for Apis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.0.iter().map(|api| api.name))
            .finish()
    }
}

impl MockServerBuilder {
    /// Where to listen (default `127.0.0.1:0`, a free loopback port).
    pub fn addr(mut self, addr: &str) -> MockServerBuilder {
        self.addr = addr.to_string();
        self
    }

    /// Open connections served at once, each by its own thread (default 256); one more is
    /// answered `503` with `Connection: close`.
    pub fn max_connections(mut self, max: usize) -> MockServerBuilder {
        self.limits.max_connections = max;
        self
    }

    /// How long a keep-alive connection may wait for its next request (default 30 s).
    pub fn idle_timeout(mut self, timeout: Duration) -> MockServerBuilder {
        self.limits.idle_timeout = timeout;
        self
    }

    /// How long a request may stall half-sent (default 30 s); it is then answered `408` and
    /// closed. Also how long an answer waits for a client that does not read it. A fault's
    /// `delay` is the server's own wait and is not cut short by it.
    pub fn read_timeout(mut self, timeout: Duration) -> MockServerBuilder {
        self.limits.read_timeout = timeout;
        self
    }

    /// Requests the log keeps, the latest (default 10,000).
    pub fn max_logged_requests(mut self, max: usize) -> MockServerBuilder {
        self.log.max_requests = max;
        self
    }

    /// Bytes the log keeps of each body received or answered (default 64 KiB); a longer one
    /// is logged as its start with a `…[shortened by the mock: …]` marker.
    pub fn max_logged_body(mut self, max: usize) -> MockServerBuilder {
        self.log.max_body = max;
        self
    }

    /// Serves `GET /__mock__/requests` even when listening on a non-loopback address. Off by
    /// default: the log shows every token's request bodies, so it is served only on a
    /// loopback address (decided by the address the server is bound to).
    pub fn expose_request_log(mut self, expose: bool) -> MockServerBuilder {
        self.expose_request_log = expose;
        self
    }

    /// Enforces a per-token limit of requests a minute: one more is answered `429` with
    /// `Retry-After`. Without it nothing is refused.
    pub fn rate_limit_per_minute(mut self, per_minute: u32) -> MockServerBuilder {
        self.rate_limit_per_minute = Some(per_minute);
        self
    }

    /// Binds and starts serving from background threads.
    pub fn start(self) -> io::Result<MockServer> {
        let listener = TcpListener::bind(&self.addr)?;
        let bound = listener.local_addr()?;
        let access = control::Access {
            request_log: self.expose_request_log || is_loopback(bound.ip()),
        };
        let engine = Arc::new(Engine::new(
            self.apis.0,
            self.log,
            self.rate_limit_per_minute,
        ));
        let handler = {
            let engine = Arc::clone(&engine);
            Arc::new(move |request: http::HttpRequest| {
                control::handle(&engine, &request, access).unwrap_or_else(|| engine.handle(request))
            })
        };
        let server = HttpServer::serve(listener, handler, self.limits)?;
        let url = format!("http://{}", server.local_addr());
        Ok(MockServer {
            server,
            engine,
            url,
            token: MockServer::token_for(self.apis.0),
        })
    }
}

/// Loopback, an IPv4 one written as IPv6 (`::ffff:127.0.0.1`) included; a wildcard address
/// (`0.0.0.0`) is not, since it listens on every interface.
fn is_loopback(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map_or(v6.is_loopback(), |v4| v4.is_loopback()),
    }
}

/// A fault that could never apply or contradicts itself.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid fault: {0}")]
pub struct InvalidFault(pub String);
