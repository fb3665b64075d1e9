"""The Microsoft Graph backend: plan workbooks in a SharePoint document library.

The site, the library and the path are resolved once; workbooks are then addressed by
drive item id (the ``Workbook.key``). Reads are one ``$batch`` (item, worksheets, the plan's
usedRange, Inställningar, the answers table) cached per workbook and revalidated with the
item's eTag at most once per ``revalidate_after`` seconds. Writes run in a persistent
workbook session: one read of the answers table, ``rows/add`` for new rows (never resent
blindly: the SDK's retries are off for it, and after an unclear failure the table is read
again), range PATCHes for rows already there, chained in one ``$batch``.

The msgraph-sdk's models drop ``values`` and its JSON parse node turns text that looks like
a date or GUID into objects, so every call is a hand-built ``RequestInformation`` sent
through the SDK's request adapter (its authentication, retry and telemetry middleware)
with the raw JSON read back. ``graph.graph_requests`` and ``graph.graph_sheets`` hold the
wire format and the sheet logic; only this module imports the SDK.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from azure.core.exceptions import ClientAuthenticationError
from kiota_abstractions.method import Method
from kiota_abstractions.native_response_handler import NativeResponseHandler
from kiota_abstractions.request_information import RequestInformation
from kiota_authentication_azure.azure_identity_authentication_provider import (
    AzureIdentityAuthenticationProvider,
)
from kiota_http.kiota_client_factory import KiotaClientFactory
from kiota_http.middleware import RetryHandler
from kiota_http.middleware.options import ResponseHandlerOption, RetryHandlerOption
from msgraph import GraphRequestAdapter, GraphServiceClient
from msgraph.graph_request_adapter import options as sdk_options
from msgraph_core import GraphClientFactory
from msgraph_core.middleware import GraphTelemetryHandler
from msgraph_core.middleware.options import GraphTelemetryHandlerOption

from graph.graph_book import GraphWorkbook, valid_key
from graph.graph_requests import (
    MAX_BATCH,
    THROTTLED,
    GraphCallError,
    SubRequest,
    SubResponse,
    batch_body,
    batch_responses,
    call_error,
    chunks,
    translate,
)
from graph.protocol import (
    WorkbookError,
    WorkbookNotFound,
    WorkbookUnreadable,
)

logger = logging.getLogger(__name__)

SCOPES = ["https://graph.microsoft.com/.default"]
SESSION_HEADER = "workbook-session-id"
REVALIDATE_AFTER = 1.0
SESSION_IDLE = 60.0  # close the workbook session after this long without writes
RELIST_AFTER = 60.0  # how often a folder source looks for new workbooks
_ITEM_FIELDS = "?$select=id,name,eTag,parentReference,file,folder"


def graph_client(
    credential: Any, base_url: str | None = None, *, max_backoff: float | None = None
) -> GraphServiceClient:
    """A GraphServiceClient on an azure-identity credential (any object with an async
    ``get_token``); ``base_url`` points it elsewhere (a fake Graph on 127.0.0.1), and
    ``max_backoff`` caps the retry handler's own backoff (Retry-After is still honoured)."""
    auth = AzureIdentityAuthenticationProvider(credential, scopes=list(SCOPES))
    http = None
    if max_backoff is not None:
        middleware = KiotaClientFactory.get_default_middleware(sdk_options)
        for handler in middleware:
            if isinstance(handler, RetryHandler):
                handler.backoff_max = max_backoff  # type: ignore[assignment]
        telemetry = sdk_options[GraphTelemetryHandlerOption.get_key()]
        middleware.append(GraphTelemetryHandler(options=telemetry))  # type: ignore[arg-type]
        http = GraphClientFactory.create_with_custom_middleware(middleware)
    adapter = GraphRequestAdapter(auth, client=http)
    if base_url:
        adapter.base_url = base_url.rstrip("/")
    return GraphServiceClient(request_adapter=adapter)


class Transport:
    """Raw JSON requests through the SDK's request adapter; counts what it sends.

    The one implementation of ``graph.graph_requests.Sender``."""

    def __init__(self, client: GraphServiceClient, *, retry_wait: float, max_wait: float):
        self._adapter = client.request_adapter
        self.retry_wait = retry_wait
        self.max_wait = max_wait
        self.requests_sent = 0

    async def send(
        self,
        method: str,
        url: str,
        body: object = None,
        *,
        session: str | None = None,
        retry: bool = True,
    ) -> Any:
        """One request; the JSON reply, or GraphCallError (status 0: no answer at all)."""
        info = RequestInformation(Method[method])
        info.url = self._adapter.base_url.rstrip("/") + url
        info.headers.try_add("Accept", "application/json")
        if session:
            info.headers.try_add(SESSION_HEADER, session)
        if isinstance(body, bytes):  # a file's content (an upload), sent as it is
            info.set_stream_content(body, "application/octet-stream")
        elif body is not None:
            info.set_stream_content(json.dumps(body).encode(), "application/json")
        options: list[Any] = [ResponseHandlerOption(NativeResponseHandler())]
        if not retry:  # a non-idempotent request: the SDK must not resend it on 429/503/504
            options.append(RetryHandlerOption(delay=0, max_retries=0, should_retry=False))
        info.add_request_options(options)
        self.requests_sent += 1
        try:
            # The native response handler makes the adapter hand back the httpx response
            # (status, headers, raw body) instead of raising on an error status.
            response: Any = await self._adapter.send_primitive_async(  # type: ignore[func-returns-value]
                info, "bytes", None
            )
        except ClientAuthenticationError as e:
            raise GraphCallError(401, "credential", "token request failed") from e
        except Exception as e:  # connection refused, timeout, TLS: the service never answered
            raise GraphCallError(0, "network", type(e).__name__) from e
        try:
            data = json.loads(response.content) if response.content.strip() else None
        except ValueError:
            data = None
        if not 200 <= response.status_code < 300:
            raise call_error(response.status_code, dict(response.headers), data)
        return data

    async def put_content(self, url: str, content: bytes, content_type: str) -> tuple[int, Any]:
        """PUT a file's bytes (``…:/content``); (status, the DriveItem JSON): 201 when the
        file is new, 200 when it replaced one (a new version where the library keeps them)."""
        info = RequestInformation(Method.PUT)
        info.url = self._adapter.base_url.rstrip("/") + url
        info.headers.try_add("Accept", "application/json")
        info.set_stream_content(content, content_type)
        info.add_request_options([ResponseHandlerOption(NativeResponseHandler())])
        self.requests_sent += 1
        try:
            response: Any = await self._adapter.send_primitive_async(  # type: ignore[func-returns-value]
                info, "bytes", None
            )
        except ClientAuthenticationError as e:
            raise GraphCallError(401, "credential", "token request failed") from e
        except Exception as e:  # the service never answered
            raise GraphCallError(0, "network", type(e).__name__) from e
        try:
            data = json.loads(response.content) if response.content.strip() else None
        except ValueError:
            data = None
        if not 200 <= response.status_code < 300:
            raise call_error(response.status_code, dict(response.headers), data)
        return response.status_code, data

    async def batch(
        self, requests: Sequence[SubRequest], *, retry: bool = True
    ) -> dict[str, SubResponse]:
        """``$batch`` in chunks of 20; throttled items (and those that failed for want of
        them) are sent again after their Retry-After while it is short."""
        replies: dict[str, SubResponse] = {}
        pending = list(requests)
        for attempt in range(3):
            for chunk in chunks(pending, MAX_BATCH):
                ids = {r.id for r in chunk}
                for r in chunk:
                    r.depends_on = [d for d in r.depends_on if d in ids]
                body = batch_body(chunk)
                replies.update(batch_responses(await self.send("POST", "/$batch", body)))
            for r in pending:  # an item Graph did not answer counts as never answered
                replies.setdefault(r.id, SubResponse(0, {}, None))
            again = [r for r in pending if replies[r.id].status in (*THROTTLED, 424)]
            throttled = [replies[r.id] for r in again if replies[r.id].status != 424]
            if not throttled or not retry or attempt == 2:
                break
            wait = (
                max((call_error(s.status, s.headers, s.body).retry_after or 0.0) for s in throttled)
                or self.retry_wait * 2**attempt
            )
            if wait > self.max_wait:
                break
            logger.info(
                "Graph throttled %s batch items; sending them again in %.2fs", len(throttled), wait
            )
            await asyncio.sleep(wait)
            pending = again
        return replies


@dataclass(frozen=True, slots=True)
class _Location:
    """Where the source points, resolved once."""

    drive_id: str
    item_id: str
    name: str
    folder: bool


def _url(*segments: str) -> str:
    return "/" + "/".join(segments)


class GraphSource:
    """A workbook or a folder of workbooks in SharePoint; implements ``WorkbookSource``."""

    def __init__(
        self,
        client: GraphServiceClient | Callable[[], GraphServiceClient],
        *,
        site: str,
        path: str,
        drive: str | None = None,
        revalidate_after: float = REVALIDATE_AFTER,
        session_idle: float = SESSION_IDLE,
        relist_after: float = RELIST_AFTER,
        retry_wait: float = 1.0,
        max_wait: float = 30.0,
    ) -> None:
        self._client = client
        self._transport: Transport | None = None
        self.site, self.path, self.drive = site.strip(), path.strip().strip("/"), drive
        self.revalidate_after = revalidate_after
        self.session_idle = session_idle
        self._relist_after = relist_after
        self._waits = (retry_wait, max_wait)
        self._location: _Location | None = None
        self._resolving = asyncio.Lock()
        self._books: dict[str, GraphWorkbook] = {}
        self._listing: tuple[float, list[tuple[str, str]]] | None = None

    @property
    def transport(self) -> Transport:
        """The request sender (made on first use, inside the event loop)."""
        if self._transport is None:
            client = (
                self._client if isinstance(self._client, GraphServiceClient) else (self._client())
            )
            self._transport = Transport(client, retry_wait=self._waits[0], max_wait=self._waits[1])
        return self._transport

    @property
    def requests_sent(self) -> int:
        """HTTP requests sent to Graph so far (a ``$batch`` counts once; SDK retries not)."""
        return self._transport.requests_sent if self._transport else 0

    async def location(self) -> _Location:
        """The drive and the item the configured path names (resolved once)."""
        if self._location is None:
            async with self._resolving:
                if self._location is None:
                    self._location = await self._resolve()
        return self._location

    async def _resolve(self) -> _Location:
        send = self.transport.send
        host, colon, site_path = self.site.partition(":")
        site_url = f"/sites/{quote(host)}" + (f":{quote(site_path)}" if colon else "")
        try:
            site = await send("GET", site_url + "?$select=id,displayName")
        except GraphCallError as e:
            raise self._setup_error(
                e,
                f"SharePoint-webbplatsen {self.site} hittades inte. "
                "Kontrollera IKBOT_GRAPH_SITE (t.ex. "
                "kommun.sharepoint.com:/sites/Internkontroll).",
            ) from e
        try:
            if self.drive:
                drives = await send("GET", _url("sites", site["id"], "drives") + "?$select=id,name")
            else:
                drive = await send("GET", _url("sites", site["id"], "drive") + "?$select=id,name")
        except GraphCallError as e:
            raise self._setup_error(e, "Webbplatsens dokumentbibliotek gick inte att läsa.") from e
        if self.drive:
            found = [
                d
                for d in drives.get("value", [])
                if d.get("name", "").casefold() == self.drive.casefold()
            ]
            if not found:
                names = ", ".join(d.get("name", "") for d in drives.get("value", []))
                raise WorkbookNotFound(
                    f"Dokumentbiblioteket {self.drive} finns inte på webbplatsen {self.site}. "
                    f"Kontrollera IKBOT_GRAPH_DRIVE (biblioteken heter: {names})."
                )
            drive = found[0]
        where = f"root:/{quote(self.path)}" if self.path else "root"
        try:
            item = await send("GET", _url("drives", drive["id"], where) + _ITEM_FIELDS)
        except GraphCallError as e:
            library = drive.get("name", "")
            missing = f"{self.path or '/'} finns inte i dokumentbiblioteket {library}."
            raise self._setup_error(e, missing + " Kontrollera IKBOT_GRAPH_PATH.") from e
        folder = "folder" in item
        if not folder and not str(item.get("name", "")).lower().endswith(".xlsx"):
            raise WorkbookUnreadable(f"{item.get('name')} är ingen Excel-arbetsbok (.xlsx).")
        return _Location(drive["id"], item["id"], item.get("name", ""), folder)

    def _setup_error(self, error: GraphCallError, not_found: str) -> WorkbookError:
        if error.status == 404:
            return WorkbookNotFound(not_found)
        return translate(error, f"SharePoint-webbplatsen {self.site}")

    async def workbooks(self) -> list[GraphWorkbook]:
        """Every workbook in the source (a folder is listed at most once a minute)."""
        where = await self.location()
        if not where.folder:
            return [self._book(where.item_id, where.name)]
        cached = self._listing
        if cached is None or time.monotonic() - cached[0] >= self._relist_after:
            found: list[tuple[str, str]] = []
            url: str | None = (
                _url("drives", where.drive_id, "items", where.item_id, "children")
                + "?$select=id,name,file&$top=999"
            )
            while url:
                try:
                    page = await self.transport.send("GET", url)
                except GraphCallError as e:
                    raise translate(e, where.name) from e
                found += [(c["id"], c["name"]) for c in page.get("value", []) if _is_plan(c)]
                url = _relative(page.get("@odata.nextLink"), self.transport)
            cached = self._listing = (time.monotonic(), sorted(found, key=lambda f: f[1]))
        return [self._book(key, name) for key, name in cached[1]]

    def workbook(self, key: str) -> GraphWorkbook:
        """The workbook with this drive item id (checked against the source when used)."""
        return self._book(key, None)

    def _book(self, key: str, name: str | None) -> GraphWorkbook:
        book = self._books.get(key)
        if book is None:
            book = GraphWorkbook(self, key, name)
            if valid_key(key):  # junk keys from card data are not remembered
                self._books[key] = book
        elif name:
            book.known_name = name
        return book

    async def put_evidence(
        self, plan_key: str, parts: Sequence[str], name: str, data: bytes
    ) -> str:
        """Upload an underlag file to a folder beside the workbooks (``parts`` below it;
        SharePoint renames a name already there); its webUrl."""
        where = await self.location()
        base = self.path if where.folder else self.path.rpartition("/")[0]
        path = "/".join(p for p in (base, *parts, name) if p)
        url = (
            _url("drives", where.drive_id, f"root:/{quote(path)}:", "content")
            + "?@microsoft.graph.conflictBehavior=rename"
        )
        try:
            item = await self.transport.send("PUT", url, data, retry=False)
        except GraphCallError as e:
            raise translate(e, name) from e
        return str(item.get("webUrl") or path)

    async def warm(self) -> None:
        """Nothing to start: sessions open with the first write."""

    async def close(self) -> None:
        """Close every open workbook session."""
        for book in list(self._books.values()):
            await book.close_session()


def _is_plan(item: dict[str, Any]) -> bool:
    name = str(item.get("name", ""))
    return "file" in item and name.lower().endswith(".xlsx") and not name.startswith(("~$", "."))


def _relative(link: object, transport: Transport) -> str | None:
    base = transport._adapter.base_url.rstrip("/")
    return link[len(base) :] if isinstance(link, str) and link.startswith(base) else None


def graph_transport(
    client: GraphServiceClient, *, retry_wait: float = 1.0, max_wait: float = 30.0
) -> Transport:
    """Raw JSON requests through a client's request adapter, for Graph calls beyond the
    workbooks (the directory: ``graph.graph_directory``)."""
    return Transport(client, retry_wait=retry_wait, max_wait=max_wait)
