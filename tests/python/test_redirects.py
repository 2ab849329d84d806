"""Redirects: credentials (Authorization and every default header) go to the base URL's
origin only, an unsafe method is never turned into a GET, a body never goes to another
origin; what cannot be followed safely is raised with its status and Location."""

from __future__ import annotations

from typing import Iterator

import pytest

import talkover
from documented import HEALTH_PATH, MAKE_CALL_200, MAKE_CALL_PATH
from support import TOKEN, RecordingServer, start_server

SECRET_HEADERS = {"X-Api-Key": "key_abcdef123", "Proxy-Authorization": "Basic cHJveHk6c2VjcmV0"}


@pytest.fixture
def other() -> Iterator[RecordingServer]:
    """A second server: another origin (another port)."""
    handle, stop = start_server()
    try:
        yield handle
    finally:
        stop()


def test_a_same_origin_redirect_keeps_the_credentials(server: RecordingServer) -> None:
    server.respond("GET", HEALTH_PATH, status=302, headers={"Location": "/moved/health"})
    server.respond("GET", "/moved/health", json={"ok": True})
    client = talkover.Talkover(TOKEN, base_url=server.url, default_headers=SECRET_HEADERS)

    assert client.health.check() == {"ok": True}

    moved = server.requests[1]
    assert moved.path == "/moved/health"
    assert moved.headers["Authorization"] == f"Bearer {TOKEN}"
    assert moved.headers["X-Api-Key"] == SECRET_HEADERS["X-Api-Key"]


def test_credentials_never_follow_a_redirect_to_another_origin(server: RecordingServer, other: RecordingServer) -> None:
    server.respond("GET", HEALTH_PATH, status=301, headers={"Location": f"{other.url}/elsewhere"})
    other.respond("GET", "/elsewhere", json={"there": True})
    client = talkover.Talkover(TOKEN, base_url=server.url, default_headers=SECRET_HEADERS)

    assert client.health.check() == {"there": True}

    arrived = other.last
    for name in ("Authorization", "X-Api-Key", "Proxy-Authorization"):
        assert name not in arrived.headers, name


@pytest.mark.parametrize("status", [301, 302, 303])
def test_a_post_is_never_turned_into_a_get(server: RecordingServer, status: int) -> None:
    server.respond("POST", MAKE_CALL_PATH, status=status, headers={"Location": "/somewhere"})
    client = talkover.Talkover(TOKEN, base_url=server.url)

    with pytest.raises(talkover.APIStatusError) as caught:
        client.calls.create("agent_123456", to="+1234567890")

    assert caught.value.status_code == status
    assert caught.value.headers["location"] == "/somewhere"
    assert "/somewhere" in caught.value.message and "GET" in caught.value.message
    assert [(r.method, r.path) for r in server.requests] == [("POST", MAKE_CALL_PATH)]


@pytest.mark.parametrize("status", [307, 308])
def test_a_post_follows_307_and_308_with_its_body(server: RecordingServer, status: int) -> None:
    server.respond("POST", MAKE_CALL_PATH, status=status, headers={"Location": "/v2/call"})
    server.respond("POST", "/v2/call", json=MAKE_CALL_200)
    client = talkover.Talkover(TOKEN, base_url=server.url)

    client.calls.create("agent_123456", to="+1234567890")

    first, second = server.requests
    assert (second.method, second.path) == ("POST", "/v2/call")
    assert second.json == first.json == {"to": "+1234567890"}
    assert second.headers["Authorization"] == f"Bearer {TOKEN}"


def test_a_body_never_follows_a_redirect_to_another_origin(server: RecordingServer, other: RecordingServer) -> None:
    server.respond("POST", MAKE_CALL_PATH, status=307, headers={"Location": f"{other.url}/call"})
    client = talkover.Talkover(TOKEN, base_url=server.url)

    with pytest.raises(talkover.APIStatusError) as caught:
        client.calls.create("agent_123456", to="+1234567890")

    assert caught.value.status_code == 307
    assert other.requests == []


@pytest.mark.parametrize("location", ["ftp://example.com/x", "javascript:alert(1)", ""])
def test_odd_locations_are_raised(server: RecordingServer, location: str) -> None:
    server.respond("GET", HEALTH_PATH, status=302, headers={"Location": location})
    client = talkover.Talkover(TOKEN, base_url=server.url)

    with pytest.raises(talkover.APIStatusError) as caught:
        client.health.check()

    assert caught.value.status_code == 302
    assert len(server.requests) == 1


def test_a_redirect_loop_ends(server: RecordingServer) -> None:
    server.respond("GET", HEALTH_PATH, status=302, headers={"Location": HEALTH_PATH}, times=20)
    client = talkover.Talkover(TOKEN, base_url=server.url)

    with pytest.raises(talkover.APIError):
        client.health.check()

    assert len(server.requests) == 11
