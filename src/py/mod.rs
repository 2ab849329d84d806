//! The Python face of the runtime (feature `python`): what the native module starts with,
//! value conversions, errors raised as the exceptions of `talkover.errors`, client settings and the
//! iterator that walks pages. The generated pyo3 classes build on these.

mod blocking;
#[cfg(feature = "cli")]
mod cli;
mod client;
mod convert;
mod errors;
mod logging;
#[cfg(feature = "mock")]
mod mock;
mod pages;
mod raw;
mod shared;

use pyo3::prelude::*;

pub use blocking::blocking;
#[cfg(feature = "cli")]
pub use cli::add_cli;
pub use client::{ClientSettings, RequestSettings};
pub use convert::{cached, convert, from_py, from_py_opt, repr, to_dict, ToPy};
pub use errors::to_pyerr;
#[cfg(feature = "mock")]
pub use mock::add_mock_server;
pub use pages::PageIterator;
pub use raw::{raw_response, PyRawResponse};
pub use shared::{page_items, FromShared, ItemsOf, Shared};

/// Adds the runtime's classes to the native module; its generated `#[pymodule]` calls this
/// first, then registers every API's classes.
pub fn init(module: &Bound<'_, PyModule>) -> PyResult<()> {
    logging::install();
    // Compiled in, so `import talkover` need not load `importlib.metadata` (tens of ms).
    // `setattr`, not `add`: a dunder stays out of the module's `__all__`.
    module.setattr("__version__", env!("CARGO_PKG_VERSION"))?;
    module.add_class::<PageIterator>()?;
    module.add_class::<PyRawResponse>()?;
    Ok(())
}
