//! `PageIterator`: the Python iterator over every item of a page and the pages after it.
//! Fetching the next page happens with the GIL released.

use std::sync::Mutex;

use pyo3::prelude::*;

use super::convert::ToPy;
use crate::rt::{Page, PageIter, Paginated};
use crate::Error;

/// An item fetched without the GIL, converted once the GIL is back.
trait Item: Send {
    fn into_py(self: Box<Self>, py: Python<'_>) -> PyResult<Bound<'_, PyAny>>;
}

impl<T: ToPy + Send> Item for T {
    fn into_py(self: Box<Self>, py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
        ToPy::into_py(*self, py)
    }
}

/// A page walker with its item type erased, so one Python class serves every list.
trait Walk: Send {
    fn next_item(&mut self) -> Option<Result<Box<dyn Item>, Error>>;
}

impl<R> Walk for PageIter<R>
where
    R: Paginated,
    R::Item: ToPy + Send + 'static,
{
    fn next_item(&mut self) -> Option<Result<Box<dyn Item>, Error>> {
        let next = Iterator::next(self)?;
        Some(next.map(|item| Box::new(item) as Box<dyn Item>))
    }
}

#[pyclass(frozen, module = "talkover._native", name = "PageIterator")]
pub struct PageIterator {
    walk: Mutex<Box<dyn Walk>>,
}

impl PageIterator {
    pub fn new<R>(page: Page<R>) -> Self
    where
        R: Paginated,
        R::Item: ToPy + Send + 'static,
    {
        PageIterator {
            walk: Mutex::new(Box::new(page.into_iter())),
        }
    }
}

#[pymethods]
impl PageIterator {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let next = super::blocking(py, || {
            let mut walk = self
                .walk
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            walk.next_item()
        });
        match next {
            None => Ok(None),
            Some(Err(error)) => Err(super::to_pyerr(py, error)),
            Some(Ok(item)) => item.into_py(py).map(Some),
        }
    }
}
