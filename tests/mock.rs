//! The spec-driven mock server (`talkover::mock`, feature `mock`) through the real clients
//! and through raw HTTP: authentication, validation, stored state, list filters and pages,
//! token isolation, every fault kind, the `/__mock__/` controls and the `talkover-mock`
//! binary, the bounds that keep it small (connections, timeouts, the log) and its per-token
//! rate limiting. Each test checks both what the client parsed and what the mock logged.
#![cfg(feature = "mock")]

mod support;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};
use support::queried;
use talkover::mock::{Fault, InvalidFault, LoggedRequest, MockServer};
use talkover::{
    ActionInput, ActionType, ApiError, Call, CallDirection, CallStatus, Error, ListCallsParams,
    ListCallsResponse, MakeCallParams, UpsertAgentActionParams,
};

const MAKE_CALL: &str = "/api/v1/agents/{agent_id}/call";
const SEED_CALLS: [&str; 2] = ["call-uuid-2", "call-uuid-1"];

fn start() -> MockServer {
    MockServer::start().expect("the mock starts on a free port")
}

/// A client of the mock. Every client here has retries off: each test is about what the
/// mock answers to one request (the SDK's retries are tested in tests/retries.rs).
fn client(mock: &MockServer) -> talkover::Client {
    client_with_token(mock, mock.token())
}

/// A client that sends what it is given, for requests the SDK would refuse.
fn unchecked(mock: &MockServer) -> talkover::Client {
    talkover::Client::builder()
        .token(mock.token())
        .base_url(mock.url())
        .max_retries(0)
        .validate(false)
        .build()
        .expect("client")
}

fn client_with_token(mock: &MockServer, token: &str) -> talkover::Client {
    talkover::Client::builder()
        .token(token)
        .base_url(mock.url())
        .max_retries(0)
        .build()
        .expect("client")
}

fn talkturo(mock: &MockServer, token: &str) -> talkover::talkturo::Client {
    talkover::talkturo::Client::builder()
        .token(token)
        .base_url(mock.url())
        .max_retries(0)
        .build()
        .expect("client")
}

fn call_to(to: &str) -> MakeCallParams {
    MakeCallParams {
        to: to.into(),
        ..Default::default()
    }
}

fn api_error<T: std::fmt::Debug>(result: Result<T, Error>) -> ApiError {
    match result {
        Err(Error::Api(e)) => *e,
        other => panic!("expected Error::Api, got {other:?}"),
    }
}

fn body_json(e: &ApiError) -> Value {
    serde_json::from_str(&e.body).unwrap_or_else(|err| panic!("{err}: {}", e.body))
}

fn list(client: &talkover::Client, params: ListCallsParams) -> ListCallsResponse {
    client
        .calls()
        .list(&params)
        .expect("a page of calls")
        .into_response()
}

fn ids(calls: &[Call]) -> Vec<&str> {
    calls.iter().map(|c| c.id.as_str()).collect()
}

/// The ids of every call (on the first page of up to 100) matching `params`.
fn matching(client: &talkover::Client, params: ListCallsParams) -> Vec<String> {
    let page = list(
        client,
        ListCallsParams {
            per_page: Some(100),
            ..params
        },
    );
    page.data.into_iter().map(|c| c.id).collect()
}

fn only_request(mock: &MockServer) -> LoggedRequest {
    let log = mock.requests();
    assert_eq!(log.len(), 1, "expected one logged request: {log:#?}");
    log.into_iter().next().expect("one request")
}

/// The status and fault flag of every logged request, in order.
fn statuses(mock: &MockServer) -> Vec<(Option<u16>, bool)> {
    mock.requests()
        .iter()
        .map(|r| (r.status, r.fault))
        .collect()
}

/// An answer to a hand-made request.
struct Raw {
    status: u16,
    /// Lower-case names.
    headers: Vec<(String, String)>,
    body: String,
}

impl Raw {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {:?}", self.body))
    }
}

/// Sends `method path` to the mock as given: the body is sent as it is, as JSON.
fn raw(mock: &MockServer, method: &str, path: &str, token: Option<&str>, body: &str) -> Raw {
    raw_at(mock.url(), method, path, token, body)
}

/// [`raw`] to a server at `base` (`http://127.0.0.1:4010`).
fn raw_at(base: &str, method: &str, path: &str, token: Option<&str>, body: &str) -> Raw {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .proxy(None)
        .build()
        .into();
    let mut request = ureq::http::Request::builder()
        .method(method)
        .uri(format!("{base}{path}"));
    if let Some(token) = token {
        request = request.header("Authorization", format!("Bearer {token}"));
    }
    if !body.is_empty() {
        request = request.header("Content-Type", "application/json");
    }
    let request = request.body(body.to_string()).expect("a valid request");
    let mut response = agent.run(request).expect("an answer");
    Raw {
        status: response.status().as_u16(),
        headers: response
            .headers()
            .iter()
            .filter_map(|(n, v)| Some((n.as_str().to_string(), v.to_str().ok()?.to_string())))
            .collect(),
        body: response.body_mut().read_to_string().expect("a body"),
    }
}

fn action(node_id: &str, name: &str) -> UpsertAgentActionParams {
    UpsertAgentActionParams {
        node_id: node_id.into(),
        name: name.into(),
        description: "Books a meeting".into(),
        r#type: ActionType::Webhook,
        ..Default::default()
    }
}

// ---- authentication ----

#[test]
fn make_call_without_a_token_is_401_invalid_token() {
    let mock = start();
    let answer = raw(
        &mock,
        "POST",
        "/api/v1/agents/agent_123456/call",
        None,
        r#"{"to":"+1234567890"}"#,
    );
    assert_eq!(answer.status, 401);
    assert_eq!(
        answer.json(),
        json!({"error": {"code": "INVALID_TOKEN", "message": "Invalid or missing authentication token"}})
    );
    let logged = only_request(&mock);
    assert_eq!(logged.status, Some(401));
    assert_eq!(logged.operation.as_deref(), Some("makeCall"));
    assert!(!logged.headers.contains_key("authorization"), "{logged:?}");
    assert_eq!(
        matching(&client(&mock), ListCallsParams::default()),
        SEED_CALLS,
        "nothing created"
    );
}

#[test]
fn make_call_with_a_token_of_the_wrong_form_is_401_invalid_token() {
    let mock = start();
    let e = api_error(
        client_with_token(&mock, "abc")
            .calls()
            .create("agent_123456", &call_to("+1234567890")),
    );
    assert_eq!(e.status, 401);
    assert_eq!(e.code.as_deref(), Some("INVALID_TOKEN"));
    assert_eq!(e.message, "Invalid or missing authentication token");
    assert_eq!(e.details, None);
    let logged = only_request(&mock);
    assert_eq!(logged.status, Some(401));
    assert_eq!(logged.headers["authorization"], "Bearer [redacted]");
}

#[test]
fn list_calls_with_a_bad_token_is_401_in_its_own_flat_shape() {
    let mock = start();
    let e = api_error(
        client_with_token(&mock, "abc")
            .calls()
            .list(&ListCallsParams::default()),
    );
    assert_eq!(e.status, 401);
    assert_eq!(e.code, None);
    assert_eq!(e.message, "Unauthorized");
    assert_eq!(
        body_json(&e),
        json!({"success": false, "message": "Unauthorized"})
    );

    let answer = raw(&mock, "GET", "/api/v1/calls", None, "");
    assert_eq!(answer.status, 401);
    assert_eq!(
        answer.json(),
        json!({"success": false, "message": "Unauthorized"})
    );
    assert_eq!(statuses(&mock), [(Some(401), false), (Some(401), false)]);
}

#[test]
fn talkturo_accepts_any_non_empty_token() {
    use talkover::talkturo::CreateAssistantParams;
    let mock = start();
    let created = talkturo(&mock, "anything-goes")
        .assistants()
        .create(&CreateAssistantParams {
            account_slug: "my-team".into(),
            name: "Support Agent".into(),
            template_id: None,
        })
        .expect("any token is accepted");
    assert_eq!(created.name.as_deref(), Some("Support Agent"));

    let missing = raw(
        &mock,
        "POST",
        "/api/assistants",
        None,
        r#"{"accountSlug":"t","name":"n"}"#,
    );
    assert_eq!(missing.status, 401);
    assert_eq!(missing.json(), json!({"error": "Unauthorized"}));
    let blank = raw(
        &mock,
        "POST",
        "/api/assistants",
        Some(""),
        r#"{"accountSlug":"t","name":"n"}"#,
    );
    assert_eq!(blank.status, 401);
    assert_eq!(
        statuses(&mock),
        [(Some(200), false), (Some(401), false), (Some(401), false)]
    );
}

#[test]
fn the_log_never_holds_a_token() {
    let mock = start();
    let secret = "talq_SECRET_never_log_me";
    client(&mock).health().check().expect("healthy");
    client_with_token(&mock, secret)
        .health()
        .check()
        .expect("healthy");
    let _ = talkturo(&mock, "tt_SECRET_too")
        .assistants()
        .retrieve("asst_1");

    let log = mock.requests();
    assert_eq!(log.len(), 3);
    for logged in &log {
        assert_eq!(logged.headers["authorization"], "Bearer [redacted]");
    }
    let over_http = raw(&mock, "GET", "/__mock__/requests", None, "").body;
    for text in [format!("{log:?}"), format!("{log:#?}"), over_http] {
        for token in [mock.token(), secret, "tt_SECRET_too"] {
            assert!(!text.contains(token), "token {token} in the log: {text}");
        }
    }
}

// ---- validation ----

#[test]
fn make_call_to_a_number_without_plus_is_400_invalid_phone_number() {
    let mock = start();
    let e = api_error(
        unchecked(&mock)
            .calls()
            .create("agent_123456", &call_to("1234567890")),
    );
    assert_eq!(e.status, 400);
    assert_eq!(e.code.as_deref(), Some("INVALID_PHONE_NUMBER"));
    assert_eq!(
        e.message,
        "Phone number must be in international format (e.g., +1234567890)"
    );
    assert_eq!(
        e.details,
        Some(json!({"field": "to", "value": "1234567890"}))
    );
    let logged = only_request(&mock);
    assert_eq!(logged.body, json!({"to": "1234567890"}));
    assert_eq!(logged.status, Some(400));
}

#[test]
fn make_call_without_to_is_400_missing_phone_number() {
    let mock = start();
    let answer = raw(
        &mock,
        "POST",
        "/api/v1/agents/agent_123456/call",
        Some(mock.token()),
        "{}",
    );
    assert_eq!(answer.status, 400);
    let body = answer.json();
    assert_eq!(body["error"]["code"], "MISSING_PHONE_NUMBER");
    assert_eq!(
        body["error"]["details"],
        json!({"field": "to", "value": null})
    );
    assert_eq!(only_request(&mock).body, json!({}));
}

#[test]
fn make_call_with_delay_over_an_hour_is_400_validation_error() {
    let mock = start();
    let params = MakeCallParams {
        delay_seconds: Some(5000),
        ..call_to("+1234567890")
    };
    let e = api_error(unchecked(&mock).calls().create("agent_123456", &params));
    assert_eq!(e.status, 400);
    assert_eq!(e.code.as_deref(), Some("VALIDATION_ERROR"));
    assert_eq!(e.message, "The delay seconds field must be at most 3600.");
    assert_eq!(
        e.details,
        Some(json!({"field": "delay_seconds", "value": 5000}))
    );
    assert_eq!(only_request(&mock).body["delay_seconds"], 5000);
}

#[test]
fn make_call_with_a_number_for_to_is_400() {
    let mock = start();
    let answer = raw(
        &mock,
        "POST",
        "/api/v1/agents/agent_123456/call",
        Some(mock.token()),
        r#"{"to":5}"#,
    );
    assert_eq!(answer.status, 400);
    let body = answer.json();
    assert_eq!(body["error"]["code"], "INVALID_PHONE_NUMBER");
    assert_eq!(body["error"]["details"], json!({"field": "to", "value": 5}));
    assert_eq!(only_request(&mock).body, json!({"to": 5}));
}

#[test]
fn a_body_that_is_not_json_is_refused() {
    let mock = start();
    let token = Some(mock.token());
    let call = raw(
        &mock,
        "POST",
        "/api/v1/agents/agent_123456/call",
        token,
        "to=+1234567890",
    );
    assert_eq!(call.status, 400);
    // The body itself is the problem, not a missing `to`: the general validation failure.
    assert_eq!(call.json()["error"]["code"], "VALIDATION_ERROR");
    assert_eq!(call.json()["error"]["details"]["field"], "body");

    let upsert = raw(
        &mock,
        "POST",
        "/api/v1/agents/agent-uuid-1/actions",
        token,
        "[1, 2]",
    );
    assert_eq!(upsert.status, 422);
    assert_eq!(
        upsert.json()["errors"]["body"],
        json!(["The request body must be a JSON object."])
    );
    let log = mock.requests();
    assert_eq!(log[0].body, json!("to=+1234567890"), "kept as text");
    assert_eq!(log[1].body, json!([1, 2]));
    assert_eq!(statuses(&mock), [(Some(400), false), (Some(422), false)]);
}

#[test]
fn list_calls_refuses_each_bad_query_parameter_with_422() {
    let cases = [
        (
            ListCallsParams {
                status: Some(CallStatus::Unknown("bogus".into())),
                ..Default::default()
            },
            "status",
            "bogus",
            "The selected status is invalid.",
        ),
        (
            ListCallsParams {
                per_page: Some(500),
                ..Default::default()
            },
            "per_page",
            "500",
            "The per page field must be at most 100.",
        ),
        (
            ListCallsParams {
                date_from: Some("2024-13-01".into()),
                ..Default::default()
            },
            "date_from",
            "2024-13-01",
            "The date from must be a valid date.",
        ),
    ];
    for (params, field, sent, message) in cases {
        let mock = start();
        let e = api_error(unchecked(&mock).calls().list(&params));
        assert_eq!(e.status, 422, "{field}");
        assert_eq!(e.code, None);
        assert_eq!(e.message, "The given data was invalid.");
        assert_eq!(e.errors.keys().collect::<Vec<_>>(), [field]);
        assert_eq!(e.errors[field], [message]);
        assert_eq!(only_request(&mock).query[field], [sent]);
    }
}

#[test]
fn upsert_action_refuses_each_bad_field_with_422() {
    let long_name = "x".repeat(256);
    let cases = [
        (
            action("n1", &long_name),
            "name",
            json!(long_name),
            "The name field must not be greater than 255 characters.",
        ),
        (
            UpsertAgentActionParams {
                r#type: ActionType::Unknown("carrier-pigeon".into()),
                ..action("n1", "Send")
            },
            "type",
            json!("carrier-pigeon"),
            "The selected type is invalid.",
        ),
        (
            UpsertAgentActionParams {
                url: Some("api.example.com/hook".into()),
                ..action("n1", "Hook")
            },
            "url",
            json!("api.example.com/hook"),
            "The url must be a valid URL.",
        ),
    ];
    for (params, field, sent, message) in cases {
        let mock = start();
        let e = api_error(
            unchecked(&mock)
                .agents()
                .actions()
                .upsert("agent-uuid-1", &params),
        );
        assert_eq!(e.status, 422, "{field}");
        assert_eq!(e.message, "The given data was invalid.");
        assert_eq!(e.errors.keys().collect::<Vec<_>>(), [field]);
        assert_eq!(e.errors[field], [message]);
        assert_eq!(only_request(&mock).body[field], sent);
    }
}

#[test]
fn talkturo_create_without_a_name_is_400() {
    let mock = start();
    let answer = raw(
        &mock,
        "POST",
        "/api/assistants",
        Some("tt"),
        r#"{"accountSlug":"my-team"}"#,
    );
    assert_eq!(answer.status, 400);
    assert_eq!(
        answer.json(),
        json!({"message": "The name field is required.", "errors": {"name": ["The name field is required."]}})
    );
    let logged = only_request(&mock);
    assert_eq!(logged.operation.as_deref(), Some("createAssistant"));
    assert_eq!(logged.status, Some(400));
}

// ---- state ----

#[test]
fn a_made_call_comes_first_in_the_list() {
    let mock = start();
    let client = client(&mock);
    let params = MakeCallParams {
        is_testing: Some(true),
        ..call_to("+15550001111")
    };
    let call = client
        .calls()
        .create("agent_123456", &params)
        .expect("created");
    assert!(call.id.starts_with("call_"), "{}", call.id);
    assert_eq!(call.status, CallStatus::Initiated);
    assert_eq!(call.direction, Some(CallDirection::Outbound));
    assert_eq!(call.agent_id.as_deref(), Some("agent_123456"));
    assert_eq!(call.to, "+15550001111");
    assert_eq!(call.is_testing, Some(true));
    assert_eq!(
        call.created_at.len(),
        "2024-01-15T10:30:00Z".len(),
        "{}",
        call.created_at
    );

    let page = list(&client, ListCallsParams::default());
    assert_eq!(
        ids(&page.data),
        [call.id.as_str(), SEED_CALLS[0], SEED_CALLS[1]]
    );
    assert_eq!(page.data[0], call);
    assert_eq!(page.pagination.total, 3);

    let log = mock.requests();
    assert_eq!(log.len(), 2);
    assert_eq!(log[0].operation.as_deref(), Some("makeCall"));
    assert_eq!(log[0].path, "/api/v1/agents/agent_123456/call");
    assert_eq!(
        log[0].body,
        json!({"to": "+15550001111", "is_testing": true})
    );
    assert_eq!(log[0].status, Some(200));
    assert_eq!(log[1].operation.as_deref(), Some("listCalls"));
    assert_eq!(log[1].status, Some(200));
}

#[test]
fn make_call_for_an_unknown_agent_is_404_agent_not_found() {
    let mock = start();
    let client = client(&mock);
    let e = api_error(
        client
            .calls()
            .create("agent_999999", &call_to("+1234567890")),
    );
    assert_eq!(e.status, 404);
    assert_eq!(e.code.as_deref(), Some("AGENT_NOT_FOUND"));
    assert_eq!(e.message, "Voice agent not found");
    assert_eq!(e.details, Some(json!({"agent_id": "agent_999999"})));
    assert_eq!(only_request(&mock).status, Some(404));
    assert_eq!(matching(&client, ListCallsParams::default()), SEED_CALLS);
}

#[test]
fn make_call_for_a_draft_agent_is_400_agent_inactive() {
    let mock = start();
    let client = client(&mock);
    let e = api_error(
        client
            .calls()
            .create("agent_draft", &call_to("+1234567890")),
    );
    assert_eq!(e.status, 400);
    assert_eq!(e.code.as_deref(), Some("AGENT_INACTIVE"));
    assert_eq!(e.details, Some(json!({"agent_id": "agent_draft"})));
    assert_eq!(only_request(&mock).status, Some(400));
    assert_eq!(matching(&client, ListCallsParams::default()), SEED_CALLS);
}

#[test]
fn actions_are_upserted_by_node_id() {
    let mock = start();
    let client = client(&mock);
    let agents = client.agents();
    let actions = agents.actions();
    let inputs = vec![ActionInput {
        name: Some("date".into()),
        r#type: Some("string".into()),
        required: Some(true),
        ..Default::default()
    }];
    let first = actions
        .upsert(
            "agent-uuid-1",
            &UpsertAgentActionParams {
                inputs: Some(inputs.clone()),
                ..action("node-1", "Schedule Meeting")
            },
        )
        .expect("created");
    assert!(!first.id.is_empty());
    assert_eq!(first.name.as_deref(), Some("Schedule Meeting"));
    assert_eq!(first.label.as_deref(), Some("Schedule Meeting"));
    assert_eq!(first.description.as_deref(), Some("Books a meeting"));
    assert_eq!(first.r#type, Some(ActionType::Webhook));
    assert_eq!(first.input_schema, Some(inputs));
    assert!(first.created_at.is_some());

    let renamed = actions
        .upsert("agent-uuid-1", &action("node-1", "Book Meeting"))
        .expect("updated");
    assert_eq!(renamed.id, first.id, "same node: updated in place");
    assert_eq!(renamed.name.as_deref(), Some("Book Meeting"));
    assert_eq!(renamed.label.as_deref(), Some("Book Meeting"));
    assert_eq!(renamed.created_at, first.created_at);

    let other_node = actions
        .upsert("agent-uuid-1", &action("node-2", "Hold"))
        .expect("created");
    let other_agent = actions
        .upsert("agent-uuid-2", &action("node-1", "Schedule Meeting"))
        .expect("created");
    let ids: BTreeSet<&str> = [&first.id, &other_node.id, &other_agent.id]
        .iter()
        .map(|s| s.as_str())
        .collect();
    assert_eq!(
        ids.len(),
        3,
        "a new node or another agent makes a new action"
    );

    let log = mock.requests();
    assert_eq!(log.len(), 4);
    assert!(log
        .iter()
        .all(|r| r.operation.as_deref() == Some("upsertAgentAction")));
    assert!(log.iter().all(|r| r.status == Some(200)));
    assert_eq!(log[1].body["node_id"], "node-1");
    assert_eq!(log[1].body["name"], "Book Meeting");
}

#[test]
fn upsert_action_for_an_unknown_agent_is_404() {
    let mock = start();
    let e = api_error(
        client(&mock)
            .agents()
            .actions()
            .upsert("agent_999999", &action("n1", "X")),
    );
    assert_eq!(e.status, 404);
    assert_eq!(e.code, None);
    assert_eq!(e.message, "Agent not found");
    assert_eq!(
        body_json(&e),
        json!({"success": false, "message": "Agent not found"})
    );
    assert_eq!(only_request(&mock).status, Some(404));
}

#[test]
fn a_created_assistant_can_be_retrieved() {
    use talkover::talkturo::{CreateAssistantParams, CreateAssistantRequestTemplateId};
    let mock = start();
    let client = talkturo(&mock, "tt_token");
    let created = client
        .assistants()
        .create(&CreateAssistantParams {
            account_slug: "my-team".into(),
            name: "Q1 Setter".into(),
            template_id: Some(CreateAssistantRequestTemplateId::OutboundSetter),
        })
        .expect("created");
    assert_eq!(created.name.as_deref(), Some("Q1 Setter"));
    assert_eq!(created.r#type.as_deref(), Some("outbound-setter"));
    let fetched = client
        .assistants()
        .retrieve(&created.id)
        .expect("retrieved");
    assert_eq!(fetched, created);

    let log = mock.requests();
    assert_eq!(log.len(), 2);
    assert_eq!(
        log[0].body,
        json!({"accountSlug": "my-team", "name": "Q1 Setter", "templateId": "outbound-setter"})
    );
    assert_eq!(log[1].method, "GET");
    assert_eq!(log[1].path, format!("/api/assistants/{}", created.id));
    assert_eq!(log[1].operation.as_deref(), Some("getAssistant"));
}

#[test]
fn retrieving_an_unknown_assistant_is_404() {
    let mock = start();
    let e = api_error(talkturo(&mock, "tt").assistants().retrieve("asst_missing"));
    assert_eq!(e.status, 404);
    assert_eq!(e.message, "No record matches the request.");
    let logged = only_request(&mock);
    assert_eq!(logged.path, "/api/assistants/asst_missing");
    assert_eq!(logged.status, Some(404));
}

// ---- list filters and pages ----

/// A mock with one call made through agent-uuid-1 to `+15550001111`, and its id.
fn with_one_call() -> (MockServer, talkover::Client, Call) {
    let mock = start();
    let client = client(&mock);
    let call = client
        .calls()
        .create("agent-uuid-1", &call_to("+15550001111"))
        .expect("created");
    (mock, client, call)
}

#[test]
fn list_filters_by_status() {
    let (mock, client, call) = with_one_call();
    let by = |status| {
        matching(
            &client,
            ListCallsParams {
                status: Some(status),
                ..Default::default()
            },
        )
    };
    assert_eq!(by(CallStatus::Initiated), [call.id.as_str()]);
    assert_eq!(by(CallStatus::Completed), ["call-uuid-1"]);
    assert_eq!(by(CallStatus::Answered), ["call-uuid-2"]);
    assert_eq!(by(CallStatus::NoAnswer), Vec::<String>::new());
    let sent: Vec<_> = mock.requests()[1..]
        .iter()
        .map(|r| r.query["status"][0].clone())
        .collect();
    assert_eq!(sent, ["initiated", "completed", "answered", "no-answer"]);
}

#[test]
fn list_filters_by_direction() {
    let (mock, client, call) = with_one_call();
    let by = |direction| {
        matching(
            &client,
            ListCallsParams {
                direction: Some(direction),
                ..Default::default()
            },
        )
    };
    assert_eq!(by(CallDirection::Inbound), ["call-uuid-2"]);
    assert_eq!(
        by(CallDirection::Outbound),
        [call.id.as_str(), "call-uuid-1"]
    );
    assert_eq!(mock.requests()[2].query["direction"], ["outbound"]);
}

#[test]
fn list_filters_by_agent_id_of_made_and_of_seeded_calls() {
    // A made call has `agent_id`; the seeded ones have `agent.id`.
    let (mock, client, call) = with_one_call();
    let by = |agent: &str| {
        matching(
            &client,
            ListCallsParams {
                agent_id: Some(agent.into()),
                ..Default::default()
            },
        )
    };
    assert_eq!(by("agent-uuid-1"), [call.id.as_str(), "call-uuid-1"]);
    assert_eq!(by("agent-uuid-2"), ["call-uuid-2"]);
    assert_eq!(by("agent_123456"), Vec::<String>::new());
    assert_eq!(mock.requests()[1].query["agent_id"], ["agent-uuid-1"]);
}

#[test]
fn list_filters_by_date_range_inclusive_by_day() {
    let (mock, client, call) = with_one_call();
    let today = call.created_at[..10].to_string();
    let by = |from: Option<&str>, to: Option<&str>| {
        matching(
            &client,
            ListCallsParams {
                date_from: from.map(str::to_string),
                date_to: to.map(str::to_string),
                ..Default::default()
            },
        )
    };
    assert_eq!(
        by(Some("2024-01-01"), Some("2024-01-01")),
        SEED_CALLS,
        "both ends inclusive"
    );
    assert_eq!(by(Some(&today), None), [call.id.as_str()]);
    assert_eq!(by(None, Some(&today)).len(), 3);
    assert_eq!(by(Some(&today), Some(&today)), [call.id.as_str()]);
    assert_eq!(by(None, Some("2023-12-31")), Vec::<String>::new());
    assert_eq!(
        by(Some("2024-01-02"), Some("2024-01-02")),
        Vec::<String>::new()
    );
    let last = mock.requests().pop().expect("logged");
    assert_eq!(last.query["date_from"], ["2024-01-02"]);
    assert_eq!(last.query["date_to"], ["2024-01-02"]);
}

#[test]
fn list_search_matches_part_of_to_from_or_sid() {
    let (mock, client, call) = with_one_call();
    let by = |text: &str| {
        matching(
            &client,
            ListCallsParams {
                search: Some(text.into()),
                ..Default::default()
            },
        )
    };
    assert_eq!(by("call_sid_4"), ["call-uuid-2"], "sid");
    assert_eq!(by("CALL_SID_1"), ["call-uuid-1"], "case-insensitive");
    assert_eq!(by("+1987"), ["call-uuid-2"], "to");
    assert_eq!(by("+0987654321"), SEED_CALLS, "from");
    assert_eq!(by("5550001"), [call.id.as_str()]);
    assert_eq!(by("nothing-like-it"), Vec::<String>::new());
    assert_eq!(
        mock.requests()[3].query["search"],
        ["+1987"],
        "a + arrives as a +"
    );
}

#[test]
fn list_filters_combine() {
    let (_mock, client, call) = with_one_call();
    let outbound = ListCallsParams {
        direction: Some(CallDirection::Outbound),
        ..Default::default()
    };
    assert_eq!(
        matching(&client, outbound.clone()),
        [call.id.as_str(), "call-uuid-1"]
    );
    let outbound_completed = ListCallsParams {
        status: Some(CallStatus::Completed),
        ..outbound.clone()
    };
    assert_eq!(matching(&client, outbound_completed), ["call-uuid-1"]);
    let outbound_today = ListCallsParams {
        date_from: Some(call.created_at[..10].into()),
        agent_id: Some("agent-uuid-1".into()),
        search: Some("+1555".into()),
        ..outbound.clone()
    };
    assert_eq!(matching(&client, outbound_today), [call.id.as_str()]);
    let contradiction = ListCallsParams {
        agent_id: Some("agent-uuid-2".into()),
        ..outbound
    };
    assert_eq!(matching(&client, contradiction), Vec::<String>::new());
}

/// A mock holding five made calls and the two seeds, newest first, with their ids.
fn with_seven_calls() -> (MockServer, talkover::Client, Vec<String>) {
    let mock = start();
    let client = client(&mock);
    let mut made: Vec<String> = (0..5)
        .map(|i| {
            let call = client
                .calls()
                .create("agent_123456", &call_to(&format!("+1555000000{i}")));
            call.expect("created").id
        })
        .collect();
    made.reverse();
    made.extend(SEED_CALLS.map(str::to_string));
    mock.clear_requests();
    (mock, client, made)
}

#[test]
fn pagination_fields_across_pages() {
    let (mock, client, all) = with_seven_calls();
    let page = |n: i64| {
        list(
            &client,
            ListCallsParams {
                per_page: Some(2),
                page: Some(n),
                ..Default::default()
            },
        )
    };
    for (n, from, to) in [(1, 1, 2), (2, 3, 4), (4, 7, 7)] {
        let p = page(n);
        let pagination = &p.pagination;
        assert_eq!(
            (
                pagination.current_page,
                pagination.last_page,
                pagination.per_page,
                pagination.total
            ),
            (n, 4, 2, 7),
            "page {n}"
        );
        assert_eq!(
            (pagination.from, pagination.to),
            (Some(from), Some(to)),
            "page {n}"
        );
        assert_eq!(
            ids(&p.data),
            all[from as usize - 1..to as usize],
            "page {n}"
        );
    }
    let beyond = page(5);
    assert!(beyond.data.is_empty());
    let pagination = &beyond.pagination;
    assert_eq!(
        (
            pagination.current_page,
            pagination.last_page,
            pagination.total
        ),
        (5, 4, 7)
    );
    assert_eq!(
        (pagination.from, pagination.to),
        (None, None),
        "an empty page has no first or last item, as Laravel answers"
    );

    let default = list(&client, ListCallsParams::default()).pagination;
    assert_eq!(
        (default.current_page, default.last_page, default.per_page),
        (1, 1, 20)
    );
    assert_eq!(
        (default.from, default.to, default.total),
        (Some(1), Some(7), 7)
    );
    let asked = |n: &str| Some(n.to_string());
    assert_eq!(
        queried(&mock, "page"),
        [asked("1"), asked("2"), asked("4"), asked("5"), None]
    );
}

#[test]
fn the_page_iterator_yields_every_call_exactly_once() {
    let (mock, client, all) = with_seven_calls();
    let first = client
        .calls()
        .list(&ListCallsParams {
            per_page: Some(2),
            ..Default::default()
        })
        .expect("first page");
    let walked: Vec<String> = first
        .into_iter()
        .map(|call| call.expect("every page").id)
        .collect();
    assert_eq!(walked, all);
    assert_eq!(
        queried(&mock, "page"),
        [None, Some("2".into()), Some("3".into()), Some("4".into())]
    );
    let log = mock.requests();
    assert!(log
        .iter()
        .all(|r| r.query["per_page"] == ["2"] && r.status == Some(200)));
}

// ---- isolation ----

#[test]
fn each_token_is_its_own_environment() {
    use talkover::talkturo::CreateAssistantParams;
    let mock = start();
    let mine = client(&mock);
    let call = mine
        .calls()
        .create("agent_123456", &call_to("+15550001111"))
        .expect("created");
    let assistant = talkturo(&mock, "tt_mine")
        .assistants()
        .create(&CreateAssistantParams {
            account_slug: "my-team".into(),
            name: "Mine".into(),
            template_id: None,
        })
        .expect("created");

    let theirs = client_with_token(&mock, &MockServer::new_token());
    assert_ne!(MockServer::new_token(), MockServer::new_token());
    assert_eq!(
        matching(&theirs, ListCallsParams::default()),
        SEED_CALLS,
        "a new token starts from the seeds"
    );
    assert_eq!(
        matching(&mine, ListCallsParams::default()),
        [call.id.as_str(), SEED_CALLS[0], SEED_CALLS[1]]
    );
    let e = api_error(
        talkturo(&mock, "tt_theirs")
            .assistants()
            .retrieve(&assistant.id),
    );
    assert_eq!(e.status, 404);
    talkturo(&mock, "tt_mine")
        .assistants()
        .retrieve(&assistant.id)
        .expect("still mine");
    assert_eq!(
        statuses(&mock),
        [
            (Some(200), false),
            (Some(200), false),
            (Some(200), false),
            (Some(200), false),
            (Some(404), false),
            (Some(200), false)
        ]
    );
}

#[test]
fn reset_forgets_calls_faults_and_the_log() {
    let mock = start();
    let client = client(&mock);
    client
        .calls()
        .create("agent_123456", &call_to("+15550001111"))
        .expect("created");
    mock.fail_next(Fault::status(500)).expect("a valid fault");
    mock.reset();
    assert!(mock.requests().is_empty());
    assert_eq!(matching(&client, ListCallsParams::default()), SEED_CALLS);
    assert_eq!(
        statuses(&mock),
        [(Some(200), false)],
        "the fault was forgotten too"
    );
}

// ---- faults ----

#[test]
fn a_429_fault_gives_the_documented_body_and_retry_after() {
    let mock = start();
    let client = client(&mock);
    mock.fail_next(
        Fault::status(429)
            .header("Retry-After", "2")
            .on("POST", MAKE_CALL),
    )
    .expect("a valid fault");
    let e = api_error(
        client
            .calls()
            .create("agent_123456", &call_to("+1234567890")),
    );
    assert_eq!(e.status, 429);
    assert_eq!(e.code.as_deref(), Some("RATE_LIMIT_EXCEEDED"));
    assert_eq!(
        e.message,
        "Rate limit exceeded. Please wait before making more requests."
    );
    assert_eq!(e.details, Some(json!({"retry_after": 60})));
    assert_eq!(e.retry_after, Some(2.0), "the header wins over details");
    assert_eq!(e.header("retry-after"), Some("2"));

    client
        .calls()
        .create("agent_123456", &call_to("+1234567890"))
        .expect("only once");
    assert_eq!(
        matching(&client, ListCallsParams::default()).len(),
        3,
        "the refused call was not made"
    );
    assert_eq!(
        statuses(&mock),
        [(Some(429), true), (Some(200), false), (Some(200), false)]
    );
    assert_eq!(mock.requests()[0].operation.as_deref(), Some("makeCall"));
}

#[test]
fn a_503_fault_on_an_undocumented_status() {
    let mock = start();
    let client = client(&mock);
    mock.fail_next(Fault::status(503)).expect("a valid fault");
    let e = api_error(client.calls().list(&ListCallsParams::default()));
    assert_eq!(e.status, 503);
    assert_eq!(e.message, "Service Unavailable");
    list(&client, ListCallsParams::default());
    assert_eq!(statuses(&mock), [(Some(503), true), (Some(200), false)]);
}

#[test]
fn a_fault_applies_the_given_number_of_times() {
    let mock = start();
    let client = client(&mock);
    mock.fail_next(Fault::status(500).times(2))
        .expect("a valid fault");
    for _ in 0..2 {
        assert_eq!(api_error(client.health().check()).status, 500);
    }
    client
        .health()
        .check()
        .expect("the third is answered normally");
    assert_eq!(
        statuses(&mock),
        [(Some(500), true), (Some(500), true), (Some(200), false)]
    );
}

#[test]
fn a_fault_matches_its_raw_path_and_method_only() {
    let mock = start();
    let client = client(&mock);
    mock.fail_next(Fault::status(500).on("POST", "/api/v1/agents/agent-uuid-1/call"))
        .expect("a valid fault");
    client
        .calls()
        .create("agent-uuid-2", &call_to("+1234567890"))
        .expect("other agent");
    list(&client, ListCallsParams::default());
    raw(
        &mock,
        "GET",
        "/api/v1/agents/agent-uuid-1/call",
        Some(mock.token()),
        "",
    );
    let e = api_error(
        client
            .calls()
            .create("agent-uuid-1", &call_to("+1234567890")),
    );
    assert_eq!(e.status, 500);
    let log = mock.requests();
    assert_eq!(
        log[2].operation, None,
        "GET has no operation: unrouted, and not faulted"
    );
    assert_eq!(
        statuses(&mock),
        [
            (Some(200), false),
            (Some(200), false),
            (Some(405), false),
            (Some(500), true)
        ]
    );
}

#[test]
fn a_fault_matches_the_spec_path_template() {
    let mock = start();
    let client = client(&mock);
    mock.fail_next(Fault::status(502).on("post", MAKE_CALL).times(2))
        .expect("a valid fault");
    list(&client, ListCallsParams::default());
    for agent in ["agent-uuid-1", "agent_123456"] {
        let e = api_error(client.calls().create(agent, &call_to("+1234567890")));
        assert_eq!(e.status, 502);
    }
    let paths: Vec<_> = mock
        .requests()
        .into_iter()
        .map(|r| (r.path, r.fault))
        .collect();
    assert_eq!(
        paths,
        [
            ("/api/v1/calls".to_string(), false),
            ("/api/v1/agents/agent-uuid-1/call".to_string(), true),
            ("/api/v1/agents/agent_123456/call".to_string(), true),
        ]
    );
}

#[test]
fn a_delayed_answer_arrives_late() {
    let mock = start();
    let delay = Duration::from_millis(300);
    mock.fail_next(Fault::delay(delay)).expect("a valid fault");
    let started = Instant::now();
    client(&mock)
        .health()
        .check()
        .expect("answered normally, late");
    assert!(started.elapsed() >= delay, "took {:?}", started.elapsed());
    assert_eq!(statuses(&mock), [(Some(200), true)]);
}

#[test]
fn a_delay_longer_than_the_client_timeout_times_out() {
    let mock = start();
    mock.fail_next(Fault::delay(Duration::from_secs(5)))
        .expect("a valid fault");
    let client = talkover::Client::builder()
        .token(mock.token())
        .base_url(mock.url())
        .max_retries(0)
        .timeout(Duration::from_millis(200))
        .build()
        .expect("client");
    let result = client.calls().list(&ListCallsParams::default());
    assert!(matches!(result, Err(Error::Timeout(_))), "{result:?}");
    assert_eq!(statuses(&mock), [(Some(200), true)]);
}

#[test]
fn a_dropped_connection_is_a_connection_error() {
    let mock = start();
    let client = client(&mock);
    mock.fail_next(Fault::drop_connection().on("POST", MAKE_CALL))
        .expect("a valid fault");
    let result = client
        .calls()
        .create("agent_123456", &call_to("+1234567890"));
    match result {
        Err(e @ Error::Connection(_)) => {
            assert_eq!(e.status(), None);
            assert!(
                e.to_string().contains("/api/v1/agents/agent_123456/call"),
                "{e}"
            );
        }
        other => panic!("expected Error::Connection, got {other:?}"),
    }
    assert_eq!(
        statuses(&mock),
        [(None, true)],
        "no status for a dropped connection"
    );
    assert_eq!(
        matching(&client, ListCallsParams::default()),
        SEED_CALLS,
        "and no call made"
    );
}

#[test]
fn a_truncated_body_is_an_error_not_a_panic() {
    let mock = start();
    mock.fail_next(Fault::truncate().on("GET", "/api/v1/calls"))
        .expect("a valid fault");
    let result = client(&mock).calls().list(&ListCallsParams::default());
    assert!(matches!(result, Err(Error::Connection(_))), "{result:?}");
    assert_eq!(statuses(&mock), [(Some(200), true)]);
}

#[test]
fn an_html_error_page_becomes_a_status_line_message() {
    let mock = start();
    let page = "<html><body><h1>502 Bad Gateway</h1></body></html>";
    mock.fail_next(Fault::status(502).body(json!(page)))
        .expect("a valid fault");
    let e = api_error(client(&mock).calls().list(&ListCallsParams::default()));
    assert_eq!(e.status, 502);
    assert_eq!(e.code, None);
    assert!(
        e.message.starts_with("HTTP 502 Bad Gateway"),
        "{}",
        e.message
    );
    assert_eq!(e.body, page);
    assert_eq!(e.header("content-type"), Some("text/html; charset=utf-8"));
    assert_eq!(statuses(&mock), [(Some(502), true)]);
}

#[test]
fn a_fault_with_its_own_json_body_and_headers() {
    let mock = start();
    let body = json!({"error": {"code": "CUSTOM_CODE", "message": "Made up", "details": {"n": 1}}});
    mock.fail_next(
        Fault::status(409)
            .body(body.clone())
            .header("X-Request-Id", "req-1")
            .on("GET", "/api/v1/health"),
    )
    .expect("a valid fault");
    let e = api_error(client(&mock).health().check());
    assert_eq!(e.status, 409);
    assert_eq!(e.code.as_deref(), Some("CUSTOM_CODE"));
    assert_eq!(e.message, "Made up");
    assert_eq!(e.details, Some(json!({"n": 1})));
    assert_eq!(e.header("x-request-id"), Some("req-1"));
    assert_eq!(body_json(&e), body);
    assert_eq!(statuses(&mock), [(Some(409), true)]);
}

#[test]
fn faults_that_could_never_apply_are_refused() {
    let mock = start();
    let bad = [
        Fault::status(500).times(0),
        Fault {
            status: Some(500),
            ..Fault::drop_connection()
        },
        Fault {
            truncate: true,
            ..Fault::drop_connection()
        },
        Fault::status(700),
        Fault::delay(Duration::from_secs(601)),
        Fault::status(500).header("X-Bad", "a\r\nb"),
        Fault {
            body: Some(json!({})),
            ..Fault::delay(Duration::ZERO)
        },
        // A 1xx is not a final answer: the client would wait for one forever.
        Fault::status(101),
        // The server frames every answer; a fault may not.
        Fault::status(200).header("Content-Length", "1000"),
        Fault::status(200).header("transfer-encoding", "chunked"),
        Fault::status(500).header("X-Bad", "a\0b"),
        Fault::status(500).header("X(A)", "b"),
        Fault::drop_connection().header("Retry-After", "1"),
        Fault::status(500).on("", "/api/v1/calls"),
        Fault::status(500).on("GET", "api/v1/calls"),
        Fault {
            delay: Some(f64::NAN),
            ..Fault::delay(Duration::ZERO)
        },
    ];
    for fault in bad {
        match mock.fail_next(fault.clone()) {
            Err(InvalidFault(message)) => assert!(!message.is_empty()),
            Ok(()) => panic!("accepted {fault:?}"),
        }
    }
    client(&mock).health().check().expect("nothing was queued");
    assert_eq!(statuses(&mock), [(Some(200), false)]);
}

#[test]
fn a_fault_content_type_replaces_the_default() {
    let mock = start();
    mock.fail_next(
        Fault::status(503)
            .header("Content-Type", "text/xml")
            .body(json!("<busy/>")),
    )
    .expect("a valid fault");
    let answer = raw(&mock, "GET", "/api/v1/health", Some(mock.token()), "");
    assert_eq!(answer.status, 503);
    let types: Vec<&str> = answer
        .headers
        .iter()
        .filter(|(name, _)| name == "content-type")
        .map(|(_, value)| value.as_str())
        .collect();
    assert_eq!(types, ["text/xml"]);
    assert_eq!(answer.body, "<busy/>");
}

#[test]
fn clear_faults_drops_queued_faults() {
    let mock = start();
    mock.fail_next(Fault::status(500).times(3))
        .expect("a valid fault");
    mock.clear_faults();
    client(&mock).health().check().expect("healthy");
    assert_eq!(statuses(&mock), [(Some(200), false)]);
}

#[test]
fn a_stopped_mock_refuses_connections() {
    let mut mock = start();
    let client = client(&mock);
    client.health().check().expect("healthy");
    mock.stop();
    let result = client.health().check();
    assert!(matches!(result, Err(Error::Connection(_))), "{result:?}");
    assert_eq!(mock.requests().len(), 1);
}

#[test]
fn a_stopper_ends_wait_from_another_thread() {
    let mut mock = start();
    let client = client(&mock);
    client.health().check().expect("healthy");
    let stopper = mock.stopper();
    let stopping = std::thread::spawn(move || stopper.stop());
    mock.wait();
    stopping.join().expect("the stopper returns");
    let result = client.health().check();
    assert!(matches!(result, Err(Error::Connection(_))), "{result:?}");
}

#[test]
fn a_request_is_logged_before_a_delayed_drop() {
    let mock = start();
    let fault = Fault {
        delay: Some(2.0),
        ..Fault::drop_connection()
    };
    mock.fail_next(fault).expect("a valid fault");
    let client = talkover::Client::builder()
        .token(mock.token())
        .base_url(mock.url())
        .max_retries(0)
        .timeout(Duration::from_millis(200))
        .build()
        .expect("client");
    let result = client.health().check();
    assert!(matches!(result, Err(Error::Timeout(_))), "{result:?}");
    // `requests()` promises every request received so far; a plain delay is logged at once.
    assert_eq!(statuses(&mock), [(None, true)]);
}

// ---- the HTTP controls ----

#[test]
fn a_fault_posted_over_http_is_applied() {
    let mock = start();
    let fault = r#"{"status": 429, "method": "GET", "path": "/api/v1/calls", "headers": {"Retry-After": "7"}}"#;
    let answer = raw(&mock, "POST", "/__mock__/faults", None, fault);
    assert_eq!(answer.status, 201);
    assert_eq!(answer.json(), json!({"queued": true}));
    let client = client(&mock);
    client
        .health()
        .check()
        .expect("other operations are unaffected");
    let e = api_error(client.calls().list(&ListCallsParams::default()));
    assert_eq!((e.status, e.retry_after), (429, Some(7.0)));
    assert_eq!(
        statuses(&mock),
        [(Some(200), false), (Some(429), true)],
        "controls are not logged"
    );
}

#[test]
fn the_log_over_http_is_a_json_array() {
    let mock = start();
    unchecked(&mock)
        .calls()
        .list(&ListCallsParams {
            search: Some("+1987".into()),
            ..Default::default()
        })
        .expect("a page");
    let answer = raw(&mock, "GET", "/__mock__/requests", None, "");
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("content-type"), Some("application/json"));
    let log = answer.json();
    let entries = log.as_array().expect("an array");
    assert_eq!(entries.len(), 1);
    let entry = &entries[0];
    assert_eq!(entry["method"], "GET");
    assert_eq!(entry["path"], "/api/v1/calls");
    assert_eq!(entry["query"], json!({"search": ["+1987"]}));
    assert_eq!(entry["headers"]["authorization"], "Bearer [redacted]");
    assert_eq!(entry["body"], Value::Null);
    assert_eq!(entry["operation"], "listCalls");
    assert_eq!(entry["status"], 200);
    assert_eq!(entry["fault"], false);
    assert_eq!(mock.requests().len(), 1, "reading the log is not logged");
}

#[test]
fn deleting_the_log_over_http_clears_it() {
    let mock = start();
    client(&mock).health().check().expect("healthy");
    let answer = raw(&mock, "DELETE", "/__mock__/requests", None, "");
    assert_eq!((answer.status, answer.body.as_str()), (204, ""));
    assert!(mock.requests().is_empty());
    assert_eq!(
        raw(&mock, "GET", "/__mock__/requests", None, "").json(),
        json!([])
    );
}

#[test]
fn deleting_faults_over_http_clears_them() {
    let mock = start();
    mock.fail_next(Fault::status(500)).expect("a valid fault");
    assert_eq!(
        raw(&mock, "DELETE", "/__mock__/faults", None, "").status,
        204
    );
    client(&mock).health().check().expect("healthy");
    assert_eq!(statuses(&mock), [(Some(200), false)]);
}

#[test]
fn reset_over_http_forgets_everything() {
    let mock = start();
    let client = client(&mock);
    client
        .calls()
        .create("agent_123456", &call_to("+15550001111"))
        .expect("created");
    assert_eq!(raw(&mock, "POST", "/__mock__/reset", None, "").status, 204);
    assert!(mock.requests().is_empty());
    assert_eq!(matching(&client, ListCallsParams::default()), SEED_CALLS);
}

#[test]
fn unknown_controls_are_404() {
    let mock = start();
    for (method, path) in [
        ("GET", "/__mock__/nope"),
        ("GET", "/__mock__"),
        ("GET", "/__mock__/faults"),
        ("PUT", "/__mock__/reset"),
    ] {
        let answer = raw(&mock, method, path, None, "");
        assert_eq!(answer.status, 404, "{method} {path}");
        let message = answer.json()["message"].as_str().map(str::to_string);
        assert!(
            message.is_some_and(|m| m.contains("/__mock__/requests")),
            "{method} {path}"
        );
    }
    assert!(mock.requests().is_empty(), "{:?}", mock.requests());
    // Only the exact prefix is reserved.
    assert_eq!(raw(&mock, "GET", "/__mockery", None, "").status, 404);
    assert_eq!(mock.requests().len(), 1);
}

#[test]
fn a_bad_fault_over_http_is_400() {
    let mock = start();
    for body in [
        "not json",
        r#"{"stauts": 500}"#,
        r#"{"status": "500"}"#,
        r#"{"times": 0}"#,
        r#"{"drop": true, "status": 500}"#,
    ] {
        let answer = raw(&mock, "POST", "/__mock__/faults", None, body);
        assert_eq!(answer.status, 400, "{body}");
        assert!(answer.json()["message"].is_string(), "{body}");
    }
    client(&mock).health().check().expect("nothing was queued");
    assert_eq!(statuses(&mock), [(Some(200), false)]);
}

// ---- routing ----

#[test]
fn an_unknown_route_is_a_json_404() {
    let mock = start();
    let answer = raw(&mock, "GET", "/api/v1/nope", Some(mock.token()), "");
    assert_eq!(answer.status, 404);
    assert_eq!(
        answer.json(),
        json!({"message": "The mock has no operation GET /api/v1/nope"})
    );
    let log = mock.requests();
    assert_eq!(log.len(), 1);
    assert_eq!(
        (log[0].operation.as_deref(), log[0].status),
        (None, Some(404))
    );
}

#[test]
fn a_known_path_with_another_method_is_405_with_allow() {
    let mock = start();
    let answer = raw(&mock, "DELETE", "/api/v1/calls", Some(mock.token()), "");
    assert_eq!(answer.status, 405);
    assert_eq!(answer.header("allow"), Some("GET"));
    assert_eq!(
        answer.json(),
        json!({"message": "The method is not allowed: DELETE /api/v1/calls"})
    );
    let log = mock.requests();
    assert_eq!(
        (log[0].operation.as_deref(), log[0].status),
        (None, Some(405))
    );
}

#[test]
fn percent_encoded_path_parameters_are_decoded() {
    let mock = start();
    let client = client(&mock);
    let e = api_error(client.calls().create("agent/1", &call_to("+1234567890")));
    assert_eq!(e.code.as_deref(), Some("AGENT_NOT_FOUND"));
    assert_eq!(e.details, Some(json!({"agent_id": "agent/1"})));
    // An encoded character that needs no encoding still names the seeded agent.
    let answer = raw(
        &mock,
        "POST",
        "/api/v1/agents/agent%5F123456/call",
        Some(mock.token()),
        r#"{"to":"+1234567890"}"#,
    );
    assert_eq!(answer.status, 200);
    assert_eq!(answer.json()["data"]["agent_id"], "agent_123456");
    let paths: Vec<_> = mock
        .requests()
        .into_iter()
        .map(|r| (r.path, r.operation))
        .collect();
    let make_call = Some("makeCall".to_string());
    assert_eq!(
        paths,
        [
            (
                "/api/v1/agents/agent%2F1/call".to_string(),
                make_call.clone()
            ),
            ("/api/v1/agents/agent%5F123456/call".to_string(), make_call),
        ],
        "the log keeps the path as sent"
    );
}

// ---- the talkover-mock binary ----

/// Kills the child on drop, so a failing test leaves no server behind.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn binary() -> Command {
    Command::new(env!("CARGO_BIN_EXE_talkover-mock"))
}

/// Runs the binary with `args`; the URL and token it prints.
fn serve_binary(args: &[&str]) -> (Running, String, String) {
    let child = binary()
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let mut running = Running(child);
    let stdout = running.0.stdout.take().expect("piped stdout");
    let mut lines = BufReader::new(stdout).lines();
    let mut line = || lines.next().expect("a line").expect("text");
    let url = line()
        .strip_prefix("Mock server listening on ")
        .map(str::to_string)
        .expect("the URL line");
    assert!(!url.ends_with(":0"), "{url}");
    let token = line()
        .strip_prefix("Token: ")
        .map(str::to_string)
        .expect("the token line");
    assert!(token.starts_with("talq_"), "{token}");
    assert!(line().contains("/__mock__/"));
    (running, url, token)
}

/// The loopback URL of a server listening on `url`'s port (`http://0.0.0.0:4010`).
fn on_loopback(url: &str) -> String {
    let port = url.rsplit(':').next().expect("a port");
    format!("http://127.0.0.1:{port}")
}

#[test]
fn the_binary_serves_on_the_url_it_prints() {
    let (_running, url, token) = serve_binary(&["--port", "0"]);
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");

    let client = talkover::Client::builder()
        .token(&token)
        .base_url(&url)
        .max_retries(0)
        .build()
        .expect("client");
    let page = client
        .calls()
        .list(&ListCallsParams::default())
        .expect("a page");
    assert_eq!(ids(&page.data), SEED_CALLS);
}

#[test]
fn the_binary_enforces_a_rate_limit_and_exposes_the_log_when_told() {
    let (_running, url, token) = serve_binary(&[
        "--host",
        "0.0.0.0",
        "--port",
        "0",
        "--rate-limit-per-minute",
        "1",
    ]);
    let loopback = on_loopback(&url);
    let health = || raw_at(&loopback, "GET", "/api/v1/health", Some(&token), "");
    assert_eq!(health().status, 200);
    let refused = health();
    assert_eq!(
        (refused.status, refused.header("x-ratelimit-limit")),
        (429, Some("1"))
    );
    assert!(refused.header("retry-after").is_some());
    let log = raw_at(&loopback, "GET", "/__mock__/requests", None, "");
    assert_eq!(log.status, 403, "listening on every interface");

    let (_running, url, token) =
        serve_binary(&["--host", "0.0.0.0", "--port", "0", "--expose-request-log"]);
    let loopback = on_loopback(&url);
    let health = raw_at(&loopback, "GET", "/api/v1/health", Some(&token), "");
    assert_eq!(health.status, 200);
    let log = raw_at(&loopback, "GET", "/__mock__/requests", None, "");
    assert_eq!(log.status, 200);
    assert_eq!(log.json()[0]["path"], "/api/v1/health");
}

#[test]
fn the_binary_help_exits_0() {
    let output = binary().arg("--help").output().expect("runs");
    assert!(output.status.success(), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stdout).starts_with("usage: talkover-mock"));
}

#[test]
fn the_binary_refuses_bad_arguments_with_exit_2() {
    for args in [
        &["--bogus"][..],
        &["--port", "http"],
        &["--port"],
        &["--rate-limit-per-minute", "-1"],
        &["--rate-limit-per-minute", "many"],
        &["--rate-limit-per-minute"],
    ] {
        let output = binary().args(args).output().expect("runs");
        assert_eq!(output.status.code(), Some(2), "{args:?}: {output:?}");
        assert!(
            String::from_utf8_lossy(&output.stderr).contains("usage:"),
            "{args:?}"
        );
        assert!(output.stdout.is_empty(), "{args:?}");
    }
}

// ---- bounds: connections, timeouts, the request log ----

/// The threads of this process (the mock runs in it).
fn threads() -> usize {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|line| line.strip_prefix("Threads:"))
        .and_then(|n| n.trim().parse().ok())
        .expect("a Threads: line")
}

/// The `host:port` a mock listens on.
fn address(mock: &MockServer) -> &str {
    mock.url().strip_prefix("http://").expect("an http URL")
}

/// A raw connection to the mock that gives up reading after 10 s.
fn open(mock: &MockServer) -> TcpStream {
    let stream = TcpStream::connect(address(mock)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("a read timeout");
    stream
}

/// Everything the mock sends on `stream` until it closes it.
fn read_until_closed(mut stream: TcpStream) -> String {
    let mut out = Vec::new();
    stream
        .read_to_end(&mut out)
        .expect("the mock closes the connection");
    String::from_utf8_lossy(&out).into_owned()
}

/// Health checks until one is answered 200 (held connections close asynchronously).
fn until_healthy(mock: &MockServer) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let answer = raw(mock, "GET", "/api/v1/health", Some(mock.token()), "");
        if answer.status == 200 {
            return;
        }
        assert!(Instant::now() < deadline, "still {}", answer.status);
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn connections_over_the_cap_get_a_503_and_no_thread() {
    const CAP: usize = 16;
    // Threads other tests start meanwhile; far fewer than the connections opened.
    const SLACK: usize = 40;
    let mock = MockServer::builder()
        .max_connections(CAP)
        .idle_timeout(Duration::from_secs(600))
        .start()
        .expect("the mock starts");
    let before = threads();
    let mut held: Vec<TcpStream> = (0..300).map(|_| open(&mock)).collect();
    // The first CAP were accepted onto threads of their own; every later one is refused.
    for stream in held.split_off(CAP) {
        let answer = read_until_closed(stream);
        assert!(answer.starts_with("HTTP/1.1 503 "), "{answer}");
        assert!(answer.contains("\r\nConnection: close\r\n"), "{answer}");
        assert!(answer.contains("limit of 16 open connections"), "{answer}");
    }
    let during = threads();
    assert!(
        during <= before + CAP + SLACK,
        "{during} threads with {CAP} connections held, {before} before"
    );

    let meanwhile = raw(&mock, "GET", "/api/v1/health", Some(mock.token()), "");
    assert_eq!(meanwhile.status, 503, "the cap is full: {}", meanwhile.body);
    assert!(meanwhile.json()["message"].is_string());

    drop(held);
    until_healthy(&mock);
    client(&mock).health().check().expect("served again");
    assert!(
        mock.requests().iter().all(|r| r.status == Some(200)),
        "refused connections never reach the log"
    );
}

#[test]
fn an_idle_connection_is_closed_after_the_idle_timeout() {
    let idle = Duration::from_millis(300);
    let mock = MockServer::builder()
        .idle_timeout(idle)
        .start()
        .expect("the mock starts");
    let mut stream = open(&mock);
    let request = format!(
        "GET /api/v1/health HTTP/1.1\r\nHost: mock\r\nAuthorization: Bearer {}\r\n\r\n",
        mock.token()
    );
    stream.write_all(request.as_bytes()).expect("send");
    let started = Instant::now();
    let answer = read_until_closed(stream);
    assert!(answer.starts_with("HTTP/1.1 200 "), "{answer}");
    assert!(
        !answer.contains("Connection: close"),
        "kept alive: {answer}"
    );
    assert!(started.elapsed() >= idle);

    // One that never sends anything is closed too, without an answer.
    let started = Instant::now();
    assert_eq!(read_until_closed(open(&mock)), "");
    assert!(started.elapsed() >= idle);
}

#[test]
fn a_request_stalled_half_sent_gets_a_408() {
    let mock = MockServer::builder()
        .read_timeout(Duration::from_millis(300))
        .start()
        .expect("the mock starts");
    let mut stream = open(&mock);
    stream
        .write_all(
            b"POST /api/v1/agents/agent_123456/call HTTP/1.1\r\nContent-Length: 40\r\n\r\n{\"to\":",
        )
        .expect("send");
    let answer = read_until_closed(stream);
    assert!(answer.starts_with("HTTP/1.1 408 "), "{answer}");
    assert!(answer.contains("\r\nConnection: close\r\n"), "{answer}");
    assert!(
        mock.requests().is_empty(),
        "a request never received is not logged"
    );
}

#[test]
fn a_delay_fault_outlasts_short_timeouts() {
    let short = Duration::from_millis(100);
    let mock = MockServer::builder()
        .idle_timeout(short)
        .read_timeout(short)
        .start()
        .expect("the mock starts");
    mock.fail_next(Fault::delay(Duration::from_millis(500)))
        .expect("a valid fault");
    let started = Instant::now();
    client(&mock)
        .health()
        .check()
        .expect("a late but whole answer");
    assert!(started.elapsed() >= Duration::from_millis(500));
    assert_eq!(statuses(&mock), [(Some(200), true)]);
}

#[test]
fn the_log_keeps_the_last_requests_only() {
    let mock = MockServer::builder()
        .max_logged_requests(3)
        .start()
        .expect("the mock starts");
    let client = client(&mock);
    for per_page in 1..=5 {
        list(
            &client,
            ListCallsParams {
                per_page: Some(per_page),
                ..Default::default()
            },
        );
    }
    let pages: Vec<_> = mock
        .requests()
        .into_iter()
        .map(|r| r.query["per_page"].clone())
        .collect();
    assert_eq!(pages, [["3"], ["4"], ["5"]]);
}

#[test]
fn the_log_shortens_long_bodies_visibly() {
    let mock = MockServer::builder()
        .max_logged_body(1024)
        .start()
        .expect("the mock starts");
    let notes = "n".repeat(5000);
    let sent = json!({"to": "+1234567890", "payload": {"notes": notes}}).to_string();
    let made = raw(
        &mock,
        "POST",
        "/api/v1/agents/agent_123456/call",
        Some(mock.token()),
        &sent,
    );
    assert_eq!(made.status, 200);
    let answer = raw(&mock, "GET", "/api/v1/calls", Some(mock.token()), "");
    assert!(answer.body.len() > 1024, "{}", answer.body);

    let log = mock.requests();
    let body = log[0].body.as_str().expect("a shortened body is text");
    let marker = format!(
        "…[shortened by the mock: 1024 of {} bytes shown]",
        sent.len()
    );
    assert_eq!(body, format!("{}{marker}", &sent[..1024]));
    assert_eq!(log[0].response, made.json(), "a short answer is kept whole");
    assert_eq!(log[1].body, Value::Null);
    let response = log[1]
        .response
        .as_str()
        .expect("a shortened answer is text");
    let marker = format!(
        "…[shortened by the mock: 1024 of {} bytes shown]",
        answer.body.len()
    );
    assert_eq!(response, format!("{}{marker}", &answer.body[..1024]));
}

#[test]
fn clearing_the_log_gives_its_memory_back() {
    let mock = start();
    let notes = "n".repeat(1024 * 1024);
    let sent = json!({"to": "+1234567890", "payload": {"notes": notes}}).to_string();
    let make_call = || {
        raw(
            &mock,
            "POST",
            "/api/v1/agents/agent_123456/call",
            Some(mock.token()),
            &sent,
        )
    };
    for _ in 0..8 {
        assert_eq!(make_call().status, 200);
    }
    let held = mock.request_log_bytes();
    let kept = 8 * 64 * 1024;
    assert!(held >= kept, "{held} bytes: bodies are kept up to 64 KiB");
    assert!(
        held < kept + 8 * 4096,
        "{held} bytes for 8 requests of 1 MiB"
    );

    mock.clear_requests();
    assert_eq!(mock.request_log_bytes(), 0);
    assert!(mock.requests().is_empty());

    assert_eq!(make_call().status, 200);
    assert!(mock.request_log_bytes() > 0);
    mock.reset();
    assert_eq!(mock.request_log_bytes(), 0, "reset frees the log too");
}

#[test]
fn the_log_is_not_served_on_a_non_loopback_address_unless_exposed() {
    let mock = MockServer::builder()
        .addr("0.0.0.0:0")
        .start()
        .expect("the mock starts");
    let loopback = on_loopback(mock.url());
    let answer = raw_at(&loopback, "GET", "/api/v1/health", Some(mock.token()), "");
    assert_eq!(answer.status, 200);

    let refused = raw_at(&loopback, "GET", "/__mock__/requests", None, "");
    assert_eq!(refused.status, 403);
    let message = refused.json()["message"].as_str().map(str::to_string);
    assert!(
        message.is_some_and(|m| m.contains("--expose-request-log")
            && m.contains("MockServer(expose_request_log=True)")),
        "{}",
        refused.body
    );
    assert_eq!(mock.requests().len(), 1, "Rust still reads its own log");
    let cleared = raw_at(&loopback, "DELETE", "/__mock__/requests", None, "");
    assert_eq!(cleared.status, 204, "clearing shows nothing");

    let exposed = MockServer::builder()
        .addr("0.0.0.0:0")
        .expose_request_log(true)
        .start()
        .expect("the mock starts");
    let answer = raw_at(
        &on_loopback(exposed.url()),
        "GET",
        "/__mock__/requests",
        None,
        "",
    );
    assert_eq!((answer.status, answer.json()), (200, json!([])));
}

// ---- rate limiting ----

fn header_number(answer: &Raw, name: &str) -> u64 {
    answer
        .header(name)
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("{name}: {:?}", answer.headers))
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs()
}

#[test]
fn every_answer_counts_down_its_own_tokens_window() {
    let mock = start();
    let other = MockServer::new_token();
    let before = unix_now();
    let remaining: Vec<u64> = [mock.token(), mock.token(), other.as_str(), mock.token()]
        .into_iter()
        .map(|token| {
            let answer = raw(&mock, "GET", "/api/v1/calls", Some(token), "");
            assert_eq!(answer.status, 200);
            assert_eq!(header_number(&answer, "x-ratelimit-limit"), 1000);
            let reset = header_number(&answer, "x-ratelimit-reset");
            assert!((before + 59..=unix_now() + 61).contains(&reset), "{reset}");
            header_number(&answer, "x-ratelimit-remaining")
        })
        .collect();
    assert_eq!(remaining, [999, 998, 999, 997]);

    // Errors, faults and unknown routes are answers of the API too; the controls are not.
    let unauthorized = raw(&mock, "GET", "/api/v1/calls", None, "");
    assert_eq!(unauthorized.status, 401);
    assert_eq!(header_number(&unauthorized, "x-ratelimit-remaining"), 999);
    mock.fail_next(Fault::status(500)).expect("a valid fault");
    let failed = raw(&mock, "GET", "/api/v1/calls", Some(mock.token()), "");
    assert_eq!(
        (
            failed.status,
            header_number(&failed, "x-ratelimit-remaining")
        ),
        (500, 996)
    );
    let unknown = raw(&mock, "GET", "/api/v1/nope", Some(mock.token()), "");
    assert_eq!(header_number(&unknown, "x-ratelimit-remaining"), 995);
    let control = raw(&mock, "GET", "/__mock__/requests", None, "");
    assert_eq!(control.header("x-ratelimit-limit"), None);
}

#[test]
fn a_request_over_the_limit_gets_the_documented_429_and_changes_nothing() {
    let mock = MockServer::builder()
        .rate_limit_per_minute(2)
        .start()
        .expect("the mock starts");
    let make_call = |token: &str| {
        raw(
            &mock,
            "POST",
            "/api/v1/agents/agent_123456/call",
            Some(token),
            r#"{"to":"+15550001111"}"#,
        )
    };
    let first = make_call(mock.token());
    assert_eq!(
        (
            first.status,
            header_number(&first, "x-ratelimit-limit"),
            header_number(&first, "x-ratelimit-remaining")
        ),
        (200, 2, 1)
    );
    let second = make_call(mock.token());
    assert_eq!(header_number(&second, "x-ratelimit-remaining"), 0);
    let other = MockServer::new_token();
    assert_eq!(
        make_call(&other).status,
        200,
        "another token has its own window"
    );
    mock.fail_next(Fault::status(500)).expect("a valid fault");

    let refused = make_call(mock.token());
    assert_eq!(refused.status, 429);
    let retry_after = header_number(&refused, "retry-after");
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    assert_eq!(header_number(&refused, "x-ratelimit-remaining"), 0);
    assert_eq!(
        refused.json(),
        json!({"error": {
            "code": "RATE_LIMIT_EXCEEDED",
            "message": "Rate limit exceeded. Please wait before making more requests.",
            "details": {"retry_after": retry_after},
        }})
    );
    assert_eq!(make_call(mock.token()).status, 429, "still refused");
    assert_eq!(
        statuses(&mock),
        [
            (Some(200), false),
            (Some(200), false),
            (Some(200), false),
            (Some(429), false),
            (Some(429), false)
        ],
        "the refused requests are logged and used no fault"
    );

    mock.set_rate_limit_per_minute(None);
    let failed = make_call(mock.token());
    assert_eq!(
        failed.status, 500,
        "the queued fault was kept for this request"
    );
    assert_eq!(header_number(&failed, "x-ratelimit-limit"), 1000);
    assert_eq!(
        matching(&client(&mock), ListCallsParams::default()).len(),
        SEED_CALLS.len() + 2,
        "the refused calls were never made"
    );
}

#[test]
fn an_operation_without_a_documented_429_gets_a_plain_message() {
    let mock = MockServer::builder()
        .rate_limit_per_minute(1)
        .start()
        .expect("the mock starts");
    let list_calls = || raw(&mock, "GET", "/api/v1/calls", Some(mock.token()), "");
    assert_eq!(list_calls().status, 200);
    let refused = list_calls();
    assert_eq!(refused.status, 429);
    let retry_after = header_number(&refused, "retry-after");
    assert_eq!(
        refused.json(),
        json!({"message": format!(
            "Rate limit exceeded: the limit is 1 a minute per token; retry in {retry_after} s."
        )})
    );
}

#[test]
fn the_rate_limit_is_set_and_reset_over_http() {
    let mock = start();
    let set = |body: &str| raw(&mock, "POST", "/__mock__/rate-limit", None, body);
    let get = || raw(&mock, "GET", "/__mock__/rate-limit", None, "").json();
    let health = || raw(&mock, "GET", "/api/v1/health", Some(mock.token()), "");
    assert_eq!(get(), json!({"per_minute": null}));

    let answer = set(r#"{"per_minute": 1}"#);
    assert_eq!(
        (answer.status, answer.json()),
        (200, json!({"per_minute": 1}))
    );
    assert_eq!(
        answer.header("x-ratelimit-limit"),
        None,
        "controls are not counted"
    );
    assert_eq!(get(), json!({"per_minute": 1}));
    assert_eq!(mock.rate_limit_per_minute(), Some(1));
    assert_eq!(health().status, 200);
    assert_eq!(health().status, 429);

    assert_eq!(set(r#"{"per_minute": 1}"#).status, 200);
    assert_eq!(
        health().status,
        200,
        "setting the limit starts every window afresh"
    );
    assert_eq!(health().status, 429);
    assert_eq!(raw(&mock, "POST", "/__mock__/reset", None, "").status, 204);
    assert_eq!(
        health().status,
        200,
        "so does a reset, which keeps the limit"
    );
    assert_eq!(health().status, 429);

    assert_eq!(
        set(r#"{"per_minute": null}"#).json(),
        json!({"per_minute": null})
    );
    let free = health();
    assert_eq!(
        (free.status, header_number(&free, "x-ratelimit-limit")),
        (200, 1000)
    );

    for body in [
        "",
        "{}",
        r#"{"per_minute": -1}"#,
        r#"{"per_minute": "5"}"#,
        r#"{"per_minute": 1.5}"#,
        r#"{"per_minute": 5, "burst": 1}"#,
    ] {
        let answer = set(body);
        assert_eq!(answer.status, 400, "{body}");
        let message = answer.json()["message"].as_str().map(str::to_string);
        assert!(message.is_some_and(|m| m.contains("per_minute")), "{body}");
    }
    assert_eq!(mock.rate_limit_per_minute(), None);
}
