//! Loads a spec: YAML text → the typed OpenAPI document, refusing versions other than 3.0.x.

use crate::Error;
use openapiv3::OpenAPI;

pub fn parse(spec_yaml: &str) -> Result<OpenAPI, Error> {
    let spec: OpenAPI = serde_yaml_ng::from_str(spec_yaml)
        .map_err(|e| Error::new(format!("not a readable OpenAPI document: {e}")))?;
    if !spec.openapi.starts_with("3.0.") {
        return Err(Error::new(format!(
            "OpenAPI {} is not supported; write the spec as 3.0.3",
            spec.openapi
        )));
    }
    Ok(spec)
}
