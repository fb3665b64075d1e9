"""What a new sheet costs in a local workbook: grafted into the package beside the openpyxl
rewrite, as the plan grows.

Run: ``.venv/bin/python bench/graft.py`` (``--quick`` for a smoke run).

Two writes, each on fresh copies of the same seed, graft and rewrite interleaved in this
process, CPU time (``time.process_time``) and wall time, median of ``ROUNDS``:

- the first answer batch (``BATCH_SIZE`` answers) into a plan without an Uppföljning
  sheet: ``graph.xlsx_writer.write_workbook_file`` grafts the Uppföljning and Åtgärder
  sheets into the package; ``rewrite_workbook_file`` loads and saves the whole workbook
  with openpyxl (what it did before);
- a summary sheet ``Sammanställning helår 2026`` written again over the one there (half the
  controls answered): ``graph.xlsx_summary.write_summary_file`` replaces it in the package;
  its fallback loads and saves the whole workbook with openpyxl.

Both build the new sheet with openpyxl; only how it gets into the file differs. Benchmarks
print; nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import gc
import shutil
import statistics
import tempfile
import time
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from _common import PLAN_NAME, TODAY, machine, write_plan

from bot.domain.model import Answer, Period
from bot.domain.periods import Term
from bot.domain.status import compile_status
from bot.writer import BATCH_SIZE
from graph import xlsx_summary, xlsx_writer
from graph.summary_sheet import summary_sheet
from graph.xlsx_reader import read_workbook_file

SIZES = (1000, 10000)
QUICK_SIZES = (200, 1000)
ROUNDS = 3
PLAN_PART = "xl/worksheets/sheet1.xml"  # the plan sheet: a graft must leave it as it was

Timing = tuple[float, float]  # (CPU s, wall s)


def make_answers(count: int, plan_rows: int) -> list[Answer]:
    """Helår 2026 answers to the first ``count`` controls, a third with a deviation."""
    start = datetime(2027, 1, 5, 8, 0, tzinfo=UTC)
    return [
        Answer(
            answer_id=f"{i:032x}",
            plan_key=PLAN_NAME,
            control_id=str(i % plan_rows + 1),
            year=2026,
            period=Period.YEAR,
            outcome="Mindre avvikelse" if i % 3 else "Ingen avvikelse",
            answered_by=f"user{(i % plan_rows) // 10:03d}@example.com",
            answered_at=start + timedelta(seconds=i),
            checked=10 + i % 5,
            deviations=i % 3,
            observations=f"Iakttagelse {i}: stickprov på tio ärenden.",
            analysis="Rutinen är inte känd." if i % 3 else "",
        )
        for i in range(count)
    ]


def timed(write: Callable[[], object]) -> Timing:
    """CPU and wall time of one call (after a collection: the seed's garbage is not its)."""
    gc.collect()
    cpu, wall = time.process_time(), time.perf_counter()
    write()
    return time.process_time() - cpu, time.perf_counter() - wall


def plan_part(path: Path) -> int:
    with zipfile.ZipFile(path) as package:
        return package.getinfo(PLAN_PART).CRC


def compare(
    tmp: Path, seed: Path, writers: dict[str, Callable[[Path], object]]
) -> dict[str, Timing]:
    """Median (CPU, wall) of each writer over ``ROUNDS`` fresh copies of ``seed``."""
    times: dict[str, list[Timing]] = {name: [] for name in writers}
    for round_ in range(ROUNDS):
        for name, write in writers.items():  # interleaved: both see the same machine load
            folder = tmp / f"{name}-{round_}"
            folder.mkdir()
            path = Path(shutil.copy(seed, folder / PLAN_NAME))
            crc = plan_part(path)
            times[name].append(timed(lambda write=write, path=path: write(path)))
            if name == "graft" and plan_part(path) != crc:
                raise SystemExit("graft: the plan sheet changed: the writer fell back")
    return {
        name: (statistics.median(c for c, _ in got), statistics.median(w for _, w in got))
        for name, got in times.items()
    }


def point(tmp: Path, plan_rows: int) -> dict[str, dict[str, Timing]]:
    """Both writes at one plan size."""
    seed = write_plan(tmp / "seed.xlsx", users_count=plan_rows // 10, per_user=10)
    batch = make_answers(BATCH_SIZE, plan_rows)
    first = compare(
        tmp / "first",
        seed,
        {
            "graft": lambda p: xlsx_writer.write_workbook_file(p, PLAN_NAME, batch),
            "rewrite": lambda p: xlsx_writer.rewrite_workbook_file(p, PLAN_NAME, batch),
        },
    )
    answered = tmp / "answered.xlsx"
    shutil.copy(seed, answered)
    xlsx_writer.write_workbook_file(answered, PLAN_NAME, make_answers(plan_rows // 2, plan_rows))
    snapshot = read_workbook_file(answered, PLAN_NAME)
    term = Term(2026, Period.YEAR)
    sheet = summary_sheet(compile_status([snapshot.plan], list(snapshot.answers), term, TODAY))
    xlsx_summary.write_summary_file(answered, PLAN_NAME, sheet)
    summary = compare(
        tmp / "summary",
        answered,
        {
            "graft": lambda p: xlsx_summary.write_summary_file(p, PLAN_NAME, sheet),
            "rewrite": lambda p: xlsx_summary._rewrite(p, PLAN_NAME, sheet),
        },
    )
    return {"first answer batch": first, f"summary ({len(sheet.rows)} rows)": summary}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short smoke run")
    args = parser.parse_args()
    print(f"New sheets in a local workbook, {machine()}; median of {ROUNDS}, CPU / wall:")
    print()
    print("| plan rows | write | graft | openpyxl rewrite | rewrite ÷ graft (CPU) |")
    print("|---:|---|---:|---:|---:|")
    for plan_rows in QUICK_SIZES if args.quick else SIZES:
        with tempfile.TemporaryDirectory(prefix="ikbot-graft-") as name:
            Path(name, "first").mkdir()
            Path(name, "summary").mkdir()
            got = point(Path(name), plan_rows)
        for write, times in got.items():
            (gc, gw), (rc, rw) = times["graft"], times["rewrite"]
            print(
                f"| {plan_rows:,} | {write} | {gc:.2f} s / {gw:.2f} s "
                f"| {rc:.2f} s / {rw:.2f} s | {rc / gc:.0f}× |",
                flush=True,
            )


if __name__ == "__main__":
    main()
