"""The examples of the public Python API (the README's quickstart; the contract in
docs/architecture.md), as written, checked on both sides: what the client parsed and what
the server received."""

from __future__ import annotations

import copy
from typing import Any

import pytest

import talkover
import talkover.testing
from documented import (
    ASSISTANT_200,
    ASSISTANTS_PATH,
    CALL_2,
    CREATE_ASSISTANT_REQUEST,
    HEALTH_PATH,
    LIST_CALLS_200,
    LIST_CALLS_500,
    LIST_CALLS_PATH,
    MAKE_CALL_200,
    MAKE_CALL_PATH,
    MAKE_CALL_REQUEST,
    UPSERT_200,
    UPSERT_PATH,
    UPSERT_REQUEST_HOLD,
    UPSERT_REQUEST_TRANSFER,
    UPSERT_REQUEST_WEBHOOK,
    calls_page,
)
from support import TOKEN, TT_TOKEN, ReceivedRequest, RecordingServer


def assert_sdk_headers(request: ReceivedRequest, token: str = TOKEN, *, has_body: bool) -> None:
    assert request.headers["Authorization"] == f"Bearer {token}"
    assert "application/json" in request.headers["Accept"]
    assert request.headers["User-Agent"].startswith("talkover-python/")
    if has_body:
        assert request.headers["Content-Type"].split(";")[0].strip() == "application/json"


# --- calls.create -----------------------------------------------------------------------------


def test_calls_create_as_in_the_contract(client: talkover.Talkover, server: RecordingServer) -> None:
    server.respond("POST", MAKE_CALL_PATH, json=MAKE_CALL_200)

    call = client.calls.create(
        "agent_123456",
        to="+1234567890",
        payload={"customer_name": "John Doe"},
        context={"user_id": "u1"},
        delay_seconds=0,
        is_testing=True,
    )

    assert isinstance(call, talkover.Call)
    assert (call.id, call.status, call.to, call.created_at) == (
        "call_789012",
        "initiated",
        "+1234567890",
        "2024-01-15T10:30:00Z",
    )
    assert call.agent_id == "agent_123456"
    request = server.last
    assert request.method == "POST"
    assert request.path == MAKE_CALL_PATH
    assert request.query_string == ""
    assert request.json == {
        "to": "+1234567890",
        "payload": {"customer_name": "John Doe"},
        "context": {"user_id": "u1"},
        "delay_seconds": 0,
        "is_testing": True,
    }
    assert_sdk_headers(request, has_body=True)


@pytest.mark.parametrize(
    ("kwargs", "expected_body"),
    [
        pytest.param(MAKE_CALL_REQUEST, MAKE_CALL_REQUEST, id="documented-full"),
        pytest.param({"to": "+1234567890"}, {"to": "+1234567890"}, id="documented-minimal"),
        pytest.param(
            {"to": "+1234567890", "payload": None, "context": None, "delay_seconds": None, "is_testing": None},
            {"to": "+1234567890"},
            id="explicit-None-is-left-out",
        ),
        pytest.param(
            {"to": "+1234567890", "is_testing": False, "delay_seconds": 0, "payload": {}},
            {"to": "+1234567890", "is_testing": False, "delay_seconds": 0, "payload": {}},
            id="falsy-values-are-sent",
        ),
        pytest.param(
            {"to": "+1234567890", "payload": {"nested": {"list": [1, 2.5, "x", None, True]}, "tuple": (1, 2)}},
            {"to": "+1234567890", "payload": {"nested": {"list": [1, 2.5, "x", None, True]}, "tuple": [1, 2]}},
            id="free-form-json",
        ),
    ],
)
def test_calls_create_sends_exactly_the_given_arguments(
    client: talkover.Talkover, server: RecordingServer, kwargs: dict[str, Any], expected_body: dict[str, Any]
) -> None:
    server.respond("POST", MAKE_CALL_PATH, json=MAKE_CALL_200)

    client.calls.create("agent_123456", **kwargs)

    request = server.last
    assert request.json == expected_body
    for name in {"payload", "context", "delay_seconds", "is_testing"} - set(expected_body):
        assert name not in request.json, f"{name} must be left out, not sent as null"


def test_path_params_are_positional_and_the_rest_keyword_only(client: talkover.Talkover, server: RecordingServer) -> None:
    # Called through Any: the stubs already refuse these calls, which is the point of the test.
    calls: Any = client.calls
    with pytest.raises(TypeError):
        calls.create("agent_123456", "+1234567890")
    with pytest.raises(TypeError):
        calls.list("completed")
    assert server.requests == []


# --- calls.list -------------------------------------------------------------------------------


def test_calls_list_as_in_the_contract(client: talkover.Talkover, server: RecordingServer) -> None:
    server.respond("GET", LIST_CALLS_PATH, json=LIST_CALLS_200)

    page = client.calls.list(status="completed", date_from="2024-01-01", per_page=50)

    request = server.last
    assert request.method == "GET"
    assert request.path == LIST_CALLS_PATH
    assert request.query == {"status": ["completed"], "date_from": ["2024-01-01"], "per_page": ["50"]}
    assert request.body == b""
    assert_sdk_headers(request, has_body=False)

    assert isinstance(page, talkover.ListCallsPage)
    assert page.success is True
    assert [c.id for c in page.data] == ["call-uuid-1", "call-uuid-2"]
    assert all(isinstance(c, talkover.Call) for c in page.data)
    pagination = page.pagination
    assert isinstance(pagination, talkover.CallPagination)
    assert pagination.last_page == 5
    assert (pagination.current_page, pagination.per_page, pagination.total) == (1, 20, 100)
    assert (pagination.from_, pagination.to) == (1, 20)
    first = page.data[0]
    assert first.from_ == "+0987654321"
    assert (first.sid, first.direction, first.status, first.duration) == ("call_sid_123", "outbound", "completed", 120)
    assert first.agent is not None and first.agent.name == "Sales Agent"
    assert page.data[1].status == "answered"
    assert page.has_next_page() is True


def test_calls_list_sends_every_filter_and_nothing_else(client: talkover.Talkover, server: RecordingServer) -> None:
    server.respond("GET", LIST_CALLS_PATH, json=LIST_CALLS_200)

    client.calls.list(
        status="no-answer",
        direction="inbound",
        agent_id="agent-uuid-1",
        date_from="2024-01-01",
        date_to="2024-01-31",
        search="call_sid_123",
        per_page=100,
        page=3,
    )

    assert server.last.query == {
        "status": ["no-answer"],
        "direction": ["inbound"],
        "agent_id": ["agent-uuid-1"],
        "date_from": ["2024-01-01"],
        "date_to": ["2024-01-31"],
        "search": ["call_sid_123"],
        "per_page": ["100"],
        "page": ["3"],
    }


def test_calls_list_without_filters_sends_no_query(client: talkover.Talkover, server: RecordingServer) -> None:
    server.respond("GET", LIST_CALLS_PATH, json=LIST_CALLS_200)

    client.calls.list()

    assert server.last.query_string == ""


def place_calls(mock: talkover.testing.MockServer, count: int) -> list[str]:
    """Places ``count`` calls on the bundled mock (status initiated); their ids, newest first."""
    client = mock.client(talkover.Talkover)
    ids = [client.calls.create("agent_123456", to=f"+1555000{i:04d}").id for i in range(count)]
    mock.clear_requests()
    return ids[::-1]


# Pages come from the bundled mock, whose pagination fields are computed from its records,
# as the API's are, rather than written by hand.


def test_next_page_fetches_the_following_page_then_none(mock: talkover.testing.MockServer) -> None:
    a, b, c = place_calls(mock, 3)

    first = mock.client(talkover.Talkover).calls.list(status="initiated", per_page=2)
    assert first.has_next_page() is True
    second = first.next_page()

    assert second is not None
    assert [call.id for call in second.data] == [c]
    assert second.pagination.current_page == 2
    assert second.has_next_page() is False
    assert second.next_page() is None
    assert [r.query for r in mock.requests()] == [
        {"status": ["initiated"], "per_page": ["2"]},
        {"status": ["initiated"], "per_page": ["2"], "page": ["2"]},
    ]
    # The first page object is unchanged by fetching the next one.
    assert [call.id for call in first.data] == [a, b]


def test_iterating_walks_every_page(mock: talkover.testing.MockServer) -> None:
    placed = place_calls(mock, 5)

    ids = []
    for c in mock.client(talkover.Talkover).calls.list(status="initiated", per_page=2):
        assert isinstance(c, talkover.Call)
        ids.append(c.id)

    assert ids == placed
    requests = mock.requests()
    assert [r.query.get("page") for r in requests] == [None, ["2"], ["3"]]
    assert all(r.query["status"] == ["initiated"] for r in requests)


def test_iterating_stops_on_an_empty_page(client: talkover.Talkover, server: RecordingServer) -> None:
    # A server whose pagination contradicts itself: hand-written pages.
    server.respond("GET", LIST_CALLS_PATH, json=calls_page(["c1", "c2"], current=1, last=5))
    server.respond("GET", LIST_CALLS_PATH, json=calls_page([], current=2, last=5))
    # Would be fetched only if the iterator ignored the empty page.
    server.respond("GET", LIST_CALLS_PATH, json=calls_page(["c5"], current=3, last=5))

    ids = [c.id for c in client.calls.list()]

    assert ids == ["c1", "c2"]
    assert len(server.requests) == 2


def test_iterating_a_single_page_sends_one_request(mock: talkover.testing.MockServer) -> None:
    page = mock.client(talkover.Talkover).calls.list(status="completed")

    assert page.has_next_page() is False
    assert [c.id for c in page] == ["call-uuid-1"]
    assert page.next_page() is None
    assert len(mock.requests()) == 1


def test_iterating_raises_the_error_of_a_failed_page(mock: talkover.testing.MockServer) -> None:
    page = mock.client(talkover.Talkover, max_retries=0).calls.list(per_page=1)  # the two seeded calls, one per page
    mock.fail_next(500, method="GET", path=LIST_CALLS_PATH)  # one 500: no retries here

    seen = []
    with pytest.raises(talkover.InternalServerError) as caught:
        for c in page:
            seen.append(c.id)
    assert seen == ["call-uuid-2"]
    assert caught.value.body == LIST_CALLS_500


# --- agents.actions.upsert --------------------------------------------------------------------


def test_actions_upsert_as_in_the_contract(client: talkover.Talkover, server: RecordingServer) -> None:
    server.respond("POST", UPSERT_PATH, json=UPSERT_200)

    action = client.agents.actions.upsert(
        "agent-uuid",
        node_id="n1",
        name="Schedule Meeting",
        description="...",
        type="webhook",
        inputs=[{"name": "date", "type": "string", "required": True}],
        url="https://api.example.com/schedule",
    )

    request = server.last
    assert (request.method, request.path) == ("POST", UPSERT_PATH)
    assert request.json == {
        "node_id": "n1",
        "name": "Schedule Meeting",
        "description": "...",
        "type": "webhook",
        "inputs": [{"name": "date", "type": "string", "required": True}],
        "url": "https://api.example.com/schedule",
    }
    assert_sdk_headers(request, has_body=True)

    assert isinstance(action, talkover.Action)
    assert action.id == "action-uuid-1"
    assert action.type == "webhook"
    assert action.input_schema is not None
    assert isinstance(action.input_schema[0], talkover.ActionInput)
    assert action.input_schema[0].name == "date"
    assert (action.input_schema[0].type, action.input_schema[0].required) == ("string", True)
    assert [i.name for i in action.input_schema] == ["date", "time"]
    assert action.config is None and action.action_trigger is None
    assert action.url == "https://api.example.com/schedule"
    assert action.current_status == "active"


@pytest.mark.parametrize(
    "documented",
    [
        pytest.param(UPSERT_REQUEST_WEBHOOK, id="webhook"),
        pytest.param(UPSERT_REQUEST_TRANSFER, id="transfer"),
        pytest.param(UPSERT_REQUEST_HOLD, id="hold"),
    ],
)
def test_actions_upsert_sends_the_documented_requests_unchanged(
    client: talkover.Talkover, server: RecordingServer, documented: dict[str, Any]
) -> None:
    server.respond("POST", UPSERT_PATH, json=UPSERT_200)

    client.agents.actions.upsert("agent-uuid", **documented)

    assert server.last.json == documented


def test_models_from_a_response_can_be_sent_back(client: talkover.Talkover, server: RecordingServer) -> None:
    server.respond("POST", UPSERT_PATH, json=UPSERT_200, times=2)
    action = client.agents.actions.upsert(
        "agent-uuid", node_id="n1", name="Schedule Meeting", description="d", type="webhook"
    )
    assert action.input_schema is not None

    # The stub's `list[ActionInput | dict]` is invariant, so mypy refuses `action.input_schema`
    # (a `list[ActionInput]`) as is; the runtime accepts it.
    inputs: list[talkover.ActionInput | dict[str, Any]] = list(action.input_schema)
    client.agents.actions.upsert(
        "agent-uuid", node_id="n1", name="Schedule Meeting", description="d", type="webhook", inputs=inputs
    )

    assert server.requests[1].json["inputs"] == UPSERT_200["data"]["input_schema"]


# --- health.check -----------------------------------------------------------------------------


def test_health_check_returns_a_dict(client: talkover.Talkover, server: RecordingServer) -> None:
    body = {"status": "ok", "version": "1.2.3", "checks": {"db": True, "latency_ms": [1, 2.5]}}
    server.respond("GET", HEALTH_PATH, json=body)

    result = client.health.check()

    assert type(result) is dict
    assert result == body
    request = server.last
    assert (request.method, request.path, request.query_string, request.body) == ("GET", HEALTH_PATH, "", b"")
    assert_sdk_headers(request, has_body=False)


# --- Talkturo ---------------------------------------------------------------------------------


def test_talkturo_assistants_create_uses_wire_names(tt: talkover.Talkturo, server: RecordingServer) -> None:
    server.respond("POST", ASSISTANTS_PATH, json=ASSISTANT_200)

    assistant = tt.assistants.create(account_slug="my-team", name="Q1 Outbound Setter", template_id="outbound-setter")

    request = server.last
    assert (request.method, request.path) == ("POST", ASSISTANTS_PATH)
    assert request.json == CREATE_ASSISTANT_REQUEST
    assert_sdk_headers(request, TT_TOKEN, has_body=True)

    assert isinstance(assistant, talkover.TalkturoAssistant)  # unwrapped from {"success", "assistant"}
    assert assistant.id == "asst_01j..."
    assert (assistant.name, assistant.type, assistant.model) == ("Q1 Outbound Setter", "outbound-setter", "gpt-4o-mini")
    assert assistant.temperature == pytest.approx(0.7)
    assert assistant.max_tokens == 1024
    assert assistant.voice_provider == "cartesia"
    assert assistant.recording_enabled is None


def test_talkturo_assistants_create_minimal_as_in_the_contract(tt: talkover.Talkturo, server: RecordingServer) -> None:
    server.respond("POST", ASSISTANTS_PATH, json=ASSISTANT_200)

    tt.assistants.create(account_slug="my-team", name="Support Agent")

    assert server.last.json == {"accountSlug": "my-team", "name": "Support Agent"}


def test_talkturo_assistants_retrieve(tt: talkover.Talkturo, server: RecordingServer) -> None:
    server.respond("POST", ASSISTANTS_PATH, json=ASSISTANT_200)
    server.respond("GET", ASSISTANTS_PATH + "/asst_01j...", json=ASSISTANT_200)

    a = tt.assistants.create(account_slug="my-team", name="Support Agent")
    again = tt.assistants.retrieve(a.id)

    request = server.requests[1]
    assert (request.method, request.path, request.body) == ("GET", "/api/assistants/asst_01j...", b"")
    assert_sdk_headers(request, TT_TOKEN, has_body=False)
    assert isinstance(again, talkover.TalkturoAssistant)
    assert again == a


def test_list_items_without_optional_fields(client: talkover.Talkover, server: RecordingServer) -> None:
    minimal = {"id": "c", "to": "+1234567890", "status": "failed", "created_at": "2024-01-01T00:00:00Z"}
    body = copy.deepcopy(LIST_CALLS_200)
    body["data"] = [minimal, CALL_2]
    server.respond("GET", LIST_CALLS_PATH, json=body)

    call = client.calls.list().data[0]

    assert (call.agent_id, call.sid, call.from_, call.direction, call.duration, call.agent) == (None,) * 6
    assert call.is_testing is None and call.updated_at is None
