//! `apis.rs`, the one generated file that sees every API at once: a module per spec, and the
//! crate's default sets handed to the runtime (the native Python module's classes, the APIs
//! the mock server serves, the response decoders the property tests probe). The runtime
//! names none of these; it takes what this file gives it.

use proc_macro2::TokenStream;
use quote::quote;

use crate::emit::ident;
use crate::emit::python::PY_MODULE;
use crate::{Error, Generated};

/// The crate's index of generated APIs, included at the crate root. `main_api` names the
/// module whose items are also re-exported at the root (`talkover::Client`), if any.
pub fn apis_file(apis: &[Generated], main_api: Option<&str>) -> Result<String, Error> {
    crate::check_together(apis)?;
    let modules: Vec<_> = apis.iter().map(|api| ident(&api.module)).collect();
    let main = match main_api {
        None => None,
        Some(name) if apis.iter().any(|api| api.module == name) => Some(ident(name)),
        Some(name) => {
            return Err(Error::new(format!(
                "the main API `{name}` is not among the specs"
            )))
        }
    };
    let main = main.map(|module| {
        let doc = format!(
            " The `{module}` API is the crate's main one: its client and types are at the root."
        );
        quote! {
            #[doc = #doc]
            pub use crate::#module::*;
        }
    });
    let includes = apis.iter().map(|api| {
        let file = |suffix: &str| format!("/{}{suffix}.rs", api.module);
        let (rust, python, mock, cli) = (file(""), file("_python"), file("_mock"), file("_cli"));
        let module = ident(&api.module);
        quote! {
            #[allow(clippy::too_many_arguments, clippy::large_enum_variant)]
            pub mod #module {
                include!(concat!(env!("OUT_DIR"), #rust));
                #[cfg(feature = "python")]
                pub(crate) mod python {
                    include!(concat!(env!("OUT_DIR"), #python));
                }
                #[cfg(feature = "mock")]
                pub(crate) mod mock {
                    include!(concat!(env!("OUT_DIR"), #mock));
                }
                #[cfg(feature = "cli")]
                pub(crate) mod cli {
                    include!(concat!(env!("OUT_DIR"), #cli));
                }
            }
        }
    });
    let native = ident(PY_MODULE.rsplit('.').next().unwrap_or(PY_MODULE));
    let tokens = quote! {
        #(#includes)*

        #main

        /// The native Python module: the runtime's classes, then every API's.
        #[cfg(feature = "python")]
        #[::pyo3::pymodule]
        fn #native(module: &::pyo3::Bound<'_, ::pyo3::types::PyModule>) -> ::pyo3::PyResult<()> {
            crate::py::init(module)?;
            #[cfg(feature = "mock")]
            crate::py::add_mock_server(module, MOCK_APIS)?;
            #[cfg(feature = "cli")]
            crate::py::add_cli(module, CLI_APIS)?;
            #( #modules::python::register(module)?; )*
            Ok(())
        }

        /// Every API, as the mock server serves it.
        #[cfg(feature = "mock")]
        pub(crate) static MOCK_APIS: &[&crate::mock::spec::Api] = &[#( &#modules::mock::API ),*];

        /// The mock server of every API of the crate.
        #[cfg(feature = "mock")]
        impl crate::mock::MockServer {
            /// Starts on a free loopback port.
            pub fn start() -> ::std::io::Result<crate::mock::MockServer> {
                crate::mock::MockServer::builder().start()
            }

            /// Starts on `addr` (`127.0.0.1:4010`).
            pub fn bind(addr: &str) -> ::std::io::Result<crate::mock::MockServer> {
                crate::mock::MockServer::builder().addr(addr).start()
            }

            /// A server with other limits, another address or a rate limit:
            /// `MockServer::builder().rate_limit_per_minute(100).start()?`.
            pub fn builder() -> crate::mock::MockServerBuilder {
                crate::mock::MockServer::with_apis(MOCK_APIS)
            }

            /// A fresh token, and so a fresh environment. It has the token prefix the specs
            /// declare (`x-token-prefix`), so every API accepts it.
            pub fn new_token() -> String {
                crate::mock::MockServer::token_for(MOCK_APIS)
            }
        }

        /// [`MockServer::builder`](crate::mock::MockServer::builder).
        #[cfg(feature = "mock")]
        impl ::std::default::Default for crate::mock::MockServerBuilder {
            fn default() -> crate::mock::MockServerBuilder {
                crate::mock::MockServer::builder()
            }
        }

        /// Every API's commands, as the command line offers them.
        #[cfg(feature = "cli")]
        pub(crate) static CLI_APIS: &[&crate::cli::ApiCommands] = &[#( &#modules::cli::COMMANDS ),*];

        /// Runs the `talkover` command line (feature `cli`) over every API of the crate: `args`
        /// with the program name first, on the process's stdout and stderr; the exit status
        /// (0 success, 1 an API or connection error, 2 a usage or validation error).
        ///
        /// ```no_run
        /// std::process::exit(talkover::run_cli(["talkover", "calls", "list", "--json"]).into());
        /// ```
        #[cfg(feature = "cli")]
        pub fn run_cli<I, T>(args: I) -> u8
        where
            I: ::std::iter::IntoIterator<Item = T>,
            T: ::std::convert::Into<::std::ffi::OsString> + ::std::clone::Clone,
        {
            crate::cli::run(CLI_APIS, args)
        }

        /// Every API's response decoders, for the property tests.
        #[cfg(test)]
        pub(crate) static ALL_RESPONSE_DECODERS: &[&[crate::rt::probe::Decoder]] =
            &[#( #modules::RESPONSE_DECODERS ),*];

        /// The runtime's checks of generated tables, run over this crate's.
        #[cfg(test)]
        mod generated_tables {
            #[test]
            fn fuzz_response_decoders() {
                crate::fuzz::decoders::fuzz_response_decoders(super::ALL_RESPONSE_DECODERS);
            }

            #[test]
            fn every_documented_success_example_decodes() {
                crate::fuzz::decoders::every_documented_success_example_decodes(
                    super::ALL_RESPONSE_DECODERS,
                );
            }

            #[cfg(feature = "cli")]
            #[test]
            fn command_tables_are_consistent() {
                crate::cli::check_tables(super::CLI_APIS);
            }
        }
    };
    format(tokens)
}

fn format(tokens: TokenStream) -> Result<String, Error> {
    let file: syn::File = syn::parse2(tokens)
        .map_err(|e| Error::new(format!("generated apis.rs is not valid Rust: {e}")))?;
    Ok(format!(
        "// Generated by talkover-codegen: one module per spec, and the sets of them the runtime is given.\n\
         // Do not edit: change the specs and rebuild.\n\n{}",
        prettyplease::unparse(&file)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(module: &str, route: &str) -> Generated {
        Generated {
            module: module.into(),
            rust: String::new(),
            python: String::new(),
            mock: String::new(),
            stub: String::new(),
            reference: String::new(),
            index: Vec::new(),
            python_names: vec![format!("{module}Client")],
            routes: vec![route.into()],
            cli: String::new(),
        }
    }

    #[test]
    fn every_api_is_included_registered_and_served() {
        let text = apis_file(
            &[api("first", "GET /a"), api("second", "GET /b")],
            Some("first"),
        )
        .expect("valid");
        for module in ["first", "second"] {
            assert!(text.contains(&format!("pub mod {module} {{")), "{text}");
            assert!(text.contains(&format!("\"/{module}_mock.rs\"")), "{text}");
            assert!(
                text.contains(&format!("{module}::python::register(module)?;")),
                "{text}"
            );
            assert!(text.contains(&format!("&{module}::mock::API")), "{text}");
            assert!(
                text.contains(&format!("&{module}::cli::COMMANDS")),
                "{text}"
            );
            assert!(
                text.contains(&format!("{module}::RESPONSE_DECODERS")),
                "{text}"
            );
        }
        assert!(text.contains("fn _native("), "{text}");
        assert!(text.contains("pub use crate::first::*;"), "{text}");
        let unknown = apis_file(&[api("first", "GET /a")], Some("third"));
        assert!(unknown.is_err(), "a main API that is not among the specs");
    }

    #[test]
    fn apis_that_clash_are_refused() {
        let error = apis_file(&[api("first", "GET /a"), api("second", "GET /a")], None)
            .expect_err("one route, two APIs");
        assert!(error.to_string().contains("GET /a"), "{error}");
    }
}
