"""Saving a report: a Rapporter folder beside local workbooks (a new name, never
overwriting), or an upload into the SharePoint library through the fake Graph (a new
file, then a new version of it; one request each)."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.protocol import WorkbookError
from graph.report_files import (
    GraphReports,
    LocalReports,
    local_report_folder,
    report_file_name,
    report_shelf,
)
from tests.graph.conftest import FOLDER, GraphBackend, graph_source

NAME = "Uppföljning av intern kontroll helår 2026 – Kommunstyrelsen.docx"


def test_file_names_are_safe() -> None:
    assert report_file_name("Uppföljning helår 2026 – KS") == "Uppföljning helår 2026 – KS.docx"
    assert report_file_name('a/b\\c:d*e?"f<g>h|i#j%') == "a-b-c-d-e-f-g-h-i-j.docx"
    assert report_file_name("...") == "Rapport.docx"


async def test_local_reports_never_overwrite(tmp_path: Path) -> None:
    folder = local_report_folder(tmp_path / "ks.xlsx", "Rapporter")
    assert folder == tmp_path / "Rapporter"
    shelf = LocalReports(folder)
    first = await shelf.save_report(NAME, b"one")
    second = await shelf.save_report(NAME, b"two")
    assert first.name == NAME and second.name == NAME.replace(".docx", " (2).docx")
    assert (folder / NAME).read_bytes() == b"one"  # the first (maybe edited) file stays
    assert (folder / second.name).read_bytes() == b"two"
    assert first.url is None and not second.new_version


async def test_a_local_folder_that_cannot_be_made_is_said(tmp_path: Path) -> None:
    (tmp_path / "Rapporter").write_text("a file in the way")
    with pytest.raises(WorkbookError, match="kunde inte"):
        await LocalReports(tmp_path / "Rapporter").save_report(NAME, b"x")


def test_the_shelf_follows_the_source(tmp_path: Path) -> None:
    from graph.excel_local import LocalSource

    shelf = report_shelf(
        LocalSource(tmp_path), workbook=tmp_path, fallback=tmp_path / "var", folder="Rapporter"
    )
    assert isinstance(shelf, LocalReports) and shelf.folder == tmp_path / "Rapporter"


async def test_upload_a_new_file_then_a_new_version(tmp_path: Path) -> None:
    graph = GraphBackend(tmp_path / "bibliotek")
    await graph.start()
    try:
        assert graph.source is not None
        shelf = report_shelf(graph.source, workbook=None, fallback=tmp_path, folder="Rapporter")
        assert isinstance(shelf, GraphReports)
        await graph.source.location()  # resolved once, as the bot has done long before
        before = len(graph.fake.requests)
        first = await shelf.save_report(NAME, b"PK version 1")
        assert len(graph.fake.requests) - before == 1  # one PUT
        put = graph.fake.requests[-1]
        assert put.method == "PUT" and put.path.endswith(
            f"/root:/{FOLDER}/Rapporter/{NAME}:/content"
        )
        assert put.status == 201 and not first.new_version
        assert first.url is not None and first.url.endswith(f"{FOLDER}/Rapporter/{NAME}")
        assert first.where == f"/{FOLDER}/Rapporter/{NAME}"
        stored = graph.library / FOLDER / "Rapporter" / NAME
        assert stored.read_bytes() == b"PK version 1"

        second = await shelf.save_report(NAME, b"PK version 2")
        assert graph.fake.requests[-1].status == 200 and second.new_version
        assert second.url == first.url
        # SharePoint keeps the earlier version in its history; the fake keeps every one.
        assert graph.fake.uploads.versions[f"{FOLDER}/Rapporter/{NAME}"] == [
            b"PK version 1",
            b"PK version 2",
        ]
        assert stored.read_bytes() == b"PK version 2"
    finally:
        await graph.stop()


async def test_upload_to_a_folder_from_the_library_root(tmp_path: Path) -> None:
    graph = GraphBackend(tmp_path / "bibliotek")
    await graph.start()
    try:
        assert graph.source is not None
        shelf = GraphReports(graph.source, "/Nämndrapporter/2026")
        saved = await shelf.save_report(NAME, b"x")
        assert saved.where == f"/Nämndrapporter/2026/{NAME}"
        assert (graph.library / "Nämndrapporter" / "2026" / NAME).exists()
    finally:
        await graph.stop()


async def test_a_locked_report_is_said_in_swedish(tmp_path: Path) -> None:
    graph = GraphBackend(tmp_path / "bibliotek")
    await graph.start()
    try:
        source = graph_source(graph.fake)
        shelf = GraphReports(source, "Rapporter")
        graph.fake.fail(423, match=":/content", times=5)
        with pytest.raises(WorkbookError, match="låst i SharePoint"):
            await shelf.save_report(NAME, b"x")
        await source.close()
    finally:
        await graph.stop()
