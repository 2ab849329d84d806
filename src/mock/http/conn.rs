//! Reading requests off one connection: its buffer, the idle and read timeouts, `100
//! Continue`, and the body as its framing delimits it.

use std::io::{self, ErrorKind, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Instant;

use super::fail::Fail;
use super::framing::{self, BodyFraming, MAX_BODY};
use super::head::{self, MAX_HEAD};
use super::request::HttpRequest;
use super::server::Shared;

/// A connection's read buffer is given back down to this size after a larger request.
const KEPT_BUFFER: usize = 64 * 1024;

/// A parsed request plus what its framing implies for the connection.
pub(super) struct Received {
    pub request: HttpRequest,
    pub keep_alive: bool,
    pub http10: bool,
}

/// A connection's stream with its read buffer; `buf[pos..]` is unread.
pub(super) struct Conn {
    pub stream: TcpStream,
    pub shared: Arc<Shared>,
    buf: Vec<u8>,
    pos: usize,
    /// Whether a byte of the request being read has arrived: until then the connection is
    /// idle (the idle timeout applies), after it the request is in progress (the read timeout).
    started: bool,
}

impl Conn {
    pub(super) fn new(stream: TcpStream, shared: Arc<Shared>) -> Conn {
        Conn {
            stream,
            shared,
            buf: Vec::new(),
            pos: 0,
            started: false,
        }
    }

    pub(super) fn read_request(&mut self) -> Result<Received, Fail> {
        // Pipelined bytes already read mean the next request has begun.
        self.started = self.pos < self.buf.len();
        let received = self.read_parts();
        self.compact();
        received
    }

    /// Drops what was consumed, and gives a buffer a large request grew back to the allocator.
    fn compact(&mut self) {
        self.buf.drain(..self.pos);
        self.pos = 0;
        if self.buf.capacity() > KEPT_BUFFER {
            self.buf.shrink_to(KEPT_BUFFER.max(self.buf.len()));
        }
    }

    fn unread(&self) -> &[u8] {
        self.buf.get(self.pos..).unwrap_or_default()
    }

    fn read_parts(&mut self) -> Result<Received, Fail> {
        let head = self.read_head()?;
        let framing = framing::body_framing(&head.headers)?;
        if framing::expects_continue(&head.headers, head.http10, framing) {
            self.stream
                .write_all(b"HTTP/1.1 100 Continue\r\n\r\n")
                .map_err(|_| Fail::Closed)?;
        }
        let body = match framing {
            BodyFraming::Length(len) => self.read_bytes(len)?,
            BodyFraming::Chunked => self.read_chunked()?,
        };
        Ok(Received {
            keep_alive: framing::wants_keep_alive(&head.headers, head.http10),
            http10: head.http10,
            request: HttpRequest {
                method: head.method,
                target: head.target,
                headers: head.headers,
                body,
            },
        })
    }

    fn read_head(&mut self) -> Result<head::Head, Fail> {
        loop {
            if let Some((head, len)) = head::parse(self.unread())? {
                self.pos += len;
                return Ok(head);
            }
            // A head is completed (or refused) by a line that ends in what arrives next, or
            // refused once it outgrows the limit: no parsing again before either.
            loop {
                let before = self.buf.len() - self.pos;
                self.fill()?;
                let unread = self.unread();
                let new_line = unread.get(before..).is_some_and(|new| new.contains(&b'\n'));
                if new_line || unread.len() >= MAX_HEAD {
                    break;
                }
            }
        }
    }

    fn read_bytes(&mut self, len: usize) -> Result<Vec<u8>, Fail> {
        while self.unread().len() < len {
            self.fill()?;
        }
        let bytes = self.unread().get(..len).unwrap_or_default().to_vec();
        self.pos += len;
        Ok(bytes)
    }

    fn read_chunked(&mut self) -> Result<Vec<u8>, Fail> {
        let mut body = Vec::new();
        loop {
            let size = loop {
                if let Some((len, size)) = framing::chunk_size(self.unread())? {
                    self.pos += len;
                    break size;
                }
                self.fill()?;
            };
            if size == 0 {
                break;
            }
            if body.len().saturating_add(size) > MAX_BODY {
                return Err(Fail::body_too_large());
            }
            body.extend(self.read_bytes(size)?);
            if !self.read_line(2, &Fail::bad_chunked())?.is_empty() {
                return Err(Fail::bad_chunked());
            }
        }
        // Trailer fields are allowed after the last chunk; they are read and ignored.
        let mut budget = MAX_HEAD;
        loop {
            let line = self.read_line(budget, &Fail::bad_chunked())?;
            budget = budget.saturating_sub(line.len() + 1);
            if line.is_empty() {
                return Ok(body);
            }
        }
    }

    /// Reads one line, without its `\n` or `\r\n`, of at most `limit` bytes including them.
    fn read_line(&mut self, limit: usize, too_long: &Fail) -> Result<Vec<u8>, Fail> {
        let mut scanned = 0;
        loop {
            let unread = self.unread();
            let newline = unread
                .get(scanned..)
                .and_then(|rest| rest.iter().position(|&b| b == b'\n'));
            if let Some(i) = newline {
                let end = scanned + i;
                if end + 1 > limit {
                    return Err(too_long.clone());
                }
                let line = unread.get(..end).unwrap_or_default();
                let line = line.strip_suffix(b"\r").unwrap_or(line).to_vec();
                self.pos += end + 1;
                return Ok(line);
            }
            scanned = unread.len();
            if scanned >= limit {
                return Err(too_long.clone());
            }
            self.fill()?;
        }
    }

    /// Reads more input, polling the stop flag while the client is quiet. An idle connection
    /// quiet for the idle timeout is closed; a request quiet for the read timeout gets a 408.
    fn fill(&mut self) -> Result<(), Fail> {
        if self.pos > 0 {
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
        let limits = self.shared.limits;
        let since = Instant::now();
        let mut chunk = [0u8; 16 * 1024];
        loop {
            if self.shared.stopping() {
                return Err(Fail::Closed);
            }
            match self.stream.read(&mut chunk) {
                Ok(0) => return Err(Fail::Closed),
                Ok(n) => {
                    self.buf
                        .extend_from_slice(chunk.get(..n).unwrap_or_default());
                    self.started = true;
                    return Ok(());
                }
                Err(e) if is_retry(&e) => {
                    let patience = if self.started {
                        limits.read_timeout
                    } else {
                        limits.idle_timeout
                    };
                    if since.elapsed() >= patience {
                        return Err(if self.started {
                            Fail::Status(
                                408,
                                "request timeout: the rest of the request did not arrive\n",
                            )
                        } else {
                            Fail::Closed
                        });
                    }
                }
                Err(_) => return Err(Fail::Closed),
            }
        }
    }
}

/// A read that timed out or was interrupted, to be tried again.
pub(super) fn is_retry(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        ErrorKind::WouldBlock | ErrorKind::TimedOut | ErrorKind::Interrupted
    )
}
