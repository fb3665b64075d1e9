"""The "Sammanställning {period} {år}" sheet as plain data, for both workbook backends.

``summary_sheet`` lays a compiled Summary out as a grid of values starting at A1, the
Excel tables a person can filter (one per list), the risk matrix's fills by band, and
column widths. The backends only render it: openpyxl cell by cell, Graph as range
PATCHes of values plus a few table and format requests. No I/O here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from bot.domain.model import Answer, Period, Severity
from bot.domain.status import RISK_AXIS, Finding, Summary, Tally, band_ranges, risk_band
from bot.domain.swedish import SEVERITY_ORDER, plural, progress
from graph import layout
from graph.answer_rows import to_local
from graph.cells import clean_text
from graph.graph_requests import column_letter

Value = str | int | float | date | datetime | None

# Excel's own "good / neutral / bad" fills, so the grid reads like the plan's heat map.
BAND_FILLS = {"Låg": "C6EFCE", "Medium": "FFEB9C", "Kritisk": "FFC7CE"}
TITLE_SIZE = 14
TABLE_STYLE = "TableStyleLight9"  # a quiet blue: the sheet is read, not decorated
MAX_WIDTH = 60  # characters: a long iakttagelse shows its start; the cell holds it all
MIN_WIDTH = 10
WIDTH_STEP = 5
_TOKENS = {
    Period.T1: "delar1",
    Period.T2: "delar2",
    Period.YEAR: "helar",
    Period.Q1: "kvartal1",
    Period.Q2: "kvartal2",
    Period.Q3: "kvartal3",
}
_NO_NAME = "Ej angivet"
# The second line of every summary sheet: tells people the sheet is rewritten, and tells
# the bot a sheet of that name is its own (a hand-made one is never replaced).
MARKER = "Skapad av Internkontroll-boten."
MARKER_CELL = "A2"


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

    @property
    def title(self) -> Area:
        """The title cell (the sheet's name, and the nämnd if one was asked for)."""
        return Area(0, 0, 0, 0)

    @property
    def area(self) -> Area:
        """The whole written area."""
        return Area(0, 0, len(self.rows) - 1, len(self.rows[0]) - 1)


def sheet_name(period: Period, year: int) -> str:
    """The sheet's name, e.g. "Sammanställning delår 1 2025" (at most 31 characters)."""
    return f"{layout.SUMMARY_PREFIX}{period.label.lower()} {year}"


def table_prefix(period: Period, year: int) -> str:
    """The prefix of this sheet's table names: unique per period and year in a workbook."""
    return f"Sammanst_{_TOKENS[period]}_{year}"


def is_ours(marker: object) -> bool:
    """Whether the value of an existing sheet's marker cell (``MARKER_CELL``) says the bot
    wrote the sheet, so replacing it loses nobody's work."""
    return isinstance(marker, str) and marker.startswith(MARKER)


class _Grid:
    """Rows of values being laid out top to bottom, with the tables and styles on them."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.rows: list[list[Value]] = []
        self.tables: list[SheetTable] = []
        self.fills: list[Fill] = []
        self.bold: list[Area] = []
        self.centred: list[Area] = []

    def line(self, *values: Value, bold: bool = False) -> int:
        self.rows.append(list(values))
        row = len(self.rows) - 1
        if bold and values:
            self.bold.append(Area(row, 0, row, len(values) - 1))
        return row

    def blank(self) -> None:
        self.rows.append([])

    def heading(self, text: str) -> None:
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
        width = max(len(r) for r in self.rows)
        rows = tuple(tuple(r) + (None,) * (width - len(r)) for r in self.rows)
        return SummarySheet(
            name,
            rows,
            tuple(self.tables),
            tuple(self.fills),
            tuple(self.bold),
            tuple(self.centred),
            _widths(rows),
        )


def hand_made(workbook: str, sheet: str) -> str:
    """The refusal when a sheet of the summary's name was not made by the bot (Swedish)."""
    return (
        f"{workbook}: det finns redan ett blad som heter {sheet!r} och som inte är skapat av "
        "boten. Byt namn på bladet så skriver boten en ny sammanställning."
    )


def summary_sheet(summary: Summary, *, pending: int = 0) -> SummarySheet:
    """The sheet for a compiled summary; pending answers still wait to be written to Excel."""
    term = summary.term
    grid = _Grid(table_prefix(term.period, term.year))
    name = sheet_name(term.period, term.year)
    namnd = (summary.namnd or "").strip()
    grid.line(f"{name} – {namnd}" if namnd else name)
    grid.line(
        f"{MARKER} Bladet ersätts varje gång sammanställningen skrivs; "
        "gör egna anteckningar i ett annat blad."
    )
    grid.line("Sammanställd", summary.today)
    grid.line(
        "Besvarade",
        progress(summary.total.answered, summary.total.due, summary.total.percent_shown),
    )
    grid.line("Obesvarade", summary.total.unanswered)
    grid.line("Försenade", sum(1 for m in summary.unanswered if m.days_overdue > 0))
    grid.line("Väntar på att skrivas till Excel", pending)
    if summary.unowned:
        grid.line("Saknar ansvarig", summary.unowned)

    names = summary.wording.class_names
    grid.heading("Utfall per nämnd och område")
    interim = term.period.is_interim
    classes = [s for s in SEVERITY_ORDER if s is not Severity.DEFERRED or interim]
    headers = [
        "Nivå",
        "Namn",
        "Att följa upp",
        "Besvarade",
        "Obesvarade",
        "Andel besvarade (%)",
        *(names[s] for s in classes),
        "Okänd bedömning",
    ]
    levels = [("Totalt", {"Alla": summary.total})]
    levels.append(("Nämnd", dict(summary.by_namnd)))
    if set(summary.by_area) != {""}:  # a plan without Område or Process/rutin: no such level
        area = summary.area_heading.removeprefix("Per ").capitalize()
        levels.append((area, dict(summary.by_area)))
    if summary.by_group:
        levels.append(
            (summary.group_heading.removeprefix("Per ").capitalize(), dict(summary.by_group))
        )
    rows = [
        _tally_row(level, group, tally, classes)
        for level, groups in levels
        for group, tally in groups.items()
    ]
    grid.table("Utfall", headers, rows, "Inga kontrollmoment ska följas upp denna period.")

    grid.heading("Bedömningar")
    by_label = summary.total.by_label
    labels: list[list[Value]] = [
        [label, by_label[label]] for label in summary.wording.order_labels(by_label)
    ]
    if summary.total.unknown:
        labels.append(["Okänd bedömning", summary.total.unknown])
    grid.table("Bedomningar", ["Bedömning", "Antal"], labels, "Inga svar ännu.")

    grid.heading(f"{summary.wording.deviations} ({len(summary.deviations)}), allvarligast först")
    grid.table(
        "Avvikelser",
        [
            "Allvarlighet",
            "Bedömning",
            "ID",
            "Kontrollmoment",
            "Nämnd",
            "Område",
            "Ansvarig",
            "Riskvärde",
            "Iakttagelser",
            "Åtgärd",
            "Åtgärdsansvarig",
            "Klart senast",
            "Besvarad",
        ],
        [_deviation_row(f, names) for f in summary.deviations],
        "Inga avvikelser.",
    )

    if interim or summary.deferred:
        grid.heading(f"Följs upp senare ({len(summary.deferred)})")
        grid.table(
            "Foljs_upp_senare",
            ["ID", "Kontrollmoment", "Nämnd", "Område", "Ansvarig", "Bedömning", "Iakttagelser"],
            [[*_control_cells(f), f.label, f.observations] for f in summary.deferred],
            "Inga.",
        )

    grid.heading(f"Har inte svarat ({len(summary.unanswered)})")
    grid.table(
        "Obesvarade",
        ["ID", "Kontrollmoment", "Nämnd", "Område", "Ansvarig", "Sista svarsdag", "Dagar försenat"],
        [
            [
                m.control.id,
                m.control.description,
                m.namnd.strip() or _NO_NAME,
                m.control.area.strip() or _NO_NAME,
                m.owner,
                m.deadline,
                m.days_overdue,
            ]
            for m in summary.unanswered
        ],
        "Alla har svarat.",
    )

    grid.heading(f"Öppna åtgärder från tidigare perioder ({len(summary.open_actions)})")
    grid.table(
        "Oppna_atgarder",
        [
            "ID",
            "Kontrollmoment",
            "Nämnd",
            "Period",
            "Åtgärd",
            "Åtgärdsansvarig",
            "Klart senast",
            "Status",
            "Kommentar",
            "Dagar försenat",
        ],
        [
            [
                o.control.id,
                o.control.description,
                o.namnd.strip() or _NO_NAME,
                f"{o.tracked.period.label} {o.tracked.year}",
                o.tracked.action.text,
                o.tracked.action.owner,
                o.tracked.action.due,
                o.tracked.status.value,
                o.tracked.comment,
                o.days_overdue,
            ]
            for o in summary.open_actions
        ],
        "Inga öppna åtgärder från tidigare perioder.",
    )

    _risk_grid(grid, summary)

    if summary.unknown or summary.orphans or summary.unscheduled:
        grid.heading("Att utreda: svar och kontrollmoment som inte räknas som vanligt")
        rows = [
            [
                "Bedömningen finns inte i skalan",
                f.control.id,
                f.label,
                f.answer.answered_by,
                _when(f.answer),
            ]
            for f in summary.unknown
        ]
        rows += [
            [
                o.reason,
                o.answer.control_id,
                o.answer.outcome,
                o.answer.answered_by,
                _when(o.answer),
            ]
            for o in summary.orphans
        ]
        rows += [
            [f"{u.reason} – rätta perioden i planen", u.control.id, "", "", None]
            for u in summary.unscheduled
        ]
        grid.table(
            "Att_utreda", ["Orsak", "ID", "Bedömning", "Besvarad av", "Besvarad"], rows, "Inga."
        )
    return grid.freeze(name)


def _tally_row(level: str, name: str, tally: Tally, classes: list[Severity]) -> list[Value]:
    return [
        level,
        name.strip() or _NO_NAME,
        tally.due,
        tally.answered,
        tally.unanswered,
        tally.percent_shown,
        *(tally.by_class.get(s, 0) for s in classes),
        tally.unknown,
    ]


def _when(answer: Answer) -> datetime | None:
    """Besvarad as Excel shows it; empty for a row typed by hand without it."""
    when = answer.when
    return to_local(when) if when else None


def _control_cells(finding: Finding) -> list[Value]:
    control = finding.control
    return [
        control.id,
        control.description,
        finding.namnd.strip() or _NO_NAME,
        control.area.strip() or _NO_NAME,
        finding.owner,
    ]


def _deviation_row(finding: Finding, names: Mapping[Severity, str]) -> list[Value]:
    control, action = finding.control, finding.action
    severity = names[finding.severity] if finding.severity else ""
    return [
        severity,
        finding.label,
        control.id,
        control.description,
        finding.namnd.strip() or _NO_NAME,
        control.area.strip() or _NO_NAME,
        finding.owner,
        finding.risk_score if finding.risk_score is not None else control.risk.label or None,
        finding.observations,
        action.text if action else "",
        action.owner if action else "",
        action.due if action else None,
        _when(finding.answer),
    ]


def _risk_grid(grid: _Grid, summary: Summary) -> None:
    """Sannolikhet 4→1 down, konsekvens 1→4 across; each cell "kontrollmoment (avvikelser)",
    filled by riskvärde band."""
    matrix = summary.risk
    if not matrix.has_cells:  # no empty matrix: the bands, or nothing without any assessment
        if matrix.has_bands:
            grid.heading("Risknivåer: antal kontrollmoment (varav avvikelser)")
            for band in matrix.bands:
                if band.controls:
                    grid.line(band.band, f"{band.controls} ({band.deviations})")
                    grid.fills.append(
                        Fill(
                            Area(len(grid.rows) - 1, 0, len(grid.rows) - 1, 1),
                            BAND_FILLS[band.band],
                        )
                    )
            grid.line("Efter riskvärde eller färg (röd = Kritisk, gul = Medium, grön = Låg).")
            if matrix.unbanded:
                grid.line(f"Utan riskbedömning: {matrix.unbanded}")
        return
    grid.heading("Riskmatris: antal kontrollmoment (varav avvikelser)")
    header = grid.line("Sannolikhet ↓ / konsekvens →", *RISK_AXIS, bold=True)
    first = header + 1
    for p in reversed(RISK_AXIS):
        cells = [matrix.cell(p, k) for k in RISK_AXIS]
        grid.line(p, *(f"{c.controls} ({c.deviations})" for c in cells))
    last = len(grid.rows) - 1
    grid.bold.append(Area(first, 0, last, 0))
    grid.centred.append(Area(header, 1, last, len(RISK_AXIS)))
    grid.fills += _band_fills(first)
    legend = ", ".join(f"{band} {low}–{high}" for band, low, high in band_ranges())
    grid.line(f"Färg efter riskvärde (sannolikhet × konsekvens): {legend}.")
    unassessed = f"Utan riskbedömning: {matrix.unassessed}"
    if matrix.unassessed_deviations:
        deviations = plural(matrix.unassessed_deviations, "avvikelse", "avvikelser")
        unassessed += f" (varav {deviations})"
    grid.line(unassessed)


def _band_fills(first_row: int) -> list[Fill]:
    """The matrix cells as few rectangles per band as a row-then-column merge gives (seven
    for the 4×4 grid), so Graph colours it in a handful of requests, not sixteen."""
    runs: list[tuple[int, int, int, str]] = []  # (row, first col, last col, band)
    for offset, p in enumerate(reversed(RISK_AXIS)):
        row, start = first_row + offset, None
        bands = [risk_band(p * k) for k in RISK_AXIS]
        for col, band in enumerate(bands, start=1):
            if start is None:
                start = col
            if col == len(bands) or bands[col] != band:
                runs.append((row, start, col, band))
                start = None
    fills: list[tuple[Area, str]] = []
    for row, left, right, band in runs:
        for index, (area, shade) in enumerate(fills):
            if (
                shade == band
                and area.last_row == row - 1
                and (area.first_col, area.last_col) == (left, right)
            ):
                fills[index] = (Area(area.first_row, left, row, right), band)
                break
        else:
            fills.append((Area(row, left, row, right), band))
    return [Fill(area, BAND_FILLS[band]) for area, band in fills]


def number_format(value: Value) -> str | None:
    """Excel's number format for a value of the sheet: dates and moments, else none."""
    if isinstance(value, datetime):
        return layout.DATETIME_FORMAT
    if isinstance(value, date):
        return layout.DATE_FORMAT
    return None


def width_runs(widths: tuple[float, ...]) -> list[tuple[int, int, float]]:
    """Adjacent columns of equal width as (first column, last column, width)."""
    runs: list[tuple[int, int, float]] = []
    for col, width in enumerate(widths):
        if runs and runs[-1][2] == width and runs[-1][1] == col - 1:
            runs[-1] = (runs[-1][0], col, width)
        else:
            runs.append((col, col, width))
    return runs


def replaceable(marker: object, empty: bool) -> bool:
    """Whether an existing sheet of the summary's name may be replaced: the bot made it
    (its marker cell says so), or it holds nothing at all (e.g. a write cut short)."""
    return is_ours(marker) or empty


def _widths(rows: tuple[tuple[Value, ...], ...]) -> tuple[float, ...]:
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
