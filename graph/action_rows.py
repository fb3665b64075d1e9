"""The Åtgärder sheet both backends write: its headers, an åtgärd as a row, and the upsert.

Like ``graph.answer_rows`` this works on plain lists of cell values. A row is keyed by
(ID, År, Period), the answer slot the åtgärd came from; a row already there is replaced
only by a newer state (its Uppdaterad), so a batch written twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from bot.domain.followup import TrackedAction
from bot.domain.model import Period
from bot.domain.periods import parse_period_name
from graph.cells import cell_text, clean_text, from_serial, id_cell, normalise_id, to_local
from graph.layout import ACTIONS_SHEET, DATE_FORMAT, DATETIME_FORMAT, normalise_header
from graph.protocol import WriteResult

ACTION_SHEET = ACTIONS_SHEET
ACTION_TABLE = "Atgarder"  # Excel table names allow letters, digits and _ only
ACTION_HEADERS = (
    "ID",
    "År",
    "Period",
    "Åtgärd",
    "Åtgärdsansvarig",
    "Klart senast",
    "Status",
    "Kommentar",
    "Uppdaterad av",
    "Uppdaterad",
)
ACTION_WIDTHS = (8, 7, 10, 45, 28, 13, 13, 40, 28, 17)
FORMATS = {"Klart senast": DATE_FORMAT, "Uppdaterad": DATETIME_FORMAT}
_BY_NAME = {normalise_header(h): h for h in ACTION_HEADERS}


def action_values(row: TrackedAction) -> dict[str, object]:
    """An åtgärd's cell values by header (text cleaned, not yet quote-prefixed)."""
    values: dict[str, object] = {
        "ID": id_cell(row.control_id),
        "År": row.year,
        "Period": row.period.label,
        "Åtgärd": row.action.text,
        "Åtgärdsansvarig": row.action.owner,
        "Klart senast": row.action.due,
        "Status": row.status.value,
        "Kommentar": row.comment,
        "Uppdaterad av": row.updated_by,
        "Uppdaterad": to_local(row.updated_at),
    }
    return {k: clean_text(v) if isinstance(v, str) else v for k, v in values.items()}


def action_columns(header: Sequence[object]) -> dict[str, int]:
    """Map the sheet's headers to column indexes (people may move columns)."""
    columns: dict[str, int] = {}
    for index, cell in enumerate(header):
        name = _BY_NAME.get(normalise_header(cell))
        if name is not None and name not in columns:
            columns[name] = index
    return columns


def _moment(value: object) -> datetime | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = from_serial(value)
    if isinstance(value, datetime):
        if value.microsecond:  # Excel serials carry float noise
            value = (value + timedelta(microseconds=500_000)).replace(microsecond=0)
        return value.replace(tzinfo=None)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    try:
        return _moment(datetime.fromisoformat(cell_text(value)))
    except ValueError:
        return None


def _key(values: Sequence[object], columns: Mapping[str, int]) -> tuple[str, int, Period] | None:
    def get(header: str) -> object:
        index = columns.get(header)
        return values[index] if index is not None and index < len(values) else None

    year_text = cell_text(get("År"))
    period = parse_period_name(get("Period")) if cell_text(get("Period")) else None
    control_id = normalise_id(get("ID"))
    if not control_id or not year_text.isdigit() or period is None:
        return None
    return (control_id, int(year_text), period)


@dataclass(slots=True)
class ActionUpsert:
    """What a batch does to the rows: which to overwrite, which to append."""

    updates: list[tuple[int, TrackedAction]] = field(default_factory=list)
    appends: list[TrackedAction] = field(default_factory=list)
    first_free: int = 0  # data row index after the last non-empty row
    result: WriteResult = WriteResult()


def plan_action_upsert(
    rows: Iterable[Sequence[object]], columns: Mapping[str, int], batch: Sequence[TrackedAction]
) -> ActionUpsert:
    """Decide a batch against the data rows: newest per slot wins; a row whose Uppdaterad
    is newer, or the same with the same status and comment, is left alone."""
    existing: dict[tuple[str, int, Period], tuple[int, Sequence[object]]] = {}
    upsert = ActionUpsert()
    for index, values in enumerate(rows):
        key = _key(values, columns)
        if key is not None:
            existing.setdefault(key, (index, values))
        if any(v not in (None, "") for v in values):
            upsert.first_free = index + 1
    latest: dict[tuple[str, int, Period], TrackedAction] = {}
    for row in batch:
        slot = (row.control_id, row.year, row.period)
        if slot not in latest or row.updated_at >= latest[slot].updated_at:
            latest[slot] = row
    unchanged = len(batch) - len(latest)
    for slot, row in latest.items():
        if slot not in existing:
            upsert.appends.append(row)
            continue
        index, old = existing[slot]
        if _already_there(old, columns, row):
            unchanged += 1
        else:
            upsert.updates.append((index, row))
    upsert.result = WriteResult(len(upsert.appends), len(upsert.updates), unchanged)
    return upsert


def _already_there(old: Sequence[object], columns: Mapping[str, int], row: TrackedAction) -> bool:
    def get(header: str) -> object:
        index = columns.get(header)
        return old[index] if index is not None and index < len(old) else None

    there = _moment(get("Uppdaterad"))
    new = to_local(row.updated_at)
    if there is None:
        return False
    if there != new:
        return there > new
    values = action_values(row)
    return all(cell_text(get(h)) == cell_text(values[h]) for h in ("Status", "Kommentar", "Åtgärd"))
