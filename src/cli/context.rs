//! The client settings given on the command line (`--token`, `--base-url`); whatever is not
//! given comes from the client's own environment variables and defaults, exactly as
//! `Client::from_env()` reads them.

use crate::rt::{ClientBuilder, FromTransport};

use super::Failure;

/// What every operation's client is built from. Holds the token: not `Debug`, never printed.
pub struct Context {
    pub(crate) token: Option<String>,
    pub(crate) base_url: Option<String>,
}

impl Context {
    /// The API's client, from its builder: the command line's settings over the environment's.
    pub fn client<C: FromTransport>(&self, builder: ClientBuilder<C>) -> Result<C, Failure> {
        let mut builder = builder.user_agent(format!("talkover-cli/{}", env!("CARGO_PKG_VERSION")));
        if let Some(token) = &self.token {
            builder = builder.token(token.clone());
        }
        if let Some(base_url) = &self.base_url {
            builder = builder.base_url(base_url.clone());
        }
        Ok(builder.build()?)
    }
}
