//! Per-token request counting in fixed 60-second windows, told in the `X-RateLimit-*` headers
//! the real APIs send, and enforced with a `429` once a limit is set.
//!
//! A token's window starts with its first request and lasts 60 seconds; the next request after
//! it starts a new one. Without a limit the mock counts against [`NOMINAL_LIMIT`] (the
//! Professional plan's 1,000 a minute) and never refuses: `Remaining` stops at 0.

use std::collections::HashMap;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// How long a window lasts.
pub const WINDOW: Duration = Duration::from_secs(60);
/// The limit the headers show when none is enforced.
pub const NOMINAL_LIMIT: u32 = 1000;
/// Windows kept before the ended ones are swept out.
const SWEEP_AT: usize = 1024;

/// The windows of every token, and the limit, if one is enforced.
#[derive(Debug)]
pub struct RateLimiter {
    per_minute: Option<u32>,
    windows: HashMap<String, Window>,
    sweep_at: usize,
}

#[derive(Debug, Clone, Copy)]
struct Window {
    started: Instant,
    used: u32,
}

/// The outcome of one request against its token's window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    /// False when the request is over the limit (and was not counted).
    pub allowed: bool,
    pub limit: u32,
    pub remaining: u32,
    /// Until the window ends.
    pub reset_in: Duration,
}

impl Default for RateLimiter {
    fn default() -> RateLimiter {
        RateLimiter::new(None)
    }
}

impl RateLimiter {
    pub fn new(per_minute: Option<u32>) -> RateLimiter {
        RateLimiter {
            per_minute,
            windows: HashMap::new(),
            sweep_at: SWEEP_AT,
        }
    }

    pub fn per_minute(&self) -> Option<u32> {
        self.per_minute
    }

    /// Sets (or, with `None`, lifts) the limit; every token starts a fresh window.
    pub fn set_per_minute(&mut self, per_minute: Option<u32>) {
        self.per_minute = per_minute;
        self.clear();
    }

    /// Forgets every window.
    pub fn clear(&mut self) {
        self.windows = HashMap::new();
        self.sweep_at = SWEEP_AT;
    }

    /// Counts a request of `key` (its token) at `now`, unless it is over the limit.
    pub fn take(&mut self, key: &str, now: Instant) -> Verdict {
        if !self.windows.contains_key(key) && self.windows.len() >= self.sweep_at {
            self.windows
                .retain(|_, w| now.duration_since(w.started) < WINDOW);
            self.sweep_at = SWEEP_AT.max(self.windows.len() * 2);
        }
        let window = self.windows.entry(key.to_string()).or_insert(Window {
            started: now,
            used: 0,
        });
        if now.duration_since(window.started) >= WINDOW {
            *window = Window {
                started: now,
                used: 0,
            };
        }
        let reset_in = (window.started + WINDOW).saturating_duration_since(now);
        let limit = self.per_minute.unwrap_or(NOMINAL_LIMIT);
        let allowed = self.per_minute.is_none_or(|limit| window.used < limit);
        if allowed {
            window.used = window.used.saturating_add(1);
        }
        Verdict {
            allowed,
            limit,
            remaining: limit.saturating_sub(window.used),
            reset_in,
        }
    }
}

impl Verdict {
    /// Whole seconds until the window ends, rounded up, at least 1: what `Retry-After` says.
    pub fn retry_after(&self) -> u64 {
        let secs = self.reset_in.as_secs() + u64::from(self.reset_in.subsec_nanos() > 0);
        secs.max(1)
    }

    /// The `X-RateLimit-*` headers; `Reset` is the Unix time (seconds, rounded up) at which
    /// the window ends.
    pub fn headers(&self, now: SystemTime) -> [(String, String); 3] {
        let ends = now + self.reset_in;
        let reset = ends.duration_since(UNIX_EPOCH).map_or(0, |since| {
            since.as_secs() + u64::from(since.subsec_nanos() > 0)
        });
        [
            ("X-RateLimit-Limit".into(), self.limit.to_string()),
            ("X-RateLimit-Remaining".into(), self.remaining.to_string()),
            ("X-RateLimit-Reset".into(), reset.to_string()),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_counts_to_its_limit_then_starts_over() {
        let mut limiter = RateLimiter::new(Some(2));
        let t0 = Instant::now();
        let first = limiter.take("a", t0);
        assert_eq!((first.allowed, first.limit, first.remaining), (true, 2, 1));
        assert_eq!(first.reset_in, WINDOW);
        assert!(limiter.take("a", t0 + Duration::from_secs(1)).allowed);
        let refused = limiter.take("a", t0 + Duration::from_millis(59_500));
        assert_eq!((refused.allowed, refused.remaining), (false, 0));
        assert_eq!(refused.retry_after(), 1);
        assert_eq!(
            limiter.windows["a"].used, 2,
            "a refused request does not count"
        );
        assert!(limiter.take("b", t0 + Duration::from_secs(2)).allowed);
        let next = limiter.take("a", t0 + WINDOW);
        assert_eq!((next.allowed, next.remaining), (true, 1));
    }

    #[test]
    fn without_a_limit_nothing_is_refused_and_remaining_stops_at_zero() {
        let mut limiter = RateLimiter::default();
        let now = Instant::now();
        let verdicts: Vec<_> = (0..NOMINAL_LIMIT + 2)
            .map(|_| limiter.take("a", now))
            .collect();
        assert!(verdicts
            .iter()
            .all(|v| v.allowed && v.limit == NOMINAL_LIMIT));
        assert_eq!(verdicts[0].remaining, NOMINAL_LIMIT - 1);
        assert_eq!(verdicts[verdicts.len() - 1].remaining, 0);
    }

    #[test]
    fn ended_windows_are_swept_out() {
        let mut limiter = RateLimiter::default();
        let t0 = Instant::now();
        for i in 0..SWEEP_AT {
            limiter.take(&format!("old{i}"), t0);
        }
        limiter.take("new", t0 + WINDOW);
        assert_eq!(limiter.windows.len(), 1);
    }

    #[test]
    fn reset_is_unix_seconds_rounded_up() {
        let verdict = Verdict {
            allowed: true,
            limit: 1,
            remaining: 0,
            reset_in: Duration::from_millis(1500),
        };
        let now = UNIX_EPOCH + Duration::from_secs(100);
        assert_eq!(verdict.headers(now)[2].1, "102");
        assert_eq!(verdict.retry_after(), 2);
    }
}
