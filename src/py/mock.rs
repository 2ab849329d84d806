//! The mock server for Python (features `python` and `mock`): the native half of
//! `talkover.testing.MockServer`. Faults and logged requests cross as JSON, the same shape
//! the `/__mock__/` HTTP controls use.

use pyo3::exceptions::{PyOSError, PyValueError};
use pyo3::prelude::*;

use crate::mock::{Fault, MockServer};

#[pyclass(name = "_MockServer", module = "talkover._native", frozen)]
pub struct PyMockServer {
    server: MockServer,
}

#[pymethods]
impl PyMockServer {
    #[new]
    #[pyo3(signature = (host = "127.0.0.1", port = 0))]
    fn new(host: &str, port: u16) -> PyResult<Self> {
        let server = MockServer::bind(&format!("{host}:{port}"))
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
        MockServer::new_token()
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
