"""Retry classes, as the generator hands them to the SDK (``operations.json``) and to readers
(``docs/api.md``): GET, PUT and DELETE are safe to send twice, POST and PATCH only where the
spec marks them ``x-sdk-idempotent`` with a reason. An operation that creates, sends,
charges, starts, runs, adds, imports or clones must never be marked: a second copy of a
make-call is a second real phone call.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml
from generated import ROOT, operations

OPERATIONS = operations()
SPECS = {api: yaml.safe_load((ROOT / "spec" / f"{api}.yaml").read_text()) for api in ("talkover", "talkturo")}

#: Every POST and PATCH the specs mark safe to repeat; changing this list is a decision.
MARKED = {
    ("talkover", "upsertAgentAction"),
    ("talkover", "publishAgent"),
    ("talkover", "unpublishAgent"),
    ("talkover", "testCampaignSftpConnection"),
    ("talkover", "verifySipTrunk"),
    ("talkturo", "updateAssistant"),
    ("talkturo", "searchPhoneNumbers"),
}

#: Operation names that say the request acts each time it arrives.
ACTS_EACH_TIME = re.compile(r"^(make|create|trigger|toggle|sync|clone|purchase|run|add)|^test.*Webhook$")


def _spec_operation(op: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = SPECS[op["api"]]["paths"][op["path"]][op["http_method"].lower()]
    return found


def _id(op: dict[str, Any]) -> str:
    return f"{op['api']}.{op['operation_id']}"


@pytest.mark.parametrize("op", OPERATIONS, ids=_id)
def test_the_retry_class_follows_the_method_unless_the_spec_marks_it(op: dict[str, Any]) -> None:
    spec = _spec_operation(op)
    marked = spec.get("x-sdk-idempotent") is True
    if op["http_method"] in ("GET", "PUT", "DELETE"):
        assert op["retry"] == "safe"
    else:
        assert op["retry"] == ("safe" if marked else "unsafe")
    if marked:
        assert spec["x-note"].strip(), "a mark says why"


def test_exactly_the_reviewed_posts_and_patches_are_marked() -> None:
    marked = {
        (op["api"], op["operation_id"])
        for op in OPERATIONS
        if op["retry"] == "safe" and op["http_method"] in ("POST", "PATCH")
    }
    assert marked == MARKED


def test_nothing_that_acts_each_time_is_safe() -> None:
    acting = [op for op in OPERATIONS if ACTS_EACH_TIME.search(op["operation_id"])]
    assert {"makeCall", "makeCampaignCall", "purchasePhoneNumber", "runCampaign", "addCampaignContacts"} <= {
        op["operation_id"] for op in acting
    }
    assert [_id(op) for op in acting if op["retry"] != "unsafe"] == []


def test_the_reference_shows_each_operations_class() -> None:
    reference = (ROOT / "docs" / "api.md").read_text()
    for op in OPERATIONS:
        route = f"| `{op['http_method']} {op['path']}` | {op['retry']} |"
        assert route in reference, route
