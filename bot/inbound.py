"""The edge of /api/messages: what a request body must be before the Agents SDK sees it.

A malformed request is the caller's fault. It gets a 4xx with a short reason and nothing
is handled: no turn, no reply, nothing journalled. The SDK would answer some of these with
500 (a body nested past Python's recursion limit, an activity without a usable serviceUrl)
or run a turn it can only fail (no sender, no recipient), so they stop here.
"""

from __future__ import annotations

import json
import re
from typing import Any, NoReturn

from aiohttp import web
from yarl import URL

# The largest legitimate activity is an answer card's inputs at their maximum lengths, under
# 100 KB even with every character \u-escaped; Teams' own activities are far smaller.
MAX_BODY = 256 * 1024
# Teams' activities nest about ten levels; this leaves room and stays far below the depth
# at which decoding or serialising a body would hit the recursion limit.
MAX_DEPTH = 64
_MAX_URL = 2048
# Ids the SDK puts into the path of its calls to the channel, unescaped: none of these
# belongs in a Teams or Playground id, and each could change which URL is called.
_PATH_UNSAFE = re.compile(r"[/\\?#%\s]")
_INVALID = "Ogiltig aktivitet"


class Refused(Exception):
    """A request the bot will not handle: the HTTP status and a short reason."""

    def __init__(self, status: int, reason: str, *, close: bool = False) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.close = close  # the rest of the body is not read: the connection cannot go on

    def response(self) -> web.Response:
        """The answer to the caller: the status and the reason, as JSON."""
        response = web.json_response({"error": self.reason}, status=self.status)
        if self.close:
            response.force_close()
        return response


def _refuse(status: int, reason: str, *, close: bool = False) -> NoReturn:
    raise Refused(status, reason, close=close)


async def read_activity(request: web.Request) -> dict[str, Any]:
    """The request's activity, decoded and checked; raise Refused for anything else."""
    charset = (request.charset or "utf-8").casefold()
    if request.content_type != "application/json" or charset not in ("utf-8", "utf8"):
        _refuse(415, "Innehållet måste vara JSON i UTF-8 (Content-Type: application/json).")
    too_large = f"Anropet är för stort (högst {MAX_BODY // 1024} kB)."
    if request.content_length is not None and request.content_length > MAX_BODY:
        _refuse(413, too_large, close=True)
    try:
        raw = await request.read()
    except web.HTTPRequestEntityTooLarge:
        _refuse(413, too_large, close=True)
    except web.RequestPayloadError:  # e.g. a body that is not the gzip it says it is
        _refuse(400, "Anropets innehåll kunde inte läsas.", close=True)
    body = decode(raw)
    check_envelope(body)
    return body


def _no_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not JSON")


def decode(raw: bytes) -> Any:
    """Strict JSON (UTF-8, no NaN or Infinity), at most MAX_DEPTH levels deep."""
    too_deep = f"JSON får vara högst {MAX_DEPTH} nivåer djup."
    try:
        body = json.loads(raw.decode("utf-8"), parse_constant=_no_constant)
    except RecursionError:
        _refuse(400, too_deep)
    except ValueError:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        _refuse(400, "Ogiltig JSON.")
    if _deeper_than(body, MAX_DEPTH):
        _refuse(400, too_deep)
    return body


def _deeper_than(value: Any, limit: int) -> bool:
    """Whether objects and arrays nest more than ``limit`` levels (without recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def check_envelope(body: Any) -> None:
    """Refuse an activity without what every channel sends and every turn needs: its type,
    channel, a usable serviceUrl, and the ids of the conversation, sender and recipient."""
    if not isinstance(body, dict):
        _refuse(400, f"{_INVALID}: ett JSON-objekt krävs.")
    for name in ("type", "channelId"):
        if not _plain_text(body.get(name)):
            _refuse(400, f"{_INVALID}: {name} saknas.")
    if not service_url_ok(body.get("serviceUrl")):
        _refuse(400, f"{_INVALID}: serviceUrl måste vara en absolut http- eller https-adress.")
    for name in ("conversation", "from", "recipient"):
        account = body.get(name)
        if not isinstance(account, dict) or not _path_safe(account.get("id")):
            _refuse(400, f"{_INVALID}: {name}.id saknas eller är ogiltigt.")
    if body.get("id") is not None and not _path_safe(body["id"]):
        _refuse(400, f"{_INVALID}: id är ogiltigt.")


def _plain_text(value: Any) -> bool:
    # isprintable() is False for control characters and lone surrogates alike.
    return isinstance(value, str) and bool(value) and value.isprintable()


def _path_safe(value: Any) -> bool:
    return _plain_text(value) and not _PATH_UNSAFE.search(value)


def service_url_ok(value: Any) -> bool:
    """Whether a serviceUrl is an absolute http(s) URL the SDK can append its paths to."""
    if not _plain_text(value) or len(value) > _MAX_URL or any(c.isspace() for c in value):
        return False
    try:
        url = URL(value)
        host = url.host
    except (ValueError, TypeError):
        return False
    return (
        url.scheme in ("http", "https")
        and bool(host)
        and not (url.user or url.password or url.query_string or url.fragment)
    )


def origin(url: str) -> tuple[str, str, int | None] | None:
    """A URL's scheme, host (case-folded) and port; None when it is not a URL."""
    try:
        parsed = URL(url)
        return parsed.scheme.casefold(), (parsed.host or "").casefold(), parsed.port
    except (ValueError, TypeError):
        return None
