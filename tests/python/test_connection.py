"""Failures below HTTP: refused connections, timeouts, and answers that are not HTTP."""

from __future__ import annotations

import socket
import threading
import time
from typing import Iterator

import pytest

import talkover
import talkover.testing
from documented import HEALTH_PATH, LIST_CALLS_200, LIST_CALLS_PATH, MAKE_CALL_PATH
from support import MAX_WAIT, TOKEN, RecordingServer, closed_port


def test_closed_port_is_a_connection_error() -> None:
    client = talkover.Talkover(TOKEN, base_url=f"http://127.0.0.1:{closed_port()}", timeout=2)

    with pytest.raises(talkover.APIConnectionError) as caught:
        client.health.check()

    assert not isinstance(caught.value, talkover.APITimeoutError)
    assert isinstance(caught.value, talkover.APIError)
    assert caught.value.message


def test_slow_answer_is_a_timeout(server: RecordingServer) -> None:
    server.respond("GET", HEALTH_PATH, json={"ok": True}, delay=2.0)
    client = talkover.Talkover(TOKEN, base_url=server.url, timeout=0.3, max_retries=0)

    started = time.monotonic()
    with pytest.raises(talkover.APITimeoutError) as caught:
        client.health.check()
    elapsed = time.monotonic() - started

    assert isinstance(caught.value, talkover.APIConnectionError)
    assert elapsed < 1.5, f"the 0.3 s timeout took {elapsed:.2f} s"


def test_a_timed_out_make_call_is_not_resent(mock: talkover.testing.MockServer) -> None:
    """It may have reached the server: re-sending would place a second real call."""
    mock.fail_next(delay=1.0, method="POST", path=MAKE_CALL_PATH)
    client = mock.client(talkover.Talkover, timeout=0.3)

    with pytest.raises(talkover.APITimeoutError):
        client.calls.create("agent_123456", to="+1234567890")

    assert len(mock.requests()) == 1
    # It had reached the mock, which placed the call and only answered late.
    assert mock.client(talkover.Talkover).calls.list(status="initiated").pagination.total == 1


def test_the_client_works_after_a_timeout(server: RecordingServer) -> None:
    server.respond("GET", HEALTH_PATH, json={"ok": True}, delay=1.0)
    server.respond("GET", HEALTH_PATH, json={"second": True})
    client = talkover.Talkover(TOKEN, base_url=server.url, timeout=0.3, max_retries=0)

    with pytest.raises(talkover.APITimeoutError):
        client.health.check()

    assert client.health.check() == {"second": True}


def test_many_requests_on_one_client(client: talkover.Talkover, server: RecordingServer) -> None:
    """Bodies are read to the end, so pooled keep-alive connections stay usable."""
    for i in range(20):
        server.respond("GET", LIST_CALLS_PATH, json=LIST_CALLS_200)
        server.respond("GET", HEALTH_PATH, status=404 if i % 2 else 200, json={"i": i})

    for i in range(20):
        assert len(client.calls.list().data) == 2
        if i % 2:
            with pytest.raises(talkover.NotFoundError):
                client.health.check()
        else:
            assert client.health.check() == {"i": i}

    assert len(server.requests) == 40


@pytest.fixture
def raw_server() -> Iterator[tuple[str, list[bytes]]]:
    """A TCP server whose answers are given raw: each connection gets the next queued answer."""
    answers: list[bytes] = []
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.1)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(MAX_WAIT)
                try:
                    conn.recv(65536)
                    if answers:
                        conn.sendall(answers.pop(0))
                except OSError:
                    pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}", answers
    finally:
        stop.set()
        thread.join(timeout=MAX_WAIT)
        listener.close()


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param(b"", id="closed-without-answer"),
        pytest.param(b"garbage\r\n\r\n", id="not-http"),
        pytest.param(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"ok\":", id="body-cut-short"),
        pytest.param(b"HTTP/1.1 abc Nope\r\n\r\n", id="bad-status-line"),
    ],
)
def test_broken_answers_are_connection_errors(raw_server: tuple[str, list[bytes]], answer: bytes) -> None:
    url, answers = raw_server
    answers.extend([answer] * 3)
    client = talkover.Talkover(TOKEN, base_url=url, timeout=2)

    with pytest.raises(talkover.APIConnectionError):
        client.health.check()
