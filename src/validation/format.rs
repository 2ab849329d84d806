//! The string formats the spec names (`date`, `date-time`, `uri`, `email`) and how a value
//! written in each looks; the rules engine asks, the messages say what was expected.

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
                let _ = format.accepts(&value);
            }
        }
    }
}
