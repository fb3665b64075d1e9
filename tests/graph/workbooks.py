"""Helpers for the workbook tests: plans as people make them, answers, cell snapshots."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import openpyxl

from bot.domain.model import Action, Answer, Period

HEADER = ["ID", "Område", "Process/rutin", "Risk", "Kontrollmoment", "Period", "Ansvarig"]


def plan_rows(count: int, owner: str = "alexw@example.com") -> list[list[Any]]:
    """``count`` valid plan rows under ``HEADER``, IDs 1..count, alternating periods."""
    periods = ["Helår", "Delår 1", "Delår 2, Helår", "Alla perioder"]
    return [
        [
            i,
            "Verksamhet",
            f"Process {i}",
            f"Risk {i}",
            f"Kontrollmoment {i}",
            periods[i % len(periods)],
            owner,
        ]
        for i in range(1, count + 1)
    ]


def write_xlsx(
    path: Path,
    rows: Sequence[Sequence[Any]],
    *,
    sheet: str = "Kontrollplan",
    merges: Sequence[str] = (),
    extra: Callable[[openpyxl.Workbook], None] | None = None,
) -> Path:
    """A workbook written with plain openpyxl, the way a person's file might look."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = sheet
    for row in rows:
        ws.append(list(row))
    for area in merges:
        ws.merge_cells(area)
    if extra is not None:
        extra(book)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def answer(
    control_id: str = "1",
    *,
    answer_id: str | None = None,
    year: int = 2026,
    period: Period = Period.YEAR,
    at: datetime = datetime(2027, 1, 10, 9, 30, tzinfo=UTC),
    outcome: str = "Ingen avvikelse",
    plan_key: str = "plan.xlsx",
    **fields: Any,
) -> Answer:
    """An answer with sensible defaults; keyword fields override the rest."""
    return Answer(
        answer_id=answer_id or f"svar-{control_id}-{year}-{period.value}-{at.timestamp():.0f}",
        plan_key=plan_key,
        control_id=control_id,
        year=year,
        period=period,
        outcome=outcome,
        answered_by=fields.pop("answered_by", "alexw@example.com"),
        answered_at=at,
        **fields,
    )


def deviation(control_id: str = "1", **fields: Any) -> Answer:
    """A 'Mindre avvikelse' answer with numbers, texts and an åtgärd."""
    defaults: dict[str, Any] = {
        "outcome": "Mindre avvikelse",
        "checked": 10,
        "deviations": 2,
        "observations": "Två fakturor saknar attest.",
        "analysis": "Rutinen är okänd.",
        "action": Action("Informera attestanterna", "maria.lind@example.com", None),
    }
    return answer(control_id, **{**defaults, **fields})


def sheet_values(path: Path, *, skip: Sequence[str] = ()) -> dict[str, list[tuple[Any, ...]]]:
    """Every sheet's cell values (formulas as text), except the sheets named in ``skip``."""
    book = openpyxl.load_workbook(path)
    return {
        ws.title: [tuple(row) for row in ws.iter_rows(values_only=True)]
        for ws in book.worksheets
        if ws.title not in skip
    }
