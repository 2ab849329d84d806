//! Client configuration: what each API declares about itself ([`ApiInfo`]), and the builder
//! that fills the user's settings in from arguments, the environment and defaults.

use std::marker::PhantomData;
use std::time::Duration;

use crate::transport::Transport;
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

    /// A header sent with every request.
    pub fn default_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Replaces the User-Agent product token (the Python binding names itself here).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
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
        for (name, value) in &self.headers {
            check_header(name, value)?;
        }
        check_header("User-Agent", &self.user_agent)?;
        Ok(C::from_transport(Transport::new(
            base_url,
            &token,
            self.timeout,
            self.validate,
            self.headers,
            self.user_agent,
        )))
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

/// `http(s)://host[:port][/prefix]`, returned without a trailing slash.
fn check_base_url(url: &str) -> Result<String, Error> {
    let bad = |why: &str| Err(Error::Configuration(format!("base_url {url:?} {why}")));
    let trimmed = url.trim().trim_end_matches('/');
    let Some((scheme, rest)) = trimmed.split_once("://") else {
        return bad("must start with http:// or https://");
    };
    if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
        return bad("must start with http:// or https://");
    }
    let host = rest.split('/').next().unwrap_or_default();
    if host.is_empty() {
        return bad("has no host");
    }
    if rest.contains(['?', '#']) || rest.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return bad("must not contain a query, a fragment or whitespace");
    }
    Ok(trimmed.to_string())
}

fn check_header(name: &str, value: &str) -> Result<(), Error> {
    let token_char = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
    if name.is_empty() || !name.chars().all(token_char) {
        return Err(Error::Configuration(format!(
            "{name:?} is not a valid header name"
        )));
    }
    if value.chars().any(|c| c == '\r' || c == '\n' || c == '\0') {
        return Err(Error::Configuration(format!(
            "the value of header {name} contains a line break"
        )));
    }
    Ok(())
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
