//! Conversions between Rust values and Python objects: JSON-shaped data both ways, model
//! fields read on access ([`ToPy`]), and arguments turned into request values.

use std::collections::BTreeMap;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{
    PyBool, PyByteArray, PyBytes, PyDict, PyFloat, PyInt, PyList, PyMapping, PySequence, PyString,
};
use serde::de::DeserializeOwned;
use serde_json::{Map, Number, Value};

use crate::arguments::{Json, Mismatch};
use crate::rt::WireEnum;
use crate::Error;

/// Deep enough for any real payload; stops runaway recursion on self-referencing input.
const MAX_DEPTH: usize = 128;

/// A Rust value as a Python object (models become their pyclass, enums plain `str`).
pub trait ToPy {
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>>;

    /// [`ToPy::to_py`] for a value the caller owns: a model moves into its object uncopied.
    fn into_py<'py>(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>>
    where
        Self: Sized,
    {
        self.to_py(py)
    }
}

impl ToPy for String {
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(PyString::new(py, self).into_any())
    }
}

impl ToPy for i64 {
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(self.into_pyobject(py)?.into_any())
    }
}

impl ToPy for f64 {
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(PyFloat::new(py, *self).into_any())
    }
}

impl ToPy for bool {
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(PyBool::new(py, *self).to_owned().into_any())
    }
}

impl ToPy for () {
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(py.None().into_bound(py))
    }
}

impl ToPy for Value {
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_to_py(py, self)
    }
}

impl ToPy for Map<String, Value> {
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let dict = PyDict::new(py);
        for (key, value) in self {
            dict.set_item(key, json_to_py(py, value)?)?;
        }
        Ok(dict.into_any())
    }
}

impl<T: ToPy> ToPy for BTreeMap<String, T> {
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let dict = PyDict::new(py);
        for (key, value) in self {
            dict.set_item(key, value.to_py(py)?)?;
        }
        Ok(dict.into_any())
    }

    fn into_py<'py>(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let dict = PyDict::new(py);
        for (key, value) in self {
            dict.set_item(key, value.into_py(py)?)?;
        }
        Ok(dict.into_any())
    }
}

impl<T: ToPy> ToPy for Vec<T> {
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let items = self
            .iter()
            .map(|item| item.to_py(py))
            .collect::<PyResult<Vec<_>>>()?;
        Ok(PyList::new(py, items)?.into_any())
    }

    fn into_py<'py>(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let items = self
            .into_iter()
            .map(|item| item.into_py(py))
            .collect::<PyResult<Vec<_>>>()?;
        Ok(PyList::new(py, items)?.into_any())
    }
}

impl<T: ToPy> ToPy for Option<T> {
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match self {
            Some(value) => value.to_py(py),
            None => Ok(py.None().into_bound(py)),
        }
    }

    fn into_py<'py>(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match self {
            Some(value) => value.into_py(py),
            None => Ok(py.None().into_bound(py)),
        }
    }
}

impl<T: WireEnum> ToPy for T {
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(PyString::new(py, self.as_wire()).into_any())
    }
}

/// The result of an operation as Python: the value, or the matching `talkover.errors` exception.
pub fn convert<'py, T: ToPy>(
    py: Python<'py>,
    result: Result<T, Error>,
) -> PyResult<Bound<'py, PyAny>> {
    match result {
        Ok(value) => value.into_py(py),
        Err(error) => Err(super::to_pyerr(py, error)),
    }
}

/// A model-holding field, converted on first read and kept: later reads hand out the same
/// model objects (they are immutable) in fresh lists and dicts, so a caller who changes
/// what it got changes nothing for the next reader.
pub fn cached<'py>(
    py: Python<'py>,
    slot: &PyOnceLock<Py<PyAny>>,
    convert: impl FnOnce(Python<'py>) -> PyResult<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let kept = slot.get_or_try_init(py, || convert(py).map(Bound::unbind))?;
    fresh_containers(kept.bind(py))
}

/// `value` with its lists and dicts copied and everything else shared.
fn fresh_containers<'py>(value: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let py = value.py();
    if let Ok(list) = value.cast::<PyList>() {
        let items = list
            .iter()
            .map(|item| fresh_containers(&item))
            .collect::<PyResult<Vec<_>>>()?;
        return Ok(PyList::new(py, items)?.into_any());
    }
    if let Ok(dict) = value.cast::<PyDict>() {
        let copy = PyDict::new(py);
        for (key, item) in dict.iter() {
            copy.set_item(key, fresh_containers(&item)?)?;
        }
        return Ok(copy.into_any());
    }
    Ok(value.clone())
}

pub fn json_to_py<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any()
            } else if let Some(u) = n.as_u64() {
                u.into_pyobject(py)?.into_any()
            } else {
                PyFloat::new(py, n.as_f64().unwrap_or(f64::NAN)).into_any()
            }
        }
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(items) => {
            let items = items
                .iter()
                .map(|item| json_to_py(py, item))
                .collect::<PyResult<Vec<_>>>()?;
            PyList::new(py, items)?.into_any()
        }
        Value::Object(map) => map.to_py(py)?,
    })
}

/// A Python argument as JSON: None, bool, int, float, str, mappings with str keys, sequences
/// (not bytes), and any object with a `to_dict()` (such as the SDK's own models).
fn py_to_json(obj: &Bound<'_, PyAny>, depth: usize) -> Result<Value, String> {
    if depth > MAX_DEPTH {
        return Err(format!("is nested more than {MAX_DEPTH} levels deep"));
    }
    let describe = |e: PyErr| e.to_string();
    if obj.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if let Ok(i) = obj.cast::<PyInt>() {
        if let Ok(v) = i.extract::<i64>() {
            return Ok(Value::from(v));
        }
        return i
            .extract::<u64>()
            .map(Value::from)
            .map_err(|_| "holds an integer too large for JSON".to_string());
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        return Number::from_f64(f.value())
            .map(Value::Number)
            .ok_or_else(|| "holds NaN or infinity, which JSON cannot carry".to_string());
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Value::String(s.to_cow().map_err(describe)?.into_owned()));
    }
    if let Ok(dict) = obj.cast::<PyDict>() {
        let mut map = Map::new();
        for (key, value) in dict.iter() {
            insert_entry(&mut map, &key, &value, depth)?;
        }
        return Ok(Value::Object(map));
    }
    if let Ok(list) = obj.cast::<PyList>() {
        return list
            .iter()
            .map(|item| py_to_json(&item, depth + 1))
            .collect::<Result<_, _>>()
            .map(Value::Array);
    }
    if obj.is_instance_of::<PyBytes>() || obj.is_instance_of::<PyByteArray>() {
        return Err("holds bytes; pass text as str".to_string());
    }
    // Dicts and lists above are the fast paths; any other mapping or sequence (tuples included).
    if let Ok(mapping) = obj.cast::<PyMapping>() {
        let mut map = Map::new();
        for item in mapping.items().map_err(describe)?.iter() {
            let (key, value): (Bound<'_, PyAny>, Bound<'_, PyAny>) =
                item.extract().map_err(describe)?;
            insert_entry(&mut map, &key, &value, depth)?;
        }
        return Ok(Value::Object(map));
    }
    if obj.cast::<PySequence>().is_ok() {
        let mut items = Vec::new();
        for item in obj.try_iter().map_err(describe)? {
            items.push(py_to_json(&item.map_err(describe)?, depth + 1)?);
        }
        return Ok(Value::Array(items));
    }
    if let Ok(to_dict) = obj.getattr("to_dict") {
        let dict = to_dict.call0().map_err(describe)?;
        return py_to_json(&dict, depth + 1);
    }
    let type_name = obj
        .get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "?".into());
    Err(format!("holds a {type_name}, which cannot be sent as JSON"))
}

fn insert_entry(
    map: &mut Map<String, Value>,
    key: &Bound<'_, PyAny>,
    value: &Bound<'_, PyAny>,
    depth: usize,
) -> Result<(), String> {
    let key = key
        .cast::<PyString>()
        .map_err(|_| "has a mapping key that is not a str".to_string())?;
    let key = key.to_cow().map_err(|e| e.to_string())?.into_owned();
    map.insert(key, py_to_json(value, depth + 1)?);
    Ok(())
}

fn invalid(py: Python<'_>, field: &str, message: String) -> PyErr {
    // A mismatch quotes the offending value whole; a huge argument must not make a huge message.
    let message = crate::secrets::shorten(&message, 300).into_owned();
    super::to_pyerr(
        py,
        Error::Validation {
            field: crate::secrets::shorten(field, 200).into_owned(),
            message,
        },
    )
}

/// A Python argument as the Rust type of its field; a mismatch is a `RequestValidationError`
/// naming the exact place (`inputs[1].required`).
pub fn from_py<T: DeserializeOwned>(obj: &Bound<'_, PyAny>, field: &str) -> PyResult<T> {
    let py = obj.py();
    let value = py_to_json(obj, 0).map_err(|message| invalid(py, field, message))?;
    serde_path_to_error::deserialize(Json(value)).map_err(|e| {
        let place = match e.path().to_string() {
            path if path == "." => field.to_string(),
            path if path.starts_with('[') => format!("{field}{path}"),
            path => format!("{field}.{path}"),
        };
        match e.into_inner() {
            // Reported at the object that lacks it; named as the key itself, as the other
            // checks name the place.
            Mismatch::Missing(key) => invalid(py, &format!("{place}.{key}"), "is required".into()),
            mismatch => invalid(py, &place, mismatch.to_string()),
        }
    })
}

/// [`from_py`] for an optional argument.
pub fn from_py_opt<T: DeserializeOwned>(
    obj: Option<&Bound<'_, PyAny>>,
    field: &str,
) -> PyResult<Option<T>> {
    match obj {
        Some(obj) if !obj.is_none() => from_py(obj, field).map(Some),
        _ => Ok(None),
    }
}

/// A model as JSON-shaped Python data (wire names, unknown fields kept).
pub fn to_dict<'py, T: serde::Serialize>(
    py: Python<'py>,
    value: &T,
) -> PyResult<Bound<'py, PyAny>> {
    let value = serde_json::to_value(value).map_err(|e| PyValueError::new_err(e.to_string()))?;
    json_to_py(py, &value)
}

/// `Name(field=repr, ...)`, leaving out fields that are None.
pub fn repr(py: Python<'_>, name: &str, fields: &[(&str, Bound<'_, PyAny>)]) -> PyResult<String> {
    let _ = py;
    let mut parts = Vec::with_capacity(fields.len());
    for (field, value) in fields {
        if !value.is_none() {
            parts.push(format!("{field}={}", value.repr()?.to_cow()?));
        }
    }
    Ok(format!("{name}({})", parts.join(", ")))
}
