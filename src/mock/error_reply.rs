//! Builds an error answer in the operation's own documented shape: the documented example
//! for that status, with the code, message, details and per-field errors of this failure
//! written into whichever of those slots the shape has.

use serde_json::{Map, Value};

use super::spec::{json, Failure, Operation};

/// What went wrong, in the terms every documented error shape can carry.
#[derive(Default)]
pub struct Problem {
    pub message: String,
    pub details: Option<Map<String, Value>>,
    /// Field → messages, for validation failures.
    pub errors: Option<Map<String, Value>>,
}

/// The status and JSON body answering `failure` on `op`.
pub fn build(op: &Operation, failure: Failure, problem: &Problem) -> (u16, Value) {
    let status = failure.status;
    let code = failure.code.or_else(|| only_code_for(op, status));
    let documented = op
        .responses
        .iter()
        .find(|r| r.status == status)
        .map(|r| json(r.body).clone());
    let Some(Value::Object(mut body)) = documented else {
        return (status, undocumented(problem));
    };
    if body.is_empty() {
        return (status, undocumented(problem));
    }
    // The example's own message fits only when it is about the same code.
    let meaning = |example_code: Option<&str>| match (code, example_code) {
        (Some(code), Some(shown)) if code != shown => Some(meaning_of(op, code, problem)),
        _ => None,
    };
    if let Some(Value::Object(error)) = body.get_mut("error") {
        let shown = error
            .get("code")
            .and_then(Value::as_str)
            .map(str::to_string);
        if let Some(message) = meaning(shown.as_deref()) {
            error.insert("message".into(), message.into());
            error.remove("details");
        }
        if let Some(code) = code {
            error.insert("code".into(), code.into());
        }
        if let Some(details) = &problem.details {
            error.insert("details".into(), Value::Object(details.clone()));
        }
    }
    let shown = body.get("code").and_then(Value::as_str).map(str::to_string);
    if let Some(code) = code.filter(|_| shown.is_some()) {
        if let Some(message) = meaning(shown.as_deref()) {
            body.insert("message".into(), message.into());
        }
        body.insert("code".into(), code.into());
    }
    if let (Some(Value::Object(_)), Some(errors)) = (body.get("errors"), &problem.errors) {
        body.insert("errors".into(), Value::Object(errors.clone()));
    }
    (status, Value::Object(body))
}

/// A status the spec gives no body for: a plain message, which every client can read.
fn undocumented(problem: &Problem) -> Value {
    let mut body = Map::new();
    body.insert("message".into(), problem.message.clone().into());
    if let Some(errors) = &problem.errors {
        body.insert("errors".into(), Value::Object(errors.clone()));
    }
    Value::Object(body)
}

/// The code for `status` when the operation documents exactly one.
fn only_code_for(op: &Operation, status: u16) -> Option<&'static str> {
    let mut codes = op.error_codes.iter().filter(|c| c.status == status);
    match (codes.next(), codes.next()) {
        (Some(only), None) => Some(only.code),
        _ => None,
    }
}

fn meaning_of(op: &Operation, code: &str, problem: &Problem) -> String {
    op.error_codes
        .iter()
        .find(|c| c.code == code)
        .map_or_else(|| problem.message.clone(), |c| c.message.to_string())
}
