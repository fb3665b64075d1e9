"""New sheets grafted into the .xlsx package: a plan the bot has not written to yet keeps
every part it had, byte for byte, when it gets its Uppföljning and Åtgärder sheets and a
summary sheet (written twice: replaced in its place).

Real files: a workbook with a chart, an image, a comment, formulas with cached values,
conditional formatting, data validation and a print area; each new sheet must read back
as the openpyxl rewrite (still the fallback) would have written it.
"""

from __future__ import annotations

import asyncio
import csv
import shutil
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from lxml import etree
from openpyxl.comments import Comment
from openpyxl.utils.datetime import CALENDAR_MAC_1904
from openpyxl.worksheet.worksheet import Worksheet

from bot.domain.followup import ActionStatus
from bot.domain.model import Period
from bot.domain.periods import Term
from bot.domain.status import compile_status
from graph import layout, xlsx_writer
from graph.action_rows import ACTION_SHEET
from graph.summary_sheet import sheet_name, summary_sheet
from graph.templates import SCALE_NAME, STRANGNAS_SCALE, add_settings_sheet
from graph.xlsx_actions import _rewrite as rewrite_actions
from graph.xlsx_actions import write_actions_file
from graph.xlsx_summary import _rewrite as rewrite_summary
from tests.graph.rich_workbook import FORMULA_SHEET, rich_workbook
from tests.graph.test_xlsx_actions import T0 as ACTION_TIME
from tests.graph.test_xlsx_actions import rows as action_rows
from tests.graph.test_xlsx_actions import tracked
from tests.graph.test_xlsx_patch import KEY, book, first_batch, members
from tests.graph.workbooks import HEADER, answer, plan_rows

pytestmark = pytest.mark.filterwarnings("ignore:Data Validation extension:UserWarning")
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
# The shared parts a graft changes; every other member of the file stays byte for byte.
OWNED = {"xl/workbook.xml", "xl/_rels/workbook.xml.rels", "[Content_Types].xml", "xl/styles.xml"}
SUMMARY = sheet_name(Period.YEAR, 2026)


def raw(path: Path) -> dict[str, tuple[Any, ...]]:
    """Each member by name: compression, CRC, compressed size, content."""
    return {m[0]: m[1:] for m in members(path)}


def looks(ws: Worksheet) -> dict[str, Any]:
    """What a person sees of a sheet: values, formats, fonts, fills, alignment, widths,
    panes, tables, drop-downs and print settings."""
    cells = [
        (
            c.coordinate,
            c.value,
            c.number_format,
            c.quotePrefix,
            (c.font.b, c.font.sz),
            c.fill.fgColor.rgb if c.fill.fill_type else None,
            (c.alignment.horizontal, c.alignment.wrap_text, c.alignment.vertical),
        )
        for row in ws.iter_rows()
        for c in row
        if c.value is not None or c.has_style
    ]
    return {
        "cells": cells,
        "widths": {k: d.width for k, d in ws.column_dimensions.items() if d.customWidth},
        "panes": ws.freeze_panes,
        "tables": {t.name: (t.ref, t.tableStyleInfo.name) for t in ws.tables.values()},
        "validations": sorted(
            (str(v.sqref), v.type, v.formula1) for v in ws.data_validations.dataValidation
        ),
        "print": (
            ws.print_area,
            ws.print_title_rows,
            ws.page_setup.orientation,
            ws.page_setup.paperSize,
            ws.page_setup.fitToWidth,
            ws.page_setup.fitToHeight,
            ws.sheet_properties.pageSetUpPr.fitToPage if ws.sheet_properties.pageSetUpPr else None,
        ),
    }


def kept_apart_from(
    before: dict[str, tuple[Any, ...]], after: dict[str, tuple[Any, ...]]
) -> set[str]:
    """The members of ``before`` that changed or went (the rest must be byte for byte)."""
    return {name for name, member in before.items() if after.get(name) != member}


async def test_the_first_answers_graft_both_sheets_and_keep_every_part(tmp_path: Path) -> None:
    path = rich_workbook(tmp_path / KEY, answers_sheet=False)
    reference = shutil.copy(path, tmp_path / "rewritten.xlsx")
    before = raw(path)

    result = await book(tmp_path).write_answers(first_batch())

    assert (result.added, result.updated) == (3, 0)
    after = raw(path)
    assert kept_apart_from(before, after) <= OWNED
    assert list(after)[: len(before)] == list(before)  # same order; new parts at the end
    new = set(after) - set(before)
    assert {n.rsplit("/", 1)[0] for n in new} == {
        "xl/worksheets",
        "xl/worksheets/_rels",
        "xl/tables",
    } and len(new) == 6  # two sheets, their relationships and their tables
    assert {"xl/charts/chart1.xml", "xl/media/image1.png", "xl/comments/comment1.xml"} <= set(after)
    cached = openpyxl.load_workbook(path, data_only=True)[FORMULA_SHEET]
    assert [cached[f"B{r}"].value for r in (1, 2, 3)] == [3, 6, "Tre kontroller"]

    # The same sheets, cell for cell, as the openpyxl rewrite makes them.
    xlsx_writer.rewrite_workbook_file(reference, KEY, first_batch())
    grafted, rewritten = openpyxl.load_workbook(path), openpyxl.load_workbook(reference)
    assert grafted.sheetnames == rewritten.sheetnames
    for title in (layout.ANSWER_SHEET, ACTION_SHEET):
        assert looks(grafted[title]) == looks(rewritten[title]), title
    assert grafted["Diagram"].print_area == "'Diagram'!$A$1:$M$20"
    # The project's reader sees the answers; the next batch patches the grafted sheet.
    workbook = book(tmp_path)
    assert [a.answer_id for a in await workbook.read_answers()] == ["a1", "a2", "a3"]
    done = xlsx_writer.write_workbook_file(path, KEY, [answer("4", answer_id="a4")])
    assert done.answers is None and done.result.added == 1  # patched, not rewritten
    again = raw(path)
    assert kept_apart_from(after, again) <= {"xl/worksheets/sheet4.xml", "xl/tables/table1.xml"}


def test_the_first_atgard_grafts_the_sheet(tmp_path: Path) -> None:
    path = rich_workbook(tmp_path / KEY)  # Uppföljning, but no Åtgärder yet
    reference = shutil.copy(path, tmp_path / "rewritten.xlsx")
    before = raw(path)
    first = [tracked("1", ActionStatus.IN_PROGRESS, "=1+1 – ”citat”", ACTION_TIME)]

    result, _, _ = write_actions_file(path, KEY, first)

    assert result.added == 1
    after = raw(path)
    assert kept_apart_from(before, after) <= OWNED
    assert b"x14:dataValidations" in after["xl/worksheets/sheet2.xml"][-1]  # kept raw
    assert [(r[0], r[6], r[7]) for r in action_rows(path)] == [(1, "Pågår", "=1+1 – ”citat”")]
    rewrite_actions(reference, KEY, first)
    grafted, rewritten = openpyxl.load_workbook(path), openpyxl.load_workbook(reference)
    assert looks(grafted[ACTION_SHEET]) == looks(rewritten[ACTION_SHEET])


@pytest.mark.parametrize("named", [True, False], ids=["defined name", "settings sheet"])
def test_the_bedomning_list_follows_the_workbooks_scale(tmp_path: Path, named: bool) -> None:
    # The drop-down refers to the scale's defined name, or lists the Inställningar sheet's
    # options inline, as openpyxl makes it in the loaded workbook.
    plan = openpyxl.Workbook()
    for row in [HEADER, *plan_rows(3)]:
        plan.active.append(row)
    add_settings_sheet(plan, STRANGNAS_SCALE)
    if not named:
        del plan.defined_names[SCALE_NAME]
    path = tmp_path / KEY
    plan.save(path)
    reference = shutil.copy(path, tmp_path / "rewritten.xlsx")
    before = raw(path)

    xlsx_writer.write_workbook_file(path, KEY, [answer("1", answer_id="a1")])

    assert kept_apart_from(before, raw(path)) <= OWNED
    xlsx_writer.rewrite_workbook_file(reference, KEY, [answer("1", answer_id="a1")])
    grafted = looks(openpyxl.load_workbook(path)[layout.ANSWER_SHEET])
    assert grafted == looks(openpyxl.load_workbook(reference)[layout.ANSWER_SHEET])
    outcomes = next(f for _, _, f in grafted["validations"] if "Process" in f or f == SCALE_NAME)
    assert (outcomes == SCALE_NAME) is named


def test_a_workbook_on_the_1904_date_system_is_rewritten_instead(tmp_path: Path) -> None:
    plan = openpyxl.Workbook()
    plan.epoch = CALENDAR_MAC_1904  # a date cell in the new sheet would be four years off
    for row in [HEADER, *plan_rows(3)]:
        plan.active.append(row)
    path = tmp_path / KEY
    plan.save(path)

    done = xlsx_writer.write_workbook_file(path, KEY, [answer("1", answer_id="a1")])
    result, _, _ = write_actions_file(
        path, KEY, [tracked("1", ActionStatus.NOT_STARTED, "", ACTION_TIME)]
    )

    assert done.result.added == result.added == 1
    book_1904 = openpyxl.load_workbook(path)
    assert book_1904.epoch == CALENDAR_MAC_1904
    assert book_1904[layout.ANSWER_SHEET]["M2"].value == datetime(2027, 1, 10, 10, 30)
    assert action_rows(path)[0][0] == 1


async def test_a_summary_written_twice_is_replaced_in_its_place(tmp_path: Path) -> None:
    path = rich_workbook(tmp_path / KEY, controls=8, answers_sheet=False)
    workbook = book(tmp_path)
    await workbook.write_answers(first_batch())
    await workbook.write_actions([tracked("1", ActionStatus.NOT_STARTED, "", ACTION_TIME)])
    summary = compile_status(
        [await workbook.read_plan()],
        await workbook.read_answers(),
        Term(2026, Period.YEAR),
        date(2027, 2, 1),
    )
    before = raw(path)

    assert await workbook.write_summary(summary, pending=1) == SUMMARY
    first = raw(path)
    assert kept_apart_from(before, first) <= OWNED
    titles = openpyxl.load_workbook(path).sheetnames
    assert titles[-1] == SUMMARY
    # Another sheet after it: the replaced summary must keep its place and its number.
    await workbook.write_answers([answer("5", answer_id="a5")])
    book_xml = etree.fromstring(first["xl/workbook.xml"][-1])
    entry = next(s for s in book_xml.iter(f"{{{MAIN}}}sheet") if s.get("name") == SUMMARY)

    await workbook.write_summary(summary, pending=0)

    second = raw(path)
    summary_part = _part_of(second, SUMMARY)
    tables = {n for n in second if n.startswith("xl/tables/")}
    changed = kept_apart_from(first, second)
    assert changed <= OWNED | {summary_part, "xl/worksheets/sheet4.xml", "xl/tables/table1.xml"}
    assert second["xl/styles.xml"] == first["xl/styles.xml"]  # the styles appended once
    assert set(second) - set(first) == set()  # the old tables' names used again, none left
    assert len(tables) == len(summary_sheet(summary).tables) + 2  # + Uppföljning, Åtgärder
    again = etree.fromstring(second["xl/workbook.xml"][-1])
    moved = next(s for s in again.iter(f"{{{MAIN}}}sheet") if s.get("name") == SUMMARY)
    assert (moved.get("sheetId"), moved.get(f"{{{REL}}}id")) == (
        entry.get("sheetId"),
        entry.get(f"{{{REL}}}id"),
    )
    grafted = openpyxl.load_workbook(path)
    assert grafted.sheetnames == titles
    assert grafted["Diagram"].print_area == "'Diagram'!$A$1:$M$20"
    cached = openpyxl.load_workbook(path, data_only=True)[FORMULA_SHEET]
    assert [cached[f"B{r}"].value for r in (1, 2, 3)] == [3, 6, "Tre kontroller"]

    # The sheet as the openpyxl rewrite makes it, print settings and all.
    reference = shutil.copy(path, tmp_path / "rewritten.xlsx")
    rewrite_summary(reference, KEY, summary_sheet(summary, pending=0))
    expected = looks(openpyxl.load_workbook(reference)[SUMMARY])
    assert looks(grafted[SUMMARY]) == expected
    assert expected["print"][0].startswith(f"'{SUMMARY}'!$A$1:")
    assert expected["print"][1:] == ("$1:$1", "landscape", 9, 1, 0, True)


async def test_a_summary_sheet_people_added_a_comment_to_is_rewritten(tmp_path: Path) -> None:
    path = rich_workbook(tmp_path / KEY, controls=8)
    workbook = book(tmp_path)
    await workbook.write_answers(first_batch())
    summary = compile_status(
        [await workbook.read_plan()],
        await workbook.read_answers(),
        Term(2026, Period.YEAR),
        date(2027, 2, 1),
    )
    await workbook.write_summary(summary)
    edited = openpyxl.load_workbook(path)
    edited[SUMMARY]["A3"].comment = Comment("Kolla detta", "Maria")
    edited.move_sheet(SUMMARY, offset=-2)
    edited.save(path)

    await workbook.write_summary(summary)  # a part the graft does not own: the rewrite

    again = openpyxl.load_workbook(path)
    assert again.sheetnames.count(SUMMARY) == 1 and again.sheetnames[-1] == SUMMARY
    assert again[SUMMARY]["A3"].comment is None
    assert looks(again[SUMMARY])["print"][1:3] == ("$1:$1", "landscape")


async def test_printer_settings_excel_saved_with_the_summary_go_with_it(tmp_path: Path) -> None:
    path = rich_workbook(tmp_path / KEY, controls=8)
    workbook = book(tmp_path)
    summary = compile_status(
        [await workbook.read_plan()], [], Term(2026, Period.YEAR), date(2027, 2, 1)
    )
    await workbook.write_summary(summary)
    part = _part_of(raw(path), SUMMARY)
    rels = part.replace("worksheets/", "worksheets/_rels/") + ".rels"
    printer = "xl/printerSettings/printerSettings1.bin"
    with zipfile.ZipFile(path) as package:  # as Excel saves a sheet with page settings
        parts = {i.filename: package.read(i) for i in package.infolist()}
    links = etree.fromstring(parts[rels])
    etree.SubElement(
        links,
        f"{{{PACKAGE_REL}}}Relationship",
        Id="rId99",
        Type=f"{REL}/printerSettings",
        Target="../printerSettings/printerSettings1.bin",
    )
    parts[rels] = etree.tostring(links)
    parts[printer] = b"\0" * 64
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in parts.items():
            package.writestr(name, data)

    before = raw(path)

    await workbook.write_summary(summary)

    after = raw(path)
    changed = kept_apart_from(before, after)
    summary_tables = {n for n in changed if n.startswith("xl/tables/")}
    assert "xl/tables/table1.xml" not in summary_tables  # the answers table stays
    assert changed - summary_tables <= OWNED | {part, rels, printer}  # grafted
    assert printer not in after and _part_of(after, SUMMARY) == part
    assert b"printerSettings" not in after[rels][-1]
    assert openpyxl.load_workbook(path).sheetnames[-1] == SUMMARY


def _part_of(package: dict[str, tuple[Any, ...]], title: str) -> str:
    book_xml = etree.fromstring(package["xl/workbook.xml"][-1])
    rid = next(
        s.get(f"{{{REL}}}id") for s in book_xml.iter(f"{{{MAIN}}}sheet") if s.get("name") == title
    )
    rels = etree.fromstring(package["xl/_rels/workbook.xml.rels"][-1])
    target = next(r.get("Target") for r in rels if r.get("Id") == rid)
    return target.lstrip("/") if target.startswith("/") else f"xl/{target}"


async def _soffice(profile: Path, target: str, out: Path, path: Path) -> None:
    """Convert ``path`` with LibreOffice headless (its own profile) into ``out``."""
    soffice = await asyncio.create_subprocess_exec(
        "soffice",
        f"-env:UserInstallation=file://{profile}",
        "--headless",
        "--convert-to",
        target,
        "--outdir",
        str(out),
        str(path),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    assert await asyncio.wait_for(soffice.wait(), 120) == 0


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
async def test_libreoffice_saves_and_opens_grafted_workbooks(tmp_path: Path) -> None:
    # A package another application wrote (shared strings, its own styles and parts) ...
    made = rich_workbook(tmp_path / "made" / KEY, controls=8, answers_sheet=False)
    await _soffice(tmp_path / "profile", "xlsx:Calc MS Excel 2007 XML", tmp_path, made)
    path = tmp_path / KEY
    before = raw(path)
    workbook = book(tmp_path)
    await workbook.write_answers(first_batch())
    summary = compile_status(
        [await workbook.read_plan()],
        await workbook.read_answers(),
        Term(2026, Period.YEAR),
        date(2027, 2, 1),
    )
    await workbook.write_summary(summary)
    await workbook.write_summary(summary)
    assert kept_apart_from(before, raw(path)) <= OWNED  # ... is grafted, not rewritten
    # ... and LibreOffice reads every sheet of the result as openpyxl does.
    out = tmp_path / "out"
    csv_filter = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1"
    await _soffice(tmp_path / "profile", csv_filter, out, path)
    answers = _csv(out / f"plan-{layout.ANSWER_SHEET}.csv")
    assert [(r[0], r[3], r[13]) for r in answers] == [
        ("ID", "Bedömning", "Svar-ID"),
        ("1", "Mindre avvikelse", "a1"),
        ("2", "Ingen avvikelse", "a2"),
        ("3", "Ingen avvikelse", "a3"),
    ]
    assert answers[2][6] == "- en punkt\n- och en till"
    ws = openpyxl.load_workbook(path)[SUMMARY]
    expected = [
        ["" if v is None else str(v) for v in row]
        for row in ws.iter_rows(values_only=True)
        if any(v is not None for v in row)
    ]
    found = _csv(out / f"plan-{SUMMARY}.csv")
    assert len(found) == len(expected) and found[0][0] == expected[0][0] == SUMMARY
    assert [r[0] for r in found] == [r[0] for r in expected]
    assert _csv(out / f"plan-{FORMULA_SHEET}.csv")[0] == ["Antal kontroller", "3"]


def _csv(path: Path) -> list[list[str]]:
    """LibreOffice's CSV of a sheet, without empty rows."""
    with path.open(encoding="utf-8", newline="") as handle:
        return [row for row in csv.reader(handle) if any(row)]
