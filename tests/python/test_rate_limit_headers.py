"""The Talkover docs say every response carries the rate-limit headers, and the make-call
page names them: every response of every Talkover operation, success or error, declares
X-RateLimit-Limit, -Remaining and -Reset as a reference to the shared header definitions,
none of them required (no documented answer shows them). Schemathesis checks the mock's
answers against these declarations (test_conformance.py, response_headers_conformance).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml

SPEC: dict[str, Any] = yaml.safe_load((Path(__file__).resolve().parents[2] / "spec" / "talkover.yaml").read_text())
HEADERS = {
    "X-RateLimit-Limit": "#/components/headers/XRateLimitLimit",
    "X-RateLimit-Remaining": "#/components/headers/XRateLimitRemaining",
    "X-RateLimit-Reset": "#/components/headers/XRateLimitReset",
}


def _responses() -> Iterator[Any]:
    for path, item in SPEC["paths"].items():
        for method, operation in item.items():
            if method not in ("get", "put", "post", "patch", "delete"):
                continue
            for status, response in operation["responses"].items():
                if "$ref" in response:
                    response = SPEC["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
                yield pytest.param(response, id=f"{method.upper()} {path} {status}")


@pytest.mark.parametrize("response", _responses())
def test_every_response_declares_the_rate_limit_headers(response: dict[str, Any]) -> None:
    assert response.get("headers") == {name: {"$ref": ref} for name, ref in HEADERS.items()}


def test_the_shared_headers_are_optional_strings() -> None:
    for ref in HEADERS.values():
        header = SPEC["components"]["headers"][ref.rsplit("/", 1)[1]]
        assert not header.get("required", False)
        assert header["schema"] == {"type": "string"}
