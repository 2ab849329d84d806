"""A tour of the talkover SDK.

    python examples/quickstart.py --local     # against the bundled mock server (make demo)
    python examples/quickstart.py             # against the API named by TALKOVER_TOKEN / TALKOVER_BASE_URL

Against the real API this places a *test* call (is_testing=True) from agent_123456.
"""

from __future__ import annotations

import sys

import talkover
from talkover.testing import MockServer


def step(number: int, title: str) -> None:
    print(f"\n{number}. {title}")


def tour(client: talkover.Talkover) -> None:
    step(1, "Configure an agent action (upserted by node_id: the second call updates it)")
    for description in ("Schedule a meeting", "Schedule a meeting with the customer"):
        action = client.agents.actions.upsert(
            "agent_123456",
            node_id="action-node-456",
            name="Schedule Meeting",
            description=description,
            type="webhook",
            inputs=[{"name": "date", "type": "string", "required": True}],
            url="https://api.example.com/schedule",
        )
        inputs = action.input_schema or []  # optional in the docs, so typed as optional
        print(f"   {action.id}: {action.description!r} ({action.type}), inputs {[i.name for i in inputs]}")

    step(2, "Place test calls (is_testing=True: no credits, no real phone rings)")
    for number in ("+15550100001", "+15550100002", "+15550100003"):
        call = client.calls.create(
            "agent_123456",
            to=number,
            payload={"customer_name": "John Doe"},
            context={"user_id": "u1"},
            is_testing=True,
        )
        print(f"   {call.id} -> {call.to}: {call.status} at {call.created_at}")

    step(3, "List outbound calls, two per page, and walk every page")
    page = client.calls.list(direction="outbound", per_page=2)
    p = page.pagination
    print(f"   page {p.current_page} of {p.last_page}: calls {p.from_}-{p.to} of {p.total}")
    for position, c in enumerate(page, start=1):  # iterating fetches the next pages as needed
        print(f"   {position}. {c.id}  {c.to}  {c.status}")

    step(4, "Handle errors")
    try:
        client.calls.create("agent_123456", to="1234567890")
    except talkover.RequestValidationError as e:
        print(f"   refused before sending: {e.field}: {e.message}")
    try:
        client.calls.create("agent_999999", to="+15550100001", is_testing=True)
    except talkover.NotFoundError as e:
        print(f"   answered by the API: {e.status_code} {e.code}: {e.message} (details {e.details})")


def resilience(client: talkover.Talkover, mock: MockServer) -> None:
    step(5, "Test your error handling with the mock's fault injection")
    mock.fail_next(429, headers={"Retry-After": "2"}, path="/api/v1/calls")
    try:
        client.calls.list()
    except talkover.RateLimitError as e:
        print(f"   rate limited: {e.status_code} {e.message!r}, retry after {e.retry_after}s")
    mock.fail_next(drop_connection=True)
    try:
        client.health.check()
    except talkover.APIConnectionError as e:
        print(f"   connection dropped: {type(e).__name__}")
    seen = mock.requests()
    print(f"   the mock received {len(seen)} requests; the last: {seen[-1].method} {seen[-1].path}")


def main() -> None:
    if "--local" not in sys.argv:
        tour(talkover.Talkover())
        return
    with MockServer() as mock:
        print(f"Bundled mock server at {mock.url} (token {mock.token[:10]}...)")
        client = mock.client(talkover.Talkover)
        tour(client)
        resilience(client, mock)

        step(6, "Build an agent, publish it and run a campaign with it")
        agent = client.agents.create(
            label="Renewals",
            name="renewals",
            language="en-US",
            interrupt_sensitivity="medium",
            endpointing_sensitivity="medium",
            ivr_navigation_mode="off",
        )
        published = client.agents.publish(agent.id)
        print(f"   agent {agent.id}: {agent.current_status} -> {published.current_status}")
        names = [a.label for a in client.agents.list(per_page=2)]  # `meta` pages, walked in full
        print(f"   {len(names)} agents: {', '.join(str(n) for n in names)}")
        campaign = client.campaigns.create(
            name="Q1 renewals",
            campaign_type="follow_up",
            agent_id=agent.id,
            start_date="2025-01-06",
            days_of_week=[1, 2, 3, 4, 5],
            call_time_ranges=[{"start": "09:00", "end": "12:00"}],
        )
        queued = client.campaigns.calls.create(campaign.id, to="+15550100004", is_testing=True)
        print(f"   campaign {campaign.id} ({campaign.status}); call {queued.campaign_call.id} {queued.campaign_call.status}")

        step(7, "The same SDK speaks Talkturo")
        tt = mock.client(talkover.Talkturo)
        assistant = tt.assistants.create(account_slug="my-team", name="Support Agent")
        again = tt.assistants.retrieve(assistant.id)
        print(f"   assistant {again.id} {again.name!r} created and read back: {assistant == again}")
        for name in ("Spring", "Summer", "Autumn"):
            tt.campaigns.create(team_id="team_demo", assistant_id=assistant.id, from_number_ids=["pn_1"], name=name)
        first = tt.campaigns.list(team_id="team_demo", limit=2)  # count/limit/offset pages
        print(f"   {first.count} campaigns, {first.limit} per page: {[c.name for c in first]}")


if __name__ == "__main__":
    main()
