//! The bodies the mock answers with: each documented status with its documented example,
//! else the example of another operation returning the same schema, else a small body built
//! from the schema.

use openapiv3::{MediaType, ReferenceOr, Schema, SchemaKind, StatusCode, StringFormat, Type};
use serde_json::{json, Map, Value};

use super::super::response::json_media;
use super::super::types::{object_shape, SchemaRef};
use super::super::{err, Lowerer, Result};
use crate::ir::MockResponse;

/// How deep a built body goes before it gives up on a (recursive) schema with `null`.
const MAX_DEPTH: usize = 8;

impl<'a> Lowerer<'a> {
    /// Every documented status, with its example body (or one built from the schema).
    pub(super) fn mock_responses(&self, op: &'a openapiv3::Operation) -> Result<Vec<MockResponse>> {
        let mut out = Vec::new();
        for (code, response) in &op.responses.responses {
            let StatusCode::Code(status) = code else {
                return err(format!("response {code}: status ranges are not supported"));
            };
            let response = self.response_item(response)?;
            let body = match json_media(&response.content) {
                None => None,
                Some(media) => Some(self.mock_body(media)?),
            };
            out.push(MockResponse {
                status: *status,
                body,
            });
        }
        Ok(out)
    }

    fn mock_body(&self, media: &'a MediaType) -> Result<Value> {
        let example = documented_example(media).or_else(|| {
            let schema = media.schema.as_ref()?;
            self.example_of_same_schema(schema)
        });
        match (example, &media.schema) {
            (Some(example), _) => Ok(example),
            (None, Some(schema)) => self.synthesize(SchemaRef::of(schema), 0),
            (None, None) => Ok(json!({})),
        }
    }

    /// A documented example of the same `$ref` schema on another operation, so an operation
    /// whose page shows no example still answers with documented values.
    fn example_of_same_schema(&self, schema: &ReferenceOr<Schema>) -> Option<Value> {
        let ReferenceOr::Reference { reference } = schema else {
            return None;
        };
        self.spec
            .operations()
            .flat_map(|(_, _, op)| op.responses.responses.values())
            .filter_map(|r| self.response_item(r).ok())
            .flat_map(|r| r.content.values())
            .filter(|media| {
                matches!(&media.schema, Some(ReferenceOr::Reference { reference: r }) if r == reference)
            })
            .find_map(documented_example)
    }

    /// A small value that satisfies `schema`: its example or default where it has one.
    fn synthesize(&self, schema: SchemaRef<'a>, depth: usize) -> Result<Value> {
        let schema = self.resolve(schema)?;
        let data = &schema.schema_data;
        if let Some(value) = data.example.as_ref().or(data.default.as_ref()) {
            return Ok(value.clone());
        }
        if depth > MAX_DEPTH {
            return Ok(Value::Null);
        }
        if let Some(shape) = object_shape(schema) {
            let mut object = Map::new();
            for (name, property) in shape.properties {
                if shape.required.contains(name) {
                    object.insert(
                        name.clone(),
                        self.synthesize(SchemaRef::of_boxed(property), depth + 1)?,
                    );
                }
            }
            return Ok(Value::Object(object));
        }
        Ok(match &schema.schema_kind {
            SchemaKind::Type(Type::String(s)) => match s.enumeration.iter().flatten().next() {
                Some(first) => json!(first),
                None => json!(match &s.format {
                    openapiv3::VariantOrUnknownOrEmpty::Item(StringFormat::Date) => "2024-01-01",
                    openapiv3::VariantOrUnknownOrEmpty::Item(StringFormat::DateTime) =>
                        "2024-01-01T00:00:00Z",
                    openapiv3::VariantOrUnknownOrEmpty::Unknown(f) if f == "uri" || f == "url" =>
                        "https://example.com",
                    openapiv3::VariantOrUnknownOrEmpty::Unknown(f) if f == "email" =>
                        "user@example.com",
                    _ => "string",
                }),
            },
            SchemaKind::Type(Type::Integer(i)) => json!(i.minimum.unwrap_or(0)),
            SchemaKind::Type(Type::Number(n)) => json!(n.minimum.unwrap_or(0.0)),
            SchemaKind::Type(Type::Boolean(_)) => json!(true),
            SchemaKind::Type(Type::Array(_)) => json!([]),
            SchemaKind::Type(Type::Object(_)) => json!({}),
            SchemaKind::AllOf { all_of } if all_of.len() == 1 => {
                self.synthesize(SchemaRef::of(&all_of[0]), depth + 1)?
            }
            _ => Value::Null,
        })
    }
}

fn documented_example(media: &MediaType) -> Option<Value> {
    media.example.clone().or_else(|| {
        media.examples.values().find_map(|example| match example {
            ReferenceOr::Item(example) => example.value.clone(),
            ReferenceOr::Reference { .. } => None,
        })
    })
}
