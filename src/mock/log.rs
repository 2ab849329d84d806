//! The request log, bounded: the last N requests with the bodies received and answered, each
//! body kept only up to a limit (longer ones are shortened with a visible marker), held as
//! bytes and decoded only when the log is read. Clearing it gives its memory back.

use std::collections::{BTreeMap, VecDeque};
use std::mem::size_of;

use serde_json::Value;

use super::faults::{decoded, LoggedRequest};

/// How much the log keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogLimits {
    /// Requests kept; the oldest is forgotten when one more arrives.
    pub max_requests: usize,
    /// Bytes kept of each body received or answered; a longer one is shortened.
    pub max_body: usize,
}

impl Default for LogLimits {
    fn default() -> LogLimits {
        LogLimits {
            max_requests: 10_000,
            max_body: 64 * 1024,
        }
    }
}

/// The logged requests, oldest first.
pub struct RequestLog {
    limits: LogLimits,
    entries: VecDeque<Entry>,
}

/// A logged request; `request.body` and `request.response` stay `null` until it is read.
struct Entry {
    request: LoggedRequest,
    body: Kept,
    response: Kept,
}

/// The start of a body, and how long the whole was.
struct Kept {
    bytes: Box<[u8]>,
    len: usize,
}

impl Kept {
    fn of(body: &[u8], max: usize) -> Kept {
        let mut end = body.len().min(max);
        // Cut on a character boundary, so a shortened text does not end in a broken one.
        while end > 0 && end < body.len() && body[end] & 0xC0 == 0x80 {
            end -= 1;
        }
        Kept {
            bytes: body[..end].into(),
            len: body.len(),
        }
    }

    /// The whole body decoded as JSON or text, or the kept start as text with a marker.
    fn value(&self) -> Value {
        if self.bytes.len() == self.len {
            return decoded(&self.bytes);
        }
        let start = String::from_utf8_lossy(&self.bytes);
        Value::String(format!(
            "{start}…[shortened by the mock: {} of {} bytes shown]",
            self.bytes.len(),
            self.len
        ))
    }
}

impl RequestLog {
    pub fn new(limits: LogLimits) -> RequestLog {
        RequestLog {
            limits,
            entries: VecDeque::new(),
        }
    }

    /// Records a request with the bodies it sent and was answered.
    pub fn push(&mut self, request: LoggedRequest, body: &[u8], response: &[u8]) {
        if self.limits.max_requests == 0 {
            return;
        }
        while self.entries.len() >= self.limits.max_requests {
            self.entries.pop_front();
        }
        let max = self.limits.max_body;
        self.entries.push_back(Entry {
            request,
            body: Kept::of(body, max),
            response: Kept::of(response, max),
        });
    }

    /// Every logged request with its bodies decoded, oldest first.
    pub fn read(&self) -> Vec<LoggedRequest> {
        self.entries
            .iter()
            .map(|entry| LoggedRequest {
                body: entry.body.value(),
                response: entry.response.value(),
                ..entry.request.clone()
            })
            .collect()
    }

    /// Forgets every request and frees the memory that held them, the queue's own included.
    pub fn clear(&mut self) {
        self.entries = VecDeque::new();
    }

    /// The bytes the log holds: the slots of its queue plus what each entry's strings, maps
    /// and bodies hold on the heap (an allocator's own overhead is not counted).
    pub fn bytes(&self) -> usize {
        let slots = self.entries.capacity() * size_of::<Entry>();
        slots + self.entries.iter().map(Entry::heap_bytes).sum::<usize>()
    }
}

impl Entry {
    fn heap_bytes(&self) -> usize {
        let r = &self.request;
        let strings = r.method.capacity()
            + r.path.capacity()
            + r.operation.as_ref().map_or(0, String::capacity);
        let query: usize = r
            .query
            .iter()
            .map(|(name, values)| {
                name.capacity()
                    + values.capacity() * size_of::<String>()
                    + values.iter().map(String::capacity).sum::<usize>()
            })
            .sum();
        let headers: usize = r
            .headers
            .iter()
            .map(|(name, value)| name.capacity() + value.capacity())
            .sum();
        strings
            + query
            + map_slots(&r.query)
            + headers
            + map_slots(&r.headers)
            + self.body.bytes.len()
            + self.response.bytes.len()
    }
}

/// The keys and values a B-tree map stores inline.
fn map_slots<K, V>(map: &BTreeMap<K, V>) -> usize {
    map.len() * (size_of::<K>() + size_of::<V>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cut_never_splits_a_character() {
        let text = "ééé".as_bytes(); // two bytes each
        let kept = Kept::of(text, 3);
        assert_eq!(&*kept.bytes, "é".as_bytes());
        assert_eq!(
            kept.value(),
            Value::String("é…[shortened by the mock: 2 of 6 bytes shown]".into())
        );
    }

    #[test]
    fn a_body_within_the_limit_is_kept_whole() {
        let kept = Kept::of(br#"{"a":1}"#, 7);
        assert_eq!(kept.value(), serde_json::json!({"a": 1}));
        assert_eq!(Kept::of(b"", 0).value(), Value::Null);
    }
}
