//! Redirects, followed only where that is safe: credentials (Authorization and every default
//! header) go to the base URL's origin only, an unsafe method is never turned into a GET, a
//! body never goes to another origin, and HTTPS never falls back to HTTP. Anything else is
//! handed back to the caller as the redirect answer itself.

use ureq::http::Uri;

use super::Method;

/// Most redirects followed for one request.
pub(crate) const MAX_REDIRECTS: usize = 10;

/// Scheme, host and port: what must match for credentials to be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Origin {
    scheme: String,
    host: String,
    port: u16,
}

impl Origin {
    pub(crate) fn of(url: &str) -> Option<Origin> {
        let uri: Uri = url.parse().ok()?;
        let scheme = uri.scheme_str()?.to_ascii_lowercase();
        let port = uri.port_u16().or(match scheme.as_str() {
            "https" => Some(443),
            "http" => Some(80),
            _ => None,
        })?;
        Some(Origin {
            host: uri.host()?.to_ascii_lowercase(),
            scheme,
            port,
        })
    }
}

/// What to do with a 3xx answer.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Redirect {
    /// Send `method` to `url`, with credentials only when `credentials` is true.
    Follow {
        url: String,
        method: Method,
        credentials: bool,
    },
    /// Not followed; the reason goes into the error.
    Refuse(String),
}

/// Whether `status` asks the client to go elsewhere.
pub(crate) fn is_redirect(status: u16) -> bool {
    matches!(status, 301 | 302 | 303 | 307 | 308)
}

pub(crate) fn decide(
    status: u16,
    location: Option<&str>,
    current_url: &str,
    base: &Origin,
    method: Method,
    has_body: bool,
) -> Redirect {
    let Some(location) = location.map(str::trim).filter(|l| !l.is_empty()) else {
        return Redirect::Refuse("the answer has no Location".into());
    };
    let Some(url) = resolve(current_url, location) else {
        return Redirect::Refuse("its Location is not an http(s) URL".into());
    };
    let (Some(from), Some(to)) = (Origin::of(current_url), Origin::of(&url)) else {
        return Redirect::Refuse("its Location is not an http(s) URL".into());
    };
    if from.scheme == "https" && to.scheme == "http" {
        return Redirect::Refuse("it would leave HTTPS for plain HTTP".into());
    }
    let keeps_method = matches!(status, 307 | 308);
    if method != Method::Get && !keeps_method {
        return Redirect::Refuse(format!(
            "a {status} would turn {} into GET",
            method.as_str()
        ));
    }
    let credentials = to == *base;
    if has_body && !credentials {
        return Redirect::Refuse("it would send the request body to another origin".into());
    }
    Redirect::Follow {
        url,
        method,
        credentials,
    }
}

/// `location` resolved against `current` (absolute, scheme-relative, absolute-path or
/// relative-path forms).
fn resolve(current: &str, location: &str) -> Option<String> {
    let url = if let Some(scheme) = scheme_of(location) {
        if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
            return None;
        }
        location.to_string()
    } else if location.starts_with('\\') {
        return None;
    } else {
        let (scheme, rest) = current.split_once("://")?;
        let authority_end = rest.find('/').unwrap_or(rest.len());
        let origin = &current[..scheme.len() + 3 + authority_end];
        if let Some(scheme_relative) = location.strip_prefix("//") {
            format!("{scheme}://{scheme_relative}")
        } else if location.starts_with('/') {
            format!("{origin}{location}")
        } else {
            let path = &rest[authority_end..];
            let path = path.split(['?', '#']).next().unwrap_or_default();
            let directory = path.rfind('/').map_or("/", |slash| &path[..=slash]);
            format!("{origin}{directory}{location}")
        }
    };
    // The fragment is the client's own business and never sent.
    let url = url.split('#').next().unwrap_or_default().to_string();
    url.parse::<Uri>().ok()?;
    Some(url)
}

/// The scheme of an absolute reference (`https:`, `javascript:`), per RFC 3986.
fn scheme_of(reference: &str) -> Option<&str> {
    let (scheme, _) = reference.split_once(':')?;
    let mut chars = scheme.chars();
    let starts_with_letter = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
    let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    (starts_with_letter && rest_ok).then_some(scheme)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Origin {
        Origin::of("https://api.example:443/prefix").unwrap()
    }

    fn follow(url: &str, method: Method, credentials: bool) -> Redirect {
        Redirect::Follow {
            url: url.into(),
            method,
            credentials,
        }
    }

    #[test]
    fn same_origin_get_keeps_credentials() {
        let here = "https://api.example/prefix/a/b?x=1";
        assert_eq!(
            decide(302, Some("/c"), here, &base(), Method::Get, false),
            follow("https://api.example/c", Method::Get, true)
        );
        assert_eq!(
            decide(301, Some("d"), here, &base(), Method::Get, false),
            follow("https://api.example/prefix/a/d", Method::Get, true)
        );
        assert_eq!(
            decide(
                307,
                Some("https://API.example:443/e"),
                here,
                &base(),
                Method::Get,
                false
            ),
            follow("https://API.example:443/e", Method::Get, true)
        );
    }

    #[test]
    fn another_origin_gets_no_credentials_and_no_body() {
        let here = "https://api.example/x";
        assert_eq!(
            decide(
                302,
                Some("https://cdn.example/f"),
                here,
                &base(),
                Method::Get,
                false
            ),
            follow("https://cdn.example/f", Method::Get, false)
        );
        assert_eq!(
            decide(
                302,
                Some("https://api.example:8443/f"),
                here,
                &base(),
                Method::Get,
                false
            ),
            follow("https://api.example:8443/f", Method::Get, false)
        );
        assert!(matches!(
            decide(
                307,
                Some("https://evil.example/"),
                here,
                &base(),
                Method::Post,
                true
            ),
            Redirect::Refuse(_)
        ));
    }

    #[test]
    fn unsafe_methods_never_become_get() {
        let here = "https://api.example/x";
        for status in [301, 302, 303] {
            for method in [Method::Post, Method::Put, Method::Patch, Method::Delete] {
                assert!(matches!(
                    decide(status, Some("/y"), here, &base(), method, true),
                    Redirect::Refuse(_)
                ));
            }
        }
        assert_eq!(
            decide(308, Some("/y"), here, &base(), Method::Post, true),
            follow("https://api.example/y", Method::Post, true)
        );
    }

    #[test]
    fn downgrades_and_odd_locations_are_refused() {
        let here = "https://api.example/x";
        for location in [
            None,
            Some(""),
            Some("http://api.example/y"),
            Some("ftp://x/y"),
            Some("javascript:alert(1)"),
        ] {
            assert!(
                matches!(
                    decide(302, location, here, &base(), Method::Get, false),
                    Redirect::Refuse(_)
                ),
                "{location:?}"
            );
        }
    }
}
