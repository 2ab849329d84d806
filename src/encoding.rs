//! Putting values on the wire: path segments, query values, and reading one property out of
//! a JSON envelope without building the rest of it.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{DeserializeOwned, DeserializeSeed, IgnoredAny, MapAccess, Visitor};

use crate::wire_enum::WireEnum;

/// Percent-encodes one path segment: everything but RFC 3986 unreserved characters, so
/// `a/b` stays one segment (`a%2Fb`) and `?`/`#` cannot end the path.
pub fn encode_path(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for byte in segment.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// A value that can be sent as a query parameter (arrays repeat the name).
pub trait ToQuery {
    fn append_to(&self, name: &str, out: &mut Vec<(String, String)>);
}

impl ToQuery for str {
    fn append_to(&self, name: &str, out: &mut Vec<(String, String)>) {
        out.push((name.to_string(), self.to_string()));
    }
}

impl ToQuery for String {
    fn append_to(&self, name: &str, out: &mut Vec<(String, String)>) {
        self.as_str().append_to(name, out);
    }
}

impl ToQuery for i64 {
    fn append_to(&self, name: &str, out: &mut Vec<(String, String)>) {
        out.push((name.to_string(), self.to_string()));
    }
}

impl ToQuery for f64 {
    fn append_to(&self, name: &str, out: &mut Vec<(String, String)>) {
        out.push((name.to_string(), self.to_string()));
    }
}

impl ToQuery for bool {
    fn append_to(&self, name: &str, out: &mut Vec<(String, String)>) {
        out.push((
            name.to_string(),
            if *self { "true" } else { "false" }.to_string(),
        ));
    }
}

impl<T: ToQuery> ToQuery for Vec<T> {
    fn append_to(&self, name: &str, out: &mut Vec<(String, String)>) {
        for item in self {
            item.append_to(name, out);
        }
    }
}

impl<T: WireEnum> ToQuery for T {
    fn append_to(&self, name: &str, out: &mut Vec<(String, String)>) {
        self.as_wire().append_to(name, out);
    }
}

/// Deserializes only `property` of a JSON object as `T`, skipping the other properties
/// without building them. `None` when the object has no such property.
pub(crate) struct Property<'a, T> {
    name: &'a str,
    value: PhantomData<T>,
}

impl<'a, T> Property<'a, T> {
    pub(crate) fn new(name: &'a str) -> Self {
        Property {
            name,
            value: PhantomData,
        }
    }
}

impl<'de, T: DeserializeOwned> DeserializeSeed<'de> for Property<'_, T> {
    type Value = Option<T>;

    fn deserialize<D: serde::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Option<T>, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de, T: DeserializeOwned> Visitor<'de> for Property<'_, T> {
    type Value = Option<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a JSON object with a `{}` property", self.name)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Option<T>, A::Error> {
        let mut found = None;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if key == self.name && found.is_none() {
                found = Some(map.next_value::<T>()?);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_segments_cannot_escape() {
        assert_eq!(encode_path("agent_123"), "agent_123");
        assert_eq!(encode_path("a/b"), "a%2Fb");
        assert_eq!(encode_path("a b?c#d"), "a%20b%3Fc%23d");
        assert_eq!(encode_path("ü"), "%C3%BC");
        assert_eq!(encode_path(".."), "..");
    }

    #[test]
    fn reads_one_property_of_an_envelope() {
        let body = br#"{"success": true, "data": {"id": "x"}, "meta": [1, 2]}"#;
        let mut de = serde_json::Deserializer::from_slice(body);
        let value: Option<serde_json::Value> = Property::new("data").deserialize(&mut de).unwrap();
        assert_eq!(value, Some(serde_json::json!({"id": "x"})));
        let mut de = serde_json::Deserializer::from_slice(br#"{"success": false}"#);
        let missing: Option<serde_json::Value> =
            Property::new("data").deserialize(&mut de).unwrap();
        assert_eq!(missing, None);
    }
}
