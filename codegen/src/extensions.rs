//! The spec's extensions (`x-sdk-*`, `x-fern-sdk-*`, `x-mock`, `x-error-codes`,
//! `x-token-prefix`), each parsed once, here, into a typed value. Every mapping refuses keys
//! it does not know, so a misspelt key is a spec error naming the extension and the key
//! instead of a setting silently ignored. What the values mean is checked by lowering.

use indexmap::IndexMap;
use openapiv3::{OpenAPI, ReferenceOr, SecurityScheme};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::ir::{MockAction, PageStyle, PageValue};
use crate::Error;

type Result<T> = std::result::Result<T, Error>;

/// Extensions names of our own vocabulary start with this; one the generator does not know
/// is a spelling mistake.
const OWN_PREFIX: &str = "x-sdk-";

/// The extensions of the document as a whole.
#[derive(Debug, Default)]
pub struct ApiExtensions {
    /// `info.x-sdk-client`.
    pub client: SdkClient,
    /// The root `x-mock`.
    pub mock: Option<RootMock>,
    /// `x-token-prefix` of the (last) HTTP security scheme that has one.
    pub token_prefix: Option<String>,
}

impl ApiExtensions {
    pub fn parse(spec: &OpenAPI) -> Result<Self> {
        let info = &spec.info.extensions;
        only_known(info, &["x-sdk-client"]).map_err(|e| e.context("info"))?;
        let mut token_prefix = None;
        let schemes = spec
            .components
            .iter()
            .flat_map(|c| c.security_schemes.values());
        for scheme in schemes {
            if let ReferenceOr::Item(SecurityScheme::HTTP { extensions, .. }) = scheme {
                if let Some(prefix) = get(extensions, "x-token-prefix")? {
                    token_prefix = Some(prefix);
                }
            }
        }
        Ok(ApiExtensions {
            client: get_as(info, "x-sdk-client", "info.x-sdk-client")?.unwrap_or_default(),
            mock: get_as(&spec.extensions, "x-mock", "the root x-mock")?,
            token_prefix,
        })
    }
}

/// `info.x-sdk-client`: how the client is named and configured.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct SdkClient {
    pub name: Option<String>,
    pub token_env: Option<String>,
    pub base_url_env: Option<String>,
    pub python_prefix: Option<String>,
}

/// The root `x-mock`: the collections of records the mock keeps.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RootMock {
    pub collections: IndexMap<String, Collection>,
    #[serde(rename = "x-note")]
    pub note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Collection {
    #[serde(default)]
    pub seed: Vec<Map<String, Value>>,
    #[serde(rename = "x-note")]
    pub note: Option<String>,
}

/// The extensions of one operation.
#[derive(Debug, Default)]
pub struct OperationExtensions {
    /// `x-fern-sdk-method-name`.
    pub method_name: Option<String>,
    /// `x-fern-sdk-group-name`.
    pub group_name: Option<GroupName>,
    /// `x-sdk-idempotent`.
    pub idempotent: Option<bool>,
    /// `x-note`: why the operation is as it is (required with `x-sdk-idempotent`).
    pub note: Option<String>,
    /// `x-sdk-unwrap`: the response property the method returns.
    pub unwrap: Option<String>,
    /// `x-sdk-pagination`.
    pub pagination: Option<Pagination>,
    /// `x-error-codes`.
    pub error_codes: Vec<ErrorCode>,
    /// `x-mock`.
    pub mock: Option<Mock>,
}

impl OperationExtensions {
    pub fn parse(ext: &IndexMap<String, Value>) -> Result<Self> {
        only_known(
            ext,
            &["x-sdk-idempotent", "x-sdk-unwrap", "x-sdk-pagination"],
        )?;
        Ok(OperationExtensions {
            method_name: get(ext, "x-fern-sdk-method-name")?,
            group_name: get(ext, "x-fern-sdk-group-name")?,
            idempotent: get(ext, "x-sdk-idempotent")?,
            note: get(ext, "x-note")?,
            unwrap: get(ext, "x-sdk-unwrap")?,
            pagination: get(ext, "x-sdk-pagination")?,
            error_codes: get(ext, "x-error-codes")?.unwrap_or_default(),
            mock: get(ext, "x-mock")?,
        })
    }
}

/// `x-fern-sdk-group-name`: one group, or a path of nested ones.
#[derive(Debug, Deserialize)]
#[serde(untagged, expecting = "a string or a list of strings")]
pub enum GroupName {
    One(String),
    Nested(Vec<String>),
}

impl GroupName {
    pub fn segments(&self) -> &[String] {
        match self {
            GroupName::One(name) => std::slice::from_ref(name),
            GroupName::Nested(names) => names,
        }
    }
}

/// `x-sdk-pagination`: which query parameter pages and where the response says how far.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pagination {
    pub style: PageStyle,
    /// The query parameter (wire name) that selects the page or offset.
    pub param: String,
    /// The response property with the items.
    pub items: String,
    /// `page` style: the dotted path of the current page number.
    pub current: Option<String>,
    /// `offset` style: the dotted path of the offset applied.
    pub offset: Option<String>,
    pub last: Option<String>,
    pub size: Option<String>,
    pub total: Option<String>,
}

/// One entry of `x-error-codes`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorCode {
    pub code: String,
    pub status: u64,
    pub meaning: String,
}

/// An operation's `x-mock`: how the mock server answers it.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Mock {
    pub action: Option<MockAction>,
    pub collection: Option<String>,
    /// The response property that holds the record(s).
    pub record: Option<String>,
    /// Input → the record field(s) it must equal.
    pub lookup: Option<IndexMap<String, Fields>>,
    /// Query parameter → how it selects records.
    pub filters: Option<IndexMap<String, Filter>>,
    /// Record field → value (JSON, or `$now`, `$id`, `$body.<field>`, `$path.<param>`).
    pub set: Option<IndexMap<String, Value>>,
    pub initial: Option<IndexMap<String, Value>>,
    pub page: Option<MockPage>,
    #[serde(default)]
    pub requires: Vec<Requirement>,
    /// `field`, `field.rule` or `*` → the failure for a request that breaks the spec there.
    #[serde(default)]
    pub invalid: IndexMap<String, Failure>,
    pub not_found: Option<Failure>,
    #[serde(rename = "x-note")]
    pub note: Option<String>,
}

impl Mock {
    /// The keys that only some actions give a meaning to, and whether each is present.
    pub fn action_keys(&self) -> [(&'static str, bool); 6] {
        [
            ("lookup", self.lookup.is_some()),
            ("filters", self.filters.is_some()),
            ("page", self.page.is_some()),
            ("set", self.set.is_some()),
            ("initial", self.initial.is_some()),
            ("not-found", self.not_found.is_some()),
        ]
    }
}

/// A record field, or a list of them.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged, expecting = "a record field or a list of them")]
pub enum Fields {
    One(String),
    Many(Vec<String>),
}

impl Fields {
    pub fn to_vec(&self) -> Vec<String> {
        match self {
            Fields::One(field) => vec![field.clone()],
            Fields::Many(fields) => fields.clone(),
        }
    }
}

/// A filter: the record fields a query value must equal, or a comparison with them.
#[derive(Debug, Deserialize)]
#[serde(
    untagged,
    expecting = "record fields, or one of {equals, contains, since, until} naming them"
)]
pub enum Filter {
    Equals(Fields),
    Compare(Comparison),
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Comparison {
    Equals(Fields),
    Contains(Fields),
    Since(Fields),
    Until(Fields),
}

/// `x-mock.page`: how the mock cuts a list into pages.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MockPage {
    /// The page-size query parameter.
    pub size: String,
    /// Dotted response path → the value the mock writes there.
    #[serde(default)]
    pub fields: IndexMap<String, PageValue>,
}

/// One of `x-mock.requires`: a record that must exist (in a state) for the request to succeed.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Requirement {
    pub param: String,
    pub collection: String,
    #[serde(default, rename = "where")]
    pub state: IndexMap<String, Value>,
    pub error: Failure,
    #[serde(rename = "x-note")]
    pub note: Option<String>,
}

/// How the mock fails a request: a status, a documented error code, or both.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged, expecting = "a status, a code or {status, code}")]
pub enum Failure {
    Status(u64),
    Code(String),
    Both(StatusAndCode),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusAndCode {
    pub status: u64,
    pub code: Option<String>,
}

/// Parses the extension `name` of `ext`, if present; errors name the extension and the key.
fn get<T: DeserializeOwned>(ext: &IndexMap<String, Value>, name: &str) -> Result<Option<T>> {
    get_as(ext, name, name)
}

/// [`get`], with errors naming the extension `label`.
fn get_as<T: DeserializeOwned>(
    ext: &IndexMap<String, Value>,
    name: &str,
    label: &str,
) -> Result<Option<T>> {
    ext.get(name)
        .map(|value| {
            serde_path_to_error::deserialize(value).map_err(|e| {
                let mut at = e.path().to_string();
                let message = e.inner().to_string();
                // An unknown key's path ends in the key, which the message names already.
                if let Some(serde_path_to_error::Segment::Map { key }) = e.path().iter().next_back()
                {
                    if message.starts_with("unknown field") {
                        let parent = at.strip_suffix(key.as_str()).unwrap_or(&at);
                        at = parent.trim_end_matches('.').to_string();
                    }
                }
                match at.as_str() {
                    "" | "." => Error::new(format!("{label}: {message}")),
                    _ => Error::new(format!("{label}: {at}: {message}")),
                }
            })
        })
        .transpose()
}

/// Refuses an extension of our own vocabulary that is not in `known`.
fn only_known(ext: &IndexMap<String, Value>, known: &[&str]) -> Result<()> {
    match ext
        .keys()
        .find(|k| k.starts_with(OWN_PREFIX) && !known.contains(&k.as_str()))
    {
        Some(name) => Err(Error::new(format!(
            "unknown extension {name}; known: {}",
            known.join(", ")
        ))),
        None => Ok(()),
    }
}
