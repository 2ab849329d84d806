//! Connections over the server's cap: each is answered with a short `503` and
//! `Connection: close`, then closed, all on one thread, so a flood of connections costs no
//! thread each and none is left hanging.

use std::collections::VecDeque;
use std::io::{self, ErrorKind, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// Refused connections waiting to be handed over; more are closed at once.
const QUEUE: usize = 1024;
/// Refused connections draining their input before the close; more end the oldest early.
const MAX_CLOSING: usize = 1024;
/// How long a refused connection may drain the request it sent: closing with unread input
/// makes the kernel reset the connection, which can destroy the 503 before it is read.
const LINGER: Duration = Duration::from_millis(500);
/// How often draining connections are looked at.
const POLL: Duration = Duration::from_millis(20);

/// The thread that refuses connections; dropping it stops the thread.
pub struct Refuser {
    queue: Option<SyncSender<TcpStream>>,
    thread: Option<JoinHandle<()>>,
}

impl Refuser {
    /// Starts the refusing thread; every connection it is given gets `response` (a complete
    /// HTTP response that closes the connection).
    pub fn start(response: Vec<u8>) -> io::Result<Refuser> {
        let (queue, refused) = mpsc::sync_channel(QUEUE);
        let thread = thread::Builder::new()
            .name("mock-http-refuse".into())
            .spawn(move || refuse_loop(&refused, &response))?;
        Ok(Refuser {
            queue: Some(queue),
            thread: Some(thread),
        })
    }

    /// Hands a connection over to be refused; if the thread is behind, it is closed at once.
    pub fn refuse(&self, stream: TcpStream) {
        if let Some(queue) = &self.queue {
            match queue.try_send(stream) {
                Ok(()) => {}
                Err(TrySendError::Full(stream) | TrySendError::Disconnected(stream)) => {
                    let _ = stream.shutdown(Shutdown::Both);
                }
            }
        }
    }
}

impl Drop for Refuser {
    fn drop(&mut self) {
        // Without a sender the thread's next receive fails, and it closes what it holds.
        self.queue = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn refuse_loop(refused: &Receiver<TcpStream>, response: &[u8]) {
    let mut closing: VecDeque<(TcpStream, Instant)> = VecDeque::new();
    loop {
        let next = if closing.is_empty() {
            refused.recv().map_err(|_| RecvTimeoutError::Disconnected)
        } else {
            refused.recv_timeout(POLL)
        };
        match next {
            Ok(stream) => closing.extend(answer(stream, response)),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return,
        }
        while let Ok(stream) = refused.try_recv() {
            closing.extend(answer(stream, response));
        }
        closing.retain_mut(|(stream, deadline)| draining(stream, *deadline));
        while closing.len() > MAX_CLOSING {
            closing.pop_front();
        }
    }
}

/// Writes the refusal and half-closes; the connection is kept to drain while the client
/// reads it, or dropped if it cannot take even that.
fn answer(mut stream: TcpStream, response: &[u8]) -> Option<(TcpStream, Instant)> {
    // A fresh connection's send buffer is empty, so a short answer never blocks; one that
    // would is a client not worth waiting for.
    stream.set_nonblocking(true).ok()?;
    stream.write_all(response).ok()?;
    stream.shutdown(Shutdown::Write).ok()?;
    Some((stream, Instant::now() + LINGER))
}

/// Reads and discards what the client sent; false once it is done (or its time is up).
fn draining(stream: &mut TcpStream, deadline: Instant) -> bool {
    let mut scratch = [0u8; 4096];
    loop {
        match stream.read(&mut scratch) {
            Ok(0) => return false,
            Ok(_) => {}
            Err(e) if e.kind() == ErrorKind::WouldBlock => return Instant::now() < deadline,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(_) => return false,
        }
    }
}
