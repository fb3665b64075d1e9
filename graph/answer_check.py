"""What `ikbot check-workbook` says about the answers sheet: rows typed by hand (or by the
bot) that the status cannot count as they are. Pure: rows of cell values in, lines out."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from bot.domain.model import Plan
from graph.answer_rows import row_to_answer
from graph.cells import cell_text, normalise_id

NO_TERM = (
    "år eller period saknas eller förstås inte – lägg till kolumnerna År och Period, eller "
    "skriv perioden i rubriken (t.ex. ”Resultat helår 2017”)"
)


def check_answers(
    rows: Iterable[Sequence[object]],
    columns: Mapping[str, int],
    first_row: int,
    plan: Plan,
) -> list[tuple[int, str]]:
    """(Excel row, problem) for every answer row that does not fit: no ID, no year or
    period, an ID not in the plan, a control not followed up then, a bedömning not on the
    scale, and a second row for the same control and period (the newest one counts)."""
    controls = {c.id: c for c in plan.controls}
    seen: dict[tuple[str, int, str], int] = {}
    problems: list[tuple[int, str]] = []
    id_at = columns.get("ID")
    for number, row in enumerate(rows, start=first_row):
        if all(cell_text(v) == "" for v in row):
            continue
        raw_id = normalise_id(row[id_at]) if id_at is not None and id_at < len(row) else ""
        if not raw_id:
            problems.append((number, "ID saknas"))
            continue
        answer = row_to_answer(row, plan.key, columns)
        if answer is None:
            problems.append((number, f"ID {raw_id}: {NO_TERM}"))
            continue
        term = f"{answer.period.label.lower()} {answer.year}"
        control = controls.get(answer.control_id)
        if control is None:
            problems.append((number, f"ID {answer.control_id} finns inte i planen"))
        elif not control.due_in(answer.year, answer.period):
            problems.append((number, f"ID {answer.control_id} ska inte följas upp {term}"))
        if not answer.outcome:
            problems.append((number, f"ID {answer.control_id} {term}: bedömning saknas"))
        elif plan.scale.find(answer.outcome) is None:
            message = (
                f"ID {answer.control_id} {term}: bedömningen {answer.outcome!r} finns inte i skalan"
            )
            problems.append((number, message))
        slot = (answer.control_id, answer.year, answer.period.value)
        if slot in seen:
            message = (
                f"ID {answer.control_id} {term} finns redan på rad {seen[slot]} "
                "(det senast besvarade räknas)"
            )
            problems.append((number, message))
        else:
            seen[slot] = number
    return problems
