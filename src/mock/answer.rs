//! What the mock answers, before it becomes bytes: the documented success example with the
//! record (or list) in its place, the error answers for invalid requests and missing
//! records, and the finishing of an answer into a reply (content type, a fault's
//! truncation and delay).

use serde_json::{Map, Value};

use super::error_reply::{self, Problem};
use super::faults::Fault;
use super::http::Reply;
use super::inputs::Inputs;
use super::spec::{json, Operation};
use super::validate::Violation;

/// A status with a body and extra headers.
pub(super) struct Answer {
    pub(super) status: u16,
    pub(super) body: Body,
    pub(super) headers: Vec<(String, String)>,
}

pub(super) enum Body {
    None,
    Json(Value),
    /// Text as it is, with its content type: a fault's HTML error page.
    Text(&'static str, String),
}

impl Answer {
    pub(super) fn json(status: u16, body: Value) -> Answer {
        Answer {
            status,
            body: Body::Json(body),
            headers: Vec::new(),
        }
    }
}

/// The status a reply sends; `None` when it closes the connection without one.
pub(super) fn answered_status(reply: &Reply) -> Option<u16> {
    match reply {
        Reply::Respond { status, .. } | Reply::Truncate { status, .. } => Some(*status),
        Reply::After(_, inner) => answered_status(inner),
        Reply::Drop => None,
    }
}

/// The body a reply sends (all of it, even when a fault truncates it on the wire).
pub(super) fn answered_body(reply: &Reply) -> &[u8] {
    match reply {
        Reply::Respond { body, .. } | Reply::Truncate { body, .. } => body,
        Reply::After(_, inner) => answered_body(inner),
        Reply::Drop => &[],
    }
}

/// The answer to a request that breaks the spec: the failure its first broken field is
/// declared with, and every message per field.
pub(super) fn invalid(op: &Operation, violations: &[Violation]) -> Answer {
    let declared = violations.iter().find_map(|v| {
        let top = v.field.split('.').next().unwrap_or_default();
        let exact = format!("{top}.{}", v.rule.name());
        let find = |selector: &str| {
            op.invalid
                .by_field
                .iter()
                .find(|(s, _)| *s == selector)
                .map(|(_, f)| (*f, v))
        };
        find(&exact).or_else(|| find(top))
    });
    let (failure, cause) = declared.unwrap_or((op.invalid.default, &violations[0]));
    let mut errors = Map::new();
    for v in violations {
        if let Value::Array(messages) = errors
            .entry(v.field.clone())
            .or_insert_with(|| Value::Array(Vec::new()))
        {
            messages.push(Value::String(v.message.clone()));
        }
    }
    let problem = Problem {
        message: cause.message.clone(),
        details: Some(Map::from_iter([
            ("field".to_string(), Value::String(cause.field.clone())),
            ("value".to_string(), cause.value.clone()),
        ])),
        errors: Some(errors),
    };
    let (status, body) = error_reply::build(op, failure, &problem);
    Answer::json(status, body)
}

pub(super) fn not_found(op: &Operation, inputs: &Inputs) -> Answer {
    let details: Map<String, Value> = op
        .behaviour
        .lookup
        .iter()
        .filter_map(|m| Some((m.param.to_string(), inputs.get(m.param)?.clone())))
        .collect();
    let problem = Problem {
        message: "No record matches the request.".into(),
        details: Some(details),
        errors: None,
    };
    let (status, body) = error_reply::build(op, op.behaviour.not_found, &problem);
    Answer::json(status, body)
}

/// The operation's documented success status and example body.
pub(super) fn documented_success(op: &Operation) -> Option<(u16, Value)> {
    let response = op
        .responses
        .iter()
        .find(|r| (200..300).contains(&r.status))?;
    Some((response.status, json(response.body).clone()))
}

/// The documented success answer, with `record` (a record or a list) in its place.
pub(super) fn success(op: &Operation, record: Option<Value>) -> Answer {
    let Some((status, mut body)) = documented_success(op) else {
        return Answer {
            status: 204,
            body: Body::None,
            headers: Vec::new(),
        };
    };
    if let (Some(at), Some(record)) = (op.behaviour.record_at, record) {
        set_path(&mut body, at, record);
    }
    Answer {
        status,
        body: if body.is_null() {
            Body::None
        } else {
            Body::Json(body)
        },
        headers: Vec::new(),
    }
}

/// Writes `value` at a dotted path, making objects along the way.
pub(super) fn set_path(body: &mut Value, path: &str, value: Value) {
    let mut target = body;
    let mut parts = path.split('.').peekable();
    while let Some(part) = parts.next() {
        if !target.is_object() {
            *target = Value::Object(Map::new());
        }
        let Value::Object(map) = target else { return };
        if parts.peek().is_none() {
            map.insert(part.to_string(), value);
            return;
        }
        target = map.entry(part.to_string()).or_insert(Value::Null);
    }
}

pub(super) fn finish(answer: Answer, fault: Option<&Fault>) -> Reply {
    let (content_type, body) = match answer.body {
        Body::None => (None, Vec::new()),
        Body::Json(body) => (Some("application/json"), body.to_string().into_bytes()),
        Body::Text(kind, text) => (Some(kind), text.into_bytes()),
    };
    let mut headers = answer.headers;
    // A fault's own Content-Type wins over the default.
    let has_type = headers
        .iter()
        .any(|(name, _)| name.eq_ignore_ascii_case("content-type"));
    if let Some(kind) = content_type.filter(|_| !has_type) {
        headers.push(("Content-Type".into(), kind.into()));
    }
    shape(answer.status, headers, body, fault)
}

/// Applies a fault's truncation and delay to a finished answer.
fn shape(
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    fault: Option<&Fault>,
) -> Reply {
    let reply = match fault {
        Some(fault) if fault.truncate => Reply::Truncate {
            status,
            headers,
            sent: body.len() / 2,
            body,
        },
        _ => Reply::Respond {
            status,
            headers,
            body,
        },
    };
    match fault {
        Some(fault) => delayed(reply, fault),
        None => reply,
    }
}

/// The reply after the fault's delay, if it has one; the server does the waiting, so the
/// request is logged at once and `stop` is not held up.
pub(super) fn delayed(reply: Reply, fault: &Fault) -> Reply {
    match fault.delay_duration() {
        Some(delay) => Reply::After(delay, Box::new(reply)),
        None => reply,
    }
}
