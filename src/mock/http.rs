//! A small threaded HTTP/1.1 server over `std::net`, serving the mock API to loopback clients.
//!
//! It is hand-written rather than borrowed because a mock must be able to misbehave on
//! purpose — drop a connection without answering, truncate a body, stall a response — and
//! higher-level servers hide exactly the socket control those faults need.
//!
//! It is bounded by [`Limits`]: one thread per open connection up to a cap (connections over
//! it are refused with a `503`), idle keep-alive connections closed after a while, and a
//! request that stalls half-sent cut off.

use std::collections::HashMap;
use std::io::{self, ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use super::refuse::Refuser;

/// Request line plus headers may not exceed this (431 otherwise).
const MAX_HEAD: usize = 64 * 1024;
/// Request bodies may not exceed this (413 otherwise).
const MAX_BODY: usize = 16 * 1024 * 1024;
/// Chunk-size lines are tiny; anything longer is garbage.
const MAX_CHUNK_LINE: usize = 4 * 1024;
/// How often delays look at the stop flag; also the accept loop's back-off after an error.
const POLL: Duration = Duration::from_millis(20);
/// Read timeout on connections; bounds how long an idle connection ignores `stop`, and how
/// late an idle or read timeout is noticed.
const READ_POLL: Duration = Duration::from_millis(100);
/// A connection's read buffer is given back down to this size after a larger request.
const KEPT_BUFFER: usize = 64 * 1024;

/// What the server holds for its clients at most.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Open connections, each served by its own thread; one more is answered `503` and closed.
    pub max_connections: usize,
    /// How long a keep-alive connection may wait for its next request before it is closed.
    pub idle_timeout: Duration,
    /// How long a request in progress may stall (no next byte of it arrives) before it is
    /// answered `408` and closed; also how long an answer may wait for the client to read it.
    pub read_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_connections: 256,
            idle_timeout: Duration::from_secs(30),
            read_timeout: Duration::from_secs(30),
        }
    }
}

impl Limits {
    /// Refuses limits the server cannot work with.
    pub fn check(&self) -> Result<(), String> {
        if self.max_connections == 0 {
            return Err("max_connections must be at least 1".into());
        }
        if self.idle_timeout.is_zero() || self.read_timeout.is_zero() {
            return Err("idle_timeout and read_timeout must be longer than zero".into());
        }
        Ok(())
    }

    /// The socket read timeout: short enough to notice `stop` and either timeout promptly.
    fn poll(&self) -> Duration {
        READ_POLL.min(self.idle_timeout).min(self.read_timeout)
    }
}
/// How long a closing connection keeps draining unread input, so the kernel does not answer
/// it with a reset that would destroy the response the client has not read yet.
const LINGER: Duration = Duration::from_secs(1);

/// One request as received. Its Debug output redacts `Authorization`.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// The method as sent, e.g. `"GET"`.
    pub method: String,
    /// The raw request-target, e.g. `"/api/v1/calls?status=completed&search=%2B1"`.
    pub target: String,
    /// Header fields in order, names as sent.
    pub headers: Vec<(String, String)>,
    /// The body, de-chunked if it was sent chunked.
    pub body: Vec<u8>,
}

impl std::fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let headers: Vec<(&str, String)> = self
            .headers
            .iter()
            .map(|(name, value)| (name.as_str(), shown_header(name, value)))
            .collect();
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("target", &self.target)
            .field("headers", &headers)
            .field("body", &String::from_utf8_lossy(&self.body))
            .finish()
    }
}

/// A header value as it may be shown: credentials keep only their scheme
/// (`Bearer [redacted]`), so logs and Debug output never hold a token.
pub(crate) fn shown_header(name: &str, value: &str) -> String {
    if !name.eq_ignore_ascii_case("authorization") {
        return value.to_string();
    }
    match value.split_once(' ') {
        Some((scheme, _)) => format!("{scheme} [redacted]"),
        None => "[redacted]".into(),
    }
}

impl HttpRequest {
    /// The first header named `name`, compared case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        header_value(&self.headers, name)
    }

    /// The target before any `?`, still percent-encoded.
    pub fn path(&self) -> &str {
        self.target
            .split_once('?')
            .map_or(&self.target, |(path, _)| path)
    }

    /// The query as decoded `(name, value)` pairs in order; `+` is a space, and a bare `a`
    /// gives `("a", "")`. Malformed escapes are kept literally rather than failing the request.
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        let Some((_, query)) = self.target.split_once('?') else {
            return Vec::new();
        };
        query
            .split('&')
            .filter(|pair| !pair.is_empty())
            .map(|pair| {
                let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
                (decode_query_component(name), decode_query_component(value))
            })
            .collect()
    }
}

/// Percent-decodes one path segment or query component (`+` stays `+`); a bad escape or
/// invalid UTF-8 gives `None`.
pub fn percent_decode(s: &str) -> Option<String> {
    String::from_utf8(unescape(s, true)?).ok()
}

/// Decodes `%XX` escapes; a malformed one fails if `strict`, else is kept literally.
fn unescape(s: &str, strict: bool) -> Option<Vec<u8>> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| Some(hex_value(*bytes.get(i + 1)?)? << 4 | hex_value(*bytes.get(i + 2)?)?))
            .flatten();
        match escaped {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None if strict && bytes[i] == b'%' => return None,
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    Some(out)
}

/// What to do with a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// A normal response.
    Respond {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// Close the connection without writing anything.
    Drop,
    /// Send the status line and headers with the full Content-Length, then only the first
    /// `sent` bytes of `body`, then close.
    Truncate {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
        sent: usize,
    },
    /// The inner reply, after a wait that `stop` cuts short (then the connection just closes).
    After(Duration, Box<Reply>),
}

/// Turns each request into a [`Reply`]; called on the connection's own thread.
pub type Handler = Arc<dyn Fn(HttpRequest) -> Reply + Send + Sync>;

/// A running server; dropping it stops it too.
pub struct HttpServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
}

/// Stops a running server from any thread, e.g. while another thread is blocked waiting
/// for it to stop.
#[derive(Clone)]
pub struct Stopper {
    shared: Arc<Shared>,
}

/// State shared by the server handle, its stoppers, and the accept and connection threads.
struct Shared {
    /// The bound address, which `stop` connects to once to wake the blocked accept.
    addr: SocketAddr,
    limits: Limits,
    stopping: AtomicBool,
    /// Clones of every open connection, so `stop` can shut down even idle ones.
    conns: Mutex<Registry>,
    /// Held for the whole of `stop`, so concurrent stops all return after the port is free.
    accept_thread: Mutex<Option<JoinHandle<()>>>,
    stopped: Mutex<bool>,
    stopped_changed: Condvar,
}

#[derive(Default)]
struct Registry {
    next_id: u64,
    open: HashMap<u64, TcpStream>,
}

impl HttpServer {
    /// Serves on a bound listener (e.g. to `"127.0.0.1:0"`) from a background thread, one
    /// thread per connection, within `limits`.
    pub fn serve(
        listener: TcpListener,
        handler: Handler,
        limits: Limits,
    ) -> io::Result<HttpServer> {
        limits
            .check()
            .map_err(|message| io::Error::new(ErrorKind::InvalidInput, message))?;
        let addr = listener.local_addr()?;
        let refuser = Refuser::start(over_capacity(limits.max_connections))?;
        let shared = Arc::new(Shared {
            addr,
            limits,
            stopping: AtomicBool::new(false),
            conns: Mutex::new(Registry::default()),
            accept_thread: Mutex::new(None),
            stopped: Mutex::new(false),
            stopped_changed: Condvar::new(),
        });
        let accept_shared = Arc::clone(&shared);
        let thread = thread::Builder::new()
            .name("mock-http-accept".into())
            .spawn(move || accept_loop(listener, accept_shared, handler, refuser))?;
        *lock(&shared.accept_thread) = Some(thread);
        Ok(HttpServer { addr, shared })
    }

    /// The address actually bound (useful with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// A handle that can stop this server from another thread.
    pub fn stopper(&self) -> Stopper {
        Stopper {
            shared: Arc::clone(&self.shared),
        }
    }

    /// Stops accepting, closes every open connection (idle keep-alive ones too) and joins the
    /// accept thread; the port is free when this returns. Idempotent.
    pub fn stop(&mut self) {
        self.stopper().stop();
    }

    /// Blocks until the server is stopped from another thread (through a [`Stopper`]).
    pub fn wait(&mut self) {
        let mut stopped = lock(&self.shared.stopped);
        while !*stopped {
            stopped = self
                .shared
                .stopped_changed
                .wait(stopped)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        self.stop();
    }
}

impl Stopper {
    /// Stops accepting, closes every open connection (idle keep-alive ones too) and waits
    /// for the accept thread; the port is free when this returns. Idempotent.
    pub fn stop(&self) {
        let shared = &self.shared;
        shared.stopping.store(true, Ordering::SeqCst);
        let mut accept_thread = lock(&shared.accept_thread);
        if let Some(handle) = accept_thread.take() {
            // A blocking accept answers new connections at once (polling would delay each
            // by up to a poll interval); this connection wakes it to see the stop flag.
            let _ = TcpStream::connect_timeout(&wake_address(shared.addr), Duration::from_secs(1));
            // Joining first means no connection can be registered after the sweep below.
            let _ = handle.join();
        }
        let open = std::mem::take(&mut lock(&shared.conns).open);
        for stream in open.values() {
            let _ = stream.shutdown(Shutdown::Both);
        }
        *lock(&shared.stopped) = true;
        shared.stopped_changed.notify_all();
    }
}

impl Shared {
    fn stopping(&self) -> bool {
        self.stopping.load(Ordering::SeqCst)
    }
}

/// Locks, ignoring poisoning: every guarded value stays consistent even if a holder panicked.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Accepts until stopped; the refuser goes (and its thread ends) with it.
fn accept_loop(listener: TcpListener, shared: Arc<Shared>, handler: Handler, refuser: Refuser) {
    loop {
        let accepted = listener.accept();
        if shared.stopping() {
            return;
        }
        match accepted {
            // Only this thread adds connections, so the count cannot grow past the check.
            Ok((stream, _)) if lock(&shared.conns).open.len() >= shared.limits.max_connections => {
                refuser.refuse(stream);
            }
            Ok((stream, _)) => spawn_connection(stream, &shared, &handler),
            // Errors such as running out of descriptors are transient for a server: back off
            // and retry rather than die.
            Err(_) => thread::sleep(POLL),
        }
    }
}

/// Where to connect to reach a listener bound to `addr` (a wildcard address means loopback).
fn wake_address(addr: SocketAddr) -> SocketAddr {
    let ip = match addr.ip() {
        ip if !ip.is_unspecified() => ip,
        std::net::IpAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
        std::net::IpAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
    };
    SocketAddr::new(ip, addr.port())
}

/// The complete answer to a connection over the cap.
fn over_capacity(max_connections: usize) -> Vec<u8> {
    let message = format!(
        "The mock server has its limit of {max_connections} open connections; close idle \
         ones, or start it with a higher max_connections."
    );
    let body = serde_json::json!({ "message": message }).to_string();
    let headers = vec![("Content-Type".to_string(), "application/json".to_string())];
    let mut out = response_head(503, headers, body.len(), Framing::Close);
    out.extend_from_slice(body.as_bytes());
    out
}

fn spawn_connection(stream: TcpStream, shared: &Arc<Shared>, handler: &Handler) {
    let limits = shared.limits;
    // The write timeout keeps a client that never reads its answer from pinning a thread.
    if stream.set_nonblocking(false).is_err()
        || stream.set_read_timeout(Some(limits.poll())).is_err()
        || stream.set_write_timeout(Some(limits.read_timeout)).is_err()
    {
        return;
    }
    let _ = stream.set_nodelay(true);
    let Ok(clone) = stream.try_clone() else {
        return;
    };
    let id = {
        let mut registry = lock(&shared.conns);
        let id = registry.next_id;
        registry.next_id += 1;
        registry.open.insert(id, clone);
        id
    };
    let guard = Registration {
        shared: Arc::clone(shared),
        id,
    };
    let handler = Arc::clone(handler);
    let conn = Conn::new(stream, Arc::clone(shared));
    // If the spawn fails the closure (and with it the guard) is dropped, unregistering.
    let _ = thread::Builder::new()
        .name("mock-http-conn".into())
        .spawn(move || {
            let _guard = guard;
            serve_connection(conn, &handler);
        });
}

/// Removes a connection from the registry however its thread ends.
struct Registration {
    shared: Arc<Shared>,
    id: u64,
}

impl Drop for Registration {
    fn drop(&mut self) {
        lock(&self.shared.conns).open.remove(&self.id);
    }
}

fn serve_connection(mut conn: Conn, handler: &Handler) {
    loop {
        let request = match conn.read_request() {
            Ok(request) => request,
            Err(Fail::Closed) => return,
            Err(Fail::Status(status, message)) => {
                let reply = plain_reply(status, message);
                let _ = write_reply(&mut conn.stream, reply, false, Framing::Close);
                return close_gracefully(&conn);
            }
        };
        let head_only = request.request.method == "HEAD";
        let mut reply = call_handler(handler, request.request);
        while let Reply::After(delay, inner) = reply {
            if !sleep_unless_stopped(&conn.shared, delay) {
                return abort(&conn.stream);
            }
            reply = *inner;
        }
        match reply {
            Reply::Drop | Reply::After(..) => return abort(&conn.stream),
            Reply::Truncate { .. } => {
                let _ = write_reply(&mut conn.stream, reply, head_only, Framing::Close);
                return abort(&conn.stream);
            }
            Reply::Respond { .. } => {
                let framing = if request.keep_alive {
                    Framing::keep_alive(request.http10)
                } else {
                    Framing::Close
                };
                match write_reply(&mut conn.stream, reply, head_only, framing) {
                    Ok(true) => {}
                    Ok(false) => return close_gracefully(&conn),
                    Err(_) => return abort(&conn.stream),
                }
            }
        }
    }
}

fn call_handler(handler: &Handler, request: HttpRequest) -> Reply {
    panic::catch_unwind(AssertUnwindSafe(|| handler(request)))
        .unwrap_or_else(|_| plain_reply(500, "internal server error: the mock handler panicked\n"))
}

fn plain_reply(status: u16, message: &str) -> Reply {
    Reply::Respond {
        status,
        headers: vec![(
            "Content-Type".to_string(),
            "text/plain; charset=utf-8".to_string(),
        )],
        body: message.as_bytes().to_vec(),
    }
}

/// Sleeps for `delay` in short steps; false if the server was stopped meanwhile.
fn sleep_unless_stopped(shared: &Shared, delay: Duration) -> bool {
    let deadline = Instant::now().checked_add(delay);
    loop {
        if shared.stopping() {
            return false;
        }
        let step = match deadline {
            Some(deadline) => match deadline.checked_duration_since(Instant::now()) {
                Some(left) if !left.is_zero() => left.min(POLL),
                _ => return true,
            },
            None => POLL,
        };
        thread::sleep(step);
    }
}

/// Ends a connection at once, in both directions.
fn abort(stream: &TcpStream) {
    let _ = stream.shutdown(Shutdown::Both);
}

/// Ends a connection after a response: half-close, then drain what the client still sends
/// for a moment, because closing with unread input makes the kernel send a reset that can
/// discard the response before the client reads it.
fn close_gracefully(conn: &Conn) {
    let mut stream = &conn.stream;
    let _ = stream.shutdown(Shutdown::Write);
    let deadline = Instant::now() + LINGER;
    let mut scratch = [0u8; 8192];
    while Instant::now() < deadline && !conn.shared.stopping() {
        match stream.read(&mut scratch) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) if is_retry(&e) => {}
            Err(_) => break,
        }
    }
    let _ = stream.shutdown(Shutdown::Both);
}

fn is_retry(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        ErrorKind::WouldBlock | ErrorKind::TimedOut | ErrorKind::Interrupted
    )
}

// ---- reading requests ----

/// Why no request could be read.
#[derive(Debug, Clone)]
enum Fail {
    /// EOF, a socket error, or the server stopping: nothing useful can be written.
    Closed,
    /// A bad request: answer with this status and message, then close.
    Status(u16, &'static str),
}

/// A parsed request plus what its framing implies for the connection.
struct Received {
    request: HttpRequest,
    keep_alive: bool,
    http10: bool,
}

/// How the body is delimited.
enum BodyFraming {
    Length(usize),
    Chunked,
}

/// A connection's stream with its read buffer; `buf[pos..]` is unread.
struct Conn {
    stream: TcpStream,
    shared: Arc<Shared>,
    buf: Vec<u8>,
    pos: usize,
    /// Whether a byte of the request being read has arrived: until then the connection is
    /// idle (the idle timeout applies), after it the request is in progress (the read timeout).
    started: bool,
}

impl Conn {
    fn new(stream: TcpStream, shared: Arc<Shared>) -> Conn {
        Conn {
            stream,
            shared,
            buf: Vec::new(),
            pos: 0,
            started: false,
        }
    }

    fn read_request(&mut self) -> Result<Received, Fail> {
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

    fn read_parts(&mut self) -> Result<Received, Fail> {
        let (request_line, header_lines) = self.read_head()?;
        let (method, target, http10) = parse_request_line(&request_line)?;
        let headers = parse_headers(&header_lines)?;
        let framing = body_framing(&headers)?;
        if expects_continue(&headers, http10, &framing) {
            self.stream
                .write_all(b"HTTP/1.1 100 Continue\r\n\r\n")
                .map_err(|_| Fail::Closed)?;
        }
        let body = match framing {
            BodyFraming::Length(len) => self.read_bytes(len)?,
            BodyFraming::Chunked => self.read_chunked()?,
        };
        let keep_alive = wants_keep_alive(&headers, http10);
        Ok(Received {
            request: HttpRequest {
                method,
                target,
                headers,
                body,
            },
            keep_alive,
            http10,
        })
    }

    /// Reads the request line and header lines, skipping blank lines before the request.
    fn read_head(&mut self) -> Result<(Vec<u8>, Vec<Vec<u8>>), Fail> {
        let too_large = Fail::Status(431, "request header fields too large\n");
        let mut budget = MAX_HEAD;
        let request_line = loop {
            let line = self.read_line(budget, &too_large)?;
            budget -= line.consumed;
            if !line.text.is_empty() {
                break line.text;
            }
        };
        let mut headers = Vec::new();
        loop {
            let line = self.read_line(budget, &too_large)?;
            budget -= line.consumed;
            if line.text.is_empty() {
                return Ok((request_line, headers));
            }
            headers.push(line.text);
        }
    }

    /// Reads one line, without its `\n` or `\r\n`, of at most `limit` bytes including them.
    fn read_line(&mut self, limit: usize, too_long: &Fail) -> Result<Line, Fail> {
        let mut scanned = 0;
        loop {
            let unread = &self.buf[self.pos..];
            if let Some(i) = unread[scanned..].iter().position(|&b| b == b'\n') {
                let end = scanned + i;
                if end + 1 > limit {
                    return Err(too_long.clone());
                }
                let text = unread[..end].strip_suffix(b"\r").unwrap_or(&unread[..end]);
                let line = Line {
                    text: text.to_vec(),
                    consumed: end + 1,
                };
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

    fn read_bytes(&mut self, len: usize) -> Result<Vec<u8>, Fail> {
        while self.buf.len() - self.pos < len {
            self.fill()?;
        }
        let bytes = self.buf[self.pos..self.pos + len].to_vec();
        self.pos += len;
        Ok(bytes)
    }

    fn read_chunked(&mut self) -> Result<Vec<u8>, Fail> {
        let bad = Fail::Status(400, "malformed chunked body\n");
        let mut body = Vec::new();
        loop {
            let line = self.read_line(MAX_CHUNK_LINE, &bad)?;
            let size = parse_chunk_size(&line.text).ok_or(bad.clone())?;
            if size == 0 {
                break;
            }
            if body.len().saturating_add(size) > MAX_BODY {
                return Err(Fail::Status(413, "request body too large\n"));
            }
            body.extend(self.read_bytes(size)?);
            if !self.read_line(2, &bad)?.text.is_empty() {
                return Err(bad);
            }
        }
        // Trailer fields are allowed after the last chunk; they are read and ignored.
        let mut budget = MAX_HEAD;
        loop {
            let line = self.read_line(budget, &bad)?;
            budget -= line.consumed;
            if line.text.is_empty() {
                return Ok(body);
            }
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
                    self.buf.extend_from_slice(&chunk[..n]);
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

struct Line {
    text: Vec<u8>,
    /// Bytes taken from the stream, terminator included.
    consumed: usize,
}

fn bad_request() -> Fail {
    Fail::Status(400, "malformed request\n")
}

/// Splits `METHOD SP target SP HTTP/1.x`; the flag is true for HTTP/1.0.
fn parse_request_line(line: &[u8]) -> Result<(String, String, bool), Fail> {
    let line = std::str::from_utf8(line).map_err(|_| bad_request())?;
    let mut parts = line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad_request());
    };
    let target_ok = !target.is_empty() && !target.chars().any(|c| c.is_control());
    if !is_token(method) || !target_ok {
        return Err(bad_request());
    }
    let http10 = match version {
        "HTTP/1.1" => false,
        "HTTP/1.0" => true,
        v if is_http_version(v) => {
            return Err(Fail::Status(
                505,
                "only HTTP/1.0 and HTTP/1.1 are supported\n",
            ))
        }
        _ => return Err(bad_request()),
    };
    Ok((method.to_string(), target.to_string(), http10))
}

fn is_http_version(v: &str) -> bool {
    let Some(digits) = v.strip_prefix("HTTP/") else {
        return false;
    };
    let bytes = digits.as_bytes();
    bytes.len() == 3 && bytes[0].is_ascii_digit() && bytes[1] == b'.' && bytes[2].is_ascii_digit()
}

fn parse_headers(lines: &[Vec<u8>]) -> Result<Vec<(String, String)>, Fail> {
    lines.iter().map(|line| parse_header(line)).collect()
}

fn parse_header(line: &[u8]) -> Result<(String, String), Fail> {
    // A leading space or tab is obsolete line folding, which RFC 9112 lets us reject; so is
    // whitespace between the name and the colon, which `is_token` refuses.
    let colon = line
        .iter()
        .position(|&b| b == b':')
        .ok_or_else(bad_request)?;
    let name = std::str::from_utf8(&line[..colon]).map_err(|_| bad_request())?;
    if !is_token(name) {
        return Err(bad_request());
    }
    let value = String::from_utf8_lossy(&line[colon + 1..]);
    let value = value.trim_matches(|c| c == ' ' || c == '\t');
    if value.chars().any(|c| c.is_control() && c != '\t') {
        return Err(bad_request());
    }
    Ok((name.to_string(), value.to_string()))
}

/// RFC 9110 `token`: what methods and header names are made of.
pub(crate) fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

fn body_framing(headers: &[(String, String)]) -> Result<BodyFraming, Fail> {
    let too_large = Fail::Status(413, "request body too large\n");
    if let Some(codings) = header_value(headers, "transfer-encoding") {
        // Transfer-Encoding overrides Content-Length (RFC 9112 §6.3); only chunked is spoken.
        let last = codings.rsplit(',').next().unwrap_or("").trim();
        return if last.eq_ignore_ascii_case("chunked") {
            Ok(BodyFraming::Chunked)
        } else {
            Err(Fail::Status(501, "unsupported transfer-encoding\n"))
        };
    }
    let mut length = None;
    for (name, value) in headers {
        if !name.eq_ignore_ascii_case("content-length") {
            continue;
        }
        // Repeated (or comma-joined) values are fine only if they all agree.
        for part in value.split(',') {
            let part = part.trim();
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad_request());
            }
            let parsed = part.parse::<usize>().map_err(|_| too_large.clone())?;
            if length.is_some_and(|seen| seen != parsed) {
                return Err(bad_request());
            }
            length = Some(parsed);
        }
    }
    match length {
        Some(len) if len > MAX_BODY => Err(too_large),
        Some(len) => Ok(BodyFraming::Length(len)),
        None => Ok(BodyFraming::Length(0)),
    }
}

fn parse_chunk_size(line: &[u8]) -> Option<usize> {
    let line = std::str::from_utf8(line).ok()?;
    // Chunk extensions (`;name=value`) carry nothing we need.
    let size = line.split(';').next()?.trim();
    if size.is_empty() || !size.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    usize::from_str_radix(size, 16).ok()
}

fn expects_continue(headers: &[(String, String)], http10: bool, framing: &BodyFraming) -> bool {
    let has_body = !matches!(framing, BodyFraming::Length(0));
    let asked =
        header_value(headers, "expect").is_some_and(|v| v.eq_ignore_ascii_case("100-continue"));
    !http10 && has_body && asked
}

fn wants_keep_alive(headers: &[(String, String)], http10: bool) -> bool {
    if has_connection_token(headers, "close") {
        false
    } else {
        !http10 || has_connection_token(headers, "keep-alive")
    }
}

fn has_connection_token(headers: &[(String, String)], token: &str) -> bool {
    headers
        .iter()
        .filter(|(name, _)| name.eq_ignore_ascii_case("connection"))
        .flat_map(|(_, value)| value.split(','))
        .any(|t| t.trim().eq_ignore_ascii_case(token))
}

fn header_value<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Query decoding: `+` is a space; bad escapes and bad UTF-8 are kept as well as possible,
/// since a mock should show the caller what it sent rather than refuse it.
fn decode_query_component(s: &str) -> String {
    // Lenient unescaping keeps bad escapes as typed, so it always gives bytes.
    let bytes = unescape(&s.replace('+', " "), false).unwrap_or_default();
    String::from_utf8_lossy(&bytes).into_owned()
}

// ---- writing responses ----

/// What the response says about the connection.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Framing {
    /// Keep it open; HTTP/1.0 clients need to be told so explicitly.
    KeepAlive {
        announce: bool,
    },
    Close,
}

impl Framing {
    fn keep_alive(http10: bool) -> Framing {
        Framing::KeepAlive { announce: http10 }
    }
}

/// Writes a `Respond` or `Truncate` reply (`Drop` writes nothing). Returns whether the
/// connection may stay open, which the handler can veto with its own `Connection: close`.
fn write_reply(
    stream: &mut TcpStream,
    reply: Reply,
    head_only: bool,
    framing: Framing,
) -> io::Result<bool> {
    let (status, headers, body, sent) = match reply {
        Reply::Respond {
            status,
            headers,
            body,
        } => {
            let len = body.len();
            (status, headers, body, len)
        }
        Reply::Truncate {
            status,
            headers,
            body,
            sent,
        } => (status, headers, body, sent),
        Reply::Drop | Reply::After(..) => return Ok(false),
    };
    let framing = if has_connection_token(&headers, "close") {
        Framing::Close
    } else {
        framing
    };
    let mut out = response_head(status, headers, body.len(), framing);
    if !head_only && !is_bodiless(status) {
        out.extend_from_slice(&body[..sent.min(body.len())]);
    }
    stream.write_all(&out)?;
    stream.flush()?;
    Ok(framing != Framing::Close)
}

/// 1xx, 204 and 304 responses never have a body (RFC 9110 §6.4.1).
fn is_bodiless(status: u16) -> bool {
    (100..200).contains(&status) || status == 204 || status == 304
}

fn response_head(
    status: u16,
    headers: Vec<(String, String)>,
    body_len: usize,
    framing: Framing,
) -> Vec<u8> {
    let mut head = format!("HTTP/1.1 {status} {}\r\n", reason_phrase(status));
    let mut has_length = false;
    for (name, value) in headers {
        // The connection header is ours to decide; a handler's `close` was honoured above.
        if name.eq_ignore_ascii_case("connection") {
            continue;
        }
        if name.eq_ignore_ascii_case("content-length") {
            // A 204 must not carry one; 304 may (it describes the would-be body).
            if (100..200).contains(&status) || status == 204 {
                continue;
            }
            has_length = true;
        }
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if !has_length && !is_bodiless(status) {
        head.push_str(&format!("Content-Length: {body_len}\r\n"));
    }
    match framing {
        Framing::Close => head.push_str("Connection: close\r\n"),
        Framing::KeepAlive { announce: true } => head.push_str("Connection: keep-alive\r\n"),
        Framing::KeepAlive { announce: false } => {}
    }
    head.push_str("\r\n");
    head.into_bytes()
}

pub(crate) fn reason_phrase(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        413 => "Content Too Large",
        415 => "Unsupported Media Type",
        422 => "Unprocessable Content",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        _ => generic_reason(status),
    }
}

/// Clients ignore the phrase, but an empty one confuses some loggers; name the class.
fn generic_reason(status: u16) -> &'static str {
    match status / 100 {
        1 => "Informational",
        2 => "Success",
        3 => "Redirection",
        4 => "Client Error",
        _ => "Server Error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::BufRead;
    use std::io::BufReader;

    fn server(handler: impl Fn(HttpRequest) -> Reply + Send + Sync + 'static) -> HttpServer {
        limited(Limits::default(), handler)
    }

    fn limited(
        limits: Limits,
        handler: impl Fn(HttpRequest) -> Reply + Send + Sync + 'static,
    ) -> HttpServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
        match HttpServer::serve(listener, Arc::new(handler), limits) {
            Ok(server) => server,
            Err(e) => panic!("cannot start test server: {e}"),
        }
    }

    /// Echoes `METHOD target` and the body back.
    fn echo_server() -> HttpServer {
        server(|req| Reply::Respond {
            status: 200,
            headers: vec![("Content-Type".into(), "text/plain".into())],
            body: [
                format!("{} {}\n", req.method, req.target).into_bytes(),
                req.body,
            ]
            .concat(),
        })
    }

    fn connect(server: &HttpServer) -> TcpStream {
        let stream = TcpStream::connect(server.local_addr()).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .expect("timeout");
        stream
    }

    /// Sends `raw` on a fresh connection and reads until the server closes it.
    fn exchange(server: &HttpServer, raw: &[u8]) -> Vec<u8> {
        let mut stream = connect(server);
        stream.write_all(raw).expect("write");
        let mut out = Vec::new();
        stream.read_to_end(&mut out).expect("read");
        out
    }

    struct Response {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    }

    impl Response {
        fn header(&self, name: &str) -> Option<&str> {
            header_value(&self.headers, name)
        }
    }

    /// Reads exactly one response framed by Content-Length.
    fn read_response(reader: &mut impl BufRead) -> Response {
        let mut line = String::new();
        reader.read_line(&mut line).expect("status line");
        let status = line
            .split(' ')
            .nth(1)
            .expect("status")
            .parse()
            .expect("code");
        let mut headers = Vec::new();
        loop {
            line.clear();
            reader.read_line(&mut line).expect("header");
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            let (name, value) = line.split_once(':').expect("colon");
            headers.push((name.to_string(), value.trim().to_string()));
        }
        let len: usize =
            header_value(&headers, "content-length").map_or(0, |v| v.parse().expect("length"));
        let mut body = vec![0; len];
        reader.read_exact(&mut body).expect("body");
        Response {
            status,
            headers,
            body,
        }
    }

    fn parse(raw: &[u8]) -> Response {
        read_response(&mut &raw[..])
    }

    #[test]
    fn get_and_post_round_trip() {
        let server = echo_server();
        let get = parse(&exchange(
            &server,
            b"GET /a?b=c HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        ));
        assert_eq!(get.status, 200);
        assert_eq!(get.body, b"GET /a?b=c\n");
        assert_eq!(get.header("connection"), Some("close"));
        assert_eq!(get.header("content-type"), Some("text/plain"));

        let post = parse(&exchange(
            &server,
            b"POST /p HTTP/1.1\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello",
        ));
        assert_eq!(post.body, b"POST /p\nhello");
        assert_eq!(post.header("content-length"), Some("13"));
    }

    #[test]
    fn keep_alive_serves_several_requests() {
        let server = echo_server();
        let stream = connect(&server);
        let mut writer = stream.try_clone().expect("clone");
        let mut reader = BufReader::new(stream);
        writer
            .write_all(b"GET /one HTTP/1.1\r\nHost: x\r\n\r\n")
            .expect("write");
        let first = read_response(&mut reader);
        assert_eq!(first.body, b"GET /one\n");
        assert_eq!(first.header("connection"), None);
        writer
            .write_all(b"POST /two HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi")
            .expect("write");
        assert_eq!(read_response(&mut reader).body, b"POST /two\nhi");
    }

    #[test]
    fn http10_closes_unless_asked_to_keep_alive() {
        let server = echo_server();
        let raw = exchange(&server, b"GET / HTTP/1.0\r\n\r\n");
        assert_eq!(parse(&raw).header("connection"), Some("close"));

        let stream = connect(&server);
        let mut writer = stream.try_clone().expect("clone");
        let mut reader = BufReader::new(stream);
        for _ in 0..2 {
            writer
                .write_all(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
                .expect("write");
            assert_eq!(
                read_response(&mut reader).header("connection"),
                Some("keep-alive")
            );
        }
    }

    #[test]
    fn chunked_body_is_decoded() {
        let server = echo_server();
        let raw = exchange(
            &server,
            b"POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n\
              5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Trailer: y\r\n\r\n",
        );
        assert_eq!(parse(&raw).body, b"POST /c\nhello world");
    }

    #[test]
    fn expect_continue_gets_an_interim_response() {
        let server = echo_server();
        let stream = connect(&server);
        let mut writer = stream.try_clone().expect("clone");
        let mut reader = BufReader::new(stream);
        writer
            .write_all(b"PUT /e HTTP/1.1\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n")
            .expect("write");
        let mut interim = [0u8; 25];
        reader.read_exact(&mut interim).expect("100");
        assert_eq!(&interim, b"HTTP/1.1 100 Continue\r\n\r\n");
        writer.write_all(b"abc").expect("body");
        assert_eq!(read_response(&mut reader).body, b"PUT /e\nabc");
    }

    #[test]
    fn head_sends_length_without_body() {
        let server = echo_server();
        let raw = exchange(&server, b"HEAD /h HTTP/1.1\r\nConnection: close\r\n\r\n");
        let text = String::from_utf8(raw).expect("utf8");
        assert!(text.contains("Content-Length: 8\r\n"), "{text}");
        assert!(text.ends_with("\r\n\r\n"), "{text}");
    }

    #[test]
    fn no_content_has_no_length() {
        let server = server(|_| Reply::Respond {
            status: 204,
            headers: vec![],
            body: b"ignored".to_vec(),
        });
        let raw = exchange(&server, b"DELETE /x HTTP/1.1\r\nConnection: close\r\n\r\n");
        assert_eq!(raw, b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n");
    }

    #[test]
    fn handler_content_length_is_not_duplicated() {
        let server = server(|_| Reply::Respond {
            status: 200,
            headers: vec![("content-length".into(), "2".into())],
            body: b"ok".to_vec(),
        });
        let raw = exchange(&server, b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n");
        let text = String::from_utf8(raw).expect("utf8");
        assert_eq!(
            text.to_ascii_lowercase().matches("content-length").count(),
            1
        );
        assert!(text.ends_with("\r\n\r\nok"));
    }

    #[test]
    fn drop_closes_without_a_response() {
        let server = server(|_| Reply::Drop);
        let mut stream = connect(&server);
        stream.write_all(b"GET / HTTP/1.1\r\n\r\n").expect("write");
        let mut buf = [0u8; 64];
        match stream.read(&mut buf) {
            Ok(n) => assert_eq!(n, 0),
            Err(e) => assert_eq!(e.kind(), ErrorKind::ConnectionReset),
        }
    }

    #[test]
    fn truncate_sends_part_of_the_body() {
        let server = server(|_| Reply::Truncate {
            status: 200,
            headers: vec![],
            body: b"0123456789".to_vec(),
            sent: 3,
        });
        let raw = exchange(&server, b"GET / HTTP/1.1\r\n\r\n");
        let text = String::from_utf8(raw).expect("utf8");
        let (head, body) = text.split_once("\r\n\r\n").expect("head");
        assert!(head.contains("Content-Length: 10"), "{head}");
        assert_eq!(body, "012");
    }

    #[test]
    fn delay_postpones_the_response() {
        let server = server(|_| {
            let reply = Reply::Respond {
                status: 200,
                headers: vec![],
                body: vec![],
            };
            Reply::After(Duration::from_millis(200), Box::new(reply))
        });
        let started = Instant::now();
        let raw = exchange(&server, b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n");
        assert_eq!(parse(&raw).status, 200);
        assert!(started.elapsed() >= Duration::from_millis(200));
    }

    #[test]
    fn oversize_head_gets_431() {
        let server = echo_server();
        let mut raw = b"GET / HTTP/1.1\r\nX-Big: ".to_vec();
        raw.extend(std::iter::repeat_n(b'a', 70 * 1024));
        raw.extend_from_slice(b"\r\n\r\n");
        let response = parse(&exchange(&server, &raw));
        assert_eq!(response.status, 431);
        assert_eq!(response.header("connection"), Some("close"));
    }

    #[test]
    fn oversize_body_gets_413() {
        let server = echo_server();
        let raw = exchange(
            &server,
            b"POST / HTTP/1.1\r\nContent-Length: 99999999\r\n\r\n",
        );
        assert_eq!(parse(&raw).status, 413);
    }

    #[test]
    fn malformed_requests_get_400() {
        let server = echo_server();
        for raw in [
            &b"NONSENSE\r\n\r\n"[..],
            b"GET / HTTP/1.1\r\nNo colon here\r\n\r\n",
            b"GET / HTTP/1.1\r\nBad name: x\r\n\r\n",
            b"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
            b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        ] {
            let response = parse(&exchange(&server, raw));
            assert_eq!(response.status, 400, "{}", String::from_utf8_lossy(raw));
        }
    }

    #[test]
    fn handler_panic_gives_500_and_server_survives() {
        let server = server(|req| {
            if req.path() == "/boom" {
                panic!("deliberate test panic");
            }
            Reply::Respond {
                status: 200,
                headers: vec![],
                body: b"fine".to_vec(),
            }
        });
        let raw = exchange(&server, b"GET /boom HTTP/1.1\r\nConnection: close\r\n\r\n");
        let response = parse(&raw);
        assert_eq!(response.status, 500);
        assert!(!response.body.is_empty());
        let raw = exchange(&server, b"GET /ok HTTP/1.1\r\nConnection: close\r\n\r\n");
        assert_eq!(parse(&raw).body, b"fine");
    }

    #[test]
    fn stop_is_prompt_with_idle_keep_alive_clients() {
        let mut server = echo_server();
        let addr = server.local_addr();
        let stream = connect(&server);
        let mut writer = stream.try_clone().expect("clone");
        let mut reader = BufReader::new(stream);
        writer.write_all(b"GET / HTTP/1.1\r\n\r\n").expect("write");
        assert_eq!(read_response(&mut reader).status, 200);

        let started = Instant::now();
        server.stop();
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "{:?}",
            started.elapsed()
        );
        server.stop();
        let mut rest = Vec::new();
        let _ = reader.read_to_end(&mut rest);
        assert!(rest.is_empty());
        assert!(TcpStream::connect(addr).is_err());
        assert!(TcpListener::bind(addr).is_ok(), "port still taken");
    }

    #[test]
    fn stop_aborts_a_delayed_response() {
        let mut server = server(|_| {
            let reply = Reply::Respond {
                status: 200,
                headers: vec![],
                body: vec![],
            };
            Reply::After(Duration::from_secs(30), Box::new(reply))
        });
        let mut stream = connect(&server);
        stream.write_all(b"GET / HTTP/1.1\r\n\r\n").expect("write");
        thread::sleep(Duration::from_millis(100));
        let started = Instant::now();
        server.stop();
        let mut rest = Vec::new();
        let _ = stream.read_to_end(&mut rest);
        assert!(rest.is_empty());
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "{:?}",
            started.elapsed()
        );
    }

    #[test]
    fn stopper_releases_wait() {
        let mut server = echo_server();
        let stopper = server.stopper();
        let waker = thread::spawn(move || {
            thread::sleep(Duration::from_millis(100));
            stopper.stop();
        });
        let started = Instant::now();
        server.wait();
        assert!(started.elapsed() >= Duration::from_millis(100));
        waker.join().expect("stopper thread");
    }

    #[test]
    fn request_accessors() {
        let req = HttpRequest {
            method: "GET".into(),
            target: "/api/v1/calls?status=completed&search=%2B1&q=a+b&flag&&e=".into(),
            headers: vec![
                ("X-Thing".into(), "1".into()),
                ("x-thing".into(), "2".into()),
            ],
            body: vec![],
        };
        assert_eq!(req.path(), "/api/v1/calls");
        assert_eq!(req.header("x-THING"), Some("1"));
        let pairs = req.query_pairs();
        let pairs: Vec<(&str, &str)> = pairs
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("status", "completed"),
                ("search", "+1"),
                ("q", "a b"),
                ("flag", ""),
                ("e", "")
            ]
        );
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("a%2Fb").as_deref(), Some("a/b"));
        assert_eq!(percent_decode("a+b").as_deref(), Some("a+b"));
        assert_eq!(percent_decode("%C3%A9").as_deref(), Some("é"));
        assert_eq!(percent_decode("%ZZ"), None);
        assert_eq!(percent_decode("%4"), None);
        assert_eq!(percent_decode("%FF"), None);
        assert_eq!(decode_query_component("100%+sure"), "100% sure");
    }

    fn short(max_connections: usize, timeout: Duration) -> Limits {
        Limits {
            max_connections,
            idle_timeout: timeout,
            read_timeout: timeout,
        }
    }

    fn ok_server(limits: Limits) -> HttpServer {
        limited(limits, |_| Reply::Respond {
            status: 200,
            headers: vec![],
            body: b"ok".to_vec(),
        })
    }

    #[test]
    fn a_connection_over_the_cap_gets_503_and_is_closed() {
        let server = ok_server(short(2, Duration::from_secs(60)));
        let held = [connect(&server), connect(&server)];
        // Sent before the answer arrives: the refusal must survive the unread request.
        let raw = exchange(&server, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        let refused = parse(&raw);
        assert_eq!(refused.status, 503);
        assert_eq!(refused.header("connection"), Some("close"));
        let body: serde_json::Value = serde_json::from_slice(&refused.body).expect("JSON");
        assert!(body["message"]
            .as_str()
            .is_some_and(|m| m.contains("2 open connections")));

        drop(held);
        // The held connections' threads notice the close on their next read.
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let raw = exchange(&server, b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n");
            match parse(&raw).status {
                200 => break,
                _ if Instant::now() < deadline => thread::sleep(POLL),
                status => panic!("still refused after the held connections closed: {status}"),
            }
        }
    }

    #[test]
    fn an_idle_connection_is_closed_after_the_idle_timeout() {
        let server = ok_server(short(8, Duration::from_millis(300)));
        let stream = connect(&server);
        let mut writer = stream.try_clone().expect("clone");
        let mut reader = BufReader::new(stream);
        writer.write_all(b"GET / HTTP/1.1\r\n\r\n").expect("write");
        assert_eq!(read_response(&mut reader).status, 200);
        let idle = Instant::now();
        let mut rest = Vec::new();
        reader
            .read_to_end(&mut rest)
            .expect("a clean close, not the client's timeout");
        assert!(rest.is_empty());
        assert!(idle.elapsed() >= Duration::from_millis(300));
    }

    #[test]
    fn a_stalled_request_gets_408_after_the_read_timeout() {
        let server = ok_server(short(8, Duration::from_millis(300)));
        let started = Instant::now();
        let raw = exchange(
            &server,
            b"POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nhalf",
        );
        let response = parse(&raw);
        assert_eq!(response.status, 408);
        assert_eq!(response.header("connection"), Some("close"));
        assert!(started.elapsed() >= Duration::from_millis(300));
    }

    #[test]
    fn a_delay_outlasts_the_timeouts() {
        let server = limited(short(8, Duration::from_millis(100)), |_| {
            let reply = Reply::Respond {
                status: 200,
                headers: vec![],
                body: b"late".to_vec(),
            };
            Reply::After(Duration::from_millis(400), Box::new(reply))
        });
        let raw = exchange(&server, b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n");
        assert_eq!(parse(&raw).body, b"late");
    }

    #[test]
    fn limits_that_cannot_work_are_refused() {
        for limits in [short(0, Duration::from_secs(1)), short(1, Duration::ZERO)] {
            let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
            let handler: Handler = Arc::new(|_| Reply::Drop);
            let result = HttpServer::serve(listener, handler, limits);
            assert!(result.is_err_and(|e| e.kind() == ErrorKind::InvalidInput));
        }
    }
}
