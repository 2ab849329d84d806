//! `talkover <group>... <method> [ARGS]`: the command line for every operation of the
//! Talkover and Talkturo APIs, and `talkover mock` (see `talkover --help`).

use std::process::ExitCode;

fn main() -> ExitCode {
    ExitCode::from(talkover::run_cli(std::env::args_os()))
}
