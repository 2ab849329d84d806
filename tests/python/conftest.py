"""Fixtures: ``server`` (a recording, scripted HTTP server on 127.0.0.1, see support.py),
``client`` (Talkover) and ``tt`` (Talkturo) pointed at it, and a clean environment."""

from __future__ import annotations

from typing import Iterator

import pytest

import talkover
from support import ENV_VARS, TOKEN, TT_TOKEN, MockServer, start_server


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test depends on the developer's environment variables (tokens, URLs, proxies)."""
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def server() -> Iterator[MockServer]:
    handle, stop = start_server()
    try:
        yield handle
    finally:
        stop()


@pytest.fixture
def client(server: MockServer) -> talkover.Talkover:
    return talkover.Talkover(TOKEN, base_url=server.url)


@pytest.fixture
def tt(server: MockServer) -> talkover.Talkturo:
    return talkover.Talkturo(TT_TOKEN, base_url=server.url)
