//! The server: the accept loop, a thread per connection within the connection cap, the
//! loop that answers each connection's requests (faults included), and stopping.

use std::collections::HashMap;
use std::io::{self, ErrorKind, Read};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use super::super::refuse::Refuser;
use super::conn::{is_retry, Conn};
use super::fail::Fail;
use super::limits::Limits;
use super::request::HttpRequest;
use super::respond::{plain_reply, response_head, write_reply, Persist, Reply};

/// How often delays look at the stop flag; also the accept loop's back-off after an error.
pub(super) const POLL: Duration = Duration::from_millis(20);
/// How long a closing connection keeps draining unread input, so the kernel does not answer
/// it with a reset that would destroy the response the client has not read yet.
const LINGER: Duration = Duration::from_secs(1);

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
pub(super) struct Shared {
    /// The bound address, which `stop` connects to once to wake the blocked accept.
    addr: SocketAddr,
    pub(super) limits: Limits,
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
    pub(super) fn stopping(&self) -> bool {
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
    let mut out = response_head(503, headers, body.len(), Persist::Close);
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
                let _ = write_reply(&mut conn.stream, reply, false, Persist::Close);
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
                let _ = write_reply(&mut conn.stream, reply, head_only, Persist::Close);
                return abort(&conn.stream);
            }
            Reply::Respond { .. } => {
                let persist = if request.keep_alive {
                    Persist::keep_alive(request.http10)
                } else {
                    Persist::Close
                };
                match write_reply(&mut conn.stream, reply, head_only, persist) {
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
