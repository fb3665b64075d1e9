"""The "Sammanställning {period} {år}" sheet as plain data, for both workbook backends.

``summary_sheet`` lays a compiled Summary out as a grid of values starting at A1, the
Excel tables a person can filter (one per list), the risk matrix's fills by band, and
column widths. The backends only render it: openpyxl cell by cell, Graph as range
PATCHes of values plus a few table and format requests. No I/O here.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

from bot.domain.model import Answer, Period, Severity
from bot.domain.status import Finding, Summary, Tally
from bot.domain.swedish import SEVERITY_ORDER, progress
from graph import layout
from graph.answer_rows import to_local

# The layout primitives and the risk matrix live beside this module; their names are
# imported from here by the backends.
from graph.summary_grid import Area as Area
from graph.summary_grid import Fill as Fill
from graph.summary_grid import Grid, Value
from graph.summary_grid import SheetTable as SheetTable
from graph.summary_grid import SummarySheet as SummarySheet
from graph.summary_risk import BAND_FILLS as BAND_FILLS
from graph.summary_risk import risk_grid

TITLE_SIZE = 14
TABLE_STYLE = "TableStyleLight9"  # a quiet blue: the sheet is read, not decorated
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


def hand_made(workbook: str, sheet: str) -> str:
    """The refusal when a sheet of the summary's name was not made by the bot (Swedish)."""
    return (
        f"{workbook}: det finns redan ett blad som heter {sheet!r} och som inte är skapat av "
        "boten. Byt namn på bladet så skriver boten en ny sammanställning."
    )


def summary_sheet(summary: Summary, *, pending: int = 0) -> SummarySheet:
    """The sheet for a compiled summary; pending answers still wait to be written to Excel."""
    term = summary.term
    grid = Grid(table_prefix(term.period, term.year))
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
    answered = [*summary.deviations, *summary.deferred, *summary.unknown]
    late_answers = sum(1 for f in answered if _days_late(summary, f))
    if late_answers:
        grid.line("Besvarade efter sista svarsdag (bland listade svar)", late_answers)
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
            "Plan",
            "Område",
            "Ansvarig",
            "Riskvärde",
            "Iakttagelser",
            "Åtgärd",
            "Åtgärdsansvarig",
            "Klart senast",
            "Besvarad",
            "Dagar försenat",
        ],
        [[*_deviation_row(f, names), _days_late(summary, f)] for f in summary.deviations],
        "Inga avvikelser.",
    )

    if interim or summary.deferred:
        grid.heading(f"Följs upp senare ({len(summary.deferred)})")
        grid.table(
            "Foljs_upp_senare",
            [
                "ID",
                "Kontrollmoment",
                "Nämnd",
                "Plan",
                "Område",
                "Ansvarig",
                "Bedömning",
                "Iakttagelser",
            ],
            [[*_control_cells(f), f.label, f.observations] for f in summary.deferred],
            "Inga.",
        )

    grid.heading(f"Har inte svarat ({len(summary.unanswered)})")
    grid.table(
        "Obesvarade",
        [
            "ID",
            "Kontrollmoment",
            "Nämnd",
            "Plan",
            "Område",
            "Ansvarig",
            "Sista svarsdag",
            "Dagar försenat",
        ],
        [
            [
                m.control.id,
                m.control.description,
                m.namnd.strip() or _NO_NAME,
                m.plan_name,
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
            "Plan",
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
                o.plan_name,
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

    risk_grid(grid, summary)

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


def _days_late(summary: Summary, finding: Finding) -> int | None:
    """Days after the control's sista svarsdag the answer came (None: on time or unknown)."""
    when = finding.answer.when
    if when is None:
        return None
    late = (to_local(when).date() - summary.term.due_for(finding.control)).days
    return late if late > 0 else None


def _control_cells(finding: Finding) -> list[Value]:
    control = finding.control
    return [
        control.id,
        control.description,
        finding.namnd.strip() or _NO_NAME,
        finding.plan_name,  # two workbooks may both have a "3": the plan tells them apart
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
        finding.plan_name,
        control.area.strip() or _NO_NAME,
        finding.owner,
        finding.risk_score if finding.risk_score is not None else control.risk.label or None,
        finding.observations,
        action.text if action else "",
        action.owner if action else "",
        action.due if action else None,
        _when(finding.answer),
    ]


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
