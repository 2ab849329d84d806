"""The exceptions the SDK raises. All derive from :class:`TalkoverError`.

::

    TalkoverError
    ├── ConfigurationError                      missing token, bad base_url
    ├── RequestValidationError (ValueError)     an argument broke the spec; nothing was sent
    └── APIError
        ├── APIConnectionError ── APITimeoutError
        ├── APIResponseValidationError          a 2xx body not shaped as the spec says
        └── APIStatusError                      the API answered with an error status
            ├── BadRequestError 400             ├── NotFoundError 404
            ├── AuthenticationError 401         ├── ConflictError 409
            ├── PaymentRequiredError 402        ├── UnprocessableEntityError 422
            ├── PermissionDeniedError 403       ├── RateLimitError 429
            └── InternalServerError >= 500
"""

from __future__ import annotations

# `typing` costs more to import than the rest of the package; the names are for annotations
# only (strings under `from __future__ import annotations`), so it is imported for checkers.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Mapping

__all__ = [
    "TalkoverError",
    "ConfigurationError",
    "RequestValidationError",
    "APIError",
    "APIConnectionError",
    "APITimeoutError",
    "APIResponseValidationError",
    "APIStatusError",
    "BadRequestError",
    "AuthenticationError",
    "PaymentRequiredError",
    "PermissionDeniedError",
    "NotFoundError",
    "ConflictError",
    "UnprocessableEntityError",
    "RateLimitError",
    "InternalServerError",
]


class TalkoverError(Exception):
    """Base class of every error the SDK raises."""

    def __reduce__(self) -> tuple[Any, ...]:
        # The subclasses take keyword-only fields, which pickle's default (cls(*args)) would
        # drop: rebuild from the message and the instance's fields instead, so errors cross
        # process boundaries (multiprocessing, task queues) intact.
        return (_restore, (type(self), self.args, self.__dict__))


def _restore(cls: type[TalkoverError], args: tuple[Any, ...], fields: dict[str, Any]) -> TalkoverError:
    error = cls.__new__(cls)
    Exception.__init__(error, *args)
    error.__dict__.update(fields)
    return error


class ConfigurationError(TalkoverError):
    """The client cannot be built: no token, an unusable base URL, header or timeout."""


class RequestValidationError(TalkoverError, ValueError):
    """An argument broke a constraint of the spec. Nothing was sent.

    ``field`` is the argument's Python name (``inputs[0].name`` inside nested values).
    """

    field: str | None
    message: str

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
        self.message = message


class APIError(TalkoverError):
    """The request was sent (or tried) and did not give the expected result."""

    message: str

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class APIConnectionError(APIError):
    """No HTTP answer: the connection failed or broke."""


class APITimeoutError(APIConnectionError):
    """No complete answer within the client's timeout."""


class APIResponseValidationError(APIError):
    """A successful status whose body is not what the spec describes."""

    status_code: int
    body: Any

    def __init__(self, message: str, *, status_code: int, body: Any) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.body = body


class APIStatusError(APIError):
    """The API answered with an error status.

    Every documented error body maps onto the same fields: ``code`` (machine-readable, when
    the body has one), ``message``, ``details`` (a dict or None), ``errors`` (field → list of
    messages), ``headers`` and the parsed ``body``.
    """

    status_code: int
    code: str | None
    details: dict[str, Any] | None
    errors: dict[str, list[str]]
    headers: dict[str, str]
    body: Any
    #: Seconds the server asked to wait before retrying (``Retry-After``, ``retry-after-ms``
    #: or the body's ``details.retry_after``), or None.
    retry_after: float | None

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        code: str | None = None,
        details: dict[str, Any] | None = None,
        errors: Mapping[str, list[str]] | None = None,
        headers: Mapping[str, str] | None = None,
        body: Any = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.code = code
        self.details = details
        self.errors = dict(errors or {})
        self.headers = dict(headers or {})
        self.body = body
        self.retry_after = retry_after

    def __str__(self) -> str:
        if self.message.startswith(f"HTTP {self.status_code}"):
            return self.message  # a body that was not JSON: the message is the status line
        code = f" {self.code}" if self.code else ""
        return f"HTTP {self.status_code}{code}: {self.message}"


class BadRequestError(APIStatusError):
    """400."""


class AuthenticationError(APIStatusError):
    """401: the token is missing, invalid or expired."""


class PaymentRequiredError(APIStatusError):
    """402: for example, not enough credits to place a call."""


class PermissionDeniedError(APIStatusError):
    """403: the token may not do this."""


class NotFoundError(APIStatusError):
    """404."""


class ConflictError(APIStatusError):
    """409."""


class UnprocessableEntityError(APIStatusError):
    """422: the API rejected the arguments; see ``errors``."""


class RateLimitError(APIStatusError):
    """429. ``retry_after`` is the number of seconds to wait, when the API says."""


class InternalServerError(APIStatusError):
    """A 5xx status."""


_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    402: PaymentRequiredError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def _status_error(message: str, *, status_code: int, **fields: Any) -> APIStatusError:
    """Builds the exception class that matches ``status_code`` (called by the native module)."""
    cls = _BY_STATUS.get(status_code) or (InternalServerError if status_code >= 500 else APIStatusError)
    return cls(message, status_code=status_code, **fields)
