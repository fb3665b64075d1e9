"""The layout primitives of the summary sheet: areas, tables, fills, the sheet itself and
the grid it is laid out on (rows top to bottom, with the styles on them). Pure data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from graph.cells import clean_text
from graph.graph_requests import column_letter

Value = str | int | float | date | datetime | None

MAX_WIDTH = 60  # characters: a long iakttagelse shows its start; the cell holds it all
MIN_WIDTH = 10
WIDTH_STEP = 5


@dataclass(frozen=True, slots=True)
class Area:
    """A rectangle of cells, 0-based and inclusive."""

    first_row: int
    first_col: int
    last_row: int
    last_col: int

    @property
    def address(self) -> str:
        """The A1 address ("A1:C4", or "B2" for one cell)."""
        first = f"{column_letter(self.first_col)}{self.first_row + 1}"
        last = f"{column_letter(self.last_col)}{self.last_row + 1}"
        return first if first == last else f"{first}:{last}"


@dataclass(frozen=True, slots=True)
class SheetTable:
    """An Excel table over a header row and its data rows."""

    name: str
    area: Area


@dataclass(frozen=True, slots=True)
class Fill:
    """A background colour (RGB hex) over an area."""

    area: Area
    rgb: str


@dataclass(frozen=True, slots=True)
class SummarySheet:
    """Everything a backend needs to write the sheet; ``rows`` is rectangular."""

    name: str
    rows: tuple[tuple[Value, ...], ...]
    tables: tuple[SheetTable, ...]
    fills: tuple[Fill, ...]
    bold: tuple[Area, ...]  # headings and the matrix's axis labels
    centred: tuple[Area, ...]  # the matrix's cells
    widths: tuple[float, ...]  # per column, in characters
    wrapped: tuple[Area, ...] = ()  # long-text columns of the tables: text wraps

    # How it prints: landscape, one page wide (as many pages down as it takes), the title
    # row on every page. The Graph backend cannot set these (Graph's workbook API has no
    # page layout); a sheet written there prints with Excel's defaults.
    landscape: bool = True
    fit_width: int = 1
    title_rows: tuple[int, int] = (0, 0)

    @property
    def title(self) -> Area:
        """The title cell (the sheet's name, and the nämnd if one was asked for)."""
        return Area(0, 0, 0, 0)

    @property
    def area(self) -> Area:
        """The whole written area."""
        return Area(0, 0, len(self.rows) - 1, len(self.rows[0]) - 1)


class Grid:
    """Rows of values being laid out top to bottom, with the tables and styles on them."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.rows: list[list[Value]] = []
        self.tables: list[SheetTable] = []
        self.fills: list[Fill] = []
        self.bold: list[Area] = []
        self.centred: list[Area] = []

    def line(self, *values: Value, bold: bool = False) -> int:
        """Append a row of values (bold: a heading); return its index."""
        self.rows.append(list(values))
        row = len(self.rows) - 1
        if bold and values:
            self.bold.append(Area(row, 0, row, len(values) - 1))
        return row

    def blank(self) -> None:
        """Append an empty row."""
        self.rows.append([])

    def heading(self, text: str) -> None:
        """An empty row, then a bold heading."""
        self.blank()
        self.line(text, bold=True)

    def table(self, part: str, headers: list[str], rows: list[list[Value]], empty: str) -> None:
        """A filterable table; an empty list is one line of text instead (Excel tables need
        a data row, and an empty one would invite people to type into it)."""
        if not rows:
            self.line(empty)
            return
        first = self.line(*headers)
        for row in rows:
            self.line(*row)
        area = Area(first, 0, len(self.rows) - 1, len(headers) - 1)
        self.tables.append(SheetTable(f"{self.prefix}_{part}", area))

    def freeze(self, name: str) -> SummarySheet:
        """The finished sheet: rows padded to one width, column widths, wrapped columns."""
        width = max(len(r) for r in self.rows)
        rows = tuple(tuple(r) + (None,) * (width - len(r)) for r in self.rows)
        widths = column_widths(rows)
        # Long texts (kontrollmoment, iakttagelser, åtgärd) wrap inside their tables'
        # columns, so a printed page shows them whole rather than cut at the cell's edge.
        wrapped = tuple(
            Area(t.area.first_row + 1, col, t.area.last_row, col)
            for t in self.tables
            for col in range(t.area.first_col, t.area.last_col + 1)
            if widths[col] >= MAX_WIDTH
            and any(
                len(str(rows[r][col] or "")) > MAX_WIDTH
                for r in range(t.area.first_row + 1, t.area.last_row + 1)
            )
        )
        return SummarySheet(
            name,
            rows,
            tuple(self.tables),
            tuple(self.fills),
            tuple(self.bold),
            tuple(self.centred),
            widths,
            wrapped,
        )


def column_widths(rows: tuple[tuple[Value, ...], ...]) -> tuple[float, ...]:
    """Column widths from the longest value in each column. A line with a single value (the
    title, a heading, a note) may run over into the next columns, as it would in Excel."""
    widths = [float(MIN_WIDTH)] * len(rows[0])
    for row in rows:
        if sum(value is not None for value in row) < 2:
            continue
        for col, value in enumerate(row):
            widths[col] = max(widths[col], min(MAX_WIDTH, _shown_length(value) + 2))
    # Rounded up to steps of five, so neighbouring columns share a width (Graph sets a
    # width per run of columns, and fewer runs are fewer requests).
    return tuple(float(-(-w // WIDTH_STEP) * WIDTH_STEP) for w in widths)


def _shown_length(value: Value) -> int:
    if value is None:
        return 0
    if isinstance(value, datetime):
        return 16
    if isinstance(value, date):
        return 10
    return len(clean_text(value)) if isinstance(value, str) else len(str(value))
