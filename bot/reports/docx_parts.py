"""What python-docx lacks, in the few lines of OOXML it takes: cell shading, repeated
header rows, PAGE/NUMPAGES fields and landscape sections; plus a table helper."""

from __future__ import annotations

from collections.abc import Sequence

from docx.document import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph


def shade(cell: _Cell, fill: str) -> None:
    """Fill a table cell with a colour (RRGGBB)."""
    properties = cell._tc.get_or_add_tcPr()
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    properties.append(shading)


def repeat_header(table: Table, rows: int = 1) -> None:
    """Repeat the first ``rows`` rows at the top of every page the table runs over."""
    for row in table.rows[:rows]:
        properties = row._tr.get_or_add_trPr()
        header = OxmlElement("w:tblHeader")
        header.set(qn("w:val"), "true")
        properties.append(header)


def add_field(paragraph: Paragraph, instruction: str, placeholder: str = "1") -> None:
    """A field Word computes (" PAGE ", " NUMPAGES "); ``placeholder`` shows until it does."""

    def char(kind: str) -> None:
        run = paragraph.add_run()
        element = OxmlElement("w:fldChar")
        element.set(qn("w:fldCharType"), kind)
        run._r.append(element)

    char("begin")
    run = paragraph.add_run()
    text = OxmlElement("w:instrText")
    text.set(qn("xml:space"), "preserve")
    text.text = f" {instruction.strip()} "
    run._r.append(text)
    char("separate")
    paragraph.add_run(placeholder)
    char("end")


def page_footer(document: Document, left: str) -> None:
    """Every section's footer: ``left`` and "Sida X av Y"."""
    for section in document.sections:
        footer = section.footer
        footer.is_linked_to_previous = False
        paragraph = footer.paragraphs[0]
        paragraph.text = ""
        paragraph.add_run(f"{left}\t\tSida ")
        add_field(paragraph, "PAGE")
        paragraph.add_run(" av ")
        add_field(paragraph, "NUMPAGES")


def new_section(document: Document, *, landscape: bool) -> None:
    """Start a new page in portrait or landscape (width and height swapped)."""
    section = document.add_section(WD_SECTION.NEW_PAGE)
    width, height = section.page_width, section.page_height
    if width is None or height is None:
        return
    wide = width > height
    if landscape != wide:
        section.page_width, section.page_height = height, width
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT


def table(
    document: Document,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    widths: Sequence[float] | None = None,
) -> Table:
    """A grid table with a bold header row that repeats on every page."""
    grid = document.add_table(rows=1, cols=len(header))
    grid.style = "Table Grid"
    for cell, text in zip(grid.rows[0].cells, header, strict=True):
        cell.text = ""
        run = cell.paragraphs[0].add_run(text)
        run.bold = True
        shade(cell, "D9E2F3")
    for values in rows:
        cells = grid.add_row().cells
        for cell, text in zip(cells, values, strict=True):
            cell.text = text
    repeat_header(grid)
    if widths:
        from docx.shared import Cm

        for row in grid.rows:
            for cell, width in zip(row.cells, widths, strict=False):
                cell.width = Cm(width)
    return grid


def small(table_: Table, size: float = 9) -> None:
    """Set every run of a table in a smaller font (wide tables in landscape)."""
    for row in table_.rows:
        for cell in row.cells:
            for paragraph in cell.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(size)
