//! What the server holds for its clients at most: connections, idle and read timeouts.

use std::time::Duration;

/// Read timeout on connections; bounds how long an idle connection ignores `stop`, and how
/// late an idle or read timeout is noticed.
const READ_POLL: Duration = Duration::from_millis(100);

/// What the server holds for its clients at most.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Open connections, each served by its own thread; one more is answered `503` and closed.
    pub max_connections: usize,
    /// How long a keep-alive connection may wait for its next request before it is closed.
    pub idle_timeout: Duration,
    /// How long a request in progress may stall (no next byte of it arrives) before it is
    /// answered `408` and closed; also how long an answer may wait for the client to read it.
    pub read_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_connections: 256,
            idle_timeout: Duration::from_secs(30),
            read_timeout: Duration::from_secs(30),
        }
    }
}

impl Limits {
    /// Refuses limits the server cannot work with.
    pub fn check(&self) -> Result<(), String> {
        if self.max_connections == 0 {
            return Err("max_connections must be at least 1".into());
        }
        if self.idle_timeout.is_zero() || self.read_timeout.is_zero() {
            return Err("idle_timeout and read_timeout must be longer than zero".into());
        }
        Ok(())
    }

    /// The socket read timeout: short enough to notice `stop` and either timeout promptly.
    pub(super) fn poll(&self) -> Duration {
        READ_POLL.min(self.idle_timeout).min(self.read_timeout)
    }
}
