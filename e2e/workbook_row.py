"""Wait until an answer's row is in a workbook file, and print the row as JSON.

Reads the .xlsx with the project's own reader (the one `ikbot check-workbook` and the bot
use), so the end-to-end run checks what Excel will show, not what the chat said.

Usage (from the repository root):
    python -m e2e.workbook_row WORKBOOK CONTROL_ID YEAR PERIOD [--timeout SECONDS]
PERIOD is "helår", "delår 1" or "delår 2". Exit 0 with the row on stdout, 1 on timeout.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from bot.domain.model import Answer, Period
from bot.domain.periods import parse_periods
from graph.protocol import WorkbookError
from graph.xlsx_reader import read_workbook_file

POLL_SECONDS = 0.25


def find_row(path: Path, control_id: str, year: int, period: Period) -> Answer | None:
    """The answer for (control, year, period) in the workbook's answer sheet, if any."""
    snapshot = read_workbook_file(path, path.name)
    for answer in snapshot.answers:
        if (answer.control_id, answer.year, answer.period) == (control_id, year, period):
            return answer
    return None


def as_json(answer: Answer) -> dict[str, object]:
    """The row's values as JSON."""
    action = answer.action
    return {
        "answer_id": answer.answer_id,
        "control_id": answer.control_id,
        "year": answer.year,
        "period": answer.period.label,
        "outcome": answer.outcome,
        "answered_by": answer.answered_by,
        "checked": answer.checked,
        "deviations": answer.deviations,
        "observations": answer.observations,
        "analysis": answer.analysis,
        "action_text": action.text if action else "",
        "action_owner": action.owner if action else "",
        "action_due": action.due.isoformat() if action and action.due else "",
        "evidence": list(answer.evidence),
    }


def main(argv: Sequence[str]) -> int:
    """Poll the workbook until the row is there or the time is up."""
    parser = argparse.ArgumentParser(prog="workbook_row")
    parser.add_argument("workbook", type=Path)
    parser.add_argument("control")
    parser.add_argument("year", type=int)
    parser.add_argument("period")
    parser.add_argument("--timeout", type=float, default=60.0)
    args = parser.parse_args(argv)
    periods = parse_periods(args.period) if args.period.strip() else None
    if periods is None or len(periods) != 1:
        print(
            f'Okänd period {args.period!r}; ange "helår", "delår 1" eller "delår 2".',
            file=sys.stderr,
        )
        return 2
    [period] = periods
    deadline = time.monotonic() + args.timeout
    last_error = ""
    while True:
        try:
            found = find_row(args.workbook, args.control, args.year, period)
        except WorkbookError as error:  # e.g. read while the writer replaces the file
            found, last_error = None, str(error)
        if found is not None:
            print(json.dumps(as_json(found), ensure_ascii=False))
            return 0
        if time.monotonic() > deadline:
            where = f"{args.workbook} ({args.control}, {args.year}, {args.period})"
            detail = f" Senaste fel: {last_error}" if last_error else ""
            print(f"Raden kom inte in i {where} inom {args.timeout:g} s.{detail}", file=sys.stderr)
            return 1
        time.sleep(POLL_SECONDS)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
