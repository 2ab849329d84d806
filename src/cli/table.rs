//! The data the generator emits for each API's command line (`<module>_cli.rs`): one entry
//! per operation, with what the runtime needs to build its clap command and to run it.

use super::{Answer, Args, Context, Failure};
use crate::rt::ApiInfo;

/// One API's commands.
#[derive(Debug)]
pub struct ApiCommands {
    /// The API's module (`talkover`, `talkturo`): the crate's own API sits at the root of
    /// the command line, every other one under a subcommand of this name.
    pub module: &'static str,
    pub title: &'static str,
    /// The first line of the spec's description.
    pub about: &'static str,
    pub info: &'static ApiInfo,
    pub operations: &'static [Operation],
}

/// Runs one operation with the parsed arguments.
pub type Run = fn(&Context, &Args<'_>) -> Result<Answer, Failure>;

/// One operation: `talkover <group>... <name> <PATH>... [--flag value]...`.
#[derive(Debug)]
pub struct Operation {
    /// Resource group path, kebab-case (`["agents", "actions"]`).
    pub group: &'static [&'static str],
    /// Method name, kebab-case (`update-knowledge`).
    pub name: &'static str,
    pub summary: &'static str,
    pub doc: &'static str,
    /// `POST /api/v1/agents/{agent_id}/call`.
    pub route: &'static str,
    /// `safe` or `unsafe` to repeat.
    pub retry: &'static str,
    /// Positional arguments, in path order.
    pub path: &'static [PathArg],
    /// Flags: every query and body field, required ones first.
    pub params: &'static [Param],
    /// Whether the answer is a page (`--all-pages` walks the rest).
    pub paged: bool,
    pub run: Run,
}

/// A path parameter, given positionally.
#[derive(Debug)]
pub struct PathArg {
    /// The Python argument name, which validation errors use.
    pub id: &'static str,
    pub value_name: &'static str,
    pub help: &'static str,
}

/// A query or body field, given as `--flag`.
#[derive(Debug)]
pub struct Param {
    /// The Python argument name, which validation errors use.
    pub id: &'static str,
    /// kebab-case, without the dashes.
    pub flag: &'static str,
    pub kind: Kind,
    pub value_name: &'static str,
    pub required: bool,
    /// The first line of the spec's description.
    pub help: &'static str,
    /// The whole description and the constraints.
    pub long_help: &'static str,
}

/// How a flag's value is written on the command line.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    Text,
    Integer,
    Number,
    /// `--flag` is true, `--flag=false` false.
    Boolean,
    /// One of the spec's enum values.
    Choice(&'static [&'static str]),
    /// Objects, arrays and free-form values, as JSON text.
    Json,
}

impl Operation {
    /// How a field named in a validation error (`inputs[1].required`) is written on the
    /// command line (`--inputs[1].required`, or `AGENT_ID` for a path parameter).
    pub(crate) fn spelling(&self, field: &str) -> String {
        let end = field.find(['[', '.']).unwrap_or(field.len());
        let (head, rest) = field.split_at(end);
        if let Some(p) = self.params.iter().find(|p| p.id == head) {
            return format!("--{}{rest}", p.flag);
        }
        if let Some(p) = self.path.iter().find(|p| p.id == head) {
            return format!("{}{rest}", p.value_name);
        }
        field.to_string()
    }
}
