//! Settings a copy of a client may change while sharing its connection pool: the Rust side
//! of Python's `client.with_options(timeout=..., max_retries=..., default_headers=...)`.

use std::time::Duration;

use ureq::http::header::{HeaderName, HeaderValue};

use crate::Error;

/// What `Client::with_options` changes; everything left unset stays as it was.
#[derive(Clone, Default)]
#[must_use]
pub struct RequestOptions {
    pub(crate) timeout: Option<Duration>,
    pub(crate) max_retries: Option<u32>,
    headers: Vec<(String, String)>,
}

impl std::fmt::Debug for RequestOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Header values may be secret: names only.
        let names: Vec<&str> = self.headers.iter().map(|(n, _)| n.as_str()).collect();
        f.debug_struct("RequestOptions")
            .field("timeout", &self.timeout)
            .field("max_retries", &self.max_retries)
            .field("headers", &names)
            .finish()
    }
}

impl RequestOptions {
    pub fn new() -> Self {
        Self::default()
    }

    /// Time allowed for one attempt of a request.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// How many times a failed request may be retried, where retrying is safe.
    pub fn max_retries(mut self, max_retries: u32) -> Self {
        self.max_retries = Some(max_retries);
        self
    }

    /// A header added to (or replacing one of) the client's default headers.
    pub fn default_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// The headers, checked as the client builder checks its own.
    pub(crate) fn checked_headers(&self) -> Result<Vec<(HeaderName, HeaderValue)>, Error> {
        if self.timeout.is_some_and(|t| t.is_zero()) {
            return Err(Error::Configuration(
                "timeout must be greater than zero".into(),
            ));
        }
        self.headers
            .iter()
            .map(|(name, value)| crate::config::check_header(name, value))
            .collect()
    }
}
