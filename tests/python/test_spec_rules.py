"""Rules every operation and schema of spec/*.yaml follows, beyond what an OpenAPI validator
checks: what the SDK and the mock accept must be what the specs say.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml

SPEC_DIR = Path(__file__).resolve().parents[2] / "spec"
SPECS = {path.stem: yaml.safe_load(path.read_text()) for path in sorted(SPEC_DIR.glob("*.yaml"))}


#: Keys whose values are data (examples, mock seed records), not schemas.
DATA_KEYS = {"example", "examples", "x-mock"}


def _schemas(node: Any, where: str) -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        if "type" in node or "nullable" in node:
            yield where, node
        for key, value in node.items():
            if key not in DATA_KEYS:
                yield from _schemas(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _schemas(value, f"{where}/{index}")


@pytest.mark.parametrize("api", sorted(SPECS))
def test_every_integer_is_64_bit(api: str) -> None:
    """The SDK and the mock hold integers in 64 bits; a spec integer of no declared size lets
    a client (schemathesis, another generator) send 35-digit numbers as valid ones."""
    unsized = [
        where
        for where, schema in _schemas(SPECS[api], "")
        if schema.get("type") == "integer" and schema.get("format") != "int64"
    ]
    assert unsized == []


@pytest.mark.parametrize("api", sorted(SPECS))
def test_nullable_only_beside_a_type(api: str) -> None:
    """OpenAPI 3.0 gives nullable a meaning only beside a type (redocly reports it too)."""
    assert [where for where, schema in _schemas(SPECS[api], "") if "nullable" in schema and "type" not in schema] == []


def _operations(api: str) -> Iterator[tuple[str, dict[str, Any]]]:
    for path, item in SPECS[api]["paths"].items():
        for method, operation in item.items():
            yield f"{method.upper()} {path}", operation


def test_talkturo_documents_its_general_statuses() -> None:
    """The Talkturo overview lists 500 for every endpoint and 409 (the resource already
    exists) in general; the spec gives 500 to every operation and 409 to each that creates a
    record (a checkout session is not one)."""
    without_500 = [route for route, op in _operations("talkturo") if "500" not in op["responses"]]
    creating = [(route, op) for route, op in _operations("talkturo") if op["summary"].startswith(("Create ", "Clone "))]
    without_409 = [route for route, op in creating if "409" not in op["responses"]]
    assert without_500 == []
    assert len(creating) >= 5 and without_409 == []
