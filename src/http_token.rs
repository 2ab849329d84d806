//! RFC 9110 `token`, the characters methods and header names are made of: checked where a
//! client's default headers are configured and where the mock reads requests and faults.

/// Whether `s` is a non-empty RFC 9110 token (`tchar`s only).
pub(crate) fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::is_token;

    #[test]
    fn tokens() {
        assert!(is_token("X-Request-Id"));
        assert!(is_token("!#$%&'*+-.^_`|~09azAZ"));
        for bad in ["", "a b", "a:b", "a\"b", "é", "a\tb", "(x)"] {
            assert!(!is_token(bad), "{bad:?}");
        }
    }
}
