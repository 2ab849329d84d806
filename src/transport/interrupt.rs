//! Lets a caller interrupt a blocked request or a retry wait (Python's Ctrl-C). ureq blocks
//! in socket reads that retry on EINTR, so a signal alone cannot end them: while a check is
//! installed for the calling thread, reads and waits are cut into short slices and the check
//! runs between slices. With no check installed (plain Rust use), nothing is sliced.

use std::cell::Cell;
use std::time::{Duration, Instant};

use ureq::unversioned::transport::time::Duration as UreqDuration;
use ureq::unversioned::transport::{Buffers, ConnectionDetails, Connector, NextTimeout, Transport};

/// How long a blocked read or wait goes before the check runs again.
const SLICE: Duration = Duration::from_millis(100);

/// A check that says whether the caller asked to stop.
pub type Check = fn() -> bool;

thread_local! {
    static CHECK: Cell<Option<Check>> = const { Cell::new(None) };
    /// Set when a check fired during a read: the error ureq then reports (wrapped in TLS
    /// or I/O errors as it may be) is this interruption.
    static FIRED: Cell<bool> = const { Cell::new(false) };
}

/// Whether a check fired since the last call (and forgets it).
pub(crate) fn take_fired() -> bool {
    FIRED.with(|f| f.replace(false))
}

/// Runs `f` with `check` consulted during its blocking waits on this thread.
pub fn checking<R>(check: Check, f: impl FnOnce() -> R) -> R {
    struct Restore(Option<Check>);
    impl Drop for Restore {
        fn drop(&mut self) {
            CHECK.with(|c| c.set(self.0));
        }
    }
    let _restore = Restore(CHECK.with(|c| c.replace(Some(check))));
    f()
}

fn installed() -> Option<Check> {
    CHECK.with(Cell::get)
}

/// The caller asked to stop.
#[derive(Debug)]
pub(crate) struct Interrupted;

/// Sleeps for `wait`, or less if the caller asks to stop.
pub(crate) fn sleep(wait: Duration) -> Result<(), Interrupted> {
    let Some(check) = installed() else {
        std::thread::sleep(wait);
        return Ok(());
    };
    let deadline = Instant::now() + wait;
    loop {
        if check() {
            return Err(Interrupted);
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok(());
        }
        std::thread::sleep(left.min(SLICE));
    }
}

/// Wraps each connection's transport so that its reads can be interrupted.
#[derive(Debug, Default)]
pub(crate) struct InterruptibleConnector;

impl<In: Transport> Connector<In> for InterruptibleConnector {
    type Out = InterruptibleTransport<In>;

    fn connect(
        &self,
        _: &ConnectionDetails,
        chained: Option<In>,
    ) -> Result<Option<Self::Out>, ureq::Error> {
        Ok(chained.map(InterruptibleTransport))
    }
}

#[derive(Debug)]
pub(crate) struct InterruptibleTransport<T>(T);

impl<T: Transport> Transport for InterruptibleTransport<T> {
    fn buffers(&mut self) -> &mut dyn Buffers {
        self.0.buffers()
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        self.0.transmit_output(amount, timeout)
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        let Some(check) = installed() else {
            return self.0.await_input(timeout);
        };
        let deadline = match timeout.after {
            UreqDuration::Exact(after) => Some(Instant::now() + after),
            _ => None,
        };
        loop {
            let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
            if left.is_some_and(|l| l.is_zero()) {
                return Err(ureq::Error::Timeout(timeout.reason));
            }
            let slice = left.map_or(SLICE, |l| l.min(SLICE));
            let sliced = NextTimeout {
                after: UreqDuration::Exact(slice),
                ..timeout
            };
            match self.0.await_input(sliced) {
                Err(ureq::Error::Timeout(_)) => {
                    if check() {
                        FIRED.with(|f| f.set(true));
                        return Err(ureq::Error::Other(Box::new(InterruptedIo)));
                    }
                }
                other => return other,
            }
        }
    }

    fn is_open(&mut self) -> bool {
        self.0.is_open()
    }

    fn is_tls(&self) -> bool {
        self.0.is_tls()
    }
}

/// How an interrupted read surfaces through ureq.
#[derive(Debug)]
pub(crate) struct InterruptedIo;

impl std::fmt::Display for InterruptedIo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("interrupted")
    }
}

impl std::error::Error for InterruptedIo {}
