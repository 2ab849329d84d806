//! Reads an error answer: maps each error body shape the APIs document onto the fields of
//! [`ApiError`] (code, message, details, errors) and finds how long to wait before retrying.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::error::ApiError;

/// How much of a non-JSON body goes into the message.
const BODY_EXCERPT_CHARS: usize = 200;

impl ApiError {
    pub(crate) fn from_response(
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    ) -> Self {
        let body = String::from_utf8_lossy(&body).into_owned();
        let parsed = serde_json::from_str::<Value>(&body).ok();
        let fields = match &parsed {
            Some(Value::Object(object)) => from_object(object),
            _ => BodyFields::default(),
        };
        let message = fields.message.unwrap_or_else(|| status_line(status, &body));
        let retry_after = retry_after_header(&headers).or_else(|| {
            fields
                .details
                .as_ref()
                .and_then(|d| d.get("retry_after"))
                .and_then(seconds)
        });
        ApiError {
            status,
            code: fields.code,
            message,
            details: fields.details,
            errors: fields.errors,
            headers: headers
                .into_iter()
                .map(|(n, v)| (n.to_ascii_lowercase(), v))
                .collect(),
            body,
            retry_after,
        }
    }
}

#[derive(Default)]
struct BodyFields {
    code: Option<String>,
    message: Option<String>,
    details: Option<Value>,
    errors: BTreeMap<String, Vec<String>>,
}

fn text(value: Option<&Value>) -> Option<String> {
    value.and_then(Value::as_str).map(str::to_string)
}

/// The shapes, in the order they are told apart:
/// `{"error": {"code", "message", "details"}}` (with or without `success`),
/// `{"error": "CODE", "message", "status_code"}`, `{"error": "text"}`,
/// `{"success": false, "message", "code"?}`, `{"message", "errors": {field: [..]}}`,
/// `{"success": false, "message"?, "data": {"error"}}`.
fn from_object(body: &Map<String, Value>) -> BodyFields {
    let mut fields = BodyFields {
        errors: errors_of(body.get("errors")),
        ..BodyFields::default()
    };
    match body.get("error") {
        Some(Value::Object(error)) => {
            fields.code = text(error.get("code"));
            fields.message = text(error.get("message"));
            // `details` is documented as an object; anything else stays in the raw body only.
            fields.details = error.get("details").filter(|d| d.is_object()).cloned();
        }
        Some(Value::String(error)) => match text(body.get("message")) {
            Some(message) => {
                fields.code = Some(error.clone());
                fields.message = Some(message);
            }
            None => fields.message = Some(error.clone()),
        },
        _ => {
            fields.code = text(body.get("code"));
            fields.message = text(body.get("message"));
            if let Some(data) = body.get("data").filter(|d| d.is_object()) {
                if fields.message.is_none() {
                    fields.message = text(data.get("error"));
                }
                fields.details = Some(data.clone());
            }
        }
    }
    if fields.details.is_none() {
        fields.details = body.get("details").filter(|d| d.is_object()).cloned();
    }
    fields
}

/// `{"status": ["The selected status is invalid."]}`; a lone string counts as one message.
fn errors_of(value: Option<&Value>) -> BTreeMap<String, Vec<String>> {
    let Some(Value::Object(errors)) = value else {
        return BTreeMap::new();
    };
    errors
        .iter()
        .map(|(field, messages)| {
            let messages = match messages {
                Value::Array(items) => items
                    .iter()
                    .map(|m| m.as_str().map_or_else(|| m.to_string(), str::to_string))
                    .collect(),
                Value::String(m) => vec![m.clone()],
                other => vec![other.to_string()],
            };
            (field.clone(), messages)
        })
        .collect()
}

/// `HTTP 502 Bad Gateway: <html>…` for bodies that are not JSON (or say nothing usable).
fn status_line(status: u16, body: &str) -> String {
    let reason = ureq::http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("");
    let line = format!("HTTP {status} {reason}").trim_end().to_string();
    let excerpt: String = body.split_whitespace().collect::<Vec<_>>().join(" ");
    if excerpt.is_empty() {
        return line;
    }
    let mut cut: String = excerpt.chars().take(BODY_EXCERPT_CHARS).collect();
    if cut.len() < excerpt.len() {
        cut.push('…');
    }
    format!("{line}: {cut}")
}

/// `retry-after-ms` (milliseconds), else `Retry-After` in seconds or as an HTTP-date.
fn retry_after_header(headers: &[(String, String)]) -> Option<f64> {
    let header = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim())
    };
    let number = |text: &str| {
        text.parse::<f64>()
            .ok()
            .filter(|s| s.is_finite() && *s >= 0.0)
    };
    if let Some(ms) = header("retry-after-ms").and_then(number) {
        return Some(ms / 1000.0);
    }
    let value = header("retry-after")?;
    number(value).or_else(|| {
        let at = httpdate::parse_http_date(value).ok()?;
        let wait = at
            .duration_since(std::time::SystemTime::now())
            .unwrap_or_default();
        Some(wait.as_secs_f64())
    })
}

fn seconds(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .filter(|s: &f64| s.is_finite() && *s >= 0.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(status: u16, body: &str) -> ApiError {
        ApiError::from_response(status, vec![], body.as_bytes().to_vec())
    }

    #[test]
    fn maps_every_documented_body_shape() {
        let e = parse(
            400,
            r#"{"error": {"code": "INVALID_PHONE_NUMBER", "message": "Phone number must be in international format (e.g., +1234567890)", "details": {"field": "to", "value": "1234567890"}}}"#,
        );
        assert_eq!(e.code.as_deref(), Some("INVALID_PHONE_NUMBER"));
        assert_eq!(
            e.details,
            Some(json!({"field": "to", "value": "1234567890"}))
        );

        let e = parse(
            401,
            r#"{"success": false, "error": {"code": "INVALID_API_KEY", "message": "The provided API key is invalid", "details": {}}}"#,
        );
        assert_eq!(
            (e.code.as_deref(), e.message.as_str()),
            (Some("INVALID_API_KEY"), "The provided API key is invalid")
        );

        let e = parse(
            401,
            r#"{"error": "UNAUTHORIZED", "message": "Invalid or missing authentication token", "status_code": 401}"#,
        );
        assert_eq!(
            (e.code.as_deref(), e.message.as_str()),
            (
                Some("UNAUTHORIZED"),
                "Invalid or missing authentication token"
            )
        );

        let e = parse(
            409,
            r#"{"success": false, "message": "Trunk has DIDs", "code": "TRUNK_HAS_DIDS"}"#,
        );
        assert_eq!(
            (e.code.as_deref(), e.message.as_str()),
            (Some("TRUNK_HAS_DIDS"), "Trunk has DIDs")
        );

        let e = parse(404, r#"{"success": false, "message": "Agent not found"}"#);
        assert_eq!((e.code, e.message.as_str()), (None, "Agent not found"));

        let e = parse(
            422,
            r#"{"success": false, "message": "The given data was invalid.", "errors": {"status": ["The selected status is invalid."]}}"#,
        );
        assert_eq!(e.errors["status"], vec!["The selected status is invalid."]);
        assert_eq!(e.message, "The given data was invalid.");

        let e = parse(401, r#"{"message": "Missing Bearer Token"}"#);
        assert_eq!((e.code, e.message.as_str()), (None, "Missing Bearer Token"));

        let e = parse(401, r#"{"error": "Unauthorized"}"#);
        assert_eq!((e.code, e.message.as_str()), (None, "Unauthorized"));

        let e = parse(
            400,
            r#"{"success": false, "data": {"is_verified": false, "error": "Authentication failed (401)"}}"#,
        );
        assert_eq!(e.message, "Authentication failed (401)");
        assert_eq!(
            e.details.as_ref().and_then(|d| d.get("is_verified")),
            Some(&json!(false))
        );

        let e = parse(
            400,
            r#"{"success": false, "message": "SFTP connection failed", "data": {"error": "Authentication failed"}}"#,
        );
        assert_eq!(e.message, "SFTP connection failed");
    }

    #[test]
    fn non_json_bodies_become_a_status_line() {
        let e = parse(502, "<html>\n<body>Bad   gateway</body></html>");
        assert_eq!(
            e.message,
            "HTTP 502 Bad Gateway: <html> <body>Bad gateway</body></html>"
        );
        assert_eq!(parse(503, "").message, "HTTP 503 Service Unavailable");
        assert!(parse(500, &"x".repeat(1000)).message.ends_with('…'));
    }

    #[test]
    fn retry_after_from_header_or_details() {
        let e = ApiError::from_response(
            429,
            vec![("Retry-After".into(), "30".into())],
            b"{}".to_vec(),
        );
        assert_eq!(e.retry_after, Some(30.0));
        let e = parse(
            429,
            r#"{"error": {"code": "RATE_LIMIT_EXCEEDED", "message": "slow down", "details": {"retry_after": 60}}}"#,
        );
        assert_eq!(e.retry_after, Some(60.0));
        assert_eq!(parse(429, "{}").retry_after, None);
        let e = ApiError::from_response(
            503,
            vec![("retry-after-ms".into(), "1500".into())],
            b"{}".to_vec(),
        );
        assert_eq!(e.retry_after, Some(1.5));
    }

    #[test]
    fn retry_after_as_an_http_date() {
        let in_a_minute = std::time::SystemTime::now() + std::time::Duration::from_secs(60);
        let e = ApiError::from_response(
            429,
            vec![("Retry-After".into(), httpdate::fmt_http_date(in_a_minute))],
            b"{}".to_vec(),
        );
        let wait = e.retry_after.unwrap();
        assert!((58.0..=60.0).contains(&wait), "{wait}");
        let e = ApiError::from_response(
            429,
            vec![("Retry-After".into(), "Wed, 21 Oct 2015 07:28:00 GMT".into())],
            b"{}".to_vec(),
        );
        assert_eq!(e.retry_after, Some(0.0), "a date in the past means now");
    }

    #[test]
    fn details_that_are_not_an_object_are_left_in_the_body() {
        let e = parse(
            400,
            r#"{"error": {"code": "X", "message": "m", "details": "x"}}"#,
        );
        assert_eq!(e.details, None);
        assert!(e.body.contains("\"x\""));
    }
}
