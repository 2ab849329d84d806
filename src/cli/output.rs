//! Printing an answer. JSON (`--json`, and whenever stdout is not a terminal): a list as JSON
//! lines, one item per line, anything else as one JSON document. A table (`--table`, and the
//! default on a terminal): a list as rows of its id and first scalar fields, an object as
//! aligned `key  value` lines. Only what the API answered is shown: a field it left out or
//! sent as null is a blank cell or no line, never a default.

use std::io::{self, Write};

use serde_json::{Map, Value};

use super::{Answer, Failure, Pages};

/// How answers are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
}

/// Columns of a table besides `id`.
const MAX_COLUMNS: usize = 5;
/// Longest cell in a table, in characters; longer values end in `…`.
const MAX_CELL: usize = 40;

/// Where answers and progress go.
pub(crate) struct Output<'a> {
    pub out: &'a mut dyn Write,
    pub err: &'a mut dyn Write,
    pub format: Format,
    /// Whether stderr is a terminal: progress lines and hints go there only then.
    pub err_is_terminal: bool,
}

impl Output<'_> {
    /// Writes an answer; `all_pages` walks every page of a list.
    pub fn answer(&mut self, answer: Answer, all_pages: bool) -> Result<(), Failure> {
        match answer {
            Answer::Empty => Ok(()),
            Answer::Value(value) => self.value(&value),
            Answer::Page(page) if all_pages => self.every_page(page),
            Answer::Page(page) => {
                self.list(&page.items()?)?;
                if page.has_next() && self.err_is_terminal {
                    let _ = writeln!(self.err, "More pages follow: --all-pages fetches them all.");
                }
                Ok(())
            }
        }
    }

    fn value(&mut self, value: &Value) -> Result<(), Failure> {
        match (self.format, value) {
            (_, Value::Array(items)) => self.list(items),
            (Format::Json, value) => {
                serde_json::to_writer_pretty(&mut *self.out, value).map_err(io::Error::from)?;
                writeln!(self.out)?;
                Ok(())
            }
            (Format::Table, Value::Object(object)) => self.object(object),
            (Format::Table, scalar) => Ok(writeln!(self.out, "{}", cell(scalar, usize::MAX))?),
        }
    }

    fn list(&mut self, items: &[Value]) -> Result<(), Failure> {
        match self.format {
            Format::Json => {
                for item in items {
                    serde_json::to_writer(&mut *self.out, item).map_err(io::Error::from)?;
                    writeln!(self.out)?;
                }
            }
            Format::Table => self.table(items)?,
        }
        Ok(())
    }

    /// Every page, fetched one after the other; JSON lines are written as each page arrives.
    fn every_page(&mut self, first: Box<dyn Pages>) -> Result<(), Failure> {
        let mut page = first;
        let mut collected = Vec::new();
        let (mut pages, mut count) = (1usize, 0usize);
        loop {
            let items = page.items()?;
            count += items.len();
            match self.format {
                Format::Json => {
                    self.list(&items)?;
                    self.out.flush()?;
                }
                Format::Table => collected.extend(items),
            }
            if self.err_is_terminal {
                let _ = write!(self.err, "\rfetched {pages} page(s), {count} item(s)");
                let _ = self.err.flush();
            }
            match page.next()? {
                Some(next) => {
                    page = next;
                    pages += 1;
                }
                None => break,
            }
        }
        if self.err_is_terminal {
            let _ = writeln!(self.err);
        }
        if self.format == Format::Table {
            self.table(&collected)?;
        }
        Ok(())
    }

    fn table(&mut self, items: &[Value]) -> Result<(), Failure> {
        if items.is_empty() {
            let _ = writeln!(self.err, "No items.");
            return Ok(());
        }
        if !items.iter().all(Value::is_object) {
            for item in items {
                writeln!(self.out, "{}", cell(item, usize::MAX))?;
            }
            return Ok(());
        }
        let columns = columns(items);
        let rows: Vec<Vec<String>> = items
            .iter()
            .map(|item| {
                columns
                    .iter()
                    .map(|c| {
                        item.get(c.as_str())
                            .map_or(String::new(), |v| cell(v, MAX_CELL))
                    })
                    .collect()
            })
            .collect();
        let headers: Vec<String> = columns.iter().map(|c| c.to_uppercase()).collect();
        let widths: Vec<usize> = headers
            .iter()
            .enumerate()
            .map(|(i, h)| {
                rows.iter()
                    .filter_map(|r| r.get(i))
                    .map(|c| c.chars().count())
                    .chain([h.chars().count()])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        for row in std::iter::once(&headers).chain(&rows) {
            let line: Vec<String> = row
                .iter()
                .zip(&widths)
                .map(|(c, w)| format!("{c:<w$}"))
                .collect();
            writeln!(self.out, "{}", line.join("  ").trim_end())?;
        }
        Ok(())
    }

    /// `key  value` lines, keys aligned; nested values as compact JSON.
    fn object(&mut self, object: &Map<String, Value>) -> Result<(), Failure> {
        let shown: Vec<(&String, &Value)> = object.iter().filter(|(_, v)| !v.is_null()).collect();
        let width = shown
            .iter()
            .map(|(k, _)| k.chars().count())
            .max()
            .unwrap_or(0);
        for (key, value) in shown {
            writeln!(
                self.out,
                "{:<width$}  {}",
                clean(key),
                cell(value, usize::MAX)
            )?;
        }
        Ok(())
    }
}

/// `id` (when the items have one) and the first fields whose values are scalars, in the
/// order the first items give them.
fn columns(items: &[Value]) -> Vec<String> {
    let mut keys: Vec<&String> = Vec::new();
    for item in items.iter().filter_map(Value::as_object) {
        for key in item.keys() {
            if !keys.contains(&key) {
                keys.push(key);
            }
        }
    }
    let scalar = |key: &str| {
        let values: Vec<&Value> = items
            .iter()
            .filter_map(|i| i.get(key))
            .filter(|v| !v.is_null())
            .collect();
        !values.is_empty() && values.iter().all(|v| !v.is_array() && !v.is_object())
    };
    let has_id = keys.iter().any(|k| k.as_str() == "id");
    let mut columns: Vec<String> = has_id.then(|| "id".to_string()).into_iter().collect();
    columns.extend(
        keys.into_iter()
            .filter(|k| k.as_str() != "id" && scalar(k))
            .take(MAX_COLUMNS)
            .cloned(),
    );
    columns
}

/// A value as one line of text: strings as they are, anything else as compact JSON; null
/// is blank; at most `max` characters.
fn cell(value: &Value, max: usize) -> String {
    let text = match value {
        Value::Null => String::new(),
        Value::String(s) => clean(s),
        other => clean(&other.to_string()),
    };
    if text.chars().count() > max {
        let mut short: String = text.chars().take(max.saturating_sub(1)).collect();
        short.push('…');
        short
    } else {
        text
    }
}

/// Text from the API made safe for one line of a terminal: line breaks and tabs become
/// spaces, other control characters (escape sequences among them) become `�`.
pub(crate) fn clean(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\n' | '\r' | '\t' => ' ',
            c if c.is_control() => '\u{fffd}',
            c => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn columns_are_id_then_the_first_scalars() {
        let items = [
            json!({"status": "done", "id": "a", "meta": {"x": 1}, "to": null, "n": 1, "tags": []}),
            json!({"id": "b", "to": "+1", "extra": true}),
        ];
        assert_eq!(columns(&items), ["id", "status", "to", "n", "extra"]);
    }

    #[test]
    fn cells_are_one_clean_line() {
        assert_eq!(cell(&json!("a\nb\u{1b}[31m"), 40), "a b\u{fffd}[31m");
        assert_eq!(cell(&json!(null), 40), "");
        assert_eq!(cell(&json!("abcdef"), 4), "abc…");
        assert_eq!(cell(&json!({"a": 1}), 40), "{\"a\":1}");
    }
}
