//! Client configuration: what each API declares about itself ([`ApiInfo`]), and the builder
//! that fills the user's settings in from arguments, the environment and defaults.

use std::marker::PhantomData;
use std::path::PathBuf;
use std::time::Duration;

use ureq::http::header::{HeaderName, HeaderValue};

use crate::transport::{Settings, Transport};
use crate::Error;

/// Per-API facts the runtime needs, generated from the spec's `info.x-sdk-client` and servers.
#[derive(Debug, Clone, Copy)]
pub struct ApiInfo {
    /// The client's public name, e.g. `Talkover`.
    pub name: &'static str,
    /// Environment variable holding the token.
    pub token_env: &'static str,
    /// Environment variable holding the base URL.
    pub base_url_env: &'static str,
    /// The spec's server, unless it is templated (then there is no default host).
    pub default_base_url: Option<&'static str>,
}

/// A generated client, built from a configured transport.
pub trait FromTransport {
    fn from_transport(transport: Transport) -> Self;
}

/// Default for one attempt of a request: connect, send and receive.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// Default number of retries after the first attempt, where a retry is safe.
pub const DEFAULT_MAX_RETRIES: u32 = 2;

/// Builds a client. Unset values come from the environment, then from the spec.
#[must_use]
pub struct ClientBuilder<C> {
    api: &'static ApiInfo,
    token: Option<String>,
    base_url: Option<String>,
    timeout: Duration,
    validate: bool,
    headers: Vec<(String, String)>,
    user_agent: String,
    ca_bundle: Option<PathBuf>,
    max_retries: u32,
    client: PhantomData<fn() -> C>,
}

impl<C> std::fmt::Debug for ClientBuilder<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("api", &self.api.name)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("base_url", &self.base_url)
            .field("timeout", &self.timeout)
            .field("validate", &self.validate)
            .field("max_retries", &self.max_retries)
            .field("ca_bundle", &self.ca_bundle)
            .finish_non_exhaustive()
    }
}

impl<C: FromTransport> ClientBuilder<C> {
    pub fn new(api: &'static ApiInfo) -> Self {
        ClientBuilder {
            api,
            token: None,
            base_url: None,
            timeout: DEFAULT_TIMEOUT,
            validate: true,
            headers: Vec::new(),
            user_agent: format!("talkover-rust/{}", env!("CARGO_PKG_VERSION")),
            ca_bundle: None,
            max_retries: DEFAULT_MAX_RETRIES,
            client: PhantomData,
        }
    }

    /// The bearer token; defaults to the API's token environment variable.
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// Where requests go, e.g. `http://127.0.0.1:4010` or a proxy with a path prefix.
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = Some(base_url.into());
        self
    }

    /// Time allowed for one attempt of a request (connect, send and receive).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Whether to check arguments against the spec before sending (default true).
    pub fn validate(mut self, validate: bool) -> Self {
        self.validate = validate;
        self
    }

    /// A header sent with every request to the base URL's origin (never to another origin a
    /// redirect leads to). Framing headers (Host, Content-Length, ...) are refused by `build`.
    pub fn default_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Replaces the User-Agent product token (the Python binding names itself here).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// A PEM file of certificate authorities to trust besides the machine's (a private CA,
    /// or a TLS-inspecting proxy). `SSL_CERT_FILE`/`SSL_CERT_DIR` are honoured without it.
    pub fn ca_bundle(mut self, path: impl Into<PathBuf>) -> Self {
        self.ca_bundle = Some(path.into());
        self
    }

    /// How many times a failed request may be retried, where retrying is safe (default 2;
    /// 0 turns retries off). See the README's "Retries and timeouts".
    pub fn max_retries(mut self, max_retries: u32) -> Self {
        self.max_retries = max_retries;
        self
    }

    pub fn build(self) -> Result<C, Error> {
        let api = self.api;
        let token = match self.token {
            Some(token) => token,
            None => env_var(api.token_env).ok_or_else(|| {
                Error::Configuration(format!(
                    "no token: pass one or set the {} environment variable",
                    api.token_env
                ))
            })?,
        };
        check_token(&token)?;
        let base_url = self
            .base_url
            .or_else(|| env_var(api.base_url_env))
            .or_else(|| api.default_base_url.map(str::to_string))
            .ok_or_else(|| {
                Error::Configuration(format!(
                    "no base URL: {} has no default host, so pass base_url or set {}",
                    api.name, api.base_url_env
                ))
            })?;
        let base_url = check_base_url(&base_url)?;
        if self.timeout.is_zero() {
            return Err(Error::Configuration(
                "timeout must be greater than zero".into(),
            ));
        }
        let mut default_headers = Vec::with_capacity(self.headers.len());
        for (name, value) in &self.headers {
            default_headers.push(check_header(name, value)?);
        }
        check_header("User-Agent", &self.user_agent)?;
        let ca_bundle = match &self.ca_bundle {
            Some(path) => Some(crate::transport::tls::read_ca_bundle(path)?),
            None => None,
        };
        let transport = Transport::new(Settings {
            base_url,
            token,
            timeout: self.timeout,
            validate: self.validate,
            default_headers,
            user_agent: self.user_agent,
            ca_bundle,
            max_retries: self.max_retries,
        })?;
        Ok(C::from_transport(transport))
    }
}

fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// A token is sent in a header: refuse what would break or inject into it (without echoing it).
fn check_token(token: &str) -> Result<(), Error> {
    if token.is_empty() {
        return Err(Error::Configuration("the token is empty".into()));
    }
    if token
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || !c.is_ascii())
    {
        return Err(Error::Configuration(
            "the token contains whitespace, control or non-ASCII characters".into(),
        ));
    }
    Ok(())
}

/// `http(s)://host[:port][/prefix]`, returned without a trailing slash. Anything that does
/// not parse fully is refused here, not at the first request: a port that does not parse
/// must not quietly become port 80 with the token sent there.
fn check_base_url(url: &str) -> Result<String, Error> {
    let trimmed = url.trim().trim_end_matches('/');
    let (scheme, rest) = trimmed.split_once("://").unwrap_or(("", trimmed));
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    // Credentials in the URL are refused without repeating them.
    if let Some((_, host)) = authority.rsplit_once('@') {
        return Err(Error::Configuration(format!(
            "base_url {:?} must not carry a user name or password (user:pass@); the token is \
             sent as a bearer header, and a proxy's credentials go in default_headers",
            format!("{scheme}://{host}{path}")
        )));
    }
    let bad = |why: &str| {
        Err(Error::Configuration(format!(
            "base_url {} {why}",
            crate::secrets::quote(url)
        )))
    };
    if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
        return bad("must start with http:// or https://");
    }
    if rest.contains(['?', '#']) || rest.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return bad("must not contain a query, a fragment or whitespace");
    }
    if let Err(why) = check_authority(authority) {
        return bad(&why);
    }
    let path_ok = path
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/%".contains(&b));
    if !path_ok {
        return bad("has characters in its path that must be percent-encoded");
    }
    if trimmed.parse::<ureq::http::Uri>().is_err() {
        return bad("is not a valid URL");
    }
    Ok(trimmed.to_string())
}

/// `host[:port]`: a DNS name, an IPv4 address or a bracketed IPv6 address, and a port from 1
/// to 65535.
fn check_authority(authority: &str) -> Result<(), String> {
    let (host, port) = if let Some(bracketed) = authority.strip_prefix('[') {
        let (ip, after) = bracketed
            .split_once(']')
            .ok_or("has an IPv6 address without its closing ]")?;
        ip.parse::<std::net::Ipv6Addr>()
            .map_err(|_| format!("has an invalid IPv6 address [{ip}]"))?;
        match after {
            "" => (None, None),
            after => (
                None,
                Some(
                    after
                        .strip_prefix(':')
                        .ok_or("has characters after its IPv6 address")?,
                ),
            ),
        }
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => (Some(host), Some(port)),
            None => (Some(authority), None),
        }
    };
    if let Some(host) = host {
        if host.is_empty() {
            return Err("has no host".into());
        }
        let label_ok = |label: &str| {
            !label.is_empty()
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        };
        let name = host.strip_suffix('.').unwrap_or(host);
        if !name.split('.').all(label_ok) {
            return Err(format!(
                "has an invalid host {} (a DNS name, an IPv4 address or [an IPv6 address]; \
                 international names in their xn-- form)",
                crate::secrets::quote(host)
            ));
        }
    }
    if let Some(port) = port {
        let valid = (1..=5).contains(&port.len())
            && port.bytes().all(|b| b.is_ascii_digit())
            && port.parse::<u32>().is_ok_and(|p| (1..=65535).contains(&p));
        if !valid {
            return Err(format!(
                "has an invalid port {} (a number from 1 to 65535)",
                crate::secrets::quote(port)
            ));
        }
    }
    Ok(())
}

/// Headers that frame the message: set by the HTTP layer from the request itself. A default
/// header overriding one would drop a body, hang a request or smuggle another one.
const FRAMING_HEADERS: [&str; 7] = [
    "host",
    "content-length",
    "transfer-encoding",
    "connection",
    "te",
    "trailer",
    "upgrade",
];

/// A default header, checked to be a valid HTTP field (and never echoed: values may be
/// secret).
pub(crate) fn check_header(name: &str, value: &str) -> Result<(HeaderName, HeaderValue), Error> {
    if !crate::http_token::is_token(name) {
        return Err(Error::Configuration(format!(
            "{} is not a valid header name",
            crate::secrets::quote(name)
        )));
    }
    if FRAMING_HEADERS
        .iter()
        .any(|framing| name.eq_ignore_ascii_case(framing))
    {
        return Err(Error::Configuration(format!(
            "header {name} frames the request and is set by the HTTP layer; it cannot be a \
             default header"
        )));
    }
    if let Some(bad) = value
        .bytes()
        .find(|&b| (b < 0x20 && b != b'\t') || b == 0x7f)
    {
        let what = match bad {
            b'\r' | b'\n' => "a line break".to_string(),
            0 => "a NUL byte (\\x00)".to_string(),
            other => format!("the control character \\x{other:02x}"),
        };
        return Err(Error::Configuration(format!(
            "the value of header {name} contains {what}"
        )));
    }
    let header_name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
        Error::Configuration(format!(
            "{} is not a valid header name",
            crate::secrets::quote(name)
        ))
    })?;
    let header_value = HeaderValue::from_str(value).map_err(|_| {
        Error::Configuration(format!(
            "the value of header {name} is not a valid header value"
        ))
    })?;
    Ok((header_name, header_value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_keep_their_prefix_and_lose_the_trailing_slash() {
        assert_eq!(
            check_base_url("http://127.0.0.1:4010/").unwrap(),
            "http://127.0.0.1:4010"
        );
        assert_eq!(
            check_base_url("https://proxy.example/talkover/").unwrap(),
            "https://proxy.example/talkover"
        );
        assert!(check_base_url("ftp://x").is_err());
        assert!(check_base_url("127.0.0.1:4010").is_err());
        assert!(check_base_url("http://").is_err());
        assert!(check_base_url("http://x/?a=1").is_err());
    }

    #[test]
    fn tokens_that_would_break_the_header_are_refused_without_echo() {
        let err = check_token("talq_secret\r\nX-Evil: 1")
            .unwrap_err()
            .to_string();
        assert!(!err.contains("talq_secret"), "{err}");
        assert!(check_token("").is_err());
        assert!(check_token("talq_abc.def-123").is_ok());
    }
}
