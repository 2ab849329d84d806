//! The shape of what the generator emits for the mock server: per API, static tables of its
//! operations with their inputs, documented responses and mock behaviour (from the spec's
//! `x-mock` extensions). The engine reads only these tables, so it knows no API.
//!
//! The generator emits whichever variants a spec needs; those today's specs do not use are
//! allowed to be unused rather than left out of the format.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use serde_json::Value;

/// A JSON text of the tables (an example body, seed records, a `set` value), parsed on first
/// use and then shared: the tables are static, so a text is known by its address, and the
/// cache holds at most one value per text of the tables. Empty text (no body) is `Null`, as
/// is anything that does not parse (the generator wrote it from JSON, so none should).
pub fn json(text: &'static str) -> &'static Value {
    static PARSED: OnceLock<Mutex<HashMap<(usize, usize), &'static Value>>> = OnceLock::new();
    let mut parsed = PARSED
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    parsed
        .entry((text.as_ptr() as usize, text.len()))
        .or_insert_with(|| Box::leak(Box::new(serde_json::from_str(text).unwrap_or(Value::Null))))
}

/// One API, as generated from one spec.
pub struct Api {
    /// Module name (`talkover`).
    pub name: &'static str,
    /// Prefix every valid token has (`talq_`); `None` accepts any non-empty token.
    pub token_prefix: Option<&'static str>,
    pub collections: &'static [Collection],
    pub operations: &'static [Operation],
}

/// A named set of records in each environment, with the records it starts with.
pub struct Collection {
    pub name: &'static str,
    /// The seed records, as a JSON array.
    pub seed: &'static str,
}

pub struct Operation {
    pub id: &'static str,
    pub method: &'static str,
    /// Path template as in the spec (`/api/v1/agents/{agent_id}/call`).
    pub path: &'static str,
    pub path_params: &'static [Field],
    pub query: &'static [Field],
    /// Body fields; `None` when the operation takes no body.
    pub body: Option<&'static [Field]>,
    /// Whether a request must have a body (even one whose fields are all optional).
    pub body_required: bool,
    /// Whether a bearer token is required.
    pub auth: bool,
    /// Every documented status with a body to answer it with (JSON; `""` for none).
    pub responses: &'static [Response],
    /// Documented error codes and the status each comes with.
    pub error_codes: &'static [ErrorCode],
    /// What to answer a request that breaks the spec with.
    pub invalid: Invalid,
    /// Records the request must name, checked after validation.
    pub requires: &'static [Requirement],
    pub behaviour: Behaviour,
}

pub struct Response {
    pub status: u16,
    pub body: &'static str,
}

pub struct ErrorCode {
    pub code: &'static str,
    pub status: u16,
    /// A short explanation, used as the message when the example is about another code.
    pub message: &'static str,
}

/// An error to answer with: a status, and a code when the spec names one.
#[derive(Clone, Copy, Debug)]
pub struct Failure {
    pub status: u16,
    pub code: Option<&'static str>,
}

pub struct Invalid {
    /// `field` or `field.rule` → the failure it is answered with.
    pub by_field: &'static [(&'static str, Failure)],
    /// Any other validation failure.
    pub default: Failure,
}

/// A record the path must name, optionally in a given state.
pub struct Requirement {
    pub param: &'static str,
    pub collection: &'static str,
    /// Field → JSON value the record must have.
    pub state: &'static [(&'static str, &'static str)],
    pub failure: Failure,
}

pub struct Behaviour {
    pub action: Action,
    pub collection: Option<&'static str>,
    /// Response property that holds the record, or the list of records.
    pub record_at: Option<&'static str>,
    /// How a request picks its record (lookups) or narrows the list (scope).
    pub lookup: &'static [Matcher],
    /// List filters from query parameters.
    pub filters: &'static [Matcher],
    /// Request fields copied into the record: those it has with the same name and type.
    pub copy: &'static [&'static str],
    /// Record field → JSON value or `$body.x`/`$path.x`/`$now` reference, always applied.
    pub set: &'static [(&'static str, &'static str)],
    /// As `set`, applied only when a record is created.
    pub initial: &'static [(&'static str, &'static str)],
    pub page: Option<Page>,
    /// The answer when the looked-up record does not exist.
    pub not_found: Failure,
}

#[allow(dead_code)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Answer with the documented example.
    Example,
    Create,
    List,
    Retrieve,
    Update,
    Upsert,
    Delete,
}

/// A request parameter compared with record fields.
pub struct Matcher {
    pub param: &'static str,
    /// Record fields (dotted paths) tried in order; any may match.
    pub fields: &'static [&'static str],
    pub op: MatchOp,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MatchOp {
    Equals,
    /// Case-insensitive substring.
    Contains,
    /// The field, cut to the parameter's length, sorts at or after it (dates).
    Since,
    /// The field, cut to the parameter's length, sorts at or before it.
    Until,
}

pub struct Page {
    pub style: PageStyle,
    /// The query parameter with the page number (or the offset).
    pub param: &'static str,
    /// The query parameter with the page size (or limit).
    pub size_param: &'static str,
    pub default_size: u64,
    /// Response field (dotted) → the value it reports.
    pub fields: &'static [(&'static str, PageValue)],
}

#[allow(dead_code)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PageStyle {
    Page,
    Offset,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PageValue {
    /// The page number (page style) or the offset (offset style).
    Current,
    Last,
    Size,
    Total,
    /// 1-based position of the first item of the page (0 when empty).
    From,
    /// 1-based position of the last item of the page (0 when empty).
    To,
}

/// The inputs of an operation are rows of the runtime's validation tables, which the generated
/// client emits and the mock tables reference: one set of rules for both.
pub use crate::rt::{Checks, Field, Type};
