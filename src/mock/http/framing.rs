//! What a request's header fields say about its body (Content-Length, chunked, `Expect`)
//! and about the connection (`Connection`, the HTTP version), and the size of each chunk.

use httparse::Status;

use super::fail::Fail;
use super::request::header_value;

/// Request bodies may not exceed this (413 otherwise).
pub(super) const MAX_BODY: usize = 16 * 1024 * 1024;
/// Chunk-size lines are tiny; anything longer is garbage.
const MAX_CHUNK_LINE: usize = 4 * 1024;

/// How the body is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum BodyFraming {
    Length(usize),
    Chunked,
}

pub(super) fn body_framing(headers: &[(String, String)]) -> Result<BodyFraming, Fail> {
    if let Some(codings) = header_value(headers, "transfer-encoding") {
        // Transfer-Encoding overrides Content-Length (RFC 9112 §6.3); only chunked is spoken.
        let last = codings.rsplit(',').next().unwrap_or("").trim();
        return if last.eq_ignore_ascii_case("chunked") {
            Ok(BodyFraming::Chunked)
        } else {
            Err(Fail::Status(501, "unsupported transfer-encoding\n"))
        };
    }
    let mut length = None;
    for (name, value) in headers {
        if !name.eq_ignore_ascii_case("content-length") {
            continue;
        }
        // Repeated (or comma-joined) values are fine only if they all agree.
        for part in value.split(',') {
            let part = part.trim();
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                return Err(Fail::bad_request());
            }
            let parsed = part.parse::<usize>().map_err(|_| Fail::body_too_large())?;
            if length.is_some_and(|seen| seen != parsed) {
                return Err(Fail::bad_request());
            }
            length = Some(parsed);
        }
    }
    match length {
        Some(len) if len > MAX_BODY => Err(Fail::body_too_large()),
        Some(len) => Ok(BodyFraming::Length(len)),
        None => Ok(BodyFraming::Length(0)),
    }
}

/// The chunk-size line at the start of `buf`: the bytes it takes and the size it gives, or
/// `None` while it has not all arrived.
pub(super) fn chunk_size(buf: &[u8]) -> Result<Option<(usize, usize)>, Fail> {
    // httparse reads an empty size as 0, the last chunk; it must be at least one digit.
    if buf.first().is_some_and(|b| !b.is_ascii_hexdigit()) {
        return Err(Fail::bad_chunked());
    }
    match httparse::parse_chunk_size(buf) {
        Ok(Status::Complete((len, _))) if len > MAX_CHUNK_LINE => Err(Fail::bad_chunked()),
        Ok(Status::Complete((len, size))) => {
            let size = usize::try_from(size).map_err(|_| Fail::body_too_large())?;
            Ok(Some((len, size)))
        }
        Ok(Status::Partial) if buf.len() >= MAX_CHUNK_LINE => Err(Fail::bad_chunked()),
        Ok(Status::Partial) => Ok(None),
        Err(httparse::InvalidChunkSize) => Err(Fail::bad_chunked()),
    }
}

/// Whether to send `100 Continue` before reading the body.
pub(super) fn expects_continue(
    headers: &[(String, String)],
    http10: bool,
    framing: BodyFraming,
) -> bool {
    let has_body = framing != BodyFraming::Length(0);
    let asked =
        header_value(headers, "expect").is_some_and(|v| v.eq_ignore_ascii_case("100-continue"));
    !http10 && has_body && asked
}

/// Whether the client wants the connection kept open after this request.
pub(super) fn wants_keep_alive(headers: &[(String, String)], http10: bool) -> bool {
    if has_connection_token(headers, "close") {
        false
    } else {
        !http10 || has_connection_token(headers, "keep-alive")
    }
}

pub(super) fn has_connection_token(headers: &[(String, String)], token: &str) -> bool {
    headers
        .iter()
        .filter(|(name, _)| name.eq_ignore_ascii_case("connection"))
        .flat_map(|(_, value)| value.split(','))
        .any(|t| t.trim().eq_ignore_ascii_case(token))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn content_length() {
        let framing = |pairs: &[(&str, &str)]| body_framing(&headers(pairs));
        assert_eq!(framing(&[]), Ok(BodyFraming::Length(0)));
        assert_eq!(
            framing(&[("Content-Length", "5"), ("content-length", "5, 5")]),
            Ok(BodyFraming::Length(5))
        );
        assert_eq!(
            framing(&[("Content-Length", "5"), ("Content-Length", "6")]),
            Err(Fail::bad_request())
        );
        assert_eq!(
            framing(&[("Content-Length", "-1")]),
            Err(Fail::bad_request())
        );
        assert_eq!(
            framing(&[("Content-Length", "99999999999999999999999")]),
            Err(Fail::body_too_large())
        );
        assert_eq!(
            framing(&[
                ("Transfer-Encoding", "gzip, chunked"),
                ("Content-Length", "x")
            ]),
            Ok(BodyFraming::Chunked)
        );
        assert_eq!(
            framing(&[("Transfer-Encoding", "gzip")]),
            Err(Fail::Status(501, "unsupported transfer-encoding\n"))
        );
    }

    #[test]
    fn chunk_sizes() {
        assert_eq!(chunk_size(b"1a\r\n"), Ok(Some((4, 26))));
        assert_eq!(chunk_size(b"5;ext=1\r\nhello"), Ok(Some((9, 5))));
        assert_eq!(chunk_size(b"0\r\n\r\n"), Ok(Some((3, 0))));
        assert_eq!(chunk_size(b"5"), Ok(None));
        assert_eq!(chunk_size(b""), Ok(None));
        for bad in [
            &b"\r\n"[..],
            b"zz\r\n",
            b";x\r\n",
            b"5\rx",
            b"11111111111111111\r\n",
        ] {
            assert_eq!(chunk_size(bad), Err(Fail::bad_chunked()), "{bad:?}");
        }
        let mut long = b"5;".to_vec();
        long.resize(MAX_CHUNK_LINE, b'x');
        assert_eq!(chunk_size(&long), Err(Fail::bad_chunked()));
    }

    #[test]
    fn connection_and_expect() {
        let close = headers(&[("Connection", "keep-alive, Close")]);
        assert!(!wants_keep_alive(&close, false));
        assert!(wants_keep_alive(&[], false));
        assert!(!wants_keep_alive(&[], true));
        assert!(wants_keep_alive(
            &headers(&[("connection", "Keep-Alive")]),
            true
        ));
        let expect = headers(&[("Expect", "100-Continue")]);
        assert!(expects_continue(&expect, false, BodyFraming::Chunked));
        assert!(!expects_continue(&expect, false, BodyFraming::Length(0)));
        assert!(!expects_continue(&expect, true, BodyFraming::Length(3)));
    }
}
