"""Reading a plan sheet, as people wrote it, into a ``Plan``.

Everything here works on plain 2-D lists of cell values (None, str, int, float, date,
datetime), so the openpyxl backend and the Microsoft Graph backend read the same layout.
Plans written by people are read tolerantly: title rows above the header, a header over
two rows (a group header above the column headers), section rows that group the rows
below them (a perspektiv, a strategiskt mål), ansvariga named by role or name, the
kommun's own period words. What cannot be understood is reported row by row as
``PlanIssue`` with the Excel row number, never guessed; a control is skipped only when it
has no ID or no Kontrollmoment (or says "Ska kontrolleras: Nej").
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from bot.domain.model import OutcomeScale, Plan, PlanIssue
from graph.cells import cell_text
from graph.layout import PLAN_SHEET, plan_columns, plan_field
from graph.plan_rows import NOT_CONTROLLED, RowReader, Sections, parse_risk_value
from graph.settings_reader import Settings, parse_scale

__all__ = [
    "NOT_CONTROLLED",
    "Header",
    "PlanLayoutError",
    "find_header",
    "find_header_row",
    "parse_plan",
    "parse_risk_value",
    "parse_scale",
    "year_in",
]

_REQUIRED = ("id", "description")
# A year in a title or file name: "Internkontrollplan 2026", "KS 2026.xlsx"; not a date.
_YEAR = re.compile(r"(?<![\d-])(20\d{2})(?![\d-])")
_ID_LIKE = re.compile(r"^[A-Za-zÅÄÖåäö]{0,3}[\d.:\-]+[A-Za-z]?$")


class PlanLayoutError(ValueError):
    """No row of the sheet looks like the plan's header row."""


@dataclass(frozen=True, slots=True)
class Header:
    """Where the plan's header is: its first row, the first data row, and the header as one
    row (a two-row header combined: the lower cell wins, the upper one fills a gap)."""

    index: int
    data_start: int
    cells: list[object]
    columns: dict[str, int]

    @property
    def first_col(self) -> int:
        """The table's leftmost column (where section rows write their text)."""
        return next((i for i, c in enumerate(self.cells) if cell_text(c)), 0)


def _combined(upper: Sequence[object], lower: Sequence[object]) -> list[object]:
    width = max(len(upper), len(lower))
    cells: list[object] = []
    for i in range(width):
        below = lower[i] if i < len(lower) else None
        above = upper[i] if i < len(upper) else None
        cells.append(below if cell_text(below) else above)
    return cells


def _continues(upper: Sequence[object], lower: Sequence[object], id_col: int) -> bool:
    """Whether ``lower`` is the second row of a header that starts at ``upper``: both rows
    name fields (a title such as "Internkontrollplan 2026" names none), most of what the
    lower row holds are header names, and it has no ID (a data row would)."""
    if not any(plan_field(c) for c in upper):
        return False
    texts = [c for c in lower if cell_text(c)]
    named = sum(1 for c in texts if plan_field(c) is not None)
    if not named or 2 * named < len(texts):
        return False
    below = lower[id_col] if id_col < len(lower) else None
    return not cell_text(below) or plan_field(below) is not None


def find_header(rows: Sequence[Sequence[object]]) -> Header | None:
    """The first row (or pair of rows) naming at least ID and Kontrollmoment."""
    for index, row in enumerate(rows):
        if index + 1 < len(rows):
            lower = rows[index + 1]
            cells = _combined(row, lower)
            columns = plan_columns(cells)
            if all(f in columns for f in _REQUIRED) and _continues(row, lower, columns["id"]):
                return Header(index, index + 2, cells, columns)
        columns = plan_columns(row)
        if all(f in columns for f in _REQUIRED):
            return Header(index, index + 1, list(row), columns)
    return None


def find_header_row(rows: Sequence[Sequence[object]]) -> int | None:
    """Index of the first row of the plan's header, if the rows have one."""
    header = find_header(rows)
    return header.index if header is not None else None


def year_in(text: str) -> int | None:
    """A plan year written in a title or a file name, if there is one."""
    found = _YEAR.search(text)
    return int(found.group(1)) if found else None


def _title(rows: Sequence[Sequence[object]]) -> tuple[str, int | None]:
    """The first title line above the header, and the first year in the title lines."""
    title, year = "", None
    for row in rows:
        for cell in row:
            if not isinstance(cell, str) or not cell.strip():
                continue
            text = " ".join(cell.split())
            title = title or text
            year = year or year_in(text)
    return title, year


def _is_section(row: Sequence[object], first_col: int) -> str | None:
    """The text of a section row (one text, alone in the row, from the table's first
    column, or repeated over a merged row), else None."""
    first = row[first_col] if first_col < len(row) else None
    if not isinstance(first, str):
        return None  # a control row starts with its ID (or nothing); a section with text
    # Every filled cell holds that same text (merged across) or the row is not a section:
    # compared raw, since this runs for every row of the plan.
    if any(c is not None and c != "" and c != first for c in row):
        return None
    text = " ".join(first.split())
    if not text or _ID_LIKE.match(text) or not any(ch.isalpha() for ch in text):
        return None
    return text


def parse_plan(
    rows: Sequence[Sequence[object]],
    *,
    plan_key: str,
    name: str,
    sheet: str = PLAN_SHEET,
    first_row: int = 1,
    scale: OutcomeScale | None = None,
    scale_issues: Sequence[PlanIssue] = (),
    settings: Settings | None = None,
) -> Plan:
    """Read a plan sheet's rows (row 0 is Excel row ``first_row``); raise PlanLayoutError.

    ``settings`` is what the Inställningar sheet says (scale, Ansvariga, Perioder, År);
    ``scale``, if given, replaces its scale.
    """
    header = find_header(rows)
    if header is None:
        raise PlanLayoutError(f"Bladet {sheet!r} saknar en rubrikrad med ID och Kontrollmoment.")
    settings = settings or Settings()
    columns = header.columns
    title, title_year = _title(rows[: header.index])
    year, source = settings.year, "bladet Inställningar"
    if year is None and title_year is not None:
        year, source = title_year, f"titelraden {title!r}"
    if year is None and year_in(name) is not None:
        year, source = year_in(name), f"filnamnet {name!r}"
    reader = RowReader(
        columns,
        plan_key=plan_key,
        owners=settings.owners,
        calendar=settings.calendar,
        year=year,
    )
    sections = Sections()
    first_col = header.first_col
    for offset, row in enumerate(rows[header.data_start :], start=header.data_start):
        if all(cell_text(v) == "" for v in row):
            continue
        section = _is_section(row, first_col)
        if section is not None:
            sections.add(section)
            continue
        reader.read(row, first_row + offset, sections.current())
    if "year" in columns and reader.years:
        year, count = Counter(reader.years).most_common(1)[0]
        source = "kolumnen År"
    return Plan(
        key=plan_key,
        name=name,
        controls=tuple(reader.controls),
        scale=scale or settings.scale,
        issues=(*scale_issues, *settings.issues, *reader.issues),
        sheet=sheet,
        title=title,
        year=year,
        year_source=source if year is not None else "",
        calendar=settings.calendar,
        reminders=settings.reminders,
        ignored_headers=_ignored(header),
        header_rows=(first_row + header.index, first_row + header.data_start - 1),
        report_texts=settings.report_texts,
        owners=settings.owners,
    )


def _ignored(header: Header) -> tuple[str, ...]:
    """Header cells the bot does not use: unknown names, and a second column for a field."""
    ignored: list[str] = []
    for index, cell in enumerate(header.cells):
        text = " ".join(cell_text(cell).split())
        if text and header.columns.get(plan_field(cell) or "") != index:
            ignored.append(text)
    return tuple(ignored)
