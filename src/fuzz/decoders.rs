//! Every response decoder of every API (the generated `RESPONSE_DECODERS` tables, which the
//! generated `apis.rs` hands to these functions from its tests) over mutated documented
//! examples, arbitrary JSON and arbitrary bytes: a decoder gives a value or
//! `Error::ResponseValidation`; a value it gives encodes and decodes back to itself; a
//! decoded page names its next cursor without overflowing.

use std::sync::atomic::{AtomicU64, Ordering};

use proptest::prelude::*;
use serde_json::Value;

use super::json;
use crate::rt::probe::Decoder;
use crate::Error;

fn decoders(tables: &[&[Decoder]]) -> Vec<Decoder> {
    tables
        .iter()
        .flat_map(|table| table.iter().copied())
        .collect()
}

fn example(decoder: &Decoder) -> Value {
    serde_json::from_str(decoder.example).unwrap_or(Value::Null)
}

/// A body for `decoder`: mostly its documented example mutated, else anything.
fn body(decoder: &Decoder) -> impl Strategy<Value = Vec<u8>> {
    let example = example(decoder);
    let keys = json::keys_of(&example);
    prop_oneof![
        8 => json::mutated(example),
        1 => json::any_json(keys).prop_map(|v| json::write(&v)),
        1 => prop::collection::vec(any::<u8>(), 0..256),
    ]
}

/// How many bodies decoded to a value, and how many of those were pages with a next page.
static DECODED: AtomicU64 = AtomicU64::new(0);
static NEXT_PAGES: AtomicU64 = AtomicU64::new(0);

fn check(decoder: &Decoder, body: &[u8]) -> Result<(), TestCaseError> {
    match (decoder.decode)(body) {
        Ok(decoded) => {
            DECODED.fetch_add(1, Ordering::Relaxed);
            if let Some(Some(_)) = decoded.next_cursor {
                NEXT_PAGES.fetch_add(1, Ordering::Relaxed);
            }
            prop_assert!(
                decoded.round_trips,
                "{}: the decoded value does not survive encoding and decoding again",
                decoder.operation
            );
        }
        Err(Error::ResponseValidation { status: 200, .. }) => {}
        Err(other) => prop_assert!(false, "{}: {other:?}", decoder.operation),
    }
    Ok(())
}

/// The fuzz target over `tables`; the generated `apis.rs` runs it over the crate's decoders
/// (test `fuzz_response_decoders`).
pub(crate) fn fuzz_response_decoders(tables: &[&[Decoder]]) {
    let all = decoders(tables);
    let strategy = prop::sample::select(all).prop_flat_map(|d| (Just(d), body(&d)));
    super::run("response_decoders", strategy, |(decoder, body)| {
        check(&decoder, &body)
    });
    eprintln!(
        "fuzz target response_decoders: {} bodies decoded to a value, {} of them pages with a next page",
        DECODED.load(Ordering::Relaxed),
        NEXT_PAGES.load(Ordering::Relaxed)
    );
}

/// Every documented success example of `tables` decodes and round-trips.
pub(crate) fn every_documented_success_example_decodes(tables: &[&[Decoder]]) {
    let all = decoders(tables);
    assert!(!all.is_empty());
    for decoder in all {
        match (decoder.decode)(decoder.example.as_bytes()) {
            Ok(decoded) => assert!(decoded.round_trips, "{}", decoder.operation),
            Err(e) => panic!("{}: {e}", decoder.operation),
        }
    }
}
