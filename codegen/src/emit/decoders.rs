//! The hidden table of an API's response decoders, for the crate's property tests: one entry
//! per operation with a JSON body, decoding a 2xx body with the operation's own decode
//! function (so the table cannot drift from what the client does) and, for a paged operation, asking the
//! decoded page for its next cursor. Each entry carries the documented success example, so
//! tests can start from realistic bodies. Nothing here is hand-listed: it is all the spec's.

use proc_macro2::TokenStream;
use quote::quote;

use super::rust::decode_fn_name;
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
    let Response::Json { .. } = &op.response else {
        return None;
    };
    let decode_fn = decode_fn_name(op);
    let probe = if op.pagination.is_some() {
        quote!(crate::rt::probe::page)
    } else {
        quote!(crate::rt::probe::decode)
    };
    let operation = &op.operation_id;
    let example = success_example(op);
    Some(quote! {
        crate::rt::probe::Decoder {
            operation: #operation,
            example: #example,
            decode: |body| #probe(body, #decode_fn),
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
