//! The generated Talkover and Talkturo clients against a real loopback server: what the
//! client parsed, and what the server received (method, path, query, headers, exact body).
//! Tests that need a realistic answer rather than scripted bytes use the spec-driven mock
//! (feature `mock`).

mod support;

use serde_json::json;
use support::{client, Reply, TestServer, TOKEN};
#[cfg(feature = "mock")]
use support::{mock_client, queried};
#[cfg(feature = "mock")]
use talkover::mock::MockServer;
use talkover::{
    ActionInput, ActionStatus, ActionType, Call, CallDirection, CallStatus, ListCallsParams,
    MakeCallParams, UpsertAgentActionParams,
};

fn call_json(id: &str, status: &str) -> serde_json::Value {
    json!({
        "id": id,
        "sid": format!("sid_{id}"),
        "to": "+1234567890",
        "from": "+0987654321",
        "direction": "outbound",
        "status": status,
        "duration": 120,
        "agent": {"id": "agent-uuid-1", "name": "Sales Agent", "label": "Sales Agent Label"},
        "created_at": "2024-01-01T00:00:00Z",
        "updated_at": "2024-01-01T00:02:00Z"
    })
}

/// One page of `GET /api/v1/calls` holding calls `ids`.
fn calls_page(ids: &[&str], current: i64, last: i64) -> Reply {
    let data: Vec<_> = ids.iter().map(|id| call_json(id, "completed")).collect();
    Reply::json(
        200,
        json!({
            "success": true,
            "data": data,
            "pagination": {
                "current_page": current, "last_page": last, "per_page": 2,
                "total": 5, "from": (current - 1) * 2 + 1, "to": (current - 1) * 2 + ids.len() as i64
            }
        }),
    )
}

#[test]
fn make_call_parses_the_call_and_sends_exactly_the_set_fields() {
    let server = TestServer::start();
    server.reply(
        "POST",
        "/api/v1/agents/agent_123456/call",
        Reply::json(
            200,
            json!({
                "success": true,
                "data": {
                    "id": "call_789012",
                    "agent_id": "agent_123456",
                    "to": "+1234567890",
                    "status": "initiated",
                    "created_at": "2024-01-15T10:30:00Z"
                }
            }),
        ),
    );
    let client = client(&server);
    let mut payload = serde_json::Map::new();
    payload.insert("customer_name".into(), json!("John Doe"));
    let call = client
        .calls()
        .create(
            "agent_123456",
            &MakeCallParams {
                to: "+1234567890".into(),
                payload: Some(payload),
                is_testing: Some(true),
                ..Default::default()
            },
        )
        .expect("the call is created");

    assert_eq!(call.id, "call_789012");
    assert_eq!(call.status, CallStatus::Initiated);
    assert_eq!(call.status.to_string(), "initiated");
    assert_eq!(call.agent_id.as_deref(), Some("agent_123456"));
    assert_eq!(call.to, "+1234567890");
    assert_eq!(call.created_at, "2024-01-15T10:30:00Z");
    assert_eq!(call.direction, None);
    assert!(call.additional_properties.is_empty());

    let request = server.only_request();
    assert_eq!(request.method, "POST");
    assert_eq!(request.url, "/api/v1/agents/agent_123456/call");
    assert_eq!(
        request.json(),
        json!({"to": "+1234567890", "payload": {"customer_name": "John Doe"}, "is_testing": true}),
        "unset optionals are left out, not sent as null"
    );
    let body = request.body_text();
    for absent in ["context", "delay_seconds", "null"] {
        assert!(!body.contains(absent), "{absent} in body {body}");
    }
    assert_eq!(
        request.header("Authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );
    assert_eq!(request.header("Content-Type"), Some("application/json"));
    assert_eq!(request.header("Accept"), Some("application/json"));
    let user_agent = request.header("User-Agent").unwrap_or_default();
    assert!(
        user_agent.starts_with("talkover-rust/"),
        "User-Agent {user_agent:?}"
    );
}

#[test]
fn list_calls_encodes_the_query_with_ureq() {
    let server = TestServer::start();
    server.reply("GET", "/api/v1/calls", calls_page(&["c1"], 1, 1));
    let client = client(&server);
    let page = client
        .calls()
        .list(&ListCallsParams {
            status: Some(CallStatus::NoAnswer),
            direction: Some(CallDirection::Outbound),
            date_from: Some("2024-01-01".into()),
            search: Some("+1234567890".into()),
            per_page: Some(50),
            ..Default::default()
        })
        .expect("one page");
    assert_eq!(page.data.len(), 1);

    let request = server.only_request();
    assert_eq!(request.method, "GET");
    assert_eq!(request.path(), "/api/v1/calls");
    assert_eq!(
        request.query_pairs(),
        [
            ("status", "no-answer"),
            ("direction", "outbound"),
            ("date_from", "2024-01-01"),
            ("search", "%2B1234567890"),
            ("per_page", "50"),
        ]
        .map(|(n, v)| (n.to_string(), v.to_string())),
        "a `+` must arrive as %2B (a literal + would be read as a space); unset params are absent"
    );
    assert!(request.body.is_empty());
    assert_eq!(request.header("Content-Type"), None);
}

#[test]
fn iterating_a_page_walks_every_page() {
    let server = TestServer::start();
    server
        .reply("GET", "/api/v1/calls", calls_page(&["c1", "c2"], 1, 3))
        .reply("GET", "/api/v1/calls", calls_page(&["c3", "c4"], 2, 3))
        .reply("GET", "/api/v1/calls", calls_page(&["c5"], 3, 3));
    let client = client(&server);
    let page = client
        .calls()
        .list(&ListCallsParams {
            search: Some("+1234567890".into()),
            per_page: Some(2),
            ..Default::default()
        })
        .expect("first page");

    // The page derefs to the response.
    assert_eq!(page.pagination.last_page, 3);
    assert_eq!(page.pagination.current_page, 1);
    assert_eq!(page.data.len(), 2);
    assert_eq!(page.items().len(), 2);
    assert!(page.success);
    assert!(page.has_next_page());
    assert_eq!(server.requests().len(), 1, "only the first page is fetched");

    let calls: Vec<Call> = page
        .into_iter()
        .collect::<Result<_, _>>()
        .expect("every page");
    let ids: Vec<&str> = calls.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["c1", "c2", "c3", "c4", "c5"]);
    assert_eq!(calls[0].status, CallStatus::Completed);
    assert_eq!(calls[0].from.as_deref(), Some("+0987654321"));
    assert_eq!(
        calls[0].agent.as_ref().and_then(|a| a.name.as_deref()),
        Some("Sales Agent")
    );

    let requests = server.requests();
    let pages: Vec<Option<String>> = requests.iter().map(|r| r.query_param("page")).collect();
    assert_eq!(pages, [None, Some("2".into()), Some("3".into())]);
    for request in &requests {
        assert_eq!(request.path(), "/api/v1/calls");
        assert_eq!(
            request.query_param("search").as_deref(),
            Some("%2B1234567890")
        );
        assert_eq!(request.query_param("per_page").as_deref(), Some("2"));
    }
}

#[cfg(feature = "mock")]
#[test]
fn next_page_returns_none_after_the_last_page() {
    let mock = MockServer::start().expect("mock");
    let client = mock_client(&mock);
    // One made call and the two seeded ones: pages of two are [made, seed] and [seed].
    client
        .calls()
        .create(
            "agent_123456",
            &MakeCallParams {
                to: "+1234567890".into(),
                ..Default::default()
            },
        )
        .expect("created");
    mock.clear_requests();
    let first = client
        .calls()
        .list(&ListCallsParams {
            per_page: Some(2),
            ..Default::default()
        })
        .expect("first page");
    let second = first
        .next_page()
        .expect("second page fetched")
        .expect("there is a second page");
    assert_eq!(second.pagination.current_page, 2);
    assert_eq!(second.data[0].id, "call-uuid-1");
    assert!(!second.has_next_page());
    assert!(second.next_page().expect("no fetch").is_none());
    assert_eq!(
        queried(&mock, "page"),
        [None, Some("2".into())],
        "no request after the last page"
    );
    // The first page is still usable and fetches the same next page again.
    assert_eq!(
        first.next_page().expect("refetch").map(|p| p.data.len()),
        Some(1)
    );
}

#[test]
fn a_server_that_ignores_the_page_param_does_not_loop_forever() {
    let server = TestServer::start();
    // Always page 1 of 3, whatever is asked.
    server.reply("GET", "/api/v1/calls", calls_page(&["c1", "c2"], 1, 3));
    let client = client(&server);
    let page = client
        .calls()
        .list(&ListCallsParams::default())
        .expect("first page");
    let items: Vec<_> = page.into_iter().take(100).collect();
    assert_eq!(items.len(), 4, "page 1 and the (repeated) page asked as 2");
    assert!(items.iter().all(Result::is_ok));
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn an_empty_laravel_page_parses_and_iterates_as_nothing() {
    let server = TestServer::start();
    // Laravel's paginator when nothing matches: `from` and `to` are null.
    server.reply(
        "GET",
        "/api/v1/calls",
        Reply::json(
            200,
            json!({
                "success": true,
                "data": [],
                "pagination": {
                    "current_page": 1, "last_page": 1, "per_page": 20,
                    "total": 0, "from": null, "to": null
                }
            }),
        ),
    );
    let page = client(&server)
        .calls()
        .list(&ListCallsParams {
            status: Some(CallStatus::Failed),
            search: Some("nothing-matches".into()),
            ..Default::default()
        })
        .expect("an empty page is a page");

    assert!(page.data.is_empty());
    assert_eq!(page.pagination.total, 0);
    assert_eq!((page.pagination.from, page.pagination.to), (None, None));
    assert!(!page.has_next_page());
    assert!(page.next_page().expect("no fetch").is_none());
    assert_eq!(page.into_iter().count(), 0);
    assert_eq!(server.requests().len(), 1);
}

#[cfg(feature = "mock")]
#[test]
fn an_empty_list_is_one_request() {
    let mock = MockServer::start().expect("mock");
    let page = mock_client(&mock)
        .calls()
        .list(&ListCallsParams {
            status: Some(CallStatus::Busy),
            ..Default::default()
        })
        .expect("first page");
    assert_eq!(page.pagination.total, 0);
    assert_eq!(
        (page.pagination.from, page.pagination.to),
        (None, None),
        "the mock answers an empty page as Laravel does"
    );
    assert!(!page.has_next_page());
    assert_eq!(page.into_iter().count(), 0);
    assert_eq!(mock.requests().len(), 1);
}

#[test]
fn upsert_agent_action_under_nested_group() {
    let server = TestServer::start();
    server.reply(
        "POST",
        "/api/v1/agents/agent-uuid/actions",
        Reply::json(
            200,
            json!({
                "success": true,
                "message": "Action saved",
                "data": {
                    "id": "act_1",
                    "name": "Schedule Meeting",
                    "type": "webhook",
                    "input_schema": [{"name": "date", "type": "string", "required": true}],
                    "config": null,
                    "url": "https://api.example.com/schedule",
                    "current_status": "active",
                    "brand_new_field": {"x": 1}
                }
            }),
        ),
    );
    let client = client(&server);
    let action = client
        .agents()
        .actions()
        .upsert(
            "agent-uuid",
            &UpsertAgentActionParams {
                node_id: "n1".into(),
                name: "Schedule Meeting".into(),
                description: "Books a meeting".into(),
                r#type: ActionType::Webhook,
                inputs: Some(vec![ActionInput {
                    name: Some("date".into()),
                    r#type: Some("string".into()),
                    required: Some(true),
                    ..Default::default()
                }]),
                url: Some("https://api.example.com/schedule".into()),
                ..Default::default()
            },
        )
        .expect("the action is saved");
    assert_eq!(action.id, "act_1");
    assert_eq!(action.r#type, Some(ActionType::Webhook));
    assert_eq!(action.current_status, Some(ActionStatus::Active));
    let inputs = action.input_schema.as_ref().expect("input_schema");
    assert_eq!(inputs[0].name.as_deref(), Some("date"));
    assert_eq!(inputs[0].required, Some(true));
    assert_eq!(action.config, None);
    assert_eq!(
        action.additional_properties.get("brand_new_field"),
        Some(&json!({"x": 1}))
    );

    let request = server.only_request();
    assert_eq!(request.method, "POST");
    assert_eq!(request.url, "/api/v1/agents/agent-uuid/actions");
    assert_eq!(
        request.json(),
        json!({
            "node_id": "n1",
            "name": "Schedule Meeting",
            "description": "Books a meeting",
            "type": "webhook",
            "inputs": [{"name": "date", "type": "string", "required": true}],
            "url": "https://api.example.com/schedule"
        })
    );
}

#[test]
fn health_check() {
    let server = TestServer::start();
    server.reply(
        "GET",
        "/api/v1/health",
        Reply::json(200, json!({"status": "ok", "time": 1})),
    );
    let client = client(&server);
    let health = client.health().check().expect("healthy");
    assert_eq!(health.get("status"), Some(&json!("ok")));
    let request = server.only_request();
    assert_eq!(
        (request.method.as_str(), request.url.as_str()),
        ("GET", "/api/v1/health")
    );
    assert!(request.body.is_empty());
}

#[test]
fn talkturo_assistants_use_camel_case_wire_names() {
    use talkover::talkturo::{CreateAssistantParams, CreateAssistantRequestTemplateId};

    let server = TestServer::start();
    let assistant = json!({
        "id": "asst_1",
        "account_id": "acct_1",
        "name": "Support Agent",
        "type": "inbound-support",
        "temperature": 0.7,
        "max_tokens": 1024,
        "voice_provider": "cartesia"
    });
    server
        .reply(
            "POST",
            "/api/assistants",
            Reply::json(200, json!({"success": true, "assistant": assistant})),
        )
        .reply(
            "GET",
            "/api/assistants/asst_1",
            Reply::json(200, json!({"success": true, "assistant": assistant})),
        );
    let client = talkover::talkturo::Client::builder()
        .token("tt_token")
        .base_url(server.url())
        .build()
        .expect("client");
    let created = client
        .assistants()
        .create(&CreateAssistantParams {
            account_slug: "my-team".into(),
            name: "Support Agent".into(),
            template_id: Some(CreateAssistantRequestTemplateId::InboundSupport),
        })
        .expect("created");
    assert_eq!(created.id, "asst_1");
    assert_eq!(created.r#type.as_deref(), Some("inbound-support"));
    assert_eq!(created.temperature, Some(0.7));
    assert_eq!(created.max_tokens, Some(1024));

    let fetched = client.assistants().retrieve(&created.id).expect("fetched");
    assert_eq!(fetched, created);

    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(
        (requests[0].method.as_str(), requests[0].url.as_str()),
        ("POST", "/api/assistants")
    );
    assert_eq!(
        requests[0].json(),
        json!({"accountSlug": "my-team", "name": "Support Agent", "templateId": "inbound-support"})
    );
    assert_eq!(requests[0].header("Authorization"), Some("Bearer tt_token"));
    assert_eq!(
        (requests[1].method.as_str(), requests[1].url.as_str()),
        ("GET", "/api/assistants/asst_1")
    );
}

#[cfg(feature = "mock")]
#[test]
fn one_client_serves_many_threads() {
    let mock = MockServer::start().expect("mock");
    let client = mock_client(&mock);
    std::thread::scope(|scope| {
        for _ in 0..4 {
            let client = client.clone();
            scope.spawn(move || {
                for _ in 0..5 {
                    client.health().check().expect("healthy");
                }
            });
        }
    });
    assert_eq!(mock.requests().len(), 20);
}

#[test]
fn sequential_requests_reuse_one_pooled_connection() {
    let server = TestServer::start();
    server
        .reply(
            "GET",
            "/api/v1/health",
            Reply::json(200, json!({"status": "ok"})),
        )
        .reply(
            "GET",
            "/api/v1/calls",
            Reply::json(
                500,
                json!({"success": false, "message": "Internal server error."}),
            ),
        )
        .reply(
            "GET",
            "/api/v1/calls",
            Reply::raw(502, "text/html", &"<html>bad gateway</html>".repeat(100)),
        )
        .reply("GET", "/api/v1/calls", calls_page(&["c1"], 1, 1));
    // Each error answer is wanted as such here, not retried.
    let client = talkover::Client::builder()
        .token(TOKEN)
        .base_url(server.url())
        .max_retries(0)
        .build()
        .unwrap();
    client.health().check().expect("healthy");
    assert!(client.calls().list(&ListCallsParams::default()).is_err());
    assert!(client.calls().list(&ListCallsParams::default()).is_err());
    client
        .calls()
        .list(&ListCallsParams::default())
        .expect("a page");
    client.health().check().expect("healthy");
    let remotes: Vec<_> = server.requests().iter().map(|r| r.remote).collect();
    assert_eq!(remotes.len(), 5);
    assert!(remotes[0].is_some());
    assert!(
        remotes.iter().all(|r| *r == remotes[0]),
        "error bodies are read to the end and the connection goes back to the pool: {remotes:?}"
    );
}

/// A host name (resolved when a connection is opened, not before every request) reaches the
/// server, and later requests go over the same pooled connection.
#[test]
fn a_host_name_is_resolved_and_its_connection_reused() {
    let server = TestServer::start();
    for _ in 0..3 {
        server.reply(
            "GET",
            "/api/v1/health",
            Reply::json(200, json!({"status": "ok"})),
        );
    }
    let client = talkover::Client::builder()
        .token(TOKEN)
        .base_url(server.url().replace("127.0.0.1", "localhost"))
        .build()
        .unwrap();
    for _ in 0..3 {
        client.health().check().expect("healthy");
    }
    let remotes: Vec<_> = server.requests().iter().map(|r| r.remote).collect();
    assert_eq!(remotes.len(), 3);
    assert!(
        remotes.iter().all(|r| r.is_some() && *r == remotes[0]),
        "{remotes:?}"
    );
}

/// An unknown host name is a connection error when the connection is opened.
#[test]
fn an_unknown_host_name_is_a_connection_error() {
    let client = talkover::Client::builder()
        .token(TOKEN)
        .base_url("http://no-such-host.invalid")
        .max_retries(0)
        .build()
        .unwrap();
    match client.health().check() {
        Err(talkover::Error::Connection(message)) => {
            assert!(message.contains("/api/v1/health"), "{message}")
        }
        other => panic!("{other:?}"),
    }
}

/// Decoding a model that keeps unknown fields: known fields parsed, unknown ones kept in the
/// order received, and serde's errors for a missing or repeated field.
#[test]
fn a_call_decodes_known_fields_and_keeps_unknown_ones_in_order() {
    let text = r#"{"zeta":1,"id":"c1","st\u0061tus":"completed","mid":{"b":1,"a":2},
        "to":"+1234567890","agent":null,"duration":null,"created_at":"2024-01-01T00:00:00Z","alpha":[1,2.5]}"#;
    let call: Call = serde_json::from_str(text).unwrap();
    assert_eq!(call.id, "c1");
    assert_eq!(call.status, CallStatus::Completed);
    assert_eq!(call.agent, None);
    assert_eq!(call.duration, None);
    let unknown: Vec<&str> = call
        .additional_properties
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(unknown, ["zeta", "mid", "alpha"]);
    assert_eq!(call.additional_properties["mid"], json!({"b": 1, "a": 2}));
    assert_eq!(call.additional_properties["alpha"], json!([1, 2.5]));
    // From a serde_json::Value as from text (the Python binding converts through Value).
    let again: Call = serde_json::from_value(serde_json::from_str(text).unwrap()).unwrap();
    assert_eq!(again, call);

    let missing = serde_json::from_str::<Call>(r#"{"id":"c1","to":"+1","created_at":"x"}"#);
    assert!(missing
        .unwrap_err()
        .to_string()
        .starts_with("missing field `status`"));
    let twice = serde_json::from_str::<Call>(
        r#"{"id":"c1","id":"c2","to":"+1","status":"completed","created_at":"x"}"#,
    );
    assert!(twice
        .unwrap_err()
        .to_string()
        .starts_with("duplicate field `id`"));
    let not_an_object = serde_json::from_str::<Call>(r#"["c1"]"#);
    assert!(not_an_object
        .unwrap_err()
        .to_string()
        .contains("expected struct Call"));
}

/// A kept-alive connection the server closed while it sat in the pool is seen as closed
/// before the next request is written to it: the request goes out on a new connection and
/// succeeds, with no retry to hide a failure.
#[test]
fn a_connection_the_server_closed_while_idle_is_not_reused() {
    use std::io::{BufRead, BufReader, Write};
    use std::net::TcpListener;

    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (closed_tx, closed_rx) = std::sync::mpsc::channel();
    let server = std::thread::spawn(move || {
        for _ in 0..2 {
            let (stream, _) = listener.accept().unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            while reader.read_line(&mut line).unwrap() > 0 && line != "\r\n" {
                line.clear();
            }
            let body = r#"{"status":"ok"}"#;
            let mut stream = stream;
            write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            )
            .unwrap();
            // Keep-alive as far as the client knows; closed right after the answer.
            drop(reader);
            drop(stream);
            closed_tx.send(()).unwrap();
        }
    });
    let client = talkover::Client::builder()
        .token(TOKEN)
        .base_url(url)
        .max_retries(0)
        .build()
        .unwrap();
    client.health().check().expect("first answer");
    closed_rx.recv().unwrap();
    // Let the close (FIN) reach the client's socket before it is probed.
    std::thread::sleep(std::time::Duration::from_millis(50));
    client
        .health()
        .check()
        .expect("second answer, on a new connection");
    server.join().unwrap();
}
