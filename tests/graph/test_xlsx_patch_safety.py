"""The patch keeps the writer's guarantees: locks, changes underneath, failed batches.

A lock file or a change by someone else stops a patch with nothing written; a batch that
did not land leaves nothing behind for the next (the writer process keeps the sheet it
parsed between batches); zip members however they were written are copied as they are.
"""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from graph import layout, xlsx_patch, xlsx_writer
from graph.protocol import WorkbookLocked
from graph.xlsx_reader import read_workbook_file
from tests.graph.rich_workbook import rich_workbook
from tests.graph.test_xlsx_patch import ANSWERS, KEY, TABLE, book, first_batch, members
from tests.graph.workbooks import answer

pytestmark = pytest.mark.filterwarnings("ignore:Data Validation extension:UserWarning")


async def test_an_office_lock_file_stops_the_patch_and_nothing_changes(tmp_path: Path) -> None:
    path = rich_workbook(tmp_path / KEY)
    await book(tmp_path).write_answers([answer("1")])
    (tmp_path / f"~${KEY}").write_bytes(b"Excel")
    before = path.read_bytes()
    with pytest.raises(WorkbookLocked, match="öppen i Excel"):
        await book(tmp_path).write_answers([answer("2")])
    assert path.read_bytes() == before


async def test_a_file_changed_while_it_was_patched_is_left_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = rich_workbook(tmp_path / KEY)
    await book(tmp_path).write_answers([answer("1")])
    real_write = xlsx_patch.write_package

    def someone_else_saves_meanwhile(*args: Any) -> None:
        real_write(*args)
        theirs = openpyxl.load_workbook(path)
        theirs["Kontrollplan"]["H1"] = "Ändrad av Maria"
        theirs.save(path)
        os.utime(path, ns=(1, 1))  # make sure the stamp differs even on coarse clocks

    monkeypatch.setattr(xlsx_patch, "write_package", someone_else_saves_meanwhile)
    with pytest.raises(WorkbookLocked, match="ändrades"):
        await book(tmp_path).write_answers([answer("2")])
    monkeypatch.undo()
    assert openpyxl.load_workbook(path)["Kontrollplan"]["H1"].value == "Ändrad av Maria"
    assert not any(name.startswith(".") for name in os.listdir(tmp_path))


async def test_a_permission_error_on_replace_means_locked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = rich_workbook(tmp_path / KEY)
    await book(tmp_path).write_answers([answer("1")])
    before = path.read_bytes()

    def denied(src: str, dst: str) -> None:
        raise PermissionError(13, "The process cannot access the file", dst)

    monkeypatch.setattr(os, "replace", denied)
    with pytest.raises(WorkbookLocked):
        await book(tmp_path).write_answers([answer("2")])
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert not any(name.startswith(".") for name in os.listdir(tmp_path))


async def test_a_batch_that_failed_to_land_leaves_nothing_for_the_next(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The sheet parsed for one batch is kept for the next; a batch that did not land
    # (here: the replace is refused) must not be carried into the next one.
    path = rich_workbook(tmp_path / KEY)
    workbook = book(tmp_path)
    await workbook.write_answers([answer("1", answer_id="a1")])
    real_replace = os.replace

    def denied(src: str, dst: str) -> None:
        raise PermissionError(13, "The process cannot access the file", dst)

    monkeypatch.setattr(os, "replace", denied)
    with pytest.raises(WorkbookLocked):
        await workbook.write_answers([answer("2", answer_id="a2")])
    monkeypatch.setattr(os, "replace", real_replace)
    await workbook.write_answers([answer("3", answer_id="a3")])
    landed = [a.answer_id for a in read_workbook_file(path, KEY).answers]
    assert landed == ["a1", "a3"]
    assert [a.answer_id for a in await workbook.read_answers()] == landed


async def test_an_edit_between_batches_is_read_before_the_next_one(tmp_path: Path) -> None:
    path = rich_workbook(tmp_path / KEY)
    workbook = book(tmp_path)
    await workbook.write_answers([answer("1", answer_id="a1"), answer("2", answer_id="a2")])
    theirs = openpyxl.load_workbook(path)
    theirs[layout.ANSWER_SHEET]["G2"] = "Rättat av Maria"
    theirs[layout.ANSWER_SHEET].delete_rows(3)  # and answer 2 taken away
    theirs.save(path)
    await workbook.write_answers([answer("3", answer_id="a3")])
    landed = read_workbook_file(path, KEY).answers
    assert [(a.answer_id, a.observations) for a in landed] == [
        ("a1", "Rättat av Maria"),
        ("a3", ""),
    ]
    assert await workbook.read_answers() == list(landed)


class _Stream(io.RawIOBase):
    """A file zipfile cannot seek in, so it writes each member's sizes after its data."""

    def __init__(self, sink: io.BufferedWriter) -> None:
        self._sink = sink

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        return self._sink.write(data)


def test_members_stored_or_streamed_are_copied_as_they_are(tmp_path: Path) -> None:
    # Zip writers differ: a member may be stored uncompressed (images often are) and its
    # sizes may follow its data (a data descriptor) rather than sit in its header.
    path = rich_workbook(tmp_path / KEY)
    with zipfile.ZipFile(path) as source:
        members_ = [(info, source.read(info)) for info in source.infolist()]
    with path.open("wb") as sink, zipfile.ZipFile(_Stream(sink), "w") as out:
        for info, data in members_:
            stored = info.filename.endswith(".png")
            out.writestr(info, data, zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED)
    before = members(path)
    with zipfile.ZipFile(path) as streamed:
        assert all(i.flag_bits & 0x08 for i in streamed.infolist())
    done = xlsx_writer.write_workbook_file(path, KEY, first_batch())
    assert done.answers is None  # patched
    after = members(path)
    owned = {ANSWERS, TABLE, "xl/styles.xml", "xl/workbook.xml"}
    assert [m for m in after if m[0] not in owned] == [m for m in before if m[0] not in owned]
    with zipfile.ZipFile(path) as package:
        assert package.testzip() is None
        assert package.getinfo("xl/media/image1.png").compress_type == zipfile.ZIP_STORED
    assert [a.answer_id for a in read_workbook_file(path, KEY).answers] == ["a1", "a2", "a3"]
