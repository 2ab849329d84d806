//! Emits an API's validation tables: the `fields` module of `<module>.rs`, rows of the
//! runtime's `Field`/`Type`/`Checks` for every model a request or a check reaches, for each
//! operation's query and body fields and for its path parameters. The client's checks and
//! the mock server's tables both point into these statics, so one set of rules serves both.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use crate::ir::*;

/// The name of the generated module holding the tables.
pub const MODULE: &str = "fields";

/// `MODEL_ACTION`: the rows of a model's fields.
pub fn model_table(name: &str) -> Ident {
    format_ident!("MODEL_{}", crate::naming::snake(name).to_uppercase())
}

/// `QUERY_LIST_CALLS_PARAMS` / `BODY_CREATE_CALL_PARAMS`: the rows of an operation's query or
/// body fields, in the order of its request struct.
pub fn params_table(params: &str, location: Location) -> Ident {
    let prefix = match location {
        Location::Query => "QUERY",
        Location::Body => "BODY",
    };
    format_ident!("{prefix}_{}", crate::naming::snake(params).to_uppercase())
}

/// `PATH_CREATE_CALL`: the rows of an operation's path parameters.
pub fn path_table(op: &Operation) -> Ident {
    format_ident!(
        "PATH_{}",
        crate::naming::snake(&op.operation_id).to_uppercase()
    )
}

/// The table and row of field `index` of `model`; `params` models split by location.
pub fn row(model: &Model, index: usize, params: bool) -> (Ident, usize) {
    if !params {
        return (model_table(&model.name), index);
    }
    let location = model
        .fields
        .get(index)
        .map_or(Location::Body, |f| f.location);
    let row = model
        .fields
        .iter()
        .take(index)
        .filter(|f| f.location == location)
        .count();
    (params_table(&model.name, location), row)
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
        let name = path_table(op);
        let count = unsuffixed(op.path_params.len() as u64);
        let rows = op.path_params.iter().map(|p| {
            let wire = &p.wire;
            let ty = tables.ty(api, &p.ty);
            quote!(crate::rt::Field {
                wire: #wire,
                ty: #ty,
                required: true,
                nullable: false,
                checks: crate::rt::Checks { segment: true, ..crate::rt::Checks::NONE },
            })
        });
        let rows: Vec<TokenStream> = rows.collect();
        tables.statics.push(quote! {
            pub static #name: [crate::rt::Field; #count] = [#(#rows),*];
        });
    }
    let module = format_ident!("{MODULE}");
    let statics = tables.statics;
    quote! {
        /// The rules of every input, as the client checks them and the mock server answers them.
        #[doc(hidden)]
        pub mod #module {
            #(#statics)*
        }
    }
}

/// The models with a table: those a request can contain (the mock walks them) and those
/// whose checks read one, with every model their fields name.
fn table_models<'a>(api: &'a Api, checked: &HashSet<&str>) -> Vec<&'a Model> {
    let mut seen = BTreeSet::new();
    let mut stack: Vec<&TypeRef> = api
        .params
        .iter()
        .flat_map(|p| p.fields.iter().map(|f| &f.ty))
        .collect();
    for model in api
        .models
        .iter()
        .filter(|m| checked.contains(m.name.as_str()))
    {
        if seen.insert(model.name.as_str()) {
            stack.extend(model.fields.iter().map(|f| &f.ty));
        }
    }
    while let Some(ty) = stack.pop() {
        match ty {
            TypeRef::Model(name) => {
                if let Some(model) = api.models.iter().find(|m| &m.name == name) {
                    if seen.insert(name.as_str()) {
                        stack.extend(model.fields.iter().map(|f| &f.ty));
                    }
                }
            }
            TypeRef::Array(inner) | TypeRef::Map(inner) => stack.push(inner),
            _ => {}
        }
    }
    api.models
        .iter()
        .filter(|m| seen.contains(m.name.as_str()))
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
        let count = unsuffixed(rows.len() as u64);
        let rows: Vec<TokenStream> = rows.iter().map(|f| self.field(api, f)).collect();
        self.statics.push(quote! {
            pub static #name: [crate::rt::Field; #count] = [#(#rows),*];
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
                let name = model_table(name);
                quote!(crate::rt::Type::Model(&#name))
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
            set.push(quote!(pattern: Some(&#name)));
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
