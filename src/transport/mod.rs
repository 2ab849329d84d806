//! The HTTP layer: one pooled ureq agent per client (per process, after a fork), the request
//! a generated operation builds and the response it reads. Redirects are followed here, only
//! where that is safe; non-2xx answers become [`Error::Api`]; secrets are redacted from every
//! error on its way out.

pub mod interrupt;
mod options;
mod pool;
mod raw;
mod redirect;
mod request;
mod response;
pub(crate) mod retry;
mod tcp;
pub(crate) mod tls;

use std::io::Read;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ureq::http::header::{HeaderName, HeaderValue, CONTENT_TYPE};
use ureq::http::{HeaderMap, Uri};
use ureq::tls::{Certificate, TlsConfig};

pub use options::RequestOptions;
pub use raw::{RateLimit, RawResponse};
pub use request::{Method, Request, RetryClass};
pub use response::Response;

use crate::error::ApiError;
use crate::secrets::{shorten, Secrets};
use crate::Error;
use pool::Pool;
use redirect::{Origin, Redirect, MAX_REDIRECTS};
use retry::Failure;

/// Largest response body read, so a misbehaving server cannot exhaust memory.
const MAX_BODY_BYTES: u64 = 64 * 1024 * 1024;

/// Most a body's buffer is sized to before any of it arrives.
const PREALLOCATED_BYTES: u64 = 1024 * 1024;

/// Everything a transport is made from, checked by the client builder.
pub(crate) struct Settings {
    pub base_url: String,
    pub token: String,
    pub timeout: Duration,
    pub validate: bool,
    pub default_headers: Vec<(HeaderName, HeaderValue)>,
    pub user_agent: String,
    pub ca_bundle: Option<Vec<Certificate<'static>>>,
    pub max_retries: u32,
}

/// One configured connection pool, shared by clones of a client and by the copies
/// `with_options` makes.
pub struct Transport {
    pool: Arc<Pool>,
    base_url: String,
    base_origin: Origin,
    validate: bool,
    timeout: Duration,
    max_retries: u32,
    /// Sent with every request to the base URL's origin: Authorization and Accept unless the
    /// user gave their own, then the user's default headers.
    headers: HeaderMap,
    /// Sent to any other origin a redirect leads to: `headers` without Authorization and
    /// without any default header.
    public_headers: HeaderMap,
    secrets: Secrets,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Header values may be secret: names only.
        let names: Vec<&str> = self.headers.keys().map(HeaderName::as_str).collect();
        f.debug_struct("Transport")
            .field("base_url", &self.base_url)
            .field("validate", &self.validate)
            .field("timeout", &self.timeout)
            .field("max_retries", &self.max_retries)
            .field("headers", &names)
            .finish_non_exhaustive()
    }
}

impl Transport {
    pub(crate) fn new(settings: Settings) -> Result<Self, Error> {
        let base_origin = Origin::of(&settings.base_url).ok_or_else(|| {
            Error::Configuration(format!("base_url {:?} is not a URL", settings.base_url))
        })?;
        let tls = TlsConfig::builder()
            .root_certs(tls::root_certs(settings.ca_bundle.as_deref()))
            .build();
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_global(Some(settings.timeout))
            .user_agent(settings.user_agent)
            .tls_config(tls)
            .build();

        let given = |name: &HeaderName| settings.default_headers.iter().any(|(n, _)| n == name);
        let mut headers = HeaderMap::new();
        let mut public_headers = HeaderMap::new();
        let authorization = ureq::http::header::AUTHORIZATION;
        if !given(&authorization) {
            let value = HeaderValue::try_from(format!("Bearer {}", settings.token))
                .map_err(|_| Error::Configuration("the token cannot be sent in a header".into()))?;
            headers.insert(authorization, value);
        }
        let accept = ureq::http::header::ACCEPT;
        if !given(&accept) {
            let json = HeaderValue::from_static("application/json");
            headers.insert(accept.clone(), json.clone());
            public_headers.insert(accept, json);
        }
        for (name, value) in &settings.default_headers {
            headers.append(name.clone(), value.clone());
        }
        let mut secret_values = vec![settings.token.as_str()];
        secret_values.extend(
            settings
                .default_headers
                .iter()
                .filter_map(|(_, v)| v.to_str().ok()),
        );
        Ok(Transport {
            pool: Arc::new(Pool::new(config, settings.timeout)),
            base_url: settings.base_url,
            base_origin,
            validate: settings.validate,
            timeout: settings.timeout,
            max_retries: settings.max_retries,
            headers,
            public_headers,
            secrets: Secrets::new(secret_values),
        })
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Whether operations check their arguments before sending.
    pub fn validates(&self) -> bool {
        self.validate
    }

    /// A copy with other request settings that shares this transport's connection pool.
    pub fn with_options(&self, options: &RequestOptions) -> Result<Transport, Error> {
        let mut headers = self.headers.clone();
        let mut secret_values: Vec<String> = self.secrets.values().to_vec();
        for (name, value) in options.checked_headers()? {
            secret_values.extend(value.to_str().ok().map(str::to_string));
            headers.insert(name, value);
        }
        Ok(Transport {
            pool: Arc::clone(&self.pool),
            base_url: self.base_url.clone(),
            base_origin: self.base_origin.clone(),
            validate: self.validate,
            timeout: options.timeout.unwrap_or(self.timeout),
            max_retries: options.max_retries.unwrap_or(self.max_retries),
            headers,
            public_headers: self.public_headers.clone(),
            secrets: Secrets::new(secret_values.iter().map(String::as_str)),
        })
    }

    /// Sends `request`, retrying where that is safe; a non-2xx answer is an [`Error::Api`].
    pub fn send(&self, request: Request) -> Result<Response, Error> {
        let started = Instant::now();
        let mut retries = 0;
        loop {
            let attempt_started = Instant::now();
            let outcome = self.exchange(&request);
            log_attempt(&request, &outcome, attempt_started.elapsed(), retries);
            let (error, failure) = match outcome {
                Ok(mut response) => {
                    response.retries = retries;
                    response.elapsed = started.elapsed();
                    return Ok(response);
                }
                Err(failed) => failed,
            };
            let retry_after = match &error {
                Error::Api(api) => api.retry_after,
                _ => None,
            };
            let Some(wait) = retry::next_wait(
                request.retry_class(),
                failure,
                retry_after,
                retries,
                self.max_retries,
            ) else {
                return Err(self.secrets.redact_error(error));
            };
            log::info!(
                target: "talkover",
                "retrying {} {} in {:.2} s ({}; retry {} of {})",
                request.method.as_str(),
                request.path,
                wait.as_secs_f64(),
                failure.reason(),
                retries + 1,
                self.max_retries
            );
            if interrupt::sleep(wait).is_err() {
                return Err(Error::Interrupted);
            }
            retries += 1;
        }
    }

    /// One attempt, following the redirects that are safe to follow.
    fn exchange(&self, request: &Request) -> Result<Response, (Error, Failure)> {
        let agent = self.pool.agent();
        let mut url = request
            .url(&self.base_url)
            .map_err(|e| (e, Failure::Final))?;
        let mut method = request.method;
        let mut credentials = true;
        for _ in 0..=MAX_REDIRECTS {
            let answer = self
                .attempt(&agent, method, &url, request.body.as_deref(), credentials)
                .map_err(|e| {
                    if interrupt::take_fired() {
                        return (Error::Interrupted, Failure::Final);
                    }
                    let failure = classify(&e);
                    (transport_error(request.method, &request.path, e), failure)
                })?;
            if (200..300).contains(&answer.status) {
                return Ok(answer);
            }
            if !redirect::is_redirect(answer.status) {
                let failure = Failure::Status(answer.status);
                return Err((answer.into_error(), failure));
            }
            let location = answer.header("location").map(str::to_string);
            let has_body = request.body.is_some();
            match redirect::decide(
                answer.status,
                location.as_deref(),
                &url,
                &self.base_origin,
                method,
                has_body,
            ) {
                Redirect::Follow {
                    url: next,
                    method: next_method,
                    credentials: to_base_origin,
                } => {
                    url = next;
                    method = next_method;
                    credentials = to_base_origin;
                }
                Redirect::Refuse(why) => {
                    return Err((answer.into_refused_redirect(&why), Failure::Final))
                }
            }
        }
        let error = Error::Connection(format!(
            "{} {}: more than {MAX_REDIRECTS} redirects",
            request.method.as_str(),
            request.path
        ));
        Err((error, Failure::Final))
    }

    /// Sends once and reads the whole answer (reading to the end returns the connection to
    /// the pool).
    fn attempt(
        &self,
        agent: &ureq::Agent,
        method: Method,
        url: &str,
        body: Option<&[u8]>,
        credentials: bool,
    ) -> Result<Response, ureq::Error> {
        let uri: Uri = url
            .parse()
            .map_err(|_| ureq::Error::BadUri(shorten(url, 200).into_owned()))?;
        let mut headers = if credentials {
            self.headers.clone()
        } else {
            self.public_headers.clone()
        };
        let sends_body =
            body.is_some() || matches!(method, Method::Post | Method::Put | Method::Patch);
        if body.is_some() {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        }
        // A copy made by `with_options` may have its own timeout; the agent has the pool's.
        let timeout = (self.timeout != self.pool.timeout()).then_some(self.timeout);
        let mut response = if sends_body {
            // An empty POST still says `Content-Length: 0`, which some servers require.
            let mut http = ureq::http::Request::new(body.unwrap_or_default());
            *http.method_mut() = method.to_http();
            *http.uri_mut() = uri;
            *http.headers_mut() = headers;
            run(agent, http, timeout)?
        } else {
            let mut http = ureq::http::Request::new(());
            *http.method_mut() = method.to_http();
            *http.uri_mut() = uri;
            *http.headers_mut() = headers;
            run(agent, http, timeout)?
        };
        let status = response.status().as_u16();
        let headers: Vec<(String, String)> = response
            .headers()
            .iter()
            .map(|(name, value)| {
                (
                    // The http crate keeps names in lower case already.
                    name.as_str().to_string(),
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                )
            })
            .collect();
        // Sized from Content-Length up front (within reason: the header may lie), so a large
        // page is not copied again and again as the buffer grows.
        let expected = response.body().content_length().unwrap_or(0);
        let mut body =
            Vec::with_capacity(usize::try_from(expected.min(PREALLOCATED_BYTES)).unwrap_or(0));
        response
            .body_mut()
            .with_config()
            .limit(MAX_BODY_BYTES)
            .reader()
            .read_to_end(&mut body)?;
        Ok(Response {
            status,
            headers,
            body,
            secrets: self.secrets.clone(),
            retries: 0,
            elapsed: Duration::ZERO,
        })
    }
}

fn run<B: ureq::AsSendBody>(
    agent: &ureq::Agent,
    request: ureq::http::Request<B>,
    timeout: Option<Duration>,
) -> Result<ureq::http::Response<ureq::Body>, ureq::Error> {
    match timeout {
        None => agent.run(request),
        Some(timeout) => agent.run(
            agent
                .configure_request(request)
                .timeout_global(Some(timeout))
                .build(),
        ),
    }
}

/// A DEBUG record per attempt: method, path and query, status, elapsed time, attempt number.
/// Header values (the token, default headers) are never logged.
fn log_attempt(
    request: &Request,
    outcome: &Result<Response, (Error, Failure)>,
    elapsed: Duration,
    retries: u32,
) {
    if !log::log_enabled!(target: "talkover", log::Level::Debug) {
        return;
    }
    let result = match outcome {
        Ok(response) => format!("HTTP {}", response.status),
        Err((Error::Api(api), _)) => format!("HTTP {}", api.status),
        Err((_, failure)) => failure.reason(),
    };
    log::debug!(
        target: "talkover",
        "{} {}: {result} in {:.1} ms (attempt {})",
        request.method.as_str(),
        request.logged_path(),
        elapsed.as_secs_f64() * 1000.0,
        retries + 1
    );
}

/// Sorts a ureq error for the retry rules: only a failure to connect surely sent nothing.
fn classify(error: &ureq::Error) -> Failure {
    use std::io::ErrorKind;
    // rustls reports through I/O errors when it runs inside ureq's stream adapter.
    let tls = match error {
        ureq::Error::Rustls(e) => Some(e),
        ureq::Error::Io(e) => e
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<rustls::Error>()),
        _ => None,
    };
    match tls {
        // A certificate the client does not trust will not be trusted on the next try.
        Some(rustls::Error::InvalidCertificate(_) | rustls::Error::NoCertificatesPresented) => {
            return Failure::Final
        }
        // Any other TLS failure is in the handshake, before the request is written.
        Some(_) => return Failure::NotSent,
        None => {}
    }
    match error {
        ureq::Error::HostNotFound | ureq::Error::ConnectionFailed => Failure::NotSent,
        ureq::Error::Io(e)
            if matches!(
                e.kind(),
                ErrorKind::ConnectionRefused
                    | ErrorKind::AddrNotAvailable
                    | ErrorKind::NetworkUnreachable
                    | ErrorKind::HostUnreachable
            ) =>
        {
            Failure::NotSent
        }
        ureq::Error::Tls(_) => Failure::NotSent,
        ureq::Error::Timeout(_) => Failure::Timeout,
        ureq::Error::BodyExceedsLimit(_)
        | ureq::Error::BadUri(_)
        | ureq::Error::Http(_)
        | ureq::Error::InvalidProxyUrl => Failure::Final,
        _ => Failure::Broken,
    }
}

impl Response {
    fn into_error(self) -> Error {
        Error::Api(Box::new(ApiError::from_response(
            self.status,
            self.headers,
            self.body,
        )))
    }

    /// A redirect that was not followed, raised as its own answer with the reason.
    fn into_refused_redirect(self, why: &str) -> Error {
        let location = self
            .header("location")
            .map(|l| shorten(l, 200).into_owned());
        let mut error = ApiError::from_response(self.status, self.headers, self.body);
        error.message = match location {
            Some(location) => format!("redirect to {location} not followed: {why}"),
            None => format!("redirect not followed: {why}"),
        };
        Error::Api(Box::new(error))
    }
}

/// ureq's error, as ours. Its text never includes request headers, so the token stays out.
fn transport_error(method: Method, path: &str, error: ureq::Error) -> Error {
    let what = format!("{} {}", method.as_str(), shorten(path, 200));
    match error {
        ureq::Error::Timeout(kind) => Error::Timeout(format!("{what}: timed out ({kind})")),
        ureq::Error::BodyExceedsLimit(limit) => Error::Connection(format!(
            "{what}: the response body is larger than {limit} bytes"
        )),
        other => Error::Connection(format!("{what}: {other}")),
    }
}
