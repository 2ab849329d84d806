//! The intermediate representation: one API as the emitters see it, with every name resolved,
//! every `$ref` followed and every constraint collected. Emitters only print this.

use std::collections::BTreeSet;

use serde::Deserialize;
use serde_json::Value;

/// One API (one spec file).
#[derive(Debug, Clone)]
pub struct Api {
    /// Rust module name, from the spec's file name (`talkover`).
    pub module: String,
    pub title: String,
    pub description: Option<String>,
    pub version: String,
    pub client: ClientInfo,
    /// Object schemas, sorted by name.
    pub models: Vec<Model>,
    /// String enums, sorted by name.
    pub enums: Vec<EnumDef>,
    /// Operation request structs (query + body fields of one operation).
    pub params: Vec<Model>,
    pub operations: Vec<Operation>,
    /// Resource groups, parents before children; the first is the client itself (empty path).
    pub groups: Vec<Group>,
    /// The mock server's view of the API as a whole.
    pub mock: MockApi,
}

/// From `info.x-sdk-client`.
#[derive(Debug, Clone)]
pub struct ClientInfo {
    /// Public client name (`Talkover`): the Python class.
    pub name: String,
    pub token_env: String,
    pub base_url_env: String,
    /// The spec's first server, unless it is templated (then the user must give one).
    pub default_base_url: Option<String>,
    /// Put before every other Python class name of this API (`Talkturo` → `TalkturoCampaign`),
    /// since all APIs share one native module; Rust keeps each API in its own module instead.
    pub python_prefix: String,
}

#[derive(Debug, Clone)]
pub struct Model {
    pub name: String,
    pub doc: Option<String>,
    pub fields: Vec<Field>,
    /// Responses keep fields the spec does not know; operation params do not.
    pub keeps_unknown_fields: bool,
}

#[derive(Debug, Clone)]
pub struct Field {
    /// The name on the wire.
    pub wire: String,
    /// Rust identifier (possibly `r#type`).
    pub rust: String,
    /// Python attribute / argument name (possibly `from_`).
    pub py: String,
    pub ty: TypeRef,
    pub required: bool,
    pub nullable: bool,
    pub doc: Option<String>,
    pub constraints: Constraints,
    pub default: Option<Value>,
    /// Where an operation parameter goes; `Body` for model fields.
    pub location: Location,
}

impl Field {
    /// Whether the Rust type is wrapped in `Option`.
    pub fn is_option(&self) -> bool {
        !self.required || self.nullable
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    Query,
    Body,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TypeRef {
    String,
    Integer,
    Number,
    Boolean,
    /// Any JSON value.
    Any,
    /// A free-form JSON object.
    Object,
    /// An object whose values all have one type.
    Map(Box<TypeRef>),
    Array(Box<TypeRef>),
    Model(String),
    Enum(String),
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Constraints {
    pub minimum: Option<f64>,
    pub maximum: Option<f64>,
    pub exclusive_minimum: bool,
    pub exclusive_maximum: bool,
    pub min_length: Option<usize>,
    pub max_length: Option<usize>,
    pub pattern: Option<String>,
    pub format: Option<Format>,
    pub min_items: Option<usize>,
    pub max_items: Option<usize>,
    /// Constraints on each item of an array (`days_of_week` items from 1 to 7).
    pub items: Option<Box<Constraints>>,
}

/// String formats the SDK checks before sending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Date,
    DateTime,
    Uri,
    Email,
}

#[derive(Debug, Clone)]
pub struct EnumDef {
    pub name: String,
    pub doc: Option<String>,
    pub values: Vec<EnumValue>,
}

#[derive(Debug, Clone)]
pub struct EnumValue {
    pub wire: String,
    pub variant: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpMethod {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl HttpMethod {
    /// The retry class a method has unless the spec says otherwise: GET, PUT and DELETE are
    /// idempotent by HTTP's definition, POST and PATCH are not.
    pub fn retry_class(self) -> RetryClass {
        match self {
            HttpMethod::Get | HttpMethod::Put | HttpMethod::Delete => RetryClass::Safe,
            HttpMethod::Post | HttpMethod::Patch => RetryClass::Unsafe,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
            HttpMethod::Put => "PUT",
            HttpMethod::Patch => "PATCH",
            HttpMethod::Delete => "DELETE",
        }
    }
}

/// Whether an operation may be sent again after it may have reached the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryClass {
    /// Sending it twice does what sending it once does: GET, PUT, DELETE, and a POST or
    /// PATCH the spec marks `x-sdk-idempotent: true`.
    Safe,
    /// A second copy may act twice (a second phone call, a second charge).
    Unsafe,
}

impl RetryClass {
    pub fn as_str(self) -> &'static str {
        match self {
            RetryClass::Safe => "safe",
            RetryClass::Unsafe => "unsafe",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Operation {
    pub operation_id: String,
    /// snake_case method name in both languages.
    pub method: String,
    /// Resource group path, snake_case (`["agents", "actions"]`); empty = on the client.
    pub group: Vec<String>,
    pub http_method: HttpMethod,
    /// Path template as in the spec (`/api/v1/agents/{agent_id}/call`).
    pub path: String,
    pub summary: Option<String>,
    pub doc: Option<String>,
    pub path_params: Vec<PathParam>,
    /// Name of the request struct in `Api::params`, when the operation has query or body fields.
    pub params: Option<String>,
    pub has_body: bool,
    /// Whether the spec marks the request body required (a request without one is refused).
    pub body_required: bool,
    pub response: Response,
    pub pagination: Option<Pagination>,
    pub retry: RetryClass,
    /// How the mock server answers this operation.
    pub mock: MockOperation,
}

impl Operation {
    /// Whether the spec marks this POST or PATCH safe to repeat, against its method's default.
    pub fn marked_idempotent(&self) -> bool {
        self.retry == RetryClass::Safe && self.http_method.retry_class() == RetryClass::Unsafe
    }
}

#[derive(Debug, Clone)]
pub struct PathParam {
    pub wire: String,
    pub ty: TypeRef,
    pub rust: String,
    pub py: String,
    pub doc: Option<String>,
}

#[derive(Debug, Clone)]
pub enum Response {
    /// No body (204) or one the spec does not describe.
    Empty,
    /// A JSON body; with `unwrap`, the method returns that property of it.
    Json { ty: TypeRef, unwrap: Option<String> },
}

impl Response {
    /// The type the SDK method hands back (before any paging).
    pub fn returned(&self) -> Option<&TypeRef> {
        match self {
            Response::Empty => None,
            Response::Json { ty, .. } => Some(ty),
        }
    }
}

/// From `x-sdk-pagination`.
#[derive(Debug, Clone)]
pub struct Pagination {
    pub style: PageStyle,
    /// Rust field of the params struct that selects the page (or offset).
    pub param: String,
    /// The same query parameter's wire name.
    pub param_wire: String,
    /// The response property with the items, and their type.
    pub items: FieldPath,
    pub item_ty: TypeRef,
    /// `page`: the current page number; `offset`: the offset applied.
    pub current: FieldPath,
    /// `page`: the last page number, when the response gives one.
    pub last: Option<FieldPath>,
    /// Page size applied, to stop on a short page.
    pub size: Option<FieldPath>,
    /// `offset`: the total number of items, when the response gives one.
    pub total: Option<FieldPath>,
}

/// Spelt in the spec as `page` or `offset` (`x-sdk-pagination.style`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PageStyle {
    Page,
    Offset,
}

/// A path of fields from a response model down to a value.
#[derive(Debug, Clone)]
pub struct FieldPath {
    pub steps: Vec<FieldStep>,
}

#[derive(Debug, Clone)]
pub struct FieldStep {
    pub rust: String,
    pub wire: String,
    pub optional: bool,
}

/// A node of the resource tree: `client.agents`, `client.agents.actions`.
#[derive(Debug, Clone)]
pub struct Group {
    pub path: Vec<String>,
    /// Child group names (last path segment), in first-seen order.
    pub children: Vec<String>,
    /// Indexes into `Api::operations`.
    pub operations: Vec<usize>,
}

impl Group {
    /// Type-name stem: `AgentsActions`; the client group has none.
    pub fn stem(&self) -> String {
        self.path.iter().map(|s| crate::naming::pascal(s)).collect()
    }
}

impl Api {
    pub fn model(&self, name: &str) -> Option<&Model> {
        self.models
            .iter()
            .chain(self.params.iter())
            .find(|m| m.name == name)
    }

    pub fn enum_def(&self, name: &str) -> Option<&EnumDef> {
        self.enums.iter().find(|e| e.name == name)
    }

    pub fn group(&self, path: &[String]) -> Option<&Group> {
        self.groups.iter().find(|g| g.path == path)
    }

    /// The one walk over the type graph: the models and enums that `roots` lead to, through
    /// model fields, array items and map values.
    pub fn reachable<'t>(&self, roots: impl IntoIterator<Item = &'t TypeRef>) -> Reachable {
        let mut found = Reachable::default();
        let mut stack: Vec<&TypeRef> = roots.into_iter().collect();
        while let Some(ty) = stack.pop() {
            match ty {
                TypeRef::Model(name) => {
                    if let Some(model) = self.models.iter().find(|m| &m.name == name) {
                        if found.models.insert(name.clone()) {
                            stack.extend(model.fields.iter().map(|f| &f.ty));
                        }
                    }
                }
                TypeRef::Enum(name) => {
                    found.enums.insert(name.clone());
                }
                TypeRef::Array(inner) | TypeRef::Map(inner) => stack.push(inner),
                _ => {}
            }
        }
        found
    }
}

/// What [`Api::reachable`] found, by name.
#[derive(Debug, Default)]
pub struct Reachable {
    pub models: BTreeSet<String>,
    pub enums: BTreeSet<String>,
}

/// From the spec's security scheme and root `x-mock` extension.
#[derive(Debug, Clone, Default)]
pub struct MockApi {
    /// What every valid token starts with (`x-token-prefix` on the bearer scheme).
    pub token_prefix: Option<String>,
    pub collections: Vec<MockCollection>,
}

/// A kind of record the mock keeps per environment, and the records it starts with.
#[derive(Debug, Clone)]
pub struct MockCollection {
    pub name: String,
    pub seed: Vec<Value>,
}

/// Everything the mock server needs about one operation beyond its inputs.
#[derive(Debug, Clone)]
pub struct MockOperation {
    pub auth: bool,
    /// Every documented status with a body: the documented example, or one built from the schema.
    pub responses: Vec<MockResponse>,
    /// From `x-error-codes`.
    pub error_codes: Vec<ErrorCode>,
    /// `field` or `field.rule` → failure, for requests that break the spec.
    pub invalid: Vec<(String, MockFailure)>,
    pub invalid_default: MockFailure,
    pub requires: Vec<MockRequirement>,
    pub action: MockAction,
    pub collection: Option<String>,
    /// Response property holding the record or the list of records.
    pub record_at: Option<String>,
    pub lookup: Vec<MockMatcher>,
    pub filters: Vec<MockMatcher>,
    /// Request fields copied into the record: those the record model has with the same type.
    pub copy: Vec<String>,
    pub set: Vec<(String, Value)>,
    pub initial: Vec<(String, Value)>,
    pub page: Option<MockPage>,
    pub not_found: MockFailure,
}

#[derive(Debug, Clone)]
pub struct MockResponse {
    pub status: u16,
    /// `None` for a response without a JSON body.
    pub body: Option<Value>,
}

#[derive(Debug, Clone)]
pub struct ErrorCode {
    pub code: String,
    pub status: u16,
    pub meaning: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MockFailure {
    pub status: u16,
    pub code: Option<String>,
}

#[derive(Debug, Clone)]
pub struct MockRequirement {
    pub param: String,
    pub collection: String,
    pub state: Vec<(String, Value)>,
    pub failure: MockFailure,
}

/// Spelt in the spec in lower case (`x-mock.action`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MockAction {
    Example,
    Create,
    List,
    Retrieve,
    Update,
    Upsert,
    Delete,
}

#[derive(Debug, Clone)]
pub struct MockMatcher {
    pub param: String,
    pub fields: Vec<String>,
    pub op: MatchOp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchOp {
    Equals,
    Contains,
    Since,
    Until,
}

#[derive(Debug, Clone)]
pub struct MockPage {
    pub style: PageStyle,
    pub param: String,
    pub size_param: String,
    pub default_size: u64,
    pub fields: Vec<(String, PageValue)>,
}

/// Spelt in the spec in lower case (`x-mock.page.fields`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PageValue {
    Current,
    Last,
    Size,
    Total,
    From,
    To,
}
