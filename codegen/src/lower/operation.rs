//! One operation → `ir::Operation`: its SDK name and group, its path parameters, its request
//! struct (query parameters and body fields), its retry class, response, paging and mock
//! behaviour.

use std::collections::HashSet;

use openapiv3::{Parameter, ParameterSchemaOrContent, ReferenceOr};

use super::response::json_schema;
use super::types::{check_field_names, object_shape, SchemaRef};
use super::{doc_of, err, refs, Lowerer, Result};
use crate::extensions::OperationExtensions;
use crate::ir::*;
use crate::naming::{pascal, python_ident, rust_ident, snake};
use crate::Error;

/// Where an operation is declared.
pub(super) struct Place<'a> {
    pub path: &'a str,
    pub method: HttpMethod,
    /// The path item's parameters, shared by its operations.
    pub shared_params: &'a [ReferenceOr<Parameter>],
}

/// The fields of a request body.
struct Body {
    fields: Vec<Field>,
    required: bool,
}

impl<'a> Lowerer<'a> {
    pub(super) fn operation(
        &mut self,
        place: Place<'a>,
        op: &'a openapiv3::Operation,
    ) -> Result<Operation> {
        let Place { path, method, .. } = place;
        let operation_id = op
            .operation_id
            .clone()
            .ok_or_else(|| Error::new("every operation needs an operationId"))?;
        let ext = OperationExtensions::parse(&op.extensions)?;
        let stem = pascal(&operation_id);
        let sdk_method = ext
            .method_name
            .as_deref()
            .map_or_else(|| snake(&operation_id), snake);
        let group = ext
            .group_name
            .as_ref()
            .map(|g| g.segments().iter().map(|s| snake(s)).collect())
            .unwrap_or_default();

        let params_name = format!("{stem}Params");
        let parameters = self.parameters(place.shared_params, op)?;
        let path_params = self.path_params(&parameters, &params_name, path)?;
        let mut fields = self.query_fields(&parameters, &params_name, path)?;
        let body = self.request_body(op, &params_name, path, method)?;
        let (has_body, body_required) = match body {
            Some(body) => {
                fields.extend(body.fields);
                (true, body.required)
            }
            None => (false, false),
        };
        check_field_names(&params_name, &fields)?;
        check_argument_names(&path_params, &fields)?;
        let params = (!fields.is_empty()).then(|| Model {
            name: params_name,
            doc: Some(format!(
                "Arguments of `{sdk_method}` (operation `{operation_id}`)."
            )),
            fields,
            keeps_unknown_fields: false,
        });

        let retry = retry_class(method, &ext).map_err(|e| e.context("x-sdk-idempotent"))?;
        let response = self.response(op, ext.unwrap.as_deref(), &stem, path)?;
        let pagination = ext
            .pagination
            .as_ref()
            .map(|p| self.pagination(p, &response, params.as_ref()))
            .transpose()
            .map_err(|e| e.context("x-sdk-pagination"))?;
        let mock = self
            .mock_operation(
                op,
                &ext,
                &path_params,
                params.as_ref(),
                &response,
                pagination.as_ref(),
            )
            .map_err(|e| e.context("x-mock"))?;
        let params = params.map(|model| {
            let name = model.name.clone();
            self.params.push(model);
            name
        });
        Ok(Operation {
            operation_id,
            method: sdk_method,
            group,
            http_method: method,
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

    /// The path item's parameters and the operation's, references followed; an operation
    /// parameter overrides a path-level one of the same name and place.
    fn parameters(
        &self,
        shared: &'a [ReferenceOr<Parameter>],
        op: &'a openapiv3::Operation,
    ) -> Result<Vec<&'a Parameter>> {
        let mut parameters: Vec<&Parameter> = Vec::new();
        for p in shared.iter().chain(&op.parameters) {
            let p = refs::item(self.spec, p)?;
            parameters.retain(|q| {
                !(q.parameter_data_ref().name == p.parameter_data_ref().name
                    && std::mem::discriminant(*q) == std::mem::discriminant(p))
            });
            parameters.push(p);
        }
        for p in &parameters {
            if matches!(p, Parameter::Header { .. } | Parameter::Cookie { .. }) {
                return err(format!(
                    "parameter {}: header and cookie parameters are not supported",
                    p.parameter_data_ref().name
                ));
            }
        }
        Ok(parameters)
    }

    /// The path parameters, each a string or an integer; every placeholder of the path
    /// template must have one.
    fn path_params(
        &mut self,
        parameters: &[&'a Parameter],
        params_name: &str,
        path: &str,
    ) -> Result<Vec<PathParam>> {
        let mut path_params = Vec::new();
        for p in parameters {
            let Parameter::Path { parameter_data, .. } = p else {
                continue;
            };
            let data = parameter_data;
            let schema = schema_of(p)?;
            let snake_name = snake(&data.name);
            let ty = self.type_of(SchemaRef::of(schema), params_name, path)?;
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
        for placeholder in placeholders(path) {
            if !path_params.iter().any(|p| p.wire == placeholder) {
                return err(format!(
                    "path placeholder {{{placeholder}}} has no path parameter"
                ));
            }
        }
        Ok(path_params)
    }

    /// The query parameters, as fields of the request struct.
    fn query_fields(
        &mut self,
        parameters: &[&'a Parameter],
        params_name: &str,
        path: &str,
    ) -> Result<Vec<Field>> {
        let mut fields = Vec::new();
        for p in parameters {
            let Parameter::Query { parameter_data, .. } = p else {
                continue;
            };
            let data = parameter_data;
            let field = self.field(
                params_name,
                path,
                &data.name,
                SchemaRef::of(schema_of(p)?),
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
        Ok(fields)
    }

    /// The request body's properties, as fields of the request struct.
    fn request_body(
        &mut self,
        op: &'a openapiv3::Operation,
        params_name: &str,
        path: &str,
        method: HttpMethod,
    ) -> Result<Option<Body>> {
        let Some(body) = &op.request_body else {
            return Ok(None);
        };
        let ReferenceOr::Item(body) = body else {
            return err("a $ref request body is not supported");
        };
        let schema = json_schema(&body.content)
            .ok_or_else(|| Error::new("the request body must be application/json with a schema"))?;
        let (parent, origin) = match SchemaRef::of(schema) {
            SchemaRef::Ref(r) => (pascal(self.component(r)?.0), r.to_string()),
            SchemaRef::Inline(_) => (
                params_name.to_string(),
                format!("{path}/{}/requestBody", method.as_str()),
            ),
        };
        let resolved = self.resolve(SchemaRef::of(schema))?;
        let shape = object_shape(resolved)
            .ok_or_else(|| Error::new("the request body must be a JSON object"))?;
        if shape.properties.is_empty() {
            // Every argument is a declared field; a body without any could not be sent.
            return err("the request body declares no properties; list the documented fields");
        }
        let mut fields = Vec::new();
        for (wire, prop) in shape.properties {
            fields.push(self.field(
                &parent,
                &origin,
                wire,
                SchemaRef::of_boxed(prop),
                shape.required.contains(wire),
                Location::Body,
                None,
            )?);
        }
        Ok(Some(Body {
            fields,
            required: body.required,
        }))
    }
}

/// A parameter's schema; parameters described by `content` are not supported.
fn schema_of(p: &Parameter) -> Result<&ReferenceOr<openapiv3::Schema>> {
    let data = p.parameter_data_ref();
    match &data.format {
        ParameterSchemaOrContent::Schema(schema) => Ok(schema),
        ParameterSchemaOrContent::Content(_) => err(format!(
            "parameter {}: only `schema` parameters are supported",
            data.name
        )),
    }
}

/// Path parameters and request fields become the arguments of one Python method.
fn check_argument_names(path_params: &[PathParam], fields: &[Field]) -> Result<()> {
    let mut names: HashSet<&str> = HashSet::new();
    for name in path_params
        .iter()
        .map(|p| p.py.as_str())
        .chain(fields.iter().map(|f| f.py.as_str()))
    {
        if !names.insert(name) {
            return err(format!("two arguments would both be named {name}"));
        }
    }
    Ok(())
}

/// The operation's retry class: its method's, or safe for a POST or PATCH marked
/// `x-sdk-idempotent: true`. The mark lets the SDK re-send a request that may have run
/// already, so it must come with an `x-note` on the operation saying why a repeat is
/// harmless; anything else that could only mislead a reader is refused.
fn retry_class(method: HttpMethod, ext: &OperationExtensions) -> Result<RetryClass> {
    let by_method = method.retry_class();
    match ext.idempotent {
        None => Ok(by_method),
        Some(false) => err(
            "`false` changes nothing: a POST or PATCH is unsafe to repeat unless marked, and \
             a GET, PUT or DELETE cannot be made unsafe; leave the mark out",
        ),
        Some(true) if by_method == RetryClass::Safe => err(format!(
            "a {} is safe to repeat by its method already; the mark is for a POST or PATCH",
            method.as_str()
        )),
        Some(true) => {
            let noted = ext
                .note
                .as_deref()
                .is_some_and(|note| !note.trim().is_empty());
            if !noted {
                return err(
                    "give the operation an x-note saying why sending it twice does what \
                     sending it once does",
                );
            }
            Ok(RetryClass::Safe)
        }
    }
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

/// `{agent_id}` placeholders of a path template.
fn placeholders(path: &str) -> Vec<&str> {
    path.split('{')
        .skip(1)
        .filter_map(|s| s.split_once('}').map(|(name, _)| name))
        .collect()
}
