"""Reading a generated .docx back with python-docx, for the report tests."""

from __future__ import annotations

import io
from dataclasses import dataclass

import docx
from docx.document import Document
from docx.oxml.ns import qn


@dataclass
class Opened:
    """A generated report, opened: its headings, body text, tables and footer XML."""

    doc: Document

    @property
    def headings(self) -> list[str]:
        return [
            p.text
            for p in self.doc.paragraphs
            if p.style is not None and p.style.name.startswith("Heading")
        ]

    @property
    def title(self) -> str:
        return next(
            p.text for p in self.doc.paragraphs if p.style is not None and p.style.name == "Title"
        )

    @property
    def paragraphs(self) -> list[str]:
        return [p.text for p in self.doc.paragraphs]

    def table_rows(self) -> list[list[str]]:
        return [[c.text for c in row.cells] for t in self.doc.tables for row in t.rows]

    @property
    def text(self) -> str:
        cells = ["\n".join(row) for row in self.table_rows()]
        return "\n".join([*self.paragraphs, *cells])

    def facts(self) -> list[dict[str, str]]:
        """The per-control fact tables (two columns, first cell "Område"/"Kontrollmoment"…)."""
        found = []
        for table in self.doc.tables:
            rows = [[c.text for c in row.cells] for row in table.rows]
            if rows and len(rows[0]) == 2 and any(r[0] == "Kontrollmoment" for r in rows):
                found.append({r[0]: r[1] for r in rows})
        return found

    def footer_fields(self) -> list[str]:
        texts = []
        for section in self.doc.sections:
            for element in section.footer._element.iter(qn("w:instrText")):
                texts.append((element.text or "").strip())
        return texts

    def repeated_header_tables(self) -> int:
        return sum(
            1
            for table in self.doc.tables
            if table.rows
            and table.rows[0]._tr.trPr is not None
            and table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
        )

    def shaded_fills(self) -> list[str]:
        return [element.get(qn("w:fill")) for element in self.doc.element.body.iter(qn("w:shd"))]

    def landscape_sections(self) -> int:
        return sum(
            1
            for s in self.doc.sections
            if s.page_width and s.page_height and s.page_width > s.page_height
        )


def open_docx(data: bytes) -> Opened:
    """The report's bytes, opened."""
    return Opened(docx.Document(io.BytesIO(data)))
