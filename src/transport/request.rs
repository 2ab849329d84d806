//! One request as a generated operation describes it: method, encoded path, query, JSON
//! body and whether it may be sent twice. The transport adds host and headers.

use crate::encoding::ToQuery;
use crate::Error;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }

    pub(crate) fn to_http(self) -> ureq::http::Method {
        match self {
            Method::Get => ureq::http::Method::GET,
            Method::Post => ureq::http::Method::POST,
            Method::Put => ureq::http::Method::PUT,
            Method::Patch => ureq::http::Method::PATCH,
            Method::Delete => ureq::http::Method::DELETE,
        }
    }
}

/// Whether a request may be sent again after it may have reached the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryClass {
    /// Repeating it has the effect of sending it once: GET, PUT, DELETE, and a POST or PATCH
    /// the spec marks `x-sdk-idempotent`.
    Safe,
    /// A second copy may act twice (a second phone call): re-sent only when it surely never
    /// reached the server.
    Unsafe,
}

/// The longest URI the HTTP layer can represent.
const MAX_URI_BYTES: usize = u16::MAX as usize - 1;

/// One request as a generated operation describes it; the transport adds host and headers.
#[derive(Debug, Clone)]
pub struct Request {
    pub(crate) method: Method,
    pub(crate) path: String,
    query: Vec<(String, String)>,
    pub(crate) body: Option<Vec<u8>>,
    retry: RetryClass,
}

impl Request {
    /// `path` is already percent-encoded. The retry class follows from the method.
    pub fn new(method: Method, path: String) -> Self {
        let retry = match method {
            Method::Get | Method::Put | Method::Delete => RetryClass::Safe,
            Method::Post | Method::Patch => RetryClass::Unsafe,
        };
        Request {
            method,
            path,
            query: Vec::new(),
            body: None,
            retry,
        }
    }

    /// Marks a POST or PATCH that the spec declares safe to repeat (`x-sdk-idempotent`).
    pub fn idempotent(&mut self) {
        self.retry = RetryClass::Safe;
    }

    /// Whether this request may be repeated after it may have reached the server.
    pub fn retry_class(&self) -> RetryClass {
        self.retry
    }

    /// Adds a query parameter.
    pub fn query<T: ToQuery + ?Sized>(&mut self, name: &str, value: &T) {
        value.append_to(name, &mut self.query);
    }

    /// Sets a JSON body.
    pub fn json_body<T: serde::Serialize + ?Sized>(&mut self, body: &T) -> Result<(), Error> {
        let bytes = serde_json::to_vec(body).map_err(|e| Error::Validation {
            field: "body".into(),
            message: format!("cannot be encoded as JSON: {e}"),
        })?;
        self.body = Some(bytes);
        Ok(())
    }

    /// The path and query as a log line shows them (values percent-encoded, so one line).
    pub(crate) fn logged_path(&self) -> String {
        let mut line = crate::secrets::shorten(&self.path, 300).into_owned();
        for (index, (name, value)) in self.query.iter().enumerate() {
            line.push(if index == 0 { '?' } else { '&' });
            encode_query_component(name, &mut line);
            line.push('=');
            encode_query_component(&crate::secrets::shorten(value, 100), &mut line);
        }
        line
    }

    /// `base` + path + `?query`, every query name and value percent-encoded (so `+` arrives
    /// as `+`, not as a space). A URL too long for the HTTP layer is refused before sending.
    pub(crate) fn url(&self, base: &str) -> Result<String, Error> {
        let mut url = String::with_capacity(base.len() + self.path.len() + 16 * self.query.len());
        url.push_str(base);
        url.push_str(&self.path);
        for (index, (name, value)) in self.query.iter().enumerate() {
            url.push(if index == 0 { '?' } else { '&' });
            encode_query_component(name, &mut url);
            url.push('=');
            encode_query_component(value, &mut url);
        }
        if url.len() > MAX_URI_BYTES {
            let field = self
                .query
                .iter()
                .max_by_key(|(_, value)| value.len())
                .map_or("path", |(name, _)| name.as_str());
            return Err(Error::Validation {
                field: field.to_string(),
                message: format!(
                    "makes the request URL {} bytes long once encoded; at most {MAX_URI_BYTES} can be sent",
                    url.len()
                ),
            });
        }
        Ok(url)
    }
}

/// Everything but RFC 3986 unreserved characters is escaped.
fn encode_query_component(text: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0xF)]));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_are_fully_encoded() {
        let mut request = Request::new(Method::Get, "/api/v1/calls".into());
        request.query("search", "+1 555&x=é");
        request.query("page", &2i64);
        assert_eq!(
            request.url("http://h").unwrap(),
            "http://h/api/v1/calls?search=%2B1%20555%26x%3D%C3%A9&page=2"
        );
    }

    #[test]
    fn an_overlong_url_is_a_validation_error_naming_the_parameter() {
        let mut request = Request::new(Method::Get, "/api/v1/calls".into());
        request.query("status", "completed");
        request.query("search", &"é".repeat(40_000));
        match request.url("http://h") {
            Err(Error::Validation { field, .. }) => assert_eq!(field, "search"),
            other => panic!("{other:?}"),
        }
    }
}
