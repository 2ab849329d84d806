//! Turns wire names from the spec into Rust and Python identifiers: case conversion and
//! escaping of each language's reserved words.

use heck::{ToPascalCase, ToSnakeCase};

/// Rust keywords that can be written as raw identifiers (`r#type`).
const RUST_KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "dyn", "else", "enum", "false", "fn",
    "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref",
    "return", "static", "struct", "trait", "true", "type", "unsafe", "use", "where", "while",
    "abstract", "become", "box", "do", "final", "gen", "macro", "override", "priv", "try",
    "typeof", "unsized", "virtual", "yield",
];

/// Rust keywords that cannot be raw identifiers; they get a trailing underscore instead.
const RUST_UNRAWABLE: &[&str] = &["crate", "self", "super", "Self", "extern"];

/// Python keywords (hard ones only) plus `self`, which would shadow the method receiver.
const PYTHON_RESERVED: &[&str] = &[
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
    "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import",
    "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while",
    "with", "yield", "self",
];

/// `accountSlug` → `account_slug`, `X-Rate` → `x_rate`, `1st` → `_1st`.
pub fn snake(name: &str) -> String {
    let mut out = name.to_snake_case();
    if out.is_empty() {
        out.push('_');
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    out
}

/// `call_status` → `CallStatus`, `no-answer` → `NoAnswer`, `1x` → `V1x`.
pub fn pascal(name: &str) -> String {
    let mut out = name.to_pascal_case();
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'V');
    }
    out
}

/// A snake_case name made safe as a Rust identifier (`type` → `r#type`, `self` → `self_`).
pub fn rust_ident(snake_name: &str) -> String {
    if RUST_UNRAWABLE.contains(&snake_name) {
        format!("{snake_name}_")
    } else if RUST_KEYWORDS.contains(&snake_name) {
        format!("r#{snake_name}")
    } else {
        snake_name.to_string()
    }
}

/// A snake_case name made safe as a Python identifier (`from` → `from_`).
pub fn python_ident(snake_name: &str) -> String {
    if PYTHON_RESERVED.contains(&snake_name) {
        format!("{snake_name}_")
    } else {
        snake_name.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_and_escapes() {
        assert_eq!(snake("accountSlug"), "account_slug");
        assert_eq!(snake("createdAt"), "created_at");
        assert_eq!(pascal("no-answer"), "NoAnswer");
        assert_eq!(pascal("api_key"), "ApiKey");
        assert_eq!(pascal("1x"), "V1x");
        assert_eq!(rust_ident("type"), "r#type");
        assert_eq!(rust_ident("self"), "self_");
        assert_eq!(python_ident("from"), "from_");
        assert_eq!(python_ident("type"), "type");
    }
}
