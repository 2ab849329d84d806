//! The mock's collect-all side of the rules engine: a request's inputs, as JSON, are walked
//! along the generated field tables; missing and mistyped values are found here, every other
//! broken rule by the engine the client uses too. Each violation carries the wire name of its
//! field, the rule and a message in the style of the documented ones ("The selected status
//! is invalid.").

use serde_json::{Map, Value};

use super::spec::{Checks, Field, Type};
use crate::rt::{Broken, Format};
use crate::validation::rules::listed;

/// The rule a value broke; `field.rule` selectors in `x-mock.invalid` use these names.
pub use crate::rt::Rule;

#[derive(Clone, Debug)]
pub struct Violation {
    /// Wire name, dotted for nested values (`inputs.0.name`).
    pub field: String,
    pub rule: Rule,
    pub message: String,
    /// The value as sent (`null` when missing).
    pub value: Value,
}

/// Collects every violation in an object of fields (a body, or parameters already in JSON).
pub fn fields(fields: &[Field], object: &Map<String, Value>, at: &str, out: &mut Vec<Violation>) {
    for field in fields {
        let name = format!("{at}{}", field.wire);
        match object.get(field.wire) {
            None if field.required => out.push(violation(
                &name,
                Rule::Required,
                format!("The {} field is required.", human(&name)),
                Value::Null,
            )),
            None => {}
            Some(Value::Null) if field.nullable => {}
            Some(value) => check(field.ty, &field.checks, value, &name, out),
        }
    }
}

/// Turns query or path strings into JSON by the field's type, so they validate like a body.
/// Repeated query keys make an array; a value that does not parse stays a string, and the
/// type check then reports it.
pub fn from_text(fields: &[Field], pairs: &[(String, String)]) -> Map<String, Value> {
    let mut object = Map::new();
    for field in fields {
        let values: Vec<&str> = pairs
            .iter()
            .filter(|(k, _)| k == field.wire)
            .map(|(_, v)| v.as_str())
            .collect();
        let value = match (field.ty, values.as_slice()) {
            (_, []) => continue,
            (Type::Array(item), _) => {
                Value::Array(values.iter().map(|v| scalar(*item, v)).collect())
            }
            (ty, [one]) => scalar(ty, one),
            (ty, [.., last]) => scalar(ty, last),
        };
        object.insert(field.wire.to_string(), value);
    }
    object
}

fn scalar(ty: Type, text: &str) -> Value {
    let parsed = match ty {
        // A whole number too big for 64 bits still reads as a number, so the check can say
        // so rather than call it "not an integer".
        Type::Integer => text.parse::<i64>().ok().map(Value::from).or_else(|| {
            let digits = text.strip_prefix('-').unwrap_or(text);
            (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
                .then(|| {
                    text.parse::<f64>()
                        .ok()
                        .and_then(serde_json::Number::from_f64)
                })
                .flatten()
                .map(Value::Number)
        }),
        Type::Number => text
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number),
        Type::Boolean => match text {
            "true" | "1" => Some(Value::Bool(true)),
            "false" | "0" => Some(Value::Bool(false)),
            _ => None,
        },
        _ => None,
    };
    parsed.unwrap_or_else(|| Value::String(text.to_string()))
}

fn check(ty: Type, checks: &Checks, value: &Value, name: &str, out: &mut Vec<Violation>) {
    let fail = |rule: Rule, message: String| violation(name, rule, message, value.clone());
    let field = human(name);
    let type_error =
        |expected: &str| fail(Rule::Type, format!("The {field} field must be {expected}."));
    match (ty, value) {
        (Type::Any, _) => {}
        (Type::String, Value::String(s)) => report(out, name, value, checks.string(s)),
        (Type::Enum(values), Value::String(s)) => {
            report(out, name, value, listed(values, s).into_iter())
        }
        (Type::Integer, Value::Number(n)) if whole(n) => match n.as_i64() {
            Some(_) => report(out, name, value, number(checks, n)),
            // Integers are 64-bit, in the SDK as in the API's own stack.
            None if n.is_u64() || n.as_f64().is_some_and(|f| !(-TWO_63..TWO_63).contains(&f)) => {
                out.push(fail(
                    Rule::Range,
                    format!(
                        "The {field} field must be between {} and {}.",
                        i64::MIN,
                        i64::MAX
                    ),
                ))
            }
            // 30.0 is a whole number: JSON Schema counts it as an integer.
            None => report(out, name, value, number(checks, n)),
        },
        (Type::Number, Value::Number(n)) => report(out, name, value, number(checks, n)),
        (Type::Boolean, Value::Bool(_)) => {}
        (Type::Object, Value::Object(_)) => {}
        (Type::Map(inner), Value::Object(map)) => {
            for (key, item) in map {
                check(*inner, &Checks::NONE, item, &format!("{name}.{key}"), out);
            }
        }
        (Type::Model(model), Value::Object(map)) => fields(model, map, &format!("{name}."), out),
        (Type::Array(inner), Value::Array(items)) => {
            report(out, name, value, checks.count(items.len()));
            for (index, item) in items.iter().enumerate() {
                check(*inner, checks.each(), item, &format!("{name}.{index}"), out);
            }
        }
        (Type::String | Type::Enum(_), _) => out.push(type_error("a string")),
        (Type::Integer, _) => out.push(type_error("an integer")),
        (Type::Number, _) => out.push(type_error("a number")),
        (Type::Boolean, _) => out.push(type_error("true or false")),
        (Type::Array(_), _) => out.push(type_error("an array")),
        (Type::Object | Type::Map(_) | Type::Model(_), _) => out.push(type_error("an object")),
    }
}

/// 2^63: the first whole number a 64-bit signed integer cannot hold.
const TWO_63: f64 = 9_223_372_036_854_775_808.0;

fn whole(n: &serde_json::Number) -> bool {
    n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0)
}

fn number(checks: &Checks, n: &serde_json::Number) -> impl Iterator<Item = Broken<'static>> {
    checks.number(n.as_f64().unwrap_or_default())
}

/// Every broken rule of one value, worded.
fn report<'a>(
    out: &mut Vec<Violation>,
    name: &str,
    value: &Value,
    broken: impl Iterator<Item = Broken<'a>>,
) {
    let field = human(name);
    out.extend(
        broken
            .map(|broken| violation(name, broken.rule(), message(&broken, &field), value.clone())),
    );
}

/// What the real API's validation says about a broken rule of the field called `field`.
fn message(broken: &Broken<'_>, field: &str) -> String {
    match *broken {
        Broken::Below {
            bound, exclusive, ..
        } => {
            let how = if exclusive {
                "greater than"
            } else {
                "at least"
            };
            format!("The {field} field must be {how} {bound}.")
        }
        Broken::Above {
            bound, exclusive, ..
        } => {
            let how = if exclusive { "less than" } else { "at most" };
            format!("The {field} field must be {how} {bound}.")
        }
        Broken::TooShort { bound, .. } => {
            format!("The {field} field must be at least {bound} characters.")
        }
        Broken::TooLong { bound, .. } => {
            format!("The {field} field must not be greater than {bound} characters.")
        }
        Broken::TooFew { bound, .. } => {
            format!("The {field} field must contain at least {bound} items.")
        }
        Broken::TooMany { bound, .. } => {
            format!("The {field} field must not have more than {bound} items.")
        }
        Broken::Mismatch { .. } => format!("The {field} field format is invalid."),
        Broken::NotFormat { format, .. } => {
            let what = match format {
                Format::Date => "a valid date",
                Format::DateTime => "a valid date-time",
                Format::Uri => "a valid URL",
                Format::Email => "a valid email address",
            };
            format!("The {field} must be {what}.")
        }
        Broken::NotListed { .. } => format!("The selected {field} is invalid."),
        Broken::Empty => format!("The {field} field must not be empty."),
        Broken::DotSegment { .. } => format!("The {field} field must not be a dot segment."),
    }
}

fn violation(field: &str, rule: Rule, message: String, value: Value) -> Violation {
    Violation {
        field: field.to_string(),
        rule,
        message,
        value,
    }
}

/// `date_from` reads as "date from" in messages, as in the documented ones.
fn human(name: &str) -> String {
    name.replace('_', " ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rt::Pattern;
    use serde_json::json;

    static E164: Pattern = Pattern::new(r"^\+[1-9]\d{1,14}$");
    static FIELDS: [Field; 3] = [
        Field {
            wire: "to",
            ty: Type::String,
            required: true,
            nullable: false,
            checks: Checks {
                pattern: Some(&E164),
                ..Checks::NONE
            },
        },
        Field {
            wire: "per_page",
            ty: Type::Integer,
            required: false,
            nullable: false,
            checks: Checks {
                minimum: Some((1.0, false)),
                maximum: Some((100.0, false)),
                ..Checks::NONE
            },
        },
        Field {
            wire: "date_from",
            ty: Type::String,
            required: false,
            nullable: false,
            checks: Checks {
                format: Some(Format::Date),
                ..Checks::NONE
            },
        },
    ];

    fn violations(body: Value) -> Vec<(String, Rule, String)> {
        let mut out = Vec::new();
        fields(&FIELDS, body.as_object().unwrap(), "", &mut out);
        out.into_iter()
            .map(|v| (v.field, v.rule, v.message))
            .collect()
    }

    #[test]
    fn reports_each_rule_with_the_documented_wording() {
        assert_eq!(
            violations(json!({})),
            [(
                "to".into(),
                Rule::Required,
                "The to field is required.".into()
            )]
        );
        assert_eq!(
            violations(json!({"to": "1234567890", "per_page": 500, "date_from": "2024-13-01"})),
            [
                (
                    "to".into(),
                    Rule::Pattern,
                    "The to field format is invalid.".into()
                ),
                (
                    "per_page".into(),
                    Rule::Range,
                    "The per page field must be at most 100.".into()
                ),
                (
                    "date_from".into(),
                    Rule::Format,
                    "The date from must be a valid date.".into()
                ),
            ]
        );
        assert_eq!(
            violations(json!({"to": 5})),
            [(
                "to".into(),
                Rule::Type,
                "The to field must be a string.".into()
            )]
        );
    }

    #[test]
    fn integers_are_64_bit_and_may_be_written_as_whole_floats() {
        let check_page = |value: Value| {
            let mut out = Vec::new();
            fields(
                &FIELDS[1..2],
                json!({ "per_page": value }).as_object().unwrap(),
                "",
                &mut out,
            );
            out.into_iter()
                .map(|v| (v.rule, v.message))
                .collect::<Vec<_>>()
        };
        assert!(check_page(json!(30.0)).is_empty());
        assert_eq!(check_page(json!(30.5))[0].0, Rule::Type);
        for too_big in [
            json!(9_223_372_036_854_775_808u64),
            json!(1e19),
            json!(-1e19),
        ] {
            assert_eq!(
                check_page(too_big),
                [(
                    Rule::Range,
                    "The per page field must be between -9223372036854775808 and 9223372036854775807.".to_string()
                )]
            );
        }
        let pairs = [("per_page".to_string(), "18446744073709551616".to_string())];
        assert_eq!(
            from_text(&FIELDS, &pairs)["per_page"],
            json!(1.8446744073709552e19)
        );
    }

    #[test]
    fn query_text_is_typed_before_checking() {
        let pairs = vec![
            ("to".to_string(), "+1".to_string()),
            ("per_page".to_string(), "ten".to_string()),
        ];
        let object = from_text(&FIELDS, &pairs);
        assert_eq!(object["per_page"], json!("ten"));
        let mut out = Vec::new();
        fields(&FIELDS, &object, "", &mut out);
        assert_eq!(out.len(), 2, "{out:?}");
        assert_eq!(out[1].rule, Rule::Type);
    }
}
