//! The HTTP face of the test controls, under the reserved `/__mock__/` prefix, for tests
//! written in any language: queue faults, read or clear the request log, reset all state.

use serde_json::{json, Value};

use super::engine::Engine;
use super::faults::Fault;
use super::http::{HttpRequest, Reply};

/// The prefix no API path can start with.
pub const PREFIX: &str = "/__mock__";

/// Answers a control request; `None` when the path is not under [`PREFIX`].
pub fn handle(engine: &Engine, request: &HttpRequest) -> Option<Reply> {
    let rest = request.path().strip_prefix(PREFIX)?;
    if !(rest.is_empty() || rest.starts_with('/')) {
        return None;
    }
    let method = request.method.to_ascii_uppercase();
    Some(match (method.as_str(), rest.trim_end_matches('/')) {
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
        ("POST", "/reset") => {
            engine.reset();
            empty()
        }
        _ => reply(
            404,
            json!({ "message": "unknown control: use GET|DELETE /__mock__/requests, POST|DELETE /__mock__/faults or POST /__mock__/reset" }),
        ),
    })
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
