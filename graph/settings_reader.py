"""Reading the Inställningar sheet: the Bedömningsskala, Ansvariga and Perioder tables and
the plan's År, as plain 2-D lists of cell values (both backends read the same layout).

Each table is found by its header row wherever it sits in the sheet (beside or below the
others) and runs down until a blank column pair, another table's header or the År line.
What cannot be understood is reported as a ``PlanIssue`` (kind "settings") with the
sheet's row number; the rest of the table is still used.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from types import MappingProxyType

from bot.domain.model import (
    DEFAULT_CALENDAR,
    Calendar,
    OutcomeOption,
    OutcomeScale,
    Period,
    PeriodEnd,
    PlanIssue,
    is_email,
    severity_from_label,
)
from bot.domain.periods import parse_period_name
from bot.domain.schedule import ReminderOverrides
from bot.domain.swedish import MONTHS
from graph.cells import cell_text, from_serial
from graph.layout import (
    OWNERS_HEADERS,
    PERIODS_HEADERS,
    REMINDERS_HEADERS,
    REPORT_TEXTS_HEADERS,
    SCALE_HEADERS,
    SETTINGS_SYNONYMS,
    YEAR_WORDS,
    normalise_header,
)

_EMAIL_TOKEN = re.compile(r"[^\s<>\"',;()]+@[^\s<>\"',;()]+")
_SPLIT = re.compile(r"[\s,;]+")
_DAY_MONTH = re.compile(r"^(\d{1,2})\s*[./]\s*(\d{1,2})\.?$")
_DAY_NAMED = re.compile(r"^(\d{1,2})\s+([a-zåäö]+)\.?(?:\s+(\d{4}))?$")
_DAYS = re.compile(r"^(\d{1,3})(?:\s*dagar?(?:\s+efter.*)?)?$")
_YEAR = re.compile(r"^(20\d{2}|19\d{2})$")
_MONTH_NUMBERS = {name: i for i, name in enumerate(MONTHS, start=1)}
_MONTH_NUMBERS.update({name[:3]: i for name, i in list(_MONTH_NUMBERS.items())})
_HEADER_WORDS = {
    normalise_header(h)
    for names in (SCALE_HEADERS, OWNERS_HEADERS, PERIODS_HEADERS, REMINDERS_HEADERS)
    for h in names
}
_STOP_WORDS = _HEADER_WORDS | {normalise_header(w) for w in YEAR_WORDS}
for _header, _names in SETTINGS_SYNONYMS.items():
    if _header != "Text":  # "Text" is too common a word to end another table
        _STOP_WORDS |= {normalise_header(n) for n in _names}
# The report's standing texts (bot.reports.texts uses the same keys).
_REPORT_TEXT_KEYS = {
    "inledning": "inledning",
    "förslag till beslut": "förslag till beslut",
    "forslag till beslut": "förslag till beslut",
    "beslut": "förslag till beslut",
    "beslutet skickas till": "beslutet skickas till",
    "skickas till": "beslutet skickas till",
    "sändlista": "beslutet skickas till",
}


@dataclass(frozen=True, slots=True)
class Settings:
    """What the Inställningar sheet says; defaults where it says nothing."""

    scale: OutcomeScale = field(default_factory=OutcomeScale.default)
    owners: Mapping[str, frozenset[str]] = field(default_factory=lambda: MappingProxyType({}))
    calendar: Calendar = DEFAULT_CALENDAR
    year: int | None = None
    issues: tuple[PlanIssue, ...] = ()
    report_texts: tuple[tuple[str, str], ...] = ()  # the Rapporttexter table
    reminders: ReminderOverrides = field(default_factory=ReminderOverrides)


def owner_key(name: str) -> str:
    """A role or name as the Ansvariga table is looked up: case and spacing ignored."""
    return " ".join(name.replace("\u00a0", " ").split()).casefold().strip(" .:")


def emails_in(text: str) -> tuple[list[str], list[str]]:
    """(the e-mail addresses in a cell, lower case; the words that are not addresses)."""
    found = [m.lower().removeprefix("mailto:") for m in _EMAIL_TOKEN.findall(text)]
    rest = _EMAIL_TOKEN.sub(" ", text)
    others = [w for w in _SPLIT.split(rest) if w and w.casefold() not in ("och", "samt")]
    good = [e.strip(".") for e in found if is_email(e.strip("."))]
    others += [e for e in found if not is_email(e.strip("."))]
    return good, others


def _synonyms(header: str) -> set[str]:
    return {normalise_header(n) for n in SETTINGS_SYNONYMS.get(header, (header,))}


def _find_table(
    rows: Sequence[Sequence[object]], headers: Sequence[str], required: int
) -> tuple[int, list[int | None]] | None:
    """(header row index, column of each header or None) of the first row naming the first
    ``required`` headers."""
    wanted = [_synonyms(h) for h in headers]
    for index, row in enumerate(rows):
        folded = [normalise_header(c) for c in row]
        columns: list[int | None] = []
        for names in wanted:
            columns.append(next((i for i, c in enumerate(folded) if c in names), None))
        if all(c is not None for c in columns[:required]):
            return index, columns
    return None


def _table_rows(
    rows: Sequence[Sequence[object]], found: tuple[int, list[int | None]], first_row: int
) -> list[tuple[int, list[object]]]:
    """(Excel row number, the table's cells) from below the header to the table's end."""
    index, columns = found
    result: list[tuple[int, list[object]]] = []
    for offset, row in enumerate(rows[index + 1 :], start=index + 1):
        cells = [row[c] if c is not None and c < len(row) else None for c in columns]
        texts = [normalise_header(c) for c in cells]
        if any(t in _STOP_WORDS for t in texts if t):
            break  # the next table's header, or the År line
        if all(cell_text(c) == "" for c in cells):
            continue
        result.append((first_row + offset, cells))
    return result


def parse_scale(
    rows: Sequence[Sequence[object]], *, first_row: int = 1
) -> tuple[OutcomeScale, tuple[PlanIssue, ...]]:
    """The Bedömningsskala of an Inställningar sheet; the default scale if it defines none."""
    found = _find_table(rows, SCALE_HEADERS, 2)
    if found is None:
        return OutcomeScale.default(), ()
    options: list[OutcomeOption] = []
    issues: list[PlanIssue] = []
    for row_number, (label_cell, severity_cell) in _table_rows(rows, found, first_row):
        label, severity_text = cell_text(label_cell), cell_text(severity_cell)
        severity = severity_from_label(severity_text)
        if not label:
            issues.append(_issue(row_number, "Bedömningsskalan: bedömning saknas"))
        elif severity is None:
            message = f"Bedömningsskalan: okänd allvarlighet {severity_text!r} för {label!r}"
            issues.append(_issue(row_number, message))
        elif any(o.label.casefold() == label.casefold() for o in options):
            issues.append(_issue(row_number, f"Bedömningsskalan: {label!r} finns redan"))
        else:
            options.append(OutcomeOption(label, severity))
    default = OutcomeScale.default()
    if not options or options == [o for o in default.options if o.offered]:
        # The default scale as our own templates write it: with the words it only reads.
        return default, tuple(issues)
    return OutcomeScale(tuple(options)), tuple(issues)


def parse_owners(
    rows: Sequence[Sequence[object]], *, first_row: int = 1
) -> tuple[dict[str, frozenset[str]], list[PlanIssue]]:
    """The Ansvariga table: role or name -> e-mail addresses (several per cell, separated
    by comma or semicolon, or on several rows)."""
    found = _find_table(rows, OWNERS_HEADERS, 2)
    if found is None:
        return {}, []
    owners: dict[str, set[str]] = {}
    issues: list[PlanIssue] = []
    for row_number, (name_cell, email_cell) in _table_rows(rows, found, first_row):
        name, text = cell_text(name_cell), cell_text(email_cell)
        emails, others = emails_in(text)
        if not name:
            issues.append(_issue(row_number, f"Ansvariga: ansvarig saknas för {text!r}"))
            continue
        if others:
            bad = ", ".join(repr(o) for o in others)
            message = f"Ansvariga: ogiltig e-postadress {bad} för {name!r}"
            issues.append(_issue(row_number, message, skipped=not emails))
        if not emails:
            if not others:
                issues.append(_issue(row_number, f"Ansvariga: e-post saknas för {name!r}"))
            continue
        owners.setdefault(owner_key(name), set()).update(emails)
    return {k: frozenset(v) for k, v in owners.items()}, issues


def _day_month(value: object) -> tuple[int, int, int | None] | None:
    """(month, day, year or None) of a date cell, an Excel serial or "30 juni" / "30/6"."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        moment = from_serial(value)
        value = moment if moment is not None else value
    if isinstance(value, datetime | date):
        return value.month, value.day, value.year
    text = " ".join(cell_text(value).casefold().split())
    try:
        day = date.fromisoformat(text)
    except ValueError:
        pass
    else:
        return day.month, day.day, day.year
    match = _DAY_MONTH.match(text)
    if match:
        month, dom = int(match.group(2)), int(match.group(1))
        return (month, dom, None) if _valid(month, dom) else None
    match = _DAY_NAMED.match(text)
    if match and match.group(2) in _MONTH_NUMBERS:
        month, dom = _MONTH_NUMBERS[match.group(2)], int(match.group(1))
        year = int(match.group(3)) if match.group(3) else None
        return (month, dom, year) if _valid(month, dom) else None
    return None


def _valid(month: int, day: int) -> bool:
    try:
        date(2024, month, day)  # a leap year: 29 februari is a day people may name
    except ValueError:
        return False
    return True


def _due_days(end: tuple[int, int, int | None], value: object) -> int | None:
    """Days from a period's end to its Sista svarsdag ("14 januari" after 31 december is
    in the next year); a plain number is a number of days."""
    text = cell_text(value).casefold()
    days = _DAYS.match(text) if not isinstance(value, datetime | date) else None
    if days is not None and int(days.group(1)) < 200:
        return int(days.group(1))
    due = _day_month(value)
    if due is None:
        return None
    year = end[2] or 2001
    last = date(year, end[0], min(end[1], 28) if end[0] == 2 else end[1])
    target = date(due[2] or year, due[0], min(due[1], 28) if due[0] == 2 else due[1])
    if due[2] is None and target < last:
        target = date(year + 1, target.month, target.day)
    delta = (target - last).days
    return delta if 0 <= delta <= 366 else None


def parse_calendar(
    rows: Sequence[Sequence[object]], *, first_row: int = 1
) -> tuple[Calendar, list[PlanIssue]]:
    """The Perioder table (Period, Periodens slut, Sista svarsdag); the default calendar
    when there is none. Helår is always a period (31 december unless the table says)."""
    found = _find_table(rows, PERIODS_HEADERS, 2)
    if found is None:
        return DEFAULT_CALENDAR, []
    ends: dict[Period, PeriodEnd] = {}
    issues: list[PlanIssue] = []
    for row_number, (name_cell, end_cell, due_cell) in _table_rows(rows, found, first_row):
        name = cell_text(name_cell)
        period = parse_period_name(name)
        end = _day_month(end_cell)
        if period is None:
            message = (
                f"Perioder: okänd period {name!r} (skriv Delår, Delår 1, Delår 2, "
                "Kvartal 1–3 eller Helår)"
            )
            issues.append(_issue(row_number, message))
            continue
        if end is None:
            message = f"Perioder: {name}: periodens slut {cell_text(end_cell)!r} är inget datum"
            issues.append(_issue(row_number, message))
            continue
        if period in ends:
            issues.append(_issue(row_number, f"Perioder: {period.label} finns redan"))
            continue
        due = 14
        if cell_text(due_cell):
            parsed = _due_days(end, due_cell)
            if parsed is None:
                message = (
                    f"Perioder: {name}: sista svarsdag {cell_text(due_cell)!r} förstås inte "
                    "(14 dagar efter periodens slut används)"
                )
                issues.append(_issue(row_number, message, skipped=False))
            else:
                due = parsed
        ends[period] = PeriodEnd(period, end[0], end[1], due)
    if not ends:
        return DEFAULT_CALENDAR, issues
    if Period.YEAR not in ends:
        ends[Period.YEAR] = PeriodEnd(Period.YEAR, 12, 31)
        message = "Perioder: Helår saknas – helår per 31 december används"
        issues.append(_issue(found[0] + first_row, message, skipped=False))
    ordered = sorted(ends.values(), key=lambda e: (e.period is Period.YEAR, e.month, e.day))
    return Calendar(tuple(ordered)), issues


def parse_report_texts(
    rows: Sequence[Sequence[object]], *, first_row: int = 1
) -> tuple[tuple[tuple[str, str], ...], list[PlanIssue]]:
    """The Rapporttexter table (Rapporttext, Text): the report's Inledning, Förslag till
    beslut and Beslutet skickas till, replacing the bot's default wording."""
    found = _find_table(rows, REPORT_TEXTS_HEADERS, 2)
    if found is None:
        return (), []
    texts: dict[str, str] = {}
    issues: list[PlanIssue] = []
    for row_number, (name_cell, text_cell) in _table_rows(rows, found, first_row):
        name = " ".join(cell_text(name_cell).split()).casefold().rstrip(":")
        key = _REPORT_TEXT_KEYS.get(name)
        text = str(text_cell).strip() if text_cell is not None else ""
        if key is None:
            message = (
                f"Rapporttexter: okänd rapporttext {cell_text(name_cell)!r} (skriv Inledning, "
                "Förslag till beslut eller Beslutet skickas till)"
            )
            issues.append(_issue(row_number, message))
        elif not text:
            issues.append(_issue(row_number, f"Rapporttexter: text saknas för {name!r}"))
        elif key not in texts:
            texts[key] = text
    return tuple(texts.items()), issues


def parse_year(rows: Sequence[Sequence[object]]) -> int | None:
    """The year on a line "År | 2026" (or Planår) of the sheet, if there is one."""
    words = {normalise_header(w) for w in YEAR_WORDS}
    for row in rows:
        for index, cell in enumerate(row):
            if normalise_header(cell) not in words:
                continue
            rest = [cell_text(c) for c in row[index + 1 :] if cell_text(c)]
            if rest and _YEAR.match(rest[0]):
                return int(rest[0])
    return None


def parse_settings(rows: Sequence[Sequence[object]], *, first_row: int = 1) -> Settings:
    """Everything the Inställningar sheet says (empty rows: every default)."""
    if not rows:
        return Settings()
    scale, scale_issues = parse_scale(rows, first_row=first_row)
    owners, owner_issues = parse_owners(rows, first_row=first_row)
    calendar, period_issues = parse_calendar(rows, first_row=first_row)
    texts, text_issues = parse_report_texts(rows, first_row=first_row)
    reminders, reminder_issues = parse_reminders(rows, first_row=first_row)
    return Settings(
        scale,
        MappingProxyType(owners),
        calendar,
        parse_year(rows),
        (*scale_issues, *owner_issues, *period_issues, *text_issues, *reminder_issues),
        texts,
        reminders,
    )


# The Påminnelser table's rows: what people write in Påminnelse (folded), the schedule
# field it sets, and whether the value is yes/no (else a number of days).
_REMINDER_ROWS: tuple[tuple[tuple[str, ...], str, bool], ...] = (
    (("påminnelser", "skicka påminnelser", "påminnelser på"), "enabled", True),
    (("när perioden öppnar", "perioden öppnar", "vid öppning"), "on_open", True),
    (
        ("arbetsdagar före sista svarsdag", "dagar före sista svarsdag", "före sista svarsdag"),
        "days_before",
        False,
    ),
    (("på sista svarsdagen", "sista svarsdagen", "på sista svarsdag"), "on_deadline", True),
    (
        ("dagar mellan påminnelser efter sista svarsdag", "dagar mellan påminnelser"),
        "overdue_every",
        False,
    ),
    (
        ("påminnelser efter sista svarsdag", "antal påminnelser efter sista svarsdag"),
        "overdue_times",
        False,
    ),
    (
        ("sammanfattning till strateg efter dagar", "sammanfattning till strateg"),
        "digest_after",
        False,
    ),
)
_YES = {"ja", "j", "på", "x", "sant", "true", "1"}
_NO = {"nej", "n", "av", "falskt", "false", "0"}


def parse_reminders(
    rows: Sequence[Sequence[object]], *, first_row: int = 1
) -> tuple[ReminderOverrides, list[PlanIssue]]:
    """The Påminnelser table: this workbook's changes to the reminder schedule."""
    found = _find_table(rows, REMINDERS_HEADERS, 2)
    if found is None:
        return ReminderOverrides(), []
    changes: dict[str, bool | int] = {}
    issues: list[PlanIssue] = []
    for row_number, (name_cell, value_cell) in _table_rows(rows, found, first_row):
        name = " ".join(cell_text(name_cell).casefold().split()).strip(" .:")
        value = cell_text(value_cell).casefold().strip(" .")
        known = next((r for r in _REMINDER_ROWS if name in r[0]), None)
        if known is None:
            issues.append(_issue(row_number, f"Påminnelser: okänd inställning {name!r}"))
            continue
        _words, setting, yes_no = known
        if yes_no and value in _YES | _NO:
            changes[setting] = value in _YES
        elif not yes_no and value.isdigit() and int(value) <= 60:
            changes[setting] = int(value)
        else:
            wanted = "Ja eller Nej" if yes_no else "ett antal dagar (0–60)"
            message = f"Påminnelser: {cell_text(name_cell)!r} ska vara {wanted}, inte {value!r}"
            issues.append(_issue(row_number, message))
    return ReminderOverrides(**changes), issues  # type: ignore[arg-type]


def _issue(row: int, message: str, *, skipped: bool = True) -> PlanIssue:
    # skipped: the table row is not used; otherwise it is used without what is wrong.
    return PlanIssue(row, message, skipped=skipped, kind="settings")
