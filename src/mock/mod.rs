//! A local, stateful stand-in for the APIs in `spec/`, driven by the same specs as the
//! clients: routes, validation, error bodies and examples are generated from each spec's
//! IR; this module is the engine that serves them. Every Talkover and Talkturo operation
//! answers on one port.
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

mod answer;
mod control;
mod engine;
mod error_reply;
mod faults;
pub(crate) mod http;
mod inputs;
pub(crate) mod spec;
mod store;
mod validate;

use std::sync::Arc;

pub use faults::{Fault, LoggedRequest};
pub use http::Stopper;

use engine::Engine;
use http::HttpServer;

/// A running mock server on a local port, serving every API of the crate.
pub struct MockServer {
    server: HttpServer,
    engine: Arc<Engine>,
    url: String,
    token: String,
}

impl MockServer {
    /// Starts on a free loopback port.
    pub fn start() -> std::io::Result<MockServer> {
        MockServer::bind("127.0.0.1:0")
    }

    /// Starts on `addr` (`127.0.0.1:4010`).
    pub fn bind(addr: &str) -> std::io::Result<MockServer> {
        let engine = Arc::new(Engine::new(crate::MOCK_APIS));
        let handler = {
            let engine = Arc::clone(&engine);
            Arc::new(move |request: http::HttpRequest| {
                control::handle(&engine, &request).unwrap_or_else(|| engine.handle(request))
            })
        };
        let server = HttpServer::start(addr, handler)?;
        let url = format!("http://{}", server.local_addr());
        Ok(MockServer {
            server,
            engine,
            url,
            token: MockServer::new_token(),
        })
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

    /// A fresh token, and so a fresh environment. It has the token prefix the specs
    /// declare (`x-token-prefix`), so every API accepts it.
    pub fn new_token() -> String {
        let prefix = crate::MOCK_APIS
            .iter()
            .find_map(|api| api.token_prefix)
            .unwrap_or_default();
        format!("{prefix}mock_{:016x}", store::random())
    }

    /// Queues a fault for the next requests it matches.
    pub fn fail_next(&self, fault: Fault) -> Result<(), InvalidFault> {
        self.engine.add_fault(fault).map_err(InvalidFault)
    }

    pub fn clear_faults(&self) {
        self.engine.clear_faults();
    }

    /// Every request received so far (control requests excepted), oldest first.
    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.engine.requests()
    }

    pub fn clear_requests(&self) {
        self.engine.clear_requests();
    }

    /// Forgets every environment, queued fault and logged request.
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

/// A fault that could never apply or contradicts itself.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid fault: {0}")]
pub struct InvalidFault(pub String);
