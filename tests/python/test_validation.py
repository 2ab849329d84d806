"""Client-side validation: an argument that breaks a constraint of the spec raises
RequestValidationError naming the Python argument, and nothing is sent; with validate=False
the same calls are sent as given. Wrong Python types are refused cleanly, never with a panic.

What is sent goes to the bundled mock, which validates by the same specs: it must accept
every value the client lets through and refuse every one the client would have refused."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Optional

import pytest

import talkover
import talkover.testing
from support import CAMPAIGN, RecordingServer

Kwargs = dict[str, Any]

#: The required arguments of each operation, which a case's arguments override.
BASE: dict[str, Kwargs] = {
    "create": {"to": "+1234567890"},
    "list": {},
    "upsert": {"node_id": "n1", "name": "Schedule Meeting", "description": "d", "type": "webhook"},
    "tt_create": {"account_slug": "my-team", "name": "Support Agent"},
}


def invoke(op: str, client: talkover.Talkover, tt: talkover.Talkturo, kwargs: Kwargs) -> object:
    args = {**BASE[op], **kwargs}
    if op == "create":
        return client.calls.create("agent_123456", **args)
    if op == "list":
        return client.calls.list(**args)
    if op == "upsert":  # an agent of the mock's seed records
        return client.agents.actions.upsert("550e8400-e29b-41d4-a716-446655440000", **args)
    if op == "tt_create":
        return tt.assistants.create(**args)
    raise AssertionError(op)


@dataclass(frozen=True)
class Invalid:
    op: str
    kwargs: Kwargs
    #: RequestValidationError.field: the Python argument name.
    field: str
    #: Where the value lands on the wire when validation is off: ("json", key) or ("query", key).
    wire: Optional[tuple[str, str]] = None


INVALID = {
    # pattern
    "to-not-e164": Invalid("create", {"to": "1234567890"}, "to", ("json", "to")),
    "to-leading-zero": Invalid("create", {"to": "+0123456789"}, "to", ("json", "to")),
    "to-too-long": Invalid("create", {"to": "+1234567890123456"}, "to", ("json", "to")),
    "transfer_to-not-e164": Invalid("upsert", {"transfer_to": "12345"}, "transfer_to", ("json", "transfer_to")),
    # minimum / maximum
    "delay_seconds-3601": Invalid("create", {"delay_seconds": 3601}, "delay_seconds", ("json", "delay_seconds")),
    "delay_seconds--1": Invalid("create", {"delay_seconds": -1}, "delay_seconds", ("json", "delay_seconds")),
    "per_page-101": Invalid("list", {"per_page": 101}, "per_page", ("query", "per_page")),
    "per_page-0": Invalid("list", {"per_page": 0}, "per_page", ("query", "per_page")),
    "page-0": Invalid("list", {"page": 0}, "page", ("query", "page")),
    # enum
    "status-bogus": Invalid("list", {"status": "bogus"}, "status", ("query", "status")),
    "direction-bogus": Invalid("list", {"direction": "sideways"}, "direction", ("query", "direction")),
    "type-nonsense": Invalid("upsert", {"type": "nonsense"}, "type", ("json", "type")),
    "execution_mode-bogus": Invalid("upsert", {"execution_mode": "sometimes"}, "execution_mode", ("json", "execution_mode")),
    "authorization_scheme-bogus": Invalid(
        "upsert", {"authorization_scheme": "magic"}, "authorization_scheme", ("json", "authorization_scheme")
    ),
    "current_status-bogus": Invalid("upsert", {"current_status": "maybe"}, "current_status", ("json", "current_status")),
    "template_id-bogus": Invalid("tt_create", {"template_id": "bogus"}, "template_id", ("json", "templateId")),
    # format: date
    "date_from-month-13": Invalid("list", {"date_from": "2024-13-01"}, "date_from", ("query", "date_from")),
    "date_to-feb-30": Invalid("list", {"date_to": "2024-02-30"}, "date_to", ("query", "date_to")),
    "date_from-not-a-date": Invalid("list", {"date_from": "yesterday"}, "date_from", ("query", "date_from")),
    # maxLength
    "name-256-chars": Invalid("upsert", {"name": "x" * 256}, "name", ("json", "name")),
    # format: uri
    "url-not-a-url": Invalid("upsert", {"url": "not a url"}, "url", ("json", "url")),
    "authorization_url-not-a-url": Invalid(
        "upsert", {"authorization_url": "api.example.com/auth"}, "authorization_url", ("json", "authorization_url")
    ),
    # nested: the spec types every field of an ActionInput and requires key/value of a header
    "inputs[0].name-not-a-string": Invalid("upsert", {"inputs": [{"name": 5}]}, "inputs[0].name"),
    "inputs[1].required-not-a-bool": Invalid(
        "upsert", {"inputs": [{"name": "date"}, {"name": "time", "required": "yes"}]}, "inputs[1].required"
    ),
    "custom_headers[0].key-missing": Invalid("upsert", {"custom_headers": [{"value": "v"}]}, "custom_headers[0].key"),
}


@pytest.mark.parametrize("case", list(INVALID.values()), ids=list(INVALID))
def test_invalid_arguments_are_refused_before_sending(
    client: talkover.Talkover, tt: talkover.Talkturo, server: RecordingServer, case: Invalid
) -> None:
    with pytest.raises(talkover.RequestValidationError) as caught:
        invoke(case.op, client, tt, case.kwargs)

    error = caught.value
    assert isinstance(error, ValueError) and isinstance(error, talkover.TalkoverError)
    assert not isinstance(error, talkover.APIError)
    assert error.field == case.field
    assert error.message
    assert case.field in str(error)
    assert server.requests == []


def test_path_param_must_not_be_empty(client: talkover.Talkover, server: RecordingServer) -> None:
    with pytest.raises(talkover.RequestValidationError) as caught:
        client.calls.create("", to="+1234567890")

    assert caught.value.field == "agent_id"
    assert server.requests == []


@pytest.mark.parametrize(
    ("op", "kwargs"),
    [
        pytest.param("create", {"delay_seconds": 0}, id="delay_seconds-min"),
        pytest.param("create", {"delay_seconds": 3600}, id="delay_seconds-max"),
        pytest.param("create", {"to": "+12"}, id="to-shortest"),
        pytest.param("create", {"to": "+123456789012345"}, id="to-longest"),
        pytest.param("list", {"per_page": 1, "page": 1}, id="per_page-min"),
        pytest.param("list", {"per_page": 100}, id="per_page-max"),
        pytest.param("list", {"date_from": "2024-02-29", "date_to": "2024-12-31"}, id="dates-leap-day"),
        pytest.param("list", {"status": "no-answer", "direction": "inbound"}, id="enums"),
        pytest.param("upsert", {"name": "x" * 255}, id="name-255-chars"),
        pytest.param("upsert", {"name": "é" * 255}, id="name-255-non-ascii-chars"),
        pytest.param("upsert", {"url": "https://api.example.com/schedule?x=1"}, id="url"),
        pytest.param("upsert", {"type": "external", "execution_mode": "post_call"}, id="external-post-call"),
        pytest.param("tt_create", {"template_id": "follow-up"}, id="template_id"),
    ],
)
def test_valid_boundary_values_are_sent(mock: talkover.testing.MockServer, op: str, kwargs: Kwargs) -> None:
    invoke(op, mock.client(talkover.Talkover), mock.client(talkover.Talkturo), kwargs)

    [request] = mock.requests()
    assert request.status == 200


WIRE_CASES = {name: case for name, case in INVALID.items() if case.wire is not None}


@pytest.mark.parametrize("case", list(WIRE_CASES.values()), ids=list(WIRE_CASES))
def test_validate_false_sends_the_arguments_as_given(mock: talkover.testing.MockServer, case: Invalid) -> None:
    client, tt = mock.client(talkover.Talkover, validate=False), mock.client(talkover.Talkturo, validate=False)

    with pytest.raises(talkover.APIStatusError) as caught:
        invoke(case.op, client, tt, case.kwargs)

    assert case.wire is not None
    where, key = case.wire
    value = next(iter(case.kwargs.values()))
    [request] = mock.requests()
    if where == "json":
        assert request.body[key] == value
    else:
        assert request.query[key] == [str(value)]
    # ...and the mock refuses it, naming the same field.
    error = caught.value
    assert error.status_code in (400, 422)
    assert key in error.errors or (error.details or {}).get("field") == key, (error.errors, error.details)


# --- wrong Python types -----------------------------------------------------------------------


@dataclass(frozen=True)
class WrongType:
    call: Callable[[talkover.Talkover], object]
    argument: str


WRONG_TYPES = {
    "to=123": WrongType(lambda c: c.calls.create("agent_123456", to=123), "to"),  # type: ignore[arg-type]
    "to=None": WrongType(lambda c: c.calls.create("agent_123456", to=None), "to"),  # type: ignore[arg-type]
    "agent_id=5": WrongType(lambda c: c.calls.create(5, to="+1234567890"), "agent_id"),  # type: ignore[arg-type]
    "delay_seconds=1.5": WrongType(
        lambda c: c.calls.create("agent_123456", to="+1234567890", delay_seconds=1.5),  # type: ignore[arg-type]
        "delay_seconds",
    ),
    "is_testing='yes'": WrongType(
        lambda c: c.calls.create("agent_123456", to="+1234567890", is_testing="yes"),  # type: ignore[arg-type]
        "is_testing",
    ),
    "delay_seconds=True": WrongType(
        lambda c: c.calls.create("agent_123456", to="+1234567890", delay_seconds=True),
        "delay_seconds",
    ),
    "delay_seconds=2**70": WrongType(
        lambda c: c.calls.create("agent_123456", to="+1234567890", delay_seconds=2**70),
        "delay_seconds",
    ),
    "per_page='5'": WrongType(lambda c: c.calls.list(per_page="5"), "per_page"),  # type: ignore[arg-type]
    "status=5": WrongType(lambda c: c.calls.list(status=5), "status"),  # type: ignore[arg-type]
    "payload='x'": WrongType(
        lambda c: c.calls.create("agent_123456", to="+1234567890", payload="x"),  # type: ignore[arg-type]
        "payload",
    ),
    "payload-int-key": WrongType(
        lambda c: c.calls.create("agent_123456", to="+1234567890", payload={1: "a"}),  # type: ignore[dict-item]
        "payload",
    ),
    "payload-object-value": WrongType(
        lambda c: c.calls.create("agent_123456", to="+1234567890", payload={"a": object()}),
        "payload",
    ),
    "payload-nan": WrongType(
        lambda c: c.calls.create("agent_123456", to="+1234567890", payload={"a": float("nan")}),
        "payload",
    ),
    "payload-huge-int": WrongType(
        lambda c: c.calls.create("agent_123456", to="+1234567890", payload={"a": 2**70}),
        "payload",
    ),
    "inputs='x'": WrongType(
        lambda c: c.agents.actions.upsert(
            "agent-uuid", node_id="n1", name="n", description="d", type="webhook", inputs="x"  # type: ignore[arg-type]
        ),
        "inputs",
    ),
    "inputs=[1]": WrongType(
        lambda c: c.agents.actions.upsert(
            "agent-uuid", node_id="n1", name="n", description="d", type="webhook", inputs=[1]  # type: ignore[list-item]
        ),
        "inputs",
    ),
}


@pytest.mark.parametrize("case", list(WRONG_TYPES.values()), ids=list(WRONG_TYPES))
def test_wrong_python_types_are_refused_clearly(
    client: talkover.Talkover, server: RecordingServer, case: WrongType
) -> None:
    # Every wrong value, a wrong type included, is a RequestValidationError naming the argument,
    # on every Python version. A pyo3 PanicException derives from BaseException, so it would
    # escape this and fail the test.
    with pytest.raises(talkover.RequestValidationError) as caught:
        case.call(client)

    error = caught.value
    assert error.field is not None and error.field.startswith(case.argument), error.field
    assert error.message and "Panic" not in error.message
    assert server.requests == []


def test_deeply_nested_payload_is_refused_not_a_crash(client: talkover.Talkover, server: RecordingServer) -> None:
    payload: dict[str, Any] = {}
    inner = payload
    for _ in range(10_000):
        inner["a"] = {}
        inner = inner["a"]

    with pytest.raises(talkover.RequestValidationError) as caught:
        client.calls.create("agent_123456", to="+1234567890", payload=payload)

    assert caught.value.field == "payload"
    assert server.requests == []


def test_self_referencing_payload_is_refused_not_a_crash(client: talkover.Talkover, server: RecordingServer) -> None:
    payload: dict[str, Any] = {}
    payload["self"] = payload

    with pytest.raises(talkover.RequestValidationError):
        client.calls.create("agent_123456", to="+1234567890", payload=payload)

    assert server.requests == []


def test_each_array_item_is_checked(client: talkover.Talkover, server: RecordingServer) -> None:
    with pytest.raises(talkover.RequestValidationError) as caught:
        client.campaigns.create(**{**CAMPAIGN, "days_of_week": [1, 8]})

    assert caught.value.field == "days_of_week[1]"
    assert server.requests == []
