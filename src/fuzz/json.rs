//! JSON inputs for the decoders: arbitrary values, and documented examples taken apart —
//! leaves swapped for other types or for edge values (huge numbers, lone escapes, odd
//! unicode), keys removed or added, values nested deep — then written out, sometimes with
//! raw number text no `Value` can hold, sometimes cut or corrupted byte by byte.

use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::{Map, Number, Value};

/// Text that stands in for a leaf where `Value` cannot express the token itself.
const RAW_TOKENS: &[&str] = &[
    "1e999",
    "-1e999",
    "18446744073709551616",
    "-9223372036854775809",
    "123456789012345678901234567890.5",
    "0.000000000000000000000000000000000000000000001",
    "4.9e-325",
    "-0",
    "-0.0",
    "1E+2",
    "1e-2",
    "00",
    "01",
    "+1",
    ".5",
    "5.",
    "NaN",
    "Infinity",
    "-Infinity",
    "\"\\ud800\"",
    "\"\\udc00\\ud800\"",
    "\"\\u0000\"",
    "\"\\uD83D\\uDE00\"",
    "\"\\x41\"",
    "\"tab\there\"",
    "tru",
    "nul",
    "[",
    "{",
    "[1,]",
    "{\"a\":1,}",
    "{\"a\" 1}",
    "\"unterminated",
];

/// Marks a leaf to be replaced by `RAW_TOKENS[n]` once the value is written.
const RAW_MARK: &str = "\u{0}raw:";

/// Strings that decoders and the code behind them have tripped on elsewhere.
const ODD_STRINGS: &[&str] = &[
    "",
    " ",
    "\u{0}",
    "\u{feff}",
    "\u{202e}evil",
    "e\u{301}",
    "😀👨‍👩‍👧",
    "\u{10ffff}",
    "null",
    "true",
    "0",
    "-1",
    "NaN",
    "2024-13-45T99:99:99Z",
    "2024-02-30",
    "+1234567890",
    "%00%2F..%2F",
    "../../etc/passwd",
    "<html>",
    "\\",
    "\"",
    "\r\n\r\n",
    "published",
    "completed",
    "draft",
];

/// Numbers at the edges of what the models hold (`i64`, `f64`).
fn edge_number() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::from(0)),
        Just(Value::from(-1)),
        Just(Value::from(1)),
        Just(Value::from(i64::MAX)),
        Just(Value::from(i64::MIN)),
        Just(Value::from(u64::MAX)),
        Just(Value::from((1u64 << 53) + 1)),
        Just(Value::from(1e308)),
        Just(Value::from(-1e308)),
        Just(Value::from(f64::MIN_POSITIVE)),
        Just(Value::from(5e-324)),
        Just(Value::from(-0.0)),
        Just(Value::from(0.5)),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| Number::from_f64(f).map_or(Value::Null, Value::Number)),
    ]
}

/// Unicode text: short arbitrary strings, odd ones, and now and then a long one.
pub fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => prop::collection::vec(any::<char>(), 0..24).prop_map(|c| c.into_iter().collect()),
        3 => prop::sample::select(ODD_STRINGS).prop_map(str::to_string),
        1 => (prop::sample::select(ODD_STRINGS), 1usize..4096)
            .prop_map(|(s, n)| s.repeat(n.min(65_536 / s.len().max(1)))),
    ]
}

/// Any leaf value.
pub fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        edge_number(),
        text().prop_map(Value::String),
    ]
}

/// Any JSON value, a few levels deep, with keys that are sometimes `interesting` ones.
pub fn any_json(keys: Vec<String>) -> impl Strategy<Value = Value> {
    let key = if keys.is_empty() {
        text().boxed()
    } else {
        prop_oneof![prop::sample::select(keys), text()].boxed()
    };
    leaf().prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key.clone(), inner), 0..6)
                .prop_map(|entries| Value::Object(entries.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// One change to a value, at the node `at` picks among all its nodes.
#[derive(Debug, Clone)]
enum Edit {
    /// Put any value there.
    Replace(Index, Value),
    /// A value of the same JSON type, at an edge (huge numbers, odd text, empty containers).
    Tweak(Index, Value),
    Remove(Index),
    /// Add a property to an object (or an item to an array).
    Add(Index, String, Value),
    /// Wrap the node in this many arrays or objects.
    Nest(Index, u16, bool),
    /// Write this raw token in its place.
    Raw(Index, Index),
    /// Repeat an array's first item until it has this many.
    Grow(Index, u16),
}

fn edit(keys: Vec<String>) -> impl Strategy<Value = Edit> {
    let key = prop_oneof![prop::sample::select(keys.clone()), text()];
    prop_oneof![
        4 => (any::<Index>(), any_json(keys.clone())).prop_map(|(i, v)| Edit::Replace(i, v)),
        6 => (any::<Index>(), leaf()).prop_map(|(i, v)| Edit::Tweak(i, v)),
        2 => any::<Index>().prop_map(Edit::Remove),
        2 => (any::<Index>(), key, leaf()).prop_map(|(i, k, v)| Edit::Add(i, k, v)),
        1 => (any::<Index>(), 1u16..300, any::<bool>()).prop_map(|(i, n, o)| Edit::Nest(i, n, o)),
        2 => (any::<Index>(), any::<Index>()).prop_map(|(i, t)| Edit::Raw(i, t)),
        1 => (any::<Index>(), 0u16..2000).prop_map(|(i, n)| Edit::Grow(i, n)),
    ]
}

/// Byte-level damage done to the written text.
#[derive(Debug, Clone)]
enum Damage {
    None,
    Cut(Index),
    Flip(Index, u8),
    Insert(Index, u8),
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        12 => Just(Damage::None),
        1 => any::<Index>().prop_map(Damage::Cut),
        1 => (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Damage::Flip(i, b)),
        1 => (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Damage::Insert(i, b)),
    ]
}

/// `example` changed by a few edits, written out, maybe damaged.
pub fn mutated(example: Value) -> impl Strategy<Value = Vec<u8>> {
    let keys = keys_of(&example);
    (
        prop::collection::vec(edit(keys), 0..5),
        damage(),
        Just(example),
    )
        .prop_map(|(edits, damage, mut value)| {
            for e in edits {
                apply(&mut value, e);
            }
            let mut bytes = write(&value);
            spoil(&mut bytes, damage);
            bytes
        })
}

/// Every property name in `value`, so added keys often collide with known ones.
pub fn keys_of(value: &Value) -> Vec<String> {
    let mut keys = Vec::new();
    let mut stack = vec![value];
    while let Some(v) = stack.pop() {
        match v {
            Value::Object(map) => {
                for (k, v) in map {
                    if !keys.contains(k) {
                        keys.push(k.clone());
                    }
                    stack.push(v);
                }
            }
            Value::Array(items) => stack.extend(items),
            _ => {}
        }
    }
    if keys.is_empty() {
        keys.push("data".into());
    }
    keys
}

/// JSON pointers of every node, the root first.
fn pointers(value: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![(String::new(), value)];
    while let Some((at, v)) = stack.pop() {
        match v {
            Value::Object(map) => {
                for (k, child) in map {
                    let k = k.replace('~', "~0").replace('/', "~1");
                    stack.push((format!("{at}/{k}"), child));
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    stack.push((format!("{at}/{i}"), child));
                }
            }
            _ => {}
        }
        out.push(at);
    }
    out
}

fn apply(value: &mut Value, edit: Edit) {
    let all = pointers(value);
    let pick = |i: &Index| all[i.index(all.len())].clone();
    match edit {
        Edit::Replace(i, v) => set(value, &pick(&i), v),
        Edit::Tweak(i, v) => {
            let at = pick(&i);
            if let Some(node) = value.pointer_mut(&at) {
                let same_type = std::mem::discriminant(node) == std::mem::discriminant(&v);
                *node = match node {
                    Value::Array(_) => Value::Array(Vec::new()),
                    Value::Object(_) => Value::Object(Map::new()),
                    Value::Bool(b) => Value::Bool(!*b),
                    _ if same_type => v,
                    Value::Number(_) => Value::from(i64::MAX),
                    Value::String(s) => Value::String(format!("{s}\u{1f600}")),
                    Value::Null => v,
                };
            }
        }
        Edit::Remove(i) => {
            let at = pick(&i);
            if let Some((parent, last)) = at.rsplit_once('/') {
                match value.pointer_mut(parent) {
                    Some(Value::Object(map)) => {
                        map.shift_remove(&last.replace("~1", "/").replace("~0", "~"));
                    }
                    Some(Value::Array(items)) => {
                        if let Ok(n) = last.parse::<usize>() {
                            if n < items.len() {
                                items.remove(n);
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        Edit::Add(i, k, v) => match value.pointer_mut(&pick(&i)) {
            Some(Value::Object(map)) => {
                map.insert(k, v);
            }
            Some(Value::Array(items)) => items.push(v),
            _ => {}
        },
        Edit::Nest(i, depth, objects) => {
            let at = pick(&i);
            if let Some(node) = value.pointer_mut(&at) {
                let mut v = node.take();
                for _ in 0..depth {
                    v = if objects {
                        Value::Object(Map::from_iter([("data".to_string(), v)]))
                    } else {
                        Value::Array(vec![v])
                    };
                }
                *node = v;
            }
        }
        Edit::Raw(i, token) => {
            let n = token.index(RAW_TOKENS.len());
            set(value, &pick(&i), Value::String(format!("{RAW_MARK}{n}")));
        }
        Edit::Grow(i, n) => {
            if let Some(Value::Array(items)) = value.pointer_mut(&pick(&i)) {
                if let Some(first) = items.first().cloned() {
                    items.resize(usize::from(n), first);
                }
            }
        }
    }
}

fn set(value: &mut Value, at: &str, new: Value) {
    if let Some(node) = value.pointer_mut(at) {
        *node = new;
    }
}

/// The value as JSON text, with raw-token marks replaced by their tokens.
pub fn write(value: &Value) -> Vec<u8> {
    let text = value.to_string();
    if !text.contains("\\u0000raw:") {
        return text.into_bytes();
    }
    let mut out = text;
    for (n, token) in RAW_TOKENS.iter().enumerate().rev() {
        out = out.replace(&format!("\"\\u0000raw:{n}\""), token);
    }
    out.into_bytes()
}

fn spoil(bytes: &mut Vec<u8>, damage: Damage) {
    match damage {
        Damage::None => {}
        Damage::Cut(i) => bytes.truncate(i.index(bytes.len() + 1)),
        Damage::Flip(i, b) if !bytes.is_empty() => {
            let at = i.index(bytes.len());
            bytes[at] ^= b.max(1);
        }
        Damage::Insert(i, b) => bytes.insert(i.index(bytes.len() + 1), b),
        Damage::Flip(..) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_tokens_replace_their_marks() {
        let value =
            serde_json::json!({"a": format!("{RAW_MARK}0"), "b": [format!("{RAW_MARK}11")]});
        assert_eq!(write(&value), br#"{"a":1e999,"b":[00]}"#);
    }

    #[test]
    fn pointers_reach_every_node() {
        let value = serde_json::json!({"a/b": [1, {"c": 2}]});
        let mut all = pointers(&value);
        all.sort();
        assert_eq!(all, ["", "/a~1b", "/a~1b/0", "/a~1b/1", "/a~1b/1/c"]);
    }
}
