//! Why no request could be read off a connection, and what the client is answered then.

/// Why no request could be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Fail {
    /// EOF, a socket error, or the server stopping: nothing useful can be written.
    Closed,
    /// A bad request: answer with this status and message, then close.
    Status(u16, &'static str),
}

impl Fail {
    pub(super) fn bad_request() -> Fail {
        Fail::Status(400, "malformed request\n")
    }

    pub(super) fn head_too_large() -> Fail {
        Fail::Status(431, "request header fields too large\n")
    }

    pub(super) fn body_too_large() -> Fail {
        Fail::Status(413, "request body too large\n")
    }

    pub(super) fn bad_chunked() -> Fail {
        Fail::Status(400, "malformed chunked body\n")
    }
}
