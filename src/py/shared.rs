//! [`Shared`]: what a Python model object reads its fields from. Either a value of its own,
//! or one item of a page's response that the page object holds too, so reading `page.data`
//! makes one small object per item and copies no item.

use std::sync::Arc;

use pyo3::exceptions::PyRuntimeError;
use pyo3::PyErr;

use crate::rt::Paginated;

/// The items of a list operation's response, whatever its type.
pub trait ItemsOf<T>: Send + Sync {
    fn item(&self, index: usize) -> Option<&T>;
    fn count(&self) -> usize;
}

impl<R: Paginated> ItemsOf<R::Item> for R
where
    R::Item: Send + Sync,
{
    fn item(&self, index: usize) -> Option<&R::Item> {
        self.items().get(index)
    }

    fn count(&self) -> usize {
        self.items().len()
    }
}

/// A model value: owned, or an item of a shared (and never changed) response.
pub enum Shared<T: 'static> {
    Own(Arc<T>),
    Item(Arc<dyn ItemsOf<T>>, usize),
}

impl<T: 'static> Shared<T> {
    /// One `Shared` per item of `list`.
    pub fn items(list: &Arc<dyn ItemsOf<T>>) -> impl Iterator<Item = Shared<T>> + '_ {
        (0..list.count()).map(|index| Shared::Item(Arc::clone(list), index))
    }

    pub fn get(&self) -> Result<&T, PyErr> {
        match self {
            Shared::Own(value) => Ok(value),
            // Made only for indexes of the list, which never changes: always there.
            Shared::Item(list, index) => list
                .item(*index)
                .ok_or_else(|| PyRuntimeError::new_err("a page item is missing")),
        }
    }
}

/// Makes the Python object of a model from a [`Shared`] value (generated for every model).
pub trait FromShared: Sized + 'static {
    fn shared_to_py(
        shared: Shared<Self>,
        py: pyo3::Python<'_>,
    ) -> pyo3::PyResult<pyo3::Bound<'_, pyo3::PyAny>>;
}

/// The items of `page` as model objects that read the page's own response: nothing copied.
pub fn page_items<'py, R>(
    py: pyo3::Python<'py>,
    page: &crate::rt::Page<R>,
) -> pyo3::PyResult<pyo3::Bound<'py, pyo3::PyAny>>
where
    R: Paginated,
    R::Item: FromShared + Send + Sync,
{
    let list: Arc<dyn ItemsOf<R::Item>> = Arc::clone(page.shared_response()) as _;
    let items = Shared::items(&list)
        .map(|item| R::Item::shared_to_py(item, py))
        .collect::<pyo3::PyResult<Vec<_>>>()?;
    Ok(pyo3::types::PyList::new(py, items)?.into_any())
}
