//! The mock server for Python (features `python` and `mock`): the native half of
//! `talkover.testing.MockServer`. Faults and logged requests cross as JSON, the same shape
//! the `/__mock__/` HTTP controls use.

use std::sync::OnceLock;
use std::time::Duration;

use pyo3::exceptions::{PyOSError, PyValueError};
use pyo3::prelude::*;

use crate::mock::spec::Api;
use crate::mock::{Fault, MockServer};

/// The APIs `_MockServer` serves, handed over by the native module's initialisation.
static APIS: OnceLock<&'static [&'static Api]> = OnceLock::new();

/// Adds `_MockServer`, serving `apis`, to the native module.
pub fn add_mock_server(
    module: &Bound<'_, PyModule>,
    apis: &'static [&'static Api],
) -> PyResult<()> {
    // The module initialises once per process; a second call would hand over the same set.
    let _ = APIS.set(apis);
    module.add_class::<PyMockServer>()
}

/// The APIs to serve; none before `add_mock_server`, which runs before the class is reachable.
fn apis() -> &'static [&'static Api] {
    APIS.get().copied().unwrap_or_default()
}

#[pyclass(name = "_MockServer", module = "talkover._native", frozen)]
pub struct PyMockServer {
    server: MockServer,
}

#[pymethods]
impl PyMockServer {
    /// Options left as `None` keep the Rust defaults (`MockServer::builder`).
    #[new]
    #[pyo3(signature = (
        host = "127.0.0.1",
        port = 0,
        *,
        max_connections = None,
        idle_timeout = None,
        read_timeout = None,
        max_logged_requests = None,
        max_logged_body = None,
        expose_request_log = false,
        rate_limit_per_minute = None,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        host: &str,
        port: u16,
        max_connections: Option<usize>,
        idle_timeout: Option<f64>,
        read_timeout: Option<f64>,
        max_logged_requests: Option<usize>,
        max_logged_body: Option<usize>,
        expose_request_log: bool,
        rate_limit_per_minute: Option<u32>,
    ) -> PyResult<Self> {
        let mut builder = MockServer::with_apis(apis())
            .addr(&format!("{host}:{port}"))
            .expose_request_log(expose_request_log);
        if let Some(max) = max_connections {
            if max == 0 {
                return Err(PyValueError::new_err("max_connections must be at least 1"));
            }
            builder = builder.max_connections(max);
        }
        if let Some(timeout) = idle_timeout {
            builder = builder.idle_timeout(seconds("idle_timeout", timeout)?);
        }
        if let Some(timeout) = read_timeout {
            builder = builder.read_timeout(seconds("read_timeout", timeout)?);
        }
        if let Some(max) = max_logged_requests {
            builder = builder.max_logged_requests(max);
        }
        if let Some(max) = max_logged_body {
            builder = builder.max_logged_body(max);
        }
        if let Some(per_minute) = rate_limit_per_minute {
            builder = builder.rate_limit_per_minute(per_minute);
        }
        let server = builder
            .start()
            .map_err(|e| PyOSError::new_err(format!("cannot listen on {host}:{port}: {e}")))?;
        Ok(PyMockServer { server })
    }

    #[getter]
    fn url(&self) -> &str {
        self.server.url()
    }

    #[getter]
    fn token(&self) -> &str {
        self.server.token()
    }

    #[staticmethod]
    fn new_token() -> String {
        MockServer::token_for(apis())
    }

    /// Queues a fault given as JSON (the fields of `talkover::mock::Fault`).
    fn fail_next(&self, fault: &str) -> PyResult<()> {
        let fault: Fault =
            serde_json::from_str(fault).map_err(|e| PyValueError::new_err(e.to_string()))?;
        self.server
            .fail_next(fault)
            .map_err(|e| PyValueError::new_err(e.to_string()))
    }

    /// The request log as a JSON array.
    fn requests(&self) -> PyResult<String> {
        serde_json::to_string(&self.server.requests())
            .map_err(|e| PyValueError::new_err(e.to_string()))
    }

    fn clear_requests(&self) {
        self.server.clear_requests();
    }

    fn request_log_bytes(&self) -> usize {
        self.server.request_log_bytes()
    }

    #[getter]
    fn rate_limit_per_minute(&self) -> Option<u32> {
        self.server.rate_limit_per_minute()
    }

    fn set_rate_limit_per_minute(&self, per_minute: Option<u32>) {
        self.server.set_rate_limit_per_minute(per_minute);
    }

    fn clear_faults(&self) {
        self.server.clear_faults();
    }

    fn reset(&self) {
        self.server.reset();
    }

    /// Stops serving and frees the port; waits for the server without holding the GIL.
    fn stop(&self, py: Python<'_>) {
        // `stop(&mut self)` needs the server to itself; a stopper works through `&self`.
        let stopper = self.server.stopper();
        py.detach(|| stopper.stop());
    }

    fn __repr__(&self) -> String {
        format!("_MockServer(url={:?})", self.server.url())
    }
}

/// A positive, finite number of seconds as a duration.
fn seconds(name: &str, value: f64) -> PyResult<Duration> {
    super::client::positive_seconds(value).ok_or_else(|| {
        PyValueError::new_err(format!("{name} must be a positive number of seconds"))
    })
}
