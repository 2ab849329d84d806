//! The SDK against hostile inputs and servers, from Rust: URLs too long for the HTTP layer,
//! base URLs and default headers that do not parse, redirects, echoed secrets and a private
//! certificate authority.

mod support;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::Arc;

use serde_json::json;
use support::{configuration_message, Reply, TestServer, TOKEN};
use talkover::{Error, ListCallsParams, MakeCallParams};

#[test]
fn an_overlong_query_is_a_validation_error_and_nothing_is_sent() {
    let server = TestServer::start();
    let client = support::client(&server);
    for search in ["a".repeat(65_514), "é".repeat(40_000)] {
        let params = ListCallsParams {
            search: Some(search),
            ..Default::default()
        };
        match client.calls().list(&params) {
            Err(Error::Validation { field, .. }) => assert_eq!(field, "search"),
            other => panic!("{other:?}"),
        }
    }
    assert!(server.requests().is_empty());
}

#[test]
fn base_urls_that_do_not_parse_fully_are_refused_at_build() {
    for url in [
        "http://127.0.0.1:abc",
        "http://127.0.0.1:99999",
        "http://127.0.0.1:65616",
        "http://[::1",
        "http://:80",
        "http://bad host",
        "http://b@d:1@host",
    ] {
        configuration_message(
            talkover::Client::builder()
                .token(TOKEN)
                .base_url(url)
                .build(),
        );
    }
    let message = configuration_message(
        talkover::Client::builder()
            .token(TOKEN)
            .base_url("http://user:s3cretpass@127.0.0.1:1")
            .build(),
    );
    assert!(!message.contains("s3cretpass"), "{message}");
}

#[test]
fn framing_headers_are_refused_at_build() {
    for name in [
        "Host",
        "content-length",
        "Transfer-Encoding",
        "Connection",
        "TE",
        "Trailer",
        "Upgrade",
    ] {
        let message = configuration_message(
            talkover::Client::builder()
                .token(TOKEN)
                .base_url("http://127.0.0.1:1")
                .default_header(name, "5")
                .build(),
        );
        assert!(message.contains(name), "{message}");
    }
}

#[test]
fn a_post_answered_with_a_redirect_is_raised_not_resent_as_get() {
    let server = TestServer::start();
    server.reply(
        "POST",
        "/api/v1/agents/agent_1/call",
        Reply::empty(302).header("Location", "/elsewhere"),
    );
    let client = support::client(&server);
    let params = MakeCallParams {
        to: "+1234567890".into(),
        ..Default::default()
    };
    match client.calls().create("agent_1", &params) {
        Err(Error::Api(api)) => {
            assert_eq!(api.status, 302);
            assert_eq!(api.header("location"), Some("/elsewhere"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn credentials_stay_with_the_base_origin() {
    let (server, other) = (TestServer::start(), TestServer::start());
    server.reply(
        "GET",
        "/api/v1/health",
        Reply::empty(302).header("Location", &format!("{}/there", other.url())),
    );
    other.reply("GET", "/there", Reply::json(200, json!({"ok": true})));
    let client = talkover::Client::builder()
        .token(TOKEN)
        .base_url(server.url())
        .default_header("X-Api-Key", "key_0123456789")
        .build()
        .unwrap();
    client.health().check().unwrap();
    let arrived = other.only_request();
    assert_eq!(arrived.header("authorization"), None);
    assert_eq!(arrived.header("x-api-key"), None);
    assert_eq!(
        server.only_request().header("x-api-key"),
        Some("key_0123456789")
    );
}

#[test]
fn an_echoed_token_is_redacted_from_the_error() {
    let server = TestServer::start();
    server.reply(
        "GET",
        "/api/v1/health",
        Reply::json(401, json!({"message": format!("token {TOKEN} is invalid")}))
            .header("X-Echo", TOKEN),
    );
    let error = support::client(&server).health().check().unwrap_err();
    let text = format!("{error} {error:?}");
    assert!(!text.contains(TOKEN), "{text}");
    assert!(text.contains("[redacted]"), "{text}");
}

/// A one-connection HTTPS server whose certificate is signed by a CA made here.
fn https_server() -> (String, std::path::PathBuf, std::thread::JoinHandle<()>) {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let issuer = rcgen::Issuer::new(ca_params, ca_key);
    let leaf_key = rcgen::KeyPair::generate().unwrap();
    let leaf = rcgen::CertificateParams::new(vec!["localhost".to_string()])
        .unwrap()
        .signed_by(&leaf_key, &issuer)
        .unwrap();
    let dir = std::env::temp_dir().join(format!("talkover-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ca_path = dir.join("ca.pem");
    std::fs::write(&ca_path, ca.pem()).unwrap();

    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(
        vec![leaf.der().clone()],
        rustls::pki_types::PrivateKeyDer::try_from(leaf_key.serialize_der()).unwrap(),
    )
    .unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!(
        "https://localhost:{}",
        listener.local_addr().unwrap().port()
    );
    let config = Arc::new(config);
    let thread = std::thread::spawn(move || {
        // The first connection is the client without the CA (refused in the handshake);
        // the second gets an answer.
        for _ in 0..2 {
            let Ok((tcp, _)) = listener.accept() else {
                return;
            };
            let connection = rustls::ServerConnection::new(config.clone()).unwrap();
            let mut tls = rustls::StreamOwned::new(connection, tcp);
            let mut request = [0u8; 4096];
            if tls.read(&mut request).is_err() {
                continue;
            }
            let body = r#"{"ok":true}"#;
            let answer = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = tls.write_all(answer.as_bytes());
            let _ = tls.flush();
            tls.conn.send_close_notify();
            let _ = tls.flush();
        }
    });
    (url, ca_path, thread)
}

#[test]
fn a_private_ca_is_trusted_through_ca_bundle() {
    let (url, ca_path, thread) = https_server();
    let untrusting = talkover::Client::builder()
        .token(TOKEN)
        .base_url(&url)
        .build()
        .unwrap();
    match untrusting.health().check() {
        Err(Error::Connection(message)) => assert!(
            message.contains("certificate") || message.contains("Issuer"),
            "{message}"
        ),
        other => panic!("{other:?}"),
    }
    let trusting = talkover::Client::builder()
        .token(TOKEN)
        .base_url(&url)
        .ca_bundle(&ca_path)
        .build()
        .unwrap();
    assert_eq!(
        trusting.health().check().unwrap().get("ok"),
        Some(&json!(true))
    );
    thread.join().unwrap();
}
