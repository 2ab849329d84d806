//! The decoded, validated inputs of one request, and what they do to the records of a
//! collection: pick one out (lookups), create or update one (copied fields, `set` and
//! `initial` values), or list them (filters, then a page).

use serde_json::{Map, Value};

use super::answer::documented_success;
use super::http::HttpRequest;
use super::spec::{json, Operation, PageStyle, PageValue};
use super::store::{self, Record};
use super::validate::{self, Violation};

/// The decoded, validated inputs of one request, as JSON.
pub(super) struct Inputs {
    path: Map<String, Value>,
    query: Map<String, Value>,
    body: Map<String, Value>,
}

impl Inputs {
    /// Decodes and validates the request's path parameters (already split out of the path),
    /// query and body against `op`.
    pub(super) fn read(
        op: &Operation,
        path: &[(String, String)],
        request: &HttpRequest,
    ) -> Result<Inputs, Vec<Violation>> {
        let path = validate::from_text(op.path_params, path);
        let query = validate::from_text(op.query, &request.query_pairs());
        let mut violations = Vec::new();
        validate::fields(op.path_params, &path, "", &mut violations);
        validate::fields(op.query, &query, "", &mut violations);
        let mut body = Map::new();
        if let Some(fields) = op.body {
            // A body that is not an object is the one problem; its fields would only repeat it.
            match serde_json::from_slice::<Value>(&request.body) {
                _ if request.body.is_empty() && op.body_required => violations.push(Violation {
                    field: "body".into(),
                    rule: validate::Rule::Required,
                    message: "The request body is required.".into(),
                    value: Value::Null,
                }),
                _ if request.body.is_empty() => {
                    validate::fields(fields, &body, "", &mut violations)
                }
                Ok(Value::Object(object)) => {
                    validate::fields(fields, &object, "", &mut violations);
                    body = object;
                }
                _ => violations.push(Violation {
                    field: "body".into(),
                    rule: validate::Rule::Type,
                    message: "The request body must be a JSON object.".into(),
                    value: Value::Null,
                }),
            }
        }
        if violations.is_empty() {
            Ok(Inputs { path, query, body })
        } else {
            Err(violations)
        }
    }

    /// A path parameter, else a body field.
    pub(super) fn get(&self, name: &str) -> Option<&Value> {
        self.path.get(name).or_else(|| self.body.get(name))
    }

    /// Whether `record` is the one the request's lookup parameters name.
    pub(super) fn identifies(&self, op: &Operation, record: &Record) -> bool {
        op.behaviour.lookup.iter().all(|m| {
            self.get(m.param)
                .is_some_and(|wanted| record.matches(m, wanted))
        })
    }

    pub(super) fn create(&self, op: &Operation, collection: &str, existing: &[Record]) -> Record {
        let template = documented_success(op)
            .and_then(|(_, body)| {
                let at = op.behaviour.record_at?;
                body.get(at).cloned()
            })
            .and_then(|v| match v {
                Value::Object(map) => Some(map),
                _ => None,
            })
            .unwrap_or_default();
        let id = store::new_id(template.get("id"), collection, existing);
        let mut record = Record {
            data: template,
            inputs: Map::new(),
        };
        if record.data.contains_key("id") || record.data.is_empty() {
            record.data.insert("id".into(), id.clone());
        }
        self.write(op, &mut record, &id, true);
        record
    }

    pub(super) fn update(&self, op: &Operation, record: &mut Record) {
        let id = record.get("id").cloned().unwrap_or(Value::Null);
        self.write(op, record, &id, false);
    }

    fn write(&self, op: &Operation, record: &mut Record, id: &Value, created: bool) {
        let behaviour = &op.behaviour;
        // Initial values first, so a value the request gives wins over a default.
        let initial = if created { behaviour.initial } else { &[] };
        self.set(record, initial, id);
        for name in behaviour.copy {
            if let Some(value) = self.get(name) {
                record.data.insert(name.to_string(), value.clone());
            }
        }
        self.set(record, behaviour.set, id);
        for (name, value) in self.path.iter().chain(&self.body) {
            record.inputs.insert(name.clone(), value.clone());
        }
    }

    fn set(&self, record: &mut Record, values: &[(&str, &'static str)], id: &Value) {
        for (field, value) in values {
            if let Some(value) = self.resolve(value, id) {
                record.data.insert(field.to_string(), value);
            }
        }
    }

    /// A `set` value: JSON, or `$now`, `$id`, `$body.<field>`, `$path.<param>`.
    fn resolve(&self, text: &'static str, id: &Value) -> Option<Value> {
        let value = json(text);
        let Some(reference) = value.as_str().and_then(|s| s.strip_prefix('$')) else {
            return Some(value.clone());
        };
        match reference.split_once('.') {
            Some(("body", name)) => self.body.get(name).cloned(),
            Some(("path", name)) => self.path.get(name).cloned(),
            _ if reference == "now" => Some(Value::String(store::now())),
            _ if reference == "id" => Some(id.clone()),
            _ => None,
        }
    }

    /// The page of matching records (newest first) and the page fields to report.
    pub(super) fn list(
        &self,
        op: &'static Operation,
        records: &[Record],
    ) -> (Vec<Value>, Vec<(&'static str, Value)>) {
        let behaviour = &op.behaviour;
        let matching: Vec<&Record> = records
            .iter()
            .rev()
            .filter(|r| self.identifies(op, r))
            .filter(|r| {
                behaviour.filters.iter().all(|m| {
                    self.query
                        .get(m.param)
                        .is_none_or(|wanted| r.matches(m, wanted))
                })
            })
            .collect();
        let Some(page) = &behaviour.page else {
            let items = matching
                .iter()
                .map(|r| Value::Object(r.data.clone()))
                .collect();
            return (items, Vec::new());
        };
        let number = |name: &str| self.query.get(name).and_then(Value::as_u64);
        let size = number(page.size_param).unwrap_or(page.default_size).max(1);
        let (current, start) = match page.style {
            PageStyle::Page => {
                let current = number(page.param).unwrap_or(1).max(1);
                (current, (current - 1).saturating_mul(size))
            }
            PageStyle::Offset => {
                let offset = number(page.param).unwrap_or(0);
                (offset, offset)
            }
        };
        let total = matching.len() as u64;
        let items: Vec<Value> = matching
            .iter()
            .skip(usize::try_from(start).unwrap_or(usize::MAX))
            .take(usize::try_from(size).unwrap_or(usize::MAX))
            .map(|r| Value::Object(r.data.clone()))
            .collect();
        let shown = items.len() as u64;
        let meta = page
            .fields
            .iter()
            .map(|(path, value)| {
                let value = match value {
                    PageValue::Current => Some(current),
                    PageValue::Last => Some(total.div_ceil(size).max(1)),
                    PageValue::Size => Some(size),
                    PageValue::Total => Some(total),
                    // An empty page has no first or last item: null, as Laravel answers.
                    PageValue::From => (shown > 0).then(|| start + 1),
                    PageValue::To => (shown > 0).then(|| start + shown),
                };
                (*path, value.map_or(Value::Null, Value::from))
            })
            .collect();
        (items, meta)
    }
}
