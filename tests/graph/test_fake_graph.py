"""The fake Microsoft Graph behaves like the real one where the bot depends on it.

Driven with plain aiohttp requests (what goes over the wire) and, at the end, with the
real msgraph-sdk client pointed at it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import aiohttp
import openpyxl
import pytest
from azure.core.credentials import AccessToken
from yarl import URL

from graph import layout
from graph.answer_rows import answer_to_row
from graph.cells import to_serial
from graph.templates import add_answers_sheet
from graph.xlsx_reader import read_workbook_file
from tests.fakes.graph_server import FakeGraph
from tests.graph.workbooks import HEADER, answer, plan_rows, write_xlsx

TOKEN = "test-token"
SITE = "/sites/kommun.sharepoint.com:/sites/Internkontroll:"


def _plan(path: Path) -> Path:
    """A plan as a person makes it: a date column, a merged Område, a boolean."""
    rows: list[list[Any]] = [[*HEADER, "Sista svarsdag", "Ska kontrolleras"]]
    for row in plan_rows(3):
        rows.append([*row, date(2026, 5, 15), True])
    rows[2][1] = None  # under the merged B2:B3

    def answers(book: openpyxl.Workbook) -> None:
        add_answers_sheet(book)

    return write_xlsx(path, rows, merges=["B2:B3"], extra=answers)


@pytest.fixture
async def fake(tmp_path: Path) -> AsyncIterator[FakeGraph]:
    """The fake over a folder holding Planer/ks.xlsx and a non-Excel file."""
    folder = tmp_path / "library"
    _plan(folder / "Planer" / "ks.xlsx")
    (folder / "Planer" / "läsmig.txt").write_text("inte en plan", encoding="utf-8")
    server = FakeGraph(folder)
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def http(fake: FakeGraph) -> AsyncIterator[aiohttp.ClientSession]:
    """A plain HTTP client carrying the test token."""
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {TOKEN}"}) as session:
        yield session


def book(fake: FakeGraph, name: str = "Planer/ks.xlsx") -> str:
    """The workbook URL of a file, by item id (as the bot addresses it)."""
    return f"{fake.base_url}/drives/{fake.drive_id}/items/{fake.item_id(name)}/workbook"


async def call(
    http: aiohttp.ClientSession, method: str, url: str, body: Any = None, **headers: str
) -> tuple[int, Any, aiohttp.ClientResponse]:
    """One request; the JSON body (or None) and the response."""
    async with http.request(method, url, json=body, headers=headers) as response:
        data = await response.json() if response.status != 204 else None
        return response.status, data, response


def stored(fake: FakeGraph, name: str = "Planer/ks.xlsx") -> openpyxl.Workbook:
    """The file as it is on disk now."""
    return openpyxl.load_workbook(fake.folder / name)


# ---- authentication, site, library, items ----


async def test_requests_without_the_right_token_get_401(fake: FakeGraph) -> None:
    async with aiohttp.ClientSession() as anonymous:
        for headers in ({}, {"Authorization": "Bearer wrong"}):
            status, body, response = await call(anonymous, "GET", fake.base_url + SITE, **headers)
            assert status == 401
            assert response.content_type == "application/json"
            assert body["error"]["code"] == "InvalidAuthenticationToken"
            assert {"code", "date", "request-id"} <= body["error"]["innerError"].keys()


async def test_the_site_by_path_and_by_id_and_its_libraries(
    fake: FakeGraph, http: aiohttp.ClientSession
) -> None:
    for path in (SITE, SITE.rstrip(":")):
        status, site, response = await call(http, "GET", fake.base_url + path)
        assert status == 200 and response.content_type == "application/json"
        assert site["id"] == fake.site_id and site["id"].startswith("kommun.sharepoint.com,")
        assert site["webUrl"] == "https://kommun.sharepoint.com/sites/Internkontroll"
    _, drives, _ = await call(http, "GET", f"{fake.base_url}/sites/{fake.site_id}/drives")
    assert [d["name"] for d in drives["value"]][0] == "Dokument"
    assert all(d["driveType"] == "documentLibrary" for d in drives["value"])
    _, default, _ = await call(http, "GET", f"{fake.base_url}{SITE}/drive")
    assert default["id"] == fake.drive_id
    status, error, _ = await call(
        http, "GET", fake.base_url + "/sites/kommun.sharepoint.com:/sites/Annat"
    )
    assert status == 404 and error["error"]["code"] == "itemNotFound"


async def test_items_by_path_by_id_and_children(
    fake: FakeGraph, http: aiohttp.ClientSession
) -> None:
    drive = f"{fake.base_url}/drives/{fake.drive_id}"
    _, item, _ = await call(http, "GET", f"{drive}/root:/Planer/ks.xlsx")
    assert (
        item["name"] == "ks.xlsx" and "file" in item and item["eTag"] == fake.etag("Planer/ks.xlsx")
    )
    for path in ("root:/planer/KS.xlsx:", "items/root:/Planer/ks.xlsx:", f"items/{item['id']}"):
        _, same, _ = await call(http, "GET", f"{drive}/{path}")
        assert same["id"] == item["id"]
    # Percent-encoded, as the SDK sends it.
    encoded = URL(f"{drive}/root%3A%2FPlaner%2Fks.xlsx%3A".replace("!", "%21"), encoded=True)
    async with http.get(encoded) as response:
        assert (await response.json())["id"] == item["id"]
    _, folder, _ = await call(http, "GET", f"{drive}/root:/Planer:")
    assert folder["folder"] == {"childCount": 2}
    _, children, _ = await call(http, "GET", f"{drive}/items/{folder['id']}/children")
    assert sorted(c["name"] for c in children["value"]) == ["ks.xlsx", "läsmig.txt"]
    _, children, _ = await call(http, "GET", f"{drive}/root:/Planer:/children")
    assert len(children["value"]) == 2
    status, error, _ = await call(http, "GET", f"{drive}/root:/Planer/saknas.xlsx:")
    assert status == 404 and error["error"]["code"] == "itemNotFound"


# ---- reading ----


async def test_used_range_values_are_excel_values(
    fake: FakeGraph, http: aiohttp.ClientSession
) -> None:
    url = f"{book(fake)}/worksheets/Kontrollplan/usedRange(valuesOnly=true)"
    status, used, response = await call(http, "GET", url)
    assert status == 200 and response.content_type == "application/json"
    assert used["address"] == "Kontrollplan!A1:I4"
    assert (used["rowCount"], used["columnCount"]) == (4, 9)
    assert used["values"][0][:2] == ["ID", "Område"]
    assert used["values"][1][0] == 1  # a number stays a number
    assert used["values"][1][7] == 46157.0  # 2026-05-15 as an Excel serial
    assert used["values"][1][8] is True
    assert used["values"][1][1] == "Verksamhet" and used["values"][2][1] == ""  # merged B2:B3
    # By id, and in the worksheets('…') form.
    sheets = (await call(http, "GET", f"{book(fake)}/worksheets"))[1]["value"]
    assert [s["name"] for s in sheets] == ["Kontrollplan", layout.ANSWER_SHEET]
    selected = await call(http, "GET", f"{book(fake)}/worksheets?$select=name,position")
    assert selected[1]["value"][1] == {"name": layout.ANSWER_SHEET, "position": 1}
    by_id = f"{book(fake)}/worksheets('{sheets[0]['id']}')/usedRange(valuesOnly=true)"
    assert (await call(http, "GET", by_id))[1]["values"] == used["values"]


async def test_table_rows_get_and_add(fake: FakeGraph, http: aiohttp.ClientSession) -> None:
    table = f"{book(fake)}/tables/{layout.ANSWER_TABLE}"
    _, header, _ = await call(http, "GET", f"{table}/headerRowRange")
    assert header["values"] == [list(layout.ANSWER_HEADERS)]
    assert header["address"] == f"{layout.ANSWER_SHEET}!A1:P1"
    _, rows, _ = await call(http, "GET", f"{table}/rows")
    width = len(layout.ANSWER_HEADERS)
    assert rows["value"] == [{"index": 0, "values": [[""] * width]}]  # the table's empty row
    new = [
        [1, 2026, "Helår", "OK", *[""] * 9, "svar-1", "", ""],
        [2, 2026, "Helår", "OK", *[""] * 9, "svar-2", "", ""],
    ]
    status, added, _ = await call(http, "POST", f"{table}/rows/add", {"index": None, "values": new})
    assert status == 201 and added["index"] == 1 and added["values"] == new
    _, rows, _ = await call(http, "GET", f"{table}/rows")
    assert [r["values"][0][13] for r in rows["value"]] == ["", "svar-1", "svar-2"]
    ws = stored(fake)[layout.ANSWER_SHEET]
    assert ws.tables[layout.ANSWER_TABLE].ref == "A1:P4"
    assert ws["N4"].value == "svar-2"
    status, error, _ = await call(http, "GET", f"{book(fake)}/tables/Saknas/rows")
    assert status == 404 and error["error"]["innerError"]["code"] == "itemNotFound"


# ---- writing ----


async def test_range_patch_follows_excel_null_apostrophe_and_formulas(
    fake: FakeGraph, http: aiohttp.ClientSession
) -> None:
    url = f"{book(fake)}/worksheets/Kontrollplan/range(address='C2:H2')"
    values = [[None, "'=1+1", "=1+1", "'007", "007", "2026-06-30"]]
    status, written, _ = await call(http, "PATCH", url, {"values": values})
    assert status == 200 and written["address"] == "Kontrollplan!C2:H2"
    ws = stored(fake)["Kontrollplan"]
    assert ws["C2"].value == "Process 1"  # null: left alone
    assert ws["D2"].value == "=1+1" and ws["D2"].data_type == "s" and ws["D2"].quotePrefix
    assert ws["E2"].value == "=1+1" and ws["E2"].data_type == "f"  # Excel makes it a formula
    assert ws["F2"].value == "007" and ws["F2"].data_type == "s"
    assert ws["G2"].value == 7  # typed "007" is a number in Excel
    assert ws["H2"].value == datetime(2026, 6, 30)
    _, back, _ = await call(http, "GET", url)
    assert back["values"][0][:4] == ["Process 1", "=1+1", "", "007"]  # a formula: no result
    assert back["formulas"][0][2] == "=1+1"
    status, error, _ = await call(http, "PATCH", url, {"values": [["too", "short"]]})
    assert status == 400 and error["error"]["code"] == "InvalidArgument"


async def test_worksheets_add(fake: FakeGraph, http: aiohttp.ClientSession) -> None:
    status, sheet, _ = await call(http, "POST", f"{book(fake)}/worksheets/add", {"name": "Ny"})
    assert status == 201 and sheet["name"] == "Ny" and sheet["position"] == 2
    assert stored(fake).sheetnames[-1] == "Ny"
    status, error, _ = await call(http, "POST", f"{book(fake)}/worksheets/add", {"name": "ny"})
    assert status == 409 and error["error"]["code"] == "ItemAlreadyExists"


async def test_tables_add_and_rename(fake: FakeGraph, http: aiohttp.ClientSession) -> None:
    await call(http, "POST", f"{book(fake)}/worksheets/add", {"name": "Svar"})
    patch = f"{book(fake)}/worksheets/Svar/range(address='A1:P1')"
    await call(http, "PATCH", patch, {"values": [list(layout.ANSWER_HEADERS)]})
    body = {"address": "A1:P1", "hasHeaders": True}
    status, table, _ = await call(http, "POST", f"{book(fake)}/worksheets/Svar/tables/add", body)
    assert status == 201 and table["name"].startswith("Table")
    status, renamed, _ = await call(
        http, "PATCH", f"{book(fake)}/tables/{table['id']}", {"name": "Svar2"}
    )
    assert status == 200 and renamed["name"] == "Svar2"
    ws = stored(fake)["Svar"]
    assert list(ws.tables) == ["Svar2"] and ws.tables["Svar2"].ref == "A1:P2"
    assert [c.name for c in ws.tables["Svar2"].tableColumns] == list(layout.ANSWER_HEADERS)
    status, _, _ = await call(
        http, "PATCH", f"{book(fake)}/tables/Svar2", {"name": layout.ANSWER_TABLE}
    )
    assert status == 409


# ---- $batch ----


async def test_batch_runs_in_order_and_fails_dependents_with_424(
    fake: FakeGraph, http: aiohttp.ClientSession
) -> None:
    base = f"/drives/{fake.drive_id}/items/{fake.item_id('Planer/ks.xlsx')}/workbook"
    json_headers = {"Content-Type": "application/json"}
    requests = [
        {
            "id": "1",
            "method": "PATCH",
            "url": f"{base}/worksheets/Kontrollplan/range(address='A5')",
            "headers": json_headers,
            "body": {"values": [[99]]},
        },
        {"id": "2", "method": "GET", "url": f"{base}/tables/Saknas/rows", "dependsOn": ["1"]},
        {
            "id": "3",
            "method": "POST",
            "url": f"{base}/tables/{layout.ANSWER_TABLE}/rows/add",
            "headers": json_headers,
            "body": {"values": [[5, *[""] * 14]]},
            "dependsOn": ["2"],
        },
        {"id": "4", "method": "GET", "url": f"{base}/worksheets?$top=5"},
    ]
    status, body, _ = await call(http, "POST", f"{fake.base_url}/$batch", {"requests": requests})
    assert status == 200
    by_id = {r["id"]: r for r in body["responses"]}
    assert [by_id[i]["status"] for i in "1234"] == [200, 404, 424, 200]
    assert by_id["3"]["body"]["error"]["code"] == "FailedDependency"
    assert stored(fake)["Kontrollplan"]["A5"].value == 99
    answers = stored(fake)[layout.ANSWER_SHEET]
    assert answers.tables[layout.ANSWER_TABLE].ref == "A1:P2"  # item 3 never ran
    assert fake.count("POST", "$batch") == 1 and fake.count(contains="/workbook/") == 4
    assert sum(r.is_batch_item for r in fake.requests) == 4
    too_many = [{"id": str(i), "method": "GET", "url": f"{base}/worksheets"} for i in range(21)]
    status, _, _ = await call(http, "POST", f"{fake.base_url}/$batch", {"requests": too_many})
    assert status == 400


# ---- sessions ----


async def test_sessions_are_created_used_expired_and_closed(
    fake: FakeGraph, http: aiohttp.ClientSession
) -> None:
    sheets = f"{book(fake)}/worksheets"
    status, session, _ = await call(
        http, "POST", f"{book(fake)}/createSession", {"persistChanges": True}
    )
    assert status == 201 and session["persistChanges"] is True
    sid = {"workbook-session-id": session["id"]}
    assert (await call(http, "GET", sheets, **sid))[0] == 200
    assert (await call(http, "POST", f"{book(fake)}/refreshSession", **sid))[0] == 204
    assert (await call(http, "GET", sheets))[0] == 200  # sessionless is allowed
    fake.expire_sessions()
    status, error, response = await call(http, "GET", sheets, **sid)
    assert status == 404 and response.content_type == "application/json"
    assert error["error"]["innerError"]["code"] == "invalidSessionReCreatable"
    unknown = {"workbook-session-id": "no-such-session"}
    assert (await call(http, "GET", sheets, **unknown))[0] == 404
    # Idle too long.
    fake.session_ttl = 0.05
    _, session, _ = await call(
        http, "POST", f"{book(fake)}/createSession", {"persistChanges": True}
    )
    await asyncio.sleep(0.1)
    status, _, _ = await call(http, "GET", sheets, **{"workbook-session-id": session["id"]})
    assert status == 404
    # Closed.
    fake.session_ttl = 300
    _, session, _ = await call(
        http, "POST", f"{book(fake)}/createSession", {"persistChanges": True}
    )
    sid = {"workbook-session-id": session["id"]}
    assert (await call(http, "POST", f"{book(fake)}/closeSession", **sid))[0] == 204
    assert (await call(http, "GET", sheets, **sid))[0] == 404


# ---- faults, latency, eTags, locks ----


@pytest.mark.parametrize(
    ("status", "retry_after", "code"),
    [
        (429, 3, "TooManyRequests"),
        (503, 2, "ServiceUnavailable"),
        (504, None, "GatewayTimeout"),
        (409, None, "Conflict"),
        (423, None, "resourceLocked"),
    ],
)
async def test_injected_faults(
    fake: FakeGraph, http: aiohttp.ClientSession, status: int, retry_after: int | None, code: str
) -> None:
    url = f"{book(fake)}/worksheets"
    fake.fail(status, match="/worksheets", times=2, retry_after=retry_after)
    assert (await call(http, "GET", f"{book(fake)}/tables"))[0] == 200  # no match
    for _ in range(2):
        got, error, response = await call(http, "GET", url)
        assert got == status and error["error"]["code"] == code
        assert response.content_type == "application/json"
        assert response.headers.get("Retry-After") == (str(retry_after) if retry_after else None)
    assert (await call(http, "GET", url))[0] == 200  # used up


async def test_a_fault_after_apply_lands_the_write_and_one_before_does_not(
    fake: FakeGraph, http: aiohttp.ClientSession
) -> None:
    add = f"{book(fake)}/tables/{layout.ANSWER_TABLE}/rows/add"
    row = {"values": [[7, *[""] * 12, "svar-7", "", ""]]}
    fake.fail(504, match="POST", after_apply=True)
    assert (await call(http, "POST", add, row))[0] == 504
    assert stored(fake)[layout.ANSWER_SHEET]["N3"].value == "svar-7"
    fake.fail(504, match="rows/add")
    assert (await call(http, "POST", add, row))[0] == 504
    assert stored(fake)[layout.ANSWER_SHEET]["N4"].value is None


async def test_latency_delays_every_response(fake: FakeGraph, http: aiohttp.ClientSession) -> None:
    fake.latency = 0.2
    started = time.monotonic()
    await call(http, "GET", fake.base_url + SITE)
    assert time.monotonic() - started >= 0.2


async def test_the_etag_moves_on_writes_and_when_someone_edits(
    fake: FakeGraph, http: aiohttp.ClientSession
) -> None:
    name = "Planer/ks.xlsx"
    first = fake.etag(name)
    await call(http, "GET", f"{book(fake)}/worksheets/Kontrollplan/usedRange(valuesOnly=true)")
    assert fake.etag(name) == first  # reading changes nothing
    await call(
        http,
        "PATCH",
        f"{book(fake)}/worksheets/Kontrollplan/range(address='A6')",
        {"values": [[1]]},
    )
    second = fake.etag(name)
    assert second != first
    fake.touch(name)
    assert fake.etag(name) != second
    assert "Anteckningar" in stored(fake).sheetnames
    _, item, _ = await call(http, "GET", f"{fake.base_url}/drives/{fake.drive_id}/root:/{name}")
    assert item["eTag"] == fake.etag(name)


async def test_a_locked_file_refuses_writes_with_423(
    fake: FakeGraph, http: aiohttp.ClientSession
) -> None:
    write = f"{book(fake)}/worksheets/Kontrollplan/range(address='A6')"
    fake.lock("Planer/ks.xlsx")
    status, error, _ = await call(http, "PATCH", write, {"values": [[1]]})
    assert status == 423 and error["error"]["code"] == "resourceLocked"
    assert (await call(http, "GET", write))[0] == 200  # reads still work
    fake.lock("Planer/ks.xlsx", status=409)
    status, error, _ = await call(http, "PATCH", write, {"values": [[1]]})
    assert status == 409 and error["error"]["innerError"]["code"] == "accessConflict"
    fake.unlock("Planer/ks.xlsx")
    assert (await call(http, "PATCH", write, {"values": [[1]]}))[0] == 200


# ---- the real msgraph-sdk client ----


class StaticCredential:
    """azure-identity's async credential protocol, with a fixed token."""

    async def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        return AccessToken(TOKEN, int(time.time()) + 3600)

    async def close(self) -> None:
        return None


async def test_the_msgraph_sdk_client_works_against_the_fake(fake: FakeGraph) -> None:
    from kiota_abstractions.base_request_configuration import RequestConfiguration
    from kiota_abstractions.method import Method
    from kiota_authentication_azure.azure_identity_authentication_provider import (
        AzureIdentityAuthenticationProvider,
    )
    from msgraph import GraphRequestAdapter, GraphServiceClient
    from msgraph.generated.drives.item.items.item.workbook.create_session.create_session_post_request_body import (  # noqa: E501
        CreateSessionPostRequestBody,
    )
    from msgraph.generated.drives.item.items.item.workbook.tables.item.rows.add.add_post_request_body import (  # noqa: E501
        AddPostRequestBody,
    )
    from msgraph.generated.models.o_data_errors.o_data_error import ODataError
    from msgraph.generated.models.workbook_range import WorkbookRange

    auth = AzureIdentityAuthenticationProvider(
        StaticCredential(), scopes=["https://graph.microsoft.com/.default"]
    )
    adapter = GraphRequestAdapter(auth)
    adapter.base_url = fake.base_url
    client = GraphServiceClient(request_adapter=adapter)

    site = await client.sites.by_site_id("kommun.sharepoint.com:/sites/Internkontroll:").get()
    assert site is not None and site.id == fake.site_id
    drives = await client.sites.by_site_id(site.id).drives.get()
    assert drives is not None and drives.value is not None
    drive = next(d for d in drives.value if d.name == "Dokument")
    assert drive.id is not None
    items = client.drives.by_drive_id(drive.id).items
    item = await items.by_drive_item_id("root:/Planer/ks.xlsx:").get()
    assert item is not None and item.id == fake.item_id("Planer/ks.xlsx")
    assert item.e_tag == fake.etag("Planer/ks.xlsx")
    workbook = items.by_drive_item_id(item.id).workbook

    session = await workbook.create_session.post(CreateSessionPostRequestBody(persist_changes=True))
    assert session is not None and session.id
    config: RequestConfiguration[Any] = RequestConfiguration()
    config.headers.add("workbook-session-id", session.id)
    sheet = workbook.worksheets.by_workbook_worksheet_id("Kontrollplan")
    used = await sheet.used_range_with_values_only(True).get(request_configuration=config)
    assert used is not None and used.address == "Kontrollplan!A1:I4"
    assert used.additional_data["values"][1][7] == 46157.0

    rows = workbook.tables.by_workbook_table_id(layout.ANSWER_TABLE).rows
    body = AddPostRequestBody(additional_data={"values": [[3, *[""] * 12, "svar-3", "", ""]]})
    body.index = None
    await rows.add.post(body, request_configuration=config)
    assert stored(fake)[layout.ANSWER_SHEET]["N3"].value == "svar-3"

    # No range PATCH builder: the GET's request information, turned into a PATCH.
    info = sheet.range_with_address("A6:B6").to_get_request_information(config)
    info.http_method = Method.PATCH
    patch = WorkbookRange(additional_data={"values": [["'=2*3", None]]})
    info.set_content_from_parsable(adapter, "application/json", patch)
    errors = {"XXX": ODataError.create_from_discriminator_value}
    written = await adapter.send_async(info, WorkbookRange, errors)
    assert written is not None and written.address == "Kontrollplan!A6:B6"
    assert stored(fake)["Kontrollplan"]["A6"].value == "=2*3"

    # The SDK's retry handler honours Retry-After (whole seconds) on 429.
    fake.fail(429, match="usedRange", retry_after=1)
    await sheet.used_range_with_values_only(True).get(request_configuration=config)
    assert [r.status for r in fake.requests if "usedRange" in r.path][-2:] == [429, 200]

    fake.expire_sessions()
    with pytest.raises(ODataError) as raised:
        await sheet.used_range_with_values_only(True).get(request_configuration=config)
    error = raised.value
    assert error.response_status_code == 404
    assert error.error is not None and error.error.inner_error is not None
    inner = error.error.inner_error.additional_data.get("code")
    assert inner == "invalidSessionReCreatable"

    sent = [r for r in fake.requests if "createSession" in r.path][0]
    assert sent.raw_path.startswith(f"/drives/{drive.id.replace('!', '%21')}/items/")
    assert sent.headers["authorization"] == f"Bearer {TOKEN}"
    assert sent.headers["content-type"] == "application/json"
    assert sent.json == {"persistChanges": True}


# ---- files written through the fake are files the local backend reads ----


def _wire(value: object) -> object:
    """A cell value as a careful client sends it: text always quote-prefixed, dates as
    serial numbers, nothing as ""."""
    if value is None:
        return ""
    if isinstance(value, str):
        return "'" + value
    if isinstance(value, date):
        return to_serial(value)
    return value


async def test_answers_written_through_the_fake_read_back_locally(
    fake: FakeGraph, http: aiohttp.ClientSession
) -> None:
    written = [
        answer("1", plan_key="ks.xlsx", observations='=HYPERLINK("x")', checked=12),
        answer("2", plan_key="ks.xlsx", answer_id="007"),
    ]
    rows = [[_wire(v) for v in answer_to_row(a)] for a in written]
    table = f"{book(fake)}/tables/{layout.ANSWER_TABLE}"
    status, added, _ = await call(http, "POST", f"{table}/rows/add", {"values": rows})
    assert status == 201
    first = 2 + added["index"]
    formats = [[layout.DATE_FORMAT, None, layout.DATETIME_FORMAT]] * len(rows)
    area = f"K{first}:M{first + len(rows) - 1}"
    url = f"{book(fake)}/worksheets/{layout.ANSWER_SHEET}/range(address='{area}')"
    assert (await call(http, "PATCH", url, {"numberFormat": formats}))[0] == 200
    snapshot = read_workbook_file(fake.folder / "Planer" / "ks.xlsx", "ks.xlsx")
    assert list(snapshot.answers) == written
    ws = stored(fake)[layout.ANSWER_SHEET]
    assert ws[f"G{first}"].data_type == "s"  # the formula-looking text stayed text
    # Rows added later take the formats of the row above.
    more = [[_wire(v) for v in answer_to_row(answer("3", plan_key="ks.xlsx"))]]
    await call(http, "POST", f"{table}/rows/add", {"values": more})
    assert isinstance(stored(fake)[layout.ANSWER_SHEET][f"M{first + 2}"].value, datetime)


async def test_concurrent_writes_to_one_file_run_one_at_a_time(
    fake: FakeGraph, http: aiohttp.ClientSession
) -> None:
    add = f"{book(fake)}/tables/{layout.ANSWER_TABLE}/rows/add"
    rows = [{"values": [[i, *[""] * 12, f"svar-{i}", "", ""]]} for i in range(1, 9)]
    replies = await asyncio.gather(*(call(http, "POST", add, row) for row in rows))
    assert [status for status, _, _ in replies] == [201] * 8
    ws = stored(fake)[layout.ANSWER_SHEET]
    assert ws.tables[layout.ANSWER_TABLE].ref == "A1:P10"
    assert sorted(ws.cell(r, 14).value for r in range(3, 11)) == sorted(
        f"svar-{i}" for i in range(1, 9)
    )
