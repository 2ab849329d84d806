//! The spec-driven mock server (`talkover::mock`, feature `mock`) through the real clients
//! and through raw HTTP: authentication, validation, stored state, list filters and pages,
//! token isolation, every fault kind, the `/__mock__/` controls and the `talkover-mock`
//! binary. Each test checks both what the client parsed and what the mock logged.
#![cfg(feature = "mock")]

mod support;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use support::{mock_client as client, queried};
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

/// A client that sends what it is given, for requests the SDK would refuse.
fn unchecked(mock: &MockServer) -> talkover::Client {
    talkover::Client::builder()
        .token(mock.token())
        .base_url(mock.url())
        .validate(false)
        .build()
        .expect("client")
}

fn client_with_token(mock: &MockServer, token: &str) -> talkover::Client {
    talkover::Client::builder()
        .token(token)
        .base_url(mock.url())
        .build()
        .expect("client")
}

fn talkturo(mock: &MockServer, token: &str) -> talkover::talkturo::Client {
    talkover::talkturo::Client::builder()
        .token(token)
        .base_url(mock.url())
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
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .proxy(None)
        .build()
        .into();
    let mut request = ureq::http::Request::builder()
        .method(method)
        .uri(format!("{}{path}", mock.url()));
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

#[test]
fn the_binary_serves_on_the_url_it_prints() {
    let child = binary()
        .args(["--port", "0"])
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
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    assert!(!url.ends_with(":0"), "{url}");
    let token = line()
        .strip_prefix("Token: ")
        .map(str::to_string)
        .expect("the token line");
    assert!(token.starts_with("talq_"), "{token}");
    assert!(line().contains("/__mock__/"));

    let client = talkover::Client::builder()
        .token(&token)
        .base_url(&url)
        .build()
        .expect("client");
    let page = client
        .calls()
        .list(&ListCallsParams::default())
        .expect("a page");
    assert_eq!(ids(&page.data), SEED_CALLS);
}

#[test]
fn the_binary_help_exits_0() {
    let output = binary().arg("--help").output().expect("runs");
    assert!(output.status.success(), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stdout).starts_with("usage: talkover-mock"));
}

#[test]
fn the_binary_refuses_bad_arguments_with_exit_2() {
    for args in [&["--bogus"][..], &["--port", "http"], &["--port"]] {
        let output = binary().args(args).output().expect("runs");
        assert_eq!(output.status.code(), Some(2), "{args:?}: {output:?}");
        assert!(
            String::from_utf8_lossy(&output.stderr).contains("usage:"),
            "{args:?}"
        );
        assert!(output.stdout.is_empty(), "{args:?}");
    }
}
