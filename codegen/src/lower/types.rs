//! Schemas → types: each schema becomes a `TypeRef`, and object and enum schemas become named
//! models and enums (component name, or a name built from where they are written), with
//! their fields' constraints collected.

use std::collections::{BTreeMap, HashSet};

use indexmap::IndexMap;
use openapiv3::{
    AdditionalProperties, ReferenceOr, Schema, SchemaKind, StringFormat, Type,
    VariantOrUnknownOrEmpty,
};

use super::{doc_of, err, refs, Lowerer, Result, UNKNOWN_FIELDS};
use crate::ir::*;
use crate::naming::{pascal, python_ident, rust_ident, snake};
use crate::Error;

/// A schema, either by reference to a component or written in place.
#[derive(Clone, Copy)]
pub(super) enum SchemaRef<'a> {
    Ref(&'a str),
    Inline(&'a Schema),
}

impl<'a> SchemaRef<'a> {
    pub(super) fn of(r: &'a ReferenceOr<Schema>) -> Self {
        match r {
            ReferenceOr::Reference { reference } => SchemaRef::Ref(reference),
            ReferenceOr::Item(schema) => SchemaRef::Inline(schema),
        }
    }

    pub(super) fn of_boxed(r: &'a ReferenceOr<Box<Schema>>) -> Self {
        match r {
            ReferenceOr::Reference { reference } => SchemaRef::Ref(reference),
            ReferenceOr::Item(schema) => SchemaRef::Inline(schema),
        }
    }
}

/// The object-ish parts of a schema, whichever way it was written.
pub(super) struct ObjectShape<'a> {
    pub(super) properties: &'a IndexMap<String, ReferenceOr<Box<Schema>>>,
    pub(super) required: &'a [String],
    pub(super) additional: Option<&'a AdditionalProperties>,
}

pub(super) fn object_shape(schema: &Schema) -> Option<ObjectShape<'_>> {
    match &schema.schema_kind {
        SchemaKind::Type(Type::Object(o)) => Some(ObjectShape {
            properties: &o.properties,
            required: &o.required,
            additional: o.additional_properties.as_ref(),
        }),
        SchemaKind::Any(a) if !a.properties.is_empty() || a.typ.as_deref() == Some("object") => {
            Some(ObjectShape {
                properties: &a.properties,
                required: &a.required,
                additional: a.additional_properties.as_ref(),
            })
        }
        _ => None,
    }
}

impl<'a> Lowerer<'a> {
    /// A component schema and its name, following references.
    pub(super) fn component(&self, reference: &'a str) -> Result<(&'a str, &'a Schema)> {
        refs::named(self.spec, reference)
    }

    pub(super) fn resolve(&self, schema: SchemaRef<'a>) -> Result<&'a Schema> {
        match schema {
            SchemaRef::Ref(r) => Ok(self.component(r)?.1),
            SchemaRef::Inline(s) => Ok(s),
        }
    }

    /// The type of `schema`; inline objects and enums are named `hint`.
    pub(super) fn type_of(
        &mut self,
        schema: SchemaRef<'a>,
        hint: &str,
        origin: &str,
    ) -> Result<TypeRef> {
        let (name, origin, schema) = match schema {
            SchemaRef::Ref(r) => {
                let (name, schema) = self.component(r)?;
                (pascal(name), r.to_string(), schema)
            }
            SchemaRef::Inline(schema) => (hint.to_string(), origin.to_string(), schema),
        };
        let doc = doc_of(
            schema.schema_data.title.as_ref(),
            schema.schema_data.description.as_ref(),
        );
        if let Some(shape) = object_shape(schema) {
            if shape.properties.is_empty() {
                return match shape.additional {
                    Some(AdditionalProperties::Schema(value)) => {
                        let value = self.type_of(
                            SchemaRef::of(value),
                            &format!("{name}Value"),
                            &format!("{origin}/additionalProperties"),
                        )?;
                        Ok(TypeRef::Map(Box::new(value)))
                    }
                    _ => Ok(TypeRef::Object),
                };
            }
            self.model(&name, &origin, doc, shape)?;
            return Ok(TypeRef::Model(name));
        }
        Ok(match &schema.schema_kind {
            SchemaKind::Type(Type::String(s)) if !s.enumeration.is_empty() => {
                let values: Vec<&str> =
                    s.enumeration.iter().flatten().map(String::as_str).collect();
                self.enum_def(&name, &origin, doc, &values)?;
                TypeRef::Enum(name)
            }
            SchemaKind::Type(Type::String(_)) => TypeRef::String,
            SchemaKind::Type(Type::Integer(_)) => TypeRef::Integer,
            SchemaKind::Type(Type::Number(_)) => TypeRef::Number,
            SchemaKind::Type(Type::Boolean(_)) => TypeRef::Boolean,
            SchemaKind::Type(Type::Array(a)) => self.array_of(a.items.as_ref(), &name, &origin)?,
            SchemaKind::Type(Type::Object(_)) => TypeRef::Object,
            SchemaKind::AllOf { all_of } if all_of.len() == 1 => {
                self.type_of(SchemaRef::of(&all_of[0]), &name, &origin)?
            }
            SchemaKind::Any(a) if a.items.is_some() || a.typ.as_deref() == Some("array") => {
                self.array_of(a.items.as_ref(), &name, &origin)?
            }
            // Untyped values and unions the SDK does not model are kept as plain JSON.
            _ => TypeRef::Any,
        })
    }

    /// An array; inline item objects and enums are named `<name>Item`.
    fn array_of(
        &mut self,
        items: Option<&'a ReferenceOr<Box<Schema>>>,
        name: &str,
        origin: &str,
    ) -> Result<TypeRef> {
        let item = match items {
            Some(items) => self.type_of(
                SchemaRef::of_boxed(items),
                &format!("{name}Item"),
                &format!("{origin}/items"),
            )?,
            None => TypeRef::Any,
        };
        Ok(TypeRef::Array(Box::new(item)))
    }

    fn model(
        &mut self,
        name: &str,
        origin: &str,
        doc: Option<String>,
        shape: ObjectShape<'a>,
    ) -> Result<()> {
        if already_named(&self.models, name, origin)? {
            return Ok(());
        }
        self.models
            .insert(name.to_string(), (origin.to_string(), None));
        let mut fields = Vec::new();
        for (wire, schema) in shape.properties {
            let required = shape.required.contains(wire);
            fields.push(self.field(
                name,
                origin,
                wire,
                SchemaRef::of_boxed(schema),
                required,
                Location::Body,
                None,
            )?);
        }
        check_field_names(name, &fields)?;
        if fields.iter().any(|f| f.rust == UNKNOWN_FIELDS) {
            return err(format!("{name}: a property named {UNKNOWN_FIELDS} clashes with the SDK's bag of unknown fields"));
        }
        let model = Model {
            name: name.to_string(),
            doc,
            fields,
            keeps_unknown_fields: true,
        };
        self.models
            .insert(name.to_string(), (origin.to_string(), Some(model)));
        Ok(())
    }

    fn enum_def(
        &mut self,
        name: &str,
        origin: &str,
        doc: Option<String>,
        values: &[&str],
    ) -> Result<()> {
        if already_named(&self.enums, name, origin)? {
            return Ok(());
        }
        let mut variants = HashSet::new();
        let mut lowered = Vec::new();
        for wire in values {
            let variant = pascal(wire);
            if variant == "Unknown" || !variants.insert(variant.clone()) {
                return err(format!(
                    "enum {name}: value {wire:?} gives a clashing variant name {variant}"
                ));
            }
            lowered.push(EnumValue {
                wire: wire.to_string(),
                variant,
            });
        }
        let def = EnumDef {
            name: name.to_string(),
            doc,
            values: lowered,
        };
        self.enums
            .insert(name.to_string(), (origin.to_string(), def));
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn field(
        &mut self,
        parent: &str,
        origin: &str,
        wire: &str,
        schema: SchemaRef<'a>,
        required: bool,
        location: Location,
        description: Option<&String>,
    ) -> Result<Field> {
        let snake_name = snake(wire);
        let ty = self.type_of(
            schema,
            &format!("{parent}{}", pascal(wire)),
            &format!("{origin}/{wire}"),
        )?;
        let resolved = self.resolve(schema)?;
        let data = &resolved.schema_data;
        Ok(Field {
            wire: wire.to_string(),
            rust: rust_ident(&snake_name),
            py: python_ident(&snake_name),
            ty,
            required,
            nullable: data.nullable,
            doc: description
                .or(data.description.as_ref())
                .map(|d| d.trim().to_string()),
            constraints: constraints_of(resolved)
                .map_err(|e| e.context(format!("{parent}.{wire}")))?,
            default: data.default.clone(),
            location,
        })
    }

    /// The fields of a model lowered already.
    pub(super) fn model_fields(&self, name: &str) -> Result<&[Field]> {
        match self.models.get(name) {
            Some((_, Some(model))) => Ok(&model.fields),
            _ => err(format!("model {name} is not known yet")),
        }
    }
}

/// Whether `name` is taken by the schema at `origin` already; an error when another schema
/// would get the same name.
fn already_named<T>(
    seen: &BTreeMap<String, (String, T)>,
    name: &str,
    origin: &str,
) -> Result<bool> {
    match seen.get(name) {
        None => Ok(false),
        Some((first, _)) if first == origin => Ok(true),
        Some((first, _)) => err(format!(
            "two schemas would both be named {name} ({first} and {origin}); give one a component name"
        )),
    }
}

fn constraints_of(schema: &Schema) -> Result<Constraints> {
    let mut c = Constraints::default();
    match &schema.schema_kind {
        SchemaKind::Type(Type::String(s)) => {
            c.min_length = s.min_length;
            c.max_length = s.max_length;
            if let Some(pattern) = &s.pattern {
                regex::Regex::new(pattern).map_err(|e| {
                    Error::new(format!("pattern {pattern:?} is not a valid regex: {e}"))
                })?;
                c.pattern = Some(pattern.clone());
            }
            c.format = match &s.format {
                VariantOrUnknownOrEmpty::Item(StringFormat::Date) => Some(Format::Date),
                VariantOrUnknownOrEmpty::Item(StringFormat::DateTime) => Some(Format::DateTime),
                VariantOrUnknownOrEmpty::Unknown(f) if f == "uri" || f == "url" => {
                    Some(Format::Uri)
                }
                VariantOrUnknownOrEmpty::Unknown(f) if f == "email" => Some(Format::Email),
                _ => None,
            };
        }
        SchemaKind::Type(Type::Integer(i)) => {
            c.minimum = i.minimum.map(|v| v as f64);
            c.maximum = i.maximum.map(|v| v as f64);
            c.exclusive_minimum = i.exclusive_minimum;
            c.exclusive_maximum = i.exclusive_maximum;
        }
        SchemaKind::Type(Type::Number(n)) => {
            c.minimum = n.minimum;
            c.maximum = n.maximum;
            c.exclusive_minimum = n.exclusive_minimum;
            c.exclusive_maximum = n.exclusive_maximum;
        }
        SchemaKind::Type(Type::Array(a)) => {
            c.min_items = a.min_items;
            c.max_items = a.max_items;
            // Inline item schemas only: a `$ref` item is a model or enum, checked as such.
            if let Some(ReferenceOr::Item(item)) = &a.items {
                let items = constraints_of(item).map_err(|e| e.context("items"))?;
                c.items = (items != Constraints::default()).then(|| Box::new(items));
            }
        }
        _ => {}
    }
    Ok(c)
}

pub(super) fn check_field_names(owner: &str, fields: &[Field]) -> Result<()> {
    let mut seen = HashSet::new();
    for f in fields {
        if !seen.insert(f.rust.trim_start_matches("r#")) {
            return err(format!(
                "{owner}: two properties would both be named {}",
                f.rust
            ));
        }
    }
    Ok(())
}
