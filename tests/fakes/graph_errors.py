"""The pieces of the fake Graph that are plain data: calls, replies, errors, faults.

Error bodies have the shape Microsoft documents for Graph and for the Excel APIs
(learn.microsoft.com/graph/errors, /graph/workbook-error-codes, /graph/workbook-error-handling):
``{"error": {"code", "message", "innerError": {"code", "date", "request-id", ...}}}``;
the top-level code names the HTTP status, the innerError code (the "second-level" code
clients should act on first) says what happened, e.g. ``invalidSessionReCreatable``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

# status -> (top-level code, second-level code, message) used when a test gives none.
DEFAULT_ERRORS: dict[int, tuple[str, str, str]] = {
    400: ("BadRequest", "badRequestUncategorized", "The request is malformed or incorrect."),
    401: ("InvalidAuthenticationToken", "unauthorizedUncategorized", "Access token is empty."),
    403: ("AccessDenied", "accessDenied", "You cannot perform the requested operation."),
    404: ("ItemNotFound", "itemNotFound", "The requested resource doesn't exist."),
    409: (
        "Conflict",
        "accessConflict",
        "The request failed due to conflicts with other clients that are accessing the workbook.",
    ),
    423: (
        "resourceLocked",
        "resourceLocked",
        "The resource you are attempting to access is locked",
    ),
    429: (
        "TooManyRequests",
        "tooManyRequestsUncategorized",
        "The client app or user has been throttled. Please try your request again.",
    ),
    500: ("InternalServerError", "generalException", "An internal server error occurred."),
    503: (
        "ServiceUnavailable",
        "serviceUnavailableUncategorized",
        "The service is temporarily unavailable or is overloaded. Please try your request again.",
    ),
    504: (
        "GatewayTimeout",
        "gatewayTimeoutUncategorized",
        "The service wasn't able to complete the request within the time limit.",
    ),
}


@dataclass
class Recorded:
    """One request as the fake saw it (batch items too, with ``is_batch_item``)."""

    method: str
    path: str  # percent-decoded, after /v1.0
    query: dict[str, str]
    headers: dict[str, str]  # names in lower case
    json: Any
    is_batch_item: bool = False
    status: int = 0  # what the fake answered (0 while it runs)
    raw_path: str = ""  # as sent, before percent-decoding (batch items: the url)


@dataclass
class Call:
    """A request to dispatch: an HTTP request or one item of a $batch."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any
    record: Recorded


@dataclass
class Reply:
    """A response before it is turned into HTTP or into a $batch item."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


class GraphError(Exception):
    """Raised by handlers; becomes an error reply."""

    def __init__(
        self,
        status: int,
        code: str = "",
        message: str = "",
        *,
        inner: str = "",
        retry_after: float | None = None,
    ) -> None:
        top, second, text = DEFAULT_ERRORS.get(status, ("generalException", "", "Error."))
        self.status = status
        self.code = code or top
        self.inner = inner or (second if not code else code[0].lower() + code[1:])
        self.message = message or text
        self.retry_after = retry_after
        super().__init__(f"{status} {self.code}: {self.message}")

    def reply(self) -> Reply:
        """The error as Graph sends it."""
        request_id = str(uuid.uuid4())
        body = {
            "error": {
                "code": self.code,
                "message": self.message,
                "innerError": {
                    "code": self.inner,
                    "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
                    "request-id": request_id,
                    "client-request-id": request_id,
                },
            }
        }
        headers = {"request-id": request_id}
        if self.retry_after is not None:
            seconds = self.retry_after
            headers["Retry-After"] = str(int(seconds) if float(seconds).is_integer() else seconds)
        return Reply(self.status, body, headers)


@dataclass
class Fault:
    """An injected failure: the next ``times`` matching requests get ``error``."""

    error: GraphError
    match: str
    times: int
    after_apply: bool

    def matches(self, method: str, path: str) -> bool:
        """``match`` is a substring of "METHOD path"."""
        return self.times > 0 and self.match in f"{method} {path}"


def session_invalid() -> GraphError:
    """An unknown, closed or expired ``workbook-session-id`` (workbook-error-handling)."""
    return GraphError(
        404,
        "ItemNotFound",
        "The session specified in the request does not exist or is invalid due to a "
        "transient error.",
        inner="invalidSessionReCreatable",
    )
