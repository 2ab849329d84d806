//! Settings read from the environment. Environment variables are process-wide, so everything
//! that sets or removes them is in the one test of this file (its own test binary): no other
//! test thread can read them while they change.

mod support;

use serde_json::json;
use support::{configuration_message, Reply, TestServer, TOKEN};

const VARS: [&str; 4] = [
    "TALKOVER_TOKEN",
    "TALKOVER_BASE_URL",
    "TALKTURO_TOKEN",
    "TALKTURO_BASE_URL",
];

#[test]
fn settings_from_the_environment() {
    let saved: Vec<(&str, Option<std::ffi::OsString>)> =
        VARS.iter().map(|v| (*v, std::env::var_os(v))).collect();
    for var in VARS {
        std::env::remove_var(var);
    }

    // No token anywhere: the error names the variable to set.
    let message = configuration_message(talkover::Client::from_env());
    assert!(message.contains("TALKOVER_TOKEN"), "{message}");
    let message = configuration_message(
        talkover::Client::builder()
            .base_url("http://127.0.0.1:1")
            .build(),
    );
    assert!(message.contains("TALKOVER_TOKEN"), "{message}");
    let message = configuration_message(talkover::talkturo::Client::from_env());
    assert!(message.contains("TALKTURO_TOKEN"), "{message}");

    // A blank variable counts as unset.
    std::env::set_var("TALKOVER_TOKEN", "   ");
    let message = configuration_message(talkover::Client::from_env());
    assert!(message.contains("TALKOVER_TOKEN"), "{message}");

    // Talkover defaults to its documented host; Talkturo has none.
    let client = talkover::Client::new(TOKEN).expect("token given, host from the spec");
    assert_eq!(client.base_url(), "https://app.talkover.ai");
    let message = configuration_message(talkover::talkturo::Client::new("tt"));
    assert!(message.contains("TALKTURO_BASE_URL"), "{message}");

    // Token and base URL from the environment, and a request that uses both.
    let server = TestServer::start();
    server.reply(
        "GET",
        "/api/v1/health",
        Reply::json(200, json!({"status": "ok"})),
    );
    std::env::set_var("TALKOVER_TOKEN", "talq_from_env");
    std::env::set_var("TALKOVER_BASE_URL", format!("{}/", server.url()));
    let client = talkover::Client::from_env().expect("configured by the environment");
    assert_eq!(client.base_url(), server.url());
    client.health().check().expect("healthy");
    assert_eq!(
        server.only_request().header("Authorization"),
        Some("Bearer talq_from_env")
    );
    assert!(!format!("{client:?}").contains("talq_from_env"));

    // Arguments win over the environment.
    let client = talkover::Client::builder()
        .token(TOKEN)
        .base_url("http://127.0.0.1:9")
        .build()
        .expect("client");
    assert_eq!(client.base_url(), "http://127.0.0.1:9");

    std::env::set_var("TALKTURO_TOKEN", "tt_env");
    std::env::set_var("TALKTURO_BASE_URL", "https://acme.example");
    let client = talkover::talkturo::Client::from_env().expect("configured by the environment");
    assert_eq!(client.base_url(), "https://acme.example");

    // A bad base URL from the environment is a configuration error too.
    std::env::set_var("TALKOVER_BASE_URL", "app.talkover.ai");
    let message = configuration_message(talkover::Client::from_env());
    assert!(message.contains("http"), "{message}");
    assert!(!message.contains("talq_from_env"), "{message}");

    for (var, value) in saved {
        match value {
            Some(value) => std::env::set_var(var, value),
            None => std::env::remove_var(var),
        }
    }
}
