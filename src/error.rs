//! The one error type of the SDK. Its variants mirror the Python exception hierarchy:
//! configuration, argument validation, connection/timeout, an unexpected 2xx body, and an
//! error answer from the API.

use std::collections::BTreeMap;

use serde_json::Value;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Missing token, unusable base URL or header (Python: `ConfigurationError`).
    #[error("configuration error: {0}")]
    Configuration(String),
    /// An argument broke a constraint of the spec; nothing was sent
    /// (Python: `RequestValidationError`).
    #[error("invalid argument `{field}`: {message}")]
    Validation { field: String, message: String },
    /// The request could not be completed (Python: `APIConnectionError`).
    #[error("connection error: {0}")]
    Connection(String),
    /// No complete answer in time (Python: `APITimeoutError`).
    #[error("request timed out: {0}")]
    Timeout(String),
    /// A 2xx answer whose body is not what the spec says (Python: `APIResponseValidationError`).
    #[error("unexpected response body (HTTP {status}): {message}")]
    ResponseValidation {
        status: u16,
        message: String,
        body: String,
    },
    /// The API answered with an error status (Python: `APIStatusError` and subclasses).
    #[error(transparent)]
    Api(Box<ApiError>),
    /// The caller stopped a blocked request or a retry wait (Python: `KeyboardInterrupt`).
    #[error("interrupted")]
    Interrupted,
}

impl Error {
    /// The HTTP status, for errors that carry one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api(e) => Some(e.status),
            Error::ResponseValidation { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// An error answer, with every documented body shape mapped onto the same fields.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}", self.summary())]
pub struct ApiError {
    pub status: u16,
    /// Machine-readable code, when the body has one (`AGENT_NOT_FOUND`).
    pub code: Option<String>,
    /// Human-readable message; for a body that is not JSON, the status line and its start.
    pub message: String,
    /// The body's details object, when it has one.
    pub details: Option<Value>,
    /// Field → messages, for validation failures.
    pub errors: BTreeMap<String, Vec<String>>,
    /// Response headers, names in lower case.
    pub headers: Vec<(String, String)>,
    /// The raw body.
    pub body: String,
    /// Seconds to wait before retrying, from `Retry-After` or the body's `details.retry_after`.
    pub retry_after: Option<f64>,
}

impl ApiError {
    /// The value of a response header (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn summary(&self) -> String {
        // A body that was not JSON already gives the status line as its message.
        if self.message.starts_with(&format!("HTTP {}", self.status)) {
            return self.message.clone();
        }
        match &self.code {
            Some(code) => format!("HTTP {} {code}: {}", self.status, self.message),
            None => format!("HTTP {}: {}", self.status, self.message),
        }
    }
}
