//! Answers one request: route it to an operation of the generated tables, apply a queued
//! fault, check the token, validate the inputs, check the records the path names, then
//! carry out the operation's declared behaviour on the token's environment.

use std::sync::{Mutex, MutexGuard};

use serde_json::{Map, Value};

use super::error_reply::{self, Problem};
use super::faults::{Fault, LoggedRequest};
use super::http::{percent_decode, reason_phrase, HttpRequest, Reply};
use super::spec::{Action, Api, Failure, Operation, PageStyle, PageValue};
use super::store::{self, text, Record, Store};
use super::validate::{self, Violation};

/// The mock's state behind one lock: requests are short, and tests read it between them.
pub struct Engine {
    apis: &'static [&'static Api],
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    store: Store,
    faults: Vec<Fault>,
    log: Vec<LoggedRequest>,
}

/// A status with a body and extra headers.
struct Answer {
    status: u16,
    body: Body,
    headers: Vec<(String, String)>,
}

enum Body {
    None,
    Json(Value),
    /// Text as it is, with its content type: a fault's HTML error page.
    Text(&'static str, String),
}

impl Answer {
    fn json(status: u16, body: Value) -> Answer {
        Answer {
            status,
            body: Body::Json(body),
            headers: Vec::new(),
        }
    }
}

/// The operation a request reached, with its path parameters decoded.
struct Route {
    api: &'static Api,
    op: &'static Operation,
    path: Vec<(String, String)>,
}

impl Engine {
    pub fn new(apis: &'static [&'static Api]) -> Engine {
        Engine {
            apis,
            state: Mutex::default(),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves plain data behind; keep serving it.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn add_fault(&self, fault: Fault) -> Result<(), String> {
        fault.check()?;
        self.state().faults.push(fault);
        Ok(())
    }

    pub fn clear_faults(&self) {
        self.state().faults.clear();
    }

    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.state().log.clone()
    }

    pub fn clear_requests(&self) {
        self.state().log.clear();
    }

    /// Forgets every environment, fault and logged request.
    pub fn reset(&self) {
        let mut state = self.state();
        state.store.clear();
        state.faults.clear();
        state.log.clear();
    }

    pub fn handle(&self, request: HttpRequest) -> Reply {
        let route = self.route(&request);
        let mut entry = LoggedRequest::of(&request, route.as_ref().map(|r| r.op.id));
        let fault = self.take_fault(&request, route.as_ref());
        entry.fault = fault.is_some();
        let reply = match &fault {
            Some(fault) => self.faulty(fault, route.as_ref(), &request),
            None => finish(self.answer(route.as_ref(), &request), None),
        };
        entry.status = answered_status(&reply);
        self.state().log.push(entry);
        reply
    }

    fn route(&self, request: &HttpRequest) -> Option<Route> {
        let sent: Vec<&str> = request.path().split('/').collect();
        for api in self.apis {
            for op in api.operations {
                if op.method != request.method {
                    continue;
                }
                if let Some(path) = match_template(op.path, &sent) {
                    return Some(Route { api, op, path });
                }
            }
        }
        None
    }

    /// No operation matches: 405 with `Allow` when the path has operations under other
    /// methods (as the real API's framework answers), else 404.
    fn unrouted(&self, request: &HttpRequest) -> Answer {
        let sent: Vec<&str> = request.path().split('/').collect();
        let mut allowed: Vec<&str> = Vec::new();
        for op in self.apis.iter().flat_map(|api| api.operations) {
            if match_template(op.path, &sent).is_some() && !allowed.contains(&op.method) {
                allowed.push(op.method);
            }
        }
        let what = format!("{} {}", request.method, request.path());
        if allowed.is_empty() {
            let message = format!("The mock has no operation {what}");
            return Answer::json(404, serde_json::json!({ "message": message }));
        }
        let message = format!("The method is not allowed: {what}");
        let mut answer = Answer::json(405, serde_json::json!({ "message": message }));
        answer.headers.push(("Allow".into(), allowed.join(", ")));
        answer
    }

    fn take_fault(&self, request: &HttpRequest, route: Option<&Route>) -> Option<Fault> {
        let mut state = self.state();
        let template = route.map(|r| r.op.path);
        let index = state
            .faults
            .iter()
            .position(|f| f.applies_to(&request.method, request.path(), template))?;
        let fault = &mut state.faults[index];
        fault.times -= 1;
        let taken = fault.clone();
        if fault.times == 0 {
            state.faults.remove(index);
        }
        Some(taken)
    }

    fn faulty(&self, fault: &Fault, route: Option<&Route>, request: &HttpRequest) -> Reply {
        if fault.drop {
            return delayed(Reply::Drop, fault);
        }
        let mut answer = match fault.status {
            None => self.answer(route, request),
            Some(status) => match &fault.body {
                Some(Value::String(text)) => {
                    let kind = if text.trim_start().starts_with('<') {
                        "text/html; charset=utf-8"
                    } else {
                        "text/plain; charset=utf-8"
                    };
                    Answer {
                        status,
                        body: Body::Text(kind, text.clone()),
                        headers: Vec::new(),
                    }
                }
                Some(body) => Answer::json(status, body.clone()),
                None => {
                    let problem = Problem {
                        message: reason_phrase(status).to_string(),
                        ..Problem::default()
                    };
                    match route {
                        Some(route) => {
                            let failure = Failure { status, code: None };
                            let (status, body) = error_reply::build(route.op, failure, &problem);
                            Answer::json(status, body)
                        }
                        None => {
                            Answer::json(status, serde_json::json!({"message": problem.message}))
                        }
                    }
                }
            },
        };
        answer
            .headers
            .extend(fault.headers.iter().map(|(k, v)| (k.clone(), v.clone())));
        finish(answer, Some(fault))
    }

    fn answer(&self, route: Option<&Route>, request: &HttpRequest) -> Answer {
        let Some(route) = route else {
            return self.unrouted(request);
        };
        let op = route.op;
        let token = bearer(request);
        if op.auth {
            let valid =
                token.is_some_and(|t| route.api.token_prefix.is_none_or(|p| t.starts_with(p)));
            if !valid {
                let problem = Problem {
                    message: "The bearer token is missing or invalid.".into(),
                    ..Problem::default()
                };
                let failure = Failure {
                    status: 401,
                    code: None,
                };
                let (status, body) = error_reply::build(op, failure, &problem);
                return Answer::json(status, body);
            }
        }
        let inputs = match Inputs::read(route, request) {
            Ok(inputs) => inputs,
            Err(violations) => return invalid(op, &violations),
        };
        let mut state = self.state();
        let environment = state.store.environment(token.unwrap_or_default());
        for requirement in op.requires {
            let Some(wanted) = inputs.get(requirement.param).cloned() else {
                continue;
            };
            let records = environment.records(route.api, requirement.collection);
            let found = records
                .iter()
                .find(|r| r.get("id").is_some_and(|id| same(id, &wanted)));
            let fits = found.is_some_and(|record| {
                requirement.state.iter().all(|(field, value)| {
                    let value: Value = serde_json::from_str(value).unwrap_or(Value::Null);
                    record.get(field) == Some(&value)
                })
            });
            if !fits {
                let problem = Problem {
                    message: format!(
                        "No usable {} record has the id {}.",
                        requirement.collection,
                        text(&wanted)
                    ),
                    details: Some(Map::from_iter([(requirement.param.to_string(), wanted)])),
                    errors: None,
                };
                let (status, body) = error_reply::build(op, requirement.failure, &problem);
                return Answer::json(status, body);
            }
        }
        let behaviour = &op.behaviour;
        let Some(collection) = behaviour.collection else {
            return success(op, None);
        };
        let records = environment.records(route.api, collection);
        match behaviour.action {
            Action::Example => success(op, None),
            Action::Create => {
                let record = inputs.create(op, collection, records);
                records.push(record.clone());
                success(op, Some(Value::Object(record.data)))
            }
            Action::List => {
                let (items, meta) = inputs.list(op, records);
                let mut answer = success(op, Some(Value::Array(items)));
                if let Body::Json(body) = &mut answer.body {
                    for (path, value) in meta {
                        set_path(body, path, value);
                    }
                }
                answer
            }
            Action::Retrieve | Action::Update | Action::Upsert | Action::Delete => {
                let index = records.iter().position(|r| inputs.identifies(op, r));
                match (behaviour.action, index) {
                    (Action::Upsert, None) => {
                        let record = inputs.create(op, collection, records);
                        records.push(record.clone());
                        success(op, Some(Value::Object(record.data)))
                    }
                    (_, None) => not_found(op, &inputs),
                    (Action::Retrieve, Some(i)) => {
                        success(op, Some(Value::Object(records[i].data.clone())))
                    }
                    (Action::Delete, Some(i)) => {
                        let record = records.remove(i);
                        success(op, Some(Value::Object(record.data)))
                    }
                    (_, Some(i)) => {
                        inputs.update(op, &mut records[i]);
                        success(op, Some(Value::Object(records[i].data.clone())))
                    }
                }
            }
        }
    }
}

/// The decoded, validated inputs of one request, as JSON.
struct Inputs {
    path: Map<String, Value>,
    query: Map<String, Value>,
    body: Map<String, Value>,
}

impl Inputs {
    fn read(route: &Route, request: &HttpRequest) -> Result<Inputs, Vec<Violation>> {
        let op = route.op;
        let path = validate::from_text(op.path_params, &route.path);
        let query = validate::from_text(op.query, &request.query_pairs());
        let mut violations = Vec::new();
        validate::fields(op.path_params, &path, "", &mut violations);
        validate::fields(op.query, &query, "", &mut violations);
        let mut body = Map::new();
        if let Some(fields) = op.body {
            // A body that is not an object is the one problem; its fields would only repeat it.
            match serde_json::from_slice::<Value>(&request.body) {
                _ if request.body.is_empty() => {
                    validate::fields(fields, &body, "", &mut violations)
                }
                Ok(Value::Object(object)) => {
                    validate::fields(fields, &object, "", &mut violations);
                    body = object;
                }
                _ => violations.push(Violation {
                    field: "body".into(),
                    rule: validate::Rule::Type,
                    message: "The request body must be a JSON object.".into(),
                    value: Value::Null,
                }),
            }
        }
        if violations.is_empty() {
            Ok(Inputs { path, query, body })
        } else {
            Err(violations)
        }
    }

    /// A path parameter, else a body field.
    fn get(&self, name: &str) -> Option<&Value> {
        self.path.get(name).or_else(|| self.body.get(name))
    }

    /// Whether `record` is the one the request's lookup parameters name.
    fn identifies(&self, op: &Operation, record: &Record) -> bool {
        op.behaviour.lookup.iter().all(|m| {
            self.get(m.param)
                .is_some_and(|wanted| record.matches(m, wanted))
        })
    }

    fn create(&self, op: &Operation, collection: &str, existing: &[Record]) -> Record {
        let template = documented_success(op)
            .and_then(|(_, body)| {
                let at = op.behaviour.record_at?;
                body.get(at).cloned()
            })
            .and_then(|v| match v {
                Value::Object(map) => Some(map),
                _ => None,
            })
            .unwrap_or_default();
        let id = store::new_id(template.get("id"), collection, existing);
        let mut record = Record {
            data: template,
            inputs: Map::new(),
        };
        if record.data.contains_key("id") || record.data.is_empty() {
            record.data.insert("id".into(), id.clone());
        }
        self.write(op, &mut record, &id, true);
        record
    }

    fn update(&self, op: &Operation, record: &mut Record) {
        let id = record.get("id").cloned().unwrap_or(Value::Null);
        self.write(op, record, &id, false);
    }

    fn write(&self, op: &Operation, record: &mut Record, id: &Value, created: bool) {
        let behaviour = &op.behaviour;
        // Initial values first, so a value the request gives wins over a default.
        let initial = if created { behaviour.initial } else { &[] };
        self.set(record, initial, id);
        for name in behaviour.copy {
            if let Some(value) = self.get(name) {
                record.data.insert(name.to_string(), value.clone());
            }
        }
        self.set(record, behaviour.set, id);
        for (name, value) in self.path.iter().chain(&self.body) {
            record.inputs.insert(name.clone(), value.clone());
        }
    }

    fn set(&self, record: &mut Record, values: &[(&str, &str)], id: &Value) {
        for (field, value) in values {
            if let Some(value) = self.resolve(value, id) {
                record.data.insert(field.to_string(), value);
            }
        }
    }

    /// A `set` value: JSON, or `$now`, `$id`, `$body.<field>`, `$path.<param>`.
    fn resolve(&self, text: &str, id: &Value) -> Option<Value> {
        let value: Value = serde_json::from_str(text).ok()?;
        let Some(reference) = value.as_str().and_then(|s| s.strip_prefix('$')) else {
            return Some(value);
        };
        match reference.split_once('.') {
            Some(("body", name)) => self.body.get(name).cloned(),
            Some(("path", name)) => self.path.get(name).cloned(),
            _ if reference == "now" => Some(Value::String(store::now())),
            _ if reference == "id" => Some(id.clone()),
            _ => None,
        }
    }

    /// The page of matching records (newest first) and the page fields to report.
    fn list(
        &self,
        op: &'static Operation,
        records: &[Record],
    ) -> (Vec<Value>, Vec<(&'static str, Value)>) {
        let behaviour = &op.behaviour;
        let matching: Vec<&Record> = records
            .iter()
            .rev()
            .filter(|r| self.identifies(op, r))
            .filter(|r| {
                behaviour.filters.iter().all(|m| {
                    self.query
                        .get(m.param)
                        .is_none_or(|wanted| r.matches(m, wanted))
                })
            })
            .collect();
        let Some(page) = &behaviour.page else {
            let items = matching
                .iter()
                .map(|r| Value::Object(r.data.clone()))
                .collect();
            return (items, Vec::new());
        };
        let number = |name: &str| self.query.get(name).and_then(Value::as_u64);
        let size = number(page.size_param).unwrap_or(page.default_size).max(1);
        let (current, start) = match page.style {
            PageStyle::Page => {
                let current = number(page.param).unwrap_or(1).max(1);
                (current, (current - 1).saturating_mul(size))
            }
            PageStyle::Offset => {
                let offset = number(page.param).unwrap_or(0);
                (offset, offset)
            }
        };
        let total = matching.len() as u64;
        let items: Vec<Value> = matching
            .iter()
            .skip(usize::try_from(start).unwrap_or(usize::MAX))
            .take(usize::try_from(size).unwrap_or(usize::MAX))
            .map(|r| Value::Object(r.data.clone()))
            .collect();
        let shown = items.len() as u64;
        let meta = page
            .fields
            .iter()
            .map(|(path, value)| {
                let value = match value {
                    PageValue::Current => current,
                    PageValue::Last => total.div_ceil(size).max(1),
                    PageValue::Size => size,
                    PageValue::Total => total,
                    PageValue::From if shown > 0 => start + 1,
                    PageValue::To if shown > 0 => start + shown,
                    PageValue::From | PageValue::To => 0,
                };
                (*path, Value::from(value))
            })
            .collect();
        (items, meta)
    }
}

/// The status a reply sends; `None` when it closes the connection without one.
fn answered_status(reply: &Reply) -> Option<u16> {
    match reply {
        Reply::Respond { status, .. } | Reply::Truncate { status, .. } => Some(*status),
        Reply::After(_, inner) => answered_status(inner),
        Reply::Drop => None,
    }
}

/// Segment-by-segment match of a path against a template; placeholders take one non-empty
/// segment, percent-decoded.
fn match_template(template: &str, sent: &[&str]) -> Option<Vec<(String, String)>> {
    let parts: Vec<&str> = template.split('/').collect();
    if parts.len() != sent.len() {
        return None;
    }
    let mut params = Vec::new();
    for (part, segment) in parts.iter().zip(sent) {
        match part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
            Some(name) if !segment.is_empty() => {
                params.push((name.to_string(), percent_decode(segment)?));
            }
            Some(_) => return None,
            None if part == segment => {}
            None => return None,
        }
    }
    Some(params)
}

fn bearer(request: &HttpRequest) -> Option<&str> {
    let value = request.header("authorization")?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// The answer to a request that breaks the spec: the failure its first broken field is
/// declared with, and every message per field.
fn invalid(op: &Operation, violations: &[Violation]) -> Answer {
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

fn not_found(op: &Operation, inputs: &Inputs) -> Answer {
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
fn documented_success(op: &Operation) -> Option<(u16, Value)> {
    let response = op
        .responses
        .iter()
        .find(|r| (200..300).contains(&r.status))?;
    let body = serde_json::from_str(response.body).unwrap_or(Value::Null);
    Some((response.status, body))
}

/// The documented success answer, with `record` (a record or a list) in its place.
fn success(op: &Operation, record: Option<Value>) -> Answer {
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
fn set_path(body: &mut Value, path: &str, value: Value) {
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

fn same(a: &Value, b: &Value) -> bool {
    text(a) == text(b)
}

fn finish(answer: Answer, fault: Option<&Fault>) -> Reply {
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
fn delayed(reply: Reply, fault: &Fault) -> Reply {
    match fault.delay_duration() {
        Some(delay) => Reply::After(delay, Box::new(reply)),
        None => reply,
    }
}
