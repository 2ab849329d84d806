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

    /// The first value of a header (case-insensitive name).
    pub fn header<'a>(&'a self, name: &'a str) -> Option<&'a str> {
        self.header_values(name).next()
    }

    /// The body parsed as `T`.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, Error> {
        match self.text() {
            Some(text) => serde_json::from_str(text),
            None => serde_json::from_slice(&self.body),
        }
        .map_err(|e| self.invalid(e.to_string()))
    }

    /// One property of the body (an envelope such as `{"success": true, "data": {…}}`) as `T`.
    pub fn json_at<T: DeserializeOwned>(&self, property: &str) -> Result<T, Error> {
        let found = match self.text() {
            Some(text) => property_of(serde_json::Deserializer::from_str(text), property),
            None => property_of(serde_json::Deserializer::from_slice(&self.body), property),
        }
        .map_err(|e| self.invalid(e.to_string()))?;
        found.ok_or_else(|| self.invalid(format!("the response has no `{property}` property")))
    }

    /// The body as text, when it is UTF-8. serde_json reading bytes checks every string for
    /// UTF-8 on its own, which for a page of short strings costs more than the rest of the
    /// parse; one check of the whole body lets it read text instead. A body that is not
    /// UTF-8 is still read as bytes, so it fails as it always did.
    fn text(&self) -> Option<&str> {
        std::str::from_utf8(&self.body).ok()
    }

    fn invalid(&self, message: String) -> Error {
        self.secrets.redact_error(Error::ResponseValidation {
            status: self.status,
            message,
            body: String::from_utf8_lossy(&self.body).into_owned(),
        })
    }
}

/// One property of a JSON object read through `de`, the rest only checked.
fn property_of<'de, T, R>(
    mut de: serde_json::Deserializer<R>,
    property: &str,
) -> Result<Option<T>, serde_json::Error>
where
    T: DeserializeOwned,
    R: serde_json::de::Read<'de>,
{
    let found = serde::de::DeserializeSeed::deserialize(
        crate::encoding::Property::<T>::new(property),
        &mut de,
    )?;
    de.end()?;
    Ok(found)
}
