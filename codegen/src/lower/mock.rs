//! Lowers what the mock server needs beyond the inputs the client already has: the
//! documented responses with their examples (or bodies built from the schema), the error
//! codes of `x-error-codes`, and the mock behaviour declared in `x-mock`.

use openapiv3::{OpenAPI, ReferenceOr, SchemaKind, SecurityScheme, StatusCode, StringFormat, Type};
use serde_json::{json, Map, Value};

use super::{err, json_schema, object_shape, Lowerer, Result, SchemaRef};
use crate::ir::*;
use crate::Error;

/// The rules `x-mock.invalid` selectors may name (`to.required`): the names of
/// `validate::Rule` in src/mock, which the generator cannot depend on.
const RULES: &[&str] = &[
    "required", "type", "enum", "pattern", "format", "range", "length", "items",
];

/// Keys `x-mock` may have on an operation; anything else is a spelling mistake.
const OPERATION_KEYS: &[&str] = &[
    "action",
    "collection",
    "record",
    "lookup",
    "filters",
    "set",
    "initial",
    "page",
    "requires",
    "invalid",
    "not-found",
    "x-note",
];

/// The API-wide part: the token prefix and the collections with their seed records.
pub(super) fn mock_api(spec: &OpenAPI) -> Result<MockApi> {
    let mut token_prefix = None;
    let schemes = spec
        .components
        .iter()
        .flat_map(|c| c.security_schemes.values());
    for scheme in schemes {
        if let ReferenceOr::Item(SecurityScheme::HTTP { extensions, .. }) = scheme {
            match extensions.get("x-token-prefix") {
                None => {}
                Some(Value::String(prefix)) => token_prefix = Some(prefix.clone()),
                Some(_) => return err("x-token-prefix must be a string"),
            }
        }
    }
    let mut collections = Vec::new();
    if let Some(ext) = spec.extensions.get("x-mock") {
        only_keys(ext, "the root x-mock", &["collections", "x-note"])?;
        let declared = ext
            .get("collections")
            .and_then(Value::as_object)
            .ok_or_else(|| Error::new("the root x-mock needs a `collections` mapping"))?;
        for (name, collection) in declared {
            only_keys(
                collection,
                &format!("collection {name}"),
                &["seed", "x-note"],
            )?;
            let seed = match collection.get("seed") {
                None => Vec::new(),
                Some(Value::Array(records)) if records.iter().all(Value::is_object) => {
                    records.clone()
                }
                Some(_) => {
                    return err(format!("collection {name}: seed must be a list of objects"))
                }
            };
            collections.push(MockCollection {
                name: name.clone(),
                seed,
            });
        }
    }
    Ok(MockApi {
        token_prefix,
        collections,
    })
}

/// Every collection an operation names must be declared at the root, so a typo fails here.
pub(super) fn check_collections(api: &Api) -> Result<()> {
    for op in &api.operations {
        let named = op
            .mock
            .collection
            .iter()
            .chain(op.mock.requires.iter().map(|r| &r.collection));
        for name in named {
            if !api.mock.collections.iter().any(|c| &c.name == name) {
                return err(format!(
                    "{}: x-mock names collection {name}, which the root x-mock does not declare",
                    op.operation_id
                ));
            }
        }
    }
    Ok(())
}

/// The request inputs an `x-mock` reference may name.
struct Inputs<'p> {
    path: &'p [PathParam],
    fields: &'p [Field],
}

impl Inputs<'_> {
    fn has_path(&self, name: &str) -> bool {
        self.path.iter().any(|p| p.wire == name)
    }

    fn field(&self, name: &str, location: Location) -> Option<&Field> {
        self.fields
            .iter()
            .find(|f| f.wire == name && f.location == location)
    }

    /// A path parameter or body field: what identifies or scopes a record.
    fn check_key(&self, name: &str) -> Result<()> {
        if self.has_path(name) || self.field(name, Location::Body).is_some() {
            return Ok(());
        }
        err(format!(
            "{name} is neither a path parameter nor a body field"
        ))
    }
}

impl<'a> Lowerer<'a> {
    pub(super) fn mock_operation(
        &self,
        op: &'a openapiv3::Operation,
        path_params: &[PathParam],
        params: Option<&Model>,
        response: &Response,
    ) -> Result<MockOperation> {
        let inputs = Inputs {
            path: path_params,
            fields: params.map(|p| p.fields.as_slice()).unwrap_or_default(),
        };
        let responses = self.mock_responses(op)?;
        let error_codes = error_codes(op)?;
        let empty = Map::new();
        let ext = match op.extensions.get("x-mock") {
            None => &empty,
            Some(Value::Object(map)) => map,
            Some(_) => return err("x-mock must be a mapping"),
        };
        if let Some(key) = ext.keys().find(|k| !OPERATION_KEYS.contains(&k.as_str())) {
            return err(format!("unknown key {key}"));
        }
        let documented = |status: u16| responses.iter().any(|r| r.status == status);
        let failure = |value: &Value| -> Result<MockFailure> {
            let failure = match value {
                Value::Number(n) => MockFailure {
                    status: status_of(n.as_u64())?,
                    code: None,
                },
                Value::String(code) => MockFailure {
                    status: error_codes
                        .iter()
                        .find(|c| &c.code == code)
                        .map(|c| c.status)
                        .ok_or_else(|| {
                            Error::new(format!("{code} is not in this operation's x-error-codes"))
                        })?,
                    code: Some(code.clone()),
                },
                Value::Object(o) => {
                    only_keys(value, "a failure", &["status", "code"])?;
                    let status = status_of(o.get("status").and_then(Value::as_u64))?;
                    let code = o.get("code").and_then(Value::as_str).map(str::to_string);
                    // A code the operation does not document may be used (the mock must
                    // answer something); one it does document keeps its documented status.
                    if let Some(documented) = code
                        .as_ref()
                        .and_then(|code| error_codes.iter().find(|c| &c.code == code))
                        .filter(|c| c.status != status)
                    {
                        return err(format!(
                            "{} is documented with status {}, not {status}",
                            documented.code, documented.status
                        ));
                    }
                    MockFailure { status, code }
                }
                _ => {
                    return err(format!(
                        "{value} is not a status, a code or {{status, code}}"
                    ))
                }
            };
            if !documented(failure.status) {
                return err(format!(
                    "status {} is not a documented response of this operation",
                    failure.status
                ));
            }
            Ok(failure)
        };
        let fallback = |statuses: &[u16]| MockFailure {
            status: statuses
                .iter()
                .copied()
                .find(|s| documented(*s))
                .unwrap_or(statuses[statuses.len() - 1]),
            code: None,
        };

        let mut invalid = Vec::new();
        let mut invalid_default = fallback(&[422, 400]);
        for (selector, value) in object(ext, "invalid")? {
            if selector == "*" {
                invalid_default = failure(value)?;
                continue;
            }
            let (field, rule) = match selector.split_once('.') {
                Some((field, rule)) => (field, Some(rule)),
                None => (selector.as_str(), None),
            };
            if let Some(rule) = rule.filter(|rule| !RULES.contains(rule)) {
                return err(format!(
                    "invalid: {selector}: {rule} is not one of {}",
                    RULES.join(", ")
                ));
            }
            if !inputs.has_path(field) && !inputs.fields.iter().any(|f| f.wire == field) {
                return err(format!(
                    "invalid: {field} is not an input of this operation"
                ));
            }
            invalid.push((selector.clone(), failure(value)?));
        }

        let mut requires = Vec::new();
        for requirement in list(ext, "requires")? {
            only_keys(
                requirement,
                "requires",
                &["param", "collection", "where", "error", "x-note"],
            )?;
            let param = string(requirement, "param")?;
            inputs
                .check_key(&param)
                .map_err(|e| e.context("requires"))?;
            requires.push(MockRequirement {
                param,
                collection: string(requirement, "collection")?,
                state: object(requirement, "where")?
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
                failure: failure(
                    requirement
                        .get("error")
                        .ok_or_else(|| Error::new("requires: each entry needs an `error`"))?,
                )?,
            });
        }

        let action = match ext.get("action").map(|a| a.as_str()) {
            None => MockAction::Example,
            Some(Some("example")) => MockAction::Example,
            Some(Some("create")) => MockAction::Create,
            Some(Some("list")) => MockAction::List,
            Some(Some("retrieve")) => MockAction::Retrieve,
            Some(Some("update")) => MockAction::Update,
            Some(Some("upsert")) => MockAction::Upsert,
            Some(Some("delete")) => MockAction::Delete,
            Some(other) => {
                return err(format!(
                "unknown action {}: use example, create, list, retrieve, update, upsert or delete",
                other.unwrap_or("(not a string)")
            ))
            }
        };
        let collection = ext
            .get("collection")
            .and_then(Value::as_str)
            .map(str::to_string);
        if (action == MockAction::Example) != collection.is_none() {
            return err("`collection` goes with every action but `example`, and only with those");
        }

        let record_at = match ext.get("record") {
            Some(Value::String(at)) => Some(at.clone()),
            Some(_) => return err("record must name a response property"),
            None => match response {
                Response::Json {
                    unwrap: Some(at), ..
                } => Some(at.clone()),
                _ => op
                    .extensions
                    .get("x-sdk-pagination")
                    .and_then(|p| p.get("items"))
                    .and_then(Value::as_str)
                    .map(str::to_string),
            },
        };
        if collection.is_some() && action != MockAction::Delete && record_at.is_none() {
            return err("name the response property that holds the record (`record`)");
        }
        let allowed: &[&str] = match action {
            MockAction::Example => &[],
            MockAction::Create => &["set", "initial"],
            MockAction::List => &["lookup", "filters", "page"],
            MockAction::Retrieve | MockAction::Delete => &["lookup", "not-found"],
            MockAction::Update => &["lookup", "set", "not-found"],
            MockAction::Upsert => &["lookup", "set", "initial"],
        };
        let specific = ["lookup", "filters", "page", "set", "initial", "not-found"];
        if let Some(key) = specific
            .iter()
            .find(|key| ext.contains_key(**key) && !allowed.contains(key))
        {
            return err(format!("`{key}` has no meaning for this action"));
        }
        let record_model = self.record_model(response, record_at.as_deref())?;
        let record_has = |field: &str| -> Result<()> {
            let Some(model) = &record_model else {
                return Ok(());
            };
            let top = field.split('.').next().unwrap_or_default();
            if self.model_fields(model)?.iter().any(|f| f.wire == top) {
                return Ok(());
            }
            err(format!("the record ({model}) has no field {top}"))
        };

        let mut lookup = Vec::new();
        for (param, fields) in object(ext, "lookup")? {
            inputs.check_key(param).map_err(|e| e.context("lookup"))?;
            let fields = field_list(fields)?;
            for field in &fields {
                // Inputs are kept with each record, so a lookup may also name one.
                if inputs.check_key(field).is_err() {
                    record_has(field).map_err(|e| e.context("lookup"))?;
                }
            }
            lookup.push(MockMatcher {
                param: param.clone(),
                fields,
                op: MatchOp::Equals,
            });
        }
        if matches!(
            action,
            MockAction::Retrieve | MockAction::Update | MockAction::Delete | MockAction::Upsert
        ) && lookup.is_empty()
        {
            return err("this action needs a `lookup` naming what identifies the record");
        }

        let mut filters = Vec::new();
        for (param, how) in object(ext, "filters")? {
            if inputs.field(param, Location::Query).is_none() {
                return err(format!("filters: {param} is not a query parameter"));
            }
            let (op, fields) = match how {
                Value::Object(o) if o.len() == 1 => {
                    let (name, fields) = o.iter().next().ok_or_else(|| Error::new("filters"))?;
                    let op = match name.as_str() {
                        "equals" => MatchOp::Equals,
                        "contains" => MatchOp::Contains,
                        "since" => MatchOp::Since,
                        "until" => MatchOp::Until,
                        other => return err(format!("filters: unknown comparison {other}")),
                    };
                    (op, field_list(fields)?)
                }
                other => (MatchOp::Equals, field_list(other)?),
            };
            for field in &fields {
                record_has(field).map_err(|e| e.context("filters"))?;
            }
            filters.push(MockMatcher {
                param: param.clone(),
                fields,
                op,
            });
        }

        let values = |key: &str| -> Result<Vec<(String, Value)>> {
            let mut out = Vec::new();
            for (field, value) in object(ext, key)? {
                record_has(field).map_err(|e| e.context(key))?;
                if let Some(reference) = value.as_str().and_then(|v| v.strip_prefix('$')) {
                    let known = match reference.split_once('.') {
                        Some(("body", name)) => inputs.field(name, Location::Body).is_some(),
                        Some(("path", name)) => inputs.has_path(name),
                        None => reference == "now" || reference == "id",
                        _ => false,
                    };
                    if !known {
                        return err(format!(
                            "{key}: ${reference} is not $now, $id, $body.<field> or $path.<param>"
                        ));
                    }
                }
                out.push((field.clone(), value.clone()));
            }
            Ok(out)
        };

        let page = match ext.get("page") {
            None => None,
            Some(page) => Some(self.mock_page(op, page, &inputs, response)?),
        };
        Ok(MockOperation {
            auth: is_secured(self.spec, op),
            copy: self.copyable(record_model.as_deref(), &inputs),
            set: values("set")?,
            initial: values("initial")?,
            not_found: match ext.get("not-found") {
                Some(value) => failure(value)?,
                None => fallback(&[404]),
            },
            responses,
            error_codes,
            invalid,
            invalid_default,
            requires,
            action,
            collection,
            record_at,
            lookup,
            filters,
            page,
        })
    }

    fn mock_page(
        &self,
        op: &openapiv3::Operation,
        page: &Value,
        inputs: &Inputs<'_>,
        response: &Response,
    ) -> Result<MockPage> {
        only_keys(page, "page", &["size", "fields"])?;
        let pagination = op
            .extensions
            .get("x-sdk-pagination")
            .ok_or_else(|| Error::new("page: the operation has no x-sdk-pagination"))?;
        let style = match pagination.get("style").and_then(Value::as_str) {
            Some("offset") => PageStyle::Offset,
            _ => PageStyle::Page,
        };
        let param = pagination
            .get("param")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let size_param = page
            .get("size")
            .and_then(Value::as_str)
            .ok_or_else(|| Error::new("page: `size` names the page-size query parameter"))?;
        let default_size = inputs
            .field(size_param, Location::Query)
            .and_then(|f| f.default.as_ref())
            .and_then(Value::as_u64)
            .filter(|size| *size > 0)
            .ok_or_else(|| {
                Error::new(format!(
                    "page: {size_param} must be a query parameter with a positive default"
                ))
            })?;
        let mut fields = Vec::new();
        for (path, value) in object(page, "fields")? {
            let value = match value.as_str() {
                Some("current") => PageValue::Current,
                Some("last") => PageValue::Last,
                Some("size") => PageValue::Size,
                Some("total") => PageValue::Total,
                Some("from") => PageValue::From,
                Some("to") => PageValue::To,
                _ => {
                    return err(format!(
                        "page: {path} must be one of current, last, size, total, from, to"
                    ))
                }
            };
            if let Response::Json {
                ty: TypeRef::Model(envelope),
                unwrap: None,
            } = response
            {
                let (_, ty) = self
                    .field_path(envelope, path)
                    .map_err(|e| e.context("page"))?;
                if ty != TypeRef::Integer {
                    return err(format!("page: {path} is not an integer"));
                }
            }
            fields.push((path.clone(), value));
        }
        Ok(MockPage {
            style,
            param,
            size_param: size_param.to_string(),
            default_size,
            fields,
        })
    }

    /// The model of the record at `record_at` of the success response: the unwrapped model,
    /// or the property's model (or its items' model, for a list). `None` when the response
    /// has no model to check against, such as a free-form body.
    fn record_model(&self, response: &Response, record_at: Option<&str>) -> Result<Option<String>> {
        let model_of = |ty: &TypeRef| match ty {
            TypeRef::Model(name) => Some(name.clone()),
            TypeRef::Array(item) => match &**item {
                TypeRef::Model(name) => Some(name.clone()),
                _ => None,
            },
            _ => None,
        };
        match (response, record_at) {
            (
                Response::Json {
                    ty,
                    unwrap: Some(_),
                },
                _,
            ) => Ok(model_of(ty)),
            (
                Response::Json {
                    ty: TypeRef::Model(envelope),
                    unwrap: None,
                },
                Some(at),
            ) => {
                let field = self.model_fields(envelope)?.iter().find(|f| f.wire == at);
                match field {
                    Some(field) => Ok(model_of(&field.ty)),
                    None => err(format!(
                        "record: the response ({envelope}) has no property {at}"
                    )),
                }
            }
            _ => Ok(None),
        }
    }

    /// Path parameters and body fields whose name and type the record model shares.
    fn copyable(&self, record_model: Option<&str>, inputs: &Inputs<'_>) -> Vec<String> {
        let Some(record) = record_model.and_then(|name| self.model_fields(name).ok()) else {
            return Vec::new();
        };
        let sent = inputs.path.iter().map(|p| (&p.wire, &p.ty)).chain(
            inputs
                .fields
                .iter()
                .filter(|f| f.location == Location::Body)
                .map(|f| (&f.wire, &f.ty)),
        );
        sent.filter(|(wire, ty)| record.iter().any(|f| &&f.wire == wire && &&f.ty == ty))
            .map(|(wire, _)| wire.clone())
            .collect()
    }

    /// Every documented status, with its example body (or one built from the schema).
    fn mock_responses(&self, op: &openapiv3::Operation) -> Result<Vec<MockResponse>> {
        let mut out = Vec::new();
        for (code, response) in &op.responses.responses {
            let StatusCode::Code(status) = code else {
                return err(format!("response {code}: status ranges are not supported"));
            };
            let response = self.response_item(response)?;
            let body =
                match response.content.iter().find(|(mime, _)| {
                    mime.as_str() == "application/json" || mime.ends_with("+json")
                }) {
                    None => None,
                    Some((_, media)) => Some(
                        documented_example(media)
                            .or_else(|| {
                                let schema = media.schema.as_ref()?;
                                self.example_of_same_schema(schema)
                            })
                            .map_or_else(
                                || match json_schema(&response.content) {
                                    Some(schema) => self.synthesize(SchemaRef::of(schema), 0),
                                    None => Ok(json!({})),
                                },
                                Ok,
                            )?,
                    ),
                };
            out.push(MockResponse {
                status: *status,
                body,
            });
        }
        Ok(out)
    }

    /// A documented example of the same `$ref` schema on another operation, so an operation
    /// whose page shows no example still answers with documented values.
    fn example_of_same_schema(&self, schema: &ReferenceOr<openapiv3::Schema>) -> Option<Value> {
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
        if depth > 8 {
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

fn documented_example(media: &openapiv3::MediaType) -> Option<Value> {
    media.example.clone().or_else(|| {
        media.examples.values().find_map(|example| match example {
            ReferenceOr::Item(example) => example.value.clone(),
            ReferenceOr::Reference { .. } => None,
        })
    })
}

/// Whether the operation (or, failing that, the whole API) asks for credentials.
fn is_secured(spec: &OpenAPI, op: &openapiv3::Operation) -> bool {
    let requirements = op.security.as_ref().or(spec.security.as_ref());
    requirements.is_some_and(|list| !list.is_empty() && list.iter().all(|r| !r.is_empty()))
}

fn error_codes(op: &openapiv3::Operation) -> Result<Vec<ErrorCode>> {
    let Some(entries) = op.extensions.get("x-error-codes") else {
        return Ok(Vec::new());
    };
    let entries = entries
        .as_array()
        .ok_or_else(|| Error::new("x-error-codes must be a list"))?;
    entries
        .iter()
        .map(|entry| {
            Ok(ErrorCode {
                code: string(entry, "code")?,
                status: status_of(entry.get("status").and_then(Value::as_u64))?,
                meaning: string(entry, "meaning")?,
            })
        })
        .collect::<Result<_>>()
        .map_err(|e: Error| e.context("x-error-codes"))
}

fn status_of(value: Option<u64>) -> Result<u16> {
    value
        .filter(|s| (100..600).contains(s))
        .and_then(|s| u16::try_from(s).ok())
        .ok_or_else(|| Error::new("a status must be a number from 100 to 599"))
}

fn string(value: &Value, key: &str) -> Result<String> {
    value
        .get(key)
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| Error::new(format!("`{key}` must be a string")))
}

fn object<'v>(
    value: &'v impl ObjectLike,
    key: &str,
) -> Result<impl Iterator<Item = (&'v String, &'v Value)>> {
    match value.member(key) {
        None => Ok(None.into_iter().flatten()),
        Some(Value::Object(map)) => Ok(Some(map.iter()).into_iter().flatten()),
        Some(_) => err(format!("`{key}` must be a mapping")),
    }
}

fn list<'v>(value: &'v impl ObjectLike, key: &str) -> Result<&'v [Value]> {
    match value.member(key) {
        None => Ok(&[]),
        Some(Value::Array(items)) => Ok(items),
        Some(_) => err(format!("`{key}` must be a list")),
    }
}

/// Refuses keys other than `allowed` in a mapping, so a misspelt key is not silently ignored.
fn only_keys(value: &Value, what: &str, allowed: &[&str]) -> Result<()> {
    let Some(map) = value.as_object() else {
        return err(format!("{what} must be a mapping"));
    };
    match map.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(key) => err(format!("{what}: unknown key {key}")),
        None => Ok(()),
    }
}

/// A field name or a list of them.
fn field_list(value: &Value) -> Result<Vec<String>> {
    match value {
        Value::String(field) => Ok(vec![field.clone()]),
        Value::Array(fields) if !fields.is_empty() => fields
            .iter()
            .map(|f| {
                f.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| Error::new("record fields must be strings"))
            })
            .collect(),
        _ => err("name a record field or a list of them"),
    }
}

/// A JSON object or a map: what `x-mock` values are read from.
trait ObjectLike {
    fn member(&self, key: &str) -> Option<&Value>;
}

impl ObjectLike for Value {
    fn member(&self, key: &str) -> Option<&Value> {
        self.get(key)
    }
}

impl ObjectLike for Map<String, Value> {
    fn member(&self, key: &str) -> Option<&Value> {
        self.get(key)
    }
}
