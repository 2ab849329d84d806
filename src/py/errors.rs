//! Raises Rust errors as the exception classes defined in `talkover/errors.py`, with every
//! field set (status code, code, message, details, errors, headers, body, retry_after).

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyDict;

use super::convert::{json_to_py, ToPy};
use crate::Error;

/// The classes of `talkover.errors` raised from Rust.
struct Classes {
    configuration: Py<PyAny>,
    validation: Py<PyAny>,
    connection: Py<PyAny>,
    timeout: Py<PyAny>,
    response_validation: Py<PyAny>,
    /// `_status_error`, which picks the `APIStatusError` subclass for the status.
    status: Py<PyAny>,
}

/// Looked up on the first error raised and kept; a lookup that fails is not kept, so the
/// next error tries again.
static CLASSES: PyOnceLock<Classes> = PyOnceLock::new();

fn classes(py: Python<'_>) -> PyResult<&Classes> {
    CLASSES.get_or_try_init(py, || {
        let module = py.import("talkover.errors")?;
        let class = |name: &str| module.getattr(name).map(Bound::unbind);
        Ok(Classes {
            configuration: class("ConfigurationError")?,
            validation: class("RequestValidationError")?,
            connection: class("APIConnectionError")?,
            timeout: class("APITimeoutError")?,
            response_validation: class("APIResponseValidationError")?,
            status: class("_status_error")?,
        })
    })
}

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
    let classes = classes(py)?;
    let kwargs = PyDict::new(py);
    let (class, message) = match error {
        Error::Configuration(message) => (&classes.configuration, message),
        Error::Validation { field, message } => {
            kwargs.set_item("field", field)?;
            (&classes.validation, message)
        }
        Error::Connection(message) => (&classes.connection, message),
        Error::Timeout(message) => (&classes.timeout, message),
        Error::ResponseValidation {
            status,
            message,
            body,
        } => {
            kwargs.set_item("status_code", status)?;
            kwargs.set_item("body", body_to_py(py, &body)?)?;
            (&classes.response_validation, message)
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
            (&classes.status, api.message)
        }
    };
    let exception = class.bind(py).call((message,), Some(&kwargs))?;
    Ok(PyErr::from_value(exception))
}

/// The body as parsed JSON when it is JSON, else as text.
fn body_to_py<'py>(py: Python<'py>, body: &str) -> PyResult<Bound<'py, PyAny>> {
    match serde_json::from_str(body) {
        Ok(value) => json_to_py(py, &value),
        Err(_) => Ok(pyo3::types::PyString::new(py, body).into_any()),
    }
}
