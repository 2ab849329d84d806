//! Emits the mock server's tables for one API (`<module>_mock.rs`): every operation with its
//! inputs and their constraints, its documented responses and its `x-mock` behaviour, as
//! static data of the runtime's `crate::mock::spec` types.

use std::collections::BTreeMap;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::Value;

use super::format_file;
use crate::ir::*;
use crate::Error;

pub fn emit(api: &Api) -> Result<String, Error> {
    let mut tables = Tables::default();
    for model in reachable_models(api) {
        tables.model(api, model);
    }
    let operations: Vec<TokenStream> = api
        .operations
        .iter()
        .map(|op| operation(api, op, &mut tables))
        .collect();
    let name = &api.module;
    let token_prefix = option_str(api.mock.token_prefix.as_deref());
    let collections = api.mock.collections.iter().map(|c| {
        let name = &c.name;
        let seed = Value::Array(c.seed.clone()).to_string();
        quote!(Collection { name: #name, seed: #seed })
    });
    let statics = tables.statics;
    let tokens = quote! {
        use crate::mock::spec::*;

        /// This API as the mock server serves it.
        pub(crate) static API: Api = Api {
            name: #name,
            token_prefix: #token_prefix,
            collections: &[#(#collections),*],
            operations: &[#(#operations),*],
        };

        #(#statics)*
    };
    format_file(api, "mock server tables", tokens)
}

/// Statics shared by several fields: request models and compiled patterns.
#[derive(Default)]
struct Tables {
    statics: Vec<TokenStream>,
    patterns: BTreeMap<String, proc_macro2::Ident>,
}

impl Tables {
    fn model(&mut self, api: &Api, model: &Model) {
        let name = model_static(&model.name);
        let count = unsuffixed(model.fields.len() as u64);
        let fields: Vec<TokenStream> = model.fields.iter().map(|f| self.field(api, f)).collect();
        self.statics.push(quote! {
            static #name: [Field; #count] = [#(#fields),*];
        });
    }

    fn field(&mut self, api: &Api, field: &Field) -> TokenStream {
        let wire = &field.wire;
        let ty = self.ty(api, &field.ty);
        let required = field.required;
        let nullable = field.nullable;
        let checks = self.checks(&field.constraints);
        quote!(Field { wire: #wire, ty: #ty, required: #required, nullable: #nullable, checks: #checks })
    }

    fn ty(&mut self, api: &Api, ty: &TypeRef) -> TokenStream {
        match ty {
            TypeRef::String => quote!(Type::String),
            TypeRef::Integer => quote!(Type::Integer),
            TypeRef::Number => quote!(Type::Number),
            TypeRef::Boolean => quote!(Type::Boolean),
            TypeRef::Any => quote!(Type::Any),
            TypeRef::Object => quote!(Type::Object),
            TypeRef::Map(inner) => {
                let inner = self.ty(api, inner);
                quote!(Type::Map(&#inner))
            }
            TypeRef::Array(inner) => {
                let inner = self.ty(api, inner);
                quote!(Type::Array(&#inner))
            }
            TypeRef::Model(name) => {
                let name = model_static(name);
                quote!(Type::Model(&#name))
            }
            TypeRef::Enum(name) => {
                let values: Vec<String> = api
                    .enum_def(name)
                    .map(|e| e.values.iter().map(|v| v.wire.clone()).collect())
                    .unwrap_or_default();
                quote!(Type::Enum(&[#(#values),*]))
            }
        }
    }

    fn checks(&mut self, c: &Constraints) -> TokenStream {
        let mut set = Vec::new();
        let bound = |value: Option<f64>, exclusive: bool| {
            value.map(|v| {
                let v = proc_macro2::Literal::f64_unsuffixed(v);
                quote!(Some((#v, #exclusive)))
            })
        };
        if let Some(min) = bound(c.minimum, c.exclusive_minimum) {
            set.push(quote!(minimum: #min));
        }
        if let Some(max) = bound(c.maximum, c.exclusive_maximum) {
            set.push(quote!(maximum: #max));
        }
        for (name, value) in [
            ("min_length", c.min_length),
            ("max_length", c.max_length),
            ("min_items", c.min_items),
            ("max_items", c.max_items),
        ] {
            if let Some(value) = value {
                let value = unsuffixed(value as u64);
                let name = format_ident!("{name}");
                set.push(quote!(#name: Some(#value)));
            }
        }
        if let Some(items) = &c.items {
            let items = self.checks(items);
            set.push(quote!(items: Some(&#items)));
        }
        if let Some(pattern) = &c.pattern {
            let next = format_ident!("PATTERN_{}", self.patterns.len());
            let name = self
                .patterns
                .entry(pattern.clone())
                .or_insert_with(|| next.clone())
                .clone();
            if name == next {
                self.statics.push(quote! {
                    static #name: crate::rt::Pattern = crate::rt::Pattern::new(#pattern);
                });
            }
            set.push(quote!(pattern: Some(&#name)));
        }
        if let Some(format) = c.format {
            let format = variant(format);
            set.push(quote!(format: Some(crate::rt::Format::#format)));
        }
        if set.is_empty() {
            quote!(Checks::NONE)
        } else {
            quote!(Checks { #(#set,)* ..Checks::NONE })
        }
    }
}

fn model_static(name: &str) -> proc_macro2::Ident {
    format_ident!("MODEL_{}", crate::naming::snake(name).to_uppercase())
}

/// The models a request can contain: only those need validation tables.
fn reachable_models(api: &Api) -> Vec<&Model> {
    let sent = api
        .params
        .iter()
        .flat_map(|p| p.fields.iter().map(|f| &f.ty));
    let reachable = api.reachable(sent);
    api.models
        .iter()
        .filter(|m| reachable.models.contains(&m.name))
        .collect()
}

fn operation(api: &Api, op: &Operation, tables: &mut Tables) -> TokenStream {
    let mock = &op.mock;
    let id = &op.operation_id;
    let method = op.http_method.as_str();
    let path = &op.path;
    let path_params = op.path_params.iter().map(|p| {
        let wire = &p.wire;
        let ty = tables.ty(api, &p.ty);
        quote!(Field { wire: #wire, ty: #ty, required: true, nullable: false, checks: Checks::NONE })
    });
    let path_params: Vec<TokenStream> = path_params.collect();
    let fields_at = |tables: &mut Tables, location: Location| -> Vec<TokenStream> {
        op.params
            .as_ref()
            .and_then(|name| api.model(name))
            .map(|m| {
                m.fields
                    .iter()
                    .filter(|f| f.location == location)
                    .map(|f| tables.field(api, f))
                    .collect()
            })
            .unwrap_or_default()
    };
    let query = fields_at(tables, Location::Query);
    let body = fields_at(tables, Location::Body);
    let body = if op.has_body {
        quote!(Some(&[#(#body),*]))
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
            path_params: &[#(#path_params),*],
            query: &[#(#query),*],
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
