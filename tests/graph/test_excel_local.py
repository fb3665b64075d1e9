"""What only the openpyxl file backend does: locks, atomic saves, the cache, folder sources."""

from __future__ import annotations

import asyncio
import os
import stat
import time
from pathlib import Path

import openpyxl
import pytest
from openpyxl.workbook.workbook import Workbook as XlWorkbook

from graph import layout, xlsx_temp
from graph.excel_local import LocalSource, LocalWorkbook
from graph.protocol import (
    WorkbookError,
    WorkbookLocked,
    WorkbookNotFound,
    WorkbookUnreadable,
    WriteResult,
)
from graph.xlsx_temp import STALE_TEMP
from tests.graph.workbooks import HEADER, answer, plan_rows, write_xlsx


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    path = tmp_path / "delad mapp"
    write_xlsx(path / "ks.xlsx", [HEADER, *plan_rows(3)])
    return path


def workbook(folder: Path, key: str = "ks.xlsx") -> LocalWorkbook:
    # In this process, so the tests can patch openpyxl and os; revalidated on every read.
    return LocalSource(folder, revalidate_after=0, in_process=True).workbook(key)


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


async def test_an_office_lock_file_means_locked_and_nothing_is_written(folder: Path) -> None:
    (folder / "~$ks.xlsx").write_bytes(b"Excel")
    before = (folder / "ks.xlsx").read_bytes()
    with pytest.raises(WorkbookLocked, match="öppen i Excel"):
        await workbook(folder).write_answers([answer("1")])
    assert (folder / "ks.xlsx").read_bytes() == before
    assert leftovers(folder) == []
    assert len((await workbook(folder).read_plan()).controls) == 3  # reading is fine


async def test_a_libreoffice_lock_file_means_locked_too(folder: Path) -> None:
    (folder / ".~lock.ks.xlsx#").write_text("Maria,maria,dator,2026")
    with pytest.raises(WorkbookLocked):
        await workbook(folder).write_answers([answer("1")])


async def test_a_batch_already_there_does_not_touch_the_file(folder: Path) -> None:
    book = workbook(folder)
    batch = [answer("1", answer_id="a1"), answer("2", answer_id="a2")]
    await book.write_answers(batch)
    stamp = (folder / "ks.xlsx").stat().st_mtime_ns
    assert await book.write_answers(batch) == WriteResult(unchanged=2)
    assert (folder / "ks.xlsx").stat().st_mtime_ns == stamp
    assert [a.answer_id for a in await book.read_answers()] == ["a1", "a2"]


async def test_a_file_changed_during_the_write_is_left_alone(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = folder / "ks.xlsx"
    real_save = XlWorkbook.save

    def someone_else_saves_meanwhile(self: XlWorkbook, filename: str) -> None:
        real_save(self, filename)
        theirs = openpyxl.load_workbook(path)
        theirs["Kontrollplan"]["H1"] = "Ändrad av Maria"
        real_save(theirs, path)
        os.utime(path, ns=(1, 1))  # make sure the stamp differs even on coarse clocks

    monkeypatch.setattr(XlWorkbook, "save", someone_else_saves_meanwhile)
    with pytest.raises(WorkbookLocked, match="ändrades"):
        await workbook(folder).write_answers([answer("1")])
    monkeypatch.undo()
    book = openpyxl.load_workbook(path)
    assert book["Kontrollplan"]["H1"].value == "Ändrad av Maria"
    assert layout.ANSWER_SHEET not in book.sheetnames
    assert leftovers(folder) == []


async def test_a_permission_error_on_replace_means_locked(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def denied(src: str, dst: str) -> None:
        raise PermissionError(13, "The process cannot access the file", dst)

    monkeypatch.setattr(os, "replace", denied)
    with pytest.raises(WorkbookLocked) as caught:
        await workbook(folder).write_answers([answer("1")])
    assert isinstance(caught.value.__cause__, PermissionError)
    monkeypatch.undo()
    assert leftovers(folder) == []


async def test_a_missing_file_is_not_found(folder: Path) -> None:
    book = workbook(folder, "borta.xlsx")
    with pytest.raises(WorkbookNotFound) as caught:
        await book.read_plan()
    assert isinstance(caught.value.__cause__, FileNotFoundError)
    with pytest.raises(WorkbookNotFound):
        await book.write_answers([answer("1")])


@pytest.mark.parametrize("content", [b"", b"inte en zip-fil", b"PK\x03\x04trasig"])
async def test_a_file_that_is_not_xlsx_is_unreadable(folder: Path, content: bytes) -> None:
    (folder / "trasig.xlsx").write_bytes(content)
    book = workbook(folder, "trasig.xlsx")
    with pytest.raises(WorkbookUnreadable) as caught:
        await book.read_plan()
    assert caught.value.__cause__ is not None
    with pytest.raises(WorkbookUnreadable):
        await book.write_answers([answer("1")])
    assert (folder / "trasig.xlsx").read_bytes() == content


async def test_a_workbook_without_a_plan_header_is_unreadable(folder: Path) -> None:
    write_xlsx(folder / "annat.xlsx", [["Budget 2026"], ["Post", "Belopp"]], sheet="Budget")
    with pytest.raises(WorkbookUnreadable, match="rubrikrad"):
        await workbook(folder, "annat.xlsx").read_plan()


async def test_the_plan_may_sit_on_another_sheet(folder: Path) -> None:
    def plan_elsewhere(book: openpyxl.Workbook) -> None:
        ws = book.create_sheet("Plan 2026")
        ws.append(["Internkontrollplan"])
        ws.append(HEADER)
        ws.append(plan_rows(1)[0])

    write_xlsx(folder / "x.xlsx", [["Innehåll"]], sheet="Kontrollplan", extra=plan_elsewhere)
    plan = await workbook(folder, "x.xlsx").read_plan()
    assert plan.sheet == "Plan 2026" and [c.row for c in plan.controls] == [3]


async def test_a_folder_source_lists_workbooks_by_relative_name(folder: Path) -> None:
    write_xlsx(folder / "b.xlsx", [HEADER, *plan_rows(1)])
    (folder / "~$ks.xlsx").write_bytes(b"lock")
    (folder / ".~ikbot-tmp.xlsx").write_bytes(b"temp")
    (folder / "anteckningar.txt").write_text("x")
    (folder / "arkiv.xlsx").mkdir()
    source = LocalSource(folder)
    books = await source.workbooks()
    assert [b.key for b in books] == ["b.xlsx", "ks.xlsx"]
    assert all(not Path(b.key).is_absolute() and b.name == b.key for b in books)
    assert source.workbook("ks.xlsx") is books[1]
    assert (await books[1].read_plan()).key == "ks.xlsx"


async def test_a_single_file_source_uses_the_file_name_as_key(folder: Path) -> None:
    source = LocalSource(folder / "ks.xlsx")
    (book,) = await source.workbooks()
    assert book.key == "ks.xlsx"
    assert len((await book.read_plan()).controls) == 3
    with pytest.raises(WorkbookNotFound):
        await source.workbook("annan.xlsx").read_plan()


async def test_a_missing_folder_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(WorkbookNotFound):
        await LocalSource(tmp_path / "saknas").workbooks()


@pytest.mark.parametrize(
    "key",
    [
        "../ks.xlsx",
        "/etc/passwd.xlsx",
        "sub/ks.xlsx",
        "..\\ks.xlsx",
        "~$ks.xlsx",
        ".ks.xlsx",
        "ks.txt",
        "",
        "..",
    ],
)
async def test_keys_from_card_data_cannot_leave_the_folder(folder: Path, key: str) -> None:
    (folder / "sub").mkdir()
    write_xlsx(folder / "sub" / "ks.xlsx", [HEADER, *plan_rows(1)])
    book = LocalSource(folder / "sub").workbook(key)
    with pytest.raises(WorkbookNotFound):
        await book.read_plan()
    with pytest.raises(WorkbookNotFound):
        await book.write_answers([answer("1")])


async def test_an_unchanged_file_is_served_from_the_cache(folder: Path) -> None:
    book = workbook(folder)
    plans = await asyncio.gather(*(book.read_plan() for _ in range(5)))
    assert all(p is plans[0] for p in plans)  # one load for concurrent readers
    assert await book.read_plan() is plans[0]
    write_xlsx(folder / "ks.xlsx", [HEADER, *plan_rows(4)])
    os.utime(folder / "ks.xlsx", ns=(2, 2))
    changed = await book.read_plan()
    assert len(changed.controls) == 4


async def test_our_own_write_refreshes_the_cache_without_a_reread(folder: Path) -> None:
    book = workbook(folder)
    plan = await book.read_plan()
    assert await book.read_answers() == []
    assert await book.write_answers([answer("1", answer_id="a1")]) == WriteResult(added=1)
    assert await book.read_plan() is plan
    assert [a.answer_id for a in await book.read_answers()] == ["a1"]
    fresh = await workbook(folder).read_answers()  # a new reader sees the same
    assert [a.answer_id for a in fresh] == ["a1"]


async def test_the_file_keeps_its_permissions(folder: Path) -> None:
    path = folder / "ks.xlsx"
    path.chmod(0o664)
    await workbook(folder).write_answers([answer("1")])
    assert stat.S_IMODE(path.stat().st_mode) == 0o664
    assert leftovers(folder) == []


async def test_within_the_revalidation_window_the_file_is_not_even_stat_ed(folder: Path) -> None:
    book = LocalSource(folder, revalidate_after=3600, in_process=True).workbook("ks.xlsx")
    plan = await book.read_plan()
    write_xlsx(folder / "ks.xlsx", [HEADER, *plan_rows(4)])
    os.utime(folder / "ks.xlsx", ns=(2, 2))
    assert await book.read_plan() is plan  # an edit shows up after the window, not at once


async def test_writes_run_in_the_worker_process_and_survive_its_death(folder: Path) -> None:
    from graph import excel_local

    book = LocalSource(folder, revalidate_after=0).workbook("ks.xlsx")
    plan = await book.read_plan()
    assert await book.write_answers([answer("1", answer_id="a1")]) == WriteResult(added=1)
    assert await book.read_plan() is plan  # the worker's result refreshed our cache
    pool = excel_local._writer_process()
    for process in list(pool._processes.values()):  # the worker dies (OOM killer, say)
        process.kill()
        process.join()
    with pytest.raises(WorkbookError):
        await book.write_answers([answer("2", answer_id="a2")])
    assert await book.write_answers([answer("2", answer_id="a2")]) == WriteResult(added=1)
    assert sorted(a.answer_id for a in await book.read_answers()) == ["a1", "a2"]


def leave_temp(folder: Path, name: str, age: float) -> Path:
    """A temp file as a save killed ``age`` seconds ago leaves it."""
    path = folder / name
    path.write_bytes(b"PK half a workbook")
    moment = time.time() - age
    os.utime(path, (moment, moment))
    return path


async def test_what_a_killed_save_left_is_swept_at_start_up(folder: Path) -> None:
    leave_temp(folder, ".~ikbot-dead.xlsx", STALE_TEMP + 60)
    leave_temp(folder, ".~ikbot-live.xlsx", 5)  # another process's save, under way
    leave_temp(folder, ".~lock.ks.xlsx#", STALE_TEMP + 60)  # not ours to touch
    source = LocalSource(folder, revalidate_after=0, in_process=True)
    assert leftovers(folder) == [".~ikbot-dead.xlsx", ".~ikbot-live.xlsx", ".~lock.ks.xlsx#"]

    assert [b.key for b in await source.workbooks()] == ["ks.xlsx"]

    assert leftovers(folder) == [".~ikbot-live.xlsx", ".~lock.ks.xlsx#"]


async def test_a_single_file_source_sweeps_its_folder(folder: Path) -> None:
    leave_temp(folder, ".~ikbot-dead.xlsx", STALE_TEMP + 60)
    source = LocalSource(folder / "ks.xlsx", revalidate_after=0, in_process=True)
    await source.workbooks()
    assert leftovers(folder) == []


async def test_each_save_sweeps_what_killed_saves_left(folder: Path) -> None:
    book = workbook(folder)  # taken by key: the folder is never listed
    leave_temp(folder, ".~ikbot-dead.xlsx", STALE_TEMP + 60)
    await book.write_answers([answer("1")])
    assert leftovers(folder) == []


def test_a_save_under_way_in_this_process_is_never_swept(folder: Path) -> None:
    temp = leave_temp(folder, ".~ikbot-mine.xlsx", STALE_TEMP + 60)
    with xlsx_temp.in_flight(str(temp)):
        assert xlsx_temp.sweep_leftovers(folder) == []
    assert xlsx_temp.sweep_leftovers(folder) == [".~ikbot-mine.xlsx"]


def test_the_writer_process_removes_its_temp_file_when_it_must_end(folder: Path) -> None:
    temp = leave_temp(folder, ".~ikbot-mine.xlsx", 0)
    with xlsx_temp.in_flight(str(temp)):
        xlsx_temp.discard_in_flight()
    assert leftovers(folder) == []
