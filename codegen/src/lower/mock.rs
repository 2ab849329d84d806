//! Lowers what the mock server needs beyond the inputs the client already has: the
//! documented responses ([`responses`]), the error codes of `x-error-codes`, and the mock
//! behaviour declared in `x-mock` (parsed in [`crate::extensions`]), checked against the
//! operation's inputs and its response's record model.

use indexmap::IndexMap;
use openapiv3::OpenAPI;
use serde_json::Value;

use super::{err, Lowerer, Result};
use crate::extensions::{self, ApiExtensions, Comparison, Fields, Filter, OperationExtensions};
use crate::ir::*;
use crate::Error;

mod responses;

/// The rules `x-mock.invalid` selectors may name (`to.required`): the names of
/// `validate::Rule` in src/mock, which the generator cannot depend on.
const RULES: &[&str] = &[
    "required", "type", "enum", "pattern", "format", "range", "length", "items",
];

/// The API-wide part: the token prefix and the collections with their seed records.
pub(super) fn mock_api(ext: &ApiExtensions) -> MockApi {
    let collections = ext
        .mock
        .iter()
        .flat_map(|root| &root.collections)
        .map(|(name, collection)| MockCollection {
            name: name.clone(),
            seed: collection.seed.iter().cloned().map(Value::Object).collect(),
        })
        .collect();
    MockApi {
        token_prefix: ext.token_prefix.clone(),
        collections,
    }
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

    /// Path parameters and body fields, with their types.
    fn sent(&self) -> impl Iterator<Item = (&String, &TypeRef)> {
        self.path.iter().map(|p| (&p.wire, &p.ty)).chain(
            self.fields
                .iter()
                .filter(|f| f.location == Location::Body)
                .map(|f| (&f.wire, &f.ty)),
        )
    }
}

/// The documented outcomes of an operation, which a mock failure must be one of.
struct Outcomes<'o> {
    responses: &'o [MockResponse],
    error_codes: &'o [ErrorCode],
}

impl Outcomes<'_> {
    fn documented(&self, status: u16) -> bool {
        self.responses.iter().any(|r| r.status == status)
    }

    fn code(&self, code: &str) -> Option<&ErrorCode> {
        self.error_codes.iter().find(|c| c.code == code)
    }

    /// A failure as written in `x-mock`: a status, a code of `x-error-codes`, or both.
    fn failure(&self, failure: &extensions::Failure) -> Result<MockFailure> {
        let failure = match failure {
            extensions::Failure::Status(status) => MockFailure {
                status: status_of(*status)?,
                code: None,
            },
            extensions::Failure::Code(code) => MockFailure {
                status: self.code(code).map(|c| c.status).ok_or_else(|| {
                    Error::new(format!("{code} is not in this operation's x-error-codes"))
                })?,
                code: Some(code.clone()),
            },
            extensions::Failure::Both(both) => {
                let status = status_of(both.status)?;
                // A code the operation does not document may be used (the mock must
                // answer something); one it does document keeps its documented status.
                if let Some(documented) = both
                    .code
                    .as_deref()
                    .and_then(|code| self.code(code))
                    .filter(|c| c.status != status)
                {
                    return err(format!(
                        "{} is documented with status {}, not {status}",
                        documented.code, documented.status
                    ));
                }
                MockFailure {
                    status,
                    code: both.code.clone(),
                }
            }
        };
        if !self.documented(failure.status) {
            return err(format!(
                "status {} is not a documented response of this operation",
                failure.status
            ));
        }
        Ok(failure)
    }

    /// The first of `statuses` the operation documents, else the last of them.
    fn fallback(&self, statuses: &[u16]) -> MockFailure {
        let status = statuses
            .iter()
            .copied()
            .find(|s| self.documented(*s))
            .or_else(|| statuses.last().copied())
            .unwrap_or(500);
        MockFailure { status, code: None }
    }
}

/// The record model an `x-mock` field name must belong to, when the response has one.
struct Record<'r> {
    model: Option<(&'r str, &'r [Field])>,
}

impl Record<'_> {
    fn check(&self, field: &str) -> Result<()> {
        let Some((model, fields)) = self.model else {
            return Ok(());
        };
        let top = field.split('.').next().unwrap_or_default();
        if fields.iter().any(|f| f.wire == top) {
            return Ok(());
        }
        err(format!("the record ({model}) has no field {top}"))
    }
}

impl<'a> Lowerer<'a> {
    pub(super) fn mock_operation(
        &self,
        op: &'a openapiv3::Operation,
        ext: &OperationExtensions,
        path_params: &[PathParam],
        params: Option<&Model>,
        response: &Response,
        pagination: Option<&Pagination>,
    ) -> Result<MockOperation> {
        let inputs = Inputs {
            path: path_params,
            fields: params.map(|p| p.fields.as_slice()).unwrap_or_default(),
        };
        let responses = self.mock_responses(op)?;
        let error_codes = error_codes(&ext.error_codes).map_err(|e| e.context("x-error-codes"))?;
        let outcomes = Outcomes {
            responses: &responses,
            error_codes: &error_codes,
        };
        let default = extensions::Mock::default();
        let mock = ext.mock.as_ref().unwrap_or(&default);

        let (invalid, invalid_default) = invalid(mock, &inputs, &outcomes)?;
        let requires = requires(mock, &inputs, &outcomes)?;
        let action = mock.action.unwrap_or(MockAction::Example);
        if (action == MockAction::Example) != mock.collection.is_none() {
            return err("`collection` goes with every action but `example`, and only with those");
        }
        check_action_keys(mock, action)?;
        let record_at = record_at(mock, response, pagination);
        if mock.collection.is_some() && action != MockAction::Delete && record_at.is_none() {
            return err("name the response property that holds the record (`record`)");
        }
        let record_model = self.record_model(response, record_at.as_deref())?;
        let record = Record {
            model: match &record_model {
                Some(name) => Some((name.as_str(), self.model_fields(name)?)),
                None => None,
            },
        };
        let lookup = lookup(mock, action, &inputs, &record).map_err(|e| e.context("lookup"))?;
        let filters = filters(mock, &inputs, &record).map_err(|e| e.context("filters"))?;
        let page = mock
            .page
            .as_ref()
            .map(|page| self.mock_page(page, pagination, &inputs, response))
            .transpose()
            .map_err(|e| e.context("page"))?;
        Ok(MockOperation {
            auth: is_secured(self.spec, op),
            copy: copyable(&record, &inputs),
            set: values(&mock.set, &inputs, &record).map_err(|e| e.context("set"))?,
            initial: values(&mock.initial, &inputs, &record).map_err(|e| e.context("initial"))?,
            not_found: match &mock.not_found {
                Some(failure) => outcomes.failure(failure)?,
                None => outcomes.fallback(&[404]),
            },
            responses,
            error_codes,
            invalid,
            invalid_default,
            requires,
            action,
            collection: mock.collection.clone(),
            record_at,
            lookup,
            filters,
            page,
        })
    }

    fn mock_page(
        &self,
        page: &extensions::MockPage,
        pagination: Option<&Pagination>,
        inputs: &Inputs<'_>,
        response: &Response,
    ) -> Result<MockPage> {
        let pagination =
            pagination.ok_or_else(|| Error::new("the operation has no x-sdk-pagination"))?;
        let size_param = &page.size;
        let default_size = inputs
            .field(size_param, Location::Query)
            .and_then(|f| f.default.as_ref())
            .and_then(Value::as_u64)
            .filter(|size| *size > 0)
            .ok_or_else(|| {
                Error::new(format!(
                    "{size_param} must be a query parameter with a positive default"
                ))
            })?;
        for path in page.fields.keys() {
            if let Response::Json {
                ty: TypeRef::Model(envelope),
                unwrap: None,
            } = response
            {
                let (_, ty) = self.field_path(envelope, path)?;
                if ty != TypeRef::Integer {
                    return err(format!("{path} is not an integer"));
                }
            }
        }
        Ok(MockPage {
            style: pagination.style,
            param: pagination.param_wire.clone(),
            size_param: size_param.clone(),
            default_size,
            fields: page
                .fields
                .iter()
                .map(|(path, value)| (path.clone(), *value))
                .collect(),
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
}

/// `x-mock.invalid`: the failure for a request that breaks the spec at a field (or a rule
/// of it), and for any other (`*`).
fn invalid(
    mock: &extensions::Mock,
    inputs: &Inputs<'_>,
    outcomes: &Outcomes<'_>,
) -> Result<(Vec<(String, MockFailure)>, MockFailure)> {
    let mut by_field = Vec::new();
    let mut default = outcomes.fallback(&[422, 400]);
    for (selector, failure) in &mock.invalid {
        if selector == "*" {
            default = outcomes.failure(failure)?;
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
        by_field.push((selector.clone(), outcomes.failure(failure)?));
    }
    Ok((by_field, default))
}

/// `x-mock.requires`: records that must exist (in a state) for the request to succeed.
fn requires(
    mock: &extensions::Mock,
    inputs: &Inputs<'_>,
    outcomes: &Outcomes<'_>,
) -> Result<Vec<MockRequirement>> {
    mock.requires
        .iter()
        .map(|requirement| {
            inputs
                .check_key(&requirement.param)
                .map_err(|e| e.context("requires"))?;
            Ok(MockRequirement {
                param: requirement.param.clone(),
                collection: requirement.collection.clone(),
                state: pairs(&requirement.state),
                failure: outcomes.failure(&requirement.error)?,
            })
        })
        .collect()
}

/// Refuses the keys that mean nothing for `action` (a `filters` on a retrieve).
fn check_action_keys(mock: &extensions::Mock, action: MockAction) -> Result<()> {
    let allowed: &[&str] = match action {
        MockAction::Example => &[],
        MockAction::Create => &["set", "initial"],
        MockAction::List => &["lookup", "filters", "page"],
        MockAction::Retrieve | MockAction::Delete => &["lookup", "not-found"],
        MockAction::Update => &["lookup", "set", "not-found"],
        MockAction::Upsert => &["lookup", "set", "initial"],
    };
    match mock
        .action_keys()
        .into_iter()
        .find(|(key, present)| *present && !allowed.contains(key))
    {
        Some((key, _)) => err(format!("`{key}` has no meaning for this action")),
        None => Ok(()),
    }
}

/// The response property that holds the record(s): `record`, else the unwrapped property,
/// else the paged items.
fn record_at(
    mock: &extensions::Mock,
    response: &Response,
    pagination: Option<&Pagination>,
) -> Option<String> {
    if let Some(at) = &mock.record {
        return Some(at.clone());
    }
    match response {
        Response::Json {
            unwrap: Some(at), ..
        } => Some(at.clone()),
        _ => pagination
            .and_then(|p| p.items.steps.first())
            .map(|step| step.wire.clone()),
    }
}

/// `x-mock.lookup`: which inputs identify the record, and the record fields they equal.
fn lookup(
    mock: &extensions::Mock,
    action: MockAction,
    inputs: &Inputs<'_>,
    record: &Record<'_>,
) -> Result<Vec<MockMatcher>> {
    let mut lookup = Vec::new();
    for (param, fields) in mock.lookup.iter().flatten() {
        inputs.check_key(param)?;
        let fields = field_list(fields)?;
        for field in &fields {
            // Inputs are kept with each record, so a lookup may also name one.
            if inputs.check_key(field).is_err() {
                record.check(field)?;
            }
        }
        lookup.push(MockMatcher {
            param: param.clone(),
            fields,
            op: MatchOp::Equals,
        });
    }
    let identifies = matches!(
        action,
        MockAction::Retrieve | MockAction::Update | MockAction::Delete | MockAction::Upsert
    );
    if identifies && lookup.is_empty() {
        return err("this action needs a `lookup` naming what identifies the record");
    }
    Ok(lookup)
}

/// `x-mock.filters`: query parameters that select records of a list.
fn filters(
    mock: &extensions::Mock,
    inputs: &Inputs<'_>,
    record: &Record<'_>,
) -> Result<Vec<MockMatcher>> {
    let mut filters = Vec::new();
    for (param, filter) in mock.filters.iter().flatten() {
        if inputs.field(param, Location::Query).is_none() {
            return err(format!("{param} is not a query parameter"));
        }
        let (op, fields) = match filter {
            Filter::Equals(fields) | Filter::Compare(Comparison::Equals(fields)) => {
                (MatchOp::Equals, fields)
            }
            Filter::Compare(Comparison::Contains(fields)) => (MatchOp::Contains, fields),
            Filter::Compare(Comparison::Since(fields)) => (MatchOp::Since, fields),
            Filter::Compare(Comparison::Until(fields)) => (MatchOp::Until, fields),
        };
        let fields = field_list(fields)?;
        for field in &fields {
            record.check(field)?;
        }
        filters.push(MockMatcher {
            param: param.clone(),
            fields,
            op,
        });
    }
    Ok(filters)
}

/// `x-mock.set` / `initial`: record fields and their values, where a `$` value must name
/// something the mock knows.
fn values(
    values: &Option<IndexMap<String, Value>>,
    inputs: &Inputs<'_>,
    record: &Record<'_>,
) -> Result<Vec<(String, Value)>> {
    let mut out = Vec::new();
    for (field, value) in values.iter().flatten() {
        record.check(field)?;
        if let Some(reference) = value.as_str().and_then(|v| v.strip_prefix('$')) {
            let known = match reference.split_once('.') {
                Some(("body", name)) => inputs.field(name, Location::Body).is_some(),
                Some(("path", name)) => inputs.has_path(name),
                None => reference == "now" || reference == "id",
                _ => false,
            };
            if !known {
                return err(format!(
                    "${reference} is not $now, $id, $body.<field> or $path.<param>"
                ));
            }
        }
        out.push((field.clone(), value.clone()));
    }
    Ok(out)
}

/// Path parameters and body fields whose name and type the record model shares.
fn copyable(record: &Record<'_>, inputs: &Inputs<'_>) -> Vec<String> {
    let Some((_, fields)) = record.model else {
        return Vec::new();
    };
    inputs
        .sent()
        .filter(|(wire, ty)| fields.iter().any(|f| &&f.wire == wire && &&f.ty == ty))
        .map(|(wire, _)| wire.clone())
        .collect()
}

/// Whether the operation (or, failing that, the whole API) asks for credentials.
fn is_secured(spec: &OpenAPI, op: &openapiv3::Operation) -> bool {
    let requirements = op.security.as_ref().or(spec.security.as_ref());
    requirements.is_some_and(|list| !list.is_empty() && list.iter().all(|r| !r.is_empty()))
}

fn error_codes(entries: &[extensions::ErrorCode]) -> Result<Vec<ErrorCode>> {
    entries
        .iter()
        .map(|entry| {
            Ok(ErrorCode {
                code: entry.code.clone(),
                status: status_of(entry.status)?,
                meaning: entry.meaning.clone(),
            })
        })
        .collect()
}

fn status_of(value: u64) -> Result<u16> {
    u16::try_from(value)
        .ok()
        .filter(|s| (100..600).contains(s))
        .ok_or_else(|| Error::new("a status must be a number from 100 to 599"))
}

/// A field name or a (non-empty) list of them.
fn field_list(fields: &Fields) -> Result<Vec<String>> {
    match fields {
        Fields::Many(fields) if fields.is_empty() => err("name a record field or a list of them"),
        fields => Ok(fields.to_vec()),
    }
}

fn pairs(values: &IndexMap<String, Value>) -> Vec<(String, Value)> {
    values.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}
