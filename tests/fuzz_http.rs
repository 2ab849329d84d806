//! Fuzzes the mock server's HTTP request parser over real loopback connections: request
//! lines, headers, Content-Length and chunked framing, percent-encoded targets and JSON
//! bodies, built valid and then damaged, plus arbitrary bytes. Whatever arrives, the server
//! answers with a well-formed status line (or closes), no connection thread panics, and the
//! server keeps serving. It has a test binary of its own because it watches every panic in
//! the process, and other tests panic in mock threads on purpose.
//!
//! `make test` runs the default 256 cases; `make fuzz` runs a million (`PROPTEST_CASES`).

#![cfg(feature = "mock")]

use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Once;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use talkover::mock::MockServer;

/// The JSON strategies the in-crate fuzz targets use: mutated documented examples.
#[allow(dead_code)]
#[path = "../src/fuzz/json.rs"]
mod json;

/// Panics on the mock's connection threads, counted by a process-wide hook.
static SERVER_PANICS: AtomicU64 = AtomicU64::new(0);

/// Answers seen, by status class (index 1 for 1xx … 5; 0 for no answer at all).
static ANSWERS: [AtomicU64; 6] = [const { AtomicU64::new(0) }; 6];

/// How often the server is checked with a valid request and its state cleared.
const CHECK_EVERY: u64 = 1000;

/// A guard against a server that neither answers nor closes; not a speed requirement.
const HANG: Duration = Duration::from_secs(60);

fn count_server_panics() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if std::thread::current().name() == Some("mock-http-conn") {
                SERVER_PANICS.fetch_add(1, Ordering::SeqCst);
            }
            previous(info);
        }));
    });
}

/// The routes of both APIs, `{}` standing for a path parameter.
const ROUTES: &[&str] = &[
    "/api/v1/calls",
    "/api/v1/agents",
    "/api/v1/agents/{}",
    "/api/v1/agents/{}/call",
    "/api/v1/agents/{}/actions",
    "/api/v1/agents/{}/calls",
    "/api/v1/agents/{}/publish",
    "/api/v1/campaigns/{}",
    "/api/v1/sip-trunks/{}/dids",
    "/api/health",
    "/api/assistants",
    "/api/assistants/{}",
    "/api/crm/contacts",
    "/api/credits",
    "/",
    "*",
    "http://127.0.0.1/api/v1/calls",
];

const METHODS: &[&str] = &[
    "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "CONNECT", "get", "G\"T",
    "",
];

const VERSIONS: &[&str] = &[
    "HTTP/1.1",
    "HTTP/1.0",
    "HTTP/2.0",
    "HTTP/0.9",
    "http/1.1",
    "HTTP/1.1 ",
    "HTTP/1",
    "HTTP/11.1",
    "",
];

const SEGMENTS: &[&str] = &[
    "agent_123456",
    "agent_draft",
    "missing",
    "a%2Fb",
    "%zz",
    "%",
    "%C3%A9",
    "%FF%FE",
    "..",
    ".",
    "a b",
    "😀",
    "%00",
    "",
];

const BODIES: &[&str] = &[
    r#"{"to": "+15550001111", "is_testing": true}"#,
    r#"{"label": "Agent", "language": "en-US"}"#,
    r#"{"node_id": "n1", "name": "Book", "description": "d", "type": "webhook", "url": "https://example.com", "inputs": [{"name": "date", "type": "string", "required": true}]}"#,
    r#"{"accountSlug": "team", "name": "Support"}"#,
    r#"{"to": 1e999}"#,
    r#"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"#,
    "{",
    "",
    "not json",
];

/// Real operations with a valid body, so requests reach routing, token checks, validation
/// and the stateful store before their bodies and queries are mutated.
const OPERATIONS: &[(&str, &str, &str)] = &[
    (
        "POST",
        "/api/v1/agents/agent_123456/call",
        r#"{"to": "+15550001111", "payload": {"customer_name": "Ada"}, "context": {"user_id": "u1"}, "delay_seconds": 0, "is_testing": true}"#,
    ),
    (
        "GET",
        "/api/v1/calls?status=completed&per_page=5&page=1&date_from=2024-01-01&search=%2B1",
        "",
    ),
    (
        "POST",
        "/api/v1/agents",
        r#"{"label": "Night", "name": "night", "language": "en-US", "interrupt_sensitivity": "low", "endpointing_sensitivity": "medium", "ivr_navigation_mode": "off"}"#,
    ),
    (
        "POST",
        "/api/v1/agents/agent_123456/actions",
        r#"{"node_id": "n1", "name": "Book", "description": "d", "type": "webhook", "url": "https://example.com", "inputs": [{"name": "date", "type": "string", "required": true}]}"#,
    ),
    (
        "GET",
        "/api/v1/agents/agent_123456/calls?per_page=2&page=2",
        "",
    ),
    ("GET", "/api/v1/agents?page=1&per_page=3", ""),
    ("GET", "/api/v1/agents/agent_123456/actions", ""),
    ("POST", "/api/v1/agents/agent_draft/publish", ""),
    ("DELETE", "/api/v1/agents/agent_draft", ""),
    ("GET", "/api/health", ""),
    (
        "POST",
        "/api/assistants",
        r#"{"accountSlug": "team", "name": "Support"}"#,
    ),
    ("GET", "/api/crm/contacts?limit=5&offset=0", ""),
];

/// A real operation, its query values and JSON body mutated.
fn operation(token: String) -> impl Strategy<Value = Request> {
    let query_value = prop_oneof![
        3 => prop::sample::select(vec!["1", "0", "-1", "99999999999999999999", "1.5", "", "%zz", "%2B1", "completed", "2024-02-30", "%C3%A9", "true"]).prop_map(str::to_string),
        1 => text().prop_map(|t| t.replace(['&', '#', ' '], "")),
    ];
    (
        prop::sample::select(OPERATIONS),
        prop::collection::vec(query_value, 0..3),
    )
        .prop_flat_map(move |((method, target, body), values)| {
            // Replace the first query values with the mutated ones.
            let mut target = target.to_string();
            for value in values {
                if let Some(at) = target.find('=') {
                    let end = target[at..].find('&').map_or(target.len(), |e| at + e);
                    if !target[at + 1..end].starts_with('\u{0}') {
                        target.replace_range(at + 1..end, &format!("\u{0}{value}"));
                    }
                }
            }
            let target = target.replace('\u{0}', "");
            let example: serde_json::Value =
                serde_json::from_str(body).unwrap_or(serde_json::Value::Null);
            let body = if body.is_empty() {
                Just(Vec::new()).boxed()
            } else {
                json::mutated(example).boxed()
            };
            let token = token.clone();
            body.prop_map(move |body| Request {
                method: method.to_string(),
                target: target.clone(),
                version: "HTTP/1.1".into(),
                headers: vec![
                    ("Host".into(), "127.0.0.1".into()),
                    ("Authorization".into(), format!("Bearer {token}")),
                    ("Content-Type".into(), "application/json".into()),
                ],
                body,
                framing: Framing::Length,
                newline: "\r\n",
            })
        })
}

/// How the body is framed on the wire.
#[derive(Debug, Clone)]
enum Framing {
    Length,
    WrongLength(String),
    Chunked(Vec<Index>, Option<String>),
    Both,
    None,
}

#[derive(Debug, Clone)]
struct Request {
    method: String,
    target: String,
    version: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    framing: Framing,
    newline: &'static str,
}

impl Request {
    fn to_bytes(&self) -> Vec<u8> {
        let nl = self.newline;
        let mut out = format!("{} {} {}{nl}", self.method, self.target, self.version).into_bytes();
        let mut header = |name: &str, value: &str| {
            out.extend_from_slice(format!("{name}: {value}{nl}").as_bytes());
        };
        for (name, value) in &self.headers {
            header(name, value);
        }
        match &self.framing {
            Framing::Length => header("Content-Length", &self.body.len().to_string()),
            Framing::WrongLength(length) => header("Content-Length", length),
            Framing::Chunked(..) => header("Transfer-Encoding", "chunked"),
            Framing::Both => {
                header("Content-Length", &self.body.len().to_string());
                header("Transfer-Encoding", "chunked");
            }
            Framing::None => {}
        }
        out.extend_from_slice(nl.as_bytes());
        match &self.framing {
            Framing::Chunked(cuts, size_text) => {
                let mut cuts: Vec<usize> =
                    cuts.iter().map(|c| c.index(self.body.len() + 1)).collect();
                cuts.sort_unstable();
                cuts.dedup();
                let mut start = 0;
                for end in cuts.into_iter().chain([self.body.len()]) {
                    if end <= start {
                        continue;
                    }
                    let size = size_text
                        .clone()
                        .unwrap_or_else(|| format!("{:x}", end - start));
                    out.extend_from_slice(format!("{size}{nl}").as_bytes());
                    out.extend_from_slice(&self.body[start..end]);
                    out.extend_from_slice(nl.as_bytes());
                    start = end;
                }
                out.extend_from_slice(format!("0{nl}{nl}").as_bytes());
            }
            Framing::Both | Framing::None => {}
            Framing::Length | Framing::WrongLength(_) => out.extend_from_slice(&self.body),
        }
        out
    }
}

fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(any::<char>(), 0..16).prop_map(|c| c.into_iter().collect())
}

fn target(token_segment: &'static [&'static str]) -> impl Strategy<Value = String> {
    let segment =
        prop_oneof![4 => prop::sample::select(token_segment).prop_map(str::to_string), 1 => text()];
    let query_part = prop_oneof![
        prop::sample::select(vec![
            "page=2",
            "per_page=100",
            "page=-1",
            "page=99999999999999999999",
            "status=completed",
            "search=%2B1",
            "search=+1",
            "a",
            "=",
            "&",
            "%zz=%",
            "date_from=2024-01-01",
        ])
        .prop_map(str::to_string),
        (text(), text()).prop_map(|(n, v)| format!("{n}={v}")),
    ];
    (
        prop::sample::select(ROUTES),
        segment,
        prop::collection::vec(query_part, 0..4),
    )
        .prop_map(|(route, segment, query)| {
            let path = route.replace("{}", &segment);
            if query.is_empty() {
                path
            } else {
                format!("{path}?{}", query.join("&"))
            }
        })
}

fn headers(token: String) -> impl Strategy<Value = Vec<(String, String)>> {
    let known = prop::sample::select(vec![
        ("Authorization", "Bearer {token}"),
        ("Authorization", "Bearer"),
        ("Authorization", "Basic abc"),
        ("Content-Type", "application/json"),
        ("Content-Type", "text/plain"),
        ("Expect", "100-continue"),
        ("Connection", "close"),
        ("Connection", "keep-alive"),
        ("Connection", "Keep-Alive, close"),
        ("Content-Length", "5"),
        ("Content-Length", "1, 2"),
        ("Content-Length", "-1"),
        ("Content-Length", "99999999999999999999999"),
        ("Content-Length", "17000000"),
        ("Transfer-Encoding", "gzip"),
        ("Transfer-Encoding", "chunked, gzip"),
        ("Host", "127.0.0.1"),
        (" Folded", "value"),
        ("Bad Name", "x"),
        ("X-Ctl", "a\u{1}b"),
        ("", "empty name"),
    ])
    .prop_map(move |(n, v)| (n.to_string(), v.replace("{token}", &token)));
    let any = (text(), text());
    prop::collection::vec(prop_oneof![6 => known, 1 => any], 0..6)
}

fn framing() -> impl Strategy<Value = Framing> {
    prop_oneof![
        6 => Just(Framing::Length),
        1 => prop::sample::select(vec!["0", "1", "1000000", "x", "", "+5", "5 5"])
            .prop_map(|s| Framing::WrongLength(s.to_string())),
        3 => (
            prop::collection::vec(any::<Index>(), 0..4),
            prop::option::weighted(0.2, prop::sample::select(vec!["zz", "-1", "ffffffffffffffffff", "1;ext=1", "", " 1"])
                .prop_map(str::to_string)),
        )
            .prop_map(|(cuts, size)| Framing::Chunked(cuts, size)),
        1 => Just(Framing::Both),
        1 => Just(Framing::None),
    ]
}

fn request(token: String) -> impl Strategy<Value = Request> {
    let method =
        prop_oneof![8 => prop::sample::select(METHODS).prop_map(str::to_string), 1 => text()];
    let version = prop_oneof![8 => Just("HTTP/1.1".to_string()), 2 => prop::sample::select(VERSIONS).prop_map(str::to_string)];
    let body = prop_oneof![
        6 => prop::sample::select(BODIES).prop_map(|b| b.as_bytes().to_vec()),
        1 => prop::collection::vec(any::<u8>(), 0..64),
    ];
    (
        method,
        target(SEGMENTS),
        version,
        headers(token),
        body,
        framing(),
        prop::sample::select(vec!["\r\n", "\r\n", "\r\n", "\n", "\r"]),
    )
        .prop_map(
            |(method, target, version, headers, body, framing, newline)| Request {
                method,
                target,
                version,
                headers,
                body,
                framing,
                newline,
            },
        )
}

/// Byte-level damage to a request.
#[derive(Debug, Clone)]
enum Damage {
    Flip(Index, u8),
    Insert(Index, u8),
    Remove(Index),
    Cut(Index),
}

fn damaged(token: String) -> impl Strategy<Value = Vec<u8>> {
    let damage = prop_oneof![
        (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Damage::Flip(i, b)),
        (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Damage::Insert(i, b)),
        any::<Index>().prop_map(Damage::Remove),
        any::<Index>().prop_map(Damage::Cut),
    ];
    let damages = prop_oneof![3 => Just(Vec::new()), 2 => prop::collection::vec(damage, 1..4)];
    let request = prop_oneof![request(token.clone()), operation(token)];
    (request, damages).prop_map(|(request, damages)| {
        let mut bytes = request.to_bytes();
        for damage in damages {
            let len = bytes.len();
            match damage {
                Damage::Flip(i, b) if len > 0 => bytes[i.index(len)] ^= b.max(1),
                Damage::Insert(i, b) => bytes.insert(i.index(len + 1), b),
                Damage::Remove(i) if len > 0 => {
                    bytes.remove(i.index(len));
                }
                Damage::Cut(i) => bytes.truncate(i.index(len + 1)),
                Damage::Flip(..) | Damage::Remove(_) => {}
            }
        }
        bytes
    })
}

/// Bytes for the wire, shown as text when a failing case is reported.
#[derive(Clone)]
struct Wire(Vec<u8>);

impl std::fmt::Debug for Wire {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", String::from_utf8_lossy(&self.0))
    }
}

/// Sends `bytes` on a fresh connection, says it is done sending, and reads all it gets.
fn exchange(address: &str, bytes: &[u8]) -> Result<Vec<u8>, String> {
    let mut stream = TcpStream::connect(address).map_err(|e| format!("connect: {e}"))?;
    stream
        .set_read_timeout(Some(HANG))
        .map_err(|e| e.to_string())?;
    // The server may answer and close before reading everything: a failed write is normal.
    let _ = stream.write_all(bytes);
    let _ = stream.shutdown(Shutdown::Write);
    let mut answer = Vec::new();
    match stream.read_to_end(&mut answer) {
        Ok(_) => Ok(answer),
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => Ok(answer),
        Err(e) => Err(format!("no answer and no close within {HANG:?}: {e}")),
    }
}

/// A status line the server wrote, if it wrote anything.
fn check_answer(answer: &[u8]) -> Result<(), TestCaseError> {
    if answer.is_empty() {
        ANSWERS[0].fetch_add(1, Ordering::Relaxed);
        return Ok(());
    }
    // The final answer's class: skip an interim `100 Continue`.
    let last = answer
        .windows(9)
        .rposition(|w| w.starts_with(b"HTTP/1."))
        .unwrap_or(0);
    let class = answer
        .get(last + 9)
        .map_or(0, |d| usize::from(d.wrapping_sub(b'0')));
    ANSWERS[class.min(5)].fetch_add(1, Ordering::Relaxed);
    let head = String::from_utf8_lossy(&answer[..answer.len().min(12)]).into_owned();
    let ok = head.len() == 12
        && head.starts_with("HTTP/1.")
        && head.as_bytes()[8] == b' '
        && head[9..12].bytes().all(|b| b.is_ascii_digit());
    prop_assert!(ok, "not a status line: {:?}", head);
    let text = String::from_utf8_lossy(answer);
    prop_assert!(
        !text.contains("handler panicked"),
        "the mock handler panicked: {}",
        text
    );
    Ok(())
}

/// The server still answers a valid request.
fn check_serving(mock: &MockServer) {
    let address = mock.url().trim_start_matches("http://");
    let request = format!(
        "GET /api/v1/calls?per_page=1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nConnection: close\r\n\r\n",
        mock.token()
    );
    let answer = exchange(address, request.as_bytes()).expect("the server answers");
    assert!(
        answer.starts_with(b"HTTP/1.1 200 "),
        "{}",
        String::from_utf8_lossy(&answer)
    );
}

#[test]
fn fuzz_mock_http_requests() {
    count_server_panics();
    let mock = MockServer::start().expect("mock server");
    let address = mock.url().trim_start_matches("http://").to_string();
    let token = mock.token().to_string();
    let strategy = prop_oneof![
        9 => damaged(token),
        1 => prop::collection::vec(any::<u8>(), 0..512),
    ]
    .prop_map(Wire);
    let config = Config {
        failure_persistence: None,
        ..Config::default()
    };
    let cases = AtomicU64::new(0);
    let started = Instant::now();
    let result = TestRunner::new(config).run(&strategy, |Wire(bytes)| {
        let n = cases.fetch_add(1, Ordering::Relaxed) + 1;
        // A connection thread's panic is counted before unwinding closes its socket, so
        // it is seen by the time the answer has been read to its end.
        let panics = SERVER_PANICS.load(Ordering::SeqCst);
        let answer = exchange(&address, &bytes).map_err(TestCaseError::fail)?;
        check_answer(&answer)?;
        prop_assert_eq!(
            SERVER_PANICS.load(Ordering::SeqCst),
            panics,
            "a connection thread panicked"
        );
        if n % CHECK_EVERY == 0 {
            check_serving(&mock);
            // What valid requests created and the request log would otherwise grow forever.
            mock.reset();
        }
        Ok(())
    });
    let n = cases.load(Ordering::Relaxed);
    let seconds = started.elapsed().as_secs_f64();
    eprintln!(
        "fuzz target mock_http_requests: {n} cases in {seconds:.1} s ({:.0} cases/s)",
        n as f64 / seconds.max(1e-9)
    );
    let seen: Vec<String> = ["no answer", "1xx", "2xx", "3xx", "4xx", "5xx"]
        .iter()
        .zip(&ANSWERS)
        .map(|(class, n)| format!("{class} {}", n.load(Ordering::Relaxed)))
        .collect();
    eprintln!(
        "fuzz target mock_http_requests: answers {}",
        seen.join(", ")
    );
    if let Err(failure) = result {
        panic!("mock_http_requests: {failure}");
    }
    check_serving(&mock);
    assert_eq!(SERVER_PANICS.load(Ordering::SeqCst), 0);
}
