//! The parsed arguments of one operation, read by its generated run function into the
//! request struct. clap has already parsed each value by its kind (numbers, booleans, enum
//! choices, JSON text); what is left is turning JSON into the field's type.

use clap::ArgMatches;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::{Failure, Operation};
use crate::rt::WireEnum;

/// The arguments given to one operation's command.
pub struct Args<'a> {
    matches: &'a ArgMatches,
    operation: &'static Operation,
}

impl<'a> Args<'a> {
    pub(crate) fn new(matches: &'a ArgMatches, operation: &'static Operation) -> Self {
        Args { matches, operation }
    }

    fn get<T: Clone + Send + Sync + 'static>(&self, id: &str) -> Result<Option<T>, Failure> {
        self.matches
            .try_get_one::<T>(id)
            .map(|value| value.cloned())
            .map_err(|e| {
                Failure::Usage(format!(
                    "{}: cannot read this argument ({e})",
                    self.operation.spelling(id)
                ))
            })
    }

    /// A path parameter (always given: clap requires positionals).
    pub fn path(&self, id: &str) -> Result<String, Failure> {
        required(
            self.get::<String>(id)?,
            self.operation.spelling(id).as_str(),
        )
    }

    pub fn text(&self, id: &str) -> Result<Option<String>, Failure> {
        self.get(id)
    }

    pub fn integer(&self, id: &str) -> Result<Option<i64>, Failure> {
        self.get(id)
    }

    pub fn number(&self, id: &str) -> Result<Option<f64>, Failure> {
        self.get(id)
    }

    pub fn boolean(&self, id: &str) -> Result<Option<bool>, Failure> {
        self.get(id)
    }

    /// An enum value; clap has already refused values the spec does not list.
    pub fn choice<E: WireEnum>(&self, id: &str) -> Result<Option<E>, Failure> {
        Ok(self.get::<String>(id)?.map(|v| E::from_wire(&v)))
    }

    /// JSON text (already parsed by clap) as the field's type: a model, list, map or any value.
    pub fn json<T: DeserializeOwned>(&self, id: &str) -> Result<Option<T>, Failure> {
        let Some(value) = self.get::<Value>(id)? else {
            return Ok(None);
        };
        serde_json::from_value(value).map(Some).map_err(|e| {
            Failure::Usage(format!(
                "invalid value for {}: {e}",
                self.operation.spelling(id)
            ))
        })
    }
}

/// A required field's value; clap refuses a command without it, so a `None` here is only a
/// safety net.
pub fn required<T>(value: Option<T>, id: &str) -> Result<T, Failure> {
    value.ok_or_else(|| Failure::Usage(format!("the argument {id} is required")))
}

/// clap's value parser for JSON flags: a clear usage error on text that is not JSON.
pub(crate) fn parse_json(text: &str) -> Result<Value, String> {
    serde_json::from_str(text).map_err(|e| format!("not valid JSON ({e})"))
}
