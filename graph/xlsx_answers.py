"""The answers table patched inside the .xlsx package: one batch, upserted by (ID, År, Period).

``graph.xlsx_writer.write_workbook_file`` opens the answers sheet with
``graph.xlsx_patch.TablePatch`` and hands it here; the rules are the openpyxl path's
(``graph.answer_rows``), so both write the same rows. The rows' keys are read three cells a
row, and kept with the sheet for the next batch into the same file.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.domain.model import Answer, Period
from graph import answer_rows, layout
from graph.protocol import WriteResult
from graph.xlsx_patch import TablePatch

Stamp = tuple[int, int]  # as graph.xlsx_reader.Stamp: (mtime_ns, size)
FORMATS = {"Besvarad": layout.DATETIME_FORMAT, "Klart senast": layout.DATE_FORMAT}


@dataclass(frozen=True, slots=True)
class Written:
    """What one batch did, and enough for the caller to refresh its cache without a read.

    It carries no plan: the batch may run in another process, and the caller already holds
    the plan of the file as it was (``before``); only the answers table changed.
    """

    result: WriteResult
    before: Stamp
    after: Stamp
    answers: tuple[Answer, ...] | None  # the answers table now; None: see ``edits``
    # A patch reads only the rows it changes: (True: it replaced the first row of its
    # slot, False: a new row at the end; the answer as the row now reads).
    edits: tuple[tuple[bool, Answer], ...] = ()

    def answers_after(self, before: Sequence[Answer]) -> tuple[Answer, ...] | None:
        """The answers table now, given the one the file had at ``before``; None when
        those do not fit the edits (then read the file again)."""
        if self.answers is not None:
            return self.answers
        now = list(before)
        first: dict[tuple[str, int, Period], int] = {}
        for position, answer in enumerate(now):
            first.setdefault(answer.slot, position)
        for replaced, answer in self.edits:
            if replaced and answer.slot not in first:
                return None
            if replaced:
                now[first[answer.slot]] = answer
            else:
                now.append(answer)
        return tuple(now)


def header_index(rows: list[list[object]]) -> int | None:
    """Which of these first rows of a sheet without a table is the answers header."""
    return next(
        (i for i, row in enumerate(rows) if layout.is_answer_header(layout.answer_columns(row))),
        None,
    )


def patch_answers(
    patch: TablePatch,
    key: str,
    answers: list[Answer],
    before: Stamp,
    replace: Callable[[Callable[[str], None]], Stamp],
) -> Written:
    """Upsert a batch into the opened answers table; ``replace`` has the prepared package
    written beside the workbook and put in its place, and returns the new stamp."""
    columns = layout.answer_columns(patch.header)
    wanted = list(layout.ANSWER_HEADERS)
    if any(a.continuation for a in answers):  # the optional column, added when first needed
        wanted.append(layout.CONTINUATION_HEADER)
    missing = [h for h in wanted if h not in columns]
    added = patch.add_columns(missing, list(columns.values()))
    columns.update(zip(missing, added, strict=True))
    slots, first_free = _row_slots(patch, columns)
    upsert = answer_rows.decide_upsert(
        slots,
        first_free,
        lambda index: answer_rows.row_to_answer(patch.row(index), key, columns),
        answers,
    )
    if not patch.changed and upsert.result.added == upsert.result.updated == 0:
        patch.memo["rows"] = (_signature(patch, columns), slots, first_free)
        patch.keep(before)
        return Written(upsert.result, before, before, None)  # a retried batch: file untouched
    formats = {columns[h]: f for h, f in FORMATS.items()}
    edits: list[tuple[bool, Answer]] = []
    placed = [*upsert.updates, *enumerate(upsert.appends, start=upsert.first_free)]
    for index, answer in placed:
        values = answer_rows.answer_values(answer)
        # An optional column the sheet does not have waits (as on the openpyxl path).
        cells = {columns[h]: v for h, v in values.items() if h in columns}
        patch.put_row(index, cells, formats)
        now = answer_rows.row_to_answer(patch.row(index), key, columns)
        assert now is not None, "a row the bot wrote has its ID, År and Period"
        edits.append((index < upsert.first_free, now))
        slots.extend([None] * (index + 1 - len(slots)))
        slots[index] = now.slot
    after = replace(patch.prepare())
    first_free = max(first_free, upsert.first_free + len(upsert.appends))
    patch.memo["rows"] = (_signature(patch, columns), slots, first_free)
    patch.keep(after)
    return Written(upsert.result, before, after, None, tuple(edits))


def _signature(patch: TablePatch, columns: layout.AnswerColumns) -> tuple[object, ...]:
    return (patch.header_row, tuple(columns.items()), columns.year, columns.period)


def _row_slots(
    patch: TablePatch, columns: layout.AnswerColumns
) -> tuple[list[answer_rows.Slot | None], int]:
    """Each data row's (ID, År, Period), and the index after the last non-empty row: from
    the previous batch when the sheet is the one it wrote, else read (three cells a row)."""
    kept = patch.memo.get("rows")
    if isinstance(kept, tuple) and kept[0] == _signature(patch, columns):
        return kept[1], kept[2]
    keys = [columns[h] for h in ("ID", "År", "Period") if h in columns]
    slots = [answer_rows.row_slot(values, columns) for values in patch.key_cells(keys)]
    return slots, patch.first_free()
