//! The arguments every generated Python client's constructor and `with_options` take, applied
//! to a builder or request options. The generator's argument table (`CONSTRUCTOR`,
//! `WITH_OPTIONS` in codegen/src/emit/python.rs) decides the Python signature and fills these
//! structs field by field of the same names, so a renamed or added argument fails to compile
//! until both agree.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use pyo3::prelude::*;

use crate::rt::{ClientBuilder, FromTransport};
use crate::Error;

/// A client constructor's arguments.
pub struct ClientSettings {
    pub token: Option<String>,
    pub base_url: Option<String>,
    pub timeout: Option<f64>,
    pub validate: bool,
    pub default_headers: Option<BTreeMap<String, String>>,
    pub max_retries: Option<u32>,
    pub ca_bundle: Option<PathBuf>,
}

/// Seconds from Python as a positive duration.
pub fn seconds(py: Python<'_>, name: &str, seconds: f64) -> PyResult<Duration> {
    positive_seconds(seconds).ok_or_else(|| {
        let message = format!("{name} must be a positive number of seconds, not {seconds}");
        super::to_pyerr(py, Error::Configuration(message))
    })
}

/// A duration from Python seconds: finite, above zero and in range, else `None`.
pub(crate) fn positive_seconds(seconds: f64) -> Option<Duration> {
    Duration::try_from_secs_f64(seconds)
        .ok()
        .filter(|t| !t.is_zero())
}

impl ClientSettings {
    pub fn build<C: FromTransport>(
        self,
        py: Python<'_>,
        mut builder: ClientBuilder<C>,
    ) -> PyResult<C> {
        builder = builder
            .user_agent(format!("talkover-python/{}", env!("CARGO_PKG_VERSION")))
            .validate(self.validate);
        if let Some(token) = self.token {
            builder = builder.token(token);
        }
        if let Some(base_url) = self.base_url {
            builder = builder.base_url(base_url);
        }
        if let Some(timeout) = self.timeout {
            builder = builder.timeout(seconds(py, "timeout", timeout)?);
        }
        for (name, value) in self.default_headers.into_iter().flatten() {
            builder = builder.default_header(name, value);
        }
        if let Some(max_retries) = self.max_retries {
            builder = builder.max_retries(max_retries);
        }
        if let Some(path) = self.ca_bundle {
            builder = builder.ca_bundle(path);
        }
        builder.build().map_err(|e| super::to_pyerr(py, e))
    }
}

/// The arguments of `client.with_options(...)`.
pub struct RequestSettings {
    pub timeout: Option<f64>,
    pub max_retries: Option<u32>,
    pub default_headers: Option<BTreeMap<String, String>>,
}

impl RequestSettings {
    pub fn build(self, py: Python<'_>) -> PyResult<crate::rt::RequestOptions> {
        let mut options = crate::rt::RequestOptions::new();
        if let Some(timeout) = self.timeout {
            options = options.timeout(seconds(py, "timeout", timeout)?);
        }
        if let Some(max_retries) = self.max_retries {
            options = options.max_retries(max_retries);
        }
        for (name, value) in self.default_headers.into_iter().flatten() {
            options = options.default_header(name, value);
        }
        Ok(options)
    }
}
