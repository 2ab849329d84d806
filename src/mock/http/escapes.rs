//! Percent-decoding of request targets: strict for path segments (a bad escape is a bad
//! request), lenient for the query (shown to the caller as typed).

use percent_encoding::percent_decode_str;

/// Percent-decodes one path segment or query component (`+` stays `+`); a bad escape or
/// invalid UTF-8 gives `None`.
pub fn percent_decode(s: &str) -> Option<String> {
    // The crate keeps a malformed escape literally; a path segment must not have one.
    let escapes_ok = s.split('%').skip(1).all(|after| {
        after
            .as_bytes()
            .get(..2)
            .is_some_and(|hex| hex.iter().all(u8::is_ascii_hexdigit))
    });
    if !escapes_ok {
        return None;
    }
    percent_decode_str(s)
        .decode_utf8()
        .ok()
        .map(|decoded| decoded.into_owned())
}

/// Query decoding: `+` is a space; bad escapes and bad UTF-8 are kept as well as possible,
/// since a mock should show the caller what it sent rather than refuse it.
pub(super) fn decode_query_component(s: &str) -> String {
    percent_decode_str(&s.replace('+', " "))
        .decode_utf8_lossy()
        .into_owned()
}
