//! An operation's success response → `ir::Response`: the type of its JSON body, or the one
//! property of it that `x-sdk-unwrap` names.

use indexmap::IndexMap;
use openapiv3::{MediaType, ReferenceOr, Schema, StatusCode};

use super::types::SchemaRef;
use super::{err, refs, Lowerer, Result};
use crate::ir::*;
use crate::Error;

impl<'a> Lowerer<'a> {
    /// What the SDK method returns: the first 2xx response's JSON body, unwrapped to the
    /// property `unwrap` when given; `Empty` when there is no such body.
    pub(super) fn response(
        &mut self,
        op: &'a openapiv3::Operation,
        unwrap: Option<&str>,
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
        match unwrap {
            None => Ok(Response::Json { ty, unwrap: None }),
            Some(property) => self.unwrapped(&ty, property),
        }
    }

    /// The response that hands back `property` of a body of type `ty`.
    fn unwrapped(&self, ty: &TypeRef, property: &str) -> Result<Response> {
        let field = match ty {
            TypeRef::Model(name) => self.model_fields(name)?.iter().find(|f| f.wire == property),
            _ => None,
        };
        let field = field.ok_or_else(|| {
            Error::new(format!(
                "x-sdk-unwrap: the response has no property {property}"
            ))
        })?;
        if field.is_option() {
            return err(format!(
                "x-sdk-unwrap: property {property} must be required and not nullable"
            ));
        }
        Ok(Response::Json {
            ty: field.ty.clone(),
            unwrap: Some(property.to_string()),
        })
    }

    /// A response, following a `$ref` to `#/components/responses/...`.
    pub(super) fn response_item(
        &self,
        response: &'a ReferenceOr<openapiv3::Response>,
    ) -> Result<&'a openapiv3::Response> {
        refs::item(self.spec, response)
    }
}

/// The schema of a JSON body (`application/json` or `+json`).
pub(super) fn json_schema(content: &IndexMap<String, MediaType>) -> Option<&ReferenceOr<Schema>> {
    json_media(content).and_then(|media| media.schema.as_ref())
}

/// The JSON media type of a body (`application/json` or `+json`).
pub(super) fn json_media(content: &IndexMap<String, MediaType>) -> Option<&MediaType> {
    content
        .iter()
        .find(|(mime, _)| mime.as_str() == "application/json" || mime.ends_with("+json"))
        .map(|(_, media)| media)
}
