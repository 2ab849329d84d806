//! Answers one request: route it to an operation of the generated tables, count it against
//! its token's rate-limit window, apply a queued fault, check the token, validate the
//! inputs, check the records the path names, then carry out the operation's declared
//! behaviour on the token's environment.

use std::sync::{Mutex, MutexGuard};
use std::time::{Instant, SystemTime};

use serde_json::{Map, Value};

use super::answer::{
    answered_body, answered_status, delayed, finish, invalid, not_found, set_path, success, Answer,
    Body,
};
use super::error_reply::{self, Problem};
use super::faults::{Fault, LoggedRequest};
use super::http::{percent_decode, reason_phrase, HttpRequest, Reply};
use super::inputs::Inputs;
use super::log::{LogLimits, RequestLog};
use super::rate_limit::{RateLimiter, Verdict};
use super::spec::{json, Action, Api, Failure, Operation};
use super::store::{text, Store};

/// The mock's state behind one lock: requests are short, and tests read it between them.
pub struct Engine {
    apis: &'static [&'static Api],
    state: Mutex<State>,
}

struct State {
    store: Store,
    faults: Vec<Fault>,
    log: RequestLog,
    limiter: RateLimiter,
}

/// The operation a request reached, with its path parameters decoded.
struct Route {
    api: &'static Api,
    op: &'static Operation,
    path: Vec<(String, String)>,
}

impl Engine {
    pub fn new(
        apis: &'static [&'static Api],
        log: LogLimits,
        rate_limit_per_minute: Option<u32>,
    ) -> Engine {
        let state = State {
            store: Store::default(),
            faults: Vec::new(),
            log: RequestLog::new(log),
            limiter: RateLimiter::new(rate_limit_per_minute),
        };
        Engine {
            apis,
            state: Mutex::new(state),
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
        self.state().log.read()
    }

    pub fn clear_requests(&self) {
        self.state().log.clear();
    }

    /// The bytes the request log holds.
    pub fn log_bytes(&self) -> usize {
        self.state().log.bytes()
    }

    pub fn rate_limit(&self) -> Option<u32> {
        self.state().limiter.per_minute()
    }

    /// Sets or lifts the per-token limit; every token starts a fresh window.
    pub fn set_rate_limit(&self, per_minute: Option<u32>) {
        self.state().limiter.set_per_minute(per_minute);
    }

    /// Forgets every environment, fault, logged request and rate-limit window (the limit
    /// itself stays).
    pub fn reset(&self) {
        let mut state = self.state();
        state.store.clear();
        state.faults.clear();
        state.log.clear();
        state.limiter.clear();
    }

    pub fn handle(&self, request: HttpRequest) -> Reply {
        let route = self.route(&request);
        let mut entry = LoggedRequest::of(&request, route.as_ref().map(|r| r.op.id));
        let key = bearer(&request).unwrap_or_default();
        let verdict = self.state().limiter.take(key, Instant::now());
        // A request over the limit touches nothing: no fault is used up, no record changed.
        let fault = verdict
            .allowed
            .then(|| self.take_fault(&request, route.as_ref()))
            .flatten();
        entry.fault = fault.is_some();
        let mut reply = match &fault {
            Some(fault) => self.faulty(fault, route.as_ref(), &request),
            None if verdict.allowed => finish(self.answer(route.as_ref(), &request), None),
            None => finish(rate_limited(route.as_ref(), &verdict), None),
        };
        add_missing_headers(&mut reply, verdict.headers(SystemTime::now()));
        entry.status = answered_status(&reply);
        self.state()
            .log
            .push(entry, &request.body, answered_body(&reply));
        reply
    }

    fn route(&self, request: &HttpRequest) -> Option<Route> {
        let sent: Vec<&str> = request.path().split('/').collect();
        // The most specific template wins: `/calendars/sync-status` over `/calendars/{id}`,
        // whatever order the spec lists them in.
        self.apis
            .iter()
            .flat_map(|api| api.operations.iter().map(move |op| (*api, op)))
            .filter(|(_, op)| op.method == request.method)
            .filter_map(|(api, op)| {
                let path = match_template(op.path, &sent)?;
                Some((path.len(), Route { api, op, path }))
            })
            .min_by_key(|(placeholders, _)| *placeholders)
            .map(|(_, route)| route)
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
        let inputs = match Inputs::read(op, &route.path, request) {
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
                requirement
                    .state
                    .iter()
                    .all(|(field, value)| record.get(field) == Some(json(value)))
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

/// The answer to a request over its token's limit: the operation's documented 429 with
/// `details.retry_after` where its shape has details, else a plain message; `Retry-After`
/// says when the window ends.
fn rate_limited(route: Option<&Route>, verdict: &Verdict) -> Answer {
    let retry_after = verdict.retry_after();
    let problem = Problem {
        message: format!(
            "Rate limit exceeded: the limit is {} a minute per token; retry in {retry_after} s.",
            verdict.limit
        ),
        details: Some(Map::from_iter([(
            "retry_after".to_string(),
            Value::from(retry_after),
        )])),
        errors: None,
    };
    let (status, body) = match route {
        Some(route) => {
            let failure = Failure {
                status: 429,
                code: None,
            };
            error_reply::build(route.op, failure, &problem)
        }
        None => (429, serde_json::json!({ "message": problem.message })),
    };
    let mut answer = Answer::json(status, body);
    answer
        .headers
        .push(("Retry-After".into(), retry_after.to_string()));
    answer
}

/// Adds `headers` to whatever the reply sends, except those it already has (a fault's own
/// headers win).
fn add_missing_headers(reply: &mut Reply, headers: impl IntoIterator<Item = (String, String)>) {
    match reply {
        Reply::Respond { headers: have, .. } | Reply::Truncate { headers: have, .. } => {
            for (name, value) in headers {
                if !have.iter().any(|(n, _)| n.eq_ignore_ascii_case(&name)) {
                    have.push((name, value));
                }
            }
        }
        Reply::After(_, inner) => add_missing_headers(inner, headers),
        Reply::Drop => {}
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

fn same(a: &Value, b: &Value) -> bool {
    text(a) == text(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mock::spec::{Behaviour, Field, Invalid, Response};

    /// A public operation answering `{}`, with one string path parameter if it has one.
    fn op(id: &'static str, path: &'static str) -> Operation {
        static ID: [Field; 1] = [Field {
            wire: "id",
            ty: crate::mock::spec::Type::String,
            required: true,
            nullable: false,
            checks: crate::mock::spec::Checks::NONE,
        }];
        let no_code = Failure {
            status: 400,
            code: None,
        };
        Operation {
            id,
            method: "GET",
            path,
            path_params: if path.contains('{') { &ID } else { &[] },
            query: &[],
            body: None,
            body_required: false,
            auth: false,
            responses: &[Response {
                status: 200,
                body: "{}",
            }],
            error_codes: &[],
            invalid: Invalid {
                by_field: &[],
                default: no_code,
            },
            requires: &[],
            behaviour: Behaviour {
                action: Action::Example,
                collection: None,
                record_at: None,
                lookup: &[],
                filters: &[],
                copy: &[],
                set: &[],
                initial: &[],
                page: None,
                not_found: no_code,
            },
        }
    }

    fn get(engine: &Engine, path: &str) -> Option<String> {
        engine.handle(HttpRequest {
            method: "GET".into(),
            target: path.into(),
            headers: Vec::new(),
            body: Vec::new(),
        });
        engine.requests().pop().and_then(|r| r.operation)
    }

    #[test]
    fn a_literal_segment_beats_a_placeholder_in_any_order() {
        // The placeholder route comes first, as a spec may list it.
        let operations: &'static [Operation] = Box::leak(Box::new([
            op("getCalendar", "/calendars/{id}"),
            op("getSyncStatus", "/calendars/sync-status"),
        ]));
        let api: &'static Api = Box::leak(Box::new(Api {
            name: "test",
            token_prefix: None,
            collections: &[],
            operations,
        }));
        let engine = Engine::new(Box::leak(Box::new([api])), LogLimits::default(), None);
        assert_eq!(
            get(&engine, "/calendars/sync-status").as_deref(),
            Some("getSyncStatus")
        );
        assert_eq!(
            get(&engine, "/calendars/cal_1").as_deref(),
            Some("getCalendar")
        );
        assert_eq!(get(&engine, "/calendars").as_deref(), None);
    }
}
