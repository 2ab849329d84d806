//! `x-sdk-pagination` → `ir::Pagination`: the query parameter that pages and the paths
//! through the response to its items and to the numbers that say where the page is.

use super::{err, Lowerer, Result};
use crate::extensions;
use crate::ir::*;
use crate::Error;

impl Lowerer<'_> {
    pub(super) fn pagination(
        &self,
        spec: &extensions::Pagination,
        response: &Response,
        params: Option<&Model>,
    ) -> Result<Pagination> {
        let Response::Json {
            ty: TypeRef::Model(model),
            unwrap: None,
        } = response
        else {
            return err("the response must be an object, and not unwrapped");
        };
        let param = page_param(&spec.param, params)?;
        let (items, item_ty) = self.items(model, &spec.items)?;
        let (current_key, current, other_key, other) = match spec.style {
            PageStyle::Page => ("current", &spec.current, "offset", &spec.offset),
            PageStyle::Offset => ("offset", &spec.offset, "current", &spec.current),
        };
        if other.is_some() {
            return err(format!(
                "`{other_key}` has no meaning for style {current_key:?}; use `{current_key}`"
            ));
        }
        let current = current
            .as_deref()
            .ok_or_else(|| Error::new(format!("`{current_key}` is required")))?;
        let int_path = |key: &str, dotted: &Option<String>| -> Result<Option<FieldPath>> {
            dotted
                .as_deref()
                .map(|dotted| self.integer_path(model, key, dotted))
                .transpose()
        };
        Ok(Pagination {
            style: spec.style,
            param: param.rust.clone(),
            param_wire: param.wire.clone(),
            items,
            item_ty,
            current: self.integer_path(model, current_key, current)?,
            last: int_path("last", &spec.last)?,
            size: int_path("size", &spec.size)?,
            total: int_path("total", &spec.total)?,
        })
    }

    /// The top-level array property of the response that holds the items, and their type.
    fn items(&self, model: &str, wire: &str) -> Result<(FieldPath, TypeRef)> {
        let (path, ty) = self.field_path(model, wire)?;
        if path.steps.len() != 1 {
            return err("`items` must be a top-level property of the response");
        }
        match ty {
            TypeRef::Array(item) => Ok((path, *item)),
            _ => err(format!("`items`: {wire} is not an array")),
        }
    }

    /// The path `dotted` through the response, which must lead to an integer.
    fn integer_path(&self, model: &str, key: &str, dotted: &str) -> Result<FieldPath> {
        let (path, ty) = self.field_path(model, dotted)?;
        if ty != TypeRef::Integer {
            return err(format!("`{key}`: {dotted} is not an integer"));
        }
        Ok(path)
    }

    /// Follows `pagination.current_page` through the response models.
    pub(super) fn field_path(&self, model: &str, dotted: &str) -> Result<(FieldPath, TypeRef)> {
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

/// The integer query parameter that selects the page (or offset).
fn page_param<'m>(wire: &str, params: Option<&'m Model>) -> Result<&'m Field> {
    params
        .and_then(|p| {
            p.fields
                .iter()
                .find(|f| f.wire == wire && f.location == Location::Query)
        })
        .filter(|f| f.ty == TypeRef::Integer)
        .ok_or_else(|| Error::new(format!("`param`: no integer query parameter {wire}")))
}
