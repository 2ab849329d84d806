//! The `talkover` command line (feature `cli`): `talkover <group>... <method>` for every
//! operation of the crate's own API, `talkover <api> <group>... <method>` for the others,
//! and `talkover mock` (with feature `mock`). The commands are generated from the specs as
//! tables ([`ApiCommands`]) and run functions that call the generated clients; this module
//! turns them into clap commands, runs the chosen one and prints its answer. It holds no
//! knowledge of any API.
//!
//! The generated `apis.rs` hands it the crate's tables: `talkover::run_cli(args)`.

mod answer;
mod args;
mod command;
mod context;
mod failure;
#[cfg(feature = "mock")]
mod mock;
mod output;
mod table;

use std::ffi::OsString;
use std::io::{self, BufWriter, IsTerminal, Write};

use clap::ArgMatches;

pub use answer::{Answer, Pages};
pub use args::{required, Args};
pub use context::Context;
pub use failure::{Failure, FAILURE, INTERRUPTED, SUCCESS, USAGE_ERROR};
pub use table::{ApiCommands, Kind, Operation, Param, PathArg, Run};

use command::Chosen;
use output::{Format, Output};

/// Runs the command line `args` (the program name first) over the commands of `apis`, on
/// the process's stdout and stderr; the exit status.
pub fn run<I, T>(apis: &'static [&'static ApiCommands], args: I) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let stdout = io::stdout();
    let stderr = io::stderr();
    let terminals = Terminals {
        out: stdout.is_terminal(),
        err: stderr.is_terminal(),
    };
    let mut out = BufWriter::new(stdout.lock());
    let mut err = stderr.lock();
    let code = run_with(apis, args, &mut out, &mut err, terminals);
    // A reader that went away (`| head`) is no failure; nothing else can be reported here.
    let _ = out.flush();
    code
}

/// Which of stdout and stderr are terminals.
#[derive(Debug, Clone, Copy)]
struct Terminals {
    out: bool,
    err: bool,
}

fn run_with<I, T>(
    apis: &'static [&'static ApiCommands],
    args: I,
    out: &mut dyn Write,
    err: &mut dyn Write,
    terminals: Terminals,
) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let matches = match command::root(apis).try_get_matches_from(args) {
        Ok(matches) => matches,
        Err(e) => {
            // Help and --version go to stdout with status 0; usage errors to stderr with 2.
            let text = e.render().to_string();
            let _ = if e.use_stderr() {
                write!(err, "{text}")
            } else {
                write!(out, "{text}")
            };
            return u8::try_from(e.exit_code()).unwrap_or(USAGE_ERROR);
        }
    };
    match command::chosen(apis, &matches) {
        None => {
            let _ = writeln!(err, "error: no such command; see talkover --help");
            USAGE_ERROR
        }
        #[cfg(feature = "mock")]
        Some(Chosen::Mock(matches)) => mock::run(matches, out, err),
        Some(Chosen::Operation { operation, matches }) => {
            let result = run_operation(operation, matches, out, err, terminals);
            match result {
                Ok(()) => SUCCESS,
                Err(failure) if failure.is_broken_pipe() => SUCCESS,
                Err(failure) => {
                    let _ = out.flush();
                    failure.report(Some(operation), err);
                    failure.exit_code()
                }
            }
        }
    }
}

fn run_operation(
    operation: &'static Operation,
    matches: &ArgMatches,
    out: &mut dyn Write,
    err: &mut dyn Write,
    terminals: Terminals,
) -> Result<(), Failure> {
    let text = |id: &str| matches.try_get_one::<String>(id).ok().flatten().cloned();
    let flag = |id: &str| {
        matches
            .try_get_one::<bool>(id)
            .ok()
            .flatten()
            .is_some_and(|set| *set)
    };
    let context = Context {
        token: text(command::TOKEN),
        base_url: text(command::BASE_URL),
    };
    let format = if flag(command::JSON) {
        Format::Json
    } else if flag(command::TABLE) || terminals.out {
        Format::Table
    } else {
        Format::Json
    };
    let answer = (operation.run)(&context, &Args::new(matches, operation))?;
    let mut output = Output {
        out,
        err,
        format,
        err_is_terminal: terminals.err,
    };
    output.answer(answer, flag(command::ALL_PAGES))
}

/// Checks command tables as clap sees them: no duplicate names, ids or flags anywhere in the
/// tree (clap's own `debug_assert`), and every operation reachable by its group and name.
/// The generated `apis.rs` runs it over the crate's tables in its tests.
#[cfg(test)]
pub(crate) fn check_tables(apis: &'static [&'static ApiCommands]) {
    command::root(apis).debug_assert();
    let root = command::root(apis);
    for api in apis {
        for op in api.operations {
            let mut args = vec!["talkover"];
            if !command::is_root(api) {
                args.push(api.module);
            }
            args.extend(op.group);
            args.push(op.name);
            args.extend(op.path.iter().map(|_| "x"));
            let mut missing = Vec::new();
            for p in op.params.iter().filter(|p| p.required) {
                missing.push(format!("--{}", p.flag));
                missing.push(
                    match p.kind {
                        Kind::Integer | Kind::Number => "1",
                        Kind::Boolean => "",
                        Kind::Choice(values) => values.first().copied().unwrap_or(""),
                        Kind::Json => "{}",
                        Kind::Text => "x",
                    }
                    .to_string(),
                );
            }
            let mut all: Vec<String> = args.iter().map(|a| a.to_string()).collect();
            for pair in missing.chunks(2) {
                match pair {
                    [flag, value] if value.is_empty() => all.push(flag.clone()),
                    [flag, value] => all.push(format!("{flag}={value}")),
                    _ => {}
                }
            }
            let matches = root
                .clone()
                .try_get_matches_from(&all)
                .unwrap_or_else(|e| panic!("{all:?}: {e}"));
            match command::chosen(apis, &matches) {
                Some(Chosen::Operation { operation, .. }) => {
                    assert!(std::ptr::eq(operation, op), "{all:?}")
                }
                _ => panic!("{all:?} chose no operation"),
            }
        }
    }
}
