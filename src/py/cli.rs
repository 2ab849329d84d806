//! The wheel's `talkover` console script (features `python` and `cli`): runs the same Rust
//! command line as the `talkover` binary, with the GIL released and Ctrl-C able to end a
//! blocked request or `talkover mock`, and hands back the exit status.

use std::ffi::OsString;
use std::sync::OnceLock;

use pyo3::prelude::*;

use crate::cli::ApiCommands;

static APIS: OnceLock<&'static [&'static ApiCommands]> = OnceLock::new();

/// Adds `_run_cli` over the commands of `apis`; the generated `#[pymodule]` calls this.
pub fn add_cli(
    module: &Bound<'_, PyModule>,
    apis: &'static [&'static ApiCommands],
) -> PyResult<()> {
    // The module initialises once per process; a second call would hand over the same set.
    let _ = APIS.set(apis);
    module.add_function(wrap_pyfunction!(run_cli, module)?)
}

/// Runs the command line `argv` (`sys.argv`, the program name first); the exit status.
#[pyfunction]
#[pyo3(name = "_run_cli")]
fn run_cli(py: Python<'_>, argv: Vec<OsString>) -> u8 {
    let apis = APIS.get().copied().unwrap_or_default();
    let code = super::blocking(py, move || crate::cli::run(apis, argv));
    // A Ctrl-C that ended the command is reported by its exit status (130, or 0 for
    // `talkover mock`); the KeyboardInterrupt Python's handler raised for it is done with.
    drop(super::blocking::take_interruption());
    code
}
