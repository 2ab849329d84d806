//! Emits the Rust half of an API: enums, models, request structs with their client-side
//! checks, the client with one accessor per resource group, and one function per operation.

use std::collections::HashSet;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::tables::{self, path_table};
use super::{check_reserved, doc, format_file, group_type, ident, read_path, rust_type};
use crate::ir::*;
use crate::Error;

pub fn emit(api: &Api) -> Result<String, Error> {
    check_reserved(api)?;
    let info = api_info(api);
    let client = client(api);
    let groups = api.groups.iter().map(|g| group(api, g));
    let operations = api.operations.iter().map(|op| operation_fn(api, op));
    let enums = api.enums.iter().map(enum_def);
    let validated = validated_models(api);
    let models = api.models.iter().map(|m| model(m, true, &validated));
    let params = api.params.iter().map(|m| model(m, false, &validated));
    let paginated = paginated_impls(api)?;
    let decoders = super::decoders::table(api);
    let tables = tables::module(api, &validated);
    let tokens = quote! {
        #info
        #client
        #(#groups)*
        #(#operations)*
        #(#enums)*
        #(#models)*
        #(#params)*
        #(#paginated)*
        #decoders
        #tables
    };
    format_file(api, "models and client", tokens)
}

fn api_info(api: &Api) -> TokenStream {
    let ClientInfo {
        name,
        token_env,
        base_url_env,
        default_base_url,
        ..
    } = &api.client;
    let default_base_url = match default_base_url {
        Some(url) => quote!(Some(#url)),
        None => quote!(None),
    };
    quote! {
        /// What the runtime needs to know about this API to build a client.
        pub const API: crate::rt::ApiInfo = crate::rt::ApiInfo {
            name: #name,
            token_env: #token_env,
            base_url_env: #base_url_env,
            default_base_url: #default_base_url,
        };
    }
}

fn client(api: &Api) -> TokenStream {
    let title = &api.title;
    let summary = format!(" Client for the {title}.");
    let description = doc(api.description.as_deref());
    let ClientInfo {
        token_env,
        base_url_env,
        ..
    } = &api.client;
    let env_doc = format!(
        " Build it with [`Client::builder`], or [`Client::from_env`] to read `{token_env}` (and `{base_url_env}`)."
    );
    quote! {
        #[doc = #summary]
        ///
        #description
        ///
        #[doc = #env_doc]
        /// Cloning is cheap: clones share one connection pool.
        #[derive(Clone, Debug)]
        pub struct Client {
            transport: ::std::sync::Arc<crate::rt::Transport>,
        }

        impl Client {
            /// A builder with the defaults of this API.
            pub fn builder() -> crate::rt::ClientBuilder<Client> {
                crate::rt::ClientBuilder::new(&API)
            }

            /// A client configured from the environment only.
            pub fn from_env() -> Result<Client, crate::Error> {
                Self::builder().build()
            }

            /// A client with this token and every other setting from the environment or defaults.
            pub fn new(token: impl Into<String>) -> Result<Client, crate::Error> {
                Self::builder().token(token).build()
            }

            /// The base URL requests go to.
            pub fn base_url(&self) -> &str {
                self.transport.base_url()
            }

            /// A copy with other request settings (timeout, retries, default headers) that
            /// shares this client's connection pool.
            pub fn with_options(&self, options: &crate::rt::RequestOptions) -> Result<Client, crate::Error> {
                Ok(Client { transport: ::std::sync::Arc::new(self.transport.with_options(options)?) })
            }
        }

        impl crate::rt::FromTransport for Client {
            fn from_transport(transport: crate::rt::Transport) -> Self {
                Client { transport: ::std::sync::Arc::new(transport) }
            }
        }
    }
}

/// The accessor methods and operation methods of one resource group.
fn group(api: &Api, group: &Group) -> TokenStream {
    let ty = group_type(group);
    let accessors = group.children.iter().map(|child| {
        let mut path = group.path.clone();
        path.push(child.clone());
        let child_ty = api.group(&path).map(group_type);
        let name = ident(&crate::naming::rust_ident(child));
        let text = format!(" Operations on `{}`.", path.join("."));
        quote! {
            #[doc = #text]
            pub fn #name(&self) -> #child_ty<'_> {
                #child_ty { client: self.client() }
            }
        }
    });
    let methods = group
        .operations
        .iter()
        .map(|&i| operation_method(&api.operations[i], false));
    let raw_methods: Vec<TokenStream> = group
        .operations
        .iter()
        .map(|&i| operation_method(&api.operations[i], true))
        .collect();
    let raw_ty = raw_group_type(group);
    let raw_text = format!(
        " The `{}` operations, answering [`crate::rt::RawResponse`]s: status, headers, retries and elapsed time, with what the plain method returns one `parse()` away.",
        if group.path.is_empty() { "client".to_string() } else { group.path.join(".") }
    );
    let raw = (!raw_methods.is_empty()).then(|| {
        quote! {
            #[doc = #raw_text]
            #[derive(Clone, Copy, Debug)]
            pub struct #raw_ty<'a> {
                client: &'a Client,
            }

            impl #raw_ty<'_> {
                fn client(&self) -> &Client {
                    self.client
                }
                #(#raw_methods)*
            }
        }
    });
    let raw_accessor = raw.is_some().then(|| {
        quote! {
            /// The same operations, answering the raw response.
            pub fn with_raw_response(&self) -> #raw_ty<'_> {
                #raw_ty { client: self.client() }
            }
        }
    });
    let (decl, lifetime, client_expr) = if group.path.is_empty() {
        (TokenStream::new(), quote!(), quote!(self))
    } else {
        let text = format!(
            " The `{}` operations; from [`Client`].",
            group.path.join(".")
        );
        (
            quote! {
                #[doc = #text]
                #[derive(Clone, Copy, Debug)]
                pub struct #ty<'a> {
                    client: &'a Client,
                }
            },
            quote!(<'_>),
            quote!(self.client),
        )
    };
    quote! {
        #decl
        impl #ty #lifetime {
            fn client(&self) -> &Client {
                #client_expr
            }
            #(#accessors)*
            #raw_accessor
            #(#methods)*
        }
        #raw
    }
}

fn op_fn_name(op: &Operation) -> proc_macro2::Ident {
    format_ident!("op_{}", crate::naming::snake(&op.operation_id))
}

pub(super) fn decode_fn_name(op: &Operation) -> proc_macro2::Ident {
    format_ident!("decode_{}", crate::naming::snake(&op.operation_id))
}

/// `CallsRawResource`: a group's operations answering raw responses.
fn raw_group_type(group: &Group) -> proc_macro2::Ident {
    if group.path.is_empty() {
        format_ident!("ClientRawResource")
    } else {
        format_ident!("{}RawResource", group.stem())
    }
}

fn returned_type(op: &Operation) -> TokenStream {
    match op.response.returned() {
        Some(ty) => rust_type(ty),
        None => quote!(()),
    }
}

fn path_args(op: &Operation) -> (Vec<proc_macro2::Ident>, Vec<TokenStream>) {
    let names: Vec<_> = op.path_params.iter().map(|p| ident(&p.rust)).collect();
    let decls = names.iter().map(|n| quote!(#n: &str)).collect();
    (names, decls)
}

/// The public method on a resource group — a call decoded, or a first page — or, with `raw`,
/// on its raw view: the answer as received, `parse()` giving what the plain method returns.
fn operation_method(op: &Operation, raw: bool) -> TokenStream {
    let name = ident(&crate::naming::rust_ident(&op.method));
    let docs = if raw {
        let text = format!(
            " `{} {}`, answering the raw response.",
            op.http_method.as_str(),
            op.path
        );
        quote!(#[doc = #text])
    } else {
        let docs = doc(op.doc.as_deref());
        let route = format!(" `{} {}`", op.http_method.as_str(), op.path);
        quote! {
            #docs
            ///
            #[doc = #route]
        }
    };
    let (names, decls) = path_args(op);
    let op_fn = op_fn_name(op);
    let decode_fn = decode_fn_name(op);
    let returned = returned_type(op);
    let (Some(pagination), Some(params_ty)) = (&op.pagination, &op.params) else {
        let params_decl = op.params.as_ref().map(|p| {
            let p = ident(p);
            quote!(params: &#p,)
        });
        let params_arg = op.params.as_ref().map(|_| quote!(params,));
        let sent = quote!(#op_fn(&self.client().transport, #(#names,)* #params_arg)?);
        let (returned, body) = if raw {
            (
                quote!(crate::rt::RawResponse<#returned>),
                quote!(Ok(crate::rt::RawResponse::new(#sent, #decode_fn))),
            )
        } else {
            (returned, quote!(#decode_fn(&#sent)))
        };
        return quote! {
            #docs
            pub fn #name(&self, #(#decls,)* #params_decl) -> Result<#returned, crate::Error> {
                #body
            }
        };
    };
    let params_ty = ident(params_ty);
    let cursor_field = ident(&pagination.param);
    let page = quote!(crate::rt::Page<#returned>);
    let (returned, first_page, page_docs) = if raw {
        (
            quote!(crate::rt::RawResponse<#page>),
            quote! {
                let first = fetch(None)?;
                Ok(crate::rt::RawResponse::paged(first, #decode_fn, fetch))
            },
            TokenStream::new(),
        )
    } else {
        (
            page,
            quote!(crate::rt::Page::first(move |cursor| #decode_fn(&fetch(cursor)?))),
            quote! {
                ///
                /// Returns the first page; iterate the page to walk every item of every page.
            },
        )
    };
    quote! {
        #docs
        #page_docs
        pub fn #name(&self, #(#decls,)* params: &#params_ty) -> Result<#returned, crate::Error> {
            let transport = self.client().transport.clone();
            #( let #names = #names.to_owned(); )*
            let params = params.clone();
            let fetch = move |cursor: Option<i64>| {
                let mut params = params.clone();
                if let Some(cursor) = cursor {
                    params.#cursor_field = Some(cursor);
                }
                #op_fn(&transport, #(&#names,)* &params)
            };
            #first_page
        }
    }
}

/// The function that performs one request of an operation.
fn operation_fn(api: &Api, op: &Operation) -> TokenStream {
    let op_fn = op_fn_name(op);
    let (names, decls) = path_args(op);
    let module = format_ident!("{}", tables::MODULE);
    let path_table = path_table(op);
    let path_checks = op.path_params.iter().map(|p| {
        let (name, value) = (p.py.as_str(), ident(&p.rust));
        quote! {
            crate::rt::check::field(&crate::rt::At::Root, #name, &#module::#path_table::#value, #value)?;
        }
    });
    let params = op.params.as_ref().and_then(|p| api.model(p));
    let params_decl = params.map(|p| {
        let p = ident(&p.name);
        quote!(params: &#p,)
    });
    let validate = params.map(|_| {
        quote! {
            if transport.validates() {
                crate::rt::Validate::validate(params, &crate::rt::At::Root)?;
            }
        }
    });
    let method = format_ident!(
        "{}",
        match op.http_method {
            HttpMethod::Get => "Get",
            HttpMethod::Post => "Post",
            HttpMethod::Put => "Put",
            HttpMethod::Patch => "Patch",
            HttpMethod::Delete => "Delete",
        }
    );
    let mut template = op.path.clone();
    for p in &op.path_params {
        template = template.replace(&format!("{{{}}}", p.wire), "{}");
    }
    let query = params
        .into_iter()
        .flat_map(|m| &m.fields)
        .filter(|f| f.location == Location::Query)
        .map(|f| {
            let field = ident(&f.rust);
            let wire = &f.wire;
            if f.is_option() {
                quote! {
                    if let Some(value) = &params.#field {
                        request.query(#wire, value);
                    }
                }
            } else {
                quote!(request.query(#wire, &params.#field);)
            }
        });
    let body = op.has_body.then(|| quote!(request.json_body(params)?;));
    let returned = returned_type(op);
    let decode = match &op.response {
        Response::Empty => quote!(Ok(())),
        Response::Json {
            unwrap: Some(property),
            ..
        } => quote!(response.json_at(#property)),
        Response::Json { unwrap: None, .. } => quote!(response.json()),
    };
    let decode_fn = decode_fn_name(op);
    let unused = matches!(op.response, Response::Empty).then(|| quote!(let _ = response;));
    let has_query = params.is_some_and(|m| m.fields.iter().any(|f| f.location == Location::Query));
    let marked = op.marked_idempotent();
    let request_mut = (op.has_body || has_query || marked).then(|| quote!(mut));
    // Only the spec's marks: the runtime already gives each method its default class.
    let idempotent = marked.then(|| quote!(request.idempotent();));
    let path_expr = if names.is_empty() {
        quote!(#template.to_string())
    } else {
        quote!({
            #( let #names = crate::rt::encode_path(#names); )*
            format!(#template, #(#names),*)
        })
    };
    let text = format!(" Sends `{} {}`.", op.http_method.as_str(), op.path);
    let decode_text = format!(
        " Reads the answer of `{} {}`.",
        op.http_method.as_str(),
        op.path
    );
    quote! {
        #[doc = #text]
        fn #op_fn(transport: &crate::rt::Transport, #(#decls,)* #params_decl) -> Result<crate::rt::Response, crate::Error> {
            #(#path_checks)*
            #validate
            let #request_mut request = crate::rt::Request::new(crate::rt::Method::#method, #path_expr);
            #idempotent
            #(#query)*
            #body
            transport.send(request)
        }

        #[doc = #decode_text]
        fn #decode_fn(response: &crate::rt::Response) -> Result<#returned, crate::Error> {
            #unused
            #decode
        }
    }
}

fn enum_def(def: &EnumDef) -> TokenStream {
    let name = ident(&def.name);
    let docs = def.doc.as_deref().map(|d| {
        let d = doc(Some(d));
        quote!(#d #[doc = ""])
    });
    let variants: Vec<_> = def.values.iter().map(|v| ident(&v.variant)).collect();
    let wires: Vec<_> = def.values.iter().map(|v| v.wire.as_str()).collect();
    let variant_docs = wires.iter().map(|w| format!(" `{w}`"));
    quote! {
        #docs
        /// Values this SDK does not know yet arrive as `Unknown` instead of failing.
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        pub enum #name {
            #( #[doc = #variant_docs] #variants, )*
            /// A value not in the spec, kept as received.
            Unknown(String),
        }

        impl crate::rt::WireEnum for #name {
            const VALUES: &'static [&'static str] = &[#(#wires),*];

            fn as_wire(&self) -> &str {
                match self {
                    #( #name::#variants => #wires, )*
                    #name::Unknown(value) => value,
                }
            }

            fn from_wire(value: &str) -> Self {
                match value {
                    #( #wires => #name::#variants, )*
                    other => #name::Unknown(other.to_string()),
                }
            }
        }

        crate::wire_enum_impls!(#name);
    }
}

fn model(model: &Model, is_model: bool, validated: &HashSet<&str>) -> TokenStream {
    let name = ident(&model.name);
    let docs = doc(model.doc.as_deref());
    let fields = model.fields.iter().map(|f| {
        let field = ident(&f.rust);
        let mut ty = rust_type(&f.ty);
        if f.is_option() {
            ty = quote!(Option<#ty>);
        }
        let docs = doc(f.doc.as_deref());
        let wire = &f.wire;
        let renamed = f.rust.trim_start_matches("r#") != f.wire && f.location != Location::Query;
        let rename = renamed.then(|| quote!(#[serde(rename = #wire)]));
        let serde = if f.location == Location::Query {
            quote!(#[serde(skip)])
        } else if f.nullable && (is_model || f.required) {
            // A model keeps an explicit null when re-serialized (to_dict); an argument left
            // out is left out of the request, so only a required one is sent as null.
            quote!(#[serde(default)])
        } else if f.is_option() {
            quote!(#[serde(default, skip_serializing_if = "Option::is_none")])
        } else {
            quote!()
        };
        quote! {
            #docs
            #rename
            #serde
            pub #field: #ty,
        }
    });
    let extra = model.keeps_unknown_fields.then(|| {
        let bag = ident(crate::lower::UNKNOWN_FIELDS);
        quote! {
            /// Properties the spec does not describe, kept as received.
            #[serde(flatten)]
            pub #bag: ::serde_json::Map<String, ::serde_json::Value>,
        }
    });
    let derives = if is_model {
        quote!(#[derive(Clone, Debug, Default, PartialEq, ::serde::Serialize, ::serde::Deserialize)])
    } else {
        quote!(#[derive(Clone, Debug, Default, PartialEq, ::serde::Serialize)])
    };
    let validate = validate_impl(model, !is_model, validated);
    quote! {
        #docs
        #derives
        pub struct #name {
            #(#fields)*
            #extra
        }
        #validate
    }
}

/// Models with something to check, directly or in a nested model: only these are walked.
/// Decided by the same [`checked`] that picks the fields to check, until nothing changes.
fn validated_models(api: &Api) -> HashSet<&str> {
    let mut validated = HashSet::new();
    loop {
        let before = validated.len();
        for m in &api.models {
            if m.fields
                .iter()
                .any(|f| checked(&f.ty, &f.constraints, &validated))
            {
                validated.insert(m.name.as_str());
            }
        }
        if validated.len() == before {
            return validated;
        }
    }
}

/// `impl Validate`: each field with something to check is handed to the rules engine with its
/// row of the tables (`params`: a request struct, whose tables split query from body).
fn validate_impl(model: &Model, params: bool, validated: &HashSet<&str>) -> TokenStream {
    let module = format_ident!("{}", tables::MODULE);
    let checks: Vec<TokenStream> = model
        .fields
        .iter()
        .filter(|f| checked(&f.ty, &f.constraints, validated))
        .map(|f| {
            let table = tables::table_of(model, f, params);
            let (name, field) = (f.py.as_str(), ident(&f.rust));
            quote! {
                crate::rt::check::field(at, #name, &#module::#table::#field, &self.#field)?;
            }
        })
        .collect();
    let name = ident(&model.name);
    let at = if checks.is_empty() {
        quote!(_at)
    } else {
        quote!(at)
    };
    quote! {
        impl crate::rt::Validate for #name {
            fn validate(&self, #at: &crate::rt::At<'_>) -> Result<(), crate::Error> {
                #(#checks)*
                Ok(())
            }
        }
    }
}

/// Whether a value of this type and these constraints has anything to check: only such fields
/// are handed to the engine, so a request pays for the checks its spec has and no more.
fn checked(ty: &TypeRef, c: &Constraints, validated: &HashSet<&str>) -> bool {
    match ty {
        TypeRef::String => {
            c.min_length.is_some()
                || c.max_length.is_some()
                || c.pattern.is_some()
                || c.format.is_some()
        }
        TypeRef::Integer | TypeRef::Number => c.minimum.is_some() || c.maximum.is_some(),
        TypeRef::Enum(_) => true,
        TypeRef::Model(model) => validated.contains(model.as_str()),
        TypeRef::Array(element) => {
            let unconstrained = Constraints::default();
            c.min_items.is_some()
                || c.max_items.is_some()
                || checked(
                    element,
                    c.items.as_deref().unwrap_or(&unconstrained),
                    validated,
                )
        }
        TypeRef::Map(element) => checked(element, &Constraints::default(), validated),
        TypeRef::Boolean | TypeRef::Any | TypeRef::Object => false,
    }
}

/// One `Paginated` impl per paged response model. Operations may share a response model
/// (all calls and one agent's calls) only if they page it the same way.
fn paginated_impls(api: &Api) -> Result<Vec<TokenStream>, Error> {
    let mut seen: std::collections::BTreeMap<&str, (&str, String)> = Default::default();
    let mut impls = Vec::new();
    for op in &api.operations {
        let Some((model, tokens)) = paginated_impl(op) else {
            continue;
        };
        let text = tokens.to_string();
        match seen.get(model) {
            Some((_, other)) if *other == text => {}
            Some((first, _)) => {
                return Err(Error::new(format!(
                    "{}: operations {first} and {} share a response model but page it differently",
                    api.module, op.operation_id
                )))
            }
            None => {
                seen.insert(model, (&op.operation_id, text));
                impls.push(tokens);
            }
        }
    }
    Ok(impls)
}

/// The response model of a paged operation and its `Paginated` impl.
fn paginated_impl(op: &Operation) -> Option<(&str, TokenStream)> {
    let p = op.pagination.as_ref()?;
    let Response::Json {
        ty: TypeRef::Model(model),
        ..
    } = &op.response
    else {
        return None;
    };
    let response = ident(model);
    let item = rust_type(&p.item_ty);
    let items_step = p.items.steps.first()?;
    let items = ident(&items_step.rust);
    let (borrow, owned) = if items_step.optional {
        (
            quote!(self.#items.as_deref().unwrap_or(&[])),
            quote!(self.#items.unwrap_or_default()),
        )
    } else {
        (quote!(&self.#items), quote!(self.#items))
    };
    let style = format_ident!(
        "{}",
        match p.style {
            PageStyle::Page => "Page",
            PageStyle::Offset => "Offset",
        }
    );
    let read = |path: &Option<FieldPath>| match path {
        Some(path) => read_path(path),
        None => quote!(None),
    };
    let current = read_path(&p.current);
    let (last, size, total) = (read(&p.last), read(&p.size), read(&p.total));
    Some((
        model,
        quote! {
            impl crate::rt::Paginated for #response {
                type Item = #item;

                fn items(&self) -> &[#item] {
                    #borrow
                }

                fn into_items(self) -> Vec<#item> {
                    #owned
                }

                fn next_cursor(&self) -> Option<i64> {
                    crate::rt::PageState {
                        style: crate::rt::PageStyle::#style,
                        current: #current,
                        last: #last,
                        size: #size,
                        total: #total,
                        count: self.items().len(),
                    }
                    .next_cursor()
                }
            }
        },
    ))
}
