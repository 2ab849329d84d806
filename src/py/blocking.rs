//! Running a request from Python: with the GIL released, so other threads run; with Ctrl-C
//! able to end it within a fraction of a second (Python only sees SIGINT between bytecodes,
//! and the request blocks in Rust); and with the `talkover` logger's level handed to Rust.

use std::cell::RefCell;

use pyo3::prelude::*;

use crate::rt::interrupt;

thread_local! {
    /// What the signal handler raised while this thread's request was blocked.
    static INTERRUPTION: RefCell<Option<PyErr>> = const { RefCell::new(None) };
}

/// Runs `f` with the GIL released and pending signals checked during its waits.
pub fn blocking<T: Send>(py: Python<'_>, f: impl FnOnce() -> T + Send) -> T {
    super::logging::follow_level(py);
    py.detach(|| interrupt::checking(signal_raised, f))
}

/// Runs Python's signal handlers (they run on the main thread only; elsewhere this is a
/// no-op) and keeps what they raised.
fn signal_raised() -> bool {
    Python::attach(|py| match py.check_signals() {
        Ok(()) => false,
        Err(raised) => {
            INTERRUPTION.with(|slot| *slot.borrow_mut() = Some(raised));
            true
        }
    })
}

/// The exception a signal handler raised during this thread's last request, if any.
pub(crate) fn take_interruption() -> Option<PyErr> {
    INTERRUPTION.with(|slot| slot.borrow_mut().take())
}
