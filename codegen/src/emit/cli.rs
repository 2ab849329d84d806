//! Emits the command line of an API (`<module>_cli.rs`, compiled with the `cli` feature): a
//! static table of its operations — group path, method, help, positional path parameters and
//! one typed flag per query or body field — that the runtime in `src/cli/` turns into clap
//! commands, and per operation a function that reads the parsed arguments into the request
//! struct and calls the generated client, so the command line checks and sends exactly what
//! the client does.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{format_file, ident, python_arguments, value_note};
use crate::ir::*;
use crate::naming::rust_ident;
use crate::Error;

/// Flags the command line defines itself on every command (`global_args` and `--all-pages`
/// in src/cli/command.rs; the generator cannot depend on the runtime, so they are spelt
/// twice). A parameter with one of these names could not be given.
const RESERVED_FLAGS: &[&str] = &[
    "token",
    "base-url",
    "json",
    "table",
    "all-pages",
    "help",
    "version",
];

pub fn emit(api: &Api) -> Result<String, Error> {
    let entries = api
        .operations
        .iter()
        .map(|op| entry(api, op))
        .collect::<Result<Vec<_>, _>>()?;
    let runs = api.operations.iter().map(|op| run_fn(api, op));
    let module = &api.module;
    let title = &api.title;
    let about = api
        .description
        .as_deref()
        .and_then(|d| d.lines().map(str::trim).find(|l| !l.is_empty()))
        .unwrap_or(title);
    let tokens = quote! {
        /// This API's commands, as the `talkover` command line offers them.
        pub(crate) static COMMANDS: crate::cli::ApiCommands = crate::cli::ApiCommands {
            module: #module,
            title: #title,
            about: #about,
            info: &super::API,
            operations: &[#(#entries),*],
        };

        #(#runs)*
    };
    format_file(api, "command line", tokens)
}

/// `update_knowledge` → `update-knowledge`; `from_` → `from`.
fn kebab(snake: &str) -> String {
    snake.trim_end_matches('_').replace('_', "-")
}

/// The first line of a description, for the short help.
fn first_line(text: Option<&str>) -> String {
    text.and_then(|t| t.lines().map(str::trim).find(|l| !l.is_empty()))
        .unwrap_or_default()
        .to_string()
}

/// A description on one line, then the notes on what the value must be.
fn long_help(text: Option<&str>, note: &str) -> String {
    let text = text
        .unwrap_or_default()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    [text.as_str(), note]
        .iter()
        .filter(|p| !p.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The operation's entry in the table.
fn entry(api: &Api, op: &Operation) -> Result<TokenStream, Error> {
    let place = || format!("{}: {}", api.module, op.operation_id);
    let group: Vec<String> = op.group.iter().map(|g| kebab(g)).collect();
    let name = kebab(&op.method);
    let summary = op
        .summary
        .clone()
        .unwrap_or_else(|| first_line(op.doc.as_deref()));
    // Paragraphs kept: clap prints this as the command's long help.
    let doc = op.doc.as_deref().unwrap_or_default().trim().to_string();
    let route = format!("{} {}", op.http_method.as_str(), op.path);
    let retry = op.retry.as_str();
    let mut ids: Vec<&str> = Vec::new();
    let path = op.path_params.iter().map(|p| {
        ids.push(&p.py);
        let id = p.py.as_str();
        let value_name = p.py.trim_end_matches('_').to_uppercase();
        let help = long_help(p.doc.as_deref(), "");
        quote!(crate::cli::PathArg { id: #id, value_name: #value_name, help: #help })
    });
    let path: Vec<TokenStream> = path.collect();
    let mut flags = Vec::new();
    for f in python_arguments(api, op) {
        let flag = kebab(&f.py);
        if RESERVED_FLAGS.contains(&flag.as_str()) {
            return Err(Error::new(format!(
                "{}: parameter {} would be the flag --{flag}, which the command line uses itself",
                place(),
                f.wire
            )));
        }
        if ids.contains(&f.py.as_str()) {
            return Err(Error::new(format!(
                "{}: {} is both a path parameter and a query or body field",
                place(),
                f.py
            )));
        }
        ids.push(&f.py);
        flags.push(param(api, f, &flag));
    }
    let paged = op.pagination.is_some();
    let run = run_fn_name(op);
    Ok(quote! {
        crate::cli::Operation {
            group: &[#(#group),*],
            name: #name,
            summary: #summary,
            doc: #doc,
            route: #route,
            retry: #retry,
            path: &[#(#path),*],
            params: &[#(#flags),*],
            paged: #paged,
            run: #run,
        }
    })
}

/// A flag: its kind decides how the runtime parses it, the help comes from the spec.
fn param(api: &Api, f: &Field, flag: &str) -> TokenStream {
    let id = f.py.as_str();
    let required = !f.is_option();
    let note = value_note(f);
    let help = match first_line(f.doc.as_deref()) {
        line if line.is_empty() => note.clone(),
        line => line,
    };
    let long_help = long_help(f.doc.as_deref(), &note);
    let (kind, value_name) = match &f.ty {
        TypeRef::String => (
            quote!(Text),
            match f.constraints.format {
                Some(Format::Date) => "YYYY-MM-DD",
                Some(Format::DateTime) => "DATETIME",
                Some(Format::Uri) => "URL",
                Some(Format::Email) => "EMAIL",
                None => "TEXT",
            },
        ),
        TypeRef::Integer => (quote!(Integer), "N"),
        TypeRef::Number => (quote!(Number), "NUMBER"),
        TypeRef::Boolean => (quote!(Boolean), "BOOL"),
        TypeRef::Enum(name) => {
            let values: Vec<&str> = api
                .enum_def(name)
                .map(|d| d.values.iter().map(|v| v.wire.as_str()).collect())
                .unwrap_or_default();
            (quote!(Choice(&[#(#values),*])), "VALUE")
        }
        TypeRef::Any
        | TypeRef::Object
        | TypeRef::Map(_)
        | TypeRef::Array(_)
        | TypeRef::Model(_) => (quote!(Json), "JSON"),
    };
    quote! {
        crate::cli::Param {
            id: #id,
            flag: #flag,
            kind: crate::cli::Kind::#kind,
            value_name: #value_name,
            required: #required,
            help: #help,
            long_help: #long_help,
        }
    }
}

fn run_fn_name(op: &Operation) -> proc_macro2::Ident {
    format_ident!("run_{}", crate::naming::snake(&op.operation_id))
}

/// How the runtime's `Args` reads a value of this type.
fn reader(ty: &TypeRef, id: &str) -> TokenStream {
    match ty {
        TypeRef::String => quote!(args.text(#id)?),
        TypeRef::Integer => quote!(args.integer(#id)?),
        TypeRef::Number => quote!(args.number(#id)?),
        TypeRef::Boolean => quote!(args.boolean(#id)?),
        TypeRef::Enum(_) => quote!(args.choice(#id)?),
        TypeRef::Any
        | TypeRef::Object
        | TypeRef::Map(_)
        | TypeRef::Array(_)
        | TypeRef::Model(_) => {
            quote!(args.json(#id)?)
        }
    }
}

/// The function that runs one operation: the arguments into the request struct, the call
/// through the generated client, its answer handed back for printing.
fn run_fn(api: &Api, op: &Operation) -> TokenStream {
    let name = run_fn_name(op);
    let path_names: Vec<_> = op
        .path_params
        .iter()
        .map(|p| ident(&rust_ident(&p.py)))
        .collect();
    let path_reads = op.path_params.iter().zip(&path_names).map(|(p, n)| {
        let id = p.py.as_str();
        quote!(let #n = args.path(#id)?;)
    });
    let params = op.params.as_ref().and_then(|p| api.model(p));
    let build_params = params.map(|m| {
        let ty = ident(&m.name);
        let inits = m.fields.iter().map(|f| {
            let field = ident(&f.rust);
            let read = reader(&f.ty, &f.py);
            let id = f.py.as_str();
            if f.is_option() {
                quote!(#field: #read)
            } else {
                quote!(#field: crate::cli::required(#read, #id)?)
            }
        });
        quote!(let params = super::#ty { #(#inits,)* };)
    });
    let accessors = op.group.iter().map(|g| ident(&rust_ident(g)));
    let method = ident(&rust_ident(&op.method));
    let path_args = path_names.iter().map(|n| quote!(&#n));
    let params_arg = params.map(|_| quote!(&params));
    let call = quote!(client #(.#accessors())* .#method(#(#path_args,)* #params_arg)?);
    let answer = match (&op.pagination, &op.response) {
        (Some(_), _) => quote!(crate::cli::Answer::page(#call)),
        (None, Response::Empty) => quote! {
            #call;
            Ok(crate::cli::Answer::Empty)
        },
        (None, Response::Json { .. }) => quote!(crate::cli::Answer::value(&#call)),
    };
    let args_name = if op.path_params.is_empty() && params.is_none() {
        quote!(_args)
    } else {
        quote!(args)
    };
    let text = format!(
        " `{} {}`: `{}`.",
        op.http_method.as_str(),
        op.path,
        std::iter::once("client")
            .chain(op.group.iter().map(String::as_str))
            .chain(std::iter::once(op.method.as_str()))
            .collect::<Vec<_>>()
            .join(".")
    );
    quote! {
        #[doc = #text]
        fn #name(context: &crate::cli::Context, #args_name: &crate::cli::Args<'_>) -> Result<crate::cli::Answer, crate::cli::Failure> {
            #(#path_reads)*
            #build_params
            let client = context.client(super::Client::builder())?;
            #answer
        }
    }
}
