//! A recording HTTP server on a loopback port for the integration tests: replies are
//! scripted per (method, path), and every request is recorded as it arrived (method, raw
//! URL with its query, headers, body) before it is answered. The server stops on drop.
//! It is for the exact bytes the spec-driven mock never sends; tests/README.md says which
//! server to use for what.
#![allow(dead_code)]

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::Value;

/// The token every test client uses; tests check it never leaks into output.
pub const TOKEN: &str = "talq_test";

/// One scripted answer.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub body: Vec<u8>,
    pub headers: Vec<(String, String)>,
    pub delay: Duration,
}

impl Reply {
    /// A JSON body with `Content-Type: application/json`.
    pub fn json(status: u16, body: Value) -> Self {
        Reply {
            status,
            body: serde_json::to_vec(&body).expect("JSON value serializes"),
            headers: vec![("Content-Type".into(), "application/json".into())],
            delay: Duration::ZERO,
        }
    }

    /// Any bytes, with the given content type.
    pub fn raw(status: u16, content_type: &str, body: &str) -> Self {
        Reply {
            status,
            body: body.as_bytes().to_vec(),
            headers: vec![("Content-Type".into(), content_type.into())],
            delay: Duration::ZERO,
        }
    }

    /// No body at all (204, or an error with an empty body).
    pub fn empty(status: u16) -> Self {
        Reply {
            status,
            body: Vec::new(),
            headers: Vec::new(),
            delay: Duration::ZERO,
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Answers only after this long (the request is recorded at once).
    pub fn delay(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

/// One request as the server received it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    /// Path and raw (still percent-encoded) query, exactly as sent.
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The client's end of the connection: equal for requests sent on one kept-alive connection.
    pub remote: Option<std::net::SocketAddr>,
}

impl Recorded {
    /// The raw path, without the query.
    pub fn path(&self) -> &str {
        self.url.split_once('?').map_or(&self.url, |(path, _)| path)
    }

    /// The raw query string, if any.
    pub fn query(&self) -> Option<&str> {
        self.url.split_once('?').map(|(_, query)| query)
    }

    /// The raw `name=value` pairs of the query, not decoded.
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        self.query()
            .unwrap_or_default()
            .split('&')
            .filter(|pair| !pair.is_empty())
            .map(|pair| {
                let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
                (name.to_string(), value.to_string())
            })
            .collect()
    }

    /// The raw value of one query parameter.
    pub fn query_param(&self, name: &str) -> Option<String> {
        self.query_pairs()
            .into_iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
    }

    /// A header value (case-insensitive name).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body parsed as JSON (panics with the body text if it is not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("request body is not JSON ({e}): {:?}", self.body_text()))
    }
}

#[derive(Default)]
struct State {
    /// Replies per (METHOD, raw path); the last one of a queue answers every later request.
    replies: HashMap<(String, String), VecDeque<Reply>>,
    requests: Vec<Recorded>,
}

/// The server; dropping it stops the accept loop and joins its thread.
pub struct TestServer {
    url: String,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
    server: Arc<tiny_http::Server>,
    thread: Option<JoinHandle<()>>,
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    // A panicking test thread must not hide the recorded requests from the others.
    state
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl TestServer {
    pub fn start() -> Self {
        let server =
            Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("bind a loopback port"));
        let addr = server
            .server_addr()
            .to_ip()
            .expect("the test server listens on an IP address");
        let state = Arc::new(Mutex::new(State::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (server, state, stop) = (server.clone(), state.clone(), stop.clone());
            std::thread::spawn(move || serve(&server, &state, &stop))
        };
        TestServer {
            url: format!("http://{addr}"),
            state,
            stop,
            server,
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:<port>`, without a trailing slash.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Queues `reply` for `method path` (raw, percent-encoded path without query).
    pub fn reply(&self, method: &str, path: &str, reply: Reply) -> &Self {
        lock(&self.state)
            .replies
            .entry((method.to_ascii_uppercase(), path.to_string()))
            .or_default()
            .push_back(reply);
        self
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<Recorded> {
        lock(&self.state).requests.clone()
    }

    /// The one request received so far (fails if there were more or none).
    pub fn only_request(&self) -> Recorded {
        let requests = self.requests();
        assert_eq!(
            requests.len(),
            1,
            "expected exactly one request, got {requests:#?}"
        );
        requests.into_iter().next().expect("one request")
    }

    /// Waits (at most `timeout`) until `count` requests have arrived, and returns them.
    pub fn wait_for_requests(&self, count: usize, timeout: Duration) -> Vec<Recorded> {
        let deadline = Instant::now() + timeout;
        loop {
            let requests = self.requests();
            if requests.len() >= count || Instant::now() >= deadline {
                return requests;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        self.server.unblock();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn serve(server: &tiny_http::Server, state: &Mutex<State>, stop: &AtomicBool) {
    while !stop.load(Ordering::SeqCst) {
        let mut request = match server.recv_timeout(Duration::from_millis(50)) {
            Ok(Some(request)) => request,
            Ok(None) => continue,
            Err(_) => break,
        };
        let mut body = Vec::new();
        let _ = request.as_reader().read_to_end(&mut body);
        let recorded = Recorded {
            method: request.method().as_str().to_string(),
            url: request.url().to_string(),
            headers: request
                .headers()
                .iter()
                .map(|h| (h.field.as_str().to_string(), h.value.as_str().to_string()))
                .collect(),
            body,
            remote: request.remote_addr().copied(),
        };
        let key = (recorded.method.clone(), recorded.path().to_string());
        let reply = {
            let mut state = lock(state);
            state.requests.push(recorded);
            match state.replies.get_mut(&key) {
                Some(queue) if queue.len() > 1 => queue.pop_front(),
                Some(queue) => queue.front().cloned(),
                None => None,
            }
        };
        let reply = reply.unwrap_or_else(|| {
            Reply::json(
                404,
                serde_json::json!({"message": format!("no scripted reply for {} {}", key.0, key.1)}),
            )
        });
        if reply.delay.is_zero() {
            respond(request, reply);
        } else {
            // Answer late without holding up the requests behind this one.
            std::thread::spawn(move || {
                std::thread::sleep(reply.delay);
                respond(request, reply);
            });
        }
    }
}

fn respond(request: tiny_http::Request, reply: Reply) {
    let mut response = tiny_http::Response::from_data(reply.body).with_status_code(reply.status);
    for (name, value) in &reply.headers {
        response.add_header(
            tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes())
                .expect("a valid scripted header"),
        );
    }
    // The client may have given up already (timeouts); that is not the server's failure.
    let _ = request.respond(response);
}

/// A loopback URL nothing listens on, so connecting is refused.
pub fn refused_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    let addr = listener.local_addr().expect("a bound address");
    drop(listener);
    format!("http://{addr}")
}

/// A Talkover client for `server`, with the test token.
pub fn client(server: &TestServer) -> talkover::Client {
    talkover::Client::builder()
        .token(TOKEN)
        .base_url(server.url())
        .build()
        .expect("a valid test client")
}

/// The value of query parameter `name` in each request the mock logged (several joined by
/// `,`), oldest first: which page or offset each request asked for.
#[cfg(feature = "mock")]
pub fn queried(mock: &talkover::mock::MockServer, name: &str) -> Vec<Option<String>> {
    mock.requests()
        .iter()
        .map(|r| r.query.get(name).map(|values| values.join(",")))
        .collect()
}

/// A Talkover client for the spec-driven mock server, with the mock's own token.
#[cfg(feature = "mock")]
pub fn mock_client(mock: &talkover::mock::MockServer) -> talkover::Client {
    talkover::Client::builder()
        .token(mock.token())
        .base_url(mock.url())
        .build()
        .expect("a valid mock client")
}

/// The message of the `Error::Configuration` a build returned (fails the test otherwise).
pub fn configuration_message<T: std::fmt::Debug>(result: Result<T, talkover::Error>) -> String {
    match result {
        Err(talkover::Error::Configuration(message)) => message,
        other => panic!("expected Error::Configuration, got {other:?}"),
    }
}
