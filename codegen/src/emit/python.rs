//! Emits the pyo3 half of an API: a pyclass per model holding the Rust value (fields are
//! converted when read), a page class per paged operation, a class per resource group and the
//! client class whose methods release the GIL around each request.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{doc, format_file, ident};
use crate::ir::*;
use crate::naming::{pascal, rust_ident};
use crate::Error;

/// The Python module the classes report as theirs.
pub const PY_MODULE: &str = "talkover._native";

/// Python class name of a model of this API.
pub fn model_class(api: &Api, model: &str) -> String {
    format!("{}{model}", api.client.python_prefix)
}

/// Python class name of a resource group (`AgentsActionsResource`); the root is the client.
pub fn group_class(api: &Api, group: &Group) -> String {
    if group.path.is_empty() {
        api.client.name.clone()
    } else {
        model_class(api, &format!("{}Resource", group.stem()))
    }
}

/// Python class name of the page type of a paged operation.
pub fn page_class(api: &Api, op: &Operation) -> String {
    model_class(api, &format!("{}Page", pascal(&op.operation_id)))
}

/// Python class name of a group's raw-response view (`CallsResourceWithRawResponse`), for
/// groups that have operations of their own.
pub fn raw_group_class(api: &Api, group: &Group) -> Option<String> {
    (!group.operations.is_empty()).then(|| format!("{}WithRawResponse", group_class(api, group)))
}

/// Every Python class this API defines.
pub fn class_names(api: &Api) -> Vec<String> {
    let mut names: Vec<String> = api.groups.iter().map(|g| group_class(api, g)).collect();
    names.extend(api.groups.iter().filter_map(|g| raw_group_class(api, g)));
    names.extend(api.models.iter().map(|m| model_class(api, &m.name)));
    names.extend(
        api.operations
            .iter()
            .filter(|op| op.pagination.is_some())
            .map(|op| page_class(api, op)),
    );
    names
}

/// The value an argument of a client's constructor or `with_options` takes.
#[derive(Clone, Copy)]
pub enum ArgType {
    /// Optional text.
    Text,
    /// Optional positive seconds.
    Seconds,
    /// Optional count.
    Count,
    /// Optional header names and values.
    Headers,
    /// Optional file path.
    File,
    /// A boolean with its default.
    Flag(bool),
}

impl ArgType {
    fn rust(self) -> TokenStream {
        match self {
            ArgType::Text => quote!(Option<String>),
            ArgType::Seconds => quote!(Option<f64>),
            ArgType::Count => quote!(Option<u32>),
            ArgType::Headers => quote!(Option<::std::collections::BTreeMap<String, String>>),
            ArgType::File => quote!(Option<::std::path::PathBuf>),
            ArgType::Flag(_) => quote!(bool),
        }
    }

    fn rust_default(self) -> TokenStream {
        match self {
            ArgType::Flag(true) => quote!(true),
            ArgType::Flag(false) => quote!(false),
            _ => quote!(None),
        }
    }

    /// The annotation in the stub.
    pub fn python(self) -> &'static str {
        match self {
            ArgType::Text => "str | None",
            ArgType::Seconds => "float | None",
            ArgType::Count => "int | None",
            ArgType::Headers => "builtins.dict[str, str] | None",
            ArgType::File => "str | os.PathLike[str] | None",
            ArgType::Flag(_) => "bool",
        }
    }

    /// The default in the stub.
    pub fn python_default(self) -> &'static str {
        match self {
            ArgType::Flag(true) => "True",
            ArgType::Flag(false) => "False",
            _ => "None",
        }
    }
}

/// One argument of a client's constructor or `with_options`, every one with a default.
pub struct Argument {
    pub name: &'static str,
    pub ty: ArgType,
    /// Only by keyword (after the `*`).
    pub keyword_only: bool,
}

const fn keyword(name: &'static str, ty: ArgType) -> Argument {
    Argument {
        name,
        ty,
        keyword_only: true,
    }
}

/// The client constructor's arguments: read by this emitter (the `#[new]` that fills the
/// runtime's `py::ClientSettings`, field by field of the same names) and by the stubs.
pub const CONSTRUCTOR: &[Argument] = &[
    Argument {
        name: "token",
        ty: ArgType::Text,
        keyword_only: false,
    },
    keyword("base_url", ArgType::Text),
    keyword("timeout", ArgType::Seconds),
    keyword("validate", ArgType::Flag(true)),
    keyword("default_headers", ArgType::Headers),
    keyword("max_retries", ArgType::Count),
    keyword("ca_bundle", ArgType::File),
];

/// `client.with_options(...)`'s arguments, which fill the runtime's `py::RequestSettings`.
pub const WITH_OPTIONS: &[Argument] = &[
    keyword("timeout", ArgType::Seconds),
    keyword("max_retries", ArgType::Count),
    keyword("default_headers", ArgType::Headers),
];

/// What a pyo3 method taking `arguments` declares: its `signature = (...)` entries, and its
/// parameters.
fn pyo3_arguments(arguments: &[Argument]) -> (Vec<TokenStream>, Vec<TokenStream>) {
    let mut signature = Vec::new();
    let mut parameters = Vec::new();
    let mut keywords = false;
    for argument in arguments {
        let name = ident(argument.name);
        if argument.keyword_only && !keywords {
            keywords = true;
            signature.push(quote!(*));
        }
        let default = argument.ty.rust_default();
        signature.push(quote!(#name = #default));
        let ty = argument.ty.rust();
        parameters.push(quote!(#name: #ty));
    }
    (signature, parameters)
}

fn rust_class(python_name: &str) -> proc_macro2::Ident {
    format_ident!("Py{}", python_name)
}

pub fn emit(api: &Api) -> Result<String, Error> {
    let names = class_names(api);
    for (i, name) in names.iter().enumerate() {
        if names[..i].contains(name) {
            return Err(Error::new(format!(
                "{}: two Python classes would both be named {name}",
                api.module
            )));
        }
    }
    let classes: Vec<_> = names.iter().map(|n| rust_class(n)).collect();
    let groups = api.groups.iter().map(|g| group(api, g));
    let models = api.models.iter().map(|m| model(api, m));
    let pages = api.operations.iter().filter_map(|op| page(api, op));
    let tokens = quote! {
        use ::pyo3::prelude::*;

        /// Adds this API's classes to the native module.
        pub fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
            #( module.add_class::<#classes>()?; )*
            Ok(())
        }

        #(#groups)*
        #(#models)*
        #(#pages)*
    };
    format_file(api, "Python bindings", tokens)
}

fn group(api: &Api, group: &Group) -> TokenStream {
    let class_name = group_class(api, group);
    let class = rust_class(&class_name);
    let accessors = group.children.iter().map(|child| {
        let mut path = group.path.clone();
        path.push(child.clone());
        let child_class = api.group(&path).map(|g| rust_class(&group_class(api, g)));
        let name = ident(&rust_ident(child));
        let text = format!(" Operations on `{}`.", path.join("."));
        quote! {
            #[doc = #text]
            #[getter]
            fn #name(&self) -> #child_class {
                #child_class { client: self.client.clone() }
            }
        }
    });
    let methods = group
        .operations
        .iter()
        .map(|&i| method(api, &api.operations[i], false));
    let raw_class_name = raw_group_class(api, group);
    let raw = raw_class_name.as_ref().map(|raw_name| {
        let raw_class = rust_class(raw_name);
        let raw_methods = group
            .operations
            .iter()
            .map(|&i| method(api, &api.operations[i], true));
        let text = format!(
            " The `{}` operations, answering `RawResponse`s (status, headers, retries, elapsed; `parse()` gives what the plain method returns).",
            if group.path.is_empty() { api.client.name.clone() } else { group.path.join(".") }
        );
        let accessor = quote! {
            /// The same operations, answering the raw response.
            #[getter]
            fn with_raw_response(&self) -> #raw_class {
                #raw_class { client: self.client.clone() }
            }
        };
        let class = quote! {
            #[doc = #text]
            #[pyclass(frozen, module = #PY_MODULE, name = #raw_name)]
            pub struct #raw_class {
                client: super::Client,
            }

            #[pymethods]
            impl #raw_class {
                #(#raw_methods)*
            }
        };
        (accessor, class)
    });
    let (raw_accessor, raw_class) = raw.unzip();
    let (docs, constructor) = if group.path.is_empty() {
        let ClientInfo {
            token_env,
            base_url_env,
            name,
            ..
        } = &api.client;
        let text = format!(
            " Client for the {}. `token` defaults to `{token_env}`, `base_url` to `{base_url_env}`{}.",
            api.title,
            match &api.client.default_base_url {
                Some(url) => format!(" and then `{url}`"),
                None => String::new(),
            }
        );
        let (signature, parameters) = pyo3_arguments(CONSTRUCTOR);
        let names = CONSTRUCTOR.iter().map(|a| ident(a.name));
        let (options_signature, options_parameters) = pyo3_arguments(WITH_OPTIONS);
        let options_names = WITH_OPTIONS.iter().map(|a| ident(a.name));
        let constructor = quote! {
            #[new]
            #[pyo3(signature = (#(#signature),*))]
            #[allow(clippy::too_many_arguments)]
            fn new(py: Python<'_>, #(#parameters),*) -> PyResult<Self> {
                let settings = crate::py::ClientSettings { #(#names),* };
                let client = settings.build(py, super::Client::builder())?;
                Ok(#class { client })
            }

            /// A copy with other request settings that shares this client's connection pool.
            #[pyo3(signature = (#(#options_signature),*))]
            fn with_options(&self, py: Python<'_>, #(#options_parameters),*) -> PyResult<Self> {
                let options = crate::py::RequestSettings { #(#options_names),* }.build(py)?;
                let client = self.client.with_options(&options).map_err(|e| crate::py::to_pyerr(py, e))?;
                Ok(#class { client })
            }

            /// The base URL requests go to.
            #[getter]
            fn base_url(&self) -> &str {
                self.client.base_url()
            }

            fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
                let base_url = ::pyo3::types::PyString::new(py, self.client.base_url()).into_any();
                crate::py::repr(py, #name, &[("base_url", base_url)])
            }
        };
        (quote!(#[doc = #text]), constructor)
    } else {
        let text = format!(" The `{}` operations.", group.path.join("."));
        (quote!(#[doc = #text]), TokenStream::new())
    };
    quote! {
        #docs
        #[pyclass(frozen, module = #PY_MODULE, name = #class_name)]
        pub struct #class {
            client: super::Client,
        }

        #[pymethods]
        impl #class {
            #constructor
            #(#accessors)*
            #raw_accessor
            #(#methods)*
        }

        #raw_class
    }
}

/// How a Python argument arrives and becomes the Rust field value. Every argument goes
/// through the same JSON conversion, so any wrong value, a wrong type included, is a
/// `RequestValidationError` naming the argument, on every Python version.
fn argument(f: &Field) -> (TokenStream, TokenStream) {
    let name = ident(&rust_ident(&f.py));
    let py_name = f.py.as_str();
    if f.is_option() {
        (
            quote!(Option<Bound<'py, PyAny>>),
            quote!(crate::py::from_py_opt(#name.as_ref(), #py_name)?),
        )
    } else {
        (
            quote!(Bound<'py, PyAny>),
            quote!(crate::py::from_py(&#name, #py_name)?),
        )
    }
}

/// A method of a resource class; `raw` for its raw-response view.
fn method(api: &Api, op: &Operation, raw: bool) -> TokenStream {
    let name = ident(&rust_ident(&op.method));
    let docs = doc(Some(&super::python_method_doc(api, op)));
    let params = op.params.as_ref().and_then(|p| api.model(p));
    // Required arguments first so the signature reads naturally; all are keyword-only.
    let ordered = super::python_arguments(api, op);

    let path_names: Vec<_> = op
        .path_params
        .iter()
        .map(|p| ident(&rust_ident(&p.py)))
        .collect();
    let mut signature: Vec<TokenStream> = path_names.iter().map(|n| quote!(#n)).collect();
    if !ordered.is_empty() {
        signature.push(quote!(*));
    }
    let mut decls: Vec<TokenStream> = path_names
        .iter()
        .map(|n| quote!(#n: Bound<'py, PyAny>))
        .collect();
    let path_conversions = op.path_params.iter().zip(&path_names).map(|(p, n)| {
        let py_name = p.py.as_str();
        quote!(let #n: String = crate::py::from_py(&#n, #py_name)?;)
    });
    for f in &ordered {
        let n = ident(&rust_ident(&f.py));
        signature.push(if f.is_option() {
            quote!(#n = None)
        } else {
            quote!(#n)
        });
        let (ty, _) = argument(f);
        decls.push(quote!(#n: #ty));
    }
    let build_params = params.map(|m| {
        let ty = ident(&m.name);
        let inits = m.fields.iter().map(|f| {
            let field = ident(&f.rust);
            let (_, convert) = argument(f);
            quote!(#field: #convert)
        });
        quote! {
            let params = super::#ty { #(#inits,)* };
        }
    });
    let accessors = op.group.iter().map(|g| ident(&rust_ident(g)));
    let rust_method = ident(&rust_ident(&op.method));
    let path_args = path_names.iter().map(|n| quote!(&#n));
    let params_arg = params.map(|_| quote!(&params));
    let raw_view = raw.then(|| quote!(.with_raw_response()));
    let finish = match (&op.pagination, raw) {
        (Some(_), false) => {
            let page = rust_class(&page_class(api, op));
            quote! {
                let inner = result.map_err(|e| crate::py::to_pyerr(py, e))?;
                Ok(Bound::new(py, #page::wrap(inner))?.into_any())
            }
        }
        (Some(_), true) => {
            let page = rust_class(&page_class(api, op));
            quote! {
                crate::py::raw_response(py, result, |py, inner| Ok(Bound::new(py, #page::wrap(inner))?.into_any().unbind()))
            }
        }
        (None, false) => quote!(crate::py::convert(py, result)),
        (None, true) => quote! {
            crate::py::raw_response(py, result, |py, value| crate::py::ToPy::into_py(value, py).map(Bound::unbind))
        },
    };
    quote! {
        #docs
        #[pyo3(signature = (#(#signature),*))]
        #[allow(clippy::too_many_arguments)]
        fn #name<'py>(&self, py: Python<'py>, #(#decls),*) -> PyResult<Bound<'py, PyAny>> {
            #(#path_conversions)*
            #build_params
            let client = self.client.clone();
            let result = crate::py::blocking(py, move || client #(.#accessors())* #raw_view .#rust_method(#(#path_args,)* #params_arg));
            #finish
        }
    }
}

/// Whether a value of this type converts to model objects, which are worth keeping: read
/// again, such a field hands out the same (immutable) objects instead of copying them.
fn holds_model(ty: &TypeRef) -> bool {
    match ty {
        TypeRef::Model(_) => true,
        TypeRef::Array(item) | TypeRef::Map(item) => holds_model(item),
        _ => false,
    }
}

/// The slot a model-holding field's converted value is kept in.
fn cache_slot(f: &Field) -> proc_macro2::Ident {
    format_ident!("cache_{}", f.rust.trim_start_matches("r#"))
}

/// The cache slots of a class over `model`, the `wrap` constructor that makes them empty and
/// `value`, the model the class reads (`value_body` over `self.inner`).
fn cache_parts(
    model: &Model,
    class: &proc_macro2::Ident,
    inner: TokenStream,
    value_body: TokenStream,
) -> (TokenStream, TokenStream) {
    let ty = ident(&model.name);
    let slots: Vec<_> = model
        .fields
        .iter()
        .filter(|f| holds_model(&f.ty))
        .map(cache_slot)
        .collect();
    let decls = quote! {
        #( #slots: ::pyo3::sync::PyOnceLock<Py<PyAny>>, )*
    };
    let wrap = quote! {
        impl #class {
            fn wrap(inner: #inner) -> Self {
                #class { inner, #( #slots: ::pyo3::sync::PyOnceLock::new(), )* }
            }

            fn value(&self) -> PyResult<&super::#ty> {
                #value_body
            }
        }
    };
    (decls, wrap)
}

/// Getters, `to_dict`, `__repr__` and `__eq__` over `self.value()`, the model. `page_items`:
/// the field holding a page's items, handed out as views of the page's own response.
fn model_methods(model: &Model, class_name: &str, page_items: Option<&str>) -> TokenStream {
    let getters = model.fields.iter().map(|f| {
        let field = ident(&f.rust);
        let getter = format_ident!("get_{}", f.py.trim_end_matches('_'));
        let py_name = f.py.as_str();
        let docs = doc(f.doc.as_deref());
        let body = if page_items == Some(f.rust.as_str()) {
            let slot = cache_slot(f);
            quote!(crate::py::cached(py, &self.#slot, |py| crate::py::page_items(py, &self.inner)))
        } else if holds_model(&f.ty) {
            let slot = cache_slot(f);
            quote!(crate::py::cached(py, &self.#slot, |py| crate::py::ToPy::to_py(&self.value()?.#field, py)))
        } else {
            quote!(crate::py::ToPy::to_py(&self.value()?.#field, py))
        };
        quote! {
            #docs
            #[getter]
            #[pyo3(name = #py_name)]
            fn #getter<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                #body
            }
        }
    });
    let repr_fields = model.fields.iter().map(|f| {
        let field = ident(&f.rust);
        let py_name = f.py.as_str();
        quote!((#py_name, crate::py::ToPy::to_py(&self.value()?.#field, py)?))
    });
    quote! {
        #(#getters)*

        /// The object as JSON-shaped Python data, with wire names and unknown fields kept.
        fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
            crate::py::to_dict(py, self.value()?)
        }

        fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
            crate::py::repr(py, #class_name, &[#(#repr_fields),*])
        }

        fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
            other.cast::<Self>().is_ok_and(|other| {
                matches!((other.get().value(), self.value()), (Ok(a), Ok(b)) if a == b)
            })
        }
    }
}

fn model(api: &Api, model: &Model) -> TokenStream {
    let class_name = model_class(api, &model.name);
    let class = rust_class(&class_name);
    let ty = ident(&model.name);
    let docs = doc(model.doc.as_deref());
    let methods = model_methods(model, &class_name, None);
    let (cache, wrap) = cache_parts(
        model,
        &class,
        quote!(crate::py::Shared<super::#ty>),
        quote!(self.inner.get()),
    );
    quote! {
        #docs
        #[pyclass(frozen, module = #PY_MODULE, name = #class_name)]
        pub struct #class {
            inner: crate::py::Shared<super::#ty>,
            #cache
        }

        #wrap

        #[pymethods]
        impl #class {
            #methods
        }

        impl crate::py::ToPy for super::#ty {
            fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                self.clone().into_py(py)
            }

            fn into_py<'py>(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                crate::py::FromShared::shared_to_py(crate::py::Shared::Own(::std::sync::Arc::new(self)), py)
            }
        }

        impl crate::py::FromShared for super::#ty {
            fn shared_to_py(shared: crate::py::Shared<Self>, py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
                Ok(Bound::new(py, #class::wrap(shared))?.into_any())
            }
        }
    }
}

fn page(api: &Api, op: &Operation) -> Option<TokenStream> {
    op.pagination.as_ref()?;
    let Response::Json {
        ty: TypeRef::Model(response),
        ..
    } = &op.response
    else {
        return None;
    };
    let model = api.model(response)?;
    let class_name = page_class(api, op);
    let class = rust_class(&class_name);
    let ty = ident(response);
    // The items field, when it is a plain list of models: read as views of the page.
    let page_items = op.pagination.as_ref().and_then(|p| {
        let [step] = p.items.steps.as_slice() else {
            return None;
        };
        let field = model.fields.iter().find(|f| f.rust == step.rust)?;
        let plain = !field.is_option()
            && matches!(&field.ty, TypeRef::Array(item) if matches!(**item, TypeRef::Model(_)));
        plain.then_some(step.rust.as_str())
    });
    let methods = model_methods(model, &class_name, page_items);
    let (cache, wrap) = cache_parts(
        model,
        &class,
        quote!(crate::rt::Page<super::#ty>),
        quote!(Ok(&*self.inner)),
    );
    let text = format!(
        " One page of `{}`. Iterating it walks every item of this page and the pages after it.",
        op.method
    );
    Some(quote! {
        #[doc = #text]
        #[pyclass(frozen, module = #PY_MODULE, name = #class_name)]
        pub struct #class {
            inner: crate::rt::Page<super::#ty>,
            #cache
        }

        #wrap

        #[pymethods]
        impl #class {
            #methods

            /// Whether another page follows this one.
            fn has_next_page(&self) -> bool {
                self.inner.has_next_page()
            }

            /// Fetches the next page, or returns None after the last one.
            fn next_page<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                let page = self.inner.clone();
                let next = crate::py::blocking(py, move || page.next_page()).map_err(|e| crate::py::to_pyerr(py, e))?;
                match next {
                    Some(inner) => Ok(Bound::new(py, #class::wrap(inner))?.into_any()),
                    None => Ok(py.None().into_bound(py)),
                }
            }

            fn __iter__(&self) -> crate::py::PageIterator {
                crate::py::PageIterator::new(self.inner.clone())
            }
        }

    })
}
