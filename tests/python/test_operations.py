"""Every operation of every API, called through the Python SDK against the bundled mock with
the spec's documented example: the mock must receive the documented request, and the SDK must
parse exactly what the mock answered (for example-driven operations, the documented example).

The list of operations and their Python names is the generator's ``operations.json`` (see
generated.py, which runs the generator when ``make generated`` has not); the examples are
read from the specs themselves, so this suite checks the SDK against the spec rather than
against itself.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable, Iterator
from urllib.parse import quote

import pytest
import yaml

import talkover
import talkover.testing
import generated
from generated import ROOT, operations

OPERATIONS = operations()
SPECS: dict[str, Any] = {
    api: yaml.safe_load((ROOT / "spec" / f"{api}.yaml").read_text())
    for api in sorted({op["api"] for op in OPERATIONS})
}


def _spec_operation(op: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = SPECS[op["api"]]["paths"][op["path"]][op["http_method"].lower()]
    return found


def _first_example(media: dict[str, Any]) -> Any:
    if "example" in media:
        return media["example"]
    examples = media.get("examples") or {}
    return next(iter(examples.values()))["value"] if examples else None


def _parameters(op: dict[str, Any]) -> list[dict[str, Any]]:
    spec = SPECS[op["api"]]
    shared = spec["paths"][op["path"]].get("parameters", [])
    params = []
    for p in [*shared, *_spec_operation(op).get("parameters", [])]:
        if "$ref" in p:
            p = spec["components"]["parameters"][p["$ref"].rsplit("/", 1)[1]]
        params.append(p)
    return params


def _success(op: dict[str, Any]) -> tuple[int, Any]:
    """The documented success status and example body (None when it has none)."""
    for status, response in _spec_operation(op)["responses"].items():
        if str(status).startswith("2"):
            media = (response.get("content") or {}).get("application/json")
            return int(status), _first_example(media) if media else None
    raise AssertionError(f"{op['operation_id']} documents no success response")


def _wire_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class Call:
    """What to send for one operation, built from its documented examples."""

    def __init__(self, op: dict[str, Any]) -> None:
        self.op = op
        params = _parameters(op)
        by_wire = {a["wire"]: a for a in op["arguments"]}
        self.path_args: list[Any] = []
        path = op["path"]
        for p in op["path_params"]:
            (spec_param,) = [q for q in params if q["in"] == "path" and q["name"] == p["wire"]]
            assert "example" in spec_param, f"path parameter {p['wire']} has no example"
            value = spec_param["example"]
            self.path_args.append(value)
            path = path.replace("{" + p["wire"] + "}", quote(_wire_text(value), safe=""))
        self.path = path
        self.kwargs: dict[str, Any] = {}
        self.query: dict[str, list[str]] = {}
        for q in params:
            if q["in"] == "query" and "example" in q:
                self.kwargs[by_wire[q["name"]]["python"]] = q["example"]
                values = q["example"] if isinstance(q["example"], list) else [q["example"]]
                self.query[q["name"]] = [_wire_text(v) for v in values]
        body = _spec_operation(op).get("requestBody")
        self.body = _first_example(body["content"]["application/json"]) if body else None
        for wire, value in (self.body or {}).items():
            assert wire in by_wire, f"the request example has {wire!r}, which no argument sends"
            assert by_wire[wire]["location"] == "body"
            self.kwargs[by_wire[wire]["python"]] = value
        self.status, self.documented = _success(op)

    def method(self, client: Any) -> Callable[..., Any]:
        target = client
        for name in self.op["call"].split("."):
            target = getattr(target, name)
        assert callable(target)
        return target  # type: ignore[no-any-return]


def _same(parsed: Any, answered: Any) -> bool:
    """Whether a parsed result (as plain JSON) is what was answered. A nullable field the
    answer left out reads as None: the SDK does not tell absent from null."""
    if isinstance(parsed, dict) and isinstance(answered, dict):
        keys = set(parsed) | set(answered)
        return all(
            _same(parsed[k], answered[k])
            if k in parsed and k in answered
            else k not in answered and parsed[k] is None
            for k in keys
        )
    if isinstance(parsed, list) and isinstance(answered, list):
        return len(parsed) == len(answered) and all(map(_same, parsed, answered))
    return bool(parsed == answered)


def _plain(value: Any) -> Any:
    """A parsed result as wire-shaped JSON."""
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


@pytest.fixture(scope="module")
def shared_mock() -> Iterator[talkover.testing.MockServer]:
    with talkover.testing.MockServer() as server:
        yield server


def test_the_index_lists_every_operation_of_every_spec() -> None:
    in_specs = {
        (api, method.upper(), path)
        for api, spec in SPECS.items()
        for path, item in spec["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    }
    assert in_specs == {(op["api"], op["http_method"], op["path"]) for op in OPERATIONS}
    assert set(SPECS) == {p.stem for p in (ROOT / "spec").glob("*.yaml")}


def test_an_index_older_than_a_spec_is_not_read(tmp_path: Path) -> None:
    """A bare `pytest` after a spec change must not test yesterday's operations."""
    index = tmp_path / "operations.json"
    assert not generated.is_fresh(index)
    index.write_text("[]")
    assert generated.is_fresh(index)
    newest_spec = max(spec.stat().st_mtime for spec in generated.specs())
    os.utime(index, (newest_spec - 60, newest_spec - 60))
    assert not generated.is_fresh(index)


def test_the_readme_coverage_table_lists_every_operation() -> None:
    receivers = {"Talkover": "client", "Talkturo": "tt"}
    generated: dict[str, set[str]] = {}
    for op in OPERATIONS:
        group, method = f"{receivers[op['client']]}.{op['call']}".rsplit(".", 1)
        generated.setdefault(group, set()).add(method)
    listed: dict[str, set[str]] = {}
    for line in (ROOT / "README.md").read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0].startswith(("`client.", "`tt.")):
            listed[cells[0].strip("`")] = {m.strip() for m in cells[1].split(",")}
    assert listed == generated


@pytest.mark.parametrize(
    "op", OPERATIONS, ids=[f"{op['api']}.{op['call']}" for op in OPERATIONS]
)
def test_operation(shared_mock: talkover.testing.MockServer, op: dict[str, Any]) -> None:
    call = Call(op)
    # A fresh token is a fresh environment: no test sees another's records.
    client = shared_mock.client(
        getattr(talkover, op["client"]), token=talkover.testing.MockServer.new_token()
    )
    shared_mock.clear_requests()

    result = call.method(client)(*call.path_args, **call.kwargs)

    (seen,) = shared_mock.requests()
    assert (seen.operation, seen.method, seen.path) == (
        op["operation_id"],
        op["http_method"],
        call.path,
    )
    assert seen.query == call.query
    assert seen.body == call.body
    assert seen.status == call.status, seen.response
    if op["mock_action"] == "example" and call.documented is not None:
        assert seen.response == call.documented

    answered = seen.response
    if op["unwrap"]:
        answered = answered[op["unwrap"]]
    if op["returns"] == "none":
        assert result is None
    else:
        assert _same(_plain(result), answered), (_plain(result), answered)
    if op["returns"] == "page" and not result.has_next_page():
        # Iterating a single page walks exactly its items.
        assert _same([_plain(item) for item in result], answered[op["items"]])
