"""Error answers: every documented body shape becomes the right exception with the same
fields (README, "Errors"), non-JSON bodies are handled, and a 2xx body that is not what
the spec says is an APIResponseValidationError."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

import pytest

import talkover
from documented import (
    ASSISTANT_200,
    ASSISTANTS_PATH,
    DATA_ERROR,
    DATA_ERROR_WITH_MESSAGE,
    FAILED_TO,
    FLAT_ERROR_WITH_CODE,
    HEALTH_401_EXPIRED,
    HEALTH_401_MISSING,
    HEALTH_401_UNAUTHORIZED,
    HEALTH_PATH,
    HTML_502,
    INTRODUCTION_ERROR,
    LIST_CALLS_200,
    LIST_CALLS_401,
    LIST_CALLS_422,
    LIST_CALLS_500,
    LIST_CALLS_PATH,
    MAKE_CALL_200,
    MAKE_CALL_400,
    MAKE_CALL_401,
    MAKE_CALL_402,
    MAKE_CALL_404,
    MAKE_CALL_429,
    MAKE_CALL_PATH,
    MISSING_BEARER,
    TT_401,
    TT_403,
    UPSERT_200,
    UPSERT_401,
    UPSERT_403,
    UPSERT_404,
    UPSERT_422,
    UPSERT_500,
    UPSERT_PATH,
    VALIDATION_ERROR_BARE,
)
from support import TOKEN, TT_TOKEN, RecordingServer


@pytest.fixture
def client(server: RecordingServer) -> talkover.Talkover:
    """Each test here is about how one answer is read, so no retries (see test_retries.py)."""
    return talkover.Talkover(TOKEN, base_url=server.url, max_retries=0)


@pytest.fixture
def tt(server: RecordingServer) -> talkover.Talkturo:
    return talkover.Talkturo(TT_TOKEN, base_url=server.url, max_retries=0)

Call = Callable[[talkover.Talkover, talkover.Talkturo], object]


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    call: Call


OPERATIONS: dict[str, Operation] = {
    "make_call": Operation(
        "POST", MAKE_CALL_PATH, lambda c, t: c.calls.create("agent_123456", to="+1234567890", is_testing=True)
    ),
    "list_calls": Operation("GET", LIST_CALLS_PATH, lambda c, t: c.calls.list(status="completed")),
    "upsert_action": Operation(
        "POST",
        UPSERT_PATH,
        lambda c, t: c.agents.actions.upsert(
            "agent-uuid", node_id="n1", name="Schedule Meeting", description="d", type="webhook"
        ),
    ),
    "health": Operation("GET", HEALTH_PATH, lambda c, t: c.health.check()),
    "create_assistant": Operation(
        "POST", ASSISTANTS_PATH, lambda c, t: t.assistants.create(account_slug="my-team", name="Support Agent")
    ),
    "get_assistant": Operation("GET", ASSISTANTS_PATH + "/asst_1", lambda c, t: t.assistants.retrieve("asst_1")),
}


def lower_keys(headers: dict[str, str]) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}


@dataclass(frozen=True)
class ErrorCase:
    op: str
    status: int
    body: dict[str, Any]
    cls: type[talkover.APIStatusError]
    code: Optional[str]
    message: str
    details: Optional[dict[str, Any]] = None
    errors: dict[str, list[str]] = field(default_factory=dict)


ERROR_CASES = {
    # {"error": {"code", "message", "details"}} (make call)
    "make_call-400": ErrorCase(
        "make_call",
        400,
        MAKE_CALL_400,
        talkover.BadRequestError,
        "INVALID_PHONE_NUMBER",
        "Phone number must be in international format (e.g., +1234567890)",
        {"field": "to", "value": "1234567890"},
    ),
    "make_call-401": ErrorCase(
        "make_call",
        401,
        MAKE_CALL_401,
        talkover.AuthenticationError,
        "INVALID_TOKEN",
        "Invalid or missing authentication token",
    ),
    "make_call-402": ErrorCase(
        "make_call",
        402,
        MAKE_CALL_402,
        talkover.PaymentRequiredError,
        "INSUFFICIENT_CREDITS",
        "Account has insufficient credits to place this call",
    ),
    "make_call-404": ErrorCase(
        "make_call",
        404,
        MAKE_CALL_404,
        talkover.NotFoundError,
        "AGENT_NOT_FOUND",
        "Voice agent not found",
        {"agent_id": "agent_999999"},
    ),
    "make_call-429": ErrorCase(
        "make_call",
        429,
        MAKE_CALL_429,
        talkover.RateLimitError,
        "RATE_LIMIT_EXCEEDED",
        "Rate limit exceeded. Please wait before making more requests.",
        {"retry_after": 60},
    ),
    # {"success": false, "error": {"code", ...}} (introduction)
    "introduction-401": ErrorCase(
        "health",
        401,
        INTRODUCTION_ERROR,
        talkover.AuthenticationError,
        "INVALID_API_KEY",
        "The provided API key is invalid",
        {},
    ),
    # {"error": "UNAUTHORIZED", "message", "status_code"} (authentication)
    "health-401-unauthorized": ErrorCase(
        "health",
        401,
        HEALTH_401_UNAUTHORIZED,
        talkover.AuthenticationError,
        "UNAUTHORIZED",
        "Invalid or missing authentication token",
    ),
    "health-401-expired": ErrorCase(
        "health", 401, HEALTH_401_EXPIRED, talkover.AuthenticationError, "TOKEN_EXPIRED", "Authentication token has expired"
    ),
    "health-401-missing": ErrorCase(
        "health", 401, HEALTH_401_MISSING, talkover.AuthenticationError, "MISSING_TOKEN", "Authorization header is required"
    ),
    # {"success": false, "message", "code"?}
    "list-401": ErrorCase("list_calls", 401, LIST_CALLS_401, talkover.AuthenticationError, None, "Unauthorized"),
    "list-500": ErrorCase("list_calls", 500, LIST_CALLS_500, talkover.InternalServerError, None, "Internal server error."),
    "upsert-401": ErrorCase("upsert_action", 401, UPSERT_401, talkover.AuthenticationError, None, "Unauthenticated."),
    "upsert-403": ErrorCase(
        "upsert_action",
        403,
        UPSERT_403,
        talkover.PermissionDeniedError,
        None,
        "You are not authorized to create actions for this agent.",
    ),
    "upsert-404": ErrorCase("upsert_action", 404, UPSERT_404, talkover.NotFoundError, None, "Agent not found"),
    "upsert-500": ErrorCase("upsert_action", 500, UPSERT_500, talkover.InternalServerError, None, "Internal server error."),
    "flat-with-code-409": ErrorCase(
        "health", 409, FLAT_ERROR_WITH_CODE, talkover.ConflictError, "TRUNK_HAS_DIDS", "Trunk has DIDs"
    ),
    # {"message", "errors": {field: [..]}} with and without success: false (422)
    "list-422": ErrorCase(
        "list_calls",
        422,
        LIST_CALLS_422,
        talkover.UnprocessableEntityError,
        None,
        "The given data was invalid.",
        errors=LIST_CALLS_422["errors"],
    ),
    "upsert-422": ErrorCase(
        "upsert_action",
        422,
        UPSERT_422,
        talkover.UnprocessableEntityError,
        None,
        "The given data was invalid.",
        errors=UPSERT_422["errors"],
    ),
    "validation-without-success-422": ErrorCase(
        "make_call",
        422,
        VALIDATION_ERROR_BARE,
        talkover.UnprocessableEntityError,
        None,
        "The given data was invalid.",
        errors={"to": ["The to field is required."]},
    ),
    # {"message": "Missing Bearer Token"}
    "missing-bearer-401": ErrorCase("health", 401, MISSING_BEARER, talkover.AuthenticationError, None, "Missing Bearer Token"),
    # {"error": "Unauthorized"} (Talkturo), {"error": "Failed to ..."}
    "talkturo-create-401": ErrorCase("create_assistant", 401, TT_401, talkover.AuthenticationError, None, "Unauthorized"),
    "talkturo-create-403": ErrorCase("create_assistant", 403, TT_403, talkover.PermissionDeniedError, None, "Forbidden"),
    "talkturo-get-401": ErrorCase("get_assistant", 401, TT_401, talkover.AuthenticationError, None, "Unauthorized"),
    "talkturo-get-403": ErrorCase("get_assistant", 403, TT_403, talkover.PermissionDeniedError, None, "Forbidden"),
    "failed-to-500": ErrorCase(
        "create_assistant", 500, FAILED_TO, talkover.InternalServerError, None, "Failed to create assistant"
    ),
    # {"success": false, "message"?, "data": {"error"}}
    "data-error-400": ErrorCase(
        "health",
        400,
        DATA_ERROR,
        talkover.BadRequestError,
        None,
        "Authentication failed (401)",
        {"is_verified": False, "error": "Authentication failed (401)"},
    ),
    "data-error-with-message-400": ErrorCase(
        "health",
        400,
        DATA_ERROR_WITH_MESSAGE,
        talkover.BadRequestError,
        None,
        "SFTP connection failed",
        {"error": "Authentication failed"},
    ),
}


@pytest.mark.parametrize("case", list(ERROR_CASES.values()), ids=list(ERROR_CASES))
def test_documented_error_bodies(
    client: talkover.Talkover, tt: talkover.Talkturo, server: RecordingServer, case: ErrorCase
) -> None:
    op = OPERATIONS[case.op]
    server.respond(
        op.method,
        op.path,
        status=case.status,
        json=case.body,
        headers={"X-RateLimit-Remaining": "0", "X-Request-Id": "req_42"},
    )

    with pytest.raises(talkover.APIStatusError) as caught:
        op.call(client, tt)

    error = caught.value
    assert type(error) is case.cls
    assert isinstance(error, talkover.APIError) and isinstance(error, talkover.TalkoverError)
    assert error.status_code == case.status
    assert error.code == case.code
    assert error.message == case.message
    assert error.details == case.details
    assert type(error.errors) is dict
    assert error.errors == case.errors
    assert type(error.headers) is dict
    headers = lower_keys(error.headers)
    assert headers["x-ratelimit-remaining"] == "0"
    assert headers["x-request-id"] == "req_42"
    assert headers["content-type"] == "application/json"
    assert error.body == case.body
    assert case.message in str(error)
    assert str(case.status) in str(error)
    assert len(server.requests) == 1


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, talkover.BadRequestError),
        (401, talkover.AuthenticationError),
        (402, talkover.PaymentRequiredError),
        (403, talkover.PermissionDeniedError),
        (404, talkover.NotFoundError),
        (409, talkover.ConflictError),
        (422, talkover.UnprocessableEntityError),
        (429, talkover.RateLimitError),
        (500, talkover.InternalServerError),
        (502, talkover.InternalServerError),
        (503, talkover.InternalServerError),
        (504, talkover.InternalServerError),
        (418, talkover.APIStatusError),
        (405, talkover.APIStatusError),
    ],
)
def test_status_maps_to_class(
    client: talkover.Talkover, server: RecordingServer, status: int, cls: type[talkover.APIStatusError]
) -> None:
    server.respond("GET", HEALTH_PATH, status=status, json={"success": False, "message": "boom"}, times=3)

    with pytest.raises(talkover.APIStatusError) as caught:
        client.health.check()

    assert type(caught.value) is cls
    assert caught.value.status_code == status
    assert caught.value.message == "boom"
    assert caught.value.code is None
    assert caught.value.details is None
    assert caught.value.errors == {}


@pytest.mark.parametrize(
    ("headers", "body", "expected"),
    [
        pytest.param({"Retry-After": "30"}, {"success": False, "message": "Too many requests"}, 30.0, id="header"),
        pytest.param({"retry-after": "2.5"}, {"success": False, "message": "Too many requests"}, 2.5, id="header-lower"),
        pytest.param({}, MAKE_CALL_429, 60.0, id="body-details"),
        pytest.param({}, {"success": False, "message": "Too many requests"}, None, id="absent"),
        pytest.param({"Retry-After": "soon"}, {"message": "Too many requests"}, None, id="unparsable-header"),
    ],
)
def test_rate_limit_retry_after(
    client: talkover.Talkover,
    server: RecordingServer,
    headers: dict[str, str],
    body: dict[str, Any],
    expected: Optional[float],
) -> None:
    # Queued more than once: the 429 must come back as an error even if the SDK retries.
    server.respond("POST", MAKE_CALL_PATH, status=429, json=body, headers=headers, times=3)

    with pytest.raises(talkover.RateLimitError) as caught:
        client.calls.create("agent_123456", to="+1234567890")

    assert caught.value.status_code == 429
    assert caught.value.retry_after == expected
    if expected is not None:
        assert isinstance(caught.value.retry_after, float)


def test_html_502_page(client: talkover.Talkover, server: RecordingServer) -> None:
    server.respond("GET", HEALTH_PATH, status=502, body=HTML_502, headers={"Content-Type": "text/html"}, times=3)

    with pytest.raises(talkover.InternalServerError) as caught:
        client.health.check()

    error = caught.value
    assert error.status_code == 502
    assert error.message.startswith("HTTP 502 Bad Gateway")
    assert "<html>" in error.message  # the start of the body
    assert "\n" not in error.message
    assert error.body == HTML_502.decode()
    assert (error.code, error.details, error.errors) == (None, None, {})
    assert lower_keys(error.headers)["content-type"] == "text/html"


def test_empty_503(client: talkover.Talkover, server: RecordingServer) -> None:
    server.respond("GET", HEALTH_PATH, status=503, body=b"", times=3)

    with pytest.raises(talkover.InternalServerError) as caught:
        client.health.check()

    error = caught.value
    assert error.status_code == 503
    assert error.message.startswith("HTTP 503 Service Unavailable")
    assert error.body == ""
    assert (error.code, error.details, error.errors) == (None, None, {})


def test_a_long_non_json_body_is_cut_in_the_message(client: talkover.Talkover, server: RecordingServer) -> None:
    page = b"<html>" + b"x" * 20_000 + b"</html>"
    server.respond("GET", HEALTH_PATH, status=500, body=page, headers={"Content-Type": "text/html"})

    with pytest.raises(talkover.InternalServerError) as caught:
        client.health.check()

    assert caught.value.message.startswith("HTTP 500 Internal Server Error: <html>xxx")
    assert len(caught.value.message) < 1_000
    assert caught.value.body == page.decode()  # the whole body is still available


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b'["not", "an", "object"]', id="json-array"),
        pytest.param(b'"text"', id="json-string"),
        pytest.param(b"null", id="json-null"),
        pytest.param(b"<html>oops</html>", id="html"),
    ],
)
def test_error_bodies_of_other_shapes_fall_back_to_the_status_line(
    client: talkover.Talkover, server: RecordingServer, body: bytes
) -> None:
    server.respond("GET", HEALTH_PATH, status=400, body=body)

    with pytest.raises(talkover.BadRequestError) as caught:
        client.health.check()

    assert caught.value.message.startswith("HTTP 400 Bad Request")
    assert caught.value.code is None


@dataclass(frozen=True)
class BadSuccess:
    op: str
    body: bytes


def _json(value: Any) -> bytes:
    return json.dumps(value).encode()


def _without(body: dict[str, Any], *path: str) -> dict[str, Any]:
    body = copy.deepcopy(body)
    target = body
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    return body


def _with(body: dict[str, Any], value: Any, *path: str) -> dict[str, Any]:
    body = copy.deepcopy(body)
    target = body
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return body


BAD_SUCCESS = {
    "make_call-missing-data.id": BadSuccess("make_call", _json(_without(MAKE_CALL_200, "data", "id"))),
    "make_call-missing-data": BadSuccess("make_call", _json(_without(MAKE_CALL_200, "data"))),
    "make_call-id-not-a-string": BadSuccess("make_call", _json(_with(MAKE_CALL_200, 123, "data", "id"))),
    "make_call-not-json": BadSuccess("make_call", b"<html>OK</html>"),
    "make_call-empty": BadSuccess("make_call", b""),
    "make_call-truncated": BadSuccess("make_call", _json(MAKE_CALL_200)[:-5]),
    "list-missing-pagination": BadSuccess("list_calls", _json(_without(LIST_CALLS_200, "pagination"))),
    "list-data-not-a-list": BadSuccess("list_calls", _json(_with(LIST_CALLS_200, {"id": "x"}, "data"))),
    "list-item-missing-status": BadSuccess("list_calls", _json(_without(LIST_CALLS_200, "data", 0, "status"))),  # type: ignore[arg-type]
    "upsert-missing-data.id": BadSuccess("upsert_action", _json(_without(UPSERT_200, "data", "id"))),
    "health-array": BadSuccess("health", b"[1, 2]"),
    "health-not-json": BadSuccess("health", b"OK"),
    "assistant-missing": BadSuccess("create_assistant", _json(_without(ASSISTANT_200, "assistant"))),
    "assistant-max_tokens-not-int": BadSuccess(
        "get_assistant", _json(_with(ASSISTANT_200, "many", "assistant", "max_tokens"))
    ),
}


@pytest.mark.parametrize("case", list(BAD_SUCCESS.values()), ids=list(BAD_SUCCESS))
def test_success_body_not_as_documented(
    client: talkover.Talkover, tt: talkover.Talkturo, server: RecordingServer, case: BadSuccess
) -> None:
    op = OPERATIONS[case.op]
    server.respond(op.method, op.path, status=200, body=case.body, headers={"Content-Type": "application/json"})

    with pytest.raises(talkover.APIResponseValidationError) as caught:
        op.call(client, tt)

    error = caught.value
    assert isinstance(error, talkover.APIError)
    assert not isinstance(error, talkover.APIStatusError)
    assert error.status_code == 200
    text = case.body.decode()
    try:
        expected_body: Any = json.loads(text)
    except ValueError:
        expected_body = text
    assert error.body == expected_body
    assert error.message


# --- the hierarchy ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cls", "bases"),
    [
        (talkover.TalkoverError, (Exception,)),
        (talkover.ConfigurationError, (talkover.TalkoverError,)),
        (talkover.RequestValidationError, (talkover.TalkoverError, ValueError)),
        (talkover.APIError, (talkover.TalkoverError,)),
        (talkover.APIConnectionError, (talkover.APIError,)),
        (talkover.APITimeoutError, (talkover.APIConnectionError,)),
        (talkover.APIResponseValidationError, (talkover.APIError,)),
        (talkover.APIStatusError, (talkover.APIError,)),
        (talkover.BadRequestError, (talkover.APIStatusError,)),
        (talkover.AuthenticationError, (talkover.APIStatusError,)),
        (talkover.PaymentRequiredError, (talkover.APIStatusError,)),
        (talkover.PermissionDeniedError, (talkover.APIStatusError,)),
        (talkover.NotFoundError, (talkover.APIStatusError,)),
        (talkover.ConflictError, (talkover.APIStatusError,)),
        (talkover.UnprocessableEntityError, (talkover.APIStatusError,)),
        (talkover.RateLimitError, (talkover.APIStatusError,)),
        (talkover.InternalServerError, (talkover.APIStatusError,)),
    ],
)
def test_hierarchy(cls: type[Exception], bases: tuple[type[Exception], ...]) -> None:
    assert all(issubclass(cls, base) for base in bases)
    assert getattr(talkover, cls.__name__) is cls


def test_status_errors_are_not_connection_or_validation_errors() -> None:
    assert not issubclass(talkover.APIStatusError, talkover.APIConnectionError)
    assert not issubclass(talkover.APIConnectionError, talkover.APIStatusError)
    assert not issubclass(talkover.APIError, ValueError)
    assert not issubclass(talkover.ConfigurationError, talkover.APIError)


def test_errors_of_a_make_call_are_not_resent(server: RecordingServer) -> None:
    """A make-call that may have reached the server is never re-sent (a second real call),
    even with retries on."""
    client = talkover.Talkover(TOKEN, base_url=server.url)
    server.respond("POST", MAKE_CALL_PATH, status=500, json={"success": False, "message": "Internal server error."})
    server.respond("POST", MAKE_CALL_PATH, json=MAKE_CALL_200)

    with pytest.raises(talkover.InternalServerError):
        client.calls.create("agent_123456", to="+1234567890")

    assert len(server.requests) == 1


def test_errors_survive_pickling_with_every_field(client: talkover.Talkover, server: RecordingServer) -> None:
    # Errors cross process boundaries (multiprocessing, task queues) as pickles.
    import pickle

    server.respond("POST", MAKE_CALL_PATH, status=429, json=MAKE_CALL_429, headers={"Retry-After": "30"})
    with pytest.raises(talkover.RateLimitError) as caught:
        client.calls.create("agent_123456", to="+1234567890")
    original = caught.value
    restored = pickle.loads(pickle.dumps(original))
    assert type(restored) is talkover.RateLimitError
    assert str(restored) == str(original)
    for name in ("status_code", "code", "message", "details", "errors", "headers", "body", "retry_after"):
        assert getattr(restored, name) == getattr(original, name), name

    with pytest.raises(talkover.RequestValidationError) as invalid:
        client.calls.create("agent_123456", to="1234567890")
    again = pickle.loads(pickle.dumps(invalid.value))
    assert (type(again), again.field, again.message, str(again)) == (
        talkover.RequestValidationError,
        invalid.value.field,
        invalid.value.message,
        str(invalid.value),
    )


def test_a_details_that_is_not_an_object_is_not_passed_off_as_one(client: talkover.Talkover, server: RecordingServer) -> None:
    server.respond("GET", HEALTH_PATH, status=400, json={"error": {"code": "X", "message": "m", "details": "x"}})

    with pytest.raises(talkover.BadRequestError) as caught:
        client.health.check()

    assert caught.value.details is None
    assert caught.value.body == {"error": {"code": "X", "message": "m", "details": "x"}}


def test_a_non_json_error_says_its_status_once(client: talkover.Talkover, server: RecordingServer) -> None:
    server.respond("GET", HEALTH_PATH, status=500, body=b"<html>oops</html>")

    with pytest.raises(talkover.InternalServerError) as caught:
        client.health.check()

    assert str(caught.value) == "HTTP 500 Internal Server Error: <html>oops</html>"


def test_retry_after_as_an_http_date(client: talkover.Talkover, server: RecordingServer) -> None:
    import email.utils
    import time

    server.respond("GET", HEALTH_PATH, status=503, headers={"Retry-After": email.utils.formatdate(time.time() + 30, usegmt=True)})

    with pytest.raises(talkover.InternalServerError) as caught:
        client.health.check()

    assert caught.value.retry_after is not None and 28 <= caught.value.retry_after <= 30
