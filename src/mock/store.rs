//! The mock's data: one environment per token, each holding the collections of every API,
//! started from the spec's seed records. Records are JSON objects plus the request inputs
//! they were made from, so a lookup can use either (an action's `node_id` is never shown).

use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value};

use super::spec::{json, Api, MatchOp, Matcher};

#[derive(Clone, Debug)]
pub struct Record {
    /// What the API shows.
    pub data: Map<String, Value>,
    /// Path parameters and body fields of the request that made or last changed it.
    pub inputs: Map<String, Value>,
}

impl Record {
    /// A field by dotted path in the data, else an input of that name.
    pub fn get(&self, path: &str) -> Option<&Value> {
        let mut parts = path.split('.');
        let first = parts.next()?;
        let mut value = self.data.get(first);
        for part in parts {
            value = match value? {
                Value::Object(map) => map.get(part),
                Value::Array(items) => part.parse::<usize>().ok().and_then(|i| items.get(i)),
                _ => None,
            };
        }
        value.or_else(|| self.inputs.get(path))
    }

    /// Whether the record passes `matcher` for the request's `wanted` value.
    pub fn matches(&self, matcher: &Matcher, wanted: &Value) -> bool {
        let wanted = text(wanted);
        matcher.fields.iter().any(|field| {
            let Some(have) = self.get(field).map(text) else {
                return false;
            };
            match matcher.op {
                MatchOp::Equals => have == wanted,
                MatchOp::Contains => have.to_lowercase().contains(&wanted.to_lowercase()),
                MatchOp::Since => cut(&have, &wanted) >= wanted.as_str(),
                MatchOp::Until => cut(&have, &wanted) <= wanted.as_str(),
            }
        })
    }
}

/// A scalar as the text a query parameter would carry.
pub fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `have` cut to the length of `wanted`, so a date bound compares with a date-time's day.
fn cut<'h>(have: &'h str, wanted: &str) -> &'h str {
    have.get(..wanted.len()).unwrap_or(have)
}

/// The records of one token, per API and collection, oldest first.
#[derive(Default)]
pub struct Environment {
    collections: HashMap<(&'static str, &'static str), Vec<Record>>,
}

impl Environment {
    pub fn records(&mut self, api: &'static Api, collection: &'static str) -> &mut Vec<Record> {
        self.collections
            .entry((api.name, collection))
            .or_insert_with(|| seed(api, collection))
    }
}

fn seed(api: &Api, collection: &str) -> Vec<Record> {
    let Some(declared) = api.collections.iter().find(|c| c.name == collection) else {
        return Vec::new();
    };
    let seed = json(declared.seed)
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    seed.iter()
        .filter_map(|data| {
            Some(Record {
                data: data.as_object()?.clone(),
                inputs: Map::new(),
            })
        })
        .collect()
}

/// Every token's environment; a token seen for the first time gets a fresh one.
#[derive(Default)]
pub struct Store {
    environments: HashMap<String, Environment>,
}

impl Store {
    pub fn environment(&mut self, token: &str) -> &mut Environment {
        self.environments.entry(token.to_string()).or_default()
    }

    pub fn clear(&mut self) {
        self.environments.clear();
    }
}

/// A fresh id in the style of `example`: `call_789012` → `call_…`, a UUID → a UUID, a
/// number → one more than the largest number id in `existing`.
pub fn new_id(example: Option<&Value>, collection: &str, existing: &[Record]) -> Value {
    let n = random();
    let id = match example {
        Some(Value::Number(_)) => {
            let largest = existing
                .iter()
                .filter_map(|r| r.data.get("id").and_then(Value::as_i64))
                .max()
                .unwrap_or(0);
            return Value::from(largest.saturating_add(1));
        }
        Some(Value::String(e)) if is_uuid(e) => format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            n >> 32,
            (n >> 16) & 0xffff,
            n & 0xfff,
            0x8000 | (random() & 0x3fff),
            random() & 0xffff_ffff_ffff
        ),
        Some(Value::String(e)) => {
            let prefix = e
                .rfind(['_', '-'])
                .map_or(e.as_str(), |at| &e[..=at])
                .trim_end_matches(|c: char| c.is_ascii_digit());
            format!("{prefix}{:012x}", n & 0xffff_ffff_ffff)
        }
        _ => format!("{collection}_{:012x}", n & 0xffff_ffff_ffff),
    };
    Value::String(id)
}

fn is_uuid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, len)| g.len() == len && g.chars().all(|c| c.is_ascii_hexdigit()))
}

/// A random number from std's per-process hash keys, mixed with a counter.
pub fn random() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.finish()
}

/// The current time as RFC 3339 in UTC, to the second (`2024-01-15T10:30:00Z`).
pub fn now() -> String {
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (days, rest) = (seconds / 86_400, seconds % 86_400);
    let (year, month, day) = civil_from_days(days as i64);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// Days since 1970-01-01 to a calendar date (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn dates_from_days() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_737), (2024, 1, 15));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(now().len(), "2024-01-15T10:30:00Z".len());
    }

    #[test]
    fn ids_follow_the_example() {
        let id = |example: Option<Value>, existing: &[Record]| {
            new_id(example.as_ref(), "calls", existing)
        };
        let starts = |v: Value, prefix: &str| v.as_str().is_some_and(|s| s.starts_with(prefix));
        assert!(starts(id(Some(json!("call_789012")), &[]), "call_"));
        assert!(starts(
            id(Some(json!("action-uuid-1")), &[]),
            "action-uuid-"
        ));
        let uuid = id(Some(json!("550e8400-e29b-41d4-a716-446655440000")), &[]);
        assert!(is_uuid(uuid.as_str().unwrap()));
        assert!(starts(id(None, &[]), "calls_"));
        assert_ne!(id(None, &[]), id(None, &[]));
        let numbered = |n: i64| Record {
            data: json!({ "id": n }).as_object().cloned().unwrap(),
            inputs: Map::new(),
        };
        assert_eq!(id(Some(json!(7)), &[]), json!(1));
        assert_eq!(id(Some(json!(7)), &[numbered(3), numbered(41)]), json!(42));
    }

    #[test]
    fn matching_reads_data_then_inputs() {
        let record = Record {
            data: json!({"to": "+1234567890", "agent": {"id": "a1"}, "created_at": "2024-01-15T10:30:00Z"})
                .as_object()
                .cloned()
                .unwrap(),
            inputs: json!({"node_id": "n1"}).as_object().cloned().unwrap(),
        };
        let matcher = |fields: &'static [&'static str], op| Matcher {
            param: "p",
            fields,
            op,
        };
        assert!(record.matches(
            &matcher(&["agent_id", "agent.id"], MatchOp::Equals),
            &json!("a1")
        ));
        assert!(record.matches(&matcher(&["node_id"], MatchOp::Equals), &json!("n1")));
        assert!(record.matches(&matcher(&["to"], MatchOp::Contains), &json!("4567")));
        assert!(record.matches(
            &matcher(&["created_at"], MatchOp::Since),
            &json!("2024-01-15")
        ));
        assert!(record.matches(
            &matcher(&["created_at"], MatchOp::Until),
            &json!("2024-01-15")
        ));
        assert!(!record.matches(
            &matcher(&["created_at"], MatchOp::Until),
            &json!("2024-01-14")
        ));
    }
}
