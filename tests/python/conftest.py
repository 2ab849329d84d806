"""Fixtures: ``server`` (a recording, scripted HTTP server on 127.0.0.1, see support.py),
``client`` (Talkover) and ``tt`` (Talkturo) pointed at it, ``mock`` (the bundled,
spec-driven mock of talkover.testing, for tests that want realistic, stateful answers
rather than exact hand-written bytes), and a clean environment."""

from __future__ import annotations

from typing import Iterator

import pytest

import talkover
import talkover.testing
from support import ENV_VARS, TOKEN, TT_TOKEN, RecordingServer, start_server


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test depends on the developer's environment variables (tokens, URLs, proxies)."""
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def server() -> Iterator[RecordingServer]:
    handle, stop = start_server()
    try:
        yield handle
    finally:
        stop()


@pytest.fixture
def client(server: RecordingServer) -> talkover.Talkover:
    return talkover.Talkover(TOKEN, base_url=server.url)


@pytest.fixture
def tt(server: RecordingServer) -> talkover.Talkturo:
    return talkover.Talkturo(TT_TOKEN, base_url=server.url)


@pytest.fixture
def mock() -> Iterator[talkover.testing.MockServer]:
    with talkover.testing.MockServer() as bundled:
        yield bundled
