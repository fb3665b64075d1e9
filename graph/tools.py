"""`ikbot check-workbook`: what the bot understands of a workbook or a folder of them, and
exactly what to change or map where it does not."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

from bot.domain.model import DEFAULT_CALENDAR, Calendar, OutcomeScale, PeriodEnd, Plan, PlanIssue
from bot.domain.swedish import MONTHS, plural
from graph import layout, plan_reader
from graph.protocol import WorkbookError
from graph.templates import demo_workbook, init_workbook  # the CLI finds all three here
from graph.workbook_names import list_workbook_names
from graph.xlsx_reader import AnswerRows, read_workbook_report

OK, TO_FIX, UNREADABLE = 0, 1, 2
SKIPPED = TO_FIX  # the exit code's old name: rows were skipped


def _scale_lines(scale: OutcomeScale) -> list[str]:
    origin = "standardskalan" if scale.is_default else f"från bladet {layout.SETTINGS_SHEET}"
    lines = [f"  Bedömningsskala ({origin}):"]
    for option in scale.options:
        note = "" if option.offered else " (förstås i svar som redan finns, erbjuds inte)"
        lines.append(f"    {option.label} – {option.severity.label}{note}")
    return lines


def _calendar_line(calendar: Calendar) -> str:
    def one(end: PeriodEnd) -> str:
        last = end.end(2001)
        due = last + timedelta(days=end.due_days)
        return (
            f"{end.period.label} {last.day} {MONTHS[last.month - 1]} "
            f"(svar senast {due.day} {MONTHS[due.month - 1]})"
        )

    parts = ", ".join(one(e) for e in calendar.ends)
    if calendar == DEFAULT_CALENDAR:
        return f"  Perioder (standard): {parts}"
    return f"  Perioder (från tabellen {layout.PERIODS_TABLE} på bladet Inställningar): {parts}"


def _year_line(plan: Plan) -> str:
    if plan.year is None:
        return (
            "  År: okänt – kontrollmomenten följs upp varje år. Skriv året i titelraden "
            "(”Internkontrollplan 2026”), i filnamnet, i en kolumn År eller på bladet "
            "Inställningar (År | 2026)."
        )
    return f"  År: {plan.year} (från {plan.year_source})"


def _rows(issues: Sequence[PlanIssue]) -> str:
    """The rows named, e.g. "rad 5" or "rader 6, 13"."""
    numbers = ", ".join(str(i.row) for i in issues)
    return f"{'rad' if len(issues) == 1 else 'rader'} {numbers}"


def _owner_lines(issues: Sequence[PlanIssue]) -> list[str]:
    named: dict[str, list[PlanIssue]] = {}
    for issue in issues:
        if issue.subject:
            named.setdefault(issue.subject, []).append(issue)
    empty = [i for i in issues if not i.subject and i.message == "Ansvarig saknas"]
    other = [i for i in issues if i.subject and i.message.startswith("Ansvarig e-post")]
    lines: list[str] = []
    if named:
        lines.append(
            f"  Ansvariga att mappa ({len(named)}): lägg till varje namn i tabellen "
            f"{layout.OWNERS_TABLE} på bladet {layout.SETTINGS_SHEET} (kolumnerna Ansvarig och "
            "E-post; flera adresser med komma eller på flera rader). Tills dess saknar "
            "kontrollmomenten ansvarig och en strateg kan svara på dem:"
        )
        lines += [
            f"    {name} – {_rows(found)}" for name, found in named.items() if found[0] not in other
        ]
    if empty:
        lines.append(f"  Ansvarig saknas på {_rows(empty)}.")
    lines += [f"  rad {i.row}: {i.message}" for i in other]
    return lines


def _answer_lines(answers: AnswerRows | None) -> list[str]:
    if answers is None:
        return [f"  {layout.ANSWER_SHEET}: inget blad med svar ännu."]
    where = f"bladet {answers.sheet!r}, rubrik på rad {answers.header_row}"
    head = f"  {layout.ANSWER_SHEET} ({where}): {plural(answers.read, 'svar', 'svar')} inlästa"
    if answers.columns.period is not None:
        term = answers.columns.period.label.lower()
        year = f" {answers.columns.year}" if answers.columns.year else ""
        head += f"; rader utan År och Period gäller {term}{year} (enligt rubriken)"
    if not answers.problems:
        return [head + "."]
    lines = [f"{head}; {plural(len(answers.problems), 'rad', 'rader')} att rätta:"]
    return lines + [f"    rad {row}: {problem}" for row, problem in answers.problems]


def _plan_report(plan: Plan, answers: AnswerRows | None) -> tuple[list[str], int]:
    first, last = plan.header_rows
    rows = f"rad {first}" if first == last else f"rad {first}–{last}"
    read = plural(len(plan.controls), "kontrollmoment inläst", "kontrollmoment inlästa")
    lines = [
        f'  {read} från bladet "{plan.sheet}" (rubrik på {rows})',
        _year_line(plan),
        _calendar_line(plan.calendar),
        *_scale_lines(plan.scale),
    ]
    groups = sorted({c.grouping for c in plan.controls if c.grouping})
    if groups:
        lines.append(f"  Grupper/mål ({len(groups)}): {', '.join(groups)}")
    if plan.ignored_headers:
        shown = ", ".join(f"”{h}”" for h in plan.ignored_headers)
        lines.append(f"  Kolumner som inte används: {shown}")
    by_kind: dict[str, list[PlanIssue]] = {}
    for issue in plan.issues:
        by_kind.setdefault(issue.kind, []).append(issue)
    lines += _owner_lines(by_kind.get("owner", []))
    periods = by_kind.get("period", [])
    if periods:
        lines.append(
            f"  Period okänd ({len(periods)}): skriv en period boten förstår (se README: "
            "Delår 1, Halvårsvis, Årligen …); tills dess följs kontrollmomentet inte upp:"
        )
        lines += [f"    rad {i.row}: {i.subject!r}" for i in periods]
    settings = by_kind.get("settings", [])
    if settings:
        lines.append(f"  Bladet {layout.SETTINGS_SHEET}:")
        lines += [f"    rad {i.row}: {i.message}" for i in settings]
    rest = by_kind.get("", [])
    skipped = [i for i in rest if i.skipped and i.message != plan_reader.NOT_CONTROLLED]
    if rest:
        count = plural(len(rest), "anmärkning", "anmärkningar")
        lines.append(f"  {count}, {plural(len(skipped), 'rad hoppas', 'rader hoppas')} över:")
        lines += [f"  rad {i.row}: {i.message}" for i in rest]
    lines += _answer_lines(answers)
    to_fix = bool(skipped or periods or settings or by_kind.get("owner"))
    to_fix = to_fix or bool(answers and answers.problems)
    if not plan.issues and not (answers and answers.problems):
        lines.append("  Inga anmärkningar.")
    return lines, TO_FIX if to_fix else OK


def check_workbook(path: Path | str) -> tuple[str, int]:
    """The Swedish report and exit code (0 all understood, 1 something to fix or map, 2
    unreadable or missing)."""
    path = Path(path)
    if path.is_dir():
        names = list_workbook_names(path)
        lines = [f"Mapp: {path} ({len(names)} arbetsböcker)"]
        if not names:
            lines.append("Inga .xlsx-filer i mappen.")
            return "\n".join(lines), UNREADABLE
        files = [(path / name, name) for name in names]
    elif path.exists():
        lines = [f"Fil: {path}"]
        files = [(path, path.name)]
    else:
        return f"Hittar inte {path}.", UNREADABLE
    code = OK
    for file, key in files:
        lines.append("")
        lines.append(key)
        try:
            plan, answers = read_workbook_report(file, key)
        except WorkbookError as error:
            lines.append(f"  Kan inte läsas: {error}")
            code = UNREADABLE
            continue
        report, result = _plan_report(plan, answers)
        lines.extend(report)
        code = max(code, result)
    return "\n".join(lines), code


__all__ = ["check_workbook", "demo_workbook", "init_workbook"]
