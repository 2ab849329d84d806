//! Why a command failed, its exit status and how it is reported on stderr: 1 for an API or
//! connection error, 2 for a usage or validation error (nothing was sent), 130 after Ctrl-C.
//! Reports come from the SDK's errors, which never carry the token.

use std::io::Write;

use super::Operation;
use crate::Error;

/// Exit status of a command that ran and succeeded.
pub const SUCCESS: u8 = 0;
/// The API answered an error, or could not be reached (or the mock could not listen).
pub const FAILURE: u8 = 1;
/// The command line was wrong, or an argument broke the spec (nothing was sent).
pub const USAGE_ERROR: u8 = 2;
/// Interrupted by Ctrl-C, as shells report a SIGINT.
pub const INTERRUPTED: u8 = 130;

/// A command's failure.
#[derive(Debug)]
pub enum Failure {
    /// A value the command line could not use (JSON of the wrong shape, ...).
    Usage(String),
    /// An error of the client: configuration, validation, connection, an error answer.
    Sdk(Error),
    /// Writing the output failed.
    Output(std::io::Error),
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Sdk(e)
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        Failure::Output(e)
    }
}

impl Failure {
    pub fn exit_code(&self) -> u8 {
        match self {
            Failure::Usage(_) => USAGE_ERROR,
            Failure::Sdk(Error::Configuration(_) | Error::Validation { .. }) => USAGE_ERROR,
            Failure::Sdk(Error::Interrupted) => INTERRUPTED,
            Failure::Sdk(_) | Failure::Output(_) => FAILURE,
        }
    }

    /// Whether stdout was closed by its reader (`talkover ... | head`): not a failure.
    pub(crate) fn is_broken_pipe(&self) -> bool {
        matches!(self, Failure::Output(e) if e.kind() == std::io::ErrorKind::BrokenPipe)
    }

    /// Writes the report to stderr: `error: ` and the status, code and message, then any
    /// field errors and the wait the server asked for.
    pub(crate) fn report(&self, operation: Option<&Operation>, err: &mut dyn Write) {
        let text = match self {
            Failure::Usage(message) => message.clone(),
            Failure::Sdk(Error::Validation { field, message }) => {
                let field = match operation {
                    Some(op) => op.spelling(field),
                    None => field.clone(),
                };
                format!("invalid value for {field}: {message} (nothing was sent)")
            }
            Failure::Sdk(Error::Api(api)) => {
                let mut text = api.to_string();
                for (field, messages) in &api.errors {
                    for message in messages {
                        text.push_str(&format!("\n  {field}: {message}"));
                    }
                }
                if let Some(wait) = api.retry_after {
                    text.push_str(&format!("\n  retry after {wait} s"));
                }
                text
            }
            Failure::Sdk(other) => other.to_string(),
            Failure::Output(e) => format!("cannot write the output: {e}"),
        };
        // Nothing more can be done if stderr itself is gone.
        let _ = writeln!(err, "error: {text}");
    }
}
