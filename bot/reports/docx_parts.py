"""What python-docx lacks, in the few lines of OOXML it takes: cell shading, repeated
header rows, PAGE/NUMPAGES fields and landscape sections; plus a table helper."""

from __future__ import annotations

from collections.abc import Sequence

from docx.document import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.table import CT_Tbl
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.section import Section
from docx.shared import Emu, Length, Pt
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


def _append(document: Document, element: BaseOxmlElement) -> None:
    """Put a block at the end of the body, before its final section properties.

    python-docx finds that place by scanning every child of the body for each block it
    adds, which made a report quadratic in its length (2,000 controls: 14 s); the body's
    last child is always its sectPr, reached at once."""
    body = document.element.body
    last = body[-1]
    if last.tag == qn("w:sectPr"):
        last.addprevious(element)
    else:
        body.append(element)


def paragraph(document: Document, text: str = "", style_id: str | None = None) -> Paragraph:
    """A paragraph at the end of the document, with a style given by its id ("Heading1",
    "ListBullet", "Title"): python-docx looks a style up by name by scanning every style
    of the document, twice, for each paragraph."""
    element = OxmlElement("w:p")
    _append(document, element)
    made = Paragraph(element, document._body)  # type: ignore[arg-type]
    if style_id:
        made._p.get_or_add_pPr().style = style_id
    if text:
        add_text(element, text)
    return made


def add_text(p: BaseOxmlElement, text: str, *, bold: bool = False) -> None:
    """A run of text in a paragraph element, line breaks kept (python-docx's ``add_run``
    clears the new run with an XPath query first: a tenth of a report's time)."""
    run = OxmlElement("w:r")
    if bold:
        properties = OxmlElement("w:rPr")
        properties.append(OxmlElement("w:b"))
        run.append(properties)
    for index, line in enumerate(text.split("\n")):
        if index:
            run.append(OxmlElement("w:br"))
        if line:
            element = OxmlElement("w:t")
            element.text = line
            element.set(qn("xml:space"), "preserve")
            run.append(element)
    p.append(run)


def _block_width(document: Document) -> Length:
    """The width between the margins of the section being written (the last one).

    ``Document._block_width`` finds it by an XPath query over the whole document."""
    section = Section(document.element.body[-1], document.part)
    width, left, right = section.page_width, section.left_margin, section.right_margin
    return Emu((width or 0) - (left or 0) - (right or 0))


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
    element = CT_Tbl.new_tbl(len(rows) + (header is not None), columns, _block_width(document))
    _append(document, element)
    grid = Table(element, document._body)  # type: ignore[arg-type]
    grid._tbl.tblStyle_val = "TableGrid"  # by id: see ``paragraph``
    cells = grid._cells  # row-major; python-docx rebuilds this list on every cell() call
    values = ([list(header)] if header is not None else []) + [list(r) for r in rows]
    for r, row in enumerate(values):
        for c, text in enumerate(row):
            cell = cells[r * columns + c]
            bold = (header is not None and r == 0) or (bold_first_column and c == 0)
            add_text(cell._tc.p_lst[0], text, bold=bold)
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
