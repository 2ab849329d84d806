"""Query values, path parameters and base URLs arrive at the server as given."""

from __future__ import annotations

import pytest

import talkover
from documented import ASSISTANT_200, HEALTH_PATH, LIST_CALLS_200, LIST_CALLS_PATH, MAKE_CALL_200
from support import TOKEN, TT_TOKEN, RecordingServer


def test_plus_in_a_query_value_is_encoded(client: talkover.Talkover, server: RecordingServer) -> None:
    server.respond("GET", LIST_CALLS_PATH, json=LIST_CALLS_200)

    client.calls.list(search="+1234567890")

    request = server.last
    assert "search=%2B1234567890" in request.query_string
    assert request.query == {"search": ["+1234567890"]}


@pytest.mark.parametrize(
    "search",
    ["a b", "a&b=c", "100%", "x#y", "ü€", "a+b c", "?", ""],
)
def test_query_values_arrive_unchanged(client: talkover.Talkover, server: RecordingServer, search: str) -> None:
    server.respond("GET", LIST_CALLS_PATH, json=LIST_CALLS_200)

    client.calls.list(search=search, agent_id="agent")

    request = server.last
    assert request.path == LIST_CALLS_PATH
    assert request.query == {"search": [search], "agent_id": ["agent"]}


@pytest.mark.parametrize(
    ("agent_id", "encoded"),
    [
        ("a/b c", "a%2Fb%20c"),
        ("x?y#z", "x%3Fy%23z"),
        ("50%", "50%25"),
        ("agent_123456", "agent_123456"),
        ("a..b", "a..b"),
    ],
)
def test_path_params_are_percent_encoded(
    client: talkover.Talkover, server: RecordingServer, agent_id: str, encoded: str
) -> None:
    path = f"/api/v1/agents/{encoded}/call"
    server.respond("POST", path, json=MAKE_CALL_200)

    client.calls.create(agent_id, to="+1234567890")

    request = server.last
    assert request.path == path
    assert request.query_string == ""


@pytest.mark.parametrize("agent_id", [".", ".."])
def test_dot_segments_never_reach_the_server_as_such(
    client: talkover.Talkover, server: RecordingServer, agent_id: str
) -> None:
    """`/agents/../call` would be normalised into another endpoint: refuse or encode it."""
    server.respond("POST", "/api/v1/agents/%2E%2E/call", json=MAKE_CALL_200)
    server.respond("POST", "/api/v1/agents/%2E/call", json=MAKE_CALL_200)

    try:
        client.calls.create(agent_id, to="+1234567890")
    except talkover.RequestValidationError as error:
        assert error.field == "agent_id"
        assert server.requests == []
    else:
        segment = server.last.path.split("/")[4]
        assert segment not in {".", ".."}, server.last.path


def test_talkturo_path_param_is_percent_encoded(tt: talkover.Talkturo, server: RecordingServer) -> None:
    server.respond("GET", "/api/assistants/a%2Fb%20c", json=ASSISTANT_200)

    tt.assistants.retrieve("a/b c")

    assert server.last.path == "/api/assistants/a%2Fb%20c"


@pytest.mark.parametrize(
    ("suffix", "expected_path"),
    [
        ("", HEALTH_PATH),
        ("/", HEALTH_PATH),
        ("/proxy", "/proxy" + HEALTH_PATH),
        ("/proxy/", "/proxy" + HEALTH_PATH),
        ("/a/b", "/a/b" + HEALTH_PATH),
    ],
)
def test_base_url_prefix_is_kept(server: RecordingServer, suffix: str, expected_path: str) -> None:
    server.respond("GET", expected_path, json={"ok": True})
    client = talkover.Talkover(TOKEN, base_url=server.url + suffix)

    assert client.health.check() == {"ok": True}

    assert server.last.path == expected_path


def test_base_url_prefix_is_kept_with_a_query(server: RecordingServer) -> None:
    server.respond("GET", "/proxy" + LIST_CALLS_PATH, json=LIST_CALLS_200)
    client = talkover.Talkover(TOKEN, base_url=server.url + "/proxy/")

    client.calls.list(search="+1")

    assert server.last.path == "/proxy" + LIST_CALLS_PATH
    assert server.last.query == {"search": ["+1"]}


def test_talkturo_base_url_prefix_is_kept(server: RecordingServer) -> None:
    server.respond("POST", "/acme/api/assistants", json=ASSISTANT_200)
    tt = talkover.Talkturo(TT_TOKEN, base_url=server.url + "/acme/")

    tt.assistants.create(account_slug="my-team", name="Support Agent")

    assert server.last.path == "/acme/api/assistants"


def test_non_ascii_json_body_is_utf8(client: talkover.Talkover, server: RecordingServer) -> None:
    server.respond("POST", "/api/v1/agents/agent_123456/call", json=MAKE_CALL_200)

    client.calls.create("agent_123456", to="+1234567890", payload={"name": "Zoë 👋", "quote": '"\\'})

    request = server.last
    assert request.json == {"to": "+1234567890", "payload": {"name": "Zoë 👋", "quote": '"\\'}}
    assert request.headers["Content-Length"] == str(len(request.body))


@pytest.mark.parametrize("search", ["a" * 65514, "\u00e9" * 40000], ids=["ascii", "two-byte"])
def test_an_overlong_query_is_a_validation_error_not_a_panic(
    client: talkover.Talkover, server: RecordingServer, search: str
) -> None:
    """It raised pyo3's PanicException (a BaseException) from inside the HTTP library."""
    with pytest.raises(talkover.RequestValidationError) as caught:
        client.calls.list(search=search)

    assert caught.value.field == "search"
    assert len(str(caught.value)) < 300
    assert server.requests == []
