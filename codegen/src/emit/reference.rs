//! Emits the API reference: `docs/api.md` for readers (per method, the Python call, the Rust
//! call, the HTTP route, its retry class and one line on what it does) and `operations.json`, the same index
//! as data, which the test suite walks to call every operation.

use std::fmt::Write;

use serde_json::{json, Value};

use super::python::page_class;
use super::python_arguments;
use super::stubs::response_type;
use crate::ir::*;
use crate::naming::rust_ident;

/// This API's part of `docs/api.md`.
pub fn markdown(api: &Api) -> String {
    let mut out = String::new();
    let client = &api.client;
    let _ = writeln!(out, "## {} (`spec/{}.yaml`)\n", api.title, api.module);
    if let Some(description) = &api.description {
        let _ = writeln!(out, "{}\n", one_line(description));
    }
    let rust_client = format!("talkover::{}::Client", api.module);
    let _ = writeln!(
        out,
        "Python `talkover.{}(token, base_url=...)` (token from `{}`, base URL from `{}`{}); \
         Rust `{rust_client}::from_env()`. {} operations.\n",
        client.name,
        client.token_env,
        client.base_url_env,
        match &client.default_base_url {
            Some(url) => format!(", else `{url}`"),
            None => String::new(),
        },
        api.operations.len(),
    );
    for group in api.groups.iter().filter(|g| !g.operations.is_empty()) {
        let _ = writeln!(out, "### `{}`\n", python_receiver(&group.path));
        out.push_str("| Python | Rust | HTTP | Retry | Returns | What it does |\n");
        out.push_str("| --- | --- | --- | --- | --- | --- |\n");
        for &i in &group.operations {
            let op = &api.operations[i];
            let _ = writeln!(
                out,
                "| `{}` | `{}` | `{} {}` | {} | {} | {} |",
                python_call(api, op),
                rust_call(op),
                op.http_method.as_str(),
                op.path,
                op.retry.as_str(),
                python_returns(api, op),
                cell(op.summary.as_deref().unwrap_or("")),
            );
        }
        out.push('\n');
    }
    out
}

/// This API's entries of `operations.json`.
pub fn index(api: &Api) -> Vec<Value> {
    api.operations
        .iter()
        .map(|op| {
            let arguments: Vec<Value> = python_arguments(api, op)
                .into_iter()
                .map(|f| {
                    json!({
                        "python": f.py,
                        "wire": f.wire,
                        "location": match f.location {
                            Location::Query => "query",
                            Location::Body => "body",
                        },
                        "required": !f.is_option(),
                    })
                })
                .collect();
            let (unwrap, returns) = match &op.response {
                Response::Empty => (None, "none"),
                Response::Json { unwrap, ty } => (
                    unwrap.clone(),
                    match (&op.pagination, ty) {
                        (Some(_), _) => "page",
                        (None, TypeRef::Model(_)) => "model",
                        (None, _) => "value",
                    },
                ),
            };
            // The response property holding a page's items, as the wire names it.
            let items = op
                .pagination
                .as_ref()
                .and_then(|p| p.items.steps.first())
                .map(|step| step.wire.clone());
            json!({
                "api": api.module,
                "client": api.client.name,
                "operation_id": op.operation_id,
                "call": op.group.iter().chain([&op.method]).cloned().collect::<Vec<_>>().join("."),
                "http_method": op.http_method.as_str(),
                "path": op.path,
                "retry": op.retry.as_str(),
                "path_params": op.path_params.iter().map(|p| json!({"python": p.py, "wire": p.wire})).collect::<Vec<_>>(),
                "arguments": arguments,
                "returns": returns,
                "unwrap": unwrap,
                "items": items,
                "mock_action": format!("{:?}", op.mock.action).to_lowercase(),
            })
        })
        .collect()
}

fn python_receiver(group: &[String]) -> String {
    std::iter::once("client")
        .chain(group.iter().map(String::as_str))
        .collect::<Vec<_>>()
        .join(".")
}

/// `client.calls.create(agent_id, *, to, …)`: path parameters, then the required keyword
/// arguments; `…` when optional ones exist.
fn python_call(api: &Api, op: &Operation) -> String {
    let mut args: Vec<String> = op.path_params.iter().map(|p| p.py.clone()).collect();
    let fields = python_arguments(api, op);
    if !fields.is_empty() {
        args.push("*".into());
        args.extend(
            fields
                .iter()
                .filter(|f| !f.is_option())
                .map(|f| f.py.clone()),
        );
        if fields.iter().any(|f| f.is_option()) {
            args.push("…".into());
        }
    }
    let mut receiver = op.group.clone();
    receiver.push(op.method.clone());
    format!("{}({})", python_receiver(&receiver), args.join(", "))
}

/// `client.agents().actions().upsert(agent_id, &UpsertAgentActionParams { .. })`.
fn rust_call(op: &Operation) -> String {
    let mut call = String::from("client");
    for segment in &op.group {
        let _ = write!(call, ".{}()", rust_ident(segment));
    }
    let mut args: Vec<String> = op.path_params.iter().map(|p| p.rust.clone()).collect();
    if let Some(params) = &op.params {
        args.push(format!("&{params} {{ .. }}"));
    }
    let _ = write!(call, ".{}({})", rust_ident(&op.method), args.join(", "));
    call
}

fn python_returns(api: &Api, op: &Operation) -> String {
    if op.pagination.is_some() {
        return format!("`{}`", page_class(api, op));
    }
    match op.response.returned() {
        None => "`None`".into(),
        // The stub's type, without the `builtins.` that keeps it apart from field names.
        Some(ty) => format!("`{}`", response_type(api, ty).replace("builtins.", "")),
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Text safe inside a table cell.
fn cell(text: &str) -> String {
    one_line(text).replace('|', "\\|")
}
