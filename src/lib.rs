#![doc = include_str!("../README.md")]
//!
//! ## The runtime
//!
//! Everything API-specific is generated from `spec/` into `OUT_DIR` and included below; the
//! modules of this crate are the runtime every API shares. Generated code reaches it as
//! `crate::rt`, `crate::Error`, `crate::py`, `crate::mock` and `crate::cli`, so a crate that
//! includes generated code re-exports those at its root. The runtime, in turn, names nothing
//! generated: the generated `apis.rs` hands it the APIs to serve, register and command.

#[cfg(any(feature = "python", test))]
mod arguments;
mod config;
mod encoding;
mod error;
mod error_body;
mod http_token;
mod pagination;
mod probe;
mod secrets;
mod transport;
mod validation;
mod wire_enum;

// The command line's runtime, for the generated command tables; `run_cli` is its entry.
#[cfg(feature = "cli")]
#[doc(hidden)]
pub mod cli;
#[cfg(feature = "mock")]
pub mod mock;
/// The Python bindings' runtime, for the generated pyo3 classes. Not public API, like `rt`.
#[cfg(feature = "python")]
#[doc(hidden)]
pub mod py;

pub use error::{ApiError, Error};
pub use transport::{RateLimit, RawResponse, RequestOptions};

/// The runtime the generated clients are built on: transport, pagination, validation.
///
/// Not public API: it is public only because generated code in other modules and crates
/// reaches it by path, and it may change in any release. Use the items at the crate root.
#[doc(hidden)]
pub mod rt {
    pub use crate::config::{ApiInfo, ClientBuilder, FromTransport};
    pub use crate::encoding::{encode_path, ToQuery};
    pub use crate::pagination::{Page, PageIter, PageState, PageStyle, Paginated};
    pub use crate::transport::interrupt;
    pub use crate::transport::{
        Method, RawResponse, Request, RequestOptions, Response, RetryClass, Transport,
    };
    pub use crate::validation::{
        check, At, Broken, Checks, Field, Format, Pattern, Rule, Type, Validate,
    };
    pub use crate::wire_enum::WireEnum;

    /// Response decoders for the crate's property tests; not part of the API.
    #[doc(hidden)]
    pub mod probe {
        pub use crate::probe::{decode, page, Decoded, Decoder};
    }
}

#[cfg(test)]
mod fuzz;

// Every API, and the crate's main one at the root (`talkover::Client`, `talkover::Call`, …).
include!(concat!(env!("OUT_DIR"), "/apis.rs"));
