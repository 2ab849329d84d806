//! The wheel's `talkover` console script (features `python` and `cli`): runs the same Rust
//! command line as the `talkover` binary, with the GIL released and Ctrl-C able to end a
//! blocked request or `talkover mock`, and hands back the exit status.

use std::ffi::OsString;

use pyo3::prelude::*;

/// Runs the command line `argv` (`sys.argv`, the program name first); the exit status.
#[pyfunction]
#[pyo3(name = "_run_cli")]
pub fn run_cli(py: Python<'_>, argv: Vec<OsString>) -> u8 {
    let code = super::blocking(py, move || crate::cli::run(argv));
    // A Ctrl-C that ended the command is reported by its exit status (130, or 0 for
    // `talkover mock`); the KeyboardInterrupt Python's handler raised for it is done with.
    drop(super::blocking::take_interruption());
    code
}
