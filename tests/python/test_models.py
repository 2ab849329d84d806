"""Models: attributes per field (keywords with a trailing `_`), to_dict() in wire shape with
unknown fields kept, value equality, an informative repr, and open enums."""

from __future__ import annotations

import copy
import gc
import json
from typing import Any

import pytest

import talkover
from documented import (
    ASSISTANT_200,
    ASSISTANTS_PATH,
    CALL_1,
    LIST_CALLS_200,
    LIST_CALLS_PATH,
    MAKE_CALL_200,
    MAKE_CALL_PATH,
    UPSERT_200,
    UPSERT_PATH,
)
from support import RecordingServer


def make_call(client: talkover.Talkover, server: RecordingServer, body: dict[str, Any] = MAKE_CALL_200) -> talkover.Call:
    server.respond("POST", MAKE_CALL_PATH, json=body)
    return client.calls.create("agent_123456", to="+1234567890")


def with_extra(body: dict[str, Any], *path: str, **extra: Any) -> dict[str, Any]:
    body = copy.deepcopy(body)
    target = body
    for key in path:
        target = target[key]
    target.update(extra)
    return body


def test_call_to_dict_keeps_unknown_fields(client: talkover.Talkover, server: RecordingServer) -> None:
    body = with_extra(MAKE_CALL_200, "data", cost={"amount": 0.12, "currency": "USD"}, tags=["a", "b"], note=None)

    call = make_call(client, server, body)

    assert call.to_dict() == body["data"]
    assert type(call.to_dict()) is dict


def test_list_item_to_dict_is_wire_shaped(client: talkover.Talkover, server: RecordingServer) -> None:
    server.respond("GET", LIST_CALLS_PATH, json=LIST_CALLS_200)

    page = client.calls.list()

    first = page.data[0].to_dict()
    assert first == CALL_1
    assert "from" in first and "from_" not in first
    assert page.pagination.to_dict() == LIST_CALLS_200["pagination"]
    assert page.data[0].agent is not None
    assert page.data[0].agent.to_dict() == CALL_1["agent"]


def test_page_to_dict_keeps_unknown_top_level_fields(client: talkover.Talkover, server: RecordingServer) -> None:
    body = with_extra(LIST_CALLS_200, meta={"request_id": "r1"})
    body["pagination"]["links"] = {"next": "/api/v1/calls?page=2"}
    server.respond("GET", LIST_CALLS_PATH, json=body)

    page = client.calls.list()

    assert page.to_dict() == body


def test_action_to_dict(client: talkover.Talkover, server: RecordingServer) -> None:
    body = with_extra(UPSERT_200, "data", priority=3)
    body["data"]["input_schema"][0]["enum"] = ["morning", "evening"]
    server.respond("POST", UPSERT_PATH, json=body)

    action = client.agents.actions.upsert("agent-uuid", node_id="n1", name="n", description="d", type="webhook")

    assert action.to_dict() == body["data"]
    assert action.input_schema is not None
    assert action.input_schema[0].to_dict() == body["data"]["input_schema"][0]


def test_assistant_to_dict(tt: talkover.Talkturo, server: RecordingServer) -> None:
    body = with_extra(ASSISTANT_200, "assistant", voice_id="v_1", created_at="2025-01-01T00:00:00Z")
    server.respond("POST", ASSISTANTS_PATH, json=body)

    assistant = tt.assistants.create(account_slug="my-team", name="Support Agent")

    assert assistant.to_dict() == body["assistant"]


def test_equality_compares_values(client: talkover.Talkover, server: RecordingServer) -> None:
    first = make_call(client, server)
    same = make_call(client, server)
    other = make_call(client, server, with_extra(MAKE_CALL_200, "data", status="ringing"))
    extra = make_call(client, server, with_extra(MAKE_CALL_200, "data", unknown=1))

    assert first is not same
    assert first == same
    assert not (first != same)
    assert first != other
    assert first != extra  # unknown fields are part of the value
    assert first != MAKE_CALL_200["data"]  # a dict is not a Call
    assert first != "call_789012"


def test_equality_of_list_items(client: talkover.Talkover, server: RecordingServer) -> None:
    server.respond("GET", LIST_CALLS_PATH, json=LIST_CALLS_200, times=2)

    one, two = client.calls.list(), client.calls.list()

    assert one.data == two.data
    assert one.data[0] != one.data[1]
    assert one.pagination == two.pagination


def test_repr_is_informative(client: talkover.Talkover, server: RecordingServer) -> None:
    call = make_call(client, server)

    text = repr(call)

    assert text.startswith("Call(")
    assert "call_789012" in text
    assert "initiated" in text
    assert "+1234567890" in text


def test_repr_of_nested_models_and_pages(client: talkover.Talkover, server: RecordingServer) -> None:
    server.respond("GET", LIST_CALLS_PATH, json=LIST_CALLS_200)

    page = client.calls.list()

    assert "Sales Agent" in repr(page.data[0].agent)
    assert repr(page.pagination).startswith("CallPagination(")
    assert "last_page=5" in repr(page.pagination)
    assert "call-uuid-1" in repr(page)


@pytest.mark.parametrize(
    ("field", "value"),
    [("status", "voicemail"), ("status", ""), ("direction", "sideways")],
)
def test_unknown_enum_values_are_kept_as_str(
    client: talkover.Talkover, server: RecordingServer, field: str, value: str
) -> None:
    call = make_call(client, server, with_extra(MAKE_CALL_200, "data", **{field: value}))

    got = getattr(call, field)
    assert type(got) is str
    assert got == value
    assert call.to_dict()[field] == value


def test_unknown_enum_values_in_lists_and_actions(client: talkover.Talkover, server: RecordingServer) -> None:
    body = copy.deepcopy(LIST_CALLS_200)
    body["data"][0]["status"] = "voicemail"
    server.respond("GET", LIST_CALLS_PATH, json=body)
    action_body = with_extra(UPSERT_200, "data", type="sms", current_status="paused")
    server.respond("POST", UPSERT_PATH, json=action_body)

    assert [c.status for c in client.calls.list().data] == ["voicemail", "answered"]
    action = client.agents.actions.upsert("agent-uuid", node_id="n1", name="n", description="d", type="webhook")
    assert (action.type, action.current_status) == ("sms", "paused")


def test_known_enum_values_are_plain_str(client: talkover.Talkover, server: RecordingServer) -> None:
    server.respond("GET", LIST_CALLS_PATH, json=LIST_CALLS_200)

    call = client.calls.list().data[0]

    assert type(call.status) is str and call.status == "completed"
    assert type(call.direction) is str and call.direction == "outbound"


def test_keyword_named_fields(client: talkover.Talkover, server: RecordingServer, tt: talkover.Talkturo) -> None:
    server.respond("GET", LIST_CALLS_PATH, json=LIST_CALLS_200)
    server.respond("POST", UPSERT_PATH, json=UPSERT_200)
    server.respond("POST", ASSISTANTS_PATH, json=ASSISTANT_200)

    page = client.calls.list()
    action = client.agents.actions.upsert("agent-uuid", node_id="n1", name="n", description="d", type="webhook")
    assistant = tt.assistants.create(account_slug="my-team", name="Support Agent")

    assert page.data[0].from_ == "+0987654321"
    assert page.pagination.from_ == 1
    assert action.type == "webhook"
    assert action.input_schema is not None and action.input_schema[1].type == "string"
    assert assistant.type == "outbound-setter"


def test_integer_and_float_fields_keep_their_types(tt: talkover.Talkturo, server: RecordingServer) -> None:
    body = with_extra(ASSISTANT_200, "assistant", temperature=1, recording_enabled=True)
    server.respond("GET", ASSISTANTS_PATH + "/a", json=body)

    assistant = tt.assistants.retrieve("a")

    assert assistant.temperature == 1.0
    assert type(assistant.max_tokens) is int
    assert assistant.recording_enabled is True


def test_free_form_values(client: talkover.Talkover, server: RecordingServer) -> None:
    body = with_extra(UPSERT_200, "data", config={"retries": 3, "nested": {"ok": True}}, action_trigger={})
    body["data"]["input_schema"][0]["value"] = [1, "two", None]
    server.respond("POST", UPSERT_PATH, json=body)

    action = client.agents.actions.upsert("agent-uuid", node_id="n1", name="n", description="d", type="webhook")

    assert action.config == {"retries": 3, "nested": {"ok": True}}
    assert action.action_trigger == {}
    assert action.input_schema is not None
    assert action.input_schema[0].value == [1, "two", None]
    assert action.input_schema[1].value is None


def test_model_fields_hand_out_the_same_models_in_fresh_containers(
    client: talkover.Talkover, server: RecordingServer
) -> None:
    server.respond("GET", LIST_CALLS_PATH, json=LIST_CALLS_200)
    page = client.calls.list()

    first, again = page.data, page.data

    # The models are converted once and shared (they are immutable) ...
    assert all(a is b for a, b in zip(first, again))
    assert first[0].agent is first[0].agent
    assert page.pagination is page.pagination
    # ... but each read gets its own list, so changing one changes nothing for the next reader.
    assert first is not again
    first.clear()
    assert len(page.data) == len(LIST_CALLS_200["data"])
    assert [c.to_dict() for c in page.data] == LIST_CALLS_200["data"]


def test_unknown_fields_keep_their_order_and_escaped_names_match(
    client: talkover.Talkover, server: RecordingServer
) -> None:
    data = MAKE_CALL_200["data"]
    known = list(data.items())
    # Unknown properties before, between and after the known ones, a known name written
    # with an escape, and a known property sent twice (serde's rule: an error).
    fields = [("zeta", 1), *known[:2], ("mid", {"b": 1, "a": 2}), *known[2:], ("alpha", [1, 2.5])]
    text = "{" + ",".join(f"{json.dumps(k)}:{json.dumps(v)}" for k, v in fields) + "}"
    escaped = text.replace('"status"', '"st\\u0061tus"')
    assert escaped != text
    server.respond("POST", MAKE_CALL_PATH, body=('{"success":true,"data":' + escaped + "}").encode(),
                   headers={"Content-Type": "application/json"})

    call = client.calls.create("agent_123456", to="+1234567890")

    as_dict = call.to_dict()
    assert [k for k in as_dict if k not in data] == ["zeta", "mid", "alpha"]
    assert list(as_dict["mid"]) == ["b", "a"]
    assert as_dict["alpha"] == [1, 2.5]
    assert call.status == data["status"]

    twice = text.replace('"zeta":1', f'"id":{json.dumps(data["id"])}')
    server.respond("POST", MAKE_CALL_PATH, body=('{"success":true,"data":' + twice + "}").encode(),
                   headers={"Content-Type": "application/json"})
    with pytest.raises(talkover.APIResponseValidationError, match="duplicate field `id`"):
        client.calls.create("agent_123456", to="+1234567890")


def test_page_items_read_from_the_page_and_outlive_it(client: talkover.Talkover, server: RecordingServer) -> None:
    body = copy.deepcopy(LIST_CALLS_200)
    body["pagination"]["last_page"] = body["pagination"]["current_page"]  # one page only
    server.respond("GET", LIST_CALLS_PATH, json=body)
    page = client.calls.list()

    data = page.data
    iterated = list(page)  # the same calls, as owned objects
    del page
    gc.collect()

    assert [c.to_dict() for c in data] == LIST_CALLS_200["data"]
    assert data == iterated
    assert repr(data[0]) == repr(iterated[0])
    assert data[0].agent == iterated[0].agent
    assert data[0].agent is not None and data[0].agent.to_dict() == CALL_1["agent"]
