//! Test controls: faults queued for the next matching requests (an error status, a delay, a
//! dropped connection, a cut-off body) and the log of the requests the mock received. The
//! same JSON shape serves Rust, Python and the `/__mock__/` HTTP endpoints.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::http::{is_token, shown_header};

/// What the next matching requests get instead of (or on top of) the normal answer.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Fault {
    /// Only requests with this method (any when `None`).
    pub method: Option<String>,
    /// Only requests to this path, given as sent (`/api/v1/agents/agent_123456/call`) or
    /// as the spec's template (`/api/v1/agents/{agent_id}/call`); any when `None`.
    pub path: Option<String>,
    /// How many requests it applies to.
    #[serde(default = "one")]
    pub times: u32,
    /// Answer with this status; the body defaults to the operation's documented one.
    pub status: Option<u16>,
    /// The body to answer with: JSON, or a string sent as it is (an HTML error page).
    pub body: Option<Value>,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Seconds to wait before answering (or before dropping the connection).
    pub delay: Option<f64>,
    /// Close the connection without answering.
    #[serde(default)]
    pub drop: bool,
    /// Send the headers and only half of the body, then close the connection.
    #[serde(default)]
    pub truncate: bool,
}

fn one() -> u32 {
    1
}

impl Fault {
    /// Answer with `status` (and the operation's documented body for it).
    pub fn status(status: u16) -> Fault {
        Fault {
            status: Some(status),
            ..Fault::once()
        }
    }

    /// Answer normally, after `delay`.
    pub fn delay(delay: Duration) -> Fault {
        Fault {
            delay: Some(delay.as_secs_f64()),
            ..Fault::once()
        }
    }

    /// Close the connection without answering.
    pub fn drop_connection() -> Fault {
        Fault {
            drop: true,
            ..Fault::once()
        }
    }

    /// Cut the normal answer's body in half.
    pub fn truncate() -> Fault {
        Fault {
            truncate: true,
            ..Fault::once()
        }
    }

    fn once() -> Fault {
        Fault {
            times: 1,
            ..Fault::default()
        }
    }

    /// Only for requests with this method and path (as sent, or the spec's template).
    pub fn on(mut self, method: &str, path: &str) -> Fault {
        self.method = Some(method.to_string());
        self.path = Some(path.to_string());
        self
    }

    pub fn times(mut self, times: u32) -> Fault {
        self.times = times;
        self
    }

    pub fn header(mut self, name: &str, value: &str) -> Fault {
        self.headers.insert(name.to_string(), value.to_string());
        self
    }

    pub fn body(mut self, body: Value) -> Fault {
        self.body = Some(body);
        self
    }

    /// Refuses a fault that could never apply, contradicts itself or would break HTTP.
    pub fn check(&self) -> Result<(), String> {
        if self.times == 0 {
            return Err("times must be at least 1".into());
        }
        // A 1xx is not a final answer: the client would wait for one that never comes.
        if self.status.is_some_and(|s| !(200..=599).contains(&s)) {
            return Err("status must be from 200 to 599".into());
        }
        if self.drop
            && (self.truncate
                || self.status.is_some()
                || self.body.is_some()
                || !self.headers.is_empty())
        {
            return Err(
                "a dropped connection sends nothing: leave out status, body, headers and truncate"
                    .into(),
            );
        }
        if self.delay.is_some_and(|d| !(0.0..=600.0).contains(&d)) {
            return Err("delay must be from 0 to 600 seconds".into());
        }
        if self.body.is_some() && self.status.is_none() {
            return Err("a body needs a status".into());
        }
        if self.method.as_deref().is_some_and(|m| !is_token(m)) {
            return Err("method must be an HTTP method such as POST".into());
        }
        if self.path.as_deref().is_some_and(|p| !p.starts_with('/')) {
            return Err("path must start with /".into());
        }
        for (name, value) in &self.headers {
            if !is_token(name) || value.chars().any(|c| c.is_control() && c != '\t') {
                return Err(format!("header {name:?} is not a valid HTTP header"));
            }
            // The server frames every answer itself; a fault that set these would break it.
            if ["content-length", "transfer-encoding", "connection"]
                .iter()
                .any(|framing| name.eq_ignore_ascii_case(framing))
            {
                return Err(format!(
                    "header {name} is set by the server, not by a fault"
                ));
            }
        }
        Ok(())
    }

    /// The delay as a duration; `None` also for one [`Fault::check`] refuses.
    pub fn delay_duration(&self) -> Option<Duration> {
        self.delay.and_then(|d| Duration::try_from_secs_f64(d).ok())
    }

    pub(crate) fn applies_to(&self, method: &str, path: &str, template: Option<&str>) -> bool {
        self.method
            .as_deref()
            .is_none_or(|m| m.eq_ignore_ascii_case(method))
            && self
                .path
                .as_deref()
                .is_none_or(|p| p == path || Some(p) == template)
    }
}

/// One request as the mock received it. The token is never recorded.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct LoggedRequest {
    pub method: String,
    /// The path as sent, still percent-encoded.
    pub path: String,
    /// Decoded query parameters, each with every value given.
    pub query: BTreeMap<String, Vec<String>>,
    /// Lower-case names; `authorization` shows only its scheme.
    pub headers: BTreeMap<String, String>,
    /// The JSON body, a string when it was not JSON, or `null` when empty. A body longer than
    /// the log keeps is its start as a string, ending `…[shortened by the mock: K of N bytes shown]`.
    pub body: Value,
    /// The operation the request matched, if any.
    pub operation: Option<String>,
    /// The status answered; `None` when the connection was dropped.
    pub status: Option<u16>,
    /// Whether a queued fault decided the answer.
    pub fault: bool,
    /// The body answered, decoded (and shortened) like `body`; `null` when none was sent.
    pub response: Value,
}

impl LoggedRequest {
    /// The request's head; the log keeps its body and fills `body` when it is read.
    pub(crate) fn of(request: &super::http::HttpRequest, operation: Option<&str>) -> LoggedRequest {
        let mut query: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (name, value) in request.query_pairs() {
            query.entry(name).or_default().push(value);
        }
        let headers = request
            .headers
            .iter()
            .map(|(name, value)| (name.to_ascii_lowercase(), shown_header(name, value)))
            .collect();
        LoggedRequest {
            method: request.method.clone(),
            path: request.path().to_string(),
            query,
            headers,
            body: Value::Null,
            operation: operation.map(str::to_string),
            status: None,
            fault: false,
            response: Value::Null,
        }
    }
}

/// A body as JSON, as text when it is not JSON, or `null` when empty.
pub(crate) fn decoded(body: &[u8]) -> Value {
    if body.is_empty() {
        return Value::Null;
    }
    serde_json::from_slice(body)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(body).into()))
}
