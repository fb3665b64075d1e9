"""Microsoft Graph's wire format for the workbook calls, as plain data (no SDK here).

``graph.excel_graph`` sends requests through the msgraph-sdk's request adapter; this module
builds the JSON bodies the SDK has no models for (``$batch``, range values), reads the raw
JSON that comes back, and turns Graph's error responses into our own Swedish errors. Only
``graph.excel_graph`` imports msgraph; everything here is testable without a server.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Protocol
from urllib.parse import quote

from graph.cells import clean_text
from graph.protocol import (
    GraphThrottled,
    WorkbookError,
    WorkbookLocked,
    WorkbookNotFound,
)

MAX_BATCH = 20  # Graph's limit of requests in one $batch
THROTTLED = {429, 503, 504}
_LOCKED_CODES = ("resourcelocked", "locked", "editmodecannotacquirelock", "conflict")
_SESSION_CODES = ("invalidsessionrecreatable", "sessionnotfound", "invalidsession")


class GraphCallError(Exception):
    """One failed Graph request (or one failed item of a ``$batch``), not yet translated."""

    def __init__(
        self, status: int, code: str = "", message: str = "", retry_after: float | None = None
    ) -> None:
        super().__init__(f"HTTP {status} {code}: {message}".strip())
        self.status = status
        self.code = code
        self.message = message
        self.retry_after = retry_after

    @property
    def session_expired(self) -> bool:
        """The workbook session is gone: make a new one and do the work again."""
        return any(c in self.code.casefold() for c in _SESSION_CODES)


def retry_after(headers: Mapping[str, str]) -> float | None:
    """Retry-After in seconds (a number or an HTTP date), None when absent or unreadable."""
    value = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (moment - datetime.now(moment.tzinfo)).total_seconds())


def call_error(status: int, headers: Mapping[str, str], body: object) -> GraphCallError:
    """Graph's error JSON ``{"error": {"code", "message", "innerError": {"code"}}}`` read."""
    if isinstance(body, bytes | str):
        try:
            body = json.loads(body or b"null")
        except ValueError:
            body = None
    error = body.get("error") if isinstance(body, dict) else None
    error = error if isinstance(error, dict) else {}
    inner = error.get("innerError") or error.get("innererror") or {}
    codes = [str(error.get("code") or "")]
    if isinstance(inner, dict) and inner.get("code"):
        codes.append(str(inner["code"]))
    return GraphCallError(
        status,
        "/".join(c for c in codes if c),
        str(error.get("message") or ""),
        retry_after(headers),
    )


def translate(error: GraphCallError, name: str) -> WorkbookError:
    """Our own error for a failed Graph call about workbook ``name`` (Swedish, user-safe)."""
    code = error.code.casefold()
    if error.status in (409, 423) or any(c in code for c in _LOCKED_CODES):
        return WorkbookLocked(
            f"Arbetsboken {name} är låst i SharePoint just nu (någon redigerar den?). "
            "Svaren skrivs in senare."
        )
    if error.status in THROTTLED:
        return GraphThrottled(
            f"Microsoft Graph är överbelastat eller svarar inte just nu ({error.status}). "
            f"Arbetsboken {name} skrivs senare.",
            retry_after=error.retry_after,
        )
    if error.status == 404:
        return WorkbookNotFound(f"Arbetsboken {name} finns inte i SharePoint (längre).")
    if error.status == 0:
        return WorkbookError(
            f"Kunde inte nå Microsoft Graph just nu (nätverksfel). {name} skrivs senare."
        )
    if error.code == "credential":
        return WorkbookError(
            "Boten kunde inte logga in i Microsoft Entra ID. Kontrollera IKBOT_GRAPH_TENANT_ID, "
            "IKBOT_GRAPH_CLIENT_ID och hemligheten, certifikatet eller den hanterade identiteten."
        )
    if error.status == 401:
        return WorkbookError(
            "Microsoft Graph godtog inte bottens inloggning (401). Kontrollera "
            "IKBOT_GRAPH_TENANT_ID, IKBOT_GRAPH_CLIENT_ID och hemligheten eller certifikatet."
        )
    if error.status == 403:
        return WorkbookError(
            f"Boten saknar behörighet till {name} i SharePoint ({error.status}). Appen behöver "
            "Sites.Selected med skrivrätt på webbplatsen (eller Files.ReadWrite.All)."
        )
    return WorkbookError(f"Microsoft Graph svarade med fel {error.status} för {name}.")


# --- $batch ------------------------------------------------------------------------------


@dataclass(slots=True)
class SubRequest:
    """One request inside a ``$batch``; ``url`` is relative to the version (``/drives/…``)."""

    id: str
    method: str
    url: str
    body: object = None
    headers: dict[str, str] = field(default_factory=dict)
    depends_on: Sequence[str] = ()

    def as_json(self) -> dict[str, Any]:
        """The request as Graph's ``$batch`` JSON wants it (``dependsOn``, a JSON body)."""
        item: dict[str, Any] = {"id": self.id, "method": self.method, "url": self.url}
        headers = dict(self.headers)
        if self.body is not None:
            item["body"] = self.body
            headers.setdefault("Content-Type", "application/json")
        if headers:
            item["headers"] = headers
        if self.depends_on:
            item["dependsOn"] = list(self.depends_on)
        return item


@dataclass(frozen=True, slots=True)
class SubResponse:
    """One item of a ``$batch`` response."""

    status: int
    headers: Mapping[str, str]
    body: Any

    def result(self) -> Any:
        """The body of a successful item; a failed one raises ``GraphCallError``."""
        if 200 <= self.status < 300:
            return self.body
        raise call_error(self.status, self.headers, self.body)


def batch_body(requests: Sequence[SubRequest]) -> dict[str, Any]:
    """The JSON body of ``POST /$batch`` for at most ``MAX_BATCH`` requests."""
    if not 0 < len(requests) <= MAX_BATCH:
        raise ValueError(f"a $batch holds 1..{MAX_BATCH} requests, not {len(requests)}")
    return {"requests": [r.as_json() for r in requests]}


def batch_responses(payload: object) -> dict[str, SubResponse]:
    """The items of a ``$batch`` response by id (Graph answers in any order)."""
    items = payload.get("responses") if isinstance(payload, dict) else None
    found: dict[str, SubResponse] = {}
    for item in items or ():
        if isinstance(item, dict) and "id" in item:
            headers = item.get("headers") or {}
            found[str(item["id"])] = SubResponse(
                int(item.get("status") or 0),
                headers if isinstance(headers, dict) else {},
                item.get("body"),
            )
    return found


def chunks(items: Sequence[Any], size: int) -> list[Sequence[Any]]:
    """``items`` in consecutive pieces of at most ``size``."""
    return [items[i : i + size] for i in range(0, len(items), size)]


# --- addresses and values ----------------------------------------------------------------

_CELL = re.compile(r"^\$?([A-Z]+)\$?(\d+)$")


def column_letter(index: int) -> str:
    """Column letters of a 0-based column index: 0 -> A, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def column_index(letters: str) -> int:
    """The 0-based index of column letters: A -> 0, AA -> 26."""
    index = 0
    for char in letters:
        index = index * 26 + ord(char) - 64
    return index - 1


def parse_address(address: str) -> tuple[int, int, int, int]:
    """``'Blad 1'!B2:N9`` -> (first row, first column index, last row, last column index)."""
    area = address.rsplit("!", 1)[-1].upper()
    first, _, last = area.partition(":")
    cells = [_CELL.match(first), _CELL.match(last or first)]
    if cells[0] is None or cells[1] is None:
        raise ValueError(f"not a cell range: {address!r}")
    (c1, r1), (c2, r2) = (m.groups() for m in cells if m is not None)
    return int(r1), column_index(c1), int(r2), column_index(c2)


def area(row: int, first_column: int, last_row: int, last_column: int) -> str:
    """An A1 range address, e.g. "A2:N2" for row 2, columns 0 to 13."""
    return f"{column_letter(first_column)}{row}:{column_letter(last_column)}{last_row}"


def to_graph_value(value: object) -> object:
    """A cell value as Graph's ``values`` take it, which is what typing it into Excel does.

    Every text goes with a leading apostrophe, Excel's text prefix: what follows it is
    stored exactly, whatever it looks like (a formula, a number, a date or a truth value in
    the workbook's language, a second apostrophe). Sending only the texts that look risky
    would need Excel's every parsing rule in every locale; "'Rutinen' följs inte" lost its
    apostrophe that way. Dates go as ISO text, which Excel turns into a date and formats as
    one (a serial number would need a second request for the format); empty is "" (``None``
    in a ``values`` array would leave the cell as it was).
    """
    if value is None:
        return ""
    if isinstance(value, bool | int | float):
        return value
    if isinstance(value, datetime):  # naive Stockholm time, as answer_values gives it
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    text = clean_text(value)
    return "'" + text if text else ""


def path_segment(name: str) -> str:
    """A worksheet or table name as one URL path segment (``Uppföljning`` -> ``Upp%C3%B6…``)."""
    return quote(name, safe="")


def json_bytes(value: object) -> bytes:
    """A request body as JSON bytes."""
    return json.dumps(value, ensure_ascii=False).encode()


class Sender(Protocol):
    """What sends raw JSON requests to Graph: ``graph.excel_graph.Transport`` over the
    msgraph-sdk's request adapter. Everything else in ``graph/`` talks to Graph through it."""

    retry_wait: float
    max_wait: float
    requests_sent: int

    async def send(
        self,
        method: str,
        url: str,
        body: object = None,
        *,
        session: str | None = None,
        retry: bool = True,
    ) -> Any:
        """The JSON reply; raises GraphCallError (status 0: no answer at all)."""
        ...

    async def batch(
        self, requests: Sequence[SubRequest], *, retry: bool = True
    ) -> dict[str, SubResponse]:
        """``$batch`` in chunks of 20; the reply to each request by id."""
        ...
