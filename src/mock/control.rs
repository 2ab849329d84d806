//! The HTTP face of the test controls, under the reserved `/__mock__/` prefix, for tests
//! written in any language: queue faults, read or clear the request log, set the rate
//! limit, reset all state.

use serde_json::{json, Value};

use super::engine::Engine;
use super::faults::Fault;
use super::http::{HttpRequest, Reply};

/// The prefix no API path can start with.
pub const PREFIX: &str = "/__mock__";

/// What the controls may show.
#[derive(Debug, Clone, Copy)]
pub struct Access {
    /// Whether `GET /__mock__/requests` is served. The log holds every token's request
    /// bodies, so a server bound to a non-loopback address serves it only when asked to.
    pub request_log: bool,
}

/// Answers a control request; `None` when the path is not under [`PREFIX`].
pub fn handle(engine: &Engine, request: &HttpRequest, access: Access) -> Option<Reply> {
    let rest = request.path().strip_prefix(PREFIX)?;
    if !(rest.is_empty() || rest.starts_with('/')) {
        return None;
    }
    let method = request.method.to_ascii_uppercase();
    Some(match (method.as_str(), rest.trim_end_matches('/')) {
        ("GET", "/requests") if !access.request_log => reply(
            403,
            json!({ "message": "The request log holds every token's request bodies, so a mock \
                listening on a non-loopback address does not serve it. Start the mock with \
                --expose-request-log (Python: MockServer(expose_request_log=True); Rust: \
                MockServer::builder().expose_request_log(true)) to serve it anyway." }),
        ),
        ("GET", "/requests") => match serde_json::to_value(engine.requests()) {
            Ok(log) => reply(200, log),
            Err(e) => reply(500, json!({ "message": e.to_string() })),
        },
        ("DELETE", "/requests") => {
            engine.clear_requests();
            empty()
        }
        ("POST", "/faults") => match serde_json::from_slice::<Fault>(&request.body)
            .map_err(|e| e.to_string())
            .and_then(|fault| engine.add_fault(fault))
        {
            Ok(()) => reply(201, json!({ "queued": true })),
            Err(message) => reply(400, json!({ "message": message })),
        },
        ("DELETE", "/faults") => {
            engine.clear_faults();
            empty()
        }
        ("GET", "/rate-limit") => reply(200, json!({ "per_minute": engine.rate_limit() })),
        ("POST", "/rate-limit") => match rate_limit(&request.body) {
            Some(per_minute) => {
                engine.set_rate_limit(per_minute);
                reply(200, json!({ "per_minute": per_minute }))
            }
            None => reply(
                400,
                json!({ "message": "expected {\"per_minute\": N} (a whole number of requests a minute per token, 0 to 4294967295) or {\"per_minute\": null} for no limit" }),
            ),
        },
        ("POST", "/reset") => {
            engine.reset();
            empty()
        }
        _ => reply(
            404,
            json!({ "message": "unknown control: use GET|DELETE /__mock__/requests, POST|DELETE /__mock__/faults, GET|POST /__mock__/rate-limit or POST /__mock__/reset" }),
        ),
    })
}

/// The limit a `POST /__mock__/rate-limit` body sets: `{"per_minute": 100}`, or `null` for
/// none; `None` for any other body.
fn rate_limit(body: &[u8]) -> Option<Option<u32>> {
    let Ok(Value::Object(fields)) = serde_json::from_slice(body) else {
        return None;
    };
    match (fields.len(), fields.get("per_minute")?) {
        (1, Value::Null) => Some(None),
        (1, value) => Some(Some(u32::try_from(value.as_u64()?).ok()?)),
        _ => None,
    }
}

fn reply(status: u16, body: Value) -> Reply {
    Reply::Respond {
        status,
        headers: vec![("Content-Type".into(), "application/json".into())],
        body: body.to_string().into_bytes(),
    }
}

fn empty() -> Reply {
    Reply::Respond {
        status: 204,
        headers: Vec::new(),
        body: Vec::new(),
    }
}
