//! Decoding a 2xx body the way a generated operation does, with no request sent. The
//! generated `RESPONSE_DECODERS` tables call these, so property tests reach every response
//! model of every API without a hand-kept list. Hidden: not part of the SDK's API.

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::pagination::Paginated;
use crate::secrets::Secrets;
use crate::transport::Response;
use crate::Error;

/// One operation's response decoder.
#[derive(Clone, Copy)]
pub struct Decoder {
    /// The spec's operationId.
    pub operation: &'static str,
    /// The documented success body, as JSON text.
    pub example: &'static str,
    pub decode: fn(&[u8]) -> Result<Decoded, Error>,
}

impl std::fmt::Debug for Decoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.operation)
    }
}

/// What a successful decoding showed.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded {
    /// Whether the decoded value, encoded again (as `to_dict` does) and decoded, is the same.
    pub round_trips: bool,
    /// For a page: the cursor of the next page (`None` after the last).
    pub next_cursor: Option<Option<i64>>,
    /// For a page: how many items it holds.
    pub items: Option<usize>,
}

/// The operation's answer read by the operation's own decode function.
type Decode<T> = fn(&Response) -> Result<T, Error>;

/// `body` decoded by the operation's own decode function.
pub fn decode<T>(body: &[u8], decode: Decode<T>) -> Result<Decoded, Error>
where
    T: DeserializeOwned + Serialize + PartialEq,
{
    let value = decode(&response(body))?;
    Ok(round_trip(&value))
}

/// [`decode`] for a paged operation's response, also walking to its next cursor.
pub fn page<T>(body: &[u8], decode: Decode<T>) -> Result<Decoded, Error>
where
    T: DeserializeOwned + Serialize + PartialEq + Paginated,
{
    let value = decode(&response(body))?;
    let mut decoded = round_trip(&value);
    decoded.next_cursor = Some(value.next_cursor());
    decoded.items = Some(value.items().len());
    Ok(decoded)
}

/// `body` as a 2xx answer.
fn response(body: &[u8]) -> Response {
    Response {
        status: 200,
        headers: Vec::new(),
        body: body.to_vec(),
        secrets: Secrets::default(),
        retries: 0,
        elapsed: std::time::Duration::ZERO,
    }
}

fn round_trip<T>(value: &T) -> Decoded
where
    T: DeserializeOwned + Serialize + PartialEq,
{
    let round_trips = serde_json::to_value(value)
        .ok()
        .and_then(|encoded| T::deserialize(&encoded).ok())
        .is_some_and(|again| again == *value);
    Decoded {
        round_trips,
        next_cursor: None,
        items: None,
    }
}
