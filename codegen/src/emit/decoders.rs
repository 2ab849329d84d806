//! The hidden table of an API's response decoders, for the crate's property tests: one entry
//! per operation with a JSON body, decoding a 2xx body exactly as the operation does
//! (`json`, or `json_at` for an unwrapped envelope) and, for a paged operation, asking the
//! decoded page for its next cursor. Each entry carries the documented success example, so
//! tests can start from realistic bodies. Nothing here is hand-listed: it is all the spec's.

use proc_macro2::TokenStream;
use quote::quote;

use super::rust_type;
use crate::ir::{Api, Operation, Response};

/// `RESPONSE_DECODERS`, appended to the end of the generated client.
pub fn table(api: &Api) -> TokenStream {
    let entries = api.operations.iter().filter_map(entry);
    quote! {
        /// Every response decoder of this API, for property tests; not part of the API.
        #[doc(hidden)]
        pub const RESPONSE_DECODERS: &[crate::rt::probe::Decoder] = &[#(#entries),*];
    }
}

fn entry(op: &Operation) -> Option<TokenStream> {
    let Response::Json { ty, unwrap } = &op.response else {
        return None;
    };
    let ty = rust_type(ty);
    let at = match unwrap {
        Some(property) => quote!(Some(#property)),
        None => quote!(None),
    };
    let probe = if op.pagination.is_some() {
        quote!(crate::rt::probe::page::<#ty>)
    } else {
        quote!(crate::rt::probe::decode::<#ty>)
    };
    let operation = &op.operation_id;
    let example = success_example(op);
    Some(quote! {
        crate::rt::probe::Decoder {
            operation: #operation,
            example: #example,
            decode: |body| #probe(body, #at),
        }
    })
}

/// The documented body of the first 2xx answer, as compact JSON (`{}` when none has one).
fn success_example(op: &Operation) -> String {
    op.mock
        .responses
        .iter()
        .filter(|r| (200..300).contains(&r.status))
        .find_map(|r| r.body.as_ref())
        .map_or_else(|| "{}".to_string(), |body| body.to_string())
}
