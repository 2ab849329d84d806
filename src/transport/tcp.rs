//! Plain TCP for the agent: ureq's TCP transport without the system calls it spends on every
//! request over a kept-alive connection.
//!
//! - ureq checks a pooled connection twice per request (when it goes back to the pool and
//!   when it is taken out) by making the socket non-blocking, reading, and making it blocking
//!   again: three calls each. Here the check is one `recv(MSG_PEEK | MSG_DONTWAIT)`.
//! - ureq sets the socket's read or write timeout before every read and write, since the time
//!   left keeps shrinking. Here the socket keeps its timeout while that cannot outlast the
//!   time left; when it could, it is set to the time left rounded down to a [`STEP`]. A
//!   socket wait so never runs past the deadline, and one that ends early is resumed.
//!
//! Connecting is as ureq does it: each resolved address in turn, the first getting half the
//! budget, the next a quarter, and so on. A host name arrives unresolved (see the pool's
//! resolver) and is resolved here, only when a new connection is opened.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{
    Buffers, ConnectionDetails, Connector, Either, LazyBuffers, NextTimeout, ShutdownHandle,
    Transport,
};
use ureq::Timeout;

/// The grain socket timeouts are set at (see the module doc).
const STEP: Duration = Duration::from_millis(100);

/// The least time an address gets to connect, however many there are.
const MIN_PER_ADDRESS: Duration = Duration::from_millis(10);

/// Opens plain TCP connections, unless an earlier connector (a proxy's) made one already.
#[derive(Debug, Default)]
pub(crate) struct TcpConnector {
    names: DefaultResolver,
}

impl<In: Transport> Connector<In> for TcpConnector {
    type Out = Either<In, TcpTransport>;

    fn connect(
        &self,
        details: &ConnectionDetails,
        chained: Option<In>,
    ) -> Result<Option<Self::Out>, ureq::Error> {
        if chained.is_some() {
            return Ok(chained.map(Either::A));
        }
        let resolved;
        let addrs = if details.addrs.is_empty() {
            resolved = self
                .names
                .resolve(details.uri, details.config, details.timeout)?;
            &resolved
        } else {
            &details.addrs
        };
        let stream = connect(details, addrs)?;
        if details.config.no_delay() {
            stream.set_nodelay(true)?;
        }
        let stream = Arc::new(stream);
        (details.register_shutdown)(Arc::downgrade(&stream) as Weak<dyn ShutdownHandle>)?;
        let buffers = LazyBuffers::new(
            details.config.input_buffer_size(),
            details.config.output_buffer_size(),
        );
        Ok(Some(Either::B(TcpTransport {
            stream,
            buffers,
            read_timeout: None,
            write_timeout: None,
        })))
    }
}

fn connect(
    details: &ConnectionDetails,
    addrs: &ResolvedSocketAddrs,
) -> Result<TcpStream, ureq::Error> {
    let budget = details.timeout.not_zero().map(|t| *t);
    let count = addrs.len();
    // Weights 1, 1/2, 1/4, ... summing to `total`: the shares add up to the whole budget.
    let total = 2.0 * (1.0 - 0.5_f64.powi(i32::try_from(count).unwrap_or(i32::MAX)));
    let mut weight = 1.0_f64;
    let mut last: Option<ureq::Error> = None;
    for (index, addr) in addrs.iter().enumerate() {
        let share = budget.map(|t| t.mul_f64(weight / total).max(MIN_PER_ADDRESS));
        weight /= 2.0;
        match connect_one(addr, share) {
            Ok(stream) => return Ok(stream),
            Err(e) if is_timeout(&e) => {
                if index + 1 == count {
                    return Err(ureq::Error::Timeout(details.timeout.reason));
                }
                last = Some(ureq::Error::Timeout(Timeout::Connect));
            }
            // These concern this address only: the next one may still answer.
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::ConnectionRefused
                        | io::ErrorKind::HostUnreachable
                        | io::ErrorKind::NetworkUnreachable
                        | io::ErrorKind::NetworkDown
                        | io::ErrorKind::AddrNotAvailable
                ) =>
            {
                last = Some(e.into());
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(last.unwrap_or_else(|| {
        io::Error::new(io::ErrorKind::ConnectionRefused, "Connection refused").into()
    }))
}

fn connect_one(addr: &SocketAddr, share: Option<Duration>) -> io::Result<TcpStream> {
    match share {
        Some(share) => TcpStream::connect_timeout(addr, share),
        None => TcpStream::connect(addr),
    }
}

/// A socket timeout shows as `WouldBlock` (EAGAIN) on Unix and `TimedOut` elsewhere.
fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

pub(crate) struct TcpTransport {
    /// Shared (weakly) with the agent, which may shut it down from another thread.
    stream: Arc<TcpStream>,
    buffers: LazyBuffers,
    /// The timeouts set on the socket now (`None`: none, reads and writes wait forever).
    read_timeout: Option<Duration>,
    write_timeout: Option<Duration>,
}

impl std::fmt::Debug for TcpTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TcpTransport")
            .field("peer", &self.stream.peer_addr().ok())
            .finish()
    }
}

/// When the time for one read or write runs out.
struct Deadline {
    at: Option<Instant>,
    reason: Timeout,
}

impl Deadline {
    fn start(timeout: NextTimeout) -> Result<Deadline, ureq::Error> {
        if timeout.after.is_zero() {
            return Err(ureq::Error::Timeout(timeout.reason));
        }
        let at = timeout
            .not_zero()
            .and_then(|after| Instant::now().checked_add(*after));
        Ok(Deadline {
            at,
            reason: timeout.reason,
        })
    }

    fn expired(&self) -> ureq::Error {
        ureq::Error::Timeout(self.reason)
    }

    fn passed(&self) -> bool {
        self.at.is_some_and(|at| Instant::now() >= at)
    }

    /// Makes the socket's timeout (`current`, set with `set`) end no later than the
    /// deadline, touching the socket only when it would not.
    fn arm(
        &self,
        current: &mut Option<Duration>,
        set: impl FnOnce(Option<Duration>) -> io::Result<()>,
    ) -> Result<(), ureq::Error> {
        let wanted = match self.at {
            None if current.is_none() => return Ok(()),
            None => None,
            Some(at) => {
                let left = at.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Err(self.expired());
                }
                if current.is_some_and(|now| now <= left) {
                    return Ok(());
                }
                let steps = left.as_nanos() / STEP.as_nanos();
                Some(if steps == 0 {
                    left
                } else {
                    STEP * u32::try_from(steps).unwrap_or(u32::MAX)
                })
            }
        };
        set(wanted)?;
        *current = wanted;
        Ok(())
    }
}

impl Transport for TcpTransport {
    fn buffers(&mut self) -> &mut dyn Buffers {
        &mut self.buffers
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        let deadline = Deadline::start(timeout.for_write())?;
        let TcpTransport {
            stream,
            buffers,
            write_timeout,
            ..
        } = self;
        let mut output = buffers
            .output()
            .get(..amount)
            .ok_or_else(|| io::Error::other("more output than the buffer holds"))?;
        while !output.is_empty() {
            deadline.arm(write_timeout, |t| stream.set_write_timeout(t))?;
            match (&**stream).write(output) {
                Ok(0) => return Err(io::Error::from(io::ErrorKind::WriteZero).into()),
                Ok(written) => output = output.get(written..).unwrap_or_default(),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if is_timeout(&e) => {
                    if deadline.passed() {
                        return Err(deadline.expired());
                    }
                }
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        let deadline = Deadline::start(timeout.for_read())?;
        loop {
            let stream = &self.stream;
            deadline.arm(&mut self.read_timeout, |t| stream.set_read_timeout(t))?;
            let input = self.buffers.input_append_buf();
            match (&*self.stream).read(input) {
                Ok(amount) => {
                    self.buffers.input_appended(amount);
                    return Ok(amount > 0);
                }
                // With no deadline, a signal that interrupts the read is the caller's to see.
                Err(e) if e.kind() == io::ErrorKind::Interrupted && deadline.at.is_none() => {
                    return Err(e.into())
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if is_timeout(&e) => {
                    if deadline.passed() {
                        return Err(deadline.expired());
                    }
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    fn is_open(&mut self) -> bool {
        still_open(&self.stream)
    }
}

/// Whether a kept-alive connection can take another request: the peer has not closed it and
/// sent nothing unasked.
#[cfg(unix)]
fn still_open(stream: &TcpStream) -> bool {
    use std::os::fd::AsRawFd;
    let mut byte = 0u8;
    loop {
        // SAFETY: the descriptor belongs to `stream`, open for the whole call, and the buffer
        // is one writable byte.
        let read = unsafe {
            libc::recv(
                stream.as_raw_fd(),
                std::ptr::addr_of_mut!(byte).cast(),
                1,
                libc::MSG_PEEK | libc::MSG_DONTWAIT,
            )
        };
        if read >= 0 {
            // 0: closed by the peer; more: bytes nobody asked for.
            return false;
        }
        match io::Error::last_os_error().kind() {
            io::ErrorKind::WouldBlock => return true,
            io::ErrorKind::Interrupted => continue,
            _ => return false,
        }
    }
}

#[cfg(not(unix))]
fn still_open(stream: &TcpStream) -> bool {
    let mut stream = stream;
    if stream.set_nonblocking(true).is_err() {
        return false;
    }
    let open = matches!(stream.read(&mut [0]), Err(e) if e.kind() == io::ErrorKind::WouldBlock);
    stream.set_nonblocking(false).is_ok() && open
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deadline_in(after: Duration) -> Deadline {
        Deadline {
            at: Instant::now().checked_add(after),
            reason: Timeout::Global,
        }
    }

    /// Arms `current` for `deadline`, returning what was set on the "socket", if anything.
    fn arm(deadline: &Deadline, current: &mut Option<Duration>) -> Option<Option<Duration>> {
        let mut set = None;
        deadline
            .arm(current, |t| {
                set = Some(t);
                Ok(())
            })
            .unwrap();
        set
    }

    #[test]
    fn a_socket_timeout_is_set_a_step_below_the_time_left_and_then_kept() {
        let deadline = deadline_in(Duration::from_millis(30_250));
        let mut current = None;
        assert_eq!(
            arm(&deadline, &mut current),
            Some(Some(Duration::from_millis(30_200)))
        );
        // Still within the time left: the socket is not touched again.
        assert_eq!(arm(&deadline, &mut current), None);
        assert_eq!(
            arm(&deadline_in(Duration::from_secs(31)), &mut current),
            None
        );
        // A deadline nearer than the socket's timeout moves it down.
        assert_eq!(
            arm(&deadline_in(Duration::from_millis(5_050)), &mut current),
            Some(Some(Duration::from_secs(5)))
        );
    }

    #[test]
    fn under_one_step_left_the_socket_timeout_is_the_time_left() {
        let deadline = deadline_in(Duration::from_millis(60));
        let mut current = Some(Duration::from_secs(30));
        let set = arm(&deadline, &mut current).flatten().unwrap();
        assert!(set <= Duration::from_millis(60) && !set.is_zero());
    }

    #[test]
    fn no_deadline_clears_the_socket_timeout_once() {
        let none = Deadline {
            at: None,
            reason: Timeout::Global,
        };
        let mut current = Some(Duration::from_secs(1));
        assert_eq!(arm(&none, &mut current), Some(None));
        assert_eq!(arm(&none, &mut current), None);
    }

    #[test]
    fn a_passed_deadline_is_a_timeout() {
        let deadline = Deadline {
            at: Some(Instant::now()),
            reason: Timeout::Global,
        };
        let mut current = None;
        assert!(matches!(
            deadline.arm(&mut current, |_| Ok(())),
            Err(ureq::Error::Timeout(Timeout::Global))
        ));
    }
}
