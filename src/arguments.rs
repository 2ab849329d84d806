//! Reads a Python argument, already turned into JSON, into the Rust type of its field (for
//! `py::from_py`; free of pyo3, so its tests run without the `python` feature). The
//! deserializer here keeps what went wrong as data ([`Mismatch`]: the key that is missing,
//! the value found and what was expected) instead of serde_json's finished English sentence,
//! so the SDK words its own messages and names the exact place without reading serde's text.

use std::fmt;

use serde::de::value::{MapDeserializer, SeqDeserializer};
use serde::de::{self, Deserializer, Expected, IntoDeserializer, Unexpected, Visitor};
use serde_json::{Number, Value};

/// Why an argument does not fit its field.
#[derive(Debug, PartialEq)]
pub enum Mismatch {
    /// A required key is absent from an object.
    Missing(&'static str),
    /// A value of another type than the field's.
    Type { found: String, expected: String },
    /// A value of the right type the field cannot hold (an integer out of range).
    Value { found: String, expected: String },
    /// A sequence of the wrong length.
    Length { length: usize, expected: String },
    /// Anything else a type's own deserializer reports.
    Other(String),
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Mismatch::Missing(key) => write!(f, "missing field `{key}`"),
            Mismatch::Type { found, expected } => {
                write!(f, "invalid type: {found}, expected {expected}")
            }
            Mismatch::Value { found, expected } => {
                write!(f, "invalid value: {found}, expected {expected}")
            }
            Mismatch::Length { length, expected } => {
                write!(f, "invalid length {length}, expected {expected}")
            }
            Mismatch::Other(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for Mismatch {}

impl de::Error for Mismatch {
    fn custom<T: fmt::Display>(message: T) -> Self {
        Mismatch::Other(message.to_string())
    }

    fn invalid_type(unexpected: Unexpected<'_>, expected: &dyn Expected) -> Self {
        Mismatch::Type {
            found: describe_unexpected(&unexpected),
            expected: expected.to_string(),
        }
    }

    fn invalid_value(unexpected: Unexpected<'_>, expected: &dyn Expected) -> Self {
        Mismatch::Value {
            found: describe_unexpected(&unexpected),
            expected: expected.to_string(),
        }
    }

    fn invalid_length(length: usize, expected: &dyn Expected) -> Self {
        Mismatch::Length {
            length,
            expected: expected.to_string(),
        }
    }

    fn missing_field(field: &'static str) -> Self {
        Mismatch::Missing(field)
    }
}

impl Mismatch {
    /// The same mismatch, with what was expected said in the SDK's words (`an integer`
    /// rather than the visitor's `i64`).
    fn expecting(self, words: &str) -> Mismatch {
        match self {
            Mismatch::Type { found, .. } => Mismatch::Type {
                found,
                expected: words.into(),
            },
            Mismatch::Value { found, .. } => Mismatch::Value {
                found,
                expected: words.into(),
            },
            other => other,
        }
    }
}

/// A value as a type mismatch names it, in JSON's terms (`null`, not serde's `unit value`).
fn describe_unexpected(unexpected: &Unexpected<'_>) -> String {
    match unexpected {
        Unexpected::Unit => "null".into(),
        Unexpected::Float(value) => match Number::from_f64(*value) {
            Some(number) => format!("floating point `{number}`"),
            None => unexpected.to_string(),
        },
        other => other.to_string(),
    }
}

/// What a JSON value is, for a mismatch this deserializer finds itself.
fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("boolean `{b}`"),
        Value::Number(n) if n.is_f64() => format!("floating point `{n}`"),
        Value::Number(n) => format!("integer `{n}`"),
        Value::String(s) => format!("string {s:?}"),
        Value::Array(_) => "sequence".into(),
        Value::Object(_) => "map".into(),
    }
}

/// A JSON value to deserialize from, with [`Mismatch`] as its error.
pub struct Json(pub Value);

impl<'de> IntoDeserializer<'de, Mismatch> for Json {
    type Deserializer = Json;

    fn into_deserializer(self) -> Json {
        self
    }
}

impl Json {
    fn mismatch(&self, expected: &str) -> Mismatch {
        Mismatch::Type {
            found: describe(&self.0),
            expected: expected.into(),
        }
    }

    /// An integer field (any width): an integral number, else a mismatch worded for people.
    fn integer<'de, V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Mismatch> {
        self.numeric(visitor, "an integer", false)
    }

    /// A number field: any number, else a mismatch worded for people.
    fn number<'de, V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Mismatch> {
        self.numeric(visitor, "a number", true)
    }

    /// Hands a JSON number to `visitor` as the widest exact kind it fits (a float only where
    /// `floats` allows); anything else is a mismatch with `words` as what was expected.
    fn numeric<'de, V: Visitor<'de>>(
        self,
        visitor: V,
        words: &'static str,
        floats: bool,
    ) -> Result<V::Value, Mismatch> {
        let Value::Number(number) = &self.0 else {
            return Err(self.mismatch(words));
        };
        let visited = if let Some(i) = number.as_i64() {
            visitor.visit_i64(i)
        } else if let Some(u) = number.as_u64() {
            visitor.visit_u64(u)
        } else if let Some(f) = number.as_f64().filter(|_| floats) {
            visitor.visit_f64(f)
        } else {
            return Err(self.mismatch(words));
        };
        visited.map_err(|e: Mismatch| e.expecting(words))
    }
}

macro_rules! integers {
    ($($method:ident)*) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Mismatch> {
                self.integer(visitor)
            }
        )*
    };
}

impl<'de> Deserializer<'de> for Json {
    type Error = Mismatch;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Mismatch> {
        match self.0 {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(b),
            Value::Number(n) => {
                if let Some(i) = n.as_i64() {
                    visitor.visit_i64(i)
                } else if let Some(u) = n.as_u64() {
                    visitor.visit_u64(u)
                } else {
                    visitor.visit_f64(n.as_f64().unwrap_or(f64::NAN))
                }
            }
            Value::String(s) => visitor.visit_string(s),
            Value::Array(items) => {
                SeqDeserializer::new(items.into_iter().map(Json)).deserialize_any(visitor)
            }
            Value::Object(map) => MapDeserializer::new(map.into_iter().map(|(k, v)| (k, Json(v))))
                .deserialize_any(visitor),
        }
    }

    integers! {
        deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64
    }

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Mismatch> {
        self.number(visitor)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Mismatch> {
        self.number(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Mismatch> {
        match self.0 {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Mismatch> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Mismatch> {
        // A unit variant is its name; anything else is the visitor's to refuse.
        match self.0 {
            Value::String(s) => visitor.visit_enum(s.into_deserializer()),
            other => Json(other).deserialize_any(visitor),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Mismatch> {
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        bool i128 u128 char str string bytes byte_buf unit unit_struct seq tuple tuple_struct
        map struct identifier
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::Deserialize;
    use serde_json::json;

    use super::*;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Part {
        sku: String,
        #[serde(default)]
        quantity: Option<i64>,
        #[serde(default)]
        ratio: Option<f64>,
        #[serde(flatten)]
        rest: BTreeMap<String, Value>,
    }

    fn read<T: for<'de> Deserialize<'de>>(value: Value) -> Result<T, Mismatch> {
        T::deserialize(Json(value))
    }

    fn mismatch(found: &str, expected: &str) -> Mismatch {
        Mismatch::Type {
            found: found.into(),
            expected: expected.into(),
        }
    }

    #[test]
    fn values_that_fit_are_read_as_serde_json_reads_them() {
        let value = json!({"sku": "P-1", "quantity": 2, "ratio": 1, "extra": [null, 1.5]});
        let part: Part = read(value.clone()).expect("fits");
        assert_eq!(part, serde_json::from_value::<Part>(value).expect("fits"));
        assert_eq!(read::<Option<String>>(json!(null)), Ok(None));
        assert_eq!(read::<Vec<u32>>(json!([1, 2])), Ok(vec![1, 2]));
        assert_eq!(
            read::<Value>(json!({"a": [1, "b"]})),
            Ok(json!({"a": [1, "b"]}))
        );
    }

    #[test]
    fn a_missing_key_is_named() {
        assert_eq!(
            read::<Part>(json!({"quantity": 1})),
            Err(Mismatch::Missing("sku"))
        );
    }

    #[test]
    fn numbers_of_the_wrong_kind_are_said_in_words() {
        assert_eq!(
            read::<i64>(json!(1.5)),
            Err(mismatch("floating point `1.5`", "an integer"))
        );
        assert_eq!(
            read::<i64>(json!("5")),
            Err(mismatch("string \"5\"", "an integer"))
        );
        assert_eq!(
            read::<i64>(json!(true)),
            Err(mismatch("boolean `true`", "an integer"))
        );
        assert_eq!(
            read::<i64>(json!(u64::MAX)),
            Err(Mismatch::Value {
                found: format!("integer `{}`", u64::MAX),
                expected: "an integer".into()
            })
        );
        assert_eq!(
            read::<f64>(json!([1])),
            Err(mismatch("sequence", "a number"))
        );
    }

    #[test]
    fn other_mismatches_keep_the_types_own_expectation() {
        assert_eq!(
            read::<String>(json!(null)),
            Err(mismatch("null", "a string"))
        );
        assert_eq!(
            read::<bool>(json!("yes")),
            Err(mismatch("string \"yes\"", "a boolean"))
        );
        assert_eq!(
            read::<Part>(json!(1)),
            Err(mismatch("integer `1`", "struct Part"))
        );
        assert_eq!(
            read::<BTreeMap<String, Value>>(json!("x")).map_err(|e| e.to_string()),
            Err("invalid type: string \"x\", expected a map".into())
        );
    }
}
