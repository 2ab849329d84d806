//! The talkover SDK generator: turns an OpenAPI 3.0.3 spec into the generated sources of
//! the SDK. It reads like the pipeline it is: [`load`] → [`lower`] (the IR in [`ir`], the
//! spec's extensions parsed in [`extensions`]) → one emitter per output in [`emit`]. It
//! knows nothing about any particular API.

mod crate_apis;
pub mod emit;
pub mod extensions;
pub mod ir;
pub mod load;
pub mod lower;
pub mod naming;

use std::path::Path;

pub use crate_apis::apis_file;

/// A generation failure, with the place in the spec it concerns.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Error(String);

impl Error {
    pub fn new(message: impl Into<String>) -> Self {
        Error(message.into())
    }

    /// Prefixes the message with where it happened.
    pub fn context(self, place: impl std::fmt::Display) -> Self {
        Error(format!("{place}: {}", self.0))
    }
}

/// Everything generated from one spec.
#[derive(Debug, Clone)]
pub struct Generated {
    /// Rust module name (the spec's file stem).
    pub module: String,
    /// Models, request structs and the client (`<module>.rs`).
    pub rust: String,
    /// pyo3 wrappers (`<module>_python.rs`), compiled with the `python` feature.
    pub python: String,
    /// The mock server's tables (`<module>_mock.rs`), compiled with the `mock` feature.
    pub mock: String,
    /// The command line's table and dispatch (`<module>_cli.rs`), compiled with the `cli` feature.
    pub cli: String,
    /// The part of `_native.pyi` for this API.
    pub stub: String,
    /// This API's section of `docs/api.md`.
    pub reference: String,
    /// This API's entries of `operations.json`.
    pub index: Vec<serde_json::Value>,
    /// Python-visible class names, to check for clashes between APIs.
    pub python_names: Vec<String>,
    /// `METHOD /path/{}` of every operation, placeholders unnamed: the mock serves every API
    /// on one port, so no two may share one.
    pub routes: Vec<String>,
}

/// Generates one API from its spec text; `module` names it (the spec's file stem).
pub fn generate(module: &str, spec_yaml: &str) -> Result<Generated, Error> {
    let spec = load::parse(spec_yaml)?;
    let api = lower::lower(module, &spec).map_err(|e| e.context(module))?;
    Ok(Generated {
        module: module.to_string(),
        rust: emit::rust::emit(&api)?,
        python: emit::python::emit(&api)?,
        mock: emit::mock::emit(&api)?,
        cli: emit::cli::emit(&api)?,
        stub: emit::stubs::emit(&api),
        reference: emit::reference::markdown(&api),
        index: emit::reference::index(&api),
        python_names: emit::python::class_names(&api),
        routes: api
            .operations
            .iter()
            .map(|op| format!("{} {}", op.http_method.as_str(), route_shape(&op.path)))
            .collect(),
    })
}

/// `/agents/{agent_id}/call` → `/agents/{}/call`: paths a router cannot tell apart look alike.
fn route_shape(path: &str) -> String {
    path.split('/')
        .map(|segment| {
            if segment.starts_with('{') {
                "{}"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// The path prefix the mock server keeps for its test controls (`PREFIX` in
/// src/mock/control.rs; the generator cannot depend on the runtime, so it is spelt twice).
const MOCK_CONTROL_PREFIX: &str = "/__mock__";

/// Generates one API from a spec file; the module is the file stem.
pub fn generate_file(path: &Path) -> Result<Generated, Error> {
    let module = path
        .file_stem()
        .and_then(|s| s.to_str())
        .map(naming::snake)
        .ok_or_else(|| Error::new(format!("{}: no usable file name", path.display())))?;
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::new(format!("{}: {e}", path.display())))?;
    generate(&module, &text).map_err(|e| e.context(path.display()))
}

/// The stub file for the native module: the shared header and every API's part, after
/// checking that no two APIs expose the same Python class name.
pub fn stub_file(apis: &[Generated]) -> Result<String, Error> {
    check_together(apis)?;
    Ok(emit::stubs::file(apis))
}

/// `docs/api.md`: every API's methods, generated from the specs.
pub fn reference_file(apis: &[Generated]) -> String {
    let mut out = String::from(
        "# API reference\n\n\
         Generated from `spec/*.yaml` by `make stubs`; do not edit by hand. Each method is listed \
         with its Python call, its Rust call, its HTTP route, its retry class and what it \
         does. Path parameters \
         are positional; everything else is a keyword argument in Python (`…` stands for the \
         optional ones) and a field of the params struct in Rust. Paged methods return the \
         first page; iterating it walks every item of every page.\n\n\
         Retry says what the SDK may do when it cannot tell whether a request ran (a timeout, \
         a dropped connection, a 5xx): a `safe` request may be sent again, since sending it \
         twice does what sending it once does; an `unsafe` one may not (a second make-call \
         would be a second phone call), and is re-sent only when it surely never reached the \
         server. GET, \
         PUT and DELETE are safe; POST and PATCH are unsafe unless the spec marks them \
         `x-sdk-idempotent`, with an `x-note` saying why.\n\n",
    );
    for api in apis {
        out.push_str(&api.reference);
    }
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}

/// `operations.json`: every operation of every API with its SDK names, for the test suite.
pub fn index_file(apis: &[Generated]) -> String {
    let all: Vec<&serde_json::Value> = apis.iter().flat_map(|api| &api.index).collect();
    let mut text = serde_json::to_string_pretty(&all).unwrap_or_default();
    text.push('\n');
    text
}

/// What no single spec can check: Python class names and mock routes must be unique across
/// all APIs, since they share one native module and one mock port.
pub fn check_together(apis: &[Generated]) -> Result<(), Error> {
    let mut classes = std::collections::BTreeMap::new();
    let mut routes = std::collections::BTreeMap::new();
    for api in apis {
        for name in &api.python_names {
            if let Some(other) = classes.insert(name.clone(), api.module.clone()) {
                return Err(Error::new(format!(
                    "Python class {name} is generated by both {other} and {}; give one spec an info.x-sdk-client.python-prefix",
                    api.module
                )));
            }
        }
        for route in &api.routes {
            if route
                .split_once(' ')
                .is_some_and(|(_, path)| path.starts_with(MOCK_CONTROL_PREFIX))
            {
                return Err(Error::new(format!(
                    "{}: {route} is under {MOCK_CONTROL_PREFIX}, which the mock server keeps for itself",
                    api.module
                )));
            }
            if let Some(other) = routes.insert(route.clone(), api.module.clone()) {
                return Err(Error::new(format!(
                    "{route} is an operation of both {other} and {}; the mock could not tell them apart",
                    api.module
                )));
            }
        }
    }
    Ok(())
}
