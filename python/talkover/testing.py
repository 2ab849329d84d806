"""The bundled mock server, for building and testing against Talkover and Talkturo without an
account and without placing real calls.

>>> import talkover
>>> from talkover.testing import MockServer
>>> with MockServer() as mock:
...     client = mock.client(talkover.Talkover)  # or Talkover(mock.token, base_url=mock.url)
...     call = client.calls.create("agent_123456", to="+15550001111", is_testing=True)
...     mock.fail_next(429, headers={"Retry-After": "1"})
...     mock.requests()[-1].path
'/api/v1/agents/agent_123456/call'

The mock is generated from the same specs as the clients: it validates every request,
answers with the documented status and error body, and keeps what you create per token
(each token is its own environment, starting from the same sample agents and calls).

It is bounded for use in CI: at most 256 open connections (one more is answered 503),
idle keep-alive connections closed after 30 s, a request stalled half-sent cut off after 30 s,
and a log of the last 10,000 requests with bodies kept up to 64 KiB. Every answer carries
``X-RateLimit-Limit``, ``X-RateLimit-Remaining`` and ``X-RateLimit-Reset``, counted per token
in 60-second windows; ``rate_limit_per_minute`` makes it answer 429 past the limit.

Run one from a shell with ``python -m talkover.testing --port 4010``.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Callable, Mapping, Sequence, TypeVar

from talkover._native import _MockServer

__all__ = ["MockServer", "RecordedRequest", "main"]

_Client = TypeVar("_Client")


@dataclass(frozen=True)
class RecordedRequest:
    """One request the mock received (the token itself is never recorded)."""

    method: str
    #: The path as sent, still percent-encoded.
    path: str
    #: Decoded query parameters, each with every value given.
    query: dict[str, list[str]]
    #: Lower-case header names; ``authorization`` shows only its scheme.
    headers: dict[str, str]
    #: The JSON body, the text when it was not JSON, or None when empty.
    body: Any
    #: The operationId the request matched, or None.
    operation: str | None
    #: The status answered, or None when the connection was dropped.
    status: int | None
    #: Whether a queued fault decided the answer.
    fault: bool
    #: The body answered: JSON, the text when it was not JSON, or None when empty.
    response: Any


class MockServer:
    """A mock of every API in the SDK on a local port, served from a background thread.

    Use it as a context manager (or call :meth:`stop`); ``port=0`` picks a free port.

    - ``max_connections``: open connections served at once (default 256); one more is
      answered 503 with ``Connection: close``.
    - ``idle_timeout``: seconds a keep-alive connection may wait for its next request
      (default 30).
    - ``read_timeout``: seconds a request may stall half-sent before it is answered 408
      (default 30). A fault's ``delay`` is the server's own wait and is not cut short.
    - ``max_logged_requests``: requests :meth:`requests` keeps, the latest (default 10,000).
    - ``max_logged_body``: bytes kept of each body received or answered (default 64 KiB); a
      longer one is recorded as its start, a string ending ``…[shortened by the mock: …]``.
    - ``expose_request_log``: serve ``GET /__mock__/requests`` even on a non-loopback
      ``host`` (it shows every token's request bodies, so by default only a server bound to
      a loopback address serves it). :meth:`requests` always works.
    - ``rate_limit_per_minute``: answer 429 with ``Retry-After`` past this many requests a
      minute per token (default: no limit).
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        max_connections: int | None = None,
        idle_timeout: float | None = None,
        read_timeout: float | None = None,
        max_logged_requests: int | None = None,
        max_logged_body: int | None = None,
        expose_request_log: bool = False,
        rate_limit_per_minute: int | None = None,
    ) -> None:
        for name, count in (
            ("max_connections", max_connections),
            ("max_logged_requests", max_logged_requests),
            ("max_logged_body", max_logged_body),
            ("rate_limit_per_minute", rate_limit_per_minute),
        ):
            if count is not None and not _is_count(count):
                raise ValueError(f"{name} must be a whole number, 0 or more")
        self._native = _MockServer(
            host,
            port,
            max_connections=max_connections,
            idle_timeout=idle_timeout,
            read_timeout=read_timeout,
            max_logged_requests=max_logged_requests,
            max_logged_body=max_logged_body,
            expose_request_log=expose_request_log,
            rate_limit_per_minute=rate_limit_per_minute,
        )

    @property
    def url(self) -> str:
        """The base URL to give a client, such as ``http://127.0.0.1:4010``."""
        return self._native.url

    @property
    def token(self) -> str:
        """A Talkover token (``talq_...``) for this server's own environment."""
        return self._native.token

    @staticmethod
    def new_token() -> str:
        """A fresh token, and with it a fresh environment."""
        return _MockServer.new_token()

    def client(self, cls: Callable[..., _Client], **options: Any) -> _Client:
        """A client of any API for this mock, such as ``mock.client(talkover.Talkover)``:
        built with this mock's URL and token (unless ``token`` is given) and ``options``."""
        token = options.pop("token", self.token)
        return cls(token, base_url=self.url, **options)

    def fail_next(
        self,
        status: int | None = None,
        *,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        delay: float | None = None,
        drop_connection: bool = False,
        truncate: bool = False,
        method: str | None = None,
        path: str | None = None,
        times: int = 1,
    ) -> None:
        """Makes the next ``times`` matching requests fail.

        - ``status``: answer with it; the body defaults to the operation's documented error
          body for that status. ``body`` replaces it (a ``str`` is sent as it is, for a
          non-JSON page such as an HTML 502).
        - ``headers``: added to the answer, such as ``{"Retry-After": "2"}``.
        - ``delay``: seconds to wait before answering (alone, the answer is the normal one).
        - ``drop_connection``: close the connection without answering.
        - ``truncate``: send only half of the body, then close.
        - ``method``, ``path``: only requests with this method and path (as sent, or as the
          spec's template such as ``/api/v1/agents/{agent_id}/call``).

        Raises ValueError for a fault that contradicts itself.
        """
        if delay is not None and not math.isfinite(delay):
            raise ValueError("delay must be a finite number of seconds")
        fault: dict[str, Any] = {"times": times, "drop": drop_connection, "truncate": truncate}
        for key, value in (
            ("status", status),
            ("body", body),
            ("delay", delay),
            ("method", method),
            ("path", path),
        ):
            if value is not None:
                fault[key] = value
        if headers is not None:
            fault["headers"] = dict(headers)
        self._native.fail_next(json.dumps(fault))

    def requests(self) -> list[RecordedRequest]:
        """The requests received so far (the last ``max_logged_requests``), oldest first."""
        return [RecordedRequest(**entry) for entry in json.loads(self._native.requests())]

    def clear_requests(self) -> None:
        """Forgets the recorded requests and frees the memory they took."""
        self._native.clear_requests()

    def request_log_bytes(self) -> int:
        """The bytes the request log holds (0 when it is empty)."""
        return self._native.request_log_bytes()

    @property
    def rate_limit_per_minute(self) -> int | None:
        """The per-token limit enforced, or None."""
        return self._native.rate_limit_per_minute

    def set_rate_limit_per_minute(self, per_minute: int | None) -> None:
        """Enforces ``per_minute`` requests a minute per token (None: no limit); every token
        starts a fresh window."""
        if per_minute is not None and not _is_count(per_minute):
            raise ValueError("per_minute must be a whole number, 0 or more, or None")
        self._native.set_rate_limit_per_minute(per_minute)

    def clear_faults(self) -> None:
        self._native.clear_faults()

    def reset(self) -> None:
        """Forgets every environment, queued fault, recorded request and rate-limit window
        (the limit itself stays)."""
        self._native.reset()

    def stop(self) -> None:
        """Stops serving and frees the port. Safe to call more than once."""
        self._native.stop()

    def __enter__(self) -> MockServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"MockServer(url={self.url!r})"


def _is_count(value: object) -> bool:
    """A whole number the native side takes as a count (at most 2**32 - 1)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**32


def _count(text: str) -> int:
    """A whole number, 0 or more, for argparse."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not _is_count(value):
        raise argparse.ArgumentTypeError(f"expected a whole number, 0 or more: {text!r}")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m talkover.testing``: serve until interrupted."""
    parser = argparse.ArgumentParser(
        prog="python -m talkover.testing",
        description="Run the bundled Talkover/Talkturo mock server.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=4010, help="port (0 picks a free one)")
    parser.add_argument(
        "--rate-limit-per-minute",
        type=_count,
        metavar="N",
        help="answer 429 past N requests a minute per token (default: no limit)",
    )
    parser.add_argument(
        "--expose-request-log",
        action="store_true",
        help="serve GET /__mock__/requests on a non-loopback --host too",
    )
    args = parser.parse_args(argv)
    try:
        mock = MockServer(
            host=args.host,
            port=args.port,
            rate_limit_per_minute=args.rate_limit_per_minute,
            expose_request_log=args.expose_request_log,
        )
    except OSError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(f"Mock server listening on {mock.url}")
    print(f"Token: {mock.token}")
    print(f"Test controls under {mock.url}/__mock__/. Stop with Ctrl-C.", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        mock.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
