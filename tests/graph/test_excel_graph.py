"""What only the Microsoft Graph backend does: one resolution, few requests, faults survived.

Everything runs the real msgraph-sdk against the fake Graph (``tests/fakes/graph_server``)
over loopback HTTP; the shared contract suite runs on this backend too (``conftest.py``).
"""

from __future__ import annotations

import asyncio
import dataclasses
import shutil
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from bot.domain.model import Action, Answer, Period, Plan
from bot.domain.periods import Term
from bot.domain.status import compile_status
from graph import layout
from graph.excel_graph import GraphSource, graph_client
from graph.excel_local import LocalSource
from graph.graph_requests import (
    SubRequest,
    batch_body,
    batch_responses,
    call_error,
    column_letter,
    parse_address,
)
from graph.protocol import (
    GraphThrottled,
    WorkbookError,
    WorkbookLocked,
    WorkbookNotFound,
    WriteResult,
)
from graph.templates import demo_workbook
from tests.fakes.graph_server import FakeGraph, StaticCredential
from tests.graph.conftest import FOLDER, SITE, graph_source
from tests.graph.workbooks import HEADER, answer, deviation, plan_rows, sheet_values, write_xlsx

KEY = "ks.xlsx"
NAME = f"{FOLDER}/{KEY}"  # the file in the library, as the fake names it
T0 = datetime(2027, 1, 10, 9, 0, tzinfo=UTC)


@pytest.fixture
async def fake(tmp_path: Path) -> AsyncIterator[FakeGraph]:
    library = tmp_path / "bibliotek"
    write_xlsx(library / FOLDER / KEY, [HEADER, *plan_rows(20)])
    server = FakeGraph(library)
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def source(fake: FakeGraph) -> AsyncIterator[GraphSource]:
    graph = graph_source(fake)
    yield graph
    await graph.close()


async def only_book(source: GraphSource) -> Any:
    (book,) = await source.workbooks()
    return book


async def until_written(book: Any, batch: Sequence[Answer], attempts: int = 6) -> list[Exception]:
    """Write as the journal's writer does: any WorkbookError is retried; return the errors."""
    errors: list[Exception] = []
    for _ in range(attempts):
        try:
            await book.write_answers(batch)
            return errors
        except WorkbookError as error:
            errors.append(error)
    raise AssertionError(f"never written: {errors}")


def svar_ids(fake: FakeGraph, name: str = KEY) -> list[str]:
    rows = sheet_values(fake.folder / FOLDER / name)[layout.ANSWER_SHEET][1:]
    column = layout.ANSWER_HEADERS.index("Svar-ID")
    return [r[column] for r in rows if any(v is not None for v in r)]


def batch_of(count: int, *, start: int = 1, prefix: str = "a") -> list[Answer]:
    return [
        deviation(str(i), answer_id=f"{prefix}{i}", at=T0 + timedelta(seconds=i))
        for i in range(start, start + count)
    ]


# ---- same results as the local backend ----


def _keyless(plan: Plan) -> Plan:
    controls = tuple(dataclasses.replace(c, plan_key="") for c in plan.controls)
    return dataclasses.replace(plan, key="", controls=controls)


async def test_demo_plans_read_through_graph_equal_the_local_reading(tmp_path: Path) -> None:
    library = tmp_path / "bibliotek"
    written = demo_workbook(library / FOLDER)
    fake = FakeGraph(library)
    await fake.start()
    try:
        graph = graph_source(fake)
        books = {b.name: b for b in await graph.workbooks()}
        local = LocalSource(library / FOLDER)
        assert sorted(books) == sorted(p.name for p in written)
        for name, book in books.items():
            through_graph = await book.read_plan()
            assert through_graph.key == book.key == fake.item_id(f"{FOLDER}/{name}")
            read_locally = await local.workbook(name).read_plan()
            assert _keyless(through_graph) == _keyless(read_locally)
            assert len(through_graph.controls) >= 9
        await graph.close()
    finally:
        await fake.stop()


async def test_answers_written_through_graph_equal_those_written_locally(tmp_path: Path) -> None:
    (template,) = demo_workbook(tmp_path / "demo.xlsx")
    mine = tmp_path / "lokalt" / "plan.xlsx"
    theirs = tmp_path / "bibliotek" / FOLDER / "plan.xlsx"
    for target in (mine, theirs):
        target.parent.mkdir(parents=True)
        shutil.copy(template, target)
    fake = FakeGraph(tmp_path / "bibliotek")
    await fake.start()
    graph = graph_source(fake)
    try:
        local_book = LocalSource(mine.parent, in_process=True).workbook("plan.xlsx")
        graph_book = await only_book(graph)
        ids = [c.id for c in (await local_book.read_plan()).controls]
        due = datetime(2027, 3, 31).date()
        batches = [
            [
                deviation(i, answer_id=f"a{i}", at=T0 + timedelta(minutes=n), checked=n)
                for n, i in enumerate(ids[:12])
            ]
            + [answer(ids[12], observations="=1+1", analysis="0123", answered_by="+46 70")],
            [
                answer(ids[0], answer_id="b0", at=T0 + timedelta(days=1), outcome="Ej genomförd"),
                deviation(
                    ids[3],
                    answer_id="b3",
                    at=T0 + timedelta(days=1),
                    action=Action("Ny rutin", "maria.lind@example.com", due),
                ),
                answer(ids[12], answer_id="b12", at=T0 + timedelta(days=1), observations="Två"),
            ]
            + [answer(i, year=2027) for i in ids[13:20]],
        ]
        for batch in batches:
            assert await graph_book.write_answers(batch) == await local_book.write_answers(batch)
        assert sheet_values(theirs) == sheet_values(mine)
    finally:
        await graph.close()
        await fake.stop()


# ---- few requests ----


async def test_300_answers_land_in_a_handful_of_requests(fake: FakeGraph) -> None:
    write_xlsx(fake.folder / FOLDER / KEY, [HEADER, *plan_rows(400)])
    graph = graph_source(fake, revalidate_after=60)
    book = await only_book(graph)
    await book.read_plan()
    before = graph.requests_sent
    assert await book.write_answers(batch_of(300)) == WriteResult(added=300)
    # createSession, worksheets/add+header+tables/add, rename, table read, rows/add, $batch
    first = graph.requests_sent - before
    assert first <= 8
    before = graph.requests_sent
    updates = batch_of(150, prefix="b") + batch_of(150, start=301, prefix="c")
    updates = [
        dataclasses.replace(a, answered_at=a.answered_at + timedelta(days=1)) for a in updates
    ]
    assert await book.write_answers(updates) == WriteResult(added=150, updated=150)
    # table read, rows/add, one $batch of range PATCHes (the 150 updates are one range)
    assert graph.requests_sent - before <= 4
    assert len(svar_ids(fake)) == 450 == len(set(svar_ids(fake)))
    await graph.close()


async def test_scattered_updates_go_as_one_range_patch(source, fake) -> None:
    book = await only_book(source)
    first = batch_of(20)
    await book.write_answers(first)
    later = [
        dataclasses.replace(a, answer_id=f"b{a.control_id}", answered_at=T0 + timedelta(days=1))
        for a in first[::3]
    ]
    patches = fake.count("PATCH", "/range(")
    before = source.requests_sent
    assert await book.write_answers(later) == WriteResult(updated=7)
    assert fake.count("PATCH", "/range(") - patches == 1  # rows in between sent as null
    assert source.requests_sent - before == 2  # the table read and that PATCH
    stored = {a.control_id: a.answer_id for a in await book.read_answers()}
    assert stored == {a.control_id: a.answer_id for a in first} | {
        a.control_id: a.answer_id for a in later
    }


async def test_a_warm_plan_read_costs_at_most_one_request(fake: FakeGraph) -> None:
    cached = graph_source(fake, revalidate_after=60)
    book = await only_book(cached)
    await book.read_plan()
    before = cached.requests_sent
    for _ in range(5):
        await book.read_plan()
        await book.read_answers()
    assert cached.requests_sent == before  # within revalidate_after: no request at all
    checked = graph_source(fake, revalidate_after=0)
    book = await only_book(checked)
    await book.read_plan()
    before = checked.requests_sent
    await book.read_plan()
    assert checked.requests_sent - before == 1  # the item's eTag, unchanged
    await cached.close()
    await checked.close()


async def test_site_library_and_folder_are_resolved_once(source: GraphSource, fake: FakeGraph):
    book = await only_book(source)
    await book.read_plan()
    for _ in range(3):
        await source.workbooks()
        await book.write_answers(batch_of(1))
    assert fake.count("GET", "/sites/") == 2  # the site and its library, once
    assert fake.count("GET", ":/" + FOLDER) == 1
    assert fake.count("GET", "/children") == 1  # the folder, listed at most once a minute
    assert fake.count("POST", "createSession") == 1  # one session for all three writes


# ---- eTags and people editing ----


async def test_someone_editing_another_sheet_makes_a_fresh_read(source, fake) -> None:
    book = await only_book(source)
    plan = await book.read_plan()
    await book.write_answers(batch_of(3))
    fake.touch(NAME)  # a note in another sheet: the eTag moves
    before = source.requests_sent
    assert await book.read_plan() == plan
    assert source.requests_sent - before == 2  # the eTag, then one $batch of everything
    assert [a.answer_id for a in await book.read_answers()] == ["a1", "a2", "a3"]
    assert await book.write_answers(batch_of(4)) == WriteResult(added=1, unchanged=3)
    assert svar_ids(fake) == ["a1", "a2", "a3", "a4"]


async def test_a_plan_edit_in_sharepoint_is_seen(source: GraphSource, fake: FakeGraph) -> None:
    book = await only_book(source)
    assert len((await book.read_plan()).controls) == 20
    write_xlsx(fake.folder / FOLDER / KEY, [HEADER, *plan_rows(25)])
    assert len((await book.read_plan()).controls) == 25


async def test_reads_see_our_own_writes_before_revalidating(fake: FakeGraph) -> None:
    graph = graph_source(fake, revalidate_after=60)
    book = await only_book(graph)
    await book.read_answers()
    await book.write_answers(batch_of(2))
    before = graph.requests_sent
    assert [a.answer_id for a in await book.read_answers()] == ["a1", "a2"]
    assert graph.requests_sent == before
    await graph.close()


# ---- faults: delayed, never lost, never doubled ----


async def test_429_with_retry_after_is_honoured_by_the_sdk(source, fake) -> None:
    book = await only_book(source)
    fake.fail(429, match="createSession", retry_after=0.01, times=2)
    fake.fail(503, match="tables/Uppfoljning/range", retry_after=0.01)
    assert await until_written(book, batch_of(5)) == []
    assert svar_ids(fake) == [f"a{i}" for i in range(1, 6)]


async def test_rows_add_is_never_resent_by_the_sdk(source: GraphSource, fake: FakeGraph) -> None:
    book = await only_book(source)
    await book.write_answers(batch_of(1))
    fake.fail(429, match="rows/add", retry_after=0.01)
    with pytest.raises(GraphThrottled) as caught:
        await book.write_answers(batch_of(5))
    assert caught.value.retry_after == pytest.approx(0.01)
    assert "överbelastat" in str(caught.value)
    assert fake.count("POST", "rows/add") == 1  # the SDK did not resend it
    assert await until_written(book, batch_of(5)) == []
    assert svar_ids(fake) == [f"a{i}" for i in range(1, 6)]


async def test_a_504_whose_rows_landed_does_not_double_them(source, fake) -> None:
    book = await only_book(source)
    await book.write_answers(batch_of(2))
    fake.fail(504, match="rows/add", after_apply=True)
    assert await until_written(book, batch_of(10)) == []  # the table was read: they are there
    assert svar_ids(fake) == [f"a{i}" for i in range(1, 11)]
    assert fake.count("POST", "rows/add") == 2


@pytest.mark.parametrize("status", [500, 503, 504])
async def test_a_failed_rows_add_is_retried_by_the_writer(source, fake, status: int) -> None:
    book = await only_book(source)
    await book.write_answers(batch_of(2))
    fake.fail(status, match="rows/add", times=2)
    errors = await until_written(book, batch_of(10))
    assert len(errors) == 2 and all(isinstance(e, WorkbookError) for e in errors)
    assert svar_ids(fake) == [f"a{i}" for i in range(1, 11)]


async def test_throttled_range_patches_in_a_batch_are_sent_again(source, fake) -> None:
    book = await only_book(source)
    await book.write_answers(batch_of(5))
    later = [
        dataclasses.replace(a, answer_id=f"b{i}", answered_at=T0 + timedelta(days=1))
        for i, a in enumerate(batch_of(5), start=1)
    ]
    fake.fail(429, match="PATCH", retry_after=0.01)
    assert await until_written(book, later) == []
    assert svar_ids(fake) == [f"b{i}" for i in range(1, 6)]


async def test_an_expired_session_is_recreated_and_the_write_resumed(source, fake) -> None:
    book = await only_book(source)
    await book.write_answers(batch_of(2))
    fake.expire_sessions()
    assert await book.write_answers(batch_of(4)) == WriteResult(added=2, unchanged=2)
    assert fake.count("POST", "createSession") == 2
    assert svar_ids(fake) == ["a1", "a2", "a3", "a4"]


async def test_a_session_lost_just_before_rows_add_starts_over(source, fake) -> None:
    book = await only_book(source)
    await book.write_answers(batch_of(2))
    fake.fail(404, code="ItemNotFound", inner="invalidSessionReCreatable", match="rows/add")
    assert await book.write_answers(batch_of(5)) == WriteResult(added=3, unchanged=2)
    assert fake.count("POST", "createSession") == 2
    assert svar_ids(fake) == [f"a{i}" for i in range(1, 6)]


async def test_a_504_after_a_batch_of_patches_landed_is_harmless(source, fake) -> None:
    book = await only_book(source)
    await book.write_answers(batch_of(6))
    later = [
        dataclasses.replace(a, answer_id=f"b{a.control_id}", answered_at=T0 + timedelta(days=1))
        for a in batch_of(6)
    ]
    fake.fail(504, match="/$batch", after_apply=True)  # the SDK resends: PATCH is idempotent
    assert await until_written(book, later) == []
    assert svar_ids(fake) == [f"b{i}" for i in range(1, 7)]


@pytest.mark.parametrize("status", [423, 409])
async def test_a_locked_workbook_delays_the_write(source, fake, status: int) -> None:
    book = await only_book(source)
    await book.write_answers(batch_of(1))
    fake.lock(NAME, status=status)
    with pytest.raises(WorkbookLocked, match="låst"):
        await book.write_answers(batch_of(3))
    assert len((await book.read_plan()).controls) == 20  # reading still works
    fake.unlock(NAME)
    assert await book.write_answers(batch_of(3)) == WriteResult(added=2, unchanged=1)
    assert svar_ids(fake) == ["a1", "a2", "a3"]


async def test_every_fault_at_once_still_lands_each_answer_once(source, fake) -> None:
    book = await only_book(source)
    fake.fail(429, match="createSession", retry_after=0.01)
    fake.fail(504, match="rows/add", after_apply=True)
    fake.fail(503, match="PATCH")
    fake.fail(423, match="rows/add")
    for n in range(1, 4):
        fake.expire_sessions()
        await until_written(book, batch_of(10 * n))
    assert svar_ids(fake) == [f"a{i}" for i in range(1, 31)]


async def test_a_session_is_closed_when_idle(fake: FakeGraph) -> None:
    graph = graph_source(fake, session_idle=0.05)
    book = await only_book(graph)
    await book.write_answers(batch_of(1))
    await asyncio.sleep(0.3)
    assert fake.count("POST", "closeSession") == 1
    await book.write_answers(batch_of(2))
    assert fake.count("POST", "createSession") == 2
    await graph.close()
    assert fake.count("POST", "closeSession") == 2


# ---- clear Swedish errors ----


async def test_a_wrong_site_says_which_setting_to_check(fake: FakeGraph) -> None:
    wrong = GraphSource(
        graph_client(StaticCredential(), fake.base_url),
        site="kommun.sharepoint.com:/sites/Finns-inte",
        path=FOLDER,
    )
    with pytest.raises(WorkbookNotFound, match="IKBOT_GRAPH_SITE"):
        await wrong.workbooks()


async def test_a_wrong_path_or_library_says_which_setting_to_check(fake: FakeGraph) -> None:
    with pytest.raises(WorkbookNotFound, match="IKBOT_GRAPH_PATH"):
        await graph_source(fake, path="Saknas/plan.xlsx").workbooks()
    with pytest.raises(WorkbookNotFound, match="IKBOT_GRAPH_DRIVE.*Dokument"):
        await graph_source(fake, drive="Fel bibliotek").workbooks()
    named = graph_source(fake, drive="dokument", path=f"{FOLDER}/{KEY}")
    (book,) = await named.workbooks()
    assert book.name == KEY and len((await book.read_plan()).controls) == 20


async def test_a_rejected_token_is_a_sign_in_error(fake: FakeGraph) -> None:
    with pytest.raises(WorkbookError, match="inloggning") as caught:
        await graph_source(fake, token="fel-token").workbooks()
    assert "fel-token" not in str(caught.value)


async def test_a_credential_that_fails_is_a_sign_in_error(fake: FakeGraph) -> None:
    from azure.core.exceptions import ClientAuthenticationError

    class Broken(StaticCredential):
        async def get_token(self, *scopes: str, **kwargs: Any) -> Any:
            raise ClientAuthenticationError("AADSTS7000215: Invalid client secret provided.")

    source = GraphSource(graph_client(Broken(), fake.base_url), site=SITE, path=FOLDER)
    with pytest.raises(WorkbookError, match="logga in") as caught:
        await source.workbooks()
    assert "AADSTS" not in str(caught.value)


async def test_no_answer_from_graph_is_a_network_error(fake: FakeGraph) -> None:
    await fake.stop()
    with pytest.raises(WorkbookError, match="nå Microsoft Graph"):
        await graph_source(fake).workbooks()


async def test_forbidden_names_the_permissions(source: GraphSource, fake: FakeGraph) -> None:
    book = await only_book(source)
    fake.fail(403, match="createSession")
    with pytest.raises(WorkbookError, match="Sites.Selected"):
        await book.write_answers(batch_of(1))


async def test_keys_outside_the_source_are_missing(source: GraphSource, fake: FakeGraph) -> None:
    write_xlsx(fake.folder / "Annan mapp" / "annan.xlsx", [HEADER, *plan_rows(2)])
    await only_book(source)
    for key in ["../x", "root:/Annan mapp/annan.xlsx:", fake.item_id("Annan mapp/annan.xlsx")]:
        with pytest.raises(WorkbookNotFound):
            await source.workbook(key).read_plan()
        with pytest.raises(WorkbookNotFound):
            await source.workbook(key).write_answers(batch_of(1))
    assert not (fake.folder / "Annan mapp" / "annan.xlsx").read_bytes().count(b"Uppf")


async def test_a_missing_workbook_is_not_found(source: GraphSource, fake: FakeGraph) -> None:
    book = await only_book(source)
    await book.read_plan()
    (fake.folder / FOLDER / KEY).unlink()
    with pytest.raises(WorkbookNotFound, match=KEY):
        await book.read_plan()


# ---- the wire format ----


def test_addresses_and_columns() -> None:
    assert [column_letter(i) for i in (0, 13, 25, 26, 701, 702)] == [
        "A",
        "N",
        "Z",
        "AA",
        "ZZ",
        "AAA",
    ]
    assert parse_address("'Blad 1'!B2:N9") == (2, 1, 9, 13)
    assert parse_address("Uppföljning!A1") == (1, 0, 1, 0)


def test_batch_bodies_and_replies() -> None:
    body = batch_body(
        [
            SubRequest("1", "GET", "/a"),
            SubRequest("2", "PATCH", "/b", {"values": [[1]]}, depends_on=["1"]),
        ]
    )
    assert body["requests"][1] == {
        "id": "2",
        "method": "PATCH",
        "url": "/b",
        "body": {"values": [[1]]},
        "headers": {"Content-Type": "application/json"},
        "dependsOn": ["1"],
    }
    with pytest.raises(ValueError):
        batch_body([SubRequest(str(i), "GET", "/a") for i in range(21)])
    replies = batch_responses(
        {
            "responses": [
                {
                    "id": "2",
                    "status": 429,
                    "headers": {"Retry-After": "3"},
                    "body": {
                        "error": {"code": "TooManyRequests", "innerError": {"code": "throttled"}}
                    },
                },
            ]
        }
    )
    error = call_error(replies["2"].status, replies["2"].headers, replies["2"].body)
    assert (error.status, error.code, error.retry_after) == (429, "TooManyRequests/throttled", 3)


# ---- the summary sheet ----


async def _summary(book: Any) -> Any:
    plan = await book.read_plan()
    term = Term(2026, Period.YEAR)
    return compile_status([plan], await book.read_answers(), term, date(2027, 2, 1))


async def test_a_summary_is_written_in_three_round_trips(source, fake) -> None:
    book = await only_book(source)
    await book.write_answers(batch_of(12))
    summary = await _summary(book)
    start = len(fake.requests)

    await book.write_summary(summary)

    sent = [r for r in fake.requests[start:] if not r.is_batch_item]
    # The look, the sheet with values and tables, then names, formats and widths; the
    # session is the one the answers were written in.
    assert [r.method + " " + r.path.rsplit("/", 1)[-1] for r in sent] == ["POST $batch"] * 3
    items = [r for r in fake.requests[start:] if r.is_batch_item]
    assert sum(1 for r in items if r.method == "PATCH" and r.path.endswith("')")) == 1


async def test_a_throttled_summary_write_is_finished_by_writing_it_again(source, fake) -> None:
    book = await only_book(source)
    summary = await _summary(book)
    fake.fail(500, match="/format")  # the first format request of the last batch

    with pytest.raises(WorkbookError):
        await book.write_summary(summary)
    # Half done: the sheet is there with its marker, so writing again replaces it.
    assert await book.write_summary(summary) == "Sammanställning helår 2026"
    book_file = openpyxl.load_workbook(fake.folder / FOLDER / KEY)
    sheet = book_file["Sammanställning helår 2026"]
    assert sheet["A1"].font.b
    assert sheet.tables and all(t.startswith("Sammanst_helar_2026_") for t in sheet.tables)


async def test_a_long_summary_goes_in_patches_of_500_rows(tmp_path: Path) -> None:
    library = tmp_path / "stor"
    write_xlsx(library / FOLDER / KEY, [HEADER, *plan_rows(1200)])
    server = FakeGraph(library)
    await server.start()
    graph = graph_source(server)
    try:
        book = await only_book(graph)
        summary = await _summary(book)  # 600 helår controls, none answered
        await book.write_summary(summary)
    finally:
        await graph.close()
        await server.stop()
    values = [r for r in server.requests if r.method == "PATCH" and r.path.endswith("')")]
    assert len(values) == 2  # 600 unanswered + the rest of the sheet: two blocks
    sheet = openpyxl.load_workbook(library / FOLDER / KEY)["Sammanställning helår 2026"]
    ids = {row[0] for row in sheet.iter_rows(values_only=True)}
    assert {str(m.control.id) for m in summary.unanswered} <= {str(i) for i in ids}
