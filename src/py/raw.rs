//! `RawResponse` for Python: what `client.<resource>.with_raw_response.<method>(...)`
//! returns. One class serves every operation: the conversion of the parsed value is erased
//! into a closure, and `parse()` runs it (decoding in Rust, then building the Python object).

use std::time::Duration;

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyBytes;

use crate::rt::RawResponse;
use crate::{Error, RateLimit};

type Parse = Box<dyn Fn(Python<'_>) -> PyResult<Py<PyAny>> + Send + Sync>;

/// An answer as received, with what the plain method returns one `parse()` away.
#[pyclass(frozen, module = "talkover._native", name = "RawResponse")]
pub struct PyRawResponse {
    status: u16,
    headers: Vec<(String, String)>,
    rate_limit: RateLimit,
    retries: u32,
    elapsed: Duration,
    body: Vec<u8>,
    parse: Parse,
}

/// Wraps a raw answer; `to_py` turns the parsed value into the Python object the plain
/// method returns.
pub fn raw_response<'py, T: Send + 'static>(
    py: Python<'py>,
    result: Result<RawResponse<T>, Error>,
    to_py: fn(Python<'_>, T) -> PyResult<Py<PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let raw = result.map_err(|e| super::to_pyerr(py, e))?;
    let status = raw.status();
    let headers = raw.headers().to_vec();
    let rate_limit = raw.rate_limit();
    let retries = raw.retries();
    let elapsed = raw.elapsed();
    let body = raw.body().to_vec();
    let parse: Parse = Box::new(move |py| {
        let value = py
            .detach(|| raw.parse())
            .map_err(|e| super::to_pyerr(py, e))?;
        to_py(py, value)
    });
    Ok(Bound::new(
        py,
        PyRawResponse {
            status,
            headers,
            rate_limit,
            retries,
            elapsed,
            body,
            parse,
        },
    )?
    .into_any())
}

/// `talkover._raw.Headers`.
static HEADERS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

#[pymethods]
impl PyRawResponse {
    /// The HTTP status.
    #[getter]
    fn status_code(&self) -> u16 {
        self.status
    }

    /// Every header: case-insensitive names; `headers["x"]` joins repeated values with ", ",
    /// `headers.get_list("x")` gives each; `headers.rate_limit` the numbers the transport read.
    #[getter]
    fn headers<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let class = HEADERS.get_or_try_init(py, || {
            Ok::<_, PyErr>(py.import("talkover._raw")?.getattr("Headers")?.unbind())
        })?;
        let RateLimit {
            limit,
            remaining,
            reset,
        } = self.rate_limit;
        class
            .bind(py)
            .call1((self.headers.clone(), (limit, remaining, reset)))
    }

    /// How many retries it took (0: the first attempt answered).
    #[getter]
    fn retries(&self) -> u32 {
        self.retries
    }

    /// From the first attempt to the end of the answer, waits between retries included.
    #[getter]
    fn elapsed(&self) -> Duration {
        self.elapsed
    }

    /// The body as received.
    #[getter]
    fn content<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.body)
    }

    /// What the plain method returns.
    fn parse(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        (self.parse)(py)
    }

    fn __repr__(&self) -> String {
        format!(
            "RawResponse(status_code={}, retries={}, elapsed={:.3}s)",
            self.status,
            self.retries,
            self.elapsed.as_secs_f64()
        )
    }
}
