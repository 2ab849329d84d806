//! When a failed attempt is sent again, and how long to wait first. A request the spec calls
//! safe to repeat is retried after any transient failure; any other (a make-call: a second
//! copy is a second real phone call) only when it surely never reached the server — the
//! connection could not be made — or when the server refused it with 429.

use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

use super::RetryClass;

/// Longest server-requested wait the SDK sleeps; above it the error is raised instead, with
/// its `retry_after`.
pub const MAX_SERVER_WAIT: Duration = Duration::from_secs(60);

const BACKOFF_START: f64 = 0.5;
const BACKOFF_CAP: f64 = 8.0;
const JITTER: f64 = 0.25;

/// Why an attempt failed, as far as retrying is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Failure {
    /// The connection could not be made (refused, DNS, TLS handshake): nothing was sent.
    NotSent,
    /// No complete answer in time; the request may have run.
    Timeout,
    /// The connection broke or the answer was cut short; the request may have run.
    Broken,
    /// The server answered this status.
    Status(u16),
    /// Never retried: a bad argument, a refused redirect, a certificate the client does not
    /// trust, an oversize answer, an interruption.
    Final,
}

impl Failure {
    /// Whether sending again is allowed for a request of `class`.
    fn retryable(self, class: RetryClass) -> bool {
        matches!(
            (self, class),
            (Failure::NotSent | Failure::Status(429), _)
                | (
                    Failure::Timeout
                        | Failure::Broken
                        | Failure::Status(408 | 500 | 502 | 503 | 504),
                    RetryClass::Safe
                )
        )
    }

    /// Why a retry happens, for the log.
    pub(crate) fn reason(self) -> String {
        match self {
            Failure::NotSent => "the connection could not be made".into(),
            Failure::Timeout => "the attempt timed out".into(),
            Failure::Broken => "the connection broke".into(),
            Failure::Status(status) => format!("HTTP {status}"),
            Failure::Final => "a final error".into(),
        }
    }
}

/// How long to wait before retry number `retries_done + 1`, or `None` to give up.
/// `retry_after` is the server's own request, in seconds.
pub(crate) fn next_wait(
    class: RetryClass,
    failure: Failure,
    retry_after: Option<f64>,
    retries_done: u32,
    max_retries: u32,
) -> Option<Duration> {
    if retries_done >= max_retries || !failure.retryable(class) {
        return None;
    }
    match retry_after {
        Some(seconds) => {
            let wait = Duration::try_from_secs_f64(seconds).ok()?;
            (wait <= MAX_SERVER_WAIT).then_some(wait)
        }
        None => Some(backoff(retries_done)),
    }
}

/// 0.5 s × 2^n, ±25 % jitter (so many clients do not retry in step), at most 8 s.
pub(crate) fn backoff(retries_done: u32) -> Duration {
    let base = BACKOFF_START * 2f64.powi(retries_done.min(16) as i32);
    let jitter = 1.0 + JITTER * (2.0 * random_unit() - 1.0);
    Duration::from_secs_f64((base * jitter).min(BACKOFF_CAP))
}

/// A number in [0, 1): std's per-process random hash keys, fresh for each call.
fn random_unit() -> f64 {
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use RetryClass::{Safe, Unsafe};

    #[test]
    fn unsafe_requests_retry_only_when_surely_not_run() {
        for failure in [Failure::NotSent, Failure::Status(429)] {
            assert!(
                next_wait(Unsafe, failure, None, 0, 2).is_some(),
                "{failure:?}"
            );
        }
        for failure in [
            Failure::Timeout,
            Failure::Broken,
            Failure::Status(500),
            Failure::Status(502),
            Failure::Status(503),
            Failure::Status(504),
            Failure::Status(408),
            Failure::Final,
        ] {
            assert_eq!(next_wait(Unsafe, failure, None, 0, 2), None, "{failure:?}");
        }
    }

    #[test]
    fn safe_requests_retry_transient_failures() {
        for failure in [
            Failure::NotSent,
            Failure::Timeout,
            Failure::Broken,
            Failure::Status(408),
            Failure::Status(429),
            Failure::Status(500),
            Failure::Status(502),
            Failure::Status(503),
            Failure::Status(504),
        ] {
            assert!(
                next_wait(Safe, failure, None, 0, 2).is_some(),
                "{failure:?}"
            );
        }
        for failure in [
            Failure::Status(400),
            Failure::Status(404),
            Failure::Status(501),
            Failure::Final,
        ] {
            assert_eq!(next_wait(Safe, failure, None, 0, 2), None, "{failure:?}");
        }
    }

    #[test]
    fn retries_stop_at_the_maximum() {
        assert!(next_wait(Safe, Failure::Status(503), None, 1, 2).is_some());
        assert_eq!(next_wait(Safe, Failure::Status(503), None, 2, 2), None);
        assert_eq!(next_wait(Safe, Failure::Status(503), None, 0, 0), None);
    }

    #[test]
    fn the_server_s_wait_is_kept_unless_too_long() {
        assert_eq!(
            next_wait(Unsafe, Failure::Status(429), Some(1.5), 0, 2),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(
            next_wait(Unsafe, Failure::Status(429), Some(61.0), 0, 2),
            None
        );
        assert_eq!(
            next_wait(Unsafe, Failure::Status(429), Some(60.0), 0, 2),
            Some(MAX_SERVER_WAIT)
        );
    }

    #[test]
    fn backoff_doubles_with_jitter_and_a_cap() {
        for (n, base) in [(0u32, 0.5f64), (1, 1.0), (2, 2.0), (3, 4.0)] {
            for _ in 0..50 {
                let wait = backoff(n).as_secs_f64();
                assert!(
                    wait >= base * 0.75 - 1e-9 && wait <= base * 1.25 + 1e-9,
                    "{n}: {wait}"
                );
            }
        }
        for _ in 0..50 {
            assert!(backoff(10).as_secs_f64() <= 8.0);
            assert!(backoff(u32::MAX).as_secs_f64() <= 8.0);
        }
    }
}
