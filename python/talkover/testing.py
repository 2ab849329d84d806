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
    """

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self._native = _MockServer(host, port)

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
        """Every request received so far, oldest first."""
        return [RecordedRequest(**entry) for entry in json.loads(self._native.requests())]

    def clear_requests(self) -> None:
        self._native.clear_requests()

    def clear_faults(self) -> None:
        self._native.clear_faults()

    def reset(self) -> None:
        """Forgets every environment, queued fault and recorded request."""
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


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m talkover.testing``: serve until interrupted."""
    parser = argparse.ArgumentParser(
        prog="python -m talkover.testing",
        description="Run the bundled Talkover/Talkturo mock server.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=4010, help="port (0 picks a free one)")
    args = parser.parse_args(argv)
    try:
        mock = MockServer(host=args.host, port=args.port)
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
