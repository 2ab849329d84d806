//! Emits the mock server's tables for one API (`<module>_mock.rs`): every operation with its
//! inputs, its documented responses and its `x-mock` behaviour, as static data of the
//! runtime's `crate::mock::spec` types. The inputs point into the client's validation tables
//! (the `fields` module of `<module>.rs`, see [`super::tables`]), so both check by one set of rules.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::Value;

use super::format_file;
use super::tables::{self, has_rows, params_table, path_table};
use crate::ir::*;
use crate::Error;

pub fn emit(api: &Api) -> Result<String, Error> {
    let operations: Vec<TokenStream> = api.operations.iter().map(|op| operation(api, op)).collect();
    let name = &api.module;
    let token_prefix = option_str(api.mock.token_prefix.as_deref());
    let collections = api.mock.collections.iter().map(|c| {
        let name = &c.name;
        let seed = Value::Array(c.seed.clone()).to_string();
        quote!(Collection { name: #name, seed: #seed })
    });
    let tokens = quote! {
        use crate::mock::spec::*;

        /// This API as the mock server serves it.
        pub(crate) static API: Api = Api {
            name: #name,
            token_prefix: #token_prefix,
            collections: &[#(#collections),*],
            operations: &[#(#operations),*],
        };
    };
    format_file(api, "mock server tables", tokens)
}

fn operation(api: &Api, op: &Operation) -> TokenStream {
    let mock = &op.mock;
    let id = &op.operation_id;
    let method = op.http_method.as_str();
    let path = &op.path;
    let module = format_ident!("{}", tables::MODULE);
    let all = format_ident!("{}", tables::ALL);
    let path_params = if op.path_params.is_empty() {
        quote!(&[])
    } else {
        let table = path_table(op);
        quote!(super::#module::#table::#all)
    };
    let params = op.params.as_ref().and_then(|name| api.model(name));
    let fields_at = |location: Location| match params {
        Some(params) if has_rows(params, location) => {
            let table = params_table(&params.name, location);
            quote!(super::#module::#table::#all)
        }
        _ => quote!(&[]),
    };
    let query = fields_at(Location::Query);
    let body = if op.has_body {
        let body = fields_at(Location::Body);
        quote!(Some(#body))
    } else {
        quote!(None)
    };
    let body_required = op.body_required;
    let auth = mock.auth;
    let responses = mock.responses.iter().map(|r| {
        let status = unsuffixed(r.status.into());
        let body = r.body.as_ref().map(Value::to_string).unwrap_or_default();
        quote!(Response { status: #status, body: #body })
    });
    let error_codes = mock.error_codes.iter().map(|c| {
        let (code, status, message) = (&c.code, unsuffixed(c.status.into()), &c.meaning);
        quote!(ErrorCode { code: #code, status: #status, message: #message })
    });
    let by_field = mock.invalid.iter().map(|(selector, f)| {
        let f = failure(f);
        quote!((#selector, #f))
    });
    let invalid_default = failure(&mock.invalid_default);
    let requires = mock.requires.iter().map(|r| {
        let (param, collection) = (&r.param, &r.collection);
        let state = pairs(&r.state);
        let f = failure(&r.failure);
        quote!(Requirement { param: #param, collection: #collection, state: &[#(#state),*], failure: #f })
    });
    let action = variant(mock.action);
    let collection = option_str(mock.collection.as_deref());
    let record_at = option_str(mock.record_at.as_deref());
    let lookup = mock.lookup.iter().map(matcher);
    let filters = mock.filters.iter().map(matcher);
    let copy = &mock.copy;
    let set = pairs(&mock.set);
    let initial = pairs(&mock.initial);
    let page = match &mock.page {
        None => quote!(None),
        Some(p) => {
            let style = variant(p.style);
            let (param, size_param) = (&p.param, &p.size_param);
            let default_size = unsuffixed(p.default_size);
            let fields = p.fields.iter().map(|(path, value)| {
                let value = variant(value);
                quote!((#path, PageValue::#value))
            });
            quote!(Some(Page {
                style: PageStyle::#style,
                param: #param,
                size_param: #size_param,
                default_size: #default_size,
                fields: &[#(#fields),*],
            }))
        }
    };
    let not_found = failure(&mock.not_found);
    quote! {
        Operation {
            id: #id,
            method: #method,
            path: #path,
            path_params: #path_params,
            query: #query,
            body: #body,
            body_required: #body_required,
            auth: #auth,
            responses: &[#(#responses),*],
            error_codes: &[#(#error_codes),*],
            invalid: Invalid { by_field: &[#(#by_field),*], default: #invalid_default },
            requires: &[#(#requires),*],
            behaviour: Behaviour {
                action: Action::#action,
                collection: #collection,
                record_at: #record_at,
                lookup: &[#(#lookup),*],
                filters: &[#(#filters),*],
                copy: &[#(#copy),*],
                set: &[#(#set),*],
                initial: &[#(#initial),*],
                page: #page,
                not_found: #not_found,
            },
        }
    }
}

fn failure(f: &MockFailure) -> TokenStream {
    let status = unsuffixed(f.status.into());
    let code = option_str(f.code.as_deref());
    quote!(Failure { status: #status, code: #code })
}

fn matcher(m: &MockMatcher) -> TokenStream {
    let param = &m.param;
    let fields = &m.fields;
    let op = variant(m.op);
    quote!(Matcher { param: #param, fields: &[#(#fields),*], op: MatchOp::#op })
}

/// `(field, JSON text)` pairs.
fn pairs(values: &[(String, Value)]) -> Vec<TokenStream> {
    values
        .iter()
        .map(|(field, value)| {
            let value = value.to_string();
            quote!((#field, #value))
        })
        .collect()
}

fn option_str(value: Option<&str>) -> TokenStream {
    match value {
        Some(v) => quote!(Some(#v)),
        None => quote!(None),
    }
}

/// The variant of a runtime enum named like the IR's.
fn variant(value: impl std::fmt::Debug) -> proc_macro2::Ident {
    format_ident!("{}", format!("{value:?}"))
}

/// A number without a type suffix, as a person would write it.
fn unsuffixed(n: u64) -> proc_macro2::Literal {
    proc_macro2::Literal::u64_unsuffixed(n)
}
