"""Logging: text or JSON lines, with the request, conversation and activity type of the
request being served attached to every record logged while serving it.

Only ids go into the context: the bot never logs what people typed, their names or
e-mail addresses, nor tokens (STYLE §10).
"""

from __future__ import annotations

import logging
import re
import sys
import time
import traceback
import uuid
from collections.abc import Awaitable, Callable, Mapping
from contextvars import ContextVar
from typing import IO, Any

from aiohttp import web
from pythonjsonlogger.json import JsonFormatter

from graph.protocol import WorkbookError

logger = logging.getLogger(__name__)

REQUEST_ID_HEADER = "X-Request-Id"
# A caller's id is kept only if it is a plain token: nothing that could forge a log
# line, smuggle markup into a log viewer or grow without bound.
_SANE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@+=/-]{0,127}")
_MAX_ID = 256  # Teams conversation ids are long, but not this long

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
conversation_id: ContextVar[str | None] = ContextVar("conversation_id", default=None)
activity_type: ContextVar[str | None] = ContextVar("activity_type", default=None)
_CONTEXT = {
    "request_id": request_id,
    "conversation_id": conversation_id,
    "activity_type": activity_type,
}

QUIET_PATHS = frozenset({"/healthz", "/readyz"})  # probes come every few seconds: DEBUG
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"


class ContextFilter(logging.Filter):
    """Puts the ids of the request being served on every record (absent outside one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Add the context; never drops a record."""
        for name, var in _CONTEXT.items():
            value = var.get()
            if value is not None:
                setattr(record, name, value)
        return True


def json_formatter() -> logging.Formatter:
    """One JSON object per line: timestamp (UTC, ISO 8601), level, logger, message, and the
    request context when there is one."""
    return JsonFormatter(
        ["levelname", "name", "message"],
        rename_fields={"levelname": "level", "name": "logger"},
        timestamp=True,
        json_ensure_ascii=False,
    )


def text_formatter() -> logging.Formatter:
    """The human-readable format (a dash where there is no request)."""
    return logging.Formatter(TEXT_FORMAT, defaults={"request_id": "-"})


def setup_logging(level: str, form: str, *, stream: IO[str] | None = None) -> logging.Handler:
    """Send every log record to stderr (or ``stream``) as text or JSON lines; return the
    handler (it replaces one installed here before, so calling this twice is harmless)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(json_formatter() if form == "json" else text_formatter())
    handler.addFilter(ContextFilter())
    root = logging.getLogger()
    for old in list(root.handlers):
        if any(isinstance(f, ContextFilter) for f in old.filters):
            root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    return handler


def failure(error: BaseException) -> str:
    """An exception for the log: its type and where it was raised, without its message
    unless that message is known to be safe (a WorkbookError's Swedish text) — a pydantic
    ValidationError, a KeyError and the like can carry what a person typed."""
    head = f"{type(error).__module__}.{type(error).__qualname__}"
    if isinstance(error, WorkbookError):
        head += f": {error}"
    frames = "".join(traceback.format_tb(error.__traceback__))
    return f"{head}\n{frames}".rstrip()


def _clean(value: Any) -> str | None:
    """A client-supplied id, if it is a short string without control characters."""
    if not isinstance(value, str) or not value or len(value) > _MAX_ID:
        return None
    return value if value.isprintable() else None


def bind_activity(body: Mapping[str, Any]) -> None:
    """Attach the conversation id and activity type of an incoming activity to the logs."""
    conversation = body.get("conversation")
    if isinstance(conversation, Mapping):
        conversation_id.set(_clean(conversation.get("id")))
    activity_type.set(_clean(body.get("type")))


def _request_id(request: web.Request) -> str:
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    return incoming if _SANE_ID.fullmatch(incoming) else uuid.uuid4().hex


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def request_context(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Give the request an id (the caller's X-Request-Id if it is sane), log it, and return
    the id in the response's X-Request-Id header."""
    tokens = [var.set(None) for var in _CONTEXT.values()]
    rid = _request_id(request)
    request_id.set(rid)
    started = time.monotonic()
    status = 500
    try:
        try:
            response = await handler(request)
        except web.HTTPException as error:
            error.headers[REQUEST_ID_HEADER] = rid
            status = error.status
            raise
        if not response.prepared:
            response.headers[REQUEST_ID_HEADER] = rid
        status = response.status
        return response
    finally:
        # The raw (still percent-encoded) path cannot break a log line; no query string.
        path = request.rel_url.raw_path[:200]
        logger.log(
            logging.DEBUG if path in QUIET_PATHS else logging.INFO,
            "%s %s -> %s in %.0f ms",
            request.method,
            path,
            status,
            (time.monotonic() - started) * 1000,
        )
        # Requests on one keep-alive connection share a task: leave nothing behind.
        for var, token in zip(_CONTEXT.values(), tokens, strict=True):
            var.reset(token)
