"""The token never shows: not in the repr of a client or resource, not in any exception
(configuration, validation, connection, timeout, API status, bad response), not in models
or pages."""

from __future__ import annotations

import pickle
from typing import Callable

import pytest

import talkover
from documented import (
    ASSISTANT_200,
    ASSISTANTS_PATH,
    HEALTH_PATH,
    LIST_CALLS_200,
    LIST_CALLS_PATH,
    MAKE_CALL_200,
    MAKE_CALL_PATH,
    UPSERT_200,
    UPSERT_PATH,
)
from support import RecordingServer, closed_port

SECRET = "talq_SUPERSECRET_9f8e7d"
TT_SECRET = "tt_SUPERSECRET_1a2b3c"
FRAGMENT = "SUPERSECRET"


def texts(value: object) -> list[str]:
    """Every rendering of a value a log line or traceback could show."""
    rendered = [str(value), repr(value)]
    if isinstance(value, BaseException):
        rendered += [repr(arg) for arg in value.args]
        rendered += [repr(v) for v in vars(value).values()]
        rendered += list(getattr(value, "__notes__", []))
    return rendered


def assert_no_secret(value: object) -> None:
    for text in texts(value):
        assert FRAGMENT not in text, text


@pytest.fixture
def secret_client(server: RecordingServer) -> talkover.Talkover:
    return talkover.Talkover(SECRET, base_url=server.url)


@pytest.fixture
def secret_tt(server: RecordingServer) -> talkover.Talkturo:
    return talkover.Talkturo(TT_SECRET, base_url=server.url)


def test_clients_and_resources(secret_client: talkover.Talkover, secret_tt: talkover.Talkturo, server: RecordingServer) -> None:
    for value in (
        secret_client,
        secret_client.calls,
        secret_client.agents,
        secret_client.agents.actions,
        secret_client.health,
        secret_tt,
        secret_tt.assistants,
    ):
        assert_no_secret(value)
    assert repr(secret_client).startswith("Talkover(")
    assert server.url in repr(secret_client)
    assert repr(secret_tt).startswith("Talkturo(")


def test_clients_from_the_environment(server: RecordingServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TALKOVER_TOKEN", SECRET)
    assert_no_secret(talkover.Talkover(base_url=server.url))


def test_models_and_pages(secret_client: talkover.Talkover, secret_tt: talkover.Talkturo, server: RecordingServer) -> None:
    server.respond("POST", MAKE_CALL_PATH, json=MAKE_CALL_200)
    server.respond("GET", LIST_CALLS_PATH, json=LIST_CALLS_200)
    server.respond("POST", UPSERT_PATH, json=UPSERT_200)
    server.respond("POST", ASSISTANTS_PATH, json=ASSISTANT_200)

    call = secret_client.calls.create("agent_123456", to="+1234567890")
    page = secret_client.calls.list()
    action = secret_client.agents.actions.upsert(
        "agent-uuid", node_id="n1", name="Schedule Meeting", description="d", type="webhook"
    )
    assistant = secret_tt.assistants.create(account_slug="my-team", name="Support Agent")

    for value in (call, page, page.pagination, page.data[0], page.data[0].agent, iter(page), action, assistant):
        assert_no_secret(value)


ErrorMaker = Callable[[RecordingServer], BaseException]


def _raised(call: Callable[[], object]) -> BaseException:
    with pytest.raises(talkover.TalkoverError) as caught:
        call()
    return caught.value


def _api_status(server: RecordingServer) -> BaseException:
    server.respond("GET", HEALTH_PATH, status=401, json={"error": "UNAUTHORIZED", "message": "Invalid token"})
    return _raised(talkover.Talkover(SECRET, base_url=server.url).health.check)


def _non_json(server: RecordingServer) -> BaseException:
    server.respond("GET", HEALTH_PATH, status=502, body=b"<html>Bad gateway</html>")
    return _raised(talkover.Talkover(SECRET, base_url=server.url).health.check)


def _response_validation(server: RecordingServer) -> BaseException:
    server.respond("POST", MAKE_CALL_PATH, json={"success": True, "data": {}})
    client = talkover.Talkover(SECRET, base_url=server.url)
    return _raised(lambda: client.calls.create("agent_123456", to="+1234567890"))


def _connection(server: RecordingServer) -> BaseException:
    client = talkover.Talkover(SECRET, base_url=f"http://127.0.0.1:{closed_port()}", timeout=2)
    return _raised(client.health.check)


def _timeout(server: RecordingServer) -> BaseException:
    server.respond("GET", HEALTH_PATH, json={"ok": True}, delay=1.0)
    return _raised(talkover.Talkover(SECRET, base_url=server.url, timeout=0.2).health.check)


def _configuration_bad_url(server: RecordingServer) -> BaseException:
    return _raised(lambda: talkover.Talkover(SECRET, base_url="ftp://x"))


def _configuration_bad_token(server: RecordingServer) -> BaseException:
    return _raised(lambda: talkover.Talkover(SECRET + "\r\nX-Evil: 1", base_url=server.url))


def _configuration_bad_timeout(server: RecordingServer) -> BaseException:
    return _raised(lambda: talkover.Talkover(SECRET, base_url=server.url, timeout=-1))


def _configuration_talkturo(server: RecordingServer) -> BaseException:
    return _raised(lambda: talkover.Talkturo(TT_SECRET))


@pytest.mark.parametrize(
    "make_error",
    [
        _api_status,
        _non_json,
        _response_validation,
        _connection,
        _timeout,
        _configuration_bad_url,
        _configuration_bad_token,
        _configuration_bad_timeout,
        _configuration_talkturo,
    ],
)
def test_exceptions(server: RecordingServer, make_error: ErrorMaker) -> None:
    error = make_error(server)

    assert isinstance(error, talkover.TalkoverError)
    assert_no_secret(error)


def test_a_validation_error_may_echo_the_bad_value_but_not_the_token(server: RecordingServer) -> None:
    """The value given for `to` is echoed (it is the caller's argument); the token is not."""
    client = talkover.Talkover(SECRET, base_url=server.url)
    error = _raised(lambda: client.calls.create("agent_123456", to="1234567890"))

    assert isinstance(error, talkover.RequestValidationError)
    assert_no_secret(error)
    assert server.requests == []


def test_a_token_echoed_by_the_server_is_redacted(server: RecordingServer) -> None:
    """A server that echoes the token back must not put it into str(e), the body or headers."""
    client = talkover.Talkover(SECRET, base_url=server.url, default_headers={"X-Api-Key": "hdr_SUPERSECRET_42"})
    server.respond(
        "GET",
        HEALTH_PATH,
        status=401,
        json={
            "error": {
                "code": "INVALID_API_KEY",
                "message": f"token Bearer {SECRET} is invalid (key hdr_SUPERSECRET_42)",
                "details": {"token": SECRET, "seen": [SECRET]},
            },
            "errors": {"token": [f"{SECRET} is unknown"]},
        },
        headers={"X-Echo": f"Bearer {SECRET}", "WWW-Authenticate": f'Bearer error="{SECRET}"'},
    )

    error = _raised(client.health.check)

    assert isinstance(error, talkover.AuthenticationError)
    assert error.code == "INVALID_API_KEY"
    assert "[redacted]" in error.message
    assert_no_secret(error)
    assert FRAGMENT not in repr(error.body) + repr(error.headers) + repr(error.details) + repr(error.errors)
    assert FRAGMENT not in pickle.dumps(error).decode("latin-1")


def test_a_token_echoed_in_a_body_that_does_not_parse_is_redacted(server: RecordingServer) -> None:
    client = talkover.Talkover(SECRET, base_url=server.url)
    server.respond("GET", HEALTH_PATH, status=502, body=f"<html>bad token {SECRET}</html>".encode())
    server.respond("GET", LIST_CALLS_PATH, json={"oops": SECRET})

    assert_no_secret(_raised(client.health.check))
    assert_no_secret(_raised(client.calls.list))


def test_a_long_argument_is_quoted_short(server: RecordingServer) -> None:
    """A 100 KB `to` used to give a 100 KB message."""
    client = talkover.Talkover(SECRET, base_url=server.url)

    error = _raised(lambda: client.calls.create("agent_123456", to="1" * 100_000))

    assert isinstance(error, talkover.RequestValidationError)
    assert len(str(error)) < 300, str(error)
    assert "100000 characters" in str(error)
