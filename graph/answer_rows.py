"""Answers as Uppföljning rows and back, and how a batch lands among the rows already there.

Like ``graph.plan_reader`` this works on plain lists of cell values, so both backends
write the same row for an answer and decide an upsert the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from bot.domain.model import UNKNOWN_TIME, Action, Answer, Period, latest_by_slot
from bot.domain.periods import parse_period_name
from graph.cells import (
    cell_text,
    clean_text,
    from_serial,
    id_cell,
    normalise_id,
    parse_date,
    to_local,
)
from graph.layout import ANSWER_HEADERS, STOCKHOLM
from graph.protocol import WriteResult

__all__ = [
    "UNKNOWN_TIME",
    "answer_to_row",
    "answer_values",
    "decide_upsert",
    "plan_upsert",
    "row_slot",
    "row_to_answer",
]

_PERIOD_BY_LABEL = {p.label.casefold(): p for p in Period}
_CANONICAL = {h: i for i, h in enumerate(ANSWER_HEADERS)}


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
        "Uppföljning": answer.continuation,
        "Underlag": "\n".join(answer.evidence),
        "Dagar efter sista svarsdag": answer.days_late or None,
    }
    return {k: clean_text(v) if isinstance(v, str) else v for k, v in values.items()}


def answer_to_row(answer: Answer) -> list[object]:
    """An answer as one Uppföljning row in ``ANSWER_HEADERS`` order."""
    values = answer_values(answer)
    return [values[h] for h in ANSWER_HEADERS]


def _int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = cell_text(value)
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
        return _moment(datetime.fromisoformat(cell_text(value)))
    except ValueError:
        return None


def typed_text(value: object) -> str:
    """A free-text cell exactly as written (surrounding whitespace too; all-blank is "")."""
    if isinstance(value, str):
        return value if value.strip() else ""
    return cell_text(value)


Slot = tuple[str, int, Period]


def _cells(values: Sequence[object], where: Mapping[str, int]) -> dict[str, object]:
    """The row's cells by header (a header beyond the row's end is left out: None)."""
    width = len(values)
    return {header: values[i] for header, i in where.items() if i < width}


def row_slot(values: Sequence[object], columns: Mapping[str, int] | None = None) -> Slot | None:
    """A row's (ID, År, Period), as ``row_to_answer`` reads them; None when one is missing.

    A row without its own År or Period takes the one its columns' header names
    ("Resultat helår 2017": ``AnswerColumns.year`` and ``.period``)."""
    where = columns or _CANONICAL
    return _slot(_cells(values, where), where)


def _slot(cells: Mapping[str, object], where: Mapping[str, int]) -> Slot | None:
    control_id = normalise_id(cells.get("ID"))
    year = _int(cells.get("År"))
    period_text = cell_text(cells.get("Period"))
    period = _PERIOD_BY_LABEL.get(" ".join(period_text.split()).casefold())
    if period is None:  # "helår", "Delår" (the one delår of a Perioder table), "Kvartal 2"
        period = parse_period_name(cells.get("Period")) if period_text else None
    if year is None and not cell_text(cells.get("År")):
        year = getattr(where, "year", None)
    if period is None and not period_text:
        period = getattr(where, "period", None)
    if not control_id or year is None or period is None:
        return None
    return control_id, year, period


def row_to_answer(
    values: Sequence[object], plan_key: str, columns: Mapping[str, int] | None = None
) -> Answer | None:
    """An Uppföljning row as an answer; None when ID, År or Period is missing or unknown."""
    where = columns or _CANONICAL
    cells = _cells(values, where)
    slot = _slot(cells, where)
    if slot is None:
        return None
    control_id, year, period = slot
    get = cells.get
    action_text, action_owner = typed_text(get("Åtgärd")), typed_text(get("Åtgärdsansvarig"))
    due = parse_date(get("Klart senast")) if cell_text(get("Klart senast")) else None
    action = (
        Action(action_text, action_owner, due) if (action_text or action_owner or due) else None
    )
    return Answer(
        answer_id=cell_text(get("Svar-ID")),
        plan_key=plan_key,
        control_id=control_id,
        year=year,
        period=period,
        outcome=cell_text(get("Bedömning")),
        answered_by=cell_text(get("Besvarad av")).lower(),
        answered_at=_moment(get("Besvarad")) or UNKNOWN_TIME,
        checked=_int(get("Antal kontrollerade")),
        deviations=_int(get("Antal avvikelser")),
        observations=typed_text(get("Iakttagelser")),
        analysis=typed_text(get("Analys")),
        action=action,
        continuation=cell_text(get("Uppföljning")),
        evidence=tuple(
            line.strip() for line in cell_text(get("Underlag")).splitlines() if line.strip()
        ),
        days_late=max(0, _int(get("Dagar efter sista svarsdag")) or 0),
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
    """Decide a batch against the existing data rows (below the header), in O(rows + batch)."""
    rows = list(rows)
    slots = [row_slot(values, columns) for values in rows]
    filled = (i for i in range(len(rows) - 1, -1, -1) if any(v not in (None, "") for v in rows[i]))
    first_free = next(filled, -1) + 1
    return decide_upsert(
        slots, first_free, lambda index: row_to_answer(rows[index], plan_key, columns), answers
    )


def decide_upsert(
    slots: Sequence[Slot | None],
    first_free: int,
    answer_at: Callable[[int], Answer | None],
    answers: Sequence[Answer],
) -> Upsert:
    """Decide a batch from the existing rows' slots (by data row index), the index after
    the last non-empty row, and a way to read the answer in a row (asked only for rows
    whose slot the batch has).

    Newest wins per (ID, År, Period) within the batch and against the row already there; an
    answer whose Svar-ID is already in its row, or that is older than that row, is counted
    unchanged, as are answers superseded within the batch.
    """
    existing: dict[Slot, int] = {}
    for row, slot in enumerate(slots):
        if slot is not None:
            existing.setdefault(slot, row)
    upsert = Upsert(first_free=first_free)
    latest = latest_by_slot(answers)
    unchanged = len(answers) - len(latest)
    for slot, answer in latest.items():
        index = existing.get(slot)
        old = answer_at(index) if index is not None else None
        if index is None or old is None:
            upsert.appends.append(answer)
            continue
        newer_there = to_local(old.answered_at) > to_local(answer.answered_at)
        if (old.answer_id and old.answer_id == answer.answer_id) or newer_there:
            unchanged += 1
        else:
            upsert.updates.append((index, answer))
    upsert.result = WriteResult(len(upsert.appends), len(upsert.updates), unchanged)
    return upsert
