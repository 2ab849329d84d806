"""A tour of the talkover SDK.

    python examples/quickstart.py --local     # against a local stand-in server (make demo)
    python examples/quickstart.py             # against the API named by TALKOVER_TOKEN / TALKOVER_BASE_URL

Against the real API this places a *test* call (is_testing=True) from agent_123456.
"""

from __future__ import annotations

import sys

import talkover


def tour(client: talkover.Talkover) -> None:
    print(f"1. Client ready: {client!r}")
    print(f"   health check -> {client.health.check()}")

    action = client.agents.actions.upsert(
        "agent_123456",
        node_id="action-node-456",
        name="Schedule Meeting",
        description="Schedule a meeting with the customer",
        type="webhook",
        inputs=[{"name": "date", "type": "string", "required": True, "description": "Meeting date"}],
        url="https://api.example.com/schedule",
    )
    inputs = action.input_schema or []  # optional in the docs, so typed as optional
    print(f"2. Action upserted: {action.id} ({action.type}), first input: {inputs[0].name if inputs else None}")

    call = client.calls.create(
        "agent_123456",
        to="+1234567890",
        payload={"customer_name": "John Doe"},
        context={"user_id": "u1"},
        is_testing=True,
    )
    print(f"3. Test call placed: {call.id} to {call.to}, status {call.status}, created {call.created_at}")

    page = client.calls.list(status="completed", per_page=5)
    print(f"4. Completed calls: page {page.pagination.current_page} of {page.pagination.last_page}, "
          f"{page.pagination.total} in all; this page has {len(page.data)}")
    for c in page.data[:2]:
        print(f"   {c.id}: {c.from_} -> {c.to}, {c.duration}s")
    walked = sum(1 for _ in page)
    print(f"   iterating the page walked all {walked} calls across every page")

    try:
        client.calls.create("agent_123456", to="1234567890")
    except talkover.RequestValidationError as e:
        print(f"5. Caught before sending: {e.field}: {e.message}")
    try:
        client.calls.create("agent_999999", to="+1234567890", is_testing=True)
    except talkover.NotFoundError as e:
        print(f"   Answered by the API: {e.status_code} {e.code}: {e.message} (details {e.details})")


def main() -> None:
    server = None
    if "--local" in sys.argv:
        sys.path.insert(0, __file__.rsplit("/", 1)[0])
        import local_server

        url, server = local_server.start()
        client = talkover.Talkover(local_server.TOKEN, base_url=url)
        tt = talkover.Talkturo("demo-token", base_url=url)
    else:
        client = talkover.Talkover()
        tt = None
    try:
        tour(client)
        if tt is not None:
            assistant = tt.assistants.create(account_slug="my-team", name="Support Agent")
            again = tt.assistants.retrieve(assistant.id)
            print(f"6. Talkturo assistant {again.id} '{again.name}' created and read back: {assistant == again}")
    finally:
        if server is not None:
            server.shutdown()


if __name__ == "__main__":
    main()
