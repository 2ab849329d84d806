//! Paging through list operations: a [`Page`] holds one response and knows how to fetch the
//! next; iterating a page walks every item of it and of the pages after it.

use std::ops::Deref;
use std::sync::Arc;

use crate::Error;

/// Implemented by the response of every paged operation (generated from `x-sdk-pagination`).
pub trait Paginated: Clone + Send + Sync + 'static {
    type Item;
    fn items(&self) -> &[Self::Item];
    fn into_items(self) -> Vec<Self::Item>;
    /// The page number or offset to ask for next, or `None` after the last page.
    fn next_cursor(&self) -> Option<i64>;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageStyle {
    /// `page=N`, with the response telling the current (and maybe last) page.
    Page,
    /// `offset=N`, with the response telling the offset (and maybe total and limit).
    Offset,
}

/// What a response says about its position, read by the generated `next_cursor`.
#[derive(Debug, Clone, Copy)]
pub struct PageState {
    pub style: PageStyle,
    /// The page number (`Page`) or offset (`Offset`) of this response.
    pub current: Option<i64>,
    /// The last page number, when the response gives one.
    pub last: Option<i64>,
    /// The page size applied, when given: a shorter page is the last one.
    pub size: Option<i64>,
    /// The total number of items, when given.
    pub total: Option<i64>,
    /// Items on this page.
    pub count: usize,
}

impl PageState {
    pub fn next_cursor(&self) -> Option<i64> {
        // An empty page is the end, whatever the counters say.
        if self.count == 0 {
            return None;
        }
        let count = i64::try_from(self.count).ok()?;
        let short = self.size.is_some_and(|size| count < size);
        match self.style {
            PageStyle::Page => {
                let current = self.current?;
                let more = match self.last {
                    Some(last) => current < last,
                    None => !short,
                };
                more.then(|| current.checked_add(1)).flatten()
            }
            PageStyle::Offset => {
                let next = self.current.unwrap_or(0).checked_add(count)?;
                let more = match self.total {
                    Some(total) => next < total,
                    None => !short,
                };
                more.then_some(next)
            }
        }
    }
}

type Fetch<R> = Arc<dyn Fn(Option<i64>) -> Result<R, Error> + Send + Sync>;

/// One page of a list operation. Derefs to the response, so its fields read directly
/// (`page.data`, `page.pagination`). The response is shared, so a clone of a page is cheap
/// and the Python binding can hand out its items without copying them.
pub struct Page<R> {
    response: Arc<R>,
    cursor: Option<i64>,
    fetch: Fetch<R>,
}

impl<R> Clone for Page<R> {
    fn clone(&self) -> Self {
        Page {
            response: Arc::clone(&self.response),
            cursor: self.cursor,
            fetch: self.fetch.clone(),
        }
    }
}

impl<R: std::fmt::Debug> std::fmt::Debug for Page<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Page")
            .field("response", &self.response)
            .finish_non_exhaustive()
    }
}

impl<R: Paginated> Page<R> {
    /// Fetches the first page; `fetch(Some(cursor))` fetches any later one.
    pub fn first<F>(fetch: F) -> Result<Self, Error>
    where
        F: Fn(Option<i64>) -> Result<R, Error> + Send + Sync + 'static,
    {
        let fetch: Fetch<R> = Arc::new(fetch);
        let response = Arc::new(fetch(None)?);
        Ok(Page {
            response,
            cursor: None,
            fetch,
        })
    }

    /// A page already fetched; `fetch(Some(cursor))` fetches any later one.
    pub fn with_first<F>(response: R, fetch: F) -> Self
    where
        F: Fn(Option<i64>) -> Result<R, Error> + Send + Sync + 'static,
    {
        Page {
            response: Arc::new(response),
            cursor: None,
            fetch: Arc::new(fetch),
        }
    }

    /// The items of this page only.
    pub fn items(&self) -> &[R::Item] {
        self.response.items()
    }

    pub fn response(&self) -> &R {
        &self.response
    }

    pub fn into_response(self) -> R {
        Arc::try_unwrap(self.response).unwrap_or_else(|shared| R::clone(&shared))
    }

    /// The response, shared.
    pub fn shared_response(&self) -> &Arc<R> {
        &self.response
    }

    fn next_cursor(&self) -> Option<i64> {
        let next = self.response.next_cursor()?;
        // A server that ignores the cursor would otherwise be asked for the same page forever.
        match self.cursor {
            Some(asked) if next <= asked => None,
            _ => Some(next),
        }
    }

    pub fn has_next_page(&self) -> bool {
        self.next_cursor().is_some()
    }

    /// The page after this one, or `None` after the last.
    pub fn next_page(&self) -> Result<Option<Self>, Error> {
        let Some(cursor) = self.next_cursor() else {
            return Ok(None);
        };
        let response = Arc::new((self.fetch)(Some(cursor))?);
        Ok(Some(Page {
            response,
            cursor: Some(cursor),
            fetch: self.fetch.clone(),
        }))
    }
}

impl<R> Deref for Page<R> {
    type Target = R;

    fn deref(&self) -> &R {
        &self.response
    }
}

impl<R: Paginated> IntoIterator for Page<R> {
    type Item = Result<R::Item, Error>;
    type IntoIter = PageIter<R>;

    fn into_iter(self) -> PageIter<R> {
        let next = self.next_page_cursor();
        let response = Arc::try_unwrap(self.response).unwrap_or_else(|shared| R::clone(&shared));
        PageIter {
            next,
            fetch: self.fetch,
            items: response.into_items().into_iter(),
        }
    }
}

impl<R: Paginated> Page<R> {
    fn next_page_cursor(&self) -> Option<i64> {
        self.next_cursor()
    }
}

/// Every item of a page and the pages after it, fetched as the iteration reaches them.
/// A failed fetch is yielded once as an error and ends the iteration.
pub struct PageIter<R: Paginated> {
    items: std::vec::IntoIter<R::Item>,
    next: Option<i64>,
    fetch: Fetch<R>,
}

impl<R: Paginated> Iterator for PageIter<R> {
    type Item = Result<R::Item, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(item) = self.items.next() {
                return Some(Ok(item));
            }
            let cursor = self.next.take()?;
            match (self.fetch)(Some(cursor)) {
                Err(e) => return Some(Err(e)),
                Ok(response) => {
                    self.next = response.next_cursor().filter(|next| *next > cursor);
                    self.items = response.into_items().into_iter();
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(current: i64, last: Option<i64>, size: Option<i64>, count: usize) -> Option<i64> {
        PageState {
            style: PageStyle::Page,
            current: Some(current),
            last,
            size,
            total: None,
            count,
        }
        .next_cursor()
    }

    #[test]
    fn page_numbers() {
        assert_eq!(page(1, Some(5), Some(20), 20), Some(2));
        assert_eq!(page(5, Some(5), Some(20), 20), None);
        assert_eq!(page(2, None, Some(25), 25), Some(3));
        assert_eq!(page(2, None, Some(25), 3), None, "a short page is the last");
        assert_eq!(page(2, None, None, 0), None, "an empty page is the last");
        assert_eq!(page(1, Some(5), Some(20), 0), None);
    }

    #[test]
    fn offsets() {
        let state = |offset, total, size, count| {
            PageState {
                style: PageStyle::Offset,
                current: Some(offset),
                last: None,
                size,
                total,
                count,
            }
            .next_cursor()
        };
        assert_eq!(state(0, Some(120), Some(50), 50), Some(50));
        assert_eq!(state(100, Some(120), Some(50), 20), None);
        assert_eq!(state(0, None, Some(50), 50), Some(50));
        assert_eq!(state(50, None, Some(50), 10), None);
    }
}
