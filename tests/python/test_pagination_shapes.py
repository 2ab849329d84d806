"""Every pagination shape the docs show, walked to the end: calls and agent calls
(`pagination{current_page, last_page, ...}`), agents (`meta{...}`), webhook logs with and
without `last_page` (stopping on a short or an empty page) and Talkturo's `count/limit/offset`.
And an empty first page of each shape, read and iterated: Laravel answers one with
`"from": null, "to": null`.

Stateful lists are walked through the mock with records created through the SDK; the
webhook logs, whose mock answers are fixed examples, are walked through scripted pages built
from the documented example.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

import talkover
import talkover.testing
from support import RecordingServer

SPEC = yaml.safe_load((Path(__file__).resolve().parents[2] / "spec" / "talkover.yaml").read_text())


def _documented(path: str, method: str = "get") -> Any:
    media = SPEC["paths"][path][method]["responses"]["200"]["content"]["application/json"]
    return copy.deepcopy(media["example"])


def test_agents_meta_pages(mock: talkover.testing.MockServer) -> None:
    client = mock.client(talkover.Talkover)
    created = [
        client.agents.create(
            label=f"Agent {i}",
            name=f"agent-{i}",
            language="en-US",
            interrupt_sensitivity="medium",
            endpointing_sensitivity="medium",
            ivr_navigation_mode="off",
        ).id
        for i in range(3)
    ]
    mock.clear_requests()

    first = client.agents.list(per_page=3)
    ids = [agent.id for agent in first]

    # Five seed agents and three new ones, newest first, each once.
    assert len(ids) == 8 == len(set(ids))
    assert ids[:3] == created[::-1]
    assert (first.meta.current_page, first.meta.last_page, first.meta.per_page, first.meta.total) == (1, 3, 3, 8)
    assert [r.query.get("page") for r in mock.requests()] == [None, ["2"], ["3"]]


def test_one_agents_calls_page_by_page(mock: talkover.testing.MockServer) -> None:
    client = mock.client(talkover.Talkover)
    made = [client.calls.create("agent-uuid-1", to=f"+1555000000{i}").id for i in range(3)]
    client.calls.create("agent-uuid-2", to="+15550009999")  # another agent's call
    mock.clear_requests()

    page = client.agents.calls.list("agent-uuid-1", per_page=2)
    ids = [call.id for call in page]

    assert ids == [*made[::-1], "call-uuid-1"]
    assert (page.pagination.last_page, page.pagination.total) == (2, 4)
    assert [r.path for r in mock.requests()] == ["/api/v1/agents/agent-uuid-1/calls"] * 2


def _logs_page(path: str, ids: list[str], current: int, *, last: int | None, per_page: int) -> Any:
    page = _documented(path)
    template = page["data"][0]
    page["data"] = [{**template, "id": log_id} for log_id in ids]
    page["pagination"]["current_page"] = current
    page["pagination"]["per_page"] = per_page
    if last is None:
        page["pagination"].pop("last_page", None)
    else:
        page["pagination"]["last_page"] = last
    return page


AGENT_LOGS = "/api/v1/agents/{agent_id}/webhooks/{webhook_id}/logs"
CAMPAIGN_LOGS = "/api/v1/campaigns/{campaign_id}/webhooks/{webhook_id}/logs"


def test_agent_webhook_logs_stop_at_last_page(client: talkover.Talkover, server: RecordingServer) -> None:
    path = "/api/v1/agents/a1/webhooks/w1/logs"
    server.respond("GET", path, json=_logs_page(AGENT_LOGS, ["l1", "l2"], 1, last=2, per_page=2))
    server.respond("GET", path, json=_logs_page(AGENT_LOGS, ["l3", "l4"], 2, last=2, per_page=2))

    ids = [log.id for log in client.agents.webhooks.list_logs("a1", "w1", per_page=2)]

    assert ids == ["l1", "l2", "l3", "l4"]
    assert [r.query.get("page") for r in server.requests] == [None, ["2"]]


@pytest.mark.parametrize(
    ("second_page", "walked"),
    [
        pytest.param(["l3"], ["l1", "l2", "l3"], id="short-page"),
        pytest.param([], ["l1", "l2"], id="empty-page"),
    ],
)
def test_campaign_webhook_logs_without_last_page_stop_after_a_short_or_empty_page(
    client: talkover.Talkover, server: RecordingServer, second_page: list[str], walked: list[str]
) -> None:
    path = "/api/v1/campaigns/c1/webhooks/w1/logs"
    server.respond("GET", path, json=_logs_page(CAMPAIGN_LOGS, ["l1", "l2"], 1, last=None, per_page=2))
    server.respond("GET", path, json=_logs_page(CAMPAIGN_LOGS, second_page, 2, last=None, per_page=2))
    # Would be fetched only if the iterator went on after the short or empty page.
    server.respond("GET", path, json=_logs_page(CAMPAIGN_LOGS, ["l9"], 3, last=None, per_page=2))

    ids = [log.id for log in client.campaigns.webhooks.list_logs("c1", "w1", per_page=2)]

    assert ids == walked
    assert [r.query.get("page") for r in server.requests] == [None, ["2"]]


def test_talkturo_offset_pages(mock: talkover.testing.MockServer) -> None:
    tt = mock.client(talkover.Talkturo)
    team = "team_q4"
    created = [
        tt.campaigns.create(team_id=team, assistant_id="asst_01j...", from_number_ids=["pn_1"], name=f"C{i}")
        for i in range(5)
    ]
    mock.clear_requests()

    first = tt.campaigns.list(team_id=team, limit=2)
    ids = [campaign.id for campaign in first]

    assert sorted(ids) == sorted(c.campaign.id for c in created)
    assert (first.count, first.limit, first.offset) == (5, 2, 0)
    assert [r.query.get("offset") for r in mock.requests()] == [None, ["2"], ["4"]]


def _assert_empty(page: Any, items: str) -> None:
    """A page without items: read as such, iterated as nothing, and with no page after it."""
    assert getattr(page, items) == []
    assert list(page) == []
    assert not page.has_next_page()
    assert page.next_page() is None


def test_an_empty_calls_page_from_laravel_parses(client: talkover.Talkover, server: RecordingServer) -> None:
    # What Laravel's paginator answers when nothing matches, byte for byte.
    server.respond(
        "GET",
        "/api/v1/calls",
        json={
            "success": True,
            "data": [],
            "pagination": {"current_page": 1, "last_page": 1, "per_page": 20, "total": 0, "from": None, "to": None},
        },
    )

    page = client.calls.list(status="failed", search="nothing-matches")

    _assert_empty(page, "data")
    assert (page.pagination.total, page.pagination.last_page) == (0, 1)
    assert (page.pagination.from_, page.pagination.to) == (None, None)
    assert page.to_dict()["pagination"]["from"] is None
    assert len(server.requests) == 1


def test_an_empty_calls_page_from_the_mock(mock: talkover.testing.MockServer) -> None:
    client = mock.client(talkover.Talkover)

    page = client.calls.list(status="failed", search="nothing-matches")

    _assert_empty(page, "data")
    assert (page.pagination.current_page, page.pagination.last_page, page.pagination.total) == (1, 1, 0)
    assert (page.pagination.from_, page.pagination.to) == (None, None), "as Laravel answers"
    agent_page = client.agents.calls.list("agent-uuid-1", status="failed", search="nothing-matches")
    _assert_empty(agent_page, "data")
    assert (agent_page.pagination.from_, agent_page.pagination.to) == (None, None)
    assert len(mock.requests()) == 2


def test_an_empty_agents_meta_page(mock: talkover.testing.MockServer) -> None:
    client = mock.client(talkover.Talkover)

    page = client.agents.list(search="nothing-matches")

    _assert_empty(page, "data")
    assert (page.meta.current_page, page.meta.last_page, page.meta.total) == (1, 1, 0)
    assert len(mock.requests()) == 1


@pytest.mark.parametrize(
    ("template", "path", "last"),
    [
        pytest.param(AGENT_LOGS, "/api/v1/agents/a1/webhooks/w1/logs", 1, id="agent-logs"),
        pytest.param(CAMPAIGN_LOGS, "/api/v1/campaigns/c1/webhooks/w1/logs", None, id="campaign-logs"),
    ],
)
def test_an_empty_webhook_logs_page(
    client: talkover.Talkover, server: RecordingServer, template: str, path: str, last: int | None
) -> None:
    body = _logs_page(template, [], 1, last=last, per_page=25)
    body["pagination"]["total"] = 0
    server.respond("GET", path, json=body)

    resource = client.agents.webhooks if template == AGENT_LOGS else client.campaigns.webhooks
    page = resource.list_logs(path.split("/")[4], "w1")

    _assert_empty(page, "data")
    assert page.pagination.total == 0
    assert len(server.requests) == 1


def test_an_empty_talkturo_offset_page(mock: talkover.testing.MockServer) -> None:
    tt = mock.client(talkover.Talkturo)

    page = tt.campaigns.list(team_id="team_without_campaigns")

    _assert_empty(page, "campaigns")
    assert (page.count, page.offset) == (0, 0)
    assert len(mock.requests()) == 1
