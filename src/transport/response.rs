//! A successful (2xx) answer, read to the end, and its decoding into the spec's types.

use serde::de::DeserializeOwned;

use crate::secrets::Secrets;
use crate::Error;

/// A successful (2xx) response, read to the end.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// How many retries it took.
    pub retries: u32,
    /// From the first attempt to the end of the answer, waits between retries included.
    pub elapsed: std::time::Duration,
    /// To redact from the error when the body is not what the spec says.
    pub(crate) secrets: Secrets,
}

impl Response {
    /// Every value of a header (case-insensitive name), in the order received.
    pub fn header_values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body parsed as `T`.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, Error> {
        serde_json::from_slice(&self.body).map_err(|e| self.invalid(e.to_string()))
    }

    /// One property of the body (an envelope such as `{"success": true, "data": {…}}`) as `T`.
    pub fn json_at<T: DeserializeOwned>(&self, property: &str) -> Result<T, Error> {
        let mut de = serde_json::Deserializer::from_slice(&self.body);
        let found = serde::de::DeserializeSeed::deserialize(
            crate::encoding::Property::<T>::new(property),
            &mut de,
        )
        .and_then(|found| de.end().map(|()| found))
        .map_err(|e| self.invalid(e.to_string()))?;
        found.ok_or_else(|| self.invalid(format!("the response has no `{property}` property")))
    }

    fn invalid(&self, message: String) -> Error {
        self.secrets.redact_error(Error::ResponseValidation {
            status: self.status,
            message,
            body: String::from_utf8_lossy(&self.body).into_owned(),
        })
    }
}
