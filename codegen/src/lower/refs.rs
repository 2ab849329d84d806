//! The one `$ref` resolver: follows `#/components/<kind>/<name>` references to schemas,
//! parameters and responses, through chains of references, with one style of error.

use indexmap::IndexMap;
use openapiv3::{Components, OpenAPI, Parameter, ReferenceOr, Response, Schema};

use super::{err, Result};
use crate::Error;

/// How many references in a row may lead to a component before it is taken for a loop.
const MAX_CHAIN: usize = 32;

/// A kind of component a `$ref` may point to.
pub(super) trait Component: Sized {
    /// The folder under `#/components/`.
    const KIND: &'static str;
    fn table(components: &Components) -> &IndexMap<String, ReferenceOr<Self>>;
}

impl Component for Schema {
    const KIND: &'static str = "schemas";
    fn table(components: &Components) -> &IndexMap<String, ReferenceOr<Self>> {
        &components.schemas
    }
}

impl Component for Parameter {
    const KIND: &'static str = "parameters";
    fn table(components: &Components) -> &IndexMap<String, ReferenceOr<Self>> {
        &components.parameters
    }
}

impl Component for Response {
    const KIND: &'static str = "responses";
    fn table(components: &Components) -> &IndexMap<String, ReferenceOr<Self>> {
        &components.responses
    }
}

/// The component `reference` names, with its name, following further references.
pub(super) fn named<'a, T: Component>(
    spec: &'a OpenAPI,
    reference: &'a str,
) -> Result<(&'a str, &'a T)> {
    let mut at = reference;
    for _ in 0..MAX_CHAIN {
        let prefix = format!("#/components/{}/", T::KIND);
        let Some(name) = at.strip_prefix(prefix.as_str()) else {
            return err(format!("unsupported $ref {at}: only {prefix}..."));
        };
        match spec.components.as_ref().and_then(|c| T::table(c).get(name)) {
            Some(ReferenceOr::Item(item)) => return Ok((name, item)),
            Some(ReferenceOr::Reference { reference }) => at = reference,
            None => return err(format!("$ref {at} points nowhere")),
        }
    }
    Err(Error::new(format!(
        "$ref {reference} leads through more than {MAX_CHAIN} references; is it a loop?"
    )))
}

/// The component itself, whether written in place or referenced.
pub(super) fn item<'a, T: Component>(spec: &'a OpenAPI, r: &'a ReferenceOr<T>) -> Result<&'a T> {
    match r {
        ReferenceOr::Item(item) => Ok(item),
        ReferenceOr::Reference { reference } => Ok(named(spec, reference)?.1),
    }
}
