//! Lowers a parsed OpenAPI document into the IR. This is the one place where the spec is
//! interpreted: `$ref`s are followed, names chosen and checked for collisions, constraints
//! collected and the `x-sdk-*` / `x-fern-*` extensions read.

use std::collections::{BTreeMap, HashSet};

use indexmap::IndexMap;
use openapiv3::{
    AdditionalProperties, OpenAPI, Parameter, ParameterSchemaOrContent, ReferenceOr, Schema,
    SchemaKind, StatusCode, StringFormat, Type, VariantOrUnknownOrEmpty,
};
use serde_json::Value;

use crate::ir::*;
use crate::naming::{pascal, python_ident, rust_ident, snake};
use crate::Error;

mod mock;

/// Name of the bag of unknown fields on every model; a spec property of that name is refused.
pub const UNKNOWN_FIELDS: &str = "additional_properties";

type Result<T> = std::result::Result<T, Error>;

fn err<T>(message: impl Into<String>) -> Result<T> {
    Err(Error::new(message))
}

/// A schema, either by reference to a component or written in place.
#[derive(Clone, Copy)]
enum SchemaRef<'a> {
    Ref(&'a str),
    Inline(&'a Schema),
}

impl<'a> SchemaRef<'a> {
    fn of(r: &'a ReferenceOr<Schema>) -> Self {
        match r {
            ReferenceOr::Reference { reference } => SchemaRef::Ref(reference),
            ReferenceOr::Item(schema) => SchemaRef::Inline(schema),
        }
    }

    fn of_boxed(r: &'a ReferenceOr<Box<Schema>>) -> Self {
        match r {
            ReferenceOr::Reference { reference } => SchemaRef::Ref(reference),
            ReferenceOr::Item(schema) => SchemaRef::Inline(schema),
        }
    }
}

/// The object-ish parts of a schema, whichever way it was written.
struct ObjectShape<'a> {
    properties: &'a IndexMap<String, ReferenceOr<Box<Schema>>>,
    required: &'a [String],
    additional: Option<&'a AdditionalProperties>,
}

fn object_shape(schema: &Schema) -> Option<ObjectShape<'_>> {
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

struct Lowerer<'a> {
    spec: &'a OpenAPI,
    /// name → (origin, model); the model is `None` while its fields are being lowered.
    models: BTreeMap<String, (String, Option<Model>)>,
    enums: BTreeMap<String, (String, EnumDef)>,
    params: Vec<Model>,
}

/// Lowers `spec` (from the file `module.yaml`) into the IR.
pub fn lower(module: &str, spec: &OpenAPI) -> Result<Api> {
    let mut lowerer = Lowerer {
        spec,
        models: BTreeMap::new(),
        enums: BTreeMap::new(),
        params: Vec::new(),
    };
    let mut operations = Vec::new();
    for (path, item) in &spec.paths.paths {
        let ReferenceOr::Item(item) = item else {
            return err(format!("path {path}: a $ref path item is not supported"));
        };
        let methods = [
            (HttpMethod::Get, &item.get),
            (HttpMethod::Put, &item.put),
            (HttpMethod::Post, &item.post),
            (HttpMethod::Delete, &item.delete),
            (HttpMethod::Patch, &item.patch),
        ];
        if item.head.is_some() || item.options.is_some() || item.trace.is_some() {
            return err(format!(
                "path {path}: HEAD, OPTIONS and TRACE are not supported"
            ));
        }
        for (method, op) in methods {
            if let Some(op) = op {
                let lowered = lowerer
                    .operation(path, method, &item.parameters, op)
                    .map_err(|e| e.context(format!("{} {path}", method.as_str())))?;
                operations.push(lowered);
            }
        }
    }
    let groups = build_groups(&operations)?;
    let mut models = Vec::new();
    for (name, (_, model)) in lowerer.models {
        models.push(model.ok_or_else(|| Error::new(format!("schema {name} is recursive")))?);
    }
    let mut params = std::mem::take(&mut lowerer.params);
    params.sort_by(|a, b| a.name.cmp(&b.name));
    let enum_names: Vec<&str> = lowerer.enums.keys().map(String::as_str).collect();
    check_unique_type_names(
        models
            .iter()
            .chain(&params)
            .map(|m| m.name.as_str())
            .chain(enum_names),
    )?;
    let mut api = Api {
        module: module.to_string(),
        title: spec.info.title.clone(),
        description: spec.info.description.clone(),
        version: spec.info.version.clone(),
        client: client_info(module, spec)?,
        models,
        enums: lowerer.enums.into_values().map(|(_, e)| e).collect(),
        params,
        operations,
        groups,
        mock: mock::mock_api(spec).map_err(|e| e.context("x-mock"))?,
    };
    mock::check_collections(&api)?;
    prune_unreachable(&mut api);
    Ok(api)
}

/// Drops schemas no operation sends or returns, such as the envelope around an unwrapped
/// response or the error bodies: the SDK never hands them to the user.
fn prune_unreachable(api: &mut Api) {
    let mut stack: Vec<TypeRef> = api
        .params
        .iter()
        .flat_map(|p| p.fields.iter().map(|f| f.ty.clone()))
        .collect();
    stack.extend(
        api.operations
            .iter()
            .filter_map(|op| op.response.returned().cloned()),
    );
    let (mut models, mut enums) = (HashSet::new(), HashSet::new());
    while let Some(ty) = stack.pop() {
        match ty {
            TypeRef::Model(name) => {
                if let Some(model) = api.models.iter().find(|m| m.name == name) {
                    if models.insert(name) {
                        stack.extend(model.fields.iter().map(|f| f.ty.clone()));
                    }
                }
            }
            TypeRef::Enum(name) => {
                enums.insert(name);
            }
            TypeRef::Array(inner) | TypeRef::Map(inner) => stack.push(*inner),
            _ => {}
        }
    }
    api.models.retain(|m| models.contains(&m.name));
    api.enums.retain(|e| enums.contains(&e.name));
}

fn client_info(module: &str, spec: &OpenAPI) -> Result<ClientInfo> {
    let ext = spec.info.extensions.get("x-sdk-client");
    let get = |key: &str| {
        ext.and_then(|e| e.get(key))
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let name = get("name").unwrap_or_else(|| pascal(module));
    let upper = snake(&name).to_uppercase();
    let default_base_url = spec
        .servers
        .first()
        .map(|s| s.url.trim_end_matches('/').to_string())
        .filter(|url| !url.contains('{'));
    Ok(ClientInfo {
        token_env: get("token-env").unwrap_or_else(|| format!("{upper}_TOKEN")),
        base_url_env: get("base-url-env").unwrap_or_else(|| format!("{upper}_BASE_URL")),
        name,
        default_base_url,
        python_prefix: get("python-prefix").unwrap_or_default(),
    })
}

fn doc_of(summary: Option<&String>, description: Option<&String>) -> Option<String> {
    let parts: Vec<&str> = [summary, description]
        .into_iter()
        .flatten()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect();
    (!parts.is_empty()).then(|| parts.join("\n\n"))
}

impl<'a> Lowerer<'a> {
    fn component(&self, reference: &'a str) -> Result<(&'a str, &'a Schema)> {
        let Some(name) = reference.strip_prefix("#/components/schemas/") else {
            return err(format!(
                "unsupported $ref {reference}: only #/components/schemas/..."
            ));
        };
        let schema = self
            .spec
            .components
            .as_ref()
            .and_then(|c| c.schemas.get(name))
            .ok_or_else(|| Error::new(format!("$ref {reference} points nowhere")))?;
        match schema {
            ReferenceOr::Item(schema) => Ok((name, schema)),
            ReferenceOr::Reference { reference } => self.component(reference),
        }
    }

    fn resolve(&self, schema: SchemaRef<'a>) -> Result<&'a Schema> {
        match schema {
            SchemaRef::Ref(r) => Ok(self.component(r)?.1),
            SchemaRef::Inline(s) => Ok(s),
        }
    }

    /// The type of `schema`; inline objects and enums are named `hint`.
    fn type_of(&mut self, schema: SchemaRef<'a>, hint: &str, origin: &str) -> Result<TypeRef> {
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
    fn field(
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

    fn operation(
        &mut self,
        path: &str,
        http_method: HttpMethod,
        shared_params: &'a [ReferenceOr<Parameter>],
        op: &'a openapiv3::Operation,
    ) -> Result<Operation> {
        let operation_id = op
            .operation_id
            .clone()
            .ok_or_else(|| Error::new("every operation needs an operationId"))?;
        let stem = pascal(&operation_id);
        let ext = &op.extensions;
        let method = match ext.get("x-fern-sdk-method-name") {
            Some(Value::String(m)) => snake(m),
            Some(_) => return err("x-fern-sdk-method-name must be a string"),
            None => snake(&operation_id),
        };
        let group = match ext.get("x-fern-sdk-group-name") {
            None => Vec::new(),
            Some(Value::String(g)) => vec![snake(g)],
            Some(Value::Array(items)) => items
                .iter()
                .map(|g| {
                    g.as_str()
                        .map(snake)
                        .ok_or_else(|| Error::new("x-fern-sdk-group-name entries must be strings"))
                })
                .collect::<Result<_>>()?,
            Some(_) => return err("x-fern-sdk-group-name must be a string or a list of strings"),
        };

        // Operation parameters override path-level ones of the same name and place.
        let mut parameters: Vec<&Parameter> = Vec::new();
        for p in shared_params.iter().chain(&op.parameters) {
            let p = match p {
                ReferenceOr::Item(p) => p,
                ReferenceOr::Reference { reference } => self.parameter(reference)?,
            };
            parameters.retain(|q| {
                !(q.parameter_data_ref().name == p.parameter_data_ref().name
                    && std::mem::discriminant(*q) == std::mem::discriminant(p))
            });
            parameters.push(p);
        }

        let params_name = format!("{stem}Params");
        let mut path_params = Vec::new();
        let mut fields = Vec::new();
        for p in parameters {
            let data = p.parameter_data_ref();
            let ParameterSchemaOrContent::Schema(schema) = &data.format else {
                return err(format!(
                    "parameter {}: only `schema` parameters are supported",
                    data.name
                ));
            };
            match p {
                Parameter::Path { .. } => {
                    let snake_name = snake(&data.name);
                    let ty = self.type_of(SchemaRef::of(schema), &params_name, path)?;
                    if !matches!(ty, TypeRef::String | TypeRef::Integer) {
                        return err(format!(
                            "path parameter {} must be a string or integer",
                            data.name
                        ));
                    }
                    path_params.push(PathParam {
                        wire: data.name.clone(),
                        ty,
                        rust: rust_ident(&snake_name),
                        py: python_ident(&snake_name),
                        doc: data.description.as_ref().map(|d| d.trim().to_string()),
                    });
                }
                Parameter::Query { .. } => {
                    let field = self.field(
                        &params_name,
                        path,
                        &data.name,
                        SchemaRef::of(schema),
                        data.required,
                        Location::Query,
                        data.description.as_ref(),
                    )?;
                    if !is_query_type(&field.ty) {
                        return err(format!(
                            "query parameter {}: objects are not supported in a query",
                            data.name
                        ));
                    }
                    fields.push(field);
                }
                Parameter::Header { .. } | Parameter::Cookie { .. } => {
                    return err(format!(
                        "parameter {}: header and cookie parameters are not supported",
                        data.name
                    ));
                }
            }
        }
        for placeholder in placeholders(path) {
            if !path_params.iter().any(|p| p.wire == placeholder) {
                return err(format!(
                    "path placeholder {{{placeholder}}} has no path parameter"
                ));
            }
        }

        let mut has_body = false;
        let mut body_required = false;
        if let Some(body) = &op.request_body {
            let ReferenceOr::Item(body) = body else {
                return err("a $ref request body is not supported");
            };
            let schema = json_schema(&body.content).ok_or_else(|| {
                Error::new("the request body must be application/json with a schema")
            })?;
            let (parent, origin) = match SchemaRef::of(schema) {
                SchemaRef::Ref(r) => (pascal(self.component(r)?.0), r.to_string()),
                SchemaRef::Inline(_) => (
                    params_name.clone(),
                    format!("{path}/{}/requestBody", http_method.as_str()),
                ),
            };
            let resolved = self.resolve(SchemaRef::of(schema))?;
            let shape = object_shape(resolved)
                .ok_or_else(|| Error::new("the request body must be a JSON object"))?;
            if shape.properties.is_empty() {
                // Every argument is a declared field; a body without any could not be sent.
                return err("the request body declares no properties; list the documented fields");
            }
            for (wire, prop) in shape.properties {
                let required = shape.required.contains(wire);
                fields.push(self.field(
                    &parent,
                    &origin,
                    wire,
                    SchemaRef::of_boxed(prop),
                    required,
                    Location::Body,
                    None,
                )?);
            }
            has_body = true;
            body_required = body.required;
        }
        check_field_names(&params_name, &fields)?;
        let mut argument_names: HashSet<&str> = HashSet::new();
        for name in path_params
            .iter()
            .map(|p| p.py.as_str())
            .chain(fields.iter().map(|f| f.py.as_str()))
        {
            if !argument_names.insert(name) {
                return err(format!("two arguments would both be named {name}"));
            }
        }
        let params = (!fields.is_empty()).then(|| params_name.clone());
        if !fields.is_empty() {
            self.params.push(Model {
                name: params_name,
                doc: Some(format!(
                    "Arguments of `{method}` (operation `{operation_id}`)."
                )),
                fields,
                keeps_unknown_fields: false,
            });
        }

        let retry = retry_class(http_method, ext).map_err(|e| e.context("x-sdk-idempotent"))?;
        let response = self.response(op, &stem, path)?;
        let pagination = match ext.get("x-sdk-pagination") {
            Some(spec) => Some(self.pagination(
                spec,
                &response,
                self.params.last().filter(|_| params.is_some()),
            )?),
            None => None,
        };
        let mock = self
            .mock_operation(
                op,
                &path_params,
                params.as_ref().and_then(|_| self.params.last()),
                &response,
            )
            .map_err(|e| e.context("x-mock"))?;
        Ok(Operation {
            operation_id,
            method,
            group,
            http_method,
            path: path.to_string(),
            summary: op.summary.as_ref().map(|s| s.trim().to_string()),
            doc: doc_of(op.summary.as_ref(), op.description.as_ref()),
            path_params,
            params,
            has_body,
            body_required,
            response,
            pagination,
            retry,
            mock,
        })
    }

    fn parameter(&self, reference: &'a str) -> Result<&'a Parameter> {
        let name = reference
            .strip_prefix("#/components/parameters/")
            .ok_or_else(|| Error::new(format!("unsupported parameter $ref {reference}")))?;
        match self
            .spec
            .components
            .as_ref()
            .and_then(|c| c.parameters.get(name))
        {
            Some(ReferenceOr::Item(p)) => Ok(p),
            _ => err(format!("parameter $ref {reference} points nowhere")),
        }
    }

    fn response(
        &mut self,
        op: &'a openapiv3::Operation,
        stem: &str,
        path: &str,
    ) -> Result<Response> {
        let success = op
            .responses
            .responses
            .iter()
            .find(|(code, _)| matches!(code, StatusCode::Code(c) if (200..300).contains(c)));
        let Some((code, response)) = success else {
            return Ok(Response::Empty);
        };
        let response = self.response_item(response)?;
        let Some(schema) = json_schema(&response.content) else {
            return Ok(Response::Empty);
        };
        let ty = self.type_of(
            SchemaRef::of(schema),
            &format!("{stem}Response"),
            &format!("{path}/{code}"),
        )?;
        let unwrap = match op.extensions.get("x-sdk-unwrap") {
            None => return Ok(Response::Json { ty, unwrap: None }),
            Some(Value::String(property)) => property.clone(),
            Some(_) => return err("x-sdk-unwrap must name one response property"),
        };
        let field = match &ty {
            TypeRef::Model(name) => self
                .model_fields(name)?
                .iter()
                .find(|f| f.wire == unwrap)
                .cloned(),
            _ => None,
        };
        let field = field.ok_or_else(|| {
            Error::new(format!(
                "x-sdk-unwrap: the response has no property {unwrap}"
            ))
        })?;
        if field.is_option() {
            return err(format!(
                "x-sdk-unwrap: property {unwrap} must be required and not nullable"
            ));
        }
        Ok(Response::Json {
            ty: field.ty,
            unwrap: Some(unwrap),
        })
    }

    /// A response, following a `$ref` to `#/components/responses/...`.
    fn response_item(
        &self,
        response: &'a ReferenceOr<openapiv3::Response>,
    ) -> Result<&'a openapiv3::Response> {
        match response {
            ReferenceOr::Item(r) => Ok(r),
            ReferenceOr::Reference { reference } => {
                let name = reference
                    .strip_prefix("#/components/responses/")
                    .unwrap_or(reference);
                match self
                    .spec
                    .components
                    .as_ref()
                    .and_then(|c| c.responses.get(name))
                {
                    Some(ReferenceOr::Item(r)) => Ok(r),
                    _ => err(format!("response $ref {reference} points nowhere")),
                }
            }
        }
    }

    fn model_fields(&self, name: &str) -> Result<&[Field]> {
        match self.models.get(name) {
            Some((_, Some(model))) => Ok(&model.fields),
            _ => err(format!("model {name} is not known yet")),
        }
    }

    fn pagination(
        &self,
        spec: &Value,
        response: &Response,
        params: Option<&Model>,
    ) -> Result<Pagination> {
        let context = |e: Error| e.context("x-sdk-pagination");
        let text = |key: &str| spec.get(key).and_then(Value::as_str);
        let style = match text("style") {
            Some("page") => PageStyle::Page,
            Some("offset") => PageStyle::Offset,
            other => {
                return Err(context(Error::new(format!(
                    "style must be `page` or `offset`, not {other:?}"
                ))))
            }
        };
        let Response::Json {
            ty: TypeRef::Model(model),
            unwrap: None,
        } = response
        else {
            return Err(context(Error::new(
                "the response must be an object, and not unwrapped",
            )));
        };
        let param_wire = text("param").ok_or_else(|| context(Error::new("`param` is required")))?;
        let param = params
            .and_then(|p| {
                p.fields
                    .iter()
                    .find(|f| f.wire == param_wire && f.location == Location::Query)
            })
            .filter(|f| f.ty == TypeRef::Integer)
            .ok_or_else(|| {
                context(Error::new(format!(
                    "`param`: no integer query parameter {param_wire}"
                )))
            })?;
        let items_wire = text("items").ok_or_else(|| context(Error::new("`items` is required")))?;
        let items = self.field_path(model, items_wire).map_err(context)?;
        if items.0.steps.len() != 1 {
            return Err(context(Error::new(
                "`items` must be a top-level property of the response",
            )));
        }
        let item_ty = match items.1 {
            TypeRef::Array(item) => *item,
            _ => {
                return Err(context(Error::new(format!(
                    "`items`: {items_wire} is not an array"
                ))))
            }
        };
        let int_path = |key: &str| -> Result<Option<FieldPath>> {
            let Some(dotted) = text(key) else {
                return Ok(None);
            };
            let (path, ty) = self.field_path(model, dotted)?;
            if ty != TypeRef::Integer {
                return err(format!("`{key}`: {dotted} is not an integer"));
            }
            Ok(Some(path))
        };
        let current_key = match style {
            PageStyle::Page => "current",
            PageStyle::Offset => "offset",
        };
        Ok(Pagination {
            style,
            param: param.rust.clone(),
            items: items.0,
            item_ty,
            current: int_path(current_key)
                .map_err(context)?
                .ok_or_else(|| context(Error::new(format!("`{current_key}` is required"))))?,
            last: int_path("last").map_err(context)?,
            size: int_path("size").map_err(context)?,
            total: int_path("total").map_err(context)?,
        })
    }

    /// Follows `pagination.current_page` through the response models.
    fn field_path(&self, model: &str, dotted: &str) -> Result<(FieldPath, TypeRef)> {
        let mut steps = Vec::new();
        let mut current = TypeRef::Model(model.to_string());
        for segment in dotted.split('.') {
            let TypeRef::Model(name) = &current else {
                return err(format!(
                    "{dotted}: {segment} is inside a value that is not an object"
                ));
            };
            let field = self
                .model_fields(name)?
                .iter()
                .find(|f| f.wire == segment)
                .ok_or_else(|| Error::new(format!("{dotted}: {name} has no property {segment}")))?;
            steps.push(FieldStep {
                rust: field.rust.clone(),
                wire: field.wire.clone(),
                optional: field.is_option(),
            });
            current = field.ty.clone();
        }
        Ok((FieldPath { steps }, current))
    }
}

/// The operation's retry class: its method's, or safe for a POST or PATCH marked
/// `x-sdk-idempotent: true`. The mark lets the SDK re-send a request that may have run
/// already, so it must come with an `x-note` on the operation saying why a repeat is
/// harmless; anything else that could only mislead a reader is refused.
fn retry_class(method: HttpMethod, ext: &IndexMap<String, Value>) -> Result<RetryClass> {
    let by_method = method.retry_class();
    match ext.get("x-sdk-idempotent") {
        None => Ok(by_method),
        Some(Value::Bool(false)) => err(
            "`false` changes nothing: a POST or PATCH is unsafe to repeat unless marked, and \
             a GET, PUT or DELETE cannot be made unsafe; leave the mark out",
        ),
        Some(Value::Bool(true)) if by_method == RetryClass::Safe => err(format!(
            "a {} is safe to repeat by its method already; the mark is for a POST or PATCH",
            method.as_str()
        )),
        Some(Value::Bool(true)) => {
            let noted = ext
                .get("x-note")
                .and_then(Value::as_str)
                .is_some_and(|note| !note.trim().is_empty());
            if !noted {
                return err(
                    "give the operation an x-note saying why sending it twice does what \
                     sending it once does",
                );
            }
            Ok(RetryClass::Safe)
        }
        Some(other) => err(format!("must be `true`, not {other}")),
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

fn is_query_type(ty: &TypeRef) -> bool {
    match ty {
        TypeRef::String
        | TypeRef::Integer
        | TypeRef::Number
        | TypeRef::Boolean
        | TypeRef::Enum(_) => true,
        TypeRef::Array(item) => !matches!(**item, TypeRef::Array(_)) && is_query_type(item),
        _ => false,
    }
}

fn json_schema(content: &IndexMap<String, openapiv3::MediaType>) -> Option<&ReferenceOr<Schema>> {
    content
        .iter()
        .find(|(mime, _)| mime.as_str() == "application/json" || mime.ends_with("+json"))
        .and_then(|(_, media)| media.schema.as_ref())
}

/// `{agent_id}` placeholders of a path template.
pub fn placeholders(path: &str) -> Vec<&str> {
    path.split('{')
        .skip(1)
        .filter_map(|s| s.split_once('}').map(|(name, _)| name))
        .collect()
}

fn check_field_names(owner: &str, fields: &[Field]) -> Result<()> {
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

fn check_unique_type_names<'n>(names: impl Iterator<Item = &'n str>) -> Result<()> {
    let mut seen = HashSet::new();
    for name in names {
        if !seen.insert(name) {
            return err(format!("two types would both be named {name}"));
        }
    }
    Ok(())
}

fn build_groups(operations: &[Operation]) -> Result<Vec<Group>> {
    let mut groups = vec![Group {
        path: Vec::new(),
        children: Vec::new(),
        operations: Vec::new(),
    }];
    for (index, op) in operations.iter().enumerate() {
        for depth in 1..=op.group.len() {
            let path = &op.group[..depth];
            if !groups.iter().any(|g| g.path == path) {
                groups.push(Group {
                    path: path.to_vec(),
                    children: Vec::new(),
                    operations: Vec::new(),
                });
                let parent = groups
                    .iter_mut()
                    .find(|g| g.path == path[..depth - 1])
                    .ok_or_else(|| Error::new("group tree"))?;
                parent.children.push(path[depth - 1].clone());
            }
        }
        let group = groups
            .iter_mut()
            .find(|g| g.path == op.group)
            .ok_or_else(|| Error::new("group tree"))?;
        group.operations.push(index);
    }
    for group in &groups {
        let mut names: HashSet<&str> = group.children.iter().map(String::as_str).collect();
        for &index in &group.operations {
            let method = operations[index].method.as_str();
            if !names.insert(method) {
                return err(format!(
                    "{}: the SDK name {method} is used twice in group [{}]",
                    operations[index].operation_id,
                    group.path.join(", ")
                ));
            }
        }
    }
    Ok(groups)
}
