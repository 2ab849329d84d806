//! The client's fail-fast side of the rules engine: a typed argument is handed, with its row
//! of the generated tables, to [`field`]; the first rule it breaks becomes an
//! [`Error::Validation`] naming the argument as the caller wrote it (`inputs[0].name`).

use std::collections::BTreeMap;

use super::rules::{listed, Broken, Checks, Field, Type};
use super::{At, Format, Validate};
use crate::secrets::quote;
use crate::wire_enum::WireEnum;
use crate::Error;

/// Checks one field of a request struct or model: `name` is its SDK name, `field` its row.
pub fn field<T: Checked + ?Sized>(
    at: &At<'_>,
    name: &str,
    field: &Field,
    value: &T,
) -> Result<(), Error> {
    value.check(&At::Name(at, name), &field.ty, &field.checks)
}

/// A typed value the engine can check, given its type and checks from the tables.
pub trait Checked {
    fn check(&self, at: &At<'_>, ty: &Type, checks: &Checks) -> Result<(), Error>;
}

/// The first broken rule, if any, as the client's error.
fn first<'a>(at: &At<'_>, mut broken: impl Iterator<Item = Broken<'a>>) -> Result<(), Error> {
    match broken.next() {
        None => Ok(()),
        Some(broken) => Err(Error::Validation {
            field: at.to_string(),
            message: message(&broken),
        }),
    }
}

/// What the client says about a broken rule.
fn message(broken: &Broken<'_>) -> String {
    match *broken {
        Broken::Below {
            bound,
            exclusive,
            actual,
        } => {
            let how = if exclusive {
                "greater than"
            } else {
                "at least"
            };
            format!("must be {how} {bound} (got {actual})")
        }
        Broken::Above {
            bound,
            exclusive,
            actual,
        } => {
            let how = if exclusive { "less than" } else { "at most" };
            format!("must be {how} {bound} (got {actual})")
        }
        Broken::TooShort { bound, actual } => {
            format!("must be at least {bound} characters long (got {actual})")
        }
        Broken::TooLong { bound, actual } => {
            format!("must be at most {bound} characters long (got {actual})")
        }
        Broken::TooFew { bound, actual } => {
            format!("must have at least {bound} items (got {actual})")
        }
        Broken::TooMany { bound, actual } => {
            format!("must have at most {bound} items (got {actual})")
        }
        Broken::Mismatch { pattern, actual } => format!(
            "{} does not match the pattern {}",
            quote(actual),
            pattern.source()
        ),
        Broken::NotFormat { format, actual } => {
            let expected = match format {
                Format::Date => "a date as YYYY-MM-DD",
                Format::DateTime => "an RFC 3339 date-time such as 2024-01-15T10:30:00Z",
                Format::Uri => "an absolute URL such as https://example.com/hook",
                Format::Email => "an email address",
            };
            format!("{} is not {expected}", quote(actual))
        }
        Broken::NotListed { values, actual } => {
            format!("{} is not one of: {}", quote(actual), values.join(", "))
        }
        Broken::Empty => "must not be empty".into(),
        Broken::DotSegment { actual } => format!("must not be {actual:?}"),
    }
}

impl Checked for str {
    fn check(&self, at: &At<'_>, _ty: &Type, checks: &Checks) -> Result<(), Error> {
        first(at, checks.string(self))
    }
}

impl Checked for String {
    fn check(&self, at: &At<'_>, ty: &Type, checks: &Checks) -> Result<(), Error> {
        self.as_str().check(at, ty, checks)
    }
}

impl Checked for i64 {
    fn check(&self, at: &At<'_>, _ty: &Type, checks: &Checks) -> Result<(), Error> {
        first(at, checks.number(*self as f64))
    }
}

impl Checked for f64 {
    fn check(&self, at: &At<'_>, _ty: &Type, checks: &Checks) -> Result<(), Error> {
        first(at, checks.number(*self))
    }
}

/// Values with no rules of their own: any JSON, free-form objects, booleans.
macro_rules! unchecked {
    ($($ty:ty),*) => {
        $(impl Checked for $ty {
            fn check(&self, _at: &At<'_>, _ty: &Type, _checks: &Checks) -> Result<(), Error> {
                Ok(())
            }
        })*
    };
}

unchecked!(
    bool,
    serde_json::Value,
    serde_json::Map<String, serde_json::Value>
);

/// An argument left out has nothing to check.
impl<T: Checked> Checked for Option<T> {
    fn check(&self, at: &At<'_>, ty: &Type, checks: &Checks) -> Result<(), Error> {
        match self {
            Some(value) => value.check(at, ty, checks),
            None => Ok(()),
        }
    }
}

impl<T: Checked> Checked for Vec<T> {
    fn check(&self, at: &At<'_>, ty: &Type, checks: &Checks) -> Result<(), Error> {
        first(at, checks.count(self.len()))?;
        let item = match ty {
            Type::Array(item) => item,
            _ => &Type::Any,
        };
        for (index, value) in self.iter().enumerate() {
            value.check(&At::Index(at, index), item, checks.each())?;
        }
        Ok(())
    }
}

impl<T: Checked> Checked for BTreeMap<String, T> {
    fn check(&self, at: &At<'_>, ty: &Type, _checks: &Checks) -> Result<(), Error> {
        let inner = match ty {
            Type::Map(inner) => inner,
            _ => &Type::Any,
        };
        for (key, value) in self {
            value.check(&At::Name(at, key), inner, &Checks::NONE)?;
        }
        Ok(())
    }
}

/// A model checks its own fields, named below this one.
impl<M: Validate> Checked for M {
    fn check(&self, at: &At<'_>, _ty: &Type, _checks: &Checks) -> Result<(), Error> {
        self.validate(at)
    }
}

/// The check of a generated enum (see `wire_enum_impls!`): its wire value must be one the
/// spec lists, as the tables give them.
pub fn wire_enum<E: WireEnum>(value: &E, at: &At<'_>, ty: &Type) -> Result<(), Error> {
    let values = match ty {
        Type::Enum(values) => values,
        _ => E::VALUES,
    };
    first(at, listed(values, value.as_wire()).into_iter())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rt::Pattern;

    fn refused<T: Checked + ?Sized>(name: &str, row: &Field, value: &T) -> String {
        match field(&At::Root, name, row, value) {
            Err(err) => err.to_string(),
            Ok(()) => String::from("accepted"),
        }
    }

    #[test]
    fn messages_name_the_field() {
        static E164: Pattern = Pattern::new(r"^\+[1-9]\d{1,14}$");
        let to = Field {
            wire: "to",
            ty: Type::String,
            required: true,
            nullable: false,
            checks: Checks {
                pattern: Some(&E164),
                ..Checks::NONE
            },
        };
        assert_eq!(
            refused("to", &to, "1234567890"),
            r#"invalid argument `to`: "1234567890" does not match the pattern ^\+[1-9]\d{1,14}$"#
        );
        assert_eq!(refused("to", &to, "+1234567890"), "accepted");
        let delay = Field {
            wire: "delay",
            ty: Type::Integer,
            required: true,
            nullable: false,
            checks: Checks {
                minimum: Some((0.0, false)),
                maximum: Some((3600.0, false)),
                ..Checks::NONE
            },
        };
        let inputs = At::Name(&At::Root, "inputs");
        let at = At::Index(&inputs, 0);
        let err = field(&at, "delay_seconds", &delay, &3601i64).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid argument `inputs[0].delay_seconds`: must be at most 3600 (got 3601)"
        );
    }

    #[test]
    fn items_then_each_item() {
        static DAY: Checks = Checks {
            minimum: Some((1.0, false)),
            maximum: Some((7.0, false)),
            ..Checks::NONE
        };
        let days = Field {
            wire: "days",
            ty: Type::Array(&Type::Integer),
            required: true,
            nullable: false,
            checks: Checks {
                min_items: Some(1),
                items: Some(&DAY),
                ..Checks::NONE
            },
        };
        assert_eq!(
            refused("days", &days, &Vec::<i64>::new()),
            "invalid argument `days`: must have at least 1 items (got 0)"
        );
        assert_eq!(
            refused("days", &days, &Some(vec![1i64, 8])),
            "invalid argument `days[1]`: must be at most 7 (got 8)"
        );
        assert_eq!(refused("days", &days, &None::<Vec<i64>>), "accepted");
    }

    #[test]
    fn path_parameters_are_one_segment() {
        let id = Field {
            wire: "agent_id",
            ty: Type::String,
            required: true,
            nullable: false,
            checks: Checks {
                segment: true,
                ..Checks::NONE
            },
        };
        assert_eq!(
            refused("agent_id", &id, ""),
            "invalid argument `agent_id`: must not be empty"
        );
        assert_eq!(
            refused("agent_id", &id, ".."),
            r#"invalid argument `agent_id`: must not be "..""#
        );
        assert_eq!(refused("agent_id", &id, "a.b"), "accepted");
    }
}
