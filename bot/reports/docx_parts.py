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


def paragraph(document: Document, text: str = "", style_id: str | None = None) -> Paragraph:
    """A paragraph with a style given by its id ("Heading1", "ListBullet", "Title").

    python-docx looks a style up by name by scanning every style of the document, twice,
    for each paragraph (a report of 1,000 controls spent most of its time there): the id
    is written directly instead."""
    made = document.add_paragraph(text)
    if style_id:
        made._p.get_or_add_pPr().style = style_id
    return made


def heading(document: Document, text: str, level: int) -> Paragraph:
    """A heading in Word's own heading style (level 0: the title)."""
    return paragraph(document, text, "Title" if level == 0 else f"Heading{level}")


def table(
    document: Document,
    header: Sequence[str] | None,
    rows: Sequence[Sequence[str]],
    *,
    widths: Sequence[float] | None = None,
    bold_first_column: bool = False,
) -> Table:
    """A grid table; its bold, shaded header row (if any) repeats on every page."""
    columns = len(header) if header is not None else len(rows[0])
    grid = document.add_table(rows=len(rows) + (header is not None), cols=columns)
    grid._tbl.tblStyle_val = "TableGrid"  # by id: see ``paragraph``
    cells = grid._cells  # row-major; python-docx rebuilds this list on every cell() call
    values = ([list(header)] if header is not None else []) + [list(r) for r in rows]
    for r, row in enumerate(values):
        for c, text in enumerate(row):
            cell = cells[r * columns + c]
            run = cell.paragraphs[0].add_run(text)
            if (header is not None and r == 0) or (bold_first_column and c == 0):
                run.bold = True
    if header is not None:
        for cell in cells[:columns]:
            shade(cell, "D9E2F3")
        repeat_header(grid)
    if widths:
        from docx.shared import Cm

        for column, width in zip(grid.columns, widths, strict=False):
            column.width = Cm(width)
    return grid


def cell_at(grid: Table, row: int, column: int) -> _Cell:
    """One cell of a table built by ``table`` (no merged cells)."""
    return grid._cells[row * len(grid.columns) + column]


def small(table_: Table, size: float = 9) -> None:
    """Set every run of a table in a smaller font (wide tables in landscape)."""
    for row in table_.rows:
        for cell in row.cells:
            for paragraph in cell.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(size)
