"""Blocking I/O runs with the GIL released, so Python threads sharing one client run in
parallel. Checked without timing: the server answers a request only once a second one has
arrived (a two-party barrier); if the first call held the GIL during its I/O, the second
thread could never send its request, the barrier would break and both calls would fail."""

from __future__ import annotations

import threading
from typing import Callable

import pytest

import talkover
from documented import (
    ASSISTANT_200,
    ASSISTANTS_PATH,
    HEALTH_PATH,
    LIST_CALLS_PATH,
    MAKE_CALL_200,
    MAKE_CALL_PATH,
    calls_page,
)
from support import MAX_WAIT, RecordingServer

Clients = tuple[talkover.Talkover, talkover.Talkturo]


def run_in_two_threads(work: Callable[[], object]) -> list[object]:
    """Runs ``work`` in two threads at once; returns both results (or raised exceptions)."""
    results: list[object] = []
    lock = threading.Lock()

    def target() -> None:
        try:
            result: object = work()
        except BaseException as error:  # noqa: BLE001 - reported by the test
            result = error
        with lock:
            results.append(result)

    threads = [threading.Thread(target=target, daemon=True) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=2 * MAX_WAIT)
    assert not any(t.is_alive() for t in threads), "a thread is stuck"
    return results


class Gate:
    """The barrier both requests must reach before either is answered."""

    def __init__(self) -> None:
        self.barrier = threading.Barrier(2, timeout=MAX_WAIT)
        self.broken = False

    def wait(self) -> None:
        try:
            self.barrier.wait()
        except threading.BrokenBarrierError:
            self.broken = True
            raise


def test_two_threads_share_one_client(client: talkover.Talkover, server: RecordingServer) -> None:
    gate = Gate()
    server.respond("GET", HEALTH_PATH, json={"ok": True}, before=gate.wait, times=2)

    results = run_in_two_threads(client.health.check)

    assert results == [{"ok": True}, {"ok": True}]
    assert not gate.broken
    assert len(server.requests) == 2


@pytest.mark.parametrize(
    ("method", "path", "answer", "work"),
    [
        pytest.param(
            "POST",
            MAKE_CALL_PATH,
            MAKE_CALL_200,
            lambda c, t: c.calls.create("agent_123456", to="+1234567890").id,
            id="calls.create",
        ),
        pytest.param(
            "GET",
            ASSISTANTS_PATH + "/a",
            ASSISTANT_200,
            lambda c, t: t.assistants.retrieve("a").id,
            id="talkturo-assistants.retrieve",
        ),
    ],
)
def test_other_operations_release_the_gil(
    client: talkover.Talkover,
    tt: talkover.Talkturo,
    server: RecordingServer,
    method: str,
    path: str,
    answer: dict[str, object],
    work: Callable[[talkover.Talkover, talkover.Talkturo], object],
) -> None:
    gate = Gate()
    server.respond(method, path, json=answer, before=gate.wait, times=2)

    results = run_in_two_threads(lambda: work(client, tt))

    assert all(not isinstance(r, BaseException) for r in results), results
    assert len(results) == 2
    assert not gate.broken


@pytest.mark.parametrize("how", ["next_page", "iterate"])
def test_fetching_later_pages_releases_the_gil(client: talkover.Talkover, server: RecordingServer, how: str) -> None:
    server.respond("GET", LIST_CALLS_PATH, json=calls_page(["c1"], current=1, last=2))
    first = client.calls.list()
    gate = Gate()
    server.respond("GET", LIST_CALLS_PATH, json=calls_page(["c2"], current=2, last=2), before=gate.wait, times=2)

    def work() -> object:
        if how == "next_page":
            page = first.next_page()
            return None if page is None else [c.id for c in page.data]
        return [c.id for c in first]

    results = run_in_two_threads(work)

    expected = ["c2"] if how == "next_page" else ["c1", "c2"]
    assert results == [expected, expected]
    assert not gate.broken
