//! Client-side checks of arguments against the spec's constraints, run before anything is
//! sent. Each failure names the argument as the caller wrote it (`inputs[0].name`).

use std::sync::OnceLock;

use regex::Regex;

use crate::Error;

/// Implemented by generated request structs and models; `at` prefixes nested field names.
pub trait Validate {
    fn validate(&self, at: &str) -> Result<(), Error>;
}

/// A spec `pattern`, compiled on first use.
pub struct Pattern {
    source: &'static str,
    compiled: OnceLock<Option<Regex>>,
}

impl Pattern {
    pub const fn new(source: &'static str) -> Self {
        Pattern {
            source,
            compiled: OnceLock::new(),
        }
    }

    pub(crate) fn is_match(&self, value: &str) -> bool {
        // The generator refuses invalid patterns, so `None` is unreachable; treat it as a failed check.
        self.compiled
            .get_or_init(|| Regex::new(self.source).ok())
            .as_ref()
            .is_some_and(|re| re.is_match(value))
    }
}

/// String formats checked before sending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `YYYY-MM-DD`, a real calendar day.
    Date,
    /// RFC 3339, e.g. `2024-01-15T10:30:00Z`.
    DateTime,
    /// An absolute URI, e.g. `https://api.example.com/schedule`.
    Uri,
    Email,
}

impl Format {
    /// Whether `value` is written in this format.
    pub(crate) fn accepts(self, value: &str) -> bool {
        match self {
            Format::Date => is_date(value),
            Format::DateTime => is_date_time(value),
            Format::Uri => is_uri(value),
            Format::Email => is_email(value),
        }
    }
}

/// The individual checks; generated `Validate` impls call these.
pub mod check {
    use super::{Format, Pattern};
    use crate::secrets::quote;
    use crate::wire_enum::WireEnum;
    use crate::Error;

    fn fail(at: &str, name: &str, message: String) -> Result<(), Error> {
        Err(Error::Validation {
            field: format!("{at}{name}"),
            message,
        })
    }

    /// The prefix for the fields of a nested object.
    pub fn nested(at: &str, name: &str) -> String {
        format!("{at}{name}.")
    }

    /// Path parameters are always checked: an empty one would change which URL is called.
    pub fn path_param(name: &str, value: &str) -> Result<(), Error> {
        if value.is_empty() {
            return fail("", name, "must not be empty".into());
        }
        // `.` and `..` are dot segments: URL normalization would drop them (or the segment
        // before), so the request would reach another endpoint.
        if value == "." || value == ".." {
            return fail("", name, format!("must not be {value:?}"));
        }
        Ok(())
    }

    pub fn length(
        at: &str,
        name: &str,
        value: &str,
        min: Option<usize>,
        max: Option<usize>,
    ) -> Result<(), Error> {
        let length = value.chars().count();
        if let Some(min) = min.filter(|min| length < *min) {
            return fail(
                at,
                name,
                format!("must be at least {min} characters long (got {length})"),
            );
        }
        if let Some(max) = max.filter(|max| length > *max) {
            return fail(
                at,
                name,
                format!("must be at most {max} characters long (got {length})"),
            );
        }
        Ok(())
    }

    pub fn pattern(at: &str, name: &str, value: &str, pattern: &Pattern) -> Result<(), Error> {
        if pattern.is_match(value) {
            return Ok(());
        }
        fail(
            at,
            name,
            format!(
                "{} does not match the pattern {}",
                quote(value),
                pattern.source
            ),
        )
    }

    pub fn format(at: &str, name: &str, value: &str, format: Format) -> Result<(), Error> {
        if format.accepts(value) {
            return Ok(());
        }
        let expected = match format {
            Format::Date => "a date as YYYY-MM-DD",
            Format::DateTime => "an RFC 3339 date-time such as 2024-01-15T10:30:00Z",
            Format::Uri => "an absolute URL such as https://example.com/hook",
            Format::Email => "an email address",
        };
        fail(at, name, format!("{} is not {expected}", quote(value)))
    }

    /// `min`/`max` are `(bound, exclusive)`.
    pub fn range(
        at: &str,
        name: &str,
        value: f64,
        min: Option<(f64, bool)>,
        max: Option<(f64, bool)>,
    ) -> Result<(), Error> {
        if let Some((min, exclusive)) = min {
            if value < min || (exclusive && value == min) {
                let how = if exclusive {
                    "greater than"
                } else {
                    "at least"
                };
                return fail(at, name, format!("must be {how} {min} (got {value})"));
            }
        }
        if let Some((max, exclusive)) = max {
            if value > max || (exclusive && value == max) {
                let how = if exclusive { "less than" } else { "at most" };
                return fail(at, name, format!("must be {how} {max} (got {value})"));
            }
        }
        Ok(())
    }

    pub fn known<E: WireEnum>(at: &str, name: &str, value: &E) -> Result<(), Error> {
        if value.is_known() {
            return Ok(());
        }
        fail(
            at,
            name,
            format!(
                "{} is not one of: {}",
                quote(value.as_wire()),
                E::VALUES.join(", ")
            ),
        )
    }

    pub fn items(
        at: &str,
        name: &str,
        count: usize,
        min: Option<usize>,
        max: Option<usize>,
    ) -> Result<(), Error> {
        if let Some(min) = min.filter(|min| count < *min) {
            return fail(
                at,
                name,
                format!("must have at least {min} items (got {count})"),
            );
        }
        if let Some(max) = max.filter(|max| count > *max) {
            return fail(
                at,
                name,
                format!("must have at most {max} items (got {count})"),
            );
        }
        Ok(())
    }
}

fn digits(s: &str) -> Option<u32> {
    (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

fn is_date(value: &str) -> bool {
    let bytes = value.as_bytes();
    // ASCII first, so the byte slicing below always falls on character boundaries.
    if !value.is_ascii() || bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return false;
    }
    let (Some(year), Some(month), Some(day)) = (
        digits(&value[..4]),
        digits(&value[5..7]),
        digits(&value[8..]),
    ) else {
        return false;
    };
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&day)
}

fn is_date_time(value: &str) -> bool {
    let Some((date, time)) = value.split_once(['T', 't', ' ']) else {
        return false;
    };
    if !is_date(date) || !time.is_ascii() || time.len() < 8 {
        return false;
    }
    let (clock, mut zone) = time.split_at(8);
    let parts: Vec<Option<u32>> = clock.split(':').map(digits).collect();
    let [Some(h), Some(m), Some(s)] = parts[..] else {
        return false;
    };
    if h > 23 || m > 59 || s > 60 {
        return false;
    }
    if let Some(fraction) = zone.strip_prefix('.') {
        let end = fraction
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(fraction.len());
        if end == 0 {
            return false;
        }
        zone = &fraction[end..];
    }
    if zone.eq_ignore_ascii_case("z") {
        return true;
    }
    let Some(offset) = zone.strip_prefix(['+', '-']) else {
        return false;
    };
    matches!(offset.split_once(':'), Some((h, m)) if digits(h).is_some_and(|h| h <= 23 && offset.len() == 5) && digits(m).is_some_and(|m| m <= 59))
}

fn is_uri(value: &str) -> bool {
    let Some((scheme, rest)) = value.split_once(':') else {
        return false;
    };
    let scheme_ok = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
    let rest_ok = !rest.is_empty() && !value.chars().any(|c| c.is_whitespace() || c.is_control());
    let authority_ok = match rest.strip_prefix("//") {
        Some(after) => !after
            .split(['/', '?', '#'])
            .next()
            .unwrap_or_default()
            .is_empty(),
        None => true,
    };
    scheme_ok && rest_ok && authority_ok
}

fn is_email(value: &str) -> bool {
    matches!(value.split_once('@'), Some((local, domain))
        if !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.')
            && !domain.contains('@') && !value.chars().any(char::is_whitespace))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert!(is_date("2024-01-01") && is_date("2024-02-29") && !is_date("2023-02-29"));
        assert!(!is_date("2024-13-01") && !is_date("2024-1-01") && !is_date("yesterday"));
        assert!(
            is_date_time("2024-01-15T10:30:00Z") && is_date_time("2025-09-03T23:19:51.000000Z")
        );
        assert!(is_date_time("2024-01-15T10:30:00+02:00") && !is_date_time("2024-01-15T25:30:00Z"));
        assert!(!is_date_time("2024-01-15") && !is_date_time("2024-01-15T10:30:00"));
        assert!(
            !is_date("2024-é-01")
                && !is_date_time("2024-01-15T1é:30:00Z")
                && !is_date_time("2024-01-15Tééééé")
        );
        assert!(is_uri("https://api.example.com/schedule") && is_uri("mailto:a@b.c"));
        assert!(!is_uri("api.example.com") && !is_uri("https://") && !is_uri("https://a b"));
        assert!(is_email("a@b.co") && !is_email("a@b") && !is_email("@b.co"));
    }

    #[test]
    fn format_checks_never_panic_on_odd_text() {
        let odd = [
            "",
            "é",
            "2024-01-15T",
            "2024-01-15T10:30:0é",
            "ééééééééééééééééé",
            "0000-00-00T00:00:00+",
            "a:",
            "://",
            "@",
            "\u{0}",
        ];
        for value in odd
            .iter()
            .map(|s| s.to_string())
            .chain((0..64).map(|n| "é1:-T+".repeat(n % 7) + &"9".repeat(n)))
        {
            for format in [Format::Date, Format::DateTime, Format::Uri, Format::Email] {
                let _ = check::format("", "x", &value, format);
            }
        }
    }

    #[test]
    fn messages_name_the_field() {
        static E164: Pattern = Pattern::new(r"^\+[1-9]\d{1,14}$");
        let err = check::pattern("", "to", "1234567890", &E164).unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"invalid argument `to`: "1234567890" does not match the pattern ^\+[1-9]\d{1,14}$"#
        );
        assert!(check::pattern("", "to", "+1234567890", &E164).is_ok());
        let err = check::range(
            "inputs[0].",
            "delay_seconds",
            3601.0,
            Some((0.0, false)),
            Some((3600.0, false)),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid argument `inputs[0].delay_seconds`: must be at most 3600 (got 3601)"
        );
    }
}
