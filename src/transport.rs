//! The HTTP layer: one pooled ureq agent per client, the request a generated operation
//! builds, and the response it reads. Non-2xx answers become [`Error::Api`] here.

use std::time::Duration;

use serde::de::DeserializeOwned;

use crate::encoding::ToQuery;
use crate::error::ApiError;
use crate::Error;

/// Largest response body read, so a misbehaving server cannot exhaust memory.
const MAX_BODY_BYTES: u64 = 64 * 1024 * 1024;

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

/// One request as a generated operation describes it; the transport adds host and headers.
#[derive(Debug, Clone)]
pub struct Request {
    method: Method,
    path: String,
    query: Vec<(String, String)>,
    body: Option<Vec<u8>>,
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

    /// Adds a query parameter (encoded by ureq, so `+` arrives as `+`).
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
}

/// A successful (2xx) response, read to the end.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    /// The body parsed as `T`.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, Error> {
        serde_json::from_slice(&self.body).map_err(|e| self.invalid(e.to_string()))
    }

    /// One property of the body (an envelope such as `{"success": true, "data": {…}}`) as `T`.
    pub fn json_at<T: DeserializeOwned>(&self, property: &str) -> Result<T, Error> {
        let mut de = serde_json::Deserializer::from_slice(&self.body);
        let found = serde::de::DeserializeSeed::deserialize(
            crate::encoding::Property::<T>::new(property),
            &mut de,
        )
        .and_then(|found| de.end().map(|()| found))
        .map_err(|e| self.invalid(e.to_string()))?;
        found.ok_or_else(|| self.invalid(format!("the response has no `{property}` property")))
    }

    fn invalid(&self, message: String) -> Error {
        Error::ResponseValidation {
            status: self.status,
            message,
            body: String::from_utf8_lossy(&self.body).into_owned(),
        }
    }
}

/// One configured connection pool, shared by clones of a client.
pub struct Transport {
    agent: ureq::Agent,
    base_url: String,
    validate: bool,
    /// Sent with every request: Authorization and Accept unless the user gave their own, then
    /// the user's default headers. Values may be secret, so Debug shows the names only.
    headers: Vec<(String, String)>,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(name, _)| name.as_str()).collect();
        f.debug_struct("Transport")
            .field("base_url", &self.base_url)
            .field("validate", &self.validate)
            .field("headers", &names)
            .finish_non_exhaustive()
    }
}

impl Transport {
    pub(crate) fn new(
        base_url: String,
        token: &str,
        timeout: Duration,
        validate: bool,
        default_headers: Vec<(String, String)>,
        user_agent: String,
    ) -> Self {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(timeout))
            .user_agent(user_agent)
            .build()
            .into();
        let given = |name: &str| {
            default_headers
                .iter()
                .any(|(n, _)| n.eq_ignore_ascii_case(name))
        };
        let mut headers = Vec::with_capacity(default_headers.len() + 2);
        if !given("authorization") {
            headers.push(("Authorization".to_string(), format!("Bearer {token}")));
        }
        if !given("accept") {
            headers.push(("Accept".to_string(), "application/json".to_string()));
        }
        headers.extend(default_headers);
        Transport {
            agent,
            base_url,
            validate,
            headers,
        }
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Whether operations check their arguments before sending.
    pub fn validates(&self) -> bool {
        self.validate
    }

    /// Sends `request`; a non-2xx answer is an [`Error::Api`].
    pub fn send(&self, request: Request) -> Result<Response, Error> {
        let url = format!("{}{}", self.base_url, request.path);
        macro_rules! prepare {
            ($builder:expr) => {{
                let mut builder = $builder;
                for (name, value) in &self.headers {
                    builder = builder.header(name, value);
                }
                for (name, value) in &request.query {
                    builder = builder.query(name, value);
                }
                builder
            }};
        }
        let result = match (request.method, request.body) {
            (Method::Get, _) => prepare!(self.agent.get(&url)).call(),
            (Method::Delete, None) => prepare!(self.agent.delete(&url)).call(),
            (Method::Delete, Some(body)) => prepare!(self.agent.delete(&url))
                .force_send_body()
                .content_type("application/json")
                .send(&body[..]),
            (method, body) => {
                let builder = match method {
                    Method::Put => self.agent.put(&url),
                    Method::Patch => self.agent.patch(&url),
                    _ => self.agent.post(&url),
                };
                match body {
                    Some(body) => prepare!(builder)
                        .content_type("application/json")
                        .send(&body[..]),
                    None => prepare!(builder).send_empty(),
                }
            }
        };
        let mut response = result.map_err(|e| transport_error(request.method, &request.path, e))?;
        let status = response.status().as_u16();
        let headers: Vec<(String, String)> = response
            .headers()
            .iter()
            .map(|(name, value)| {
                (
                    name.as_str().to_string(),
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                )
            })
            .collect();
        // Reading to the end returns the connection to the pool.
        let body = response
            .body_mut()
            .with_config()
            .limit(MAX_BODY_BYTES)
            .read_to_vec()
            .map_err(|e| transport_error(request.method, &request.path, e))?;
        if (200..300).contains(&status) {
            Ok(Response {
                status,
                headers,
                body,
            })
        } else {
            Err(Error::Api(Box::new(ApiError::from_response(
                status, headers, body,
            ))))
        }
    }
}

/// ureq's error, as ours. Its text never includes request headers, so the token stays out.
fn transport_error(method: Method, path: &str, error: ureq::Error) -> Error {
    let what = format!("{} {path}", method.as_str());
    match error {
        ureq::Error::Timeout(kind) => Error::Timeout(format!("{what}: timed out ({kind})")),
        ureq::Error::BodyExceedsLimit(limit) => Error::Connection(format!(
            "{what}: the response body is larger than {limit} bytes"
        )),
        other => Error::Connection(format!("{what}: {other}")),
    }
}
