//! The mock's decoding of request targets (`percent_decode`, `HttpRequest::path` and
//! `query_pairs`) over arbitrary text: no panic; strict decoding undoes `encode_path`; query
//! decoding keeps one pair per `&`-separated part. The socket-level parser is fuzzed over real
//! connections in `tests/fuzz_http.rs`.

use proptest::prelude::*;

use super::json;
use crate::encoding::encode_path;
use crate::mock::http::{percent_decode, HttpRequest};

fn target() -> impl Strategy<Value = String> {
    let c = prop_oneof![
        3 => any::<char>(),
        3 => prop::sample::select(vec!['%', '&', '=', '+', '?', '/', 'A', 'f', '0', '9', 'g']),
    ];
    prop_oneof![
        4 => prop::collection::vec(c, 0..48).prop_map(|c| c.into_iter().collect::<String>()),
        1 => json::text(),
    ]
}

#[test]
fn fuzz_mock_target_decoding() {
    super::run("mock_target_decoding", target(), |target| {
        if let Some(decoded) = percent_decode(&target) {
            prop_assert!(decoded.len() <= target.len());
        }
        prop_assert_eq!(percent_decode(&encode_path(&target)), Some(target.clone()));
        let request = HttpRequest {
            method: "GET".into(),
            target: target.clone(),
            headers: Vec::new(),
            body: Vec::new(),
        };
        prop_assert!(target.starts_with(request.path()));
        let pairs = request.query_pairs();
        let parts = target
            .split_once('?')
            .map_or(0, |(_, q)| q.split('&').filter(|p| !p.is_empty()).count());
        prop_assert_eq!(pairs.len(), parts);
        Ok(())
    });
}
