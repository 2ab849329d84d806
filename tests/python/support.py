"""Test support: a real HTTP server on 127.0.0.1 that records every request and answers
from scripted responses (started by the ``server`` fixture in conftest.py, or behind TLS by
``start_server(tls=...)``).

It exists for what the bundled mock (``talkover.testing.MockServer``) never sends: exact
hand-written bytes, malformed bodies, redirects, delays and TLS. The server speaks HTTP/1.1
with keep-alive, so the client's connection pool is exercised; every wait in here is bounded
so that no test can hang. tests/README.md says which server to use for what.
"""

from __future__ import annotations

import json as jsonlib
import signal
import socket
import ssl
import subprocess
import threading
import urllib.parse
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Iterator, Mapping, Optional

import pytest

TOKEN = "talq_test_token"

#: The arguments of a valid `client.campaigns.create` call, from the docs' example values.
CAMPAIGN: dict[str, Any] = {
    "name": "Q1",
    "campaign_type": "sales",
    "agent_id": "agent-uuid-1",
    "start_date": "2025-01-06",
    "days_of_week": [1, 2, 3, 4, 5],
    "call_time_ranges": [{"start": "09:00", "end": "12:00"}],
}
TT_TOKEN = "tt_test_token"

#: Longest time any server-side wait (scripted delay, hook) may take before giving up.
MAX_WAIT = 5.0

_MISSING: Any = object()

ENV_VARS = (
    "TALKOVER_TOKEN",
    "TALKOVER_BASE_URL",
    "TALKTURO_TOKEN",
    "TALKTURO_BASE_URL",
    # A proxy from the host environment would reroute requests meant for 127.0.0.1.
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
)


class Headers(dict[str, str]):
    """Request headers with case-insensitive lookups (names stored in lower case)."""

    def __init__(self, items: Mapping[str, str] | None = None) -> None:
        super().__init__()
        for name, value in (items or {}).items():
            self[name] = value

    def __setitem__(self, name: str, value: str) -> None:
        super().__setitem__(name.lower(), value)

    def __getitem__(self, name: str) -> str:
        return super().__getitem__(name.lower())

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and super().__contains__(name.lower())

    def get(self, name: str, default: Any = None) -> Any:
        return super().get(name.lower(), default)


@dataclass(frozen=True)
class ReceivedRequest:
    """One request exactly as the scripted server received it: raw path, raw query string
    and body bytes. (``talkover.testing.ReceivedRequest`` is another thing: the mock's log
    entry, decoded, with the operation matched and the answer given.)"""

    method: str
    #: The path as sent, still percent-encoded (no query string).
    path: str
    #: The raw query string, still percent-encoded ("" when there is none).
    query_string: str
    #: ``urllib.parse.parse_qs(query_string, keep_blank_values=True)``.
    query: dict[str, list[str]]
    headers: Headers
    body: bytes

    @property
    def json(self) -> Any:
        """The body parsed as JSON, or None when there is no body or it is not JSON."""
        if not self.body:
            return None
        try:
            return jsonlib.loads(self.body)
        except ValueError:
            return None


@dataclass
class ScriptedResponse:
    status: int
    body: bytes
    headers: dict[str, str]
    delay: float
    before: Optional[Callable[[], object]]


@dataclass
class RecordingServer:
    """Handle on the running server: script answers with :meth:`respond`, read ``requests``."""

    url: str
    requests: list[ReceivedRequest] = field(default_factory=list)
    _scripts: dict[tuple[str, str], deque[ScriptedResponse]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    #: Set at teardown so that delayed handlers stop waiting.
    stopping: threading.Event = field(default_factory=threading.Event)

    @property
    def port(self) -> int:
        return int(urllib.parse.urlsplit(self.url).port or 0)

    def respond(
        self,
        method: str,
        path: str,
        *,
        status: int = 200,
        json: Any = _MISSING,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        delay: float = 0.0,
        before: Callable[[], object] | None = None,
        times: int = 1,
    ) -> None:
        """Queues an answer for the next request to ``method path`` (path raw, no query).

        Give either ``json`` (serialized, with ``Content-Type: application/json``) or a raw
        ``body``. ``delay`` sleeps before answering; ``before`` is called (in the handler
        thread) before answering. ``times`` queues the same answer that many times.
        """
        if json is not _MISSING and body is not None:
            raise AssertionError("give json or body, not both")
        response_headers = dict(headers or {})
        if json is not _MISSING:
            payload = jsonlib.dumps(json).encode()
            response_headers.setdefault("Content-Type", "application/json")
        else:
            payload = body or b""
        scripted = ScriptedResponse(status, payload, response_headers, delay, before)
        with self._lock:
            queue = self._scripts.setdefault((method.upper(), path), deque())
            queue.extend([scripted] * times)

    def _next(self, method: str, path: str) -> ScriptedResponse:
        with self._lock:
            queue = self._scripts.get((method, path))
            if queue:
                return queue.popleft()
        fallback = jsonlib.dumps({"success": False, "message": "no scripted response"}).encode()
        return ScriptedResponse(404, fallback, {"Content-Type": "application/json"}, 0.0, None)

    def _record(self, request: ReceivedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    @property
    def last(self) -> ReceivedRequest:
        """The only request received; fails the test when there were none or several."""
        assert len(self.requests) == 1, [f"{r.method} {r.path}" for r in self.requests]
        return self.requests[0]


def _read_chunked(handler: BaseHTTPRequestHandler) -> bytes:
    body = b""
    while True:
        size = int(handler.rfile.readline().split(b";")[0].strip() or b"0", 16)
        if size == 0:
            while handler.rfile.readline().strip():  # trailers
                pass
            return body
        body += handler.rfile.read(size)
        handler.rfile.readline()


def _handler_class(server: RecordingServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body are separate writes; with Nagle on, each answer would wait for
        # the client's delayed ACK (~40 ms).
        disable_nagle_algorithm = True
        # Idle keep-alive connections are dropped after this, so handler threads end.
        timeout = MAX_WAIT

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass  # keep pytest output clean

        def _handle(self) -> None:
            raw_path, _, query_string = self.path.partition("?")
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                body = _read_chunked(self)
            else:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            server._record(
                ReceivedRequest(
                    method=self.command,
                    path=raw_path,
                    query_string=query_string,
                    query=urllib.parse.parse_qs(query_string, keep_blank_values=True),
                    headers=Headers(dict(self.headers.items())),
                    body=body,
                )
            )
            scripted = server._next(self.command, raw_path)
            if scripted.before is not None:
                try:
                    scripted.before()
                except Exception as error:  # e.g. a broken barrier: answer, don't hang up
                    message = f"before-hook failed: {type(error).__name__}"
                    scripted = ScriptedResponse(
                        500, jsonlib.dumps({"message": message}).encode(), {"Content-Type": "application/json"}, 0.0, None
                    )
            if scripted.delay:
                server.stopping.wait(min(scripted.delay, MAX_WAIT))
            try:
                self.send_response(scripted.status)
                for name, value in scripted.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(scripted.body)))
                self.end_headers()
                self.wfile.write(scripted.body)
                self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

    return Handler


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def start_server(*, tls: ssl.SSLContext | None = None) -> tuple[RecordingServer, Callable[[], None]]:
    """Starts a server in a daemon thread; returns its handle and the function that stops it.

    With ``tls`` (a server context holding a certificate for ``localhost``) it serves HTTPS,
    and its URL names ``localhost`` so the certificate's name is checked."""
    handle = RecordingServer(url="")
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_class(handle))
    httpd.daemon_threads = True
    host, port = httpd.server_address[:2]
    if tls is None:
        handle.url = f"http://{host!s}:{port}"
    else:
        httpd.socket = tls.wrap_socket(httpd.socket, server_side=True)
        handle.url = f"https://localhost:{port}"
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()

    def stop() -> None:
        handle.stopping.set()
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=MAX_WAIT)

    return handle, stop


# --- mock servers in a process of their own -----------------------------------------------------


def default_sigint() -> None:
    """``preexec_fn`` for a child Ctrl-C must reach, even when the tests run as a background job
    of a shell, which starts them with SIGINT ignored, a setting children inherit."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@contextmanager
def mock_server_process(
    command: list[str], env: Optional[dict[str, str]] = None
) -> Iterator[tuple[subprocess.Popen[str], str, str]]:
    """Runs a mock server command (``talkover mock``, ``python -m talkover.testing``) on a free
    port and yields the process, the URL and the token it printed. A watchdog bounds every
    wait (a server that never prints is killed, and ``readline()`` ends); a process still
    running after the block is killed."""
    process = subprocess.Popen(
        [*command, "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        preexec_fn=default_sigint,
    )
    watchdog = threading.Timer(60, process.kill)
    watchdog.start()
    try:
        assert process.stdout is not None
        listening = process.stdout.readline().strip()
        token_line = process.stdout.readline().strip()
        prefix = "Mock server listening on "
        if not listening.startswith(prefix) or not token_line.startswith("Token: "):
            process.kill()
            pytest.fail(f"no listening line: {listening!r}, stderr: {process.communicate()[1]!r}")
        yield process, listening[len(prefix) :], token_line[len("Token: ") :]
    finally:
        watchdog.cancel()
        if process.poll() is None:
            process.kill()
            process.wait()
