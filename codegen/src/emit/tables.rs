//! Emits an API's validation tables: the `fields` module of `<module>.rs`, rows of the
//! runtime's `Field`/`Type`/`Checks` for every model a request or a check reaches, for each
//! operation's query and body fields and for its path parameters. The client's checks and
//! the mock server's tables both point into these statics, so one set of rules serves both.

use std::collections::{BTreeMap, HashSet};

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use super::ident;
use crate::ir::*;

/// The name of the generated module holding the tables.
pub const MODULE: &str = "fields";

/// The name of each table's static with all its rows, in order.
pub const ALL: &str = "ALL";

/// `model_action`: the module of a model's rows.
pub fn model_table(name: &str) -> Ident {
    format_ident!("model_{}", crate::naming::snake(name))
}

/// `query_list_calls_params` / `body_make_call_params`: the module of an operation's query or
/// body rows, in the order of its request struct.
pub fn params_table(params: &str, location: Location) -> Ident {
    let prefix = match location {
        Location::Query => "query",
        Location::Body => "body",
    };
    format_ident!("{prefix}_{}", crate::naming::snake(params))
}

/// `path_make_call`: the module of an operation's path parameter rows.
pub fn path_table(op: &Operation) -> Ident {
    format_ident!("path_{}", crate::naming::snake(&op.operation_id))
}

/// The table (module) holding the row of `field` of `model`; request structs (`params`)
/// split their fields by location.
pub fn table_of(model: &Model, field: &Field, params: bool) -> Ident {
    if params {
        params_table(&model.name, field.location)
    } else {
        model_table(&model.name)
    }
}

/// Whether the request struct `params` has fields at `location` (else it has no such table).
pub fn has_rows(params: &Model, location: Location) -> bool {
    params.fields.iter().any(|f| f.location == location)
}

/// The `fields` module: every table, each pattern compiled once however many rows use it.
/// `checked` are the models whose `Validate` reads their table.
pub fn module(api: &Api, checked: &HashSet<&str>) -> TokenStream {
    let mut tables = Tables::default();
    for model in table_models(api, checked) {
        let name = model_table(&model.name);
        let rows: Vec<&Field> = model.fields.iter().collect();
        tables.table(api, name, &rows);
    }
    for params in &api.params {
        for location in [Location::Query, Location::Body] {
            let rows: Vec<&Field> = params
                .fields
                .iter()
                .filter(|f| f.location == location)
                .collect();
            if !rows.is_empty() {
                tables.table(api, params_table(&params.name, location), &rows);
            }
        }
    }
    for op in api
        .operations
        .iter()
        .filter(|op| !op.path_params.is_empty())
    {
        let rows = op.path_params.iter().map(|p| {
            let wire = &p.wire;
            let ty = tables.ty(api, &p.ty);
            let row = quote!(crate::rt::Field {
                wire: #wire,
                ty: #ty,
                required: true,
                nullable: false,
                checks: crate::rt::Checks { segment: true, ..crate::rt::Checks::NONE },
            });
            (ident(&p.rust), row)
        });
        let rows: Vec<(Ident, TokenStream)> = rows.collect();
        tables.push(path_table(op), rows);
    }
    let module = format_ident!("{MODULE}");
    let statics = tables.statics;
    quote! {
        /// The rules of every input, as the client checks them and the mock server answers them:
        /// a module per table, with a static per row named as the field is in Rust, and `ALL`.
        #[doc(hidden)]
        pub mod #module {
            #(#statics)*
        }
    }
}

/// The models with a table: those a request can contain (the mock walks them) and those
/// whose checks read one, with every model their fields name.
fn table_models<'a>(api: &'a Api, checked: &HashSet<&str>) -> Vec<&'a Model> {
    let checked_models: Vec<TypeRef> = api
        .models
        .iter()
        .filter(|m| checked.contains(m.name.as_str()))
        .map(|m| TypeRef::Model(m.name.clone()))
        .collect();
    let sent = api
        .params
        .iter()
        .flat_map(|p| p.fields.iter().map(|f| &f.ty));
    let reachable = api.reachable(sent.chain(&checked_models));
    api.models
        .iter()
        .filter(|m| reachable.models.contains(&m.name))
        .collect()
}

/// The statics of the module, and the patterns already among them.
#[derive(Default)]
struct Tables {
    statics: Vec<TokenStream>,
    patterns: BTreeMap<String, Ident>,
}

impl Tables {
    fn table(&mut self, api: &Api, name: Ident, rows: &[&Field]) {
        let rows = rows
            .iter()
            .map(|f| (ident(&f.rust), self.field(api, f)))
            .collect();
        self.push(name, rows);
    }

    /// A table's module: one static per row, named as the field is in Rust (so a new field
    /// adds lines that name it and moves no other), then `ALL` rows in order.
    fn push(&mut self, name: Ident, rows: Vec<(Ident, TokenStream)>) {
        let all = format_ident!("{ALL}");
        let names: Vec<&Ident> = rows.iter().map(|(name, _)| name).collect();
        let values = rows.iter().map(|(_, row)| row);
        self.statics.push(quote! {
            pub mod #name {
                #![allow(non_upper_case_globals)]
                #( pub static #names: crate::rt::Field = #values; )*
                pub static #all: &[crate::rt::Field] = &[#(#names),*];
            }
        });
    }

    fn field(&mut self, api: &Api, field: &Field) -> TokenStream {
        let wire = &field.wire;
        let ty = self.ty(api, &field.ty);
        let required = field.required;
        let nullable = field.nullable;
        let checks = self.checks(&field.constraints);
        quote!(crate::rt::Field { wire: #wire, ty: #ty, required: #required, nullable: #nullable, checks: #checks })
    }

    fn ty(&mut self, api: &Api, ty: &TypeRef) -> TokenStream {
        match ty {
            TypeRef::String => quote!(crate::rt::Type::String),
            TypeRef::Integer => quote!(crate::rt::Type::Integer),
            TypeRef::Number => quote!(crate::rt::Type::Number),
            TypeRef::Boolean => quote!(crate::rt::Type::Boolean),
            TypeRef::Any => quote!(crate::rt::Type::Any),
            TypeRef::Object => quote!(crate::rt::Type::Object),
            TypeRef::Map(inner) => {
                let inner = self.ty(api, inner);
                quote!(crate::rt::Type::Map(&#inner))
            }
            TypeRef::Array(inner) => {
                let inner = self.ty(api, inner);
                quote!(crate::rt::Type::Array(&#inner))
            }
            TypeRef::Model(name) => {
                let (name, all) = (model_table(name), format_ident!("{ALL}"));
                quote!(crate::rt::Type::Model(super::#name::#all))
            }
            TypeRef::Enum(name) => {
                let values: Vec<String> = api
                    .enum_def(name)
                    .map(|e| e.values.iter().map(|v| v.wire.clone()).collect())
                    .unwrap_or_default();
                quote!(crate::rt::Type::Enum(&[#(#values),*]))
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
            set.push(quote!(pattern: Some(&super::#name)));
        }
        if let Some(format) = c.format {
            let format = format_ident!("{}", format!("{format:?}"));
            set.push(quote!(format: Some(crate::rt::Format::#format)));
        }
        if set.is_empty() {
            quote!(crate::rt::Checks::NONE)
        } else {
            quote!(crate::rt::Checks { #(#set,)* ..crate::rt::Checks::NONE })
        }
    }
}

/// A number without a type suffix, as a person would write it.
fn unsuffixed(n: u64) -> proc_macro2::Literal {
    proc_macro2::Literal::u64_unsuffixed(n)
}
