//! What user input is encoded into: path segments (`encode_path`), the request URL with its
//! query (`Request::query` + `Request::url`, as the transport sends it) and the client's
//! settings (token, base URL, header names and values). None panics; an encoded segment
//! holds no `/`, `?` or `#`; decoding what was encoded gives the input back.

use proptest::prelude::*;

use super::json;
use crate::config::{ApiInfo, ClientBuilder, FromTransport};
use crate::encoding::encode_path;
use crate::transport::{Method, Request, Transport};
use crate::Error;

/// Strict `%XX` decoding, the inverse `encode_path` and the query encoder must have.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Text with the characters that matter to URLs over-represented.
fn url_text() -> impl Strategy<Value = String> {
    let special = prop::sample::select(vec![
        '/', '?', '#', '%', '&', '=', '+', ' ', '.', '~', ';', ':', '@', '\\', '\0', '\n', 'é',
        '😀', '\u{feff}',
    ]);
    let c = prop_oneof![3 => any::<char>(), 2 => special, 2 => prop::char::range('a', 'z')];
    prop_oneof![
        20 => prop::collection::vec(c, 0..40).prop_map(|c| c.into_iter().collect::<String>()),
        2 => json::text(),
        // Past the longest URL the HTTP layer can carry.
        1 => (prop::char::range('a', 'z'), 60_000usize..70_000).prop_map(|(c, n)| c.to_string().repeat(n)),
    ]
}

/// A path parameter's row of the tables, as the generator writes it.
static AGENT_ID: crate::rt::Field = crate::rt::Field {
    wire: "agent_id",
    ty: crate::rt::Type::String,
    required: true,
    nullable: false,
    checks: crate::rt::Checks {
        segment: true,
        ..crate::rt::Checks::NONE
    },
};

#[test]
fn fuzz_encode_path() {
    super::run("encode_path", url_text(), |segment| {
        let encoded = encode_path(&segment);
        prop_assert!(!encoded.contains(['/', '?', '#']), "{encoded}");
        let escapes_only = encoded
            .split('%')
            .skip(1)
            .all(|rest| rest.len() >= 2 && rest.bytes().take(2).all(|b| b.is_ascii_hexdigit()));
        prop_assert!(escapes_only, "{encoded}");
        prop_assert!(encoded
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~%".contains(&b)));
        prop_assert_eq!(percent_decode(&encoded), Some(segment.clone()));
        // The check every generated operation makes first.
        let _ = crate::rt::check::field(
            &crate::rt::At::Root,
            "agent_id",
            &AGENT_ID,
            segment.as_str(),
        );
        Ok(())
    });
}

/// One query parameter as a generated operation adds it.
#[derive(Debug, Clone)]
enum QueryValue {
    Text(String),
    Integer(i64),
    Number(f64),
    Flag(bool),
    List(Vec<String>),
}

impl QueryValue {
    fn add_to(&self, request: &mut Request, name: &str) {
        match self {
            QueryValue::Text(v) => request.query(name, v),
            QueryValue::Integer(v) => request.query(name, v),
            QueryValue::Number(v) => request.query(name, v),
            QueryValue::Flag(v) => request.query(name, v),
            QueryValue::List(v) => request.query(name, v),
        }
    }

    /// The pairs it should arrive as.
    fn expected(&self, name: &str) -> Vec<(String, String)> {
        let one = |value: String| vec![(name.to_string(), value)];
        match self {
            QueryValue::Text(v) => one(v.clone()),
            QueryValue::Integer(v) => one(v.to_string()),
            QueryValue::Number(v) => one(v.to_string()),
            QueryValue::Flag(v) => one(v.to_string()),
            QueryValue::List(items) => items
                .iter()
                .map(|v| (name.to_string(), v.clone()))
                .collect(),
        }
    }
}

fn query_value() -> impl Strategy<Value = QueryValue> {
    prop_oneof![
        4 => url_text().prop_map(QueryValue::Text),
        1 => any::<i64>().prop_map(QueryValue::Integer),
        1 => any::<f64>().prop_map(QueryValue::Number),
        1 => any::<bool>().prop_map(QueryValue::Flag),
        1 => prop::collection::vec(url_text(), 0..4).prop_map(QueryValue::List),
    ]
}

fn base_url() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "https://app.talkover.ai",
        "http://127.0.0.1:4010",
        "http://[::1]:8080/proxy/prefix",
        "https://acme.example/a%20b",
    ])
    .prop_map(str::to_string)
}

#[test]
fn fuzz_query_and_url() {
    let params = prop::collection::vec((url_text(), query_value()), 0..6);
    let strategy = (base_url(), url_text(), params);
    super::run("query_and_url", strategy, |(base, segment, params)| {
        let path = format!("/api/v1/agents/{}/calls", encode_path(&segment));
        let mut request = Request::new(Method::Get, path.clone());
        let mut expected = Vec::new();
        for (name, value) in &params {
            value.add_to(&mut request, name);
            expected.extend(value.expected(name));
        }
        let url = match request.url(&base) {
            Ok(url) => url,
            // Too long to send: refused before sending, naming a parameter (or the path).
            Err(Error::Validation { .. }) => return Ok(()),
            Err(other) => return Err(TestCaseError::fail(format!("{other:?}"))),
        };
        // The transport parses the URL before sending; one it built must parse.
        prop_assert!(url.parse::<ureq::http::Uri>().is_ok(), "{url}");
        let rest = url.strip_prefix(base.as_str()).unwrap_or_default();
        let (sent_path, query) = rest.split_once('?').unwrap_or((rest, ""));
        prop_assert_eq!(sent_path, path.as_str());
        let decoded: Vec<(String, String)> = query
            .split('&')
            .filter(|pair| !pair.is_empty())
            .map(|pair| {
                let (n, v) = pair.split_once('=').unwrap_or((pair, ""));
                (
                    percent_decode(n).unwrap_or_default(),
                    percent_decode(v).unwrap_or_default(),
                )
            })
            .collect();
        prop_assert_eq!(&decoded, &expected);
        #[cfg(feature = "mock")]
        {
            // The bundled mock reads the query the way a server does.
            let received = crate::mock::http::HttpRequest {
                method: "GET".into(),
                target: rest.to_string(),
                headers: Vec::new(),
                body: Vec::new(),
            };
            prop_assert_eq!(received.query_pairs(), expected);
        }
        Ok(())
    });
}

fn header_name() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(vec![
            "X-Trace", "Authorization", "Accept", "Host", "Content-Length", "Transfer-Encoding",
            "Connection", "TE", "Trailer", "Upgrade", "User-Agent", "x-a_b", "",
        ])
        .prop_map(str::to_string),
        1 => url_text(),
    ]
}

fn setting_text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(vec![
            "talq_abc123", "Bearer x", "value", "a\r\nInjected: 1", "tab\tok", "\u{7f}", "é",
            "", " ",
        ])
        .prop_map(str::to_string),
        1 => url_text(),
    ]
}

fn settings_base_url() -> impl Strategy<Value = String> {
    let scheme = prop::sample::select(vec![
        "http://", "https://", "HTTP://", "ftp://", "", "http:/",
    ]);
    let host = prop::sample::select(vec![
        "127.0.0.1",
        "[::1]",
        "app.talkover.ai",
        "user:pass@host",
        "",
        "[::1",
        "h_st",
        "xn--ls8h",
    ]);
    let port = prop::sample::select(vec![
        "",
        ":0",
        ":1",
        ":65535",
        ":65536",
        ":99999999999999999999",
        ":-1",
        ":",
        ":8o",
    ]);
    prop_oneof![
        4 => (scheme, host, port, url_text())
            .prop_map(|(s, h, p, rest)| format!("{s}{h}{p}/{rest}")),
        1 => url_text(),
    ]
}

/// The client settings are the runtime's, whatever the API: a client of none in particular.
struct SettingsProbe(Transport);

impl FromTransport for SettingsProbe {
    fn from_transport(transport: Transport) -> Self {
        SettingsProbe(transport)
    }
}

static PROBE_API: ApiInfo = ApiInfo {
    name: "Probe",
    token_env: "TALKOVER_FUZZ_PROBE_TOKEN",
    base_url_env: "TALKOVER_FUZZ_PROBE_BASE_URL",
    default_base_url: None,
};

#[test]
fn fuzz_client_settings() {
    let headers = prop::collection::vec((header_name(), setting_text()), 0..3);
    let strategy = (setting_text(), settings_base_url(), headers, setting_text());
    super::run(
        "client_settings",
        strategy,
        |(token, base_url, headers, agent)| {
            let mut builder = ClientBuilder::<SettingsProbe>::new(&PROBE_API)
                .token(token)
                .base_url(base_url)
                .user_agent(agent);
            for (name, value) in headers {
                builder = builder.default_header(name, value);
            }
            match builder.build() {
                Ok(SettingsProbe(transport)) => {
                    let base = transport.base_url();
                    prop_assert!(!base.ends_with('/'), "{base}");
                    // Every operation's URL starts with the base; it must parse with any path.
                    let request = Request::new(Method::Get, "/api/v1/calls".into());
                    if let Ok(url) = request.url(base) {
                        prop_assert!(url.parse::<ureq::http::Uri>().is_ok(), "{url}");
                    }
                }
                Err(Error::Configuration(_)) => {}
                Err(other) => prop_assert!(false, "{other:?}"),
            }
            Ok(())
        },
    );
}
