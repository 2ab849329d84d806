//! The connection pool of a client, safe across `fork()`: a child process (gunicorn with
//! `preload_app`, celery prefork, multiprocessing) inherits its parent's pooled keep-alive
//! sockets, and if both used them they would read each other's answers. Each process
//! therefore gets its own agent, made the first time it sends, and never touches the
//! connections it inherited.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use arc_swap::ArcSwap;
use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{
    ConnectProxyConnector, Connector, NextTimeout, RustlsConnector,
};

use super::interrupt::InterruptibleConnector;
use super::tcp::TcpConnector;

/// One agent per process, shared by every copy of a client (`with_options` included).
pub(crate) struct Pool {
    config: Config,
    /// The agent's own timeout; a copy with another one sets it per request.
    timeout: std::time::Duration,
    current: ArcSwap<Owned>,
}

/// An agent and the process that made it.
struct Owned {
    process: u64,
    agent: ureq::Agent,
}

impl Owned {
    fn new(config: &Config) -> Self {
        Owned {
            process: process::current(),
            agent: ureq::Agent::with_parts(
                config.clone(),
                connector(),
                DeferringResolver::default(),
            ),
        }
    }
}

/// ureq's default chain (HTTP CONNECT proxies, TCP, rustls), with our TCP (fewer system
/// calls per request) and the socket reads made interruptible below TLS.
fn connector() -> impl Connector<()> {
    ().chain(ConnectProxyConnector::default())
        .chain(TcpConnector::default())
        .chain(InterruptibleConnector)
        .chain(RustlsConnector::default())
}

impl Pool {
    pub(crate) fn new(config: Config, timeout: std::time::Duration) -> Self {
        let current = ArcSwap::from_pointee(Owned::new(&config));
        Pool {
            config,
            timeout,
            current,
        }
    }

    pub(crate) fn timeout(&self) -> std::time::Duration {
        self.timeout
    }

    /// This process's agent.
    pub(crate) fn agent(&self) -> ureq::Agent {
        let current = self.current.load();
        if current.process == process::current() {
            return current.agent.clone();
        }
        // A forked child: make its own agent. Several threads may race here; one wins.
        let fresh = Arc::new(Owned::new(&self.config));
        let replaced = self.current.compare_and_swap(&*current, Arc::clone(&fresh));
        if Arc::ptr_eq(&replaced, &*current) {
            // The parent's agent is never dropped here: dropping it would close, and for
            // TLS send close_notify on, sockets the parent is still using.
            std::mem::forget(Arc::clone(&*current));
            fresh.agent.clone()
        } else {
            self.current.load().agent.clone()
        }
    }
}

/// ureq resolves the host before every request, pooled connection or not, and its resolver
/// spawns a thread per lookup whenever a timeout applies: a thread and a DNS query per
/// request. Here an IP literal is answered at once, and a name is left unresolved (no
/// addresses): our TCP connector resolves it only when it opens a new connection, as a
/// client that pools connections does. DNS answers are thus as fresh as before for every
/// new connection, and cost nothing on a reused one.
#[derive(Debug, Default)]
struct DeferringResolver {
    names: DefaultResolver,
}

impl Resolver for DeferringResolver {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let host = uri
            .host()
            .map(|host| host.trim_start_matches('[').trim_end_matches(']'));
        let port = uri.port_u16().or(match uri.scheme_str() {
            Some("https") => Some(443),
            Some("http") => Some(80),
            _ => None,
        });
        let mut addrs = self.empty();
        match (host, port) {
            (Some(host), Some(port)) => {
                if let Ok(ip) = host.parse::<IpAddr>() {
                    addrs.push(SocketAddr::new(ip, port));
                }
                Ok(addrs)
            }
            // Nothing to defer: let ureq's resolver report what is wrong with the URI.
            _ => self.names.resolve(uri, config, timeout),
        }
    }
}

/// Which process this is, told apart from its parent after a `fork()`, cheaply: asking the
/// kernel for the pid is a system call on every request.
mod process {
    /// The pid before any fork, and after one a number the fork handler bumps.
    #[cfg(unix)]
    pub(super) fn current() -> u64 {
        use std::sync::atomic::{AtomicU64, Ordering};
        use std::sync::OnceLock;

        static FORKS: AtomicU64 = AtomicU64::new(0);
        static WATCHING: OnceLock<bool> = OnceLock::new();

        extern "C" fn forked() {
            // In the child, right after fork: only async-signal-safe work, as an atomic add is.
            FORKS.fetch_add(1, Ordering::SeqCst);
        }

        // SAFETY: registers a handler that only touches an atomic; the registration itself
        // has no preconditions.
        let watching = *WATCHING
            .get_or_init(|| unsafe { libc::pthread_atfork(None, None, Some(forked)) == 0 });
        if watching {
            FORKS.load(Ordering::SeqCst)
        } else {
            // The handler could not be registered: fall back to asking for the pid.
            u64::from(std::process::id()) | 1 << 63
        }
    }

    #[cfg(not(unix))]
    pub(super) fn current() -> u64 {
        0
    }
}
