//! Which certificate authorities a client trusts: what the machine trusts (its certificate
//! store, or `SSL_CERT_FILE`/`SSL_CERT_DIR` when set), the bundled Mozilla roots when the
//! machine offers none, and a CA bundle the user names (a private CA, a TLS-inspecting proxy).

use std::sync::{Arc, Mutex};

use ureq::tls::{parse_pem, Certificate, PemItem, RootCerts};

use crate::Error;

/// The roots for a client: the machine's (or the bundled ones), plus `extra` when given.
pub(crate) fn root_certs(extra: Option<&[Certificate<'static>]>) -> RootCerts {
    let machine = machine_roots();
    match extra {
        None => RootCerts::Specific(machine),
        Some(extra) => {
            let mut all = Vec::with_capacity(machine.len() + extra.len());
            all.extend(machine.iter().cloned());
            all.extend(extra.iter().cloned());
            RootCerts::Specific(Arc::new(all))
        }
    }
}

/// Reads a PEM bundle of CA certificates.
pub(crate) fn read_ca_bundle(path: &std::path::Path) -> Result<Vec<Certificate<'static>>, Error> {
    let bad = |why: String| Error::Configuration(format!("ca_bundle {}: {why}", path.display()));
    let pem = std::fs::read(path).map_err(|e| bad(format!("cannot be read ({e})")))?;
    let mut certs = Vec::new();
    for item in parse_pem(&pem) {
        match item {
            Ok(PemItem::Certificate(cert)) => certs.push(cert.to_owned()),
            Ok(_) => {}
            Err(e) => return Err(bad(format!("is not a valid PEM file ({e})"))),
        }
    }
    if certs.is_empty() {
        return Err(bad("holds no PEM certificate".into()));
    }
    Ok(certs)
}

/// The machine's roots, read once per setting of `SSL_CERT_FILE`/`SSL_CERT_DIR` (reading and
/// parsing the store takes milliseconds; every client of a process shares the result, which
/// also lets their connections share a pool).
fn machine_roots() -> Arc<Vec<Certificate<'static>>> {
    type Cached = Option<(Vec<Option<String>>, Arc<Vec<Certificate<'static>>>)>;
    static CACHE: Mutex<Cached> = Mutex::new(None);
    let key: Vec<Option<String>> = ["SSL_CERT_FILE", "SSL_CERT_DIR"]
        .iter()
        .map(|name| std::env::var(name).ok())
        .collect();
    let mut cache = CACHE
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some((cached_key, roots)) = cache.as_ref() {
        if *cached_key == key {
            return Arc::clone(roots);
        }
    }
    let found = rustls_native_certs::load_native_certs();
    let mut roots: Vec<Certificate<'static>> = found
        .certs
        .iter()
        .map(|der| Certificate::from_der(der.as_ref()).to_owned())
        .collect();
    if roots.is_empty() {
        roots = webpki_root_certs::TLS_SERVER_ROOT_CERTS
            .iter()
            .map(|der| Certificate::from_der(der.as_ref()).to_owned())
            .collect();
    }
    let roots = Arc::new(roots);
    *cache = Some((key, Arc::clone(&roots)));
    roots
}
