//! Property-based fuzzing on stable Rust: everything that reads data from outside — response
//! bodies, error answers, encoders fed by user input, the mock's request decoding — must
//! give a value or a typed error, never a panic (a panic reaching Python is a
//! `PanicException`, which `except Exception` does not catch).
//!
//! Each target is a test named `fuzz_*`. `make test` runs the default 256 cases of each;
//! `make fuzz` sets `PROPTEST_CASES=1000000` and prints each target's count and time.
//! A failure found here becomes a named regression test next to the code it concerns.

pub(crate) mod decoders;
mod encoders;
mod errors;
mod json;
#[cfg(feature = "mock")]
mod mock_decoding;

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use proptest::strategy::Strategy;
use proptest::test_runner::{Config, TestCaseResult, TestRunner};

/// Runs `test` over `strategy` for the configured number of cases (`PROPTEST_CASES`, default
/// 256), then prints how many ran and how long they took; panics on the first failure, after
/// shrinking it to a small input.
pub(crate) fn run<S: Strategy>(name: &str, strategy: S, test: impl Fn(S::Value) -> TestCaseResult) {
    let config = Config {
        // A finding becomes a named test, not a file next to the sources.
        failure_persistence: None,
        ..Config::default()
    };
    let cases = AtomicU64::new(0);
    let mut runner = TestRunner::new(config);
    let started = Instant::now();
    let result = runner.run(&strategy, |value| {
        cases.fetch_add(1, Ordering::Relaxed);
        test(value)
    });
    report(name, cases.load(Ordering::Relaxed), started);
    if let Err(failure) = result {
        panic!("{name}: {failure}");
    }
}

/// One line per target, read by `make fuzz`.
pub(crate) fn report(name: &str, cases: u64, started: Instant) {
    let seconds = started.elapsed().as_secs_f64();
    eprintln!(
        "fuzz target {name}: {cases} cases in {seconds:.1} s ({:.0} cases/s)",
        cases as f64 / seconds.max(1e-9)
    );
}
