"""After fork(), parent and child never share a pooled connection: each gets the answer to
its own question (gunicorn preload_app, celery prefork, multiprocessing with fork)."""

from __future__ import annotations

import json
import multiprocessing
import os
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterator, Optional

import pytest

import talkover
from support import MAX_WAIT, TT_TOKEN

pytestmark = [
    pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork"),
    # Python 3.12+ warns about fork() in a process that has threads; that is the point here.
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
]

ASSISTANT_PATH = re.compile(r"^/api/assistants/([^/?]+)$")


class EchoHandler(BaseHTTPRequestHandler):
    """Keep-alive HTTP/1.1: `GET /api/assistants/X` answers the assistant with id X."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    timeout = MAX_WAIT

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass

    def do_GET(self) -> None:  # noqa: N802
        match = ASSISTANT_PATH.match(self.path)
        body = json.dumps({"assistant": {"id": match.group(1) if match else "?"}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def echo_url() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), EchoHandler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=MAX_WAIT)


def ask_many(client: talkover.Talkturo, prefix: str, count: int) -> list[tuple[str, str]]:
    """(asked, answered) for `count` requests."""
    answers = []
    for i in range(count):
        asked = f"{prefix}-{i}"
        answers.append((asked, client.assistants.retrieve(asked).id))
    return answers


def test_parent_and_child_after_os_fork(echo_url: str) -> None:
    client = talkover.Talkturo(TT_TOKEN, base_url=echo_url, timeout=MAX_WAIT)
    assert client.assistants.retrieve("warm-up").id == "warm-up"  # a pooled connection now

    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report through the pipe, never return into pytest
        status = 1
        try:
            os.close(read_end)
            answers = ask_many(client, "child", 30)
            os.write(write_end, json.dumps(answers).encode())
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    parent_answers = ask_many(client, "parent", 30)
    with os.fdopen(read_end, "rb") as pipe:
        child_output = pipe.read()
    _, status = os.waitpid(pid, 0)

    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, "the child failed"
    child_answers = [tuple(pair) for pair in json.loads(child_output)]
    assert [asked for asked, got in parent_answers if asked != got] == []
    assert [asked for asked, got in child_answers if asked != got] == []
    assert client.assistants.retrieve("after").id == "after", "the parent's client still works"


_shared: Optional[talkover.Talkturo] = None


def _worker_asks(task: int) -> tuple[str, str]:
    assert _shared is not None
    asked = f"worker-{os.getpid()}-{task}"
    return asked, _shared.assistants.retrieve(asked).id


def test_multiprocessing_fork_pool(echo_url: str) -> None:
    global _shared
    _shared = talkover.Talkturo(TT_TOKEN, base_url=echo_url, timeout=MAX_WAIT)
    assert _shared.assistants.retrieve("warm-up").id == "warm-up"
    try:
        context = multiprocessing.get_context("fork")
        with context.Pool(4) as pool:
            answers = pool.map(_worker_asks, range(48), chunksize=1)
        crossed = [(asked, got) for asked, got in answers if asked != got]
        assert crossed == []
        assert len({asked.rsplit("-", 1)[0] for asked, _ in answers}) >= 2, "more than one worker served"
        assert _shared.assistants.retrieve("parent-after").id == "parent-after"
    finally:
        _shared = None
