//! The request line and header fields, parsed by `httparse` from the start of a
//! connection's buffer, plus the few checks it leaves to us: `505` for an HTTP version it
//! does not speak, the head's size limit, and control characters it lets through.

use httparse::{Header, Request, Status, EMPTY_HEADER};

use super::fail::Fail;

/// Request line plus headers may not exceed this (431 otherwise).
pub(super) const MAX_HEAD: usize = 64 * 1024;

/// Header fields parsed without an allocation; a request with more takes one.
const USUAL_FIELDS: usize = 32;

/// A request line and its header fields.
#[derive(Debug)]
pub(super) struct Head {
    pub method: String,
    pub target: String,
    /// Names as sent; values with surrounding blanks removed.
    pub headers: Vec<(String, String)>,
    pub http10: bool,
}

/// The head at the start of `buf` and the bytes it took (blank lines before it included),
/// or `None` while it has not all arrived.
pub(super) fn parse(buf: &[u8]) -> Result<Option<(Head, usize)>, Fail> {
    let window = buf.get(..MAX_HEAD).unwrap_or(buf);
    let mut fields = [EMPTY_HEADER; USUAL_FIELDS];
    let parsed = match parse_into(window, &mut fields) {
        Err(httparse::Error::TooManyHeaders) => {
            // Every field ends a line, so the lines so far bound the fields so far.
            let lines = window.iter().filter(|&&b| b == b'\n').count();
            parse_into(window, &mut vec![EMPTY_HEADER; lines + 1])
        }
        other => other,
    };
    match parsed {
        Ok(Status::Complete((head, len))) => Ok(Some((checked(head)?, len))),
        Ok(Status::Partial) if window.len() >= MAX_HEAD => Err(Fail::head_too_large()),
        Ok(Status::Partial) => Ok(None),
        Err(httparse::Error::Version) => unsupported_version(window),
        Err(_) => Err(Fail::bad_request()),
    }
}

fn parse_into<'b>(window: &'b [u8], fields: &mut [Header<'b>]) -> httparse::Result<(Head, usize)> {
    let mut request = Request::new(fields);
    let len = match request.parse(window)? {
        Status::Complete(len) => len,
        Status::Partial => return Ok(Status::Partial),
    };
    let headers = request
        .headers
        .iter()
        .map(|field| {
            let value = String::from_utf8_lossy(field.value);
            let value = value.trim_matches(|c| c == ' ' || c == '\t');
            (field.name.to_string(), value.to_string())
        })
        .collect();
    let head = Head {
        method: request.method.unwrap_or_default().to_string(),
        target: request.path.unwrap_or_default().to_string(),
        headers,
        http10: request.version == Some(0),
    };
    Ok(Status::Complete((head, len)))
}

/// What `httparse` lets through and a request may not carry: control characters beyond
/// ASCII (it passes every byte from 0x80) in the target or a field value.
fn checked(head: Head) -> Result<Head, Fail> {
    let control = |s: &str| s.chars().any(|c| c.is_control() && c != '\t');
    if control(&head.target) || head.headers.iter().any(|(_, value)| control(value)) {
        return Err(Fail::bad_request());
    }
    Ok(head)
}

/// `httparse` speaks HTTP/1.0 and 1.1 only. Another version written as `HTTP/x.y` is
/// answered `505`, anything else `400`; both once the request line is all in.
fn unsupported_version(window: &[u8]) -> Result<Option<(Head, usize)>, Fail> {
    let start = window
        .iter()
        .position(|&b| b != b'\r' && b != b'\n')
        .unwrap_or(window.len());
    let rest = window.get(start..).unwrap_or_default();
    let Some(end) = rest.iter().position(|&b| b == b'\n') else {
        return if window.len() >= MAX_HEAD {
            Err(Fail::head_too_large())
        } else {
            Ok(None)
        };
    };
    let line = rest.get(..end).unwrap_or_default();
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let version = line.splitn(3, |&b| b == b' ').nth(2).unwrap_or_default();
    if is_http_version(version) {
        Err(Fail::Status(
            505,
            "only HTTP/1.0 and HTTP/1.1 are supported\n",
        ))
    } else {
        Err(Fail::bad_request())
    }
}

/// `HTTP/` and one digit, a dot, one digit.
fn is_http_version(version: &[u8]) -> bool {
    match version.strip_prefix(b"HTTP/") {
        Some([major, b'.', minor]) => major.is_ascii_digit() && minor.is_ascii_digit(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(raw: &[u8]) -> Option<u16> {
        match parse(raw) {
            Err(Fail::Status(status, _)) => Some(status),
            _ => None,
        }
    }

    #[test]
    fn a_head_is_parsed_after_blank_lines() {
        let raw = b"\r\n\nPOST /a?b=%20 HTTP/1.0\r\nX-A:  one \t\r\nx-b:\r\n\r\nbody";
        let (head, len) = parse(raw).ok().flatten().expect("a complete head");
        assert_eq!(&raw[len..], b"body");
        assert_eq!(head.method, "POST");
        assert_eq!(head.target, "/a?b=%20");
        assert!(head.http10);
        assert_eq!(
            head.headers,
            [("X-A".into(), "one".into()), ("x-b".into(), String::new())]
        );
    }

    #[test]
    fn an_incomplete_head_waits() {
        assert!(matches!(parse(b"GET / HTTP/1.1\r\nHost: x\r\n"), Ok(None)));
        assert!(matches!(parse(b"GET / HTTP/2"), Ok(None)));
    }

    #[test]
    fn many_fields_are_fine() {
        let mut raw = b"GET / HTTP/1.1\r\n".to_vec();
        for i in 0..500 {
            raw.extend_from_slice(format!("X-{i}: {i}\r\n").as_bytes());
        }
        raw.extend_from_slice(b"\r\n");
        let (head, _) = parse(&raw).ok().flatten().expect("a complete head");
        assert_eq!(head.headers.len(), 500);
    }

    #[test]
    fn versions() {
        assert_eq!(status(b"GET / HTTP/2.0\r\n\r\n"), Some(505));
        assert_eq!(status(b"GET / HTTP/0.9\r\n\r\n"), Some(505));
        for bad in [
            &b"GET / http/1.1\r\n\r\n"[..],
            b"GET / HTTP/1\r\n\r\n",
            b"GET / HTTP/11.1\r\n\r\n",
            b"GET / x HTTP/2.0\r\n\r\n",
            b"GET / HTTP/1.1 \r\n\r\n",
        ] {
            assert_eq!(status(bad), Some(400), "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn refusals() {
        for bad in [
            &b"NONSENSE\r\n\r\n"[..],
            b"G\"T / HTTP/1.1\r\n\r\n",
            b" / HTTP/1.1\r\n\r\n",
            b"GET  / HTTP/1.1\r\n\r\n",
            b"GET / HTTP/1.1\r\nBad name: x\r\n\r\n",
            b"GET / HTTP/1.1\r\nFolded: x\r\n y\r\n\r\n",
            b"GET / HTTP/1.1\r\nX: a\x01b\r\n\r\n",
            "GET / HTTP/1.1\r\nX: a\u{85}b\r\n\r\n".as_bytes(),
            "GET /\u{9f} HTTP/1.1\r\n\r\n".as_bytes(),
        ] {
            assert_eq!(status(bad), Some(400), "{}", String::from_utf8_lossy(bad));
        }
        let mut big = b"GET / HTTP/1.1\r\nX-Big: ".to_vec();
        big.resize(MAX_HEAD, b'a');
        assert_eq!(status(&big), Some(431));
    }
}
