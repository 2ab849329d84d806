//! Raises Rust errors as the exception classes defined in `talkover/errors.py`, with every
//! field set (status code, code, message, details, errors, headers, body, retry_after).

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyModule};

use super::convert::{json_to_py, ToPy};
use crate::Error;

/// `talkover.errors`, imported once.
static ERRORS: PyOnceLock<Py<PyModule>> = PyOnceLock::new();

pub fn to_pyerr(py: Python<'_>, error: Error) -> PyErr {
    if let Error::Interrupted = error {
        // The signal handler's own exception (KeyboardInterrupt, or whatever a custom
        // SIGINT handler raised), exactly as Python would have raised it.
        return super::blocking::take_interruption()
            .unwrap_or_else(|| pyo3::exceptions::PyKeyboardInterrupt::new_err(()));
    }
    // Building the exception can itself fail (the module half-imported at interpreter exit):
    // then the user still gets their error's text, never the failure to build it.
    let text = error.to_string();
    build(py, error).unwrap_or_else(|failure| {
        let replacement = PyRuntimeError::new_err(text);
        replacement.set_cause(py, Some(failure));
        replacement
    })
}

fn build(py: Python<'_>, error: Error) -> PyResult<PyErr> {
    let errors = ERRORS
        .get_or_try_init(py, || py.import("talkover.errors").map(Bound::unbind))?
        .bind(py);
    let kwargs = PyDict::new(py);
    let (class, message) = match error {
        Error::Configuration(message) => ("ConfigurationError", message),
        Error::Validation { field, message } => {
            kwargs.set_item("field", field)?;
            ("RequestValidationError", message)
        }
        Error::Connection(message) => ("APIConnectionError", message),
        Error::Timeout(message) => ("APITimeoutError", message),
        Error::ResponseValidation {
            status,
            message,
            body,
        } => {
            kwargs.set_item("status_code", status)?;
            kwargs.set_item("body", body_to_py(py, &body)?)?;
            ("APIResponseValidationError", message)
        }
        Error::Interrupted => return Ok(pyo3::exceptions::PyKeyboardInterrupt::new_err(())),
        Error::Api(api) => {
            let headers = PyDict::new(py);
            for (name, value) in &api.headers {
                let joined = match headers.get_item(name)? {
                    Some(previous) => format!("{}, {value}", previous.str()?.to_cow()?),
                    None => value.clone(),
                };
                headers.set_item(name, joined)?;
            }
            kwargs.set_item("status_code", api.status)?;
            kwargs.set_item("code", &api.code)?;
            kwargs.set_item("details", api.details.to_py(py)?)?;
            kwargs.set_item("errors", api.errors.to_py(py)?)?;
            kwargs.set_item("headers", headers)?;
            kwargs.set_item("body", body_to_py(py, &api.body)?)?;
            kwargs.set_item("retry_after", api.retry_after)?;
            ("_status_error", api.message)
        }
    };
    let exception = errors.getattr(class)?.call((message,), Some(&kwargs))?;
    Ok(PyErr::from_value(exception))
}

/// The body as parsed JSON when it is JSON, else as text.
fn body_to_py<'py>(py: Python<'py>, body: &str) -> PyResult<Bound<'py, PyAny>> {
    match serde_json::from_str(body) {
        Ok(value) => json_to_py(py, &value),
        Err(_) => Ok(pyo3::types::PyString::new(py, body).into_any()),
    }
}
