//! Replies and how they are written: a normal response, or one of the faults (close without
//! answering, truncate the body, answer late) the mock injects on purpose.

use std::io::{self, Write};
use std::net::TcpStream;
use std::time::Duration;

use ureq::http::StatusCode;

use super::framing::has_connection_token;

/// What to do with a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// A normal response.
    Respond {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// Close the connection without writing anything.
    Drop,
    /// Send the status line and headers with the full Content-Length, then only the first
    /// `sent` bytes of `body`, then close.
    Truncate {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
        sent: usize,
    },
    /// The inner reply, after a wait that `stop` cuts short (then the connection just closes).
    After(Duration, Box<Reply>),
}

/// A `text/plain` answer, for the requests the server itself refuses.
pub(super) fn plain_reply(status: u16, message: &str) -> Reply {
    Reply::Respond {
        status,
        headers: vec![(
            "Content-Type".to_string(),
            "text/plain; charset=utf-8".to_string(),
        )],
        body: message.as_bytes().to_vec(),
    }
}

/// What the response says about the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Persist {
    /// Keep it open; HTTP/1.0 clients need to be told so explicitly.
    KeepAlive {
        announce: bool,
    },
    Close,
}

impl Persist {
    pub(super) fn keep_alive(http10: bool) -> Persist {
        Persist::KeepAlive { announce: http10 }
    }
}

/// Writes a `Respond` or `Truncate` reply (`Drop` writes nothing). Returns whether the
/// connection may stay open, which the handler can veto with its own `Connection: close`.
pub(super) fn write_reply(
    stream: &mut TcpStream,
    reply: Reply,
    head_only: bool,
    persist: Persist,
) -> io::Result<bool> {
    let (status, headers, body, sent) = match reply {
        Reply::Respond {
            status,
            headers,
            body,
        } => {
            let len = body.len();
            (status, headers, body, len)
        }
        Reply::Truncate {
            status,
            headers,
            body,
            sent,
        } => (status, headers, body, sent),
        Reply::Drop | Reply::After(..) => return Ok(false),
    };
    let persist = if has_connection_token(&headers, "close") {
        Persist::Close
    } else {
        persist
    };
    let mut out = response_head(status, headers, body.len(), persist);
    if !head_only && !is_bodiless(status) {
        out.extend_from_slice(body.get(..sent).unwrap_or(&body));
    }
    stream.write_all(&out)?;
    stream.flush()?;
    Ok(persist != Persist::Close)
}

/// 1xx, 204 and 304 responses never have a body (RFC 9110 §6.4.1).
fn is_bodiless(status: u16) -> bool {
    (100..200).contains(&status) || status == 204 || status == 304
}

/// The status line and header fields, with the Content-Length and Connection fields the
/// server decides.
pub(super) fn response_head(
    status: u16,
    headers: Vec<(String, String)>,
    body_len: usize,
    persist: Persist,
) -> Vec<u8> {
    let mut head = format!("HTTP/1.1 {status} {}\r\n", reason_phrase(status));
    let mut has_length = false;
    for (name, value) in headers {
        // The connection header is ours to decide; a handler's `close` was honoured above.
        if name.eq_ignore_ascii_case("connection") {
            continue;
        }
        if name.eq_ignore_ascii_case("content-length") {
            // A 204 must not carry one; 304 may (it describes the would-be body).
            if (100..200).contains(&status) || status == 204 {
                continue;
            }
            has_length = true;
        }
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if !has_length && !is_bodiless(status) {
        head.push_str(&format!("Content-Length: {body_len}\r\n"));
    }
    match persist {
        Persist::Close => head.push_str("Connection: close\r\n"),
        Persist::KeepAlive { announce: true } => head.push_str("Connection: keep-alive\r\n"),
        Persist::KeepAlive { announce: false } => {}
    }
    head.push_str("\r\n");
    head.into_bytes()
}

/// The status's registered reason phrase; for a code without one, its class, since clients
/// ignore the phrase but an empty one confuses some loggers. The `http` crate still names
/// 413 and 422 as RFC 7231 did; the mock speaks RFC 9110, as current Laravel does.
pub(crate) fn reason_phrase(status: u16) -> &'static str {
    let registered = match status {
        413 => Some("Content Too Large"),
        422 => Some("Unprocessable Content"),
        _ => StatusCode::from_u16(status)
            .ok()
            .and_then(|code| code.canonical_reason()),
    };
    registered.unwrap_or(match status / 100 {
        1 => "Informational",
        2 => "Success",
        3 => "Redirection",
        4 => "Client Error",
        _ => "Server Error",
    })
}

#[cfg(test)]
mod tests {
    use super::reason_phrase;

    #[test]
    fn reason_phrases() {
        assert_eq!(reason_phrase(200), "OK");
        assert_eq!(reason_phrase(431), "Request Header Fields Too Large");
        assert_eq!(reason_phrase(413), "Content Too Large");
        assert_eq!(reason_phrase(422), "Unprocessable Content");
        assert_eq!(reason_phrase(505), "HTTP Version Not Supported");
        assert_eq!(reason_phrase(299), "Success");
        assert_eq!(reason_phrase(499), "Client Error");
        assert_eq!(reason_phrase(599), "Server Error");
    }
}
