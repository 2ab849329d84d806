"""The client and the mock refuse the same values: for every operation of every spec, each
constraint its arguments have (minimum and maximum, inclusive and exclusive, lengths, pattern,
format, items, enum, one path segment) is broken once. The client must raise
RequestValidationError naming the argument, and the same request sent raw to the bundled mock
must be refused as invalid naming the same field on the wire.

The constraints are read from the specs themselves, and each case starts from the operation's
documented example (``test_operations.Call``), so only the broken value is wrong.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any, Iterator, Optional
from urllib.parse import quote, urlencode

import pytest

import talkover
import talkover.testing
from test_operations import OPERATIONS, SPECS, Call, _parameters, _spec_operation, _wire_text

Schema = dict[str, Any]


def _resolve(api: str, schema: Schema) -> Schema:
    """A schema with its `$ref` followed and a lone `allOf` merged in, as the generator reads it."""
    while "$ref" in schema:
        schema = SPECS[api]["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    if "allOf" in schema:
        merged: Schema = {}
        for part in schema["allOf"]:
            merged.update(_resolve(api, part))
        merged.update({k: v for k, v in schema.items() if k != "allOf"})
        return merged
    return schema


def _argument_schema(op: dict[str, Any], argument: dict[str, Any]) -> Schema:
    api = op["api"]
    if argument["location"] == "query":
        (param,) = [p for p in _parameters(op) if p["in"] == "query" and p["name"] == argument["wire"]]
        return _resolve(api, param["schema"])
    body = _resolve(api, _spec_operation(op)["requestBody"]["content"]["application/json"]["schema"])
    return _resolve(api, body["properties"][argument["wire"]])


#: A value each format refuses.
NOT_IN_FORMAT = {"date": "2024-13-01", "date-time": "2024-01-15", "uri": "not a url", "email": "nobody"}


def _not_matching(pattern: str) -> str:
    for candidate in ["", "x", "!", "0" * 40]:
        if not re.search(pattern, candidate):
            return candidate
    raise AssertionError(f"no test value breaks {pattern}")


def _breaking(api: str, schema: Schema, base: Any) -> Iterator[tuple[str, Any]]:
    """(rule, value) for each rule of `schema` a value can break; `base` is a valid value."""
    if "minimum" in schema:
        low = schema["minimum"]
        yield "minimum", low if schema.get("exclusiveMinimum") else low - 1
    if "maximum" in schema:
        high = schema["maximum"]
        yield "maximum", high if schema.get("exclusiveMaximum") else high + 1
    if schema.get("minLength", 0) > 0:
        yield "minLength", "x" * (schema["minLength"] - 1)
    if "maxLength" in schema:
        yield "maxLength", "x" * (schema["maxLength"] + 1)
    if "pattern" in schema:
        yield "pattern", _not_matching(schema["pattern"])
    if schema.get("type") == "string" and schema.get("format") in NOT_IN_FORMAT:
        yield "format", NOT_IN_FORMAT[schema["format"]]
    if "enum" in schema:
        yield "enum", "not-a-listed-value"
    if schema.get("type") == "array":
        if schema.get("minItems", 0) > 0:
            yield "minItems", []
        if "maxItems" in schema and isinstance(base, list) and base:
            yield "maxItems", [base[0]] * (schema["maxItems"] + 1)
        first = base[0] if isinstance(base, list) and base else None
        for rule, item in _breaking(api, _resolve(api, schema.get("items", {})), first):
            yield f"items.{rule}", [item]
    if isinstance(base, dict):
        for name, prop in (schema.get("properties") or {}).items():
            for rule, value in _breaking(api, _resolve(api, prop), base.get(name)):
                yield f"{name}.{rule}", {**base, name: value}


@dataclass(frozen=True)
class Case:
    op: dict[str, Any]
    #: The argument as Python names it (`RequestValidationError.field`) and as the wire does.
    python: str
    wire: str
    location: str
    rule: str
    value: Any

    @property
    def id(self) -> str:
        return f"{self.op['api']}.{self.op['call']}:{self.python}.{self.rule}"


def _cases() -> Iterator[Case]:
    for op in OPERATIONS:
        call = Call(op)
        for p in op["path_params"]:
            yield Case(op, p["python"], p["wire"], "path", "segment", ".")
        for argument in op["arguments"]:
            schema = _argument_schema(op, argument)
            base = call.kwargs.get(argument["python"])
            for rule, value in _breaking(op["api"], schema, base):
                yield Case(op, argument["python"], argument["wire"], argument["location"], rule, value)


CASES = list(_cases())


def test_every_kind_of_rule_is_covered() -> None:
    """The specs exercise each rule the engine has, so the table below tests each of them."""
    rules = {case.rule.rsplit(".", 1)[-1] for case in CASES}
    assert {"minimum", "maximum", "minLength", "maxLength", "pattern", "format", "enum", "minItems", "segment"} <= rules
    exclusive = [c for c in CASES if c.rule in {"minimum", "maximum"} and _is_exclusive(c)]
    assert exclusive, "no exclusive bound in the specs"
    assert {c.op["api"] for c in CASES} == set(SPECS)


def _is_exclusive(case: Case) -> bool:
    if case.location == "path":
        return False
    argument = next(a for a in case.op["arguments"] if a["python"] == case.python)
    schema = _argument_schema(case.op, argument)
    key = "exclusiveMinimum" if case.rule == "minimum" else "exclusiveMaximum"
    return bool(schema.get(key))


@pytest.fixture(scope="module")
def shared_mock() -> Iterator[talkover.testing.MockServer]:
    with talkover.testing.MockServer() as server:
        yield server


def _send_raw(mock: talkover.testing.MockServer, case: Case, broken: bool = True) -> tuple[int, Any]:
    """The documented request with the one broken value (or, not `broken`, without it), sent
    without the SDK."""
    call = Call(case.op)
    path = case.op["path"]
    for p, value in zip(case.op["path_params"], call.path_args):
        text = "." if broken and p["wire"] == case.wire and case.location == "path" else _wire_text(value)
        # `.` written as %2E: a client would drop a bare dot segment before sending.
        path = path.replace("{" + p["wire"] + "}", quote(text, safe="").replace(".", "%2E"))
    query = dict(call.query)
    body: Optional[dict[str, Any]] = dict(call.body) if isinstance(call.body, dict) else call.body
    if not broken:
        pass
    elif case.location == "query":
        values = case.value if isinstance(case.value, list) else [case.value]
        query[case.wire] = [_wire_text(v) for v in values]
    elif case.location == "body":
        body = {**(body or {}), case.wire: case.value}
    url = mock.url + path + ("?" + urlencode(query, doseq=True) if query else "")
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=case.op["http_method"])
    request.add_header("Authorization", f"Bearer {talkover.testing.MockServer.new_token()}")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read() or b"null")


def _named_fields(body: Any) -> set[str]:
    """The fields an error body names: keys of `errors`, any `field` of its details, and the
    field a message speaks of, as the mock writes it ("The per page field ...": wire name,
    `_` read as a space), for the bodies that carry only a message."""
    names: set[str] = set()
    if isinstance(body, dict):
        for key, value in body.items():
            if key == "errors" and isinstance(value, dict):
                names.update(value)
            elif key == "field" and isinstance(value, str):
                names.add(value)
            elif key == "message" and isinstance(value, str):
                spoken = re.match(r"The (?:selected )?(\S+(?: \S+)*?) (?:field|must|is)\b", value)
                if spoken:
                    names.add(spoken.group(1).replace(" ", "_"))
            else:
                names |= _named_fields(value)
    return names


def _names(name: str, names: set[str] | str) -> bool:
    """Whether `names` holds `name` itself or a place below it (`inputs.0.name`, `inputs[0]`)."""
    found = {names} if isinstance(names, str) else names
    return any(n == name or n.startswith((name + ".", name + "[")) for n in found)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_client_and_mock_refuse_the_same_value(shared_mock: talkover.testing.MockServer, case: Case) -> None:
    call = Call(case.op)
    client = shared_mock.client(getattr(talkover, case.op["client"]), token=talkover.testing.MockServer.new_token())
    path_args = list(call.path_args)
    kwargs = dict(call.kwargs)
    if case.location == "path":
        index = [p["python"] for p in case.op["path_params"]].index(case.python)
        path_args[index] = case.value
    else:
        kwargs[case.python] = case.value
    shared_mock.clear_requests()
    with pytest.raises(talkover.RequestValidationError) as refused:
        call.method(client)(*path_args, **kwargs)
    assert _names(case.python, refused.value.field or ""), refused.value
    assert shared_mock.requests() == [], "the client sent what it refused"

    status, body = _send_raw(shared_mock, case)
    assert status in (400, 422), (status, body)
    named = _named_fields(body)
    if named:
        assert _names(case.wire, named), body
    else:
        # The operation answers with its documented error body, which names no field: the
        # same request without the broken value is accepted, so that value was refused.
        accepted, answer = _send_raw(shared_mock, case, broken=False)
        assert accepted < 400, (accepted, answer)
