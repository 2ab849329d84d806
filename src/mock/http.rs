//! A small threaded HTTP/1.1 server over `std::net`, serving the mock API to loopback clients.
//!
//! The socket handling is our own because a mock must be able to misbehave on purpose — drop
//! a connection without answering, truncate a body, stall a response — and higher-level
//! servers hide exactly the socket control those faults need. Parsing is not: request heads
//! and chunk sizes go through `httparse`, escapes through `percent-encoding`.
//!
//! It is bounded by [`Limits`]: one thread per open connection up to a cap (connections over
//! it are refused with a `503`), idle keep-alive connections closed after a while, and a
//! request that stalls half-sent cut off.
//!
//! - [`limits`]: what the server holds for its clients at most.
//! - [`request`]: a received request and its accessors; [`escapes`]: percent-decoding.
//! - [`head`]: the request line and header fields; [`framing`]: what they say about the
//!   body and the connection.
//! - [`conn`]: reading requests off one connection, within the limits; [`fail`]: why a
//!   request could not be read, and the answer then.
//! - [`respond`]: replies, faults among them, written to the socket.
//! - [`server`]: the accept loop, connection threads, and stopping.

mod conn;
mod escapes;
mod fail;
mod framing;
mod head;
mod limits;
mod request;
mod respond;
mod server;
#[cfg(test)]
mod tests;

pub use escapes::percent_decode;
pub use limits::Limits;
pub use request::HttpRequest;
pub use respond::Reply;
pub use server::{HttpServer, Stopper};

pub(crate) use crate::http_token::is_token;
pub(crate) use request::shown_header;
pub(crate) use respond::reason_phrase;
