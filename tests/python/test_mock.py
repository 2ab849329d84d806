"""The bundled mock (talkover.testing) from Python: the SDK against it, checked on both sides,
what the client parsed and what ``mock.requests()`` recorded. Validation, records, filters and
pages, faults, tokens, the command line, threads, the bounds that keep the mock small
(connections, timeouts, the log) and its per-token rate limiting.

The mock starts every token's environment from the specs' seed records: published agents
agent_123456, 550e8400-e29b-41d4-a716-446655440000, agent-uuid-1, agent-uuid-2, the draft
agent_draft, and the calls call-uuid-1 (outbound, completed, 2024-01-01T00:00:00Z) and
call-uuid-2 (inbound, answered, 2024-01-01T01:00:00Z). Lists are newest first.

Clients here are built with ``max_retries=0``: each test is about what the mock answers to one
request; the SDK's retries are tested in test_retries.py.
"""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

import talkover
from documented import (
    HEALTH_401_UNAUTHORIZED,
    LIST_CALLS_401,
    LIST_CALLS_422,
    LIST_CALLS_500,
    LIST_CALLS_PATH,
    MAKE_CALL_400,
    MAKE_CALL_401,
    MAKE_CALL_402,
    MAKE_CALL_404,
    MAKE_CALL_429,
    MAKE_CALL_PATH,
    TT_401,
    TT_403,
    UPSERT_401,
    UPSERT_403,
    UPSERT_404,
    UPSERT_422,
    UPSERT_500,
)
from support import CAMPAIGN, mock_server_process
from talkover.testing import MockServer, RecordedRequest

SEEDED_CALLS = ["call-uuid-2", "call-uuid-1"]  # newest first
MAKE_CALL_TEMPLATE = "/api/v1/agents/{agent_id}/call"
SPEC_DIR = Path(__file__).resolve().parents[2] / "spec"


def place_calls(client: talkover.Talkover, count: int, agent_id: str = "agent_123456") -> list[str]:
    """Places ``count`` calls to distinct numbers; returns their ids, oldest first."""
    return [client.calls.create(agent_id, to=f"+1555000{i:04d}", is_testing=True).id for i in range(count)]


def only(mock: MockServer) -> RecordedRequest:
    """The one request the mock received."""
    requests = mock.requests()
    assert len(requests) == 1, [(r.method, r.path) for r in requests]
    return requests[0]


def raw(mock: MockServer, method: str, path: str, body: Any = None) -> tuple[int, dict[str, str], Any]:
    """A request the SDK would not send, straight over HTTP: status, headers, JSON body."""
    return raw_at(mock.url, method, path, token=mock.token, body=body)


def raw_at(
    base: str, method: str, path: str, *, token: str | None = None, body: Any = None
) -> tuple[int, dict[str, str], Any]:
    """:func:`raw` to the server at ``base``, with ``token`` (or none)."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method)
    if token is not None:
        request.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=10) as response:
            status, headers, text = response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        status, headers, text = error.code, dict(error.headers), error.read()
    return status, headers, json.loads(text) if text else None


# --- validation: the documented answers, through the SDK with validate=False ----------------


def test_a_number_not_in_e164_is_the_documented_400(mock: MockServer) -> None:
    client = mock.client(talkover.Talkover, max_retries=0, validate=False)

    with pytest.raises(talkover.BadRequestError) as caught:
        client.calls.create("agent_123456", to="1234567890")

    error = caught.value
    assert (error.status_code, error.code) == (400, "INVALID_PHONE_NUMBER")
    assert error.message == "Phone number must be in international format (e.g., +1234567890)"
    assert error.details == {"field": "to", "value": "1234567890"}
    assert error.body == MAKE_CALL_400
    request = only(mock)
    assert (request.method, request.path, request.query) == ("POST", MAKE_CALL_PATH, {})
    assert request.body == {"to": "1234567890"}
    assert (request.operation, request.status, request.fault) == ("makeCall", 400, False)


def test_an_unknown_status_filter_is_the_documented_422(mock: MockServer) -> None:
    client = mock.client(talkover.Talkover, max_retries=0, validate=False)

    with pytest.raises(talkover.UnprocessableEntityError) as caught:
        client.calls.list(status="bogus")  # type: ignore[arg-type]

    error = caught.value
    assert error.status_code == 422
    assert error.errors == {"status": ["The selected status is invalid."]}
    assert error.message == LIST_CALLS_422["message"]
    request = only(mock)
    assert (request.method, request.path, request.query, request.body) == (
        "GET",
        LIST_CALLS_PATH,
        {"status": ["bogus"]},
        None,
    )
    assert (request.operation, request.status) == ("listCalls", 422)


def test_every_rejected_query_parameter_is_listed(mock: MockServer) -> None:
    client = mock.client(talkover.Talkover, max_retries=0, validate=False)

    with pytest.raises(talkover.UnprocessableEntityError) as caught:
        client.calls.list(page=0, per_page=101, date_from="2024-13-01", direction="sideways")  # type: ignore[arg-type]

    assert caught.value.errors == {
        "page": ["The page field must be at least 1."],
        "per_page": ["The per page field must be at most 100."],
        "date_from": ["The date from must be a valid date."],
        "direction": ["The selected direction is invalid."],
    }


def test_a_field_without_its_own_code_is_a_validation_error(mock: MockServer) -> None:
    client = mock.client(talkover.Talkover, max_retries=0, validate=False)

    with pytest.raises(talkover.BadRequestError) as caught:
        client.calls.create("agent_123456", to="+1234567890", delay_seconds=3601)

    assert (caught.value.code, caught.value.details) == ("VALIDATION_ERROR", {"field": "delay_seconds", "value": 3601})


def test_a_missing_number_is_missing_phone_number(mock: MockServer) -> None:
    # The SDK cannot leave out `to`: sent over plain HTTP.
    status, _, body = raw(mock, "POST", MAKE_CALL_PATH, body={"is_testing": True})

    assert status == 400
    assert body["error"]["code"] == "MISSING_PHONE_NUMBER"
    assert body["error"]["details"] == {"field": "to", "value": None}


def test_with_validation_on_nothing_reaches_the_mock(mock: MockServer) -> None:
    with pytest.raises(talkover.RequestValidationError):
        mock.client(talkover.Talkover, max_retries=0).calls.create("agent_123456", to="1234567890")

    assert mock.requests() == []


# --- records the path names -----------------------------------------------------------------


def test_an_unknown_agent_is_the_documented_404(mock: MockServer) -> None:
    with pytest.raises(talkover.NotFoundError) as caught:
        mock.client(talkover.Talkover, max_retries=0).calls.create("agent_999999", to="+1234567890")

    assert (caught.value.code, caught.value.details) == ("AGENT_NOT_FOUND", {"agent_id": "agent_999999"})
    assert caught.value.body == MAKE_CALL_404
    assert only(mock).status == 404


def test_a_draft_agent_is_agent_inactive(mock: MockServer) -> None:
    with pytest.raises(talkover.BadRequestError) as caught:
        mock.client(talkover.Talkover, max_retries=0).calls.create("agent_draft", to="+1234567890")

    assert (caught.value.code, caught.value.details) == ("AGENT_INACTIVE", {"agent_id": "agent_draft"})


def test_actions_of_an_unknown_agent_are_the_documented_404(mock: MockServer) -> None:
    with pytest.raises(talkover.NotFoundError) as caught:
        mock.client(talkover.Talkover, max_retries=0).agents.actions.upsert("agent_999999", node_id="n1", name="n", description="d", type="hold")

    assert caught.value.body == UPSERT_404
    assert (caught.value.message, caught.value.code) == ("Agent not found", None)


@pytest.mark.parametrize(
    ("call", "documented"),
    [
        pytest.param(lambda c: c.calls.create("agent_123456", to="+1234567890"), MAKE_CALL_401, id="make-call"),
        pytest.param(lambda c: c.calls.list(), LIST_CALLS_401, id="list-calls"),
        pytest.param(
            lambda c: c.agents.actions.upsert("agent_123456", node_id="n1", name="n", description="d", type="hold"),
            UPSERT_401,
            id="upsert-action",
        ),
        pytest.param(lambda c: c.health.check(), HEALTH_401_UNAUTHORIZED, id="health"),
    ],
)
def test_a_token_without_talq_is_the_documented_401(
    mock: MockServer, call: Callable[[talkover.Talkover], object], documented: dict[str, Any]
) -> None:
    with pytest.raises(talkover.AuthenticationError) as caught:
        call(mock.client(talkover.Talkover, max_retries=0, token="sk_not_a_talkover_token"))

    assert caught.value.body == documented
    assert "sk_not_a_talkover_token" not in str(caught.value)
    assert only(mock).status == 401


# --- behaviour: calls -----------------------------------------------------------------------


def test_a_created_call_is_listed_first(mock: MockServer) -> None:
    client = mock.client(talkover.Talkover, max_retries=0)

    call = client.calls.create("agent_123456", to="+15550001111", payload={"name": "Ann"}, is_testing=True)
    page = client.calls.list(status="initiated")

    assert (call.agent_id, call.to, call.status, call.direction, call.is_testing) == (
        "agent_123456",
        "+15550001111",
        "initiated",
        "outbound",
        True,
    )
    assert call.id.startswith("call_") and call.created_at
    assert page.data[0].id == call.id
    assert page.data[0].direction == "outbound"
    assert page.data[0] == call
    assert [r.operation for r in mock.requests()] == ["makeCall", "listCalls"]
    assert mock.requests()[0].body == {"to": "+15550001111", "payload": {"name": "Ann"}, "is_testing": True}
    assert mock.requests()[1].query == {"status": ["initiated"]}


def test_the_seeded_calls_are_listed_newest_first(mock: MockServer) -> None:
    page = mock.client(talkover.Talkover, max_retries=0).calls.list()

    assert [c.id for c in page.data] == SEEDED_CALLS
    first = page.data[1]
    assert (first.sid, first.from_, first.direction, first.status, first.duration) == (
        "call_sid_123",
        "+0987654321",
        "outbound",
        "completed",
        120,
    )
    assert first.agent is not None and first.agent.id == "agent-uuid-1"


FILTERS: dict[str, tuple[dict[str, Any], list[str]]] = {
    # Over the two seeded calls and one call placed (outbound, initiated, today) by
    # agent_123456 to +15550000000, listed as "new".
    "status": ({"status": "completed"}, ["call-uuid-1"]),
    "status-of-the-new-call": ({"status": "initiated"}, ["new"]),
    "direction-inbound": ({"direction": "inbound"}, ["call-uuid-2"]),
    "direction-outbound": ({"direction": "outbound"}, ["new", "call-uuid-1"]),
    "agent_id-nested-agent": ({"agent_id": "agent-uuid-2"}, ["call-uuid-2"]),
    "agent_id-of-the-new-call": ({"agent_id": "agent_123456"}, ["new"]),
    "date_from": ({"date_from": "2024-01-02"}, ["new"]),
    "date_to": ({"date_to": "2024-01-01"}, ["call-uuid-2", "call-uuid-1"]),
    "date-range-of-one-day": ({"date_from": "2024-01-01", "date_to": "2024-01-01"}, ["call-uuid-2", "call-uuid-1"]),
    "date-range-before-everything": ({"date_from": "2023-01-01", "date_to": "2023-12-31"}, []),
    "search-to": ({"search": "+1987"}, ["call-uuid-2"]),
    "search-from": ({"search": "0987654321"}, ["call-uuid-2", "call-uuid-1"]),
    "search-sid": ({"search": "call_sid_123"}, ["call-uuid-1"]),
    "search-the-new-number": ({"search": "+15550000000"}, ["new"]),
    "filters-combine": ({"direction": "outbound", "status": "completed", "search": "+1234"}, ["call-uuid-1"]),
    "nothing-matches": ({"status": "busy"}, []),
}


@pytest.mark.parametrize(("filters", "expected"), list(FILTERS.values()), ids=list(FILTERS))
def test_list_filters(mock: MockServer, filters: dict[str, Any], expected: list[str]) -> None:
    client = mock.client(talkover.Talkover, max_retries=0)
    [new] = place_calls(client, 1)
    mock.clear_requests()

    page = client.calls.list(**filters)

    assert [c.id for c in page.data] == [new if i == "new" else i for i in expected]
    assert page.pagination.total == len(expected)
    assert only(mock).query == {name: [value] for name, value in filters.items()}


def test_pagination_fields(mock: MockServer) -> None:
    client = mock.client(talkover.Talkover, max_retries=0)
    placed = place_calls(client, 5)  # with the 2 seeded calls: 7, newest first
    newest_first = placed[::-1] + SEEDED_CALLS

    pages = [client.calls.list(per_page=3, page=n) for n in (1, 2, 3, 4)]

    assert [[c.id for c in p.data] for p in pages] == [newest_first[0:3], newest_first[3:6], newest_first[6:], []]
    paginations = [p.pagination for p in pages]
    fields = [(g.current_page, g.last_page, g.per_page, g.total, g.from_, g.to) for g in paginations]
    assert fields == [(1, 3, 3, 7, 1, 3), (2, 3, 3, 7, 4, 6), (3, 3, 3, 7, 7, 7), (4, 3, 3, 7, None, None)]
    assert [p.has_next_page() for p in pages] == [True, True, False, False]
    assert pages[0].pagination.to_dict() == {
        "current_page": 1,
        "last_page": 3,
        "per_page": 3,
        "total": 7,
        "from": 1,
        "to": 3,
    }
    assert client.calls.list().pagination.per_page == 20  # the spec's default


def test_iterating_yields_every_call_once(mock: MockServer) -> None:
    client = mock.client(talkover.Talkover, max_retries=0)
    placed = place_calls(client, 5)
    mock.clear_requests()

    ids = [c.id for c in client.calls.list(per_page=2)]

    assert ids == placed[::-1] + SEEDED_CALLS
    assert len(set(ids)) == 7
    assert [r.query for r in mock.requests()] == [
        {"per_page": ["2"]},
        {"per_page": ["2"], "page": ["2"]},
        {"per_page": ["2"], "page": ["3"]},
        {"per_page": ["2"], "page": ["4"]},
    ]


# --- behaviour: actions and assistants --------------------------------------------------------


def test_upsert_creates_then_updates_in_place_by_node_id(mock: MockServer) -> None:
    actions = mock.client(talkover.Talkover, max_retries=0).agents.actions

    created = actions.upsert(
        "agent_123456",
        node_id="n1",
        name="Schedule Meeting",
        description="Books a slot",
        type="webhook",
        inputs=[{"name": "date", "type": "string", "required": True}],
        url="https://api.example.com/schedule",
    )
    updated = actions.upsert("agent_123456", node_id="n1", name="Book", description="Books", type="webhook")
    other_node = actions.upsert("agent_123456", node_id="n2", name="Hold", description="Waits", type="hold")
    other_agent = actions.upsert("agent-uuid-1", node_id="n1", name="Hold", description="Waits", type="hold")

    assert created.id == updated.id
    assert (created.name, created.label, created.type) == ("Schedule Meeting", "Schedule Meeting", "webhook")
    assert created.input_schema is not None
    assert [i.to_dict() for i in created.input_schema] == [{"name": "date", "type": "string", "required": True}]
    assert created.url == "https://api.example.com/schedule"
    assert (updated.name, updated.label, updated.description) == ("Book", "Book", "Books")
    assert updated.created_at == created.created_at
    assert len({created.id, other_node.id, other_agent.id}) == 3
    assert [(r.operation, r.status, r.body["node_id"]) for r in mock.requests()] == [
        ("upsertAgentAction", 200, "n1"),
        ("upsertAgentAction", 200, "n1"),
        ("upsertAgentAction", 200, "n2"),
        ("upsertAgentAction", 200, "n1"),
    ]


def test_talkturo_create_then_retrieve(mock: MockServer) -> None:
    assistants = mock.client(talkover.Talkturo, max_retries=0).assistants

    plain = assistants.create(account_slug="my-team", name="Support Agent")
    templated = assistants.create(account_slug="my-team", name="Q1 Outbound Setter", template_id="outbound-setter")
    again = assistants.retrieve(templated.id)

    assert plain.id != templated.id
    assert (plain.name, plain.type) == ("Support Agent", "custom")  # the spec's default template
    assert (templated.name, templated.type) == ("Q1 Outbound Setter", "outbound-setter")
    assert again == templated
    with pytest.raises(talkover.NotFoundError):
        assistants.retrieve("asst_unknown")
    requests = mock.requests()
    assert [(r.method, r.path, r.operation, r.status) for r in requests] == [
        ("POST", "/api/assistants", "createAssistant", 200),
        ("POST", "/api/assistants", "createAssistant", 200),
        ("GET", f"/api/assistants/{templated.id}", "getAssistant", 200),
        ("GET", "/api/assistants/asst_unknown", "getAssistant", 404),
    ]
    assert requests[1].body == {"accountSlug": "my-team", "name": "Q1 Outbound Setter", "templateId": "outbound-setter"}


# --- tokens and state -------------------------------------------------------------------------


def test_each_token_is_an_environment_of_its_own(mock: MockServer) -> None:
    mine = mock.client(talkover.Talkover, max_retries=0)
    [call] = place_calls(mine, 1)
    assistant = mock.client(talkover.Talkturo, max_retries=0).assistants.create(account_slug="my-team", name="Support Agent")

    other_token = MockServer.new_token()
    other = mock.client(talkover.Talkover, max_retries=0, token=other_token)

    assert [c.id for c in mine.calls.list().data] == [call, *SEEDED_CALLS]
    assert [c.id for c in other.calls.list().data] == SEEDED_CALLS
    with pytest.raises(talkover.NotFoundError):
        mock.client(talkover.Talkturo, token=other_token).assistants.retrieve(assistant.id)
    assert other_token.startswith("talq_") and other_token not in {mock.token, MockServer.new_token()}


def test_reset_forgets_records_faults_and_requests(mock: MockServer) -> None:
    client = mock.client(talkover.Talkover, max_retries=0)
    place_calls(client, 2)
    mock.fail_next(503)

    mock.reset()

    assert mock.requests() == []
    assert [c.id for c in client.calls.list().data] == SEEDED_CALLS  # and no 503
    assert [(r.status, r.fault) for r in mock.requests()] == [(200, False)]


def test_clear_requests_and_clear_faults(mock: MockServer) -> None:
    client = mock.client(talkover.Talkover, max_retries=0)
    client.health.check()
    mock.fail_next(503)

    mock.clear_requests()
    mock.clear_faults()

    assert mock.requests() == []
    assert client.health.check() == {}
    assert [(r.operation, r.status, r.fault) for r in mock.requests()] == [("getHealth", 200, False)]


def test_the_token_is_never_recorded(mock: MockServer) -> None:
    client = mock.client(talkover.Talkover, max_retries=0)
    place_calls(client, 1)
    client.calls.list()
    mock.client(talkover.Talkturo, max_retries=0).assistants.create(account_slug="my-team", name="Support Agent")
    mock.fail_next(drop_connection=True)
    with pytest.raises(talkover.APIConnectionError):
        client.health.check()

    requests = mock.requests()

    assert len(requests) == 4
    assert {r.headers["authorization"] for r in requests} == {"Bearer [redacted]"}
    for text in (repr(requests), str(requests), repr(mock), str(mock)):
        assert mock.token not in text
        assert mock.token[len("talq_") :] not in text


# --- faults -----------------------------------------------------------------------------------


def test_429_with_retry_after(mock: MockServer) -> None:
    mock.fail_next(429, headers={"Retry-After": "2"})

    with pytest.raises(talkover.RateLimitError) as caught:
        mock.client(talkover.Talkover, max_retries=0).calls.create("agent_123456", to="+1234567890")

    error = caught.value
    assert error.status_code == 429
    assert error.retry_after == 2.0  # the header wins over the body's details.retry_after
    assert error.code == "RATE_LIMIT_EXCEEDED"
    assert error.body == MAKE_CALL_429
    assert error.headers["retry-after"] == "2"
    request = only(mock)
    assert (request.operation, request.status, request.fault) == ("makeCall", 429, True)


def test_503(mock: MockServer) -> None:
    mock.fail_next(503)

    with pytest.raises(talkover.InternalServerError) as caught:
        mock.client(talkover.Talkover, max_retries=0).calls.create("agent_123456", to="+1234567890")

    assert caught.value.status_code == 503
    assert (only(mock).status, only(mock).fault) == (503, True)


#: A call each queued status is tried on, given a Talkover and a Talkturo client.
Call = Callable[[talkover.Talkover, talkover.Talkturo], object]


def _make_call(c: talkover.Talkover, t: talkover.Talkturo) -> object:
    return c.calls.create("agent_123456", to="+1234567890")


def _list_calls(c: talkover.Talkover, t: talkover.Talkturo) -> object:
    return c.calls.list()


def _upsert_action(c: talkover.Talkover, t: talkover.Talkturo) -> object:
    return c.agents.actions.upsert("agent_123456", node_id="n", name="n", description="d", type="hold")


def _create_assistant(c: talkover.Talkover, t: talkover.Talkturo) -> object:
    return t.assistants.create(account_slug="my-team", name="Support Agent")


def _retrieve_assistant(c: talkover.Talkover, t: talkover.Talkturo) -> object:
    return t.assistants.retrieve("asst_1")


@pytest.mark.parametrize(
    ("status", "call", "cls", "documented"),
    [
        pytest.param(402, _make_call, talkover.PaymentRequiredError, MAKE_CALL_402, id="make-call-402"),
        pytest.param(400, _make_call, talkover.BadRequestError, MAKE_CALL_400, id="make-call-400"),
        pytest.param(422, _list_calls, talkover.UnprocessableEntityError, LIST_CALLS_422, id="list-422"),
        pytest.param(500, _list_calls, talkover.InternalServerError, LIST_CALLS_500, id="list-500"),
        pytest.param(403, _upsert_action, talkover.PermissionDeniedError, UPSERT_403, id="upsert-403"),
        pytest.param(422, _upsert_action, talkover.UnprocessableEntityError, UPSERT_422, id="upsert-422"),
        pytest.param(500, _upsert_action, talkover.InternalServerError, UPSERT_500, id="upsert-500"),
        pytest.param(401, _create_assistant, talkover.AuthenticationError, TT_401, id="talkturo-create-401"),
        pytest.param(403, _retrieve_assistant, talkover.PermissionDeniedError, TT_403, id="talkturo-get-403"),
    ],
)
def test_a_queued_status_answers_with_the_documented_body(
    mock: MockServer,
    status: int,
    call: Call,
    cls: type[talkover.APIStatusError],
    documented: dict[str, Any],
) -> None:
    mock.fail_next(status)

    with pytest.raises(talkover.APIStatusError) as caught:
        call(mock.client(talkover.Talkover, max_retries=0), mock.client(talkover.Talkturo, max_retries=0))

    assert type(caught.value) is cls
    assert caught.value.body == documented


def test_a_delay_longer_than_the_timeout_is_a_timeout(mock: MockServer) -> None:
    mock.fail_next(delay=2.0)

    with pytest.raises(talkover.APITimeoutError):
        mock.client(talkover.Talkover, max_retries=0, timeout=0.3).health.check()

    assert only(mock).fault is True


def test_a_delay_shorter_than_the_timeout_answers_normally(mock: MockServer) -> None:
    mock.fail_next(delay=0.2)

    call = mock.client(talkover.Talkover, max_retries=0, timeout=10).calls.create("agent_123456", to="+1234567890")

    assert call.status == "initiated"
    assert (only(mock).status, only(mock).fault) == (200, True)


def test_a_dropped_connection(mock: MockServer) -> None:
    mock.fail_next(drop_connection=True)

    with pytest.raises(talkover.APIConnectionError) as caught:
        mock.client(talkover.Talkover, max_retries=0).calls.create("agent_123456", to="+1234567890")

    assert type(caught.value) is talkover.APIConnectionError  # not a timeout
    request = only(mock)
    assert (request.operation, request.status, request.fault) == ("makeCall", None, True)


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda c: c.calls.create("agent_123456", to="+1234567890"), id="make-call"),
        pytest.param(lambda c: c.calls.list(), id="list-calls"),
    ],
)
def test_a_truncated_body_is_a_connection_error(mock: MockServer, call: Callable[[talkover.Talkover], object]) -> None:
    # The headers announce the whole body and the connection closes after half of it: the
    # client sees a connection that broke, not a complete answer it could not parse.
    mock.fail_next(truncate=True)

    with pytest.raises(talkover.APIConnectionError) as caught:
        call(mock.client(talkover.Talkover, max_retries=0))

    assert type(caught.value) is talkover.APIConnectionError
    assert (only(mock).status, only(mock).fault) == (200, True)


def test_an_html_502(mock: MockServer) -> None:
    page = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
    mock.fail_next(502, body=page)

    with pytest.raises(talkover.InternalServerError) as caught:
        mock.client(talkover.Talkover, max_retries=0).calls.list()

    error = caught.value
    assert error.status_code == 502
    assert error.message.startswith("HTTP 502")
    assert error.body == page
    assert error.headers["content-type"].startswith("text/html")
    assert (error.code, error.details, error.errors) == (None, None, {})


def test_times(mock: MockServer) -> None:
    client = mock.client(talkover.Talkover, max_retries=0)
    mock.fail_next(503, times=2)

    for _ in range(2):
        with pytest.raises(talkover.InternalServerError):
            client.health.check()
    assert client.health.check() == {}

    assert [(r.status, r.fault) for r in mock.requests()] == [(503, True), (503, True), (200, False)]


@pytest.mark.parametrize("path", [MAKE_CALL_PATH, MAKE_CALL_TEMPLATE], ids=["as-sent", "template"])
def test_a_fault_waits_for_its_method_and_path(mock: MockServer, path: str) -> None:
    client = mock.client(talkover.Talkover, max_retries=0)
    mock.fail_next(503, method="POST", path=path)

    client.health.check()
    client.calls.list()
    with pytest.raises(talkover.InternalServerError):
        client.calls.create("agent_123456", to="+1234567890")
    client.calls.create("agent_123456", to="+1234567890")

    assert [(r.operation, r.status, r.fault) for r in mock.requests()] == [
        ("getHealth", 200, False),
        ("listCalls", 200, False),
        ("makeCall", 503, True),
        ("makeCall", 200, False),
    ]


def test_a_path_as_sent_matches_only_that_path(mock: MockServer) -> None:
    client = mock.client(talkover.Talkover, max_retries=0)
    mock.fail_next(503, path=MAKE_CALL_PATH)  # agent_123456's
    mock.fail_next(502, method="GET", path=MAKE_CALL_PATH)  # never matches: make call is a POST

    client.calls.create("agent-uuid-1", to="+1234567890")
    with pytest.raises(talkover.InternalServerError) as caught:
        client.calls.create("agent_123456", to="+1234567890")

    assert caught.value.status_code == 503
    assert [(r.path, r.status) for r in mock.requests()] == [
        ("/api/v1/agents/agent-uuid-1/call", 200),
        (MAKE_CALL_PATH, 503),
    ]


@pytest.mark.parametrize(
    "fault",
    [
        pytest.param({"times": 0}, id="times-0"),
        pytest.param({"status": 99}, id="status-99"),
        pytest.param({"status": 600}, id="status-600"),
        pytest.param({"drop_connection": True, "status": 500}, id="drop-and-status"),
        pytest.param({"drop_connection": True, "truncate": True}, id="drop-and-truncate"),
        pytest.param({"delay": -1.0}, id="negative-delay"),
        pytest.param({"body": {"x": 1}}, id="body-without-status"),
        pytest.param({"status": 500, "headers": {"Bad Name": "x"}}, id="bad-header-name"),
        pytest.param({"status": 500, "headers": {"X-A": "a\r\nX-B: b"}}, id="header-injection"),
        pytest.param({"status": 101}, id="status-1xx"),
        pytest.param({"status": 200, "headers": {"Content-Length": "1000"}}, id="framing-header"),
        pytest.param({"delay": float("nan")}, id="delay-nan"),
        pytest.param({"delay": float("inf")}, id="delay-inf"),
        pytest.param({"method": ""}, id="empty-method"),
        pytest.param({"path": "api/v1/calls"}, id="relative-path"),
    ],
)
def test_a_fault_that_contradicts_itself_is_a_value_error(mock: MockServer, fault: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        mock.fail_next(**fault)

    assert mock.client(talkover.Talkover, max_retries=0).health.check() == {}  # nothing was queued
    assert only(mock).fault is False


# --- the HTTP controls (for tests written in other languages) -------------------------------


def test_controls_over_http(mock: MockServer) -> None:
    client = mock.client(talkover.Talkover, max_retries=0)
    status, _, _ = raw(mock, "POST", "/__mock__/faults", body={"status": 503, "path": LIST_CALLS_PATH})
    assert status == 201

    with pytest.raises(talkover.InternalServerError):
        client.calls.list()

    status, _, log = raw(mock, "GET", "/__mock__/requests")
    assert status == 200
    assert [(entry["path"], entry["status"], entry["fault"]) for entry in log] == [(LIST_CALLS_PATH, 503, True)]
    assert raw(mock, "POST", "/__mock__/faults", body={"times": 0})[0] == 400
    assert raw(mock, "POST", "/__mock__/reset")[0] == 204
    assert mock.requests() == []


# --- python -m talkover.testing ---------------------------------------------------------------


def test_the_command_line_server() -> None:
    with mock_server_process([sys.executable, "-m", "talkover.testing"]) as (process, url, token):
        assert token.startswith("talq_")
        client = talkover.Talkover(token, base_url=url)
        call = client.calls.create("agent_123456", to="+1234567890", is_testing=True)
        assert client.calls.list(status="initiated").data[0].id == call.id

        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
    with pytest.raises(talkover.APIConnectionError):  # stopped, and the port is free
        talkover.Talkover(token, base_url=url, timeout=2).health.check()


# --- threads ----------------------------------------------------------------------------------


def test_threads_share_one_client(mock: MockServer) -> None:
    client = mock.client(talkover.Talkover, max_retries=0)
    numbers = [f"+1555000{i:04d}" for i in range(24)]

    def work(number: str) -> tuple[str, list[str]]:
        call = client.calls.create("agent_123456", to=number, is_testing=True)
        client.health.check()
        return call.id, [c.id for c in client.calls.list(search=number).data]

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(work, numbers))

    assert all(found == [placed] for placed, found in results), results
    assert len({placed for placed, _ in results}) == len(numbers)
    assert client.calls.list(status="initiated", per_page=100).pagination.total == len(numbers)
    statuses = [(r.operation, r.status) for r in mock.requests()]
    assert len(statuses) == 3 * len(numbers) + 1
    assert all(status == 200 for _, status in statuses)


# --- integers and methods ---------------------------------------------------------------------


def test_integers_are_64_bit_in_a_query_and_in_a_body(mock: MockServer) -> None:
    """The SDK holds integers in 64 bits, and so does the mock: the largest is accepted, one
    more is refused the same way in a query and in a body (the spec, like the docs, gives
    ``page`` and ``hold_duration`` no upper bound)."""
    action = {"node_id": "n1", "name": "Hold", "description": "Waits", "type": "hold"}
    too_big = "The {} field must be between -9223372036854775808 and 9223372036854775807."
    for value, status in ((2**63 - 1, 200), (2**63, 422), (2**64, 422)):
        answer = raw(mock, "GET", f"{LIST_CALLS_PATH}?page={value}")
        assert answer[0] == status, value
        if status == 422:
            assert answer[2]["errors"] == {"page": [too_big.format("page")]}
        answer = raw(mock, "POST", "/api/v1/agents/agent_123456/actions", body={**action, "hold_duration": value})
        assert answer[0] == status, value
        if status == 422:
            assert answer[2]["errors"] == {"hold_duration": [too_big.format("hold duration")]}


def test_an_undeclared_method_on_a_known_path_is_405(mock: MockServer) -> None:
    answers = {
        (method, path): raw(mock, method, path)[:2]
        for method, path in [("DELETE", LIST_CALLS_PATH), ("GET", MAKE_CALL_PATH), ("PUT", "/api/assistants/asst_1")]
    }

    assert {key: status for key, (status, _) in answers.items()} == {key: 405 for key in answers}
    assert [headers.get("Allow") for _, headers in answers.values()] == ["GET", "POST", "GET, DELETE, PATCH"]


def test_array_items_are_checked_one_by_one(mock: MockServer) -> None:
    client = mock.client(talkover.Talkover, max_retries=0, validate=False)

    with pytest.raises(talkover.UnprocessableEntityError) as caught:
        client.campaigns.create(**{**CAMPAIGN, "days_of_week": [1, 8]})

    assert list(caught.value.errors) == ["days_of_week.1"]
    assert only(mock).status == 422


def test_a_required_body_must_be_sent(mock: MockServer) -> None:
    status, _, body = raw(mock, "PUT", "/api/v1/sip-trunks/trunk-uuid-1")

    assert status == 422
    assert body["errors"] == {"body": ["The request body is required."]}


# --- bounds: connections, timeouts, the request log -------------------------------------------


def _threads() -> int:
    """The threads of this process, the mock's included."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("Threads:"):
                return int(line.split()[1])
    raise AssertionError("no Threads: line")


def _address(mock: MockServer) -> tuple[str, int]:
    host, port = mock.url.removeprefix("http://").rsplit(":", 1)
    return host, int(port)


def _open(mock: MockServer) -> socket.socket:
    return socket.create_connection(_address(mock), timeout=10)


def _until_closed(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    received = b""
    with sock:
        while chunk := sock.recv(65536):
            received += chunk
    return received


def _loopback(url: str) -> str:
    """The loopback URL of a server listening on every interface (``http://0.0.0.0:4010``)."""
    return "http://127.0.0.1:" + url.rsplit(":", 1)[1]


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="counts threads in /proc")
def test_connections_over_the_cap_get_a_503_and_no_thread() -> None:
    cap = 32
    with MockServer(max_connections=cap, idle_timeout=600) as mock:
        before = _threads()
        held = [_open(mock) for _ in range(300)]
        # The first `cap` were accepted onto threads of their own; every later one is refused.
        for sock in held[cap:]:
            answer = _until_closed(sock)
            assert answer.startswith(b"HTTP/1.1 503 "), answer
            assert b"\r\nConnection: close\r\n" in answer
            assert b"limit of 32 open connections" in answer
        assert _threads() <= before + cap + 8

        status, _, body = raw(mock, "GET", "/api/v1/health")
        assert status == 503 and "max_connections" in body["message"]  # the cap is still full

        for sock in held[:cap]:
            sock.close()
        deadline = time.monotonic() + 10  # the held connections' threads notice the close
        while raw(mock, "GET", "/api/v1/health")[0] != 200:
            assert time.monotonic() < deadline
            time.sleep(0.02)
        assert mock.client(talkover.Talkover, max_retries=0).health.check() == {}
        assert {r.status for r in mock.requests()} == {200}


def test_an_idle_connection_is_closed_after_the_idle_timeout() -> None:
    with MockServer(idle_timeout=0.3) as mock:
        sock = _open(mock)
        sock.sendall(f"GET /api/v1/health HTTP/1.1\r\nHost: mock\r\nAuthorization: Bearer {mock.token}\r\n\r\n".encode())
        started = time.monotonic()
        answer = _until_closed(sock)
        assert answer.startswith(b"HTTP/1.1 200 ") and b"Connection: close" not in answer
        assert time.monotonic() - started >= 0.3


def test_a_request_stalled_half_sent_gets_a_408() -> None:
    with MockServer(read_timeout=0.3) as mock:
        sock = _open(mock)
        sock.sendall(b"POST /api/v1/agents/agent_123456/call HTTP/1.1\r\nContent-Length: 40\r\n\r\n{")
        answer = _until_closed(sock)
        assert answer.startswith(b"HTTP/1.1 408 ") and b"\r\nConnection: close\r\n" in answer
        assert mock.requests() == []


def test_a_delay_fault_outlasts_short_timeouts() -> None:
    with MockServer(idle_timeout=0.1, read_timeout=0.1) as mock:
        mock.fail_next(delay=0.5)
        started = time.monotonic()
        assert mock.client(talkover.Talkover, max_retries=0).health.check() == {}
        assert time.monotonic() - started >= 0.5


def test_the_log_keeps_the_last_requests_and_shortens_long_bodies() -> None:
    with MockServer(max_logged_requests=3, max_logged_body=256) as mock:
        client = mock.client(talkover.Talkover, max_retries=0)
        for per_page in range(1, 5):
            client.calls.list(per_page=per_page)
        notes = "n" * 5000
        client.calls.create("agent_123456", to="+1234567890", payload={"notes": notes})

        requests = mock.requests()

        assert [r.query.get("per_page") for r in requests] == [["3"], ["4"], None]
        sent = json.dumps({"to": "+1234567890", "payload": {"notes": notes}}, separators=(",", ":"))
        assert requests[2].body == sent[:256] + f"…[shortened by the mock: 256 of {len(sent)} bytes shown]"
        shortened = requests[0].response  # a page of two calls
        assert isinstance(shortened, str) and shortened.startswith("{")
        assert "…[shortened by the mock: 256 of " in shortened and shortened.endswith(" bytes shown]")


def test_clearing_the_log_gives_its_memory_back(mock: MockServer) -> None:
    client = mock.client(talkover.Talkover, max_retries=0)
    for _ in range(8):
        client.calls.create("agent_123456", to="+1234567890", payload={"notes": "n" * (1024 * 1024)})

    held = mock.request_log_bytes()
    assert 8 * 64 * 1024 <= held < 8 * (64 + 4) * 1024  # bodies are kept up to 64 KiB

    mock.clear_requests()
    assert (mock.request_log_bytes(), mock.requests()) == (0, [])
    client.health.check()
    assert mock.request_log_bytes() > 0
    mock.reset()
    assert mock.request_log_bytes() == 0


def test_the_log_is_not_served_on_a_non_loopback_address_unless_exposed() -> None:
    with MockServer(host="0.0.0.0") as mock:
        url = _loopback(mock.url)
        assert raw_at(url, "GET", "/api/v1/health", token=mock.token)[0] == 200
        status, _, body = raw_at(url, "GET", "/__mock__/requests")
        assert status == 403
        assert "--expose-request-log" in body["message"] and "expose_request_log=True" in body["message"]
        assert [r.path for r in mock.requests()] == ["/api/v1/health"]  # Python reads it directly

    with MockServer(host="0.0.0.0", expose_request_log=True) as mock:
        url = _loopback(mock.url)
        raw_at(url, "GET", "/api/v1/health", token=mock.token)
        status, _, log = raw_at(url, "GET", "/__mock__/requests")
        assert status == 200 and [entry["path"] for entry in log] == ["/api/v1/health"]


@pytest.mark.parametrize(
    "options",
    [
        {"max_connections": 0},
        {"max_connections": -1},
        {"idle_timeout": 0},
        {"read_timeout": float("nan")},
        {"max_logged_requests": 1.5},
        {"rate_limit_per_minute": -1},
        {"rate_limit_per_minute": 2**32},
        {"rate_limit_per_minute": True},
    ],
)
def test_bounds_that_cannot_work_are_a_value_error(options: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        MockServer(**options)


# --- rate limiting ----------------------------------------------------------------------------


def test_every_answer_counts_down_its_own_tokens_window(mock: MockServer) -> None:
    other = MockServer.new_token()
    before = int(time.time())

    answers = [raw_at(mock.url, "GET", LIST_CALLS_PATH, token=t) for t in (mock.token, mock.token, other, mock.token)]

    assert [status for status, _, _ in answers] == [200] * 4
    assert [headers["X-RateLimit-Remaining"] for _, headers, _ in answers] == ["999", "998", "999", "997"]
    assert {headers["X-RateLimit-Limit"] for _, headers, _ in answers} == {"1000"}
    for _, headers, _ in answers:
        assert before + 59 <= int(headers["X-RateLimit-Reset"]) <= int(time.time()) + 61
    assert "X-RateLimit-Limit" not in raw(mock, "GET", "/__mock__/requests")[1]  # controls are not counted


def test_a_request_over_the_limit_gets_the_documented_429() -> None:
    with MockServer(rate_limit_per_minute=2) as mock:
        client = mock.client(talkover.Talkover, max_retries=0)
        client.calls.create("agent_123456", to="+1234567890")
        client.calls.create("agent_123456", to="+1234567890")

        status, headers, body = raw(mock, "POST", MAKE_CALL_PATH, body={"to": "+1234567890"})

        assert status == 429
        retry_after = int(headers["Retry-After"])
        assert 1 <= retry_after <= 60
        assert (headers["X-RateLimit-Limit"], headers["X-RateLimit-Remaining"]) == ("2", "0")
        assert body == {
            "error": {
                "code": "RATE_LIMIT_EXCEEDED",
                "message": MAKE_CALL_429["error"]["message"],
                "details": {"retry_after": retry_after},
            }
        }
        other = mock.client(talkover.Talkover, max_retries=0, token=MockServer.new_token())
        assert other.health.check() == {}  # another token has its own window
        assert [(r.status, r.fault) for r in mock.requests()] == [(200, False)] * 2 + [(429, False), (200, False)]
        assert mock.rate_limit_per_minute == 2

        mock.set_rate_limit_per_minute(None)
        page = client.calls.list(status="initiated")
        assert page.pagination.total == 2  # the refused call was never made


def test_the_rate_limit_over_http(mock: MockServer) -> None:
    assert raw(mock, "POST", "/__mock__/rate-limit", body={"per_minute": 1})[:3:2] == (200, {"per_minute": 1})
    assert raw(mock, "GET", "/__mock__/rate-limit")[2] == {"per_minute": 1}
    assert mock.rate_limit_per_minute == 1
    assert raw(mock, "GET", "/api/v1/health")[0] == 200
    assert raw(mock, "GET", "/api/v1/health")[0] == 429

    raw(mock, "POST", "/__mock__/rate-limit", body={"per_minute": 1})  # every window starts afresh
    assert raw(mock, "GET", "/api/v1/health")[0] == 200
    assert raw(mock, "POST", "/__mock__/rate-limit", body={"per_minute": "1"})[0] == 400
    assert raw(mock, "POST", "/__mock__/rate-limit", body={"per_minute": None})[0] == 200
    status, headers, _ = raw(mock, "GET", "/api/v1/health")
    assert (status, headers["X-RateLimit-Limit"]) == (200, "1000")
    assert mock.rate_limit_per_minute is None


@contextmanager
def _command_line(*args: str) -> Iterator[tuple[str, str]]:
    """Runs ``python -m talkover.testing`` with ``args``; yields its URL and token."""
    process = subprocess.Popen(
        [sys.executable, "-m", "talkover.testing", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    watchdog = threading.Timer(30, process.kill)  # bounds the reads below
    watchdog.start()
    try:
        assert process.stdout is not None
        listening = process.stdout.readline().strip()
        token = process.stdout.readline().strip().removeprefix("Token: ")
        assert listening.startswith("Mock server listening on "), process.communicate()[1]
        yield listening.removeprefix("Mock server listening on "), token
    finally:
        watchdog.cancel()
        process.kill()
        process.wait()


def test_the_command_line_rate_limit_and_request_log_flags() -> None:
    with _command_line("--host", "0.0.0.0", "--rate-limit-per-minute", "1") as (url, token):
        url = _loopback(url)
        assert raw_at(url, "GET", "/api/v1/health", token=token)[0] == 200
        status, headers, body = raw_at(url, "GET", "/api/v1/health", token=token)
        assert (status, headers["X-RateLimit-Limit"]) == (429, "1") and "Retry-After" in headers
        assert raw_at(url, "GET", "/__mock__/requests")[0] == 403

    with _command_line("--host", "0.0.0.0", "--expose-request-log") as (url, token):
        url = _loopback(url)
        raw_at(url, "GET", "/api/v1/health", token=token)
        status, _, log = raw_at(url, "GET", "/__mock__/requests")
        assert status == 200 and [entry["path"] for entry in log] == ["/api/v1/health"]


@pytest.mark.parametrize("value", ["-1", "many", "1.5"])
def test_the_command_line_refuses_a_bad_rate_limit(value: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "talkover.testing", "--rate-limit-per-minute", value],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 2 and "--rate-limit-per-minute" in done.stderr
