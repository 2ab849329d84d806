//! One request as received, with the accessors the engine routes by: header lookup, the
//! raw path and the decoded query.

use super::escapes::decode_query_component;

/// One request as received. Its Debug output redacts `Authorization`.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// The method as sent, e.g. `"GET"`.
    pub method: String,
    /// The raw request-target, e.g. `"/api/v1/calls?status=completed&search=%2B1"`.
    pub target: String,
    /// Header fields in order, names as sent.
    pub headers: Vec<(String, String)>,
    /// The body, de-chunked if it was sent chunked.
    pub body: Vec<u8>,
}

impl std::fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let headers: Vec<(&str, String)> = self
            .headers
            .iter()
            .map(|(name, value)| (name.as_str(), shown_header(name, value)))
            .collect();
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("target", &self.target)
            .field("headers", &headers)
            .field("body", &String::from_utf8_lossy(&self.body))
            .finish()
    }
}

/// A header value as it may be shown: credentials keep only their scheme
/// (`Bearer [redacted]`), so logs and Debug output never hold a token.
pub(crate) fn shown_header(name: &str, value: &str) -> String {
    if !name.eq_ignore_ascii_case("authorization") {
        return value.to_string();
    }
    match value.split_once(' ') {
        Some((scheme, _)) => format!("{scheme} [redacted]"),
        None => "[redacted]".into(),
    }
}

impl HttpRequest {
    /// The first header named `name`, compared case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        header_value(&self.headers, name)
    }

    /// The target before any `?`, still percent-encoded.
    pub fn path(&self) -> &str {
        self.target
            .split_once('?')
            .map_or(&self.target, |(path, _)| path)
    }

    /// The query as decoded `(name, value)` pairs in order; `+` is a space, and a bare `a`
    /// gives `("a", "")`. Malformed escapes are kept literally rather than failing the request.
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        let Some((_, query)) = self.target.split_once('?') else {
            return Vec::new();
        };
        query
            .split('&')
            .filter(|pair| !pair.is_empty())
            .map(|pair| {
                let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
                (decode_query_component(name), decode_query_component(value))
            })
            .collect()
    }
}

/// The first value of header `name` in `headers`, compared case-insensitively.
pub(super) fn header_value<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}
