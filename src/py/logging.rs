//! The Rust `log` records of the SDK (target `talkover`), delivered to Python's `logging`
//! as records of the `talkover` logger. Only that target is forwarded; the level follows
//! the Python logger's effective level, read at the start of each call, so a disabled
//! logger costs the Rust side nothing.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;

/// `logging.getLogger("talkover")`.
static LOGGER: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

struct PythonLogger;

static PYTHON_LOGGER: PythonLogger = PythonLogger;

/// Routes the SDK's records to Python (called when the module is imported). If the process
/// already has a Rust logger, that one keeps them.
pub fn install() {
    if log::set_logger(&PYTHON_LOGGER).is_ok() {
        log::set_max_level(log::LevelFilter::Off);
    }
}

fn logger(py: Python<'_>) -> PyResult<&Bound<'_, PyAny>> {
    LOGGER
        .get_or_try_init(py, || {
            let logging = py.import("logging")?;
            Ok::<_, PyErr>(logging.getattr("getLogger")?.call1(("talkover",))?.unbind())
        })
        .map(|logger| logger.bind(py))
}

/// Sets Rust's level from the Python logger's effective level.
pub fn follow_level(py: Python<'_>) {
    let level = logger(py)
        .and_then(|logger| logger.call_method0("getEffectiveLevel")?.extract::<i64>())
        .unwrap_or(i64::MAX);
    let filter = match level {
        ..=10 => log::LevelFilter::Debug,
        11..=20 => log::LevelFilter::Info,
        21..=30 => log::LevelFilter::Warn,
        31..=40 => log::LevelFilter::Error,
        _ => log::LevelFilter::Off,
    };
    if log::max_level() != filter {
        log::set_max_level(filter);
    }
}

impl log::Log for PythonLogger {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.target().starts_with("talkover")
    }

    fn log(&self, record: &log::Record<'_>) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let level = match record.level() {
            log::Level::Error => 40,
            log::Level::Warn => 30,
            log::Level::Info => 20,
            log::Level::Debug | log::Level::Trace => 10,
        };
        let message = record.args().to_string();
        Python::attach(|py| {
            if let Ok(logger) = logger(py) {
                // A failing handler must not turn into the request's error.
                if logger.call_method1("log", (level, "%s", message)).is_err() {
                    PyErr::take(py);
                }
            }
        });
    }

    fn flush(&self) {}
}
