"""A plan workbook with what a kommun's file may hold beside the plan, and the bot's sheet.

A bar chart, an image (on a sheet with a print area), a sheet of formulas with their
cached values, conditional formatting, data validation and a comment, made with openpyxl;
what openpyxl cannot write is added to the package afterwards: the cached formula values,
an Excel 2010 extension (``extLst``) on the answers sheet, and the calculation settings
Excel saves.
``python -m tests.graph.rich_workbook out.xlsx`` writes one (``e2e/xlsx_libreoffice.sh``).
"""

from __future__ import annotations

import io
import sys
import zipfile
from pathlib import Path

import openpyxl
from lxml import etree
from openpyxl.chart import BarChart, Reference
from openpyxl.comments import Comment
from openpyxl.drawing.image import Image
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import PatternFill
from openpyxl.worksheet.datavalidation import DataValidation
from PIL import Image as PILImage

from graph import layout
from graph.templates import add_answers_sheet
from tests.graph.workbooks import HEADER, plan_rows

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
FORMULA_SHEET = "Beräkning"
CACHED = {"B1": "3", "B2": "6", "B3": "Tre kontroller"}  # what Excel last computed
EXTENSION = (
    '<extLst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}" '
    'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
    '<x14:dataValidations count="0" '
    'xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main"/></ext></extLst>'
)


def rich_workbook(path: Path, *, controls: int = 3, answers_sheet: bool = True) -> Path:
    """Write the workbook at ``path`` and return it; without ``answers_sheet`` it is a
    plan the bot has not written to yet (no Uppföljning sheet)."""
    book = openpyxl.Workbook()
    plan = book.active
    plan.title = "Kontrollplan"
    for row in [HEADER, *plan_rows(controls)]:
        plan.append(row)
    plan["A2"].comment = Comment("Första kontrollen", "Maria")
    red = PatternFill("solid", start_color="FFC7CE", end_color="FFC7CE")
    plan.conditional_formatting.add(
        f"A2:A{controls + 1}", CellIsRule(operator="greaterThan", formula=["1"], fill=red)
    )
    check = DataValidation(type="list", formula1='"Helår,Delår 1,Delår 2"', allow_blank=True)
    check.add(f"F2:F{controls + 1}")
    plan.add_data_validation(check)

    if answers_sheet:
        answers = add_answers_sheet(book)
        answers.conditional_formatting.add(
            "D2:D1000", CellIsRule(operator="equal", formula=['"Större avvikelse"'], fill=red)
        )

    sums = book.create_sheet(FORMULA_SHEET)
    sums["A1"], sums["B1"] = "Antal kontroller", f"=COUNTA(Kontrollplan!A2:A{controls + 1})"
    sums["A2"], sums["B2"] = "Summa ID", f"=SUM(Kontrollplan!A2:A{controls + 1})"
    sums["A3"], sums["B3"] = "Text", '=B1&" kontroller"'
    sums["A5"], sums["B5"] = "Antal", 3

    chart = BarChart()
    chart.title = "Antal per kontroll"
    ids = Reference(plan, min_col=1, min_row=1, max_row=controls + 1)
    chart.add_data(ids, titles_from_data=True)
    picture = io.BytesIO()
    PILImage.new("RGB", (40, 20), (0, 90, 160)).save(picture, format="PNG")
    figures = book.create_sheet("Diagram")
    figures.add_chart(chart, "B2")
    figures.add_image(Image(picture), "J2")
    figures.print_area = "A1:M20"  # a defined name of that sheet, by its position

    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    _add_what_openpyxl_cannot(path, book.sheetnames)
    return path


def _add_what_openpyxl_cannot(path: Path, titles: list[str]) -> None:
    # openpyxl's sheets are xl/worksheets/sheet{n}.xml in workbook order.
    formulas = f"xl/worksheets/sheet{titles.index(FORMULA_SHEET) + 1}.xml"
    answers = ""
    if layout.ANSWER_SHEET in titles:
        answers = f"xl/worksheets/sheet{titles.index(layout.ANSWER_SHEET) + 1}.xml"
    with zipfile.ZipFile(path) as source:
        members = [(info, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info, data in members:
            if info.filename == formulas:
                data = _with_cached_values(data)
            elif info.filename == "xl/workbook.xml":
                # As Excel saves it: calculated, nothing asked of the next open.
                root = etree.fromstring(data)
                calc = root.find(f"{{{MAIN}}}calcPr")
                assert calc is not None
                calc.attrib.clear()
                calc.set("calcId", "191029")
                data = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
            elif info.filename == answers:
                root = etree.fromstring(data)
                root.append(etree.fromstring(EXTENSION))
                data = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
            out.writestr(info, data)


def _with_cached_values(data: bytes) -> bytes:
    root = etree.fromstring(data)
    for cell in root.iter(f"{{{MAIN}}}c"):
        cached = CACHED.get(cell.get("r", ""))
        if cached is not None:
            if not cached.isdigit():
                cell.set("t", "str")
            value = cell.find(f"{{{MAIN}}}v")  # openpyxl writes an empty one
            if value is None:
                value = etree.SubElement(cell, f"{{{MAIN}}}v")
            value.text = cached
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


if __name__ == "__main__":
    rich_workbook(Path(sys.argv[1]))
