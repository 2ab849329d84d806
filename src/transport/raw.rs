//! An answer as received — status, every header, how many retries it took, how long it
//! took — with what the plain method returns one `parse()` away.

use std::sync::Arc;
use std::time::Duration;

use super::Response;
use crate::pagination::{Page, Paginated};
use crate::Error;

type Decode<T> = Box<dyn Fn(&Response) -> Result<T, Error> + Send + Sync>;

/// What `client.<resource>().with_raw_response().<method>(..)` returns.
pub struct RawResponse<T> {
    response: Response,
    decode: Decode<T>,
}

impl<T> std::fmt::Debug for RawResponse<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawResponse")
            .field("status", &self.response.status)
            .field("retries", &self.response.retries)
            .field("elapsed", &self.response.elapsed)
            .finish_non_exhaustive()
    }
}

impl<T: 'static> RawResponse<T> {
    /// `decode` turns the answer into what the plain method returns.
    pub fn new(response: Response, decode: fn(&Response) -> Result<T, Error>) -> Self {
        RawResponse {
            response,
            decode: Box::new(decode),
        }
    }
}

impl<R: Paginated> RawResponse<Page<R>> {
    /// The first page of a list: `parse()` gives the page that plain `list` returns, which
    /// fetches the pages after it with `fetch`.
    pub fn paged<F>(response: Response, decode: fn(&Response) -> Result<R, Error>, fetch: F) -> Self
    where
        F: Fn(Option<i64>) -> Result<Response, Error> + Send + Sync + 'static,
    {
        let fetch = Arc::new(move |cursor: Option<i64>| decode(&fetch(cursor)?));
        RawResponse {
            response,
            decode: Box::new(move |first: &Response| {
                let fetch = Arc::clone(&fetch);
                Ok(Page::with_first(decode(first)?, move |cursor| {
                    fetch(cursor)
                }))
            }),
        }
    }
}

impl<T> RawResponse<T> {
    /// What the plain method would have returned.
    pub fn parse(&self) -> Result<T, Error> {
        (self.decode)(&self.response)
    }

    pub fn status(&self) -> u16 {
        self.response.status
    }

    /// Every header, names in lower case, in the order received.
    pub fn headers(&self) -> &[(String, String)] {
        &self.response.headers
    }

    /// The first value of a header (case-insensitive name).
    pub fn header<'a>(&'a self, name: &'a str) -> Option<&'a str> {
        self.response.header(name)
    }

    /// How many retries it took (0: the first attempt answered).
    pub fn retries(&self) -> u32 {
        self.response.retries
    }

    /// From the first attempt to the end of the answer, waits between retries included.
    pub fn elapsed(&self) -> Duration {
        self.response.elapsed
    }

    /// The body as received.
    pub fn body(&self) -> &[u8] {
        &self.response.body
    }

    /// `X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset`, when sent.
    pub fn rate_limit(&self) -> RateLimit {
        let number = |name: &str| self.header(name).and_then(|v| v.trim().parse::<i64>().ok());
        RateLimit {
            limit: number("x-ratelimit-limit"),
            remaining: number("x-ratelimit-remaining"),
            reset: number("x-ratelimit-reset"),
        }
    }

    /// The answer itself, for callers that decode it their own way.
    pub fn into_response(self) -> Response {
        self.response
    }
}

/// The rate-limit headers of an answer; each is `None` when absent or not a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RateLimit {
    pub limit: Option<i64>,
    pub remaining: Option<i64>,
    pub reset: Option<i64>,
}
