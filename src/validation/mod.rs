//! Checks of arguments against the spec's constraints, one engine for the client and the mock
//! server: the generated tables ([`rules`]) say what each input must be, [`rules`] evaluates
//! them, and each side reads the verdict its way. The client ([`check`]) stops at the first
//! broken rule and raises it before anything is sent; the mock collects every one for its 422.

pub mod check;
mod format;
pub mod rules;

use std::fmt;

use crate::Error;

pub use format::Format;
pub use rules::{Broken, Checks, Field, Pattern, Rule, Type};

/// Implemented by generated request structs and models: each checked field is handed to
/// [`check::field`] with its row of the tables. `at` is where this value sits.
pub trait Validate {
    fn validate(&self, at: &At<'_>) -> Result<(), Error>;
}

/// Where a value sits among the arguments, as the caller wrote them: a chain of names and
/// indexes on the stack, written out (`inputs[0].name`) only when a check fails.
#[derive(Clone, Copy, Debug)]
pub enum At<'a> {
    /// The arguments themselves.
    Root,
    /// A named field or map key below another place.
    Name(&'a At<'a>, &'a str),
    /// An item of an array.
    Index(&'a At<'a>, usize),
}

impl fmt::Display for At<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            At::Root => Ok(()),
            At::Name(At::Root, name) => f.write_str(name),
            At::Name(parent, name) => write!(f, "{parent}.{name}"),
            At::Index(parent, index) => write!(f, "{parent}[{index}]"),
        }
    }
}
