"""The sheet layout both workbook backends share: sheet names, Swedish headers, parsing.

Everything here works on plain 2-D lists of cell values (None, str, int, float, date,
datetime), so the openpyxl backend and the Microsoft Graph backend read and write the
same layout. Plans written by people are read tolerantly; what cannot be understood is
reported row by row as ``PlanIssue`` with the Excel row number, never guessed.

Formula injection: text beginning with ``= + - @`` or a tab/CR is stored *as text with
Excel's quote prefix* (what Excel itself does when someone types ``'=1+1``). The cell then
shows exactly what the person wrote, reading it back gives the same text, and Excel keeps
it as text even when someone edits the cell later. openpyxl does this with
``data_type = "s"`` plus ``cell.quotePrefix``; over Microsoft Graph the same effect comes
from sending the value with a leading apostrophe. ``needs_quote_prefix`` says when.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.model import (
    Action,
    Answer,
    Control,
    OutcomeOption,
    OutcomeScale,
    Period,
    Plan,
    PlanIssue,
    Risk,
    latest_by_slot,
    severity_from_label,
)
from bot.periods import parse_periods
from graph.protocol import WriteResult

PLAN_SHEET = "Kontrollplan"
PLAN_TABLE = "Kontrollplan"
ANSWER_SHEET = "Uppföljning"
ANSWER_TABLE = "Uppfoljning"  # Excel table names allow letters, digits and _ only
SETTINGS_SHEET = "Inställningar"
SCALE_TABLE = "Bedomningsskala"
SCALE_HEADERS = ("Bedömning", "Allvarlighet")
STOCKHOLM = ZoneInfo("Europe/Stockholm")
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
DATE_FORMAT = "yyyy-mm-dd"
# Rows typed in by hand may lack Besvarad; they then lose every newest-wins comparison.
UNKNOWN_TIME = datetime(1970, 1, 1, tzinfo=UTC)
NOT_CONTROLLED = "Ska inte kontrolleras (Nej) – raden hoppas över"

ANSWER_HEADERS = (
    "ID",
    "År",
    "Period",
    "Bedömning",
    "Antal kontrollerade",
    "Antal avvikelser",
    "Iakttagelser",
    "Analys",
    "Åtgärd",
    "Åtgärdsansvarig",
    "Klart senast",
    "Besvarad av",
    "Besvarad",
    "Svar-ID",
)

# Field -> accepted headers; the first one is what our own templates write.
PLAN_HEADERS: dict[str, tuple[str, ...]] = {
    "id": ("ID", "Nr", "Risknummer", "Risknr"),
    "namnd": ("Nämnd", "Förvaltning", "Verksamhet"),
    "area": ("Område",),
    "process": ("Process/rutin", "Process", "Rutin", "Processer/rutiner", "Riktlinje/rutin"),
    "risk_text": ("Risk", "Risker"),
    "probability": ("Sannolikhet",),
    "consequence": ("Konsekvens",),
    "value": ("Riskvärde", "Riskbedömning"),
    "description": ("Kontrollmoment", "Kontroll"),
    "method": ("Metod",),
    "sample": ("Urval",),
    "periods": ("Period", "Frekvens", "Tidpunkt"),
    "owner": ("Ansvarig", "Ansvarig e-post"),
    "due_date": ("Sista svarsdag",),
    "active": ("Ska kontrolleras",),
}
_REQUIRED = ("id", "description", "owner")
_PROBABILITY_WORDS = {"mycket liten": 1, "liten": 2, "stor": 3, "mycket stor": 4}
_CONSEQUENCE_WORDS = {"försumbar": 1, "lindrig": 2, "kännbar": 3, "allvarlig": 4}
_EMAIL = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;]+$")
# "6", "6.0", "6. Lindrig", "6 Lindrig", "12: Allvarlig"
_RISK_VALUE = re.compile(r"^(\d{1,2})(?:[.,]0+(?!\d))?\s*[.:–-]?\s*(.*)$", re.S)
_ILLEGAL = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")  # as openpyxl's
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PERIOD_BY_LABEL = {p.label.casefold(): p for p in Period}


class PlanLayoutError(ValueError):
    """No row of the sheet looks like the plan's header row."""


def normalise_header(value: object) -> str:
    """A header cell made comparable: case, whitespace, parentheses and trailing ':' ignored."""
    text = str(value or "").replace("(", " ").replace(")", " ").casefold()
    text = " ".join(text.split()).replace(" / ", "/").rstrip(":* ")
    return text


_HEADER_LOOKUP = {normalise_header(h): f for f, hs in PLAN_HEADERS.items() for h in hs}


def plan_columns(header: Sequence[object]) -> dict[str, int]:
    """Map plan fields to column indexes (0-based); the first matching column wins."""
    columns: dict[str, int] = {}
    for index, cell in enumerate(header):
        name = _HEADER_LOOKUP.get(normalise_header(cell))
        if name is not None and name not in columns:
            columns[name] = index
    return columns


def find_header_row(rows: Sequence[Sequence[object]]) -> int | None:
    """Index of the first row holding at least ID, Kontrollmoment and Ansvarig."""
    for index, row in enumerate(rows):
        if all(f in plan_columns(row) for f in _REQUIRED):
            return index
    return None


def clean_text(value: object) -> str:
    """Text fit for a cell: characters Excel cannot store removed, at most 32,767 long."""
    return _ILLEGAL.sub("", str(value))[:32767]


def needs_quote_prefix(text: str) -> bool:
    """True when Excel would take this text for a formula unless it is quote-prefixed."""
    return text.startswith(_FORMULA_START)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def normalise_id(value: object) -> str:
    """A control ID as text: 7.0 -> "7", " 12 " -> "12"."""
    return _cell_text(value)


def id_cell(control_id: str) -> object:
    """The ID as written: a number when it is one (so Excel sorts and looks it up)."""
    numeric = control_id.isdigit() and not control_id.startswith("0")
    return int(control_id) if numeric else control_id


def _scale_value(value: object, words: Mapping[str, int]) -> int | None:
    text = _cell_text(value).casefold()
    number = re.match(r"^(\d)\b", text)
    result = int(number.group(1)) if number else words.get(" ".join(text.split()), 0)
    return result if 1 <= result <= 4 else None


def parse_risk_value(value: object) -> tuple[int | None, str] | None:
    """Riskvärde/Riskbedömning: 6, 6.0, "6. Lindrig" -> (6, "Lindrig"); None if not understood."""
    text = _cell_text(value)
    if not text:
        return None, ""
    match = _RISK_VALUE.match(text)
    if match is None or not 1 <= int(match.group(1)) <= 16:
        return None
    label = match.group(2).strip()
    if label and not label[0].isalpha():
        return None  # "6,5" or "6/8" is not a value with a label
    return int(match.group(1)), label


_EPOCH = datetime(1899, 12, 30)  # Excel's 1900 date system, as serial numbers count it


def from_serial(value: float) -> datetime | None:
    """An Excel date serial (what Microsoft Graph returns for date cells) as a datetime."""
    if not 1 <= value < 2958466:  # 1900-01-01 .. 9999-12-31
        return None
    return _EPOCH + timedelta(days=value)


def to_serial(value: date) -> float:
    """A date or naive datetime as an Excel date serial (for backends that write numbers)."""
    moment = value if isinstance(value, datetime) else datetime(value.year, value.month, value.day)
    return (moment - _EPOCH) / timedelta(days=1)


def parse_date(value: object) -> date | None:
    """A date cell, a datetime cell, an Excel serial or ISO text ("2026-05-15")."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        moment = from_serial(value)
        return moment.date() if moment else None
    try:
        return datetime.fromisoformat(str(value).strip()).date()
    except ValueError:
        return None


def parse_plan(
    rows: Sequence[Sequence[object]],
    *,
    plan_key: str,
    name: str,
    sheet: str = PLAN_SHEET,
    first_row: int = 1,
    scale: OutcomeScale | None = None,
    scale_issues: Sequence[PlanIssue] = (),
) -> Plan:
    """Read a plan sheet's rows (row 0 is Excel row ``first_row``); raise PlanLayoutError."""
    header_index = find_header_row(rows)
    if header_index is None:
        raise PlanLayoutError(
            f"Bladet {sheet!r} saknar en rubrikrad med ID, Kontrollmoment och Ansvarig."
        )
    columns = plan_columns(rows[header_index])
    controls: list[Control] = []
    issues: list[PlanIssue] = list(scale_issues)
    seen: dict[str, int] = {}
    for offset, row in enumerate(rows[header_index + 1 :], start=header_index + 1):
        row_number = first_row + offset
        cells = {f: row[i] if i < len(row) else None for f, i in columns.items()}
        if all(_cell_text(v) == "" for v in row):
            continue
        control, row_issues = _parse_row(cells, row_number, plan_key, seen)
        issues.extend(row_issues)
        if control is not None:
            seen[control.id] = row_number
            controls.append(control)
    return Plan(
        key=plan_key,
        name=name,
        controls=tuple(controls),
        scale=scale or OutcomeScale.default(),
        issues=tuple(issues),
        sheet=sheet,
    )


def _parse_row(
    cells: Mapping[str, object], row: int, plan_key: str, seen: Mapping[str, int]
) -> tuple[Control | None, list[PlanIssue]]:
    text = {f: _cell_text(v) for f, v in cells.items()}
    if text.get("active", "").casefold() == "nej":
        return None, [PlanIssue(row, NOT_CONTROLLED)]
    fatal: list[str] = []
    control_id = normalise_id(cells.get("id"))
    owner = text.get("owner", "").removeprefix("mailto:").strip().lower()
    periods = parse_periods(cells.get("periods"))
    if not control_id:
        fatal.append("ID saknas")
    elif control_id in seen:
        fatal.append(f"ID {control_id} finns redan på rad {seen[control_id]}")
    if not text.get("description"):
        fatal.append("Kontrollmoment saknas")
    if not owner:
        fatal.append("Ansvarig saknas")
    elif not _EMAIL.match(owner):
        fatal.append(f"Ansvarig är ingen e-postadress: {text['owner']!r}")
    if periods is None:
        fatal.append(f"Okänd period: {text['periods']!r}")
    if fatal:
        return None, [PlanIssue(row, m) for m in fatal]

    kept: list[str] = []
    due = parse_date(cells["due_date"]) if text.get("due_date") else None
    if text.get("due_date") and due is None:
        kept.append(f"Ogiltig sista svarsdag: {text['due_date']!r} (raden används utan den)")
    probability = _scale_value(cells.get("probability"), _PROBABILITY_WORDS)
    if text.get("probability") and probability is None:
        kept.append(f"Okänd sannolikhet: {text['probability']!r} (ska vara 1–4)")
    consequence = _scale_value(cells.get("consequence"), _CONSEQUENCE_WORDS)
    if text.get("consequence") and consequence is None:
        kept.append(f"Okänd konsekvens: {text['consequence']!r} (ska vara 1–4)")
    risk_value = parse_risk_value(cells.get("value"))
    if risk_value is None:
        kept.append(f"Okänt riskvärde: {text['value']!r} (ska vara 1–16)")
        risk_value = (None, "")
    assert periods is not None  # for mypy: a None was reported as fatal above
    control = Control(
        id=control_id,
        plan_key=plan_key,
        description=text["description"],
        owner=owner,
        periods=periods,
        namnd=text.get("namnd", ""),
        area=text.get("area", ""),
        process=text.get("process", ""),
        risk_text=text.get("risk_text", ""),
        risk=Risk(probability, consequence, risk_value[0], risk_value[1]),
        method=text.get("method", ""),
        sample=text.get("sample", ""),
        due_date=due,
        row=row,
    )
    return control, [PlanIssue(row, m, skipped=False) for m in kept]


def parse_scale(
    rows: Sequence[Sequence[object]], *, first_row: int = 1
) -> tuple[OutcomeScale, tuple[PlanIssue, ...]]:
    """The Bedömningsskala of an Inställningar sheet; the default scale if it defines none."""
    wanted = tuple(normalise_header(h) for h in SCALE_HEADERS)
    found = next(
        (i for i, row in enumerate(rows) if set(wanted) <= {normalise_header(c) for c in row}),
        None,
    )
    if found is None:
        return OutcomeScale.default(), ()
    index = found
    headers = [normalise_header(c) for c in rows[index]]
    label_at, severity_at = (headers.index(h) for h in wanted)
    options: list[OutcomeOption] = []
    issues: list[PlanIssue] = []
    for offset, row in enumerate(rows[index + 1 :], start=index + 1):
        label = _cell_text(row[label_at]) if label_at < len(row) else ""
        severity_text = _cell_text(row[severity_at]) if severity_at < len(row) else ""
        if not label and not severity_text:
            continue
        severity = severity_from_label(severity_text)
        row_number = first_row + offset
        if not label:
            issues.append(PlanIssue(row_number, "Bedömningsskalan: bedömning saknas"))
        elif severity is None:
            message = f"Bedömningsskalan: okänd allvarlighet {severity_text!r} för {label!r}"
            issues.append(PlanIssue(row_number, message))
        elif any(o.label.casefold() == label.casefold() for o in options):
            issues.append(PlanIssue(row_number, f"Bedömningsskalan: {label!r} finns redan"))
        else:
            options.append(OutcomeOption(label, severity))
    return (OutcomeScale(tuple(options)) if options else OutcomeScale.default()), tuple(issues)


def to_local(moment: datetime) -> datetime:
    """A timezone-aware moment as naive Stockholm time, to the second (what Excel shows)."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(STOCKHOLM).replace(tzinfo=None, microsecond=0)


def answer_values(answer: Answer) -> dict[str, object]:
    """An answer's cell values by Uppföljning header (text cleaned, not yet quote-prefixed)."""
    action = answer.action
    values: dict[str, object] = {
        "ID": id_cell(answer.control_id),
        "År": answer.year,
        "Period": answer.period.label,
        "Bedömning": answer.outcome,
        "Antal kontrollerade": answer.checked,
        "Antal avvikelser": answer.deviations,
        "Iakttagelser": answer.observations,
        "Analys": answer.analysis,
        "Åtgärd": action.text if action else "",
        "Åtgärdsansvarig": action.owner if action else "",
        "Klart senast": action.due if action else None,
        "Besvarad av": answer.answered_by,
        "Besvarad": to_local(answer.answered_at),
        "Svar-ID": answer.answer_id,
    }
    return {k: clean_text(v) if isinstance(v, str) else v for k, v in values.items()}


def answer_to_row(answer: Answer) -> list[object]:
    """An answer as one Uppföljning row in ``ANSWER_HEADERS`` order."""
    values = answer_values(answer)
    return [values[h] for h in ANSWER_HEADERS]


def answer_columns(header: Sequence[object]) -> dict[str, int]:
    """Map Uppföljning headers to column indexes (people may move or add columns)."""
    wanted = {normalise_header(h): h for h in ANSWER_HEADERS}
    columns: dict[str, int] = {}
    for index, cell in enumerate(header):
        name = wanted.get(normalise_header(cell))
        if name is not None and name not in columns:
            columns[name] = index
    return columns


_CANONICAL = {h: i for i, h in enumerate(ANSWER_HEADERS)}


def _int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = _cell_text(value)
    return int(text) if text.isdigit() else None


def _moment(value: object) -> datetime | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = from_serial(value)
    if isinstance(value, datetime):
        if value.microsecond:  # Excel serials carry float noise; Besvarad is to the second
            value = (value + timedelta(microseconds=500_000)).replace(microsecond=0)
        return value if value.tzinfo else value.replace(tzinfo=STOCKHOLM)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=STOCKHOLM)
    try:
        return _moment(datetime.fromisoformat(_cell_text(value)))
    except ValueError:
        return None


def row_to_answer(
    values: Sequence[object], plan_key: str, columns: Mapping[str, int] | None = None
) -> Answer | None:
    """An Uppföljning row as an answer; None when ID, År or Period is missing or unknown."""
    where = columns or _CANONICAL

    def get(header: str) -> object:
        index = where.get(header)
        return values[index] if index is not None and index < len(values) else None

    control_id = normalise_id(get("ID"))
    year = _int(get("År"))
    period = _PERIOD_BY_LABEL.get(" ".join(_cell_text(get("Period")).split()).casefold())
    if period is None:
        parsed = parse_periods(get("Period")) if _cell_text(get("Period")) else None
        period = next(iter(parsed)) if parsed is not None and len(parsed) == 1 else None
    if not control_id or year is None or period is None:
        return None
    action_text, action_owner = _cell_text(get("Åtgärd")), _cell_text(get("Åtgärdsansvarig"))
    due = parse_date(get("Klart senast")) if _cell_text(get("Klart senast")) else None
    action = (
        Action(action_text, action_owner.lower(), due)
        if (action_text or action_owner or due)
        else None
    )
    return Answer(
        answer_id=_cell_text(get("Svar-ID")),
        plan_key=plan_key,
        control_id=control_id,
        year=year,
        period=period,
        outcome=_cell_text(get("Bedömning")),
        answered_by=_cell_text(get("Besvarad av")).lower(),
        answered_at=_moment(get("Besvarad")) or UNKNOWN_TIME,
        checked=_int(get("Antal kontrollerade")),
        deviations=_int(get("Antal avvikelser")),
        observations=_cell_text(get("Iakttagelser")),
        analysis=_cell_text(get("Analys")),
        action=action,
    )


@dataclass(slots=True)
class Upsert:
    """What a batch does to the Uppföljning rows: which to overwrite, which to append."""

    updates: list[tuple[int, Answer]] = field(default_factory=list)  # (data row index, answer)
    appends: list[Answer] = field(default_factory=list)
    first_free: int = 0  # data row index after the last non-empty row: where appends go
    result: WriteResult = WriteResult()


def plan_upsert(
    rows: Iterable[Sequence[object]],
    columns: Mapping[str, int],
    plan_key: str,
    answers: Sequence[Answer],
) -> Upsert:
    """Decide a batch against the existing data rows (below the header), in O(rows + batch).

    Newest wins per (ID, År, Period) within the batch and against the row already there; an
    answer whose Svar-ID is already in its row, or that is older than that row, is counted
    unchanged, as are answers superseded within the batch.
    """
    existing: dict[tuple[str, int, Period], tuple[int, Answer]] = {}
    upsert = Upsert()
    for index, values in enumerate(rows):
        found = row_to_answer(values, plan_key, columns)
        if found is not None:
            existing.setdefault(found.slot, (index, found))
        if any(v not in (None, "") for v in values):
            upsert.first_free = index + 1
    latest = latest_by_slot(answers)
    unchanged = len(answers) - len(latest)
    for slot, answer in latest.items():
        if slot not in existing:
            upsert.appends.append(answer)
            continue
        index, old = existing[slot]
        newer_there = to_local(old.answered_at) > to_local(answer.answered_at)
        if (old.answer_id and old.answer_id == answer.answer_id) or newer_there:
            unchanged += 1
        else:
            upsert.updates.append((index, answer))
    upsert.result = WriteResult(len(upsert.appends), len(upsert.updates), unchanged)
    return upsert
