//! Error answers: `ApiError::from_response` over any status, header list (`Retry-After` and
//! `retry-after-ms` with numbers, garbage and HTTP-dates) and body (each documented error
//! shape the README's "Errors" lists, mutated; HTML; bytes). It never panics, keeps the status and
//! every header, and `retry_after` is `None` or a finite number of seconds, at least 0.

use std::time::{Duration, UNIX_EPOCH};

use proptest::prelude::*;
use serde_json::{json, Value};

use super::json;
use crate::error::ApiError;
use crate::Error;

/// The error body shapes the APIs document, one example each.
fn documented_shapes() -> Vec<Value> {
    vec![
        json!({"error": {"code": "INVALID_PHONE_NUMBER", "message": "Phone number must be in international format", "details": {"field": "to", "value": "1234567890", "retry_after": 60}}}),
        json!({"success": false, "error": {"code": "INVALID_API_KEY", "message": "The provided API key is invalid", "details": {}}}),
        json!({"error": "UNAUTHORIZED", "message": "Invalid or missing authentication token", "status_code": 401}),
        json!({"success": false, "message": "Trunk has DIDs", "code": "TRUNK_HAS_DIDS"}),
        json!({"success": false, "message": "The given data was invalid.", "errors": {"status": ["The selected status is invalid."], "to": "required"}}),
        json!({"message": "The given data was invalid.", "errors": {"direction": ["The selected direction is invalid."]}}),
        json!({"message": "Missing Bearer Token"}),
        json!({"error": "Unauthorized"}),
        json!({"error": "Failed to create assistant"}),
        json!({"success": false, "data": {"is_verified": false, "error": "Authentication failed (401)"}}),
        json!({"success": false, "message": "SFTP connection failed", "data": {"error": "Authentication failed"}}),
        json!({"error": {"code": "RATE_LIMIT_EXCEEDED", "message": "slow down", "details": {"retry_after": "1e400"}}}),
    ]
}

const HEADER_NAMES: &[&str] = &[
    "Retry-After",
    "retry-after",
    "RETRY-AFTER",
    "retry-after-ms",
    "Retry-After-Ms",
    "Content-Type",
    "X-RateLimit-Remaining",
    "Location",
];

const SECONDS: &[&str] = &[
    "0",
    "1",
    "-1",
    "30",
    " 7 ",
    "1.5",
    "-0",
    "-0.0",
    "1e3",
    "1e308",
    "1e309",
    "-1e309",
    "inf",
    "-inf",
    "infinity",
    "NaN",
    "nan",
    "0x10",
    "18446744073709551616",
    "99999999999999999999999999999999999999",
    "",
    " ",
    "1,000",
    "5s",
    "\u{0}",
    "١٢",
];

const DATES: &[&str] = &[
    "Wed, 21 Oct 2015 07:28:00 GMT",
    "Fri, 31 Dec 9999 23:59:59 GMT",
    "Thu, 01 Jan 1970 00:00:00 GMT",
    "Sunday, 06-Nov-94 08:49:37 GMT",
    "Sun Nov  6 08:49:37 1994",
    "Mon, 32 Foo 2024 25:61:61 GMT",
    "Wed, 21 Oct 2015 07:28:00",
    "Wed, 21 Oct 10000 07:28:00 GMT",
];

/// The latest time `httpdate` can write (the last second of year 9999).
const LAST_HTTP_DATE: u64 = 253_402_300_799;

fn header_value() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(SECONDS).prop_map(str::to_string),
        2 => prop::sample::select(DATES).prop_map(str::to_string),
        2 => (0..=LAST_HTTP_DATE).prop_map(|secs| {
            httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(secs))
        }),
        2 => any::<f64>().prop_map(|f| f.to_string()),
        2 => any::<i64>().prop_map(|n| n.to_string()),
        2 => json::text(),
    ]
}

fn headers() -> impl Strategy<Value = Vec<(String, String)>> {
    let name = prop_oneof![
        4 => prop::sample::select(HEADER_NAMES).prop_map(str::to_string),
        1 => json::text(),
    ];
    prop::collection::vec((name, header_value()), 0..5)
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    let shaped = prop::sample::select(documented_shapes()).prop_flat_map(json::mutated);
    prop_oneof![
        8 => shaped,
        1 => json::text().prop_map(|t| format!("<html><body>{t}</body></html>").into_bytes()),
        1 => prop::collection::vec(any::<u8>(), 0..512),
    ]
}

fn status() -> impl Strategy<Value = u16> {
    prop_oneof![
        4 => prop::sample::select(vec![400u16, 401, 402, 403, 404, 409, 422, 429, 500, 502, 503]),
        1 => any::<u16>(),
    ]
}

#[test]
fn fuzz_error_answers() {
    let strategy = (status(), headers(), body());
    super::run("error_answers", strategy, |(status, headers, body)| {
        let names: Vec<String> = headers
            .iter()
            .map(|(n, _)| n.to_ascii_lowercase())
            .collect();
        let error = ApiError::from_response(status, headers, body);
        prop_assert_eq!(error.status, status);
        let kept: Vec<&String> = error.headers.iter().map(|(n, _)| n).collect();
        prop_assert_eq!(kept, names.iter().collect::<Vec<_>>());
        if let Some(wait) = error.retry_after {
            prop_assert!(wait.is_finite() && wait >= 0.0, "retry_after {}", wait);
        }
        // The text every error is shown as, in Rust and in Python.
        let shown = Error::Api(Box::new(error)).to_string();
        prop_assert!(!shown.is_empty());
        Ok(())
    });
}

/// A token as the client accepts one (printable ASCII, no whitespace), marked so it cannot
/// be mistaken for text the error holds anyway.
fn token() -> impl Strategy<Value = String> {
    let c = prop_oneof![
        6 => prop::char::range('a', 'z'),
        2 => prop::char::range('!', '~'),
        1 => prop::sample::select(vec!['/', '"', '\\', '|', '<', '&']),
    ];
    prop::collection::vec(c, 6..40)
        .prop_map(|c| format!("talq_{}", c.into_iter().collect::<String>()))
}

/// How a server writes JSON: plainly, escaping `/` as PHP does, or escaping a letter as
/// `\u0071` (`q` appears in no JSON literal, so only strings change).
fn write_like_a_server(value: &Value, escapes: u8) -> Vec<u8> {
    let text = value.to_string();
    match escapes % 3 {
        0 => text,
        1 => text.replace('/', "\\/"),
        _ => text.replace('q', "\\u0071"),
    }
    .into_bytes()
}

/// Whether `secret` is anywhere in `value`, keys included.
fn holds(value: &Value, secret: &str) -> bool {
    match value {
        Value::String(s) => s.contains(secret),
        Value::Array(items) => items.iter().any(|v| holds(v, secret)),
        Value::Object(map) => map
            .iter()
            .any(|(k, v)| k.contains(secret) || holds(v, secret)),
        _ => false,
    }
}

#[test]
fn fuzz_echoed_token_is_redacted() {
    let shape = prop::sample::select(documented_shapes());
    let strategy = (
        token(),
        shape,
        any::<prop::sample::Index>(),
        any::<bool>(),
        any::<u8>(),
    );
    super::run(
        "echoed_token_is_redacted",
        strategy,
        |(secret, mut shape, at, as_key, escapes)| {
            // Echo the token into one string (or key) of the body, and into a header.
            let mut strings = Vec::new();
            collect_strings(&shape, String::new(), &mut strings);
            if let Some(pointer) = strings.get(at.index(strings.len().max(1))) {
                echo(&mut shape, pointer, &secret, as_key);
            }
            let body = write_like_a_server(&shape, escapes);
            let headers = vec![("X-Echo".to_string(), format!("Bearer {secret}"))];
            let secrets = crate::secrets::Secrets::new([secret.as_str()]);
            let error = ApiError::from_response(401, headers, body);
            let Error::Api(error) = secrets.redact_error(Error::Api(Box::new(error))) else {
                return Err(TestCaseError::fail("not an API error"));
            };
            prop_assert!(
                !error.message.contains(&secret),
                "message {:?}",
                error.message
            );
            prop_assert!(!error.body.contains(&secret), "body {:?}", error.body);
            if let Ok(parsed) = serde_json::from_str::<Value>(&error.body) {
                prop_assert!(!holds(&parsed, &secret), "the body, decoded: {}", parsed);
            }
            prop_assert!(error.code.as_deref().is_none_or(|c| !c.contains(&secret)));
            prop_assert!(error.details.as_ref().is_none_or(|d| !holds(d, &secret)));
            prop_assert!(error
                .errors
                .iter()
                .all(|(k, v)| !k.contains(&secret) && v.iter().all(|m| !m.contains(&secret))));
            prop_assert!(error.headers.iter().all(|(_, v)| !v.contains(&secret)));
            Ok(())
        },
    );
}

/// JSON pointers of every string in `value`.
fn collect_strings(value: &Value, at: String, out: &mut Vec<String>) {
    match value {
        Value::String(_) => out.push(at),
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                collect_strings(v, format!("{at}/{i}"), out);
            }
        }
        Value::Object(map) => {
            for (k, v) in map {
                collect_strings(
                    v,
                    format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")),
                    out,
                );
            }
        }
        _ => {}
    }
}

/// Puts `secret` into the string at `pointer`, or into its property name.
fn echo(value: &mut Value, pointer: &str, secret: &str, as_key: bool) {
    let Some((parent, key)) = pointer.rsplit_once('/') else {
        return;
    };
    let key = key.replace("~1", "/").replace("~0", "~");
    match value.pointer_mut(parent) {
        Some(Value::Object(map)) if as_key => {
            if let Some(v) = map.shift_remove(&key) {
                map.insert(format!("{key} {secret}"), v);
            }
        }
        Some(Value::Object(map)) => {
            if let Some(Value::String(s)) = map.get_mut(&key) {
                *s = format!("{s} token {secret} rejected");
            }
        }
        Some(Value::Array(items)) => {
            if let Some(Value::String(s)) = key.parse::<usize>().ok().and_then(|i| items.get_mut(i))
            {
                *s = format!("{s} {secret}");
            }
        }
        _ => {}
    }
}
