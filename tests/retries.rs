//! Retries, `with_options` and raw responses from Rust. The full fault matrix runs from
//! Python (tests/python/test_retries.py); these pin the same rules through the Rust API.

mod support;

use std::time::{Duration, Instant};

use serde_json::json;
use support::{Reply, TestServer};
use talkover::mock::{Fault, MockServer};
use talkover::{Error, ListCallsParams, MakeCallParams, RequestOptions};

const MAKE_CALL: &str = "/api/v1/agents/agent_123456/call";

fn make_call() -> MakeCallParams {
    MakeCallParams {
        to: "+15550001111".into(),
        is_testing: Some(true),
        ..Default::default()
    }
}

fn arrived(mock: &MockServer, method: &str, path: &str) -> usize {
    mock.requests()
        .iter()
        .filter(|r| r.method == method && r.path == path)
        .count()
}

#[test]
fn a_list_is_retried_after_a_503_and_a_make_call_is_not() {
    let mock = MockServer::start().unwrap();
    let client = support::mock_client(&mock);
    mock.fail_next(
        Fault::status(503)
            .header("Retry-After", "0")
            .on("GET", "/api/v1/calls"),
    )
    .unwrap();
    mock.fail_next(
        Fault::status(503)
            .header("Retry-After", "0")
            .on("POST", MAKE_CALL),
    )
    .unwrap();

    let page = client.calls().list(&ListCallsParams::default()).unwrap();
    assert_eq!(page.data.len(), 2);
    assert_eq!(arrived(&mock, "GET", "/api/v1/calls"), 2);

    match client.calls().create("agent_123456", &make_call()) {
        Err(Error::Api(api)) => assert_eq!(api.status, 503),
        other => panic!("{other:?}"),
    }
    assert_eq!(arrived(&mock, "POST", MAKE_CALL), 1);
}

#[test]
fn a_make_call_is_retried_after_429_with_the_server_s_wait() {
    let mock = MockServer::start().unwrap();
    let client = support::mock_client(&mock);
    mock.fail_next(
        Fault::status(429)
            .header("Retry-After", "1")
            .on("POST", MAKE_CALL),
    )
    .unwrap();

    let started = Instant::now();
    let raw = client
        .calls()
        .with_raw_response()
        .create("agent_123456", &make_call())
        .unwrap();
    assert!(started.elapsed() >= Duration::from_millis(950));
    assert_eq!(raw.retries(), 1);
    assert!(raw.elapsed() >= Duration::from_millis(950));
    assert!(raw.rate_limit().limit.is_some());
    assert_eq!(raw.parse().unwrap().to, "+15550001111");
    assert_eq!(arrived(&mock, "POST", MAKE_CALL), 2);
}

#[test]
fn a_wait_over_a_minute_is_raised_with_retry_after() {
    let mock = MockServer::start().unwrap();
    let client = support::mock_client(&mock);
    mock.fail_next(
        Fault::status(429)
            .header("Retry-After", "61")
            .on("GET", "/api/v1/calls"),
    )
    .unwrap();
    match client.calls().list(&ListCallsParams::default()) {
        Err(Error::Api(api)) => assert_eq!(api.retry_after, Some(61.0)),
        other => panic!("{other:?}"),
    }
    assert_eq!(arrived(&mock, "GET", "/api/v1/calls"), 1);
}

#[test]
fn a_timed_out_make_call_is_not_resent_but_a_list_is() {
    let mock = MockServer::start().unwrap();
    let client = talkover::Client::builder()
        .token(mock.token())
        .base_url(mock.url())
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    for (method, path) in [("GET", "/api/v1/calls"), ("POST", MAKE_CALL)] {
        mock.fail_next(Fault::delay(Duration::from_secs(1)).on(method, path))
            .unwrap();
    }
    client.calls().list(&ListCallsParams::default()).unwrap();
    assert_eq!(arrived(&mock, "GET", "/api/v1/calls"), 2);
    assert!(matches!(
        client.calls().create("agent_123456", &make_call()),
        Err(Error::Timeout(_))
    ));
    assert_eq!(arrived(&mock, "POST", MAKE_CALL), 1);
}

#[test]
fn with_options_shares_the_pool_and_keeps_the_original() {
    let server = TestServer::start();
    for _ in 0..4 {
        server.reply(
            "GET",
            "/api/v1/health",
            Reply::json(200, json!({"ok": true})),
        );
    }
    let client = support::client(&server);
    let copy = client
        .with_options(
            &RequestOptions::new()
                .timeout(Duration::from_secs(5))
                .max_retries(0)
                .default_header("X-Team", "sales"),
        )
        .unwrap();
    client.health().check().unwrap();
    copy.health().check().unwrap();
    client.health().check().unwrap();
    copy.health().check().unwrap();
    let requests = server.requests();
    let remotes: Vec<_> = requests.iter().map(|r| r.remote).collect();
    assert!(
        remotes.iter().all(|r| *r == remotes[0]),
        "one pooled connection: {remotes:?}"
    );
    let teams: Vec<_> = requests.iter().map(|r| r.header("x-team")).collect();
    assert_eq!(teams, [None, Some("sales"), None, Some("sales")]);
    assert!(client
        .with_options(&RequestOptions::new().default_header("Host", "x"))
        .is_err());
}

#[test]
fn a_raw_list_parses_into_a_page_that_walks_every_page() {
    let mock = MockServer::start().unwrap();
    let client = support::mock_client(&mock);
    let raw = client
        .calls()
        .with_raw_response()
        .list(&ListCallsParams {
            per_page: Some(1),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(raw.status(), 200);
    assert!(raw.header("X-RateLimit-Remaining").is_some());
    let ids: Vec<String> = raw
        .parse()
        .unwrap()
        .into_iter()
        .map(|call| call.unwrap().id)
        .collect();
    assert_eq!(ids, ["call-uuid-2", "call-uuid-1"]);
}
