//! Keeps the client's secrets out of what it reports: a server that echoes the token (or a
//! default header's value) back in an error must not put it into the error's text, body or
//! headers, where it would reach logs, tracebacks and pickles.

use std::borrow::Cow;
use std::sync::Arc;

use serde_json::Value;

use crate::error::{ApiError, Error};

/// Replaces a secret wherever it appears.
pub const REDACTED: &str = "[redacted]";

/// Shorter values are not secret-grade (`1`, `v2`, `json`), and replacing them everywhere
/// would mangle ordinary text.
const MIN_SECRET_CHARS: usize = 6;

/// The values to redact: the token and every default header value.
#[derive(Clone, Default)]
pub(crate) struct Secrets {
    values: Arc<[String]>,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Secrets({} values)", self.values.len())
    }
}

impl Secrets {
    pub(crate) fn new<'a>(values: impl IntoIterator<Item = &'a str>) -> Self {
        let mut values: Vec<String> = values
            .into_iter()
            .map(str::trim)
            .filter(|v| v.chars().count() >= MIN_SECRET_CHARS)
            .map(str::to_string)
            .collect();
        // Longest first, so a secret that contains another is replaced whole.
        values.sort_by_key(|v| std::cmp::Reverse(v.len()));
        values.dedup();
        Secrets {
            values: values.into(),
        }
    }

    pub(crate) fn values(&self) -> &[String] {
        &self.values
    }

    pub(crate) fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let mut text = Cow::Borrowed(text);
        for secret in self.values.iter() {
            if text.contains(secret.as_str()) {
                text = Cow::Owned(text.replace(secret.as_str(), REDACTED));
            }
        }
        text
    }

    fn redact_in_place(&self, text: &mut String) {
        if let Cow::Owned(redacted) = self.redact(text) {
            *text = redacted;
        }
    }

    fn redact_json(&self, value: &mut Value) {
        match value {
            Value::String(text) => self.redact_in_place(text),
            Value::Array(items) => items.iter_mut().for_each(|item| self.redact_json(item)),
            Value::Object(map) => {
                // Keys can echo a secret too; rebuilding keeps their order.
                if map
                    .keys()
                    .any(|key| matches!(self.redact(key), Cow::Owned(_)))
                {
                    let entries = std::mem::take(map);
                    for (key, mut item) in entries {
                        self.redact_json(&mut item);
                        map.insert(self.redact(&key).into_owned(), item);
                    }
                } else {
                    map.values_mut().for_each(|item| self.redact_json(item));
                }
            }
            _ => {}
        }
    }

    /// A raw body. JSON may carry a secret escaped (`\/` as PHP writes `/`, `\"`, `\u0061`),
    /// out of reach of a plain search yet back in clear text once decoded: a JSON body that
    /// holds one decoded is written again, redacted.
    fn redact_body(&self, body: &mut String) {
        self.redact_in_place(body);
        let Ok(mut value) = serde_json::from_str::<Value>(body) else {
            return;
        };
        let decoded = value.clone();
        self.redact_json(&mut value);
        if value != decoded {
            *body = value.to_string();
        }
    }

    fn redact_api_error(&self, error: &mut ApiError) {
        self.redact_in_place(&mut error.message);
        self.redact_body(&mut error.body);
        if let Some(code) = &mut error.code {
            self.redact_in_place(code);
        }
        if let Some(details) = &mut error.details {
            self.redact_json(details);
        }
        let errors = std::mem::take(&mut error.errors);
        for (field, mut messages) in errors {
            messages.iter_mut().for_each(|m| self.redact_in_place(m));
            error
                .errors
                .insert(self.redact(&field).into_owned(), messages);
        }
        for (_, value) in &mut error.headers {
            self.redact_in_place(value);
        }
    }

    /// `error` with every secret replaced by [`REDACTED`].
    pub(crate) fn redact_error(&self, mut error: Error) -> Error {
        if self.values.is_empty() {
            return error;
        }
        match &mut error {
            Error::Api(api) => self.redact_api_error(api),
            Error::ResponseValidation { message, body, .. } => {
                self.redact_in_place(message);
                self.redact_body(body);
            }
            Error::Configuration(message)
            | Error::Connection(message)
            | Error::Timeout(message) => self.redact_in_place(message),
            Error::Validation { field, message } => {
                self.redact_in_place(field);
                self.redact_in_place(message);
            }
            Error::Interrupted => {}
        }
        error
    }
}

/// How many characters of a user's value an error message quotes.
const QUOTED_CHARS: usize = 60;

/// `value` quoted for an error message, shortened when long: a 100 KB argument must not
/// become a 100 KB message.
pub fn quote(value: &str) -> String {
    let length = value.chars().count();
    if length <= QUOTED_CHARS {
        return format!("{value:?}");
    }
    let start: String = value.chars().take(QUOTED_CHARS).collect();
    format!("{start:?}… ({length} characters)")
}

/// `text` cut to at most `max` characters, marked when cut.
pub fn shorten(text: &str, max: usize) -> Cow<'_, str> {
    match text.char_indices().nth(max) {
        None => Cow::Borrowed(text),
        Some((cut, _)) => Cow::Owned(format!("{}…", &text[..cut])),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_every_place_an_api_error_carries_text() {
        let secrets = Secrets::new(["talq_secret_token", "hdr-secret-value", "v2"]);
        let body = r#"{"error": {"code": "BAD talq_secret_token", "message": "token Bearer talq_secret_token is invalid", "details": {"echo": ["hdr-secret-value"], "talq_secret_token": 1}}, "errors": {"f": ["talq_secret_token"]}}"#;
        let api = ApiError::from_response(
            401,
            vec![("X-Echo".into(), "Bearer talq_secret_token".into())],
            body.as_bytes().to_vec(),
        );
        let error = secrets.redact_error(Error::Api(Box::new(api)));
        let text = format!("{error} {error:?}");
        assert!(!text.contains("talq_secret_token"), "{text}");
        assert!(!text.contains("hdr-secret-value"), "{text}");
        assert!(text.contains("v2") || !body.contains("v2"));
        let Error::Api(api) = error else {
            panic!("not an API error")
        };
        assert_eq!(api.message, "token Bearer [redacted] is invalid");
        assert_eq!(api.header("x-echo"), Some("Bearer [redacted]"));
        assert_eq!(api.errors["f"], vec!["[redacted]"]);
    }

    /// Found by `fuzz_echoed_token_is_redacted`: a token echoed in a JSON body with a
    /// character the server escapes stayed in `body`, escaped, and came back on decoding.
    #[test]
    fn a_token_echoed_escaped_in_a_json_body_is_redacted() {
        for (token, body) in [
            (
                "talq_ab/cd",
                r#"{"message": "token talq_ab\/cd is invalid"}"#,
            ),
            (
                "talq_ab\"cd",
                r#"{"error": {"code": "X talq_ab\"cd", "message": "m"}}"#,
            ),
            ("talq_abcd", r#"{"errors": {"talq_\u0061bcd": ["bad"]}}"#),
        ] {
            let secrets = Secrets::new([token]);
            let api = ApiError::from_response(401, vec![], body.as_bytes().to_vec());
            let Error::Api(api) = secrets.redact_error(Error::Api(Box::new(api))) else {
                panic!("not an API error")
            };
            let decoded: Value = serde_json::from_str(&api.body).expect("still JSON");
            assert!(
                !decoded.to_string().contains(token),
                "{token}: {}",
                api.body
            );
            assert!(api.body.contains(REDACTED), "{}", api.body);
            let invalid = secrets.redact_error(Error::ResponseValidation {
                status: 200,
                message: "bad".into(),
                body: body.into(),
            });
            let Error::ResponseValidation { body, .. } = invalid else {
                panic!("not a response validation error")
            };
            assert!(
                !body.contains("talq_ab") && body.contains(REDACTED),
                "{body}"
            );
        }
    }

    #[test]
    fn short_values_are_not_treated_as_secrets() {
        let secrets = Secrets::new(["1", "abc"]);
        assert_eq!(secrets.redact("a1b abc"), "a1b abc");
    }

    #[test]
    fn quotes_are_shortened() {
        assert_eq!(quote("abc"), "\"abc\"");
        let long = quote(&"é".repeat(100_000));
        assert!(long.len() < 200, "{long}");
        assert!(long.ends_with("(100000 characters)"), "{long}");
        assert_eq!(shorten("abcdef", 3), "abc…");
        assert_eq!(shorten("abc", 3), "abc");
    }
}
