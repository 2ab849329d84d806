//! What an operation answered, ready to print: nothing, a JSON value (as the SDK's models
//! serialize, unknown fields kept), or a page that can fetch the pages after it through the
//! client's own page iteration (so retries apply to every page).

use serde::Serialize;
use serde_json::Value;

use super::Failure;
use crate::rt::{Page, Paginated};

/// An operation's answer.
pub enum Answer {
    /// No body (204).
    Empty,
    Value(Value),
    Page(Box<dyn Pages>),
}

impl Answer {
    pub fn value<T: Serialize>(value: &T) -> Result<Answer, Failure> {
        Ok(Answer::Value(to_json(value)?))
    }

    pub fn page<R>(page: Page<R>) -> Result<Answer, Failure>
    where
        R: Paginated,
        R::Item: Serialize,
    {
        Ok(Answer::Page(Box::new(page)))
    }
}

fn to_json<T: Serialize>(value: &T) -> Result<Value, Failure> {
    serde_json::to_value(value).map_err(|e| Failure::Output(std::io::Error::other(e)))
}

/// One page of a list, type-erased for printing.
pub trait Pages {
    /// The items of this page.
    fn items(&self) -> Result<Vec<Value>, Failure>;
    fn has_next(&self) -> bool;
    /// The page after this one, or `None` after the last.
    fn next(&self) -> Result<Option<Box<dyn Pages>>, Failure>;
}

impl<R> Pages for Page<R>
where
    R: Paginated,
    R::Item: Serialize,
{
    fn items(&self) -> Result<Vec<Value>, Failure> {
        Page::items(self).iter().map(to_json).collect()
    }

    fn has_next(&self) -> bool {
        self.has_next_page()
    }

    fn next(&self) -> Result<Option<Box<dyn Pages>>, Failure> {
        Ok(self
            .next_page()?
            .map(|page| Box::new(page) as Box<dyn Pages>))
    }
}
