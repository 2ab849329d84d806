"""Retries, against the bundled mock: every fault kind x a safe operation (list calls, GET) and
an unsafe one (make a call, POST), checked from the mock's request log (how many requests
arrived) and from what the caller got. A make-call is never sent twice unless the first
surely did not run (the connection could not be made) or was refused with 429.

Also: waits (lower bounds only), with_options, raw responses, logging and Ctrl-C."""

from __future__ import annotations

import email.utils
import logging
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from typing import Any, Iterator

import pytest

import talkover
from documented import LIST_CALLS_PATH, MAKE_CALL_PATH
from support import MAX_WAIT, closed_port
from talkover.testing import MockServer

SAFE = ("GET", LIST_CALLS_PATH)
UNSAFE = ("POST", MAKE_CALL_PATH)


@pytest.fixture
def mock() -> Iterator[MockServer]:
    with MockServer() as server:
        yield server


def call(client: talkover.Talkover, operation: tuple[str, str]) -> Any:
    if operation == SAFE:
        return client.calls.list()
    return client.calls.create("agent_123456", to="+15550001111", is_testing=True)


def arrived(mock: MockServer, operation: tuple[str, str]) -> int:
    method, path = operation
    return sum(1 for r in mock.requests() if r.method == method and r.path == path)


def placed_calls(mock: MockServer) -> int:
    """Calls the mock placed through make-call (they are listed as initiated)."""
    client = mock.client(talkover.Talkover, max_retries=0)
    return sum(1 for c in client.calls.list(per_page=100) if c.status == "initiated")


# --- the fault matrix ---------------------------------------------------------------------------

RETRYABLE_STATUSES = [408, 429, 500, 502, 503, 504]


@pytest.mark.parametrize("status", RETRYABLE_STATUSES)
def test_a_safe_operation_is_retried_after_a_transient_status(mock: MockServer, status: int) -> None:
    mock.fail_next(status, headers={"Retry-After": "0"}, method="GET", path=LIST_CALLS_PATH)

    page = call(mock.client(talkover.Talkover), SAFE)

    assert len(page.data) == 2
    assert arrived(mock, SAFE) == 2


@pytest.mark.parametrize("status", [s for s in RETRYABLE_STATUSES if s != 429])
def test_an_unsafe_operation_is_not_retried_after_a_status_it_may_have_run_through(
    mock: MockServer, status: int
) -> None:
    mock.fail_next(status, headers={"Retry-After": "0"}, method="POST", path=MAKE_CALL_PATH)

    with pytest.raises(talkover.APIStatusError) as caught:
        call(mock.client(talkover.Talkover), UNSAFE)

    assert caught.value.status_code == status
    assert arrived(mock, UNSAFE) == 1


def test_an_unsafe_operation_is_retried_after_429(mock: MockServer) -> None:
    """A 429 means the request was refused before it ran."""
    mock.fail_next(429, headers={"Retry-After": "0"}, method="POST", path=MAKE_CALL_PATH)

    created = call(mock.client(talkover.Talkover), UNSAFE)

    assert created.status == "initiated"
    assert arrived(mock, UNSAFE) == 2
    assert placed_calls(mock) == 1


def test_retries_stop_at_max_retries(mock: MockServer) -> None:
    mock.fail_next(503, headers={"Retry-After": "0"}, method="GET", path=LIST_CALLS_PATH, times=5)

    with pytest.raises(talkover.InternalServerError):
        call(mock.client(talkover.Talkover, max_retries=3), SAFE)

    assert arrived(mock, SAFE) == 4


def test_max_retries_zero_sends_once(mock: MockServer) -> None:
    mock.fail_next(503, headers={"Retry-After": "0"}, method="GET", path=LIST_CALLS_PATH)

    with pytest.raises(talkover.InternalServerError):
        call(mock.client(talkover.Talkover, max_retries=0), SAFE)

    assert arrived(mock, SAFE) == 1


@pytest.mark.parametrize(
    "fault",
    [
        pytest.param({"drop_connection": True}, id="dropped"),
        pytest.param({"truncate": True}, id="truncated"),
        pytest.param({"delay": 1.0}, id="delay-past-the-timeout"),
    ],
)
def test_a_broken_attempt_is_retried_only_when_safe(mock: MockServer, fault: dict[str, Any]) -> None:
    for operation in (SAFE, UNSAFE):
        method, path = operation
        mock.fail_next(method=method, path=path, **fault)
    client = mock.client(talkover.Talkover, timeout=0.3)

    assert len(call(client, SAFE).data) == 2
    assert arrived(mock, SAFE) == 2

    with pytest.raises(talkover.APIConnectionError):
        call(client, UNSAFE)
    assert arrived(mock, UNSAFE) == 1


def test_no_duplicate_make_call_under_any_fault(mock: MockServer) -> None:
    """Every fault kind once on make-call, then a successful one: the mock placed at most one
    call per make-call that the caller saw succeed, and none for the failed ones twice."""
    client = mock.client(talkover.Talkover, timeout=0.3)
    succeeded = 0
    faults: list[dict[str, Any]] = [{"status": s, "headers": {"Retry-After": "0"}} for s in RETRYABLE_STATUSES]
    faults += [{"drop_connection": True}, {"truncate": True}, {"delay": 1.0}]
    for fault in faults:
        mock.clear_requests()
        mock.fail_next(method="POST", path=MAKE_CALL_PATH, **fault)
        try:
            call(client, UNSAFE)
            succeeded += 1
        except talkover.APIError:
            pass
        # One request, or two when the first was a 429 (refused before it ran).
        assert arrived(mock, UNSAFE) == (2 if fault.get("status") == 429 else 1), fault
    time.sleep(1.2)  # the delayed make-call completes on the mock's side
    # Calls placed: the succeeded ones, plus those that ran although the caller saw an error
    # (a truncated or dropped answer, a timeout): never more than one per make-call sent.
    assert placed_calls(mock) <= len(faults)
    assert succeeded == 1  # only the 429 case, through its retry


def test_a_refused_connection_is_retried_even_for_make_call() -> None:
    """Nothing was sent: the server is not there yet. It comes up during the retry wait."""
    port = closed_port()
    client = talkover.Talkover("talq_x", base_url=f"http://127.0.0.1:{port}", max_retries=3, timeout=MAX_WAIT)
    started: dict[str, MockServer] = {}

    def start_later() -> None:
        time.sleep(0.2)
        started["mock"] = MockServer(port=port)

    thread = threading.Thread(target=start_later)
    thread.start()
    try:
        created = call(client, UNSAFE)
        thread.join()
        assert created.status == "initiated"
        assert arrived(started["mock"], UNSAFE) == 1
    finally:
        thread.join()
        if "mock" in started:
            started["mock"].stop()


def test_a_refused_connection_fails_after_the_retries() -> None:
    client = talkover.Talkover("talq_x", base_url=f"http://127.0.0.1:{closed_port()}", max_retries=1)

    started = time.monotonic()
    with pytest.raises(talkover.APIConnectionError):
        call(client, UNSAFE)
    assert time.monotonic() - started >= 0.5 * 0.75  # one backoff wait


# --- waits ----------------------------------------------------------------------------------------


def http_date(seconds_from_now: float) -> str:
    return email.utils.formatdate(time.time() + seconds_from_now, usegmt=True)


@pytest.mark.parametrize(
    "headers, body",
    [
        pytest.param({"Retry-After": "1"}, None, id="retry-after-seconds"),
        pytest.param({"retry-after-ms": "1000"}, None, id="retry-after-ms"),
        pytest.param({"Retry-After": "<date in 2 s>"}, None, id="retry-after-date"),
        pytest.param(
            {},
            {"error": {"code": "RATE_LIMIT_EXCEEDED", "message": "slow down", "details": {"retry_after": 1}}},
            id="details-retry-after",
        ),
    ],
)
def test_the_server_s_wait_is_waited(mock: MockServer, headers: dict[str, str], body: Any) -> None:
    headers = {name: http_date(2) if value == "<date in 2 s>" else value for name, value in headers.items()}
    mock.fail_next(429, headers=headers, body=body, method="POST", path=MAKE_CALL_PATH)

    started = time.monotonic()
    call(mock.client(talkover.Talkover), UNSAFE)
    elapsed = time.monotonic() - started

    assert elapsed >= 0.95, f"retried after {elapsed:.2f} s"
    assert arrived(mock, UNSAFE) == 2


def test_a_wait_over_a_minute_is_raised_not_slept(mock: MockServer) -> None:
    mock.fail_next(429, headers={"Retry-After": "120"}, method="GET", path=LIST_CALLS_PATH)

    with pytest.raises(talkover.RateLimitError) as caught:
        call(mock.client(talkover.Talkover), SAFE)

    assert caught.value.retry_after == 120.0
    assert arrived(mock, SAFE) == 1


def test_without_a_server_wait_the_backoff_applies(mock: MockServer) -> None:
    mock.fail_next(503, method="GET", path=LIST_CALLS_PATH, times=2)

    started = time.monotonic()
    call(mock.client(talkover.Talkover), SAFE)
    elapsed = time.monotonic() - started

    assert elapsed >= (0.5 + 1.0) * 0.75, f"two retries after {elapsed:.2f} s"
    assert arrived(mock, SAFE) == 3


def test_a_503_carries_retry_after_too(mock: MockServer) -> None:
    mock.fail_next(503, headers={"Retry-After": "90"}, method="GET", path=LIST_CALLS_PATH)

    with pytest.raises(talkover.InternalServerError) as caught:
        call(mock.client(talkover.Talkover), SAFE)

    assert caught.value.retry_after == 90.0


def test_page_iteration_retries_each_page(mock: MockServer) -> None:
    client = mock.client(talkover.Talkover)
    page = client.calls.list(per_page=1)
    mock.fail_next(503, headers={"Retry-After": "0"}, method="GET", path=LIST_CALLS_PATH)

    assert [c.id for c in page] == ["call-uuid-2", "call-uuid-1"]
    assert arrived(mock, SAFE) == 3


# --- with_options ---------------------------------------------------------------------------------


def test_with_options_changes_a_copy_only(mock: MockServer) -> None:
    client = mock.client(talkover.Talkover)
    strict = client.with_options(max_retries=0, timeout=5.0, default_headers={"X-Team": "sales"})
    mock.fail_next(503, headers={"Retry-After": "0"}, method="GET", path=LIST_CALLS_PATH)

    with pytest.raises(talkover.InternalServerError):
        strict.calls.list()
    assert len(client.calls.list().data) == 2  # the original still retries (nothing queued now)

    mock.clear_requests()
    strict.calls.list()
    client.calls.list()
    first, second = mock.requests()
    assert first.headers["x-team"] == "sales"
    assert "x-team" not in second.headers
    assert isinstance(strict, talkover.Talkover)


def test_with_options_checks_its_arguments(mock: MockServer) -> None:
    client = mock.client(talkover.Talkover)
    with pytest.raises(talkover.ConfigurationError):
        client.with_options(timeout=0)
    with pytest.raises(talkover.ConfigurationError):
        client.with_options(default_headers={"Content-Length": "1"})


def test_a_short_timeout_from_with_options_applies(mock: MockServer) -> None:
    client = mock.client(talkover.Talkover, timeout=30.0)
    mock.fail_next(delay=1.0, method="GET", path=LIST_CALLS_PATH)

    with pytest.raises(talkover.APITimeoutError):
        client.with_options(timeout=0.2, max_retries=0).calls.list()


# --- raw responses --------------------------------------------------------------------------------


def test_raw_response_fields(mock: MockServer) -> None:
    client = mock.client(talkover.Talkover)
    mock.fail_next(429, headers={"Retry-After": "0"}, method="POST", path=MAKE_CALL_PATH)

    raw = client.calls.with_raw_response.create("agent_123456", to="+15550001111", is_testing=True)

    assert raw.status_code in (200, 201)
    assert raw.retries == 1
    assert raw.elapsed.total_seconds() > 0
    assert raw.headers["content-type"].startswith("application/json")
    assert raw.headers["X-RateLimit-Limit"] == raw.headers["x-ratelimit-limit"]
    assert raw.headers.rate_limit.remaining is not None
    assert raw.headers.get_list("X-RATELIMIT-LIMIT") == [raw.headers["x-ratelimit-limit"]]
    call_ = raw.parse()
    assert isinstance(call_, talkover.Call)
    assert call_.to == "+15550001111"
    assert raw.parse() == call_
    assert b"+15550001111" in raw.content


def test_a_raw_list_parses_into_the_page_that_walks_the_rest(mock: MockServer) -> None:
    client = mock.client(talkover.Talkover)

    raw = client.calls.with_raw_response.list(per_page=1)
    page = raw.parse()

    assert raw.retries == 0
    assert isinstance(page, talkover.ListCallsPage)
    assert [c.id for c in page] == [c.id for c in client.calls.list(per_page=1)]
    assert page.has_next_page()


def test_a_raw_response_of_an_error_raises_as_the_plain_method(mock: MockServer) -> None:
    client = mock.client(talkover.Talkover)
    with pytest.raises(talkover.NotFoundError):
        client.agents.with_raw_response.retrieve("no-such-agent")


def test_talkturo_has_raw_responses(mock: MockServer) -> None:
    tt = mock.client(talkover.Talkturo)
    created = tt.assistants.with_raw_response.create(account_slug="my-team", name="Support Agent")
    assistant = created.parse()
    assert tt.assistants.with_raw_response.retrieve(assistant.id).parse() == tt.assistants.retrieve(assistant.id)


# --- logging --------------------------------------------------------------------------------------


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def records() -> Iterator[Records]:
    logger = logging.getLogger("talkover")
    handler = Records()
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def test_every_attempt_and_retry_is_logged_without_secrets(mock: MockServer, records: Records) -> None:
    client = mock.client(talkover.Talkover, default_headers={"X-Api-Key": "key_TOPSECRET_123"})
    mock.fail_next(503, headers={"Retry-After": "0"}, method="GET", path=LIST_CALLS_PATH)

    client.calls.list(status="completed", search="+1 555")

    debug = [r.getMessage() for r in records.records if r.levelno == logging.DEBUG]
    info = [r.getMessage() for r in records.records if r.levelno == logging.INFO]
    assert len(debug) == 2, debug
    assert "GET /api/v1/calls?status=completed&search=%2B1%20555" in debug[0]
    assert "HTTP 503" in debug[0] and "attempt 1" in debug[0] and " ms" in debug[0]
    assert "HTTP 200" in debug[1] and "attempt 2" in debug[1]
    assert len(info) == 1 and "retrying GET /api/v1/calls" in info[0] and "HTTP 503" in info[0]
    everything = " ".join(debug + info)
    assert mock.token not in everything and "TOPSECRET" not in everything
    assert all(r.name == "talkover" for r in records.records)


def test_nothing_is_logged_above_the_level(mock: MockServer, records: Records) -> None:
    logging.getLogger("talkover").setLevel(logging.WARNING)
    mock.client(talkover.Talkover).calls.list()
    assert records.records == []


def test_talkover_log_turns_on_a_stderr_handler(mock: MockServer) -> None:
    code = textwrap.dedent(
        f"""
        import talkover
        talkover.Talkover({mock.token!r}, base_url={mock.url!r}).health.check()
        """
    )
    env = {**os.environ, "TALKOVER_LOG": "debug"}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "GET /api/v1/health: HTTP 200" in result.stderr
    assert mock.token not in result.stderr


# --- Ctrl-C ---------------------------------------------------------------------------------------

INTERRUPTIBLE = """
import sys, time, talkover
client = talkover.Talkover("talq_x", base_url=sys.argv[1], timeout=30, max_retries={retries})
print("ready", flush=True)
started = time.monotonic()
try:
    {call}
except KeyboardInterrupt:
    print(f"interrupted after {{time.monotonic() - started:.2f}}", flush=True)
    # The client is still usable after the interruption.
    print("after:", sorted(client.health.check()), flush=True)
"""


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize(
    "fault, retries, snippet",
    [
        pytest.param({"delay": 20.0}, 0, "client.calls.list()", id="blocked-on-the-network"),
        pytest.param({"status": 429, "headers": {"Retry-After": "30"}}, 2, "client.calls.list()", id="in-a-retry-wait"),
    ],
)
def test_ctrl_c_interrupts_a_blocked_call(mock: MockServer, fault: dict[str, Any], retries: int, snippet: str) -> None:
    mock.fail_next(method="GET", path=LIST_CALLS_PATH, **fault)
    script = INTERRUPTIBLE.format(retries=retries, call=snippet)
    child = subprocess.Popen(
        [sys.executable, "-c", script, mock.url], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready"
        # Wait until the request reached the mock, so the child is blocked in it.
        deadline = time.monotonic() + MAX_WAIT
        while arrived(mock, SAFE) == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.3)
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
    assert "interrupted after" in out, (out, err)
    assert "after: ['status'" in out or "after: [" in out, (out, err)
    seconds = float(out.split("interrupted after ")[1].split()[0])
    assert seconds < 15, "interrupted long before the 20-30 s wait would have ended"

