//! Lowers a parsed OpenAPI document into the IR. This is the one place where the spec is
//! interpreted: `$ref`s are followed (`refs`), schemas become types (`types`), names are
//! chosen and checked for collisions, and the extensions (parsed in [`crate::extensions`])
//! are given their meaning: operations (`operation`), responses (`response`), paging
//! (`pagination`), the resource tree (`groups`) and the mock server's view (`mock`).

use std::collections::{BTreeMap, HashSet};

use openapiv3::{OpenAPI, ReferenceOr};

use crate::extensions::{ApiExtensions, SdkClient};
use crate::ir::*;
use crate::naming::{pascal, snake};
use crate::Error;

mod groups;
mod mock;
mod operation;
mod pagination;
mod refs;
mod response;
mod types;

/// Name of the bag of unknown fields on every model; a spec property of that name is refused.
pub const UNKNOWN_FIELDS: &str = "additional_properties";

type Result<T> = std::result::Result<T, Error>;

fn err<T>(message: impl Into<String>) -> Result<T> {
    Err(Error::new(message))
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
    let ext = ApiExtensions::parse(spec)?;
    let mut lowerer = Lowerer {
        spec,
        models: BTreeMap::new(),
        enums: BTreeMap::new(),
        params: Vec::new(),
    };
    let operations = lowerer.operations()?;
    let groups = groups::build_groups(&operations)?;
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
        client: client_info(module, spec, &ext.client),
        models,
        enums: lowerer.enums.into_values().map(|(_, e)| e).collect(),
        params,
        operations,
        groups,
        mock: mock::mock_api(&ext),
    };
    mock::check_collections(&api)?;
    prune_unreachable(&mut api);
    Ok(api)
}

impl<'a> Lowerer<'a> {
    /// Every operation of every path, in spec order.
    fn operations(&mut self) -> Result<Vec<Operation>> {
        let mut operations = Vec::new();
        for (path, item) in &self.spec.paths.paths {
            let ReferenceOr::Item(item) = item else {
                return err(format!("path {path}: a $ref path item is not supported"));
            };
            if item.head.is_some() || item.options.is_some() || item.trace.is_some() {
                return err(format!(
                    "path {path}: HEAD, OPTIONS and TRACE are not supported"
                ));
            }
            let methods = [
                (HttpMethod::Get, &item.get),
                (HttpMethod::Put, &item.put),
                (HttpMethod::Post, &item.post),
                (HttpMethod::Delete, &item.delete),
                (HttpMethod::Patch, &item.patch),
            ];
            for (method, op) in methods {
                let Some(op) = op else { continue };
                let place = operation::Place {
                    path,
                    method,
                    shared_params: &item.parameters,
                };
                let lowered = self
                    .operation(place, op)
                    .map_err(|e| e.context(format!("{} {path}", method.as_str())))?;
                operations.push(lowered);
            }
        }
        Ok(operations)
    }
}

/// Drops schemas no operation sends or returns, such as the envelope around an unwrapped
/// response or the error bodies: the SDK never hands them to the user.
fn prune_unreachable(api: &mut Api) {
    let sent = api
        .params
        .iter()
        .flat_map(|p| p.fields.iter().map(|f| &f.ty));
    let returned = api
        .operations
        .iter()
        .filter_map(|op| op.response.returned());
    let reachable = api.reachable(sent.chain(returned));
    api.models.retain(|m| reachable.models.contains(&m.name));
    api.enums.retain(|e| reachable.enums.contains(&e.name));
}

fn client_info(module: &str, spec: &OpenAPI, ext: &SdkClient) -> ClientInfo {
    let name = ext.name.clone().unwrap_or_else(|| pascal(module));
    let upper = snake(&name).to_uppercase();
    let default_base_url = spec
        .servers
        .first()
        .map(|s| s.url.trim_end_matches('/').to_string())
        .filter(|url| !url.contains('{'));
    ClientInfo {
        token_env: ext
            .token_env
            .clone()
            .unwrap_or_else(|| format!("{upper}_TOKEN")),
        base_url_env: ext
            .base_url_env
            .clone()
            .unwrap_or_else(|| format!("{upper}_BASE_URL")),
        name,
        default_base_url,
        python_prefix: ext.python_prefix.clone().unwrap_or_default(),
    }
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

fn check_unique_type_names<'n>(names: impl Iterator<Item = &'n str>) -> Result<()> {
    let mut seen = HashSet::new();
    for name in names {
        if !seen.insert(name) {
            return err(format!("two types would both be named {name}"));
        }
    }
    Ok(())
}
