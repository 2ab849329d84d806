"""The words of a RequestValidationError for an argument of the wrong Python type: the exact
place (``inputs[1].required``) and a message saying what was found and what the field takes
(``an integer``, ``a number`` rather than Rust's ``i64``/``f64``). Nothing is sent."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import pytest

import talkover
from support import CAMPAIGN, RecordingServer

ACTION = {"node_id": "n1", "name": "n", "description": "d", "type": "webhook"}


@dataclass(frozen=True)
class Case:
    call: Callable[[talkover.Talkover], object]
    field: str
    message: str


def create(**kwargs: Any) -> Callable[[talkover.Talkover], object]:
    return lambda c: c.calls.create("agent_123456", **{"to": "+1234567890", **kwargs})


def upsert(**kwargs: Any) -> Callable[[talkover.Talkover], object]:
    return lambda c: c.agents.actions.upsert("agent-uuid", **{**ACTION, **kwargs})


def campaign(**kwargs: Any) -> Callable[[talkover.Talkover], object]:
    return lambda c: c.campaigns.create(**{**CAMPAIGN, **kwargs})


CASES = {
    "float for an integer": Case(
        create(delay_seconds=1.5), "delay_seconds", "invalid type: floating point `1.5`, expected an integer"
    ),
    "str for an integer": Case(
        create(delay_seconds="5"), "delay_seconds", 'invalid type: string "5", expected an integer'
    ),
    "bool for an integer": Case(
        create(delay_seconds=True), "delay_seconds", "invalid type: boolean `true`, expected an integer"
    ),
    "list for an integer": Case(
        create(delay_seconds=[1]), "delay_seconds", "invalid type: sequence, expected an integer"
    ),
    "str for a bool": Case(
        create(is_testing="yes"), "is_testing", 'invalid type: string "yes", expected a boolean'
    ),
    "None for a required str": Case(create(to=None), "to", "invalid type: null, expected a string"),
    "str for a mapping": Case(create(payload="x"), "payload", 'invalid type: string "x", expected a map'),
    "int for an enum": Case(
        lambda c: c.calls.list(status=5),  # type: ignore[arg-type]
        "status",
        "invalid type: integer `5`, expected a string",
    ),
    "int for a model": Case(
        upsert(inputs=[1]), "inputs[0]", "invalid type: integer `1`, expected struct ActionInput"
    ),
    "nested wrong type": Case(
        upsert(inputs=[{"name": "d"}, {"name": "t", "required": "yes"}]),
        "inputs[1].required",
        'invalid type: string "yes", expected a boolean',
    ),
    "nested missing key": Case(upsert(custom_headers=[{"value": "v"}]), "custom_headers[0].key", "is required"),
    "integer too large": Case(
        campaign(days_of_week=[2**63]),
        "days_of_week[0]",
        "invalid value: integer `9223372036854775808`, expected an integer",
    ),
    "integral float for an integer": Case(
        campaign(days_of_week=[1.0]), "days_of_week[0]", "invalid type: floating point `1.0`, expected an integer"
    ),
}


@pytest.mark.parametrize("case", list(CASES.values()), ids=list(CASES))
def test_a_wrong_type_is_named_at_its_place_in_words(
    client: talkover.Talkover, server: RecordingServer, case: Case
) -> None:
    with pytest.raises(talkover.RequestValidationError) as caught:
        case.call(client)

    assert (caught.value.field, caught.value.message) == (case.field, case.message)
    assert server.requests == []
