"""Compiling the status summary: time and peak memory by plan size, and Graph requests.

Run: ``.venv/bin/python bench/status.py`` (``--quick`` for a smoke run).

1. ``compile_status`` over synthetic plans of 100, 1,000 and 10,000 kontrollmoment (five
   nämnder, six områden, sannolikhet/konsekvens set on 90 %) with a realistic mix of
   answers for helår: 70 % answered (65 % ok, 20 % mindre and 8 % större avvikelse and
   4 % ej genomförd, each with an åtgärd, 3 % an unknown label), 10 % of the answered also
   have a superseded earlier answer, and a few answers for controls no longer in the plan.
   Median of several runs; peak memory by tracemalloc in a separate run.
2. Graph requests per status request, cold and warm: the fake Graph over the demo
   workbooks, a GraphSource + PlanBook (journal on a temporary SQLite) compiling the status
   as the chat does for a strategist. Prints; never asserts.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.journal import Journal  # noqa: E402
from bot.model import Action, Answer, Control, Period, Plan, Risk  # noqa: E402
from bot.periods import Term  # noqa: E402
from bot.plans import PlanBook  # noqa: E402
from bot.sql import Database  # noqa: E402
from bot.status import compile_status  # noqa: E402
from graph.excel_graph import GraphSource, graph_client  # noqa: E402
from graph.templates import demo_workbook  # noqa: E402
from tests.fakes.graph_server import FakeGraph, StaticCredential  # noqa: E402

SITE = "kommun.sharepoint.com:/sites/Internkontroll"
TERM = Term(2026, Period.YEAR)
TODAY = date(2027, 2, 1)
SIZES = (100, 1_000, 10_000)
TARGET_MS = 50.0  # for 10,000
NAMNDER = (
    "Kommunstyrelsen",
    "Socialnämnden",
    "Barn- och utbildningsnämnden",
    "Byggnämnden",
    "Kultur- och fritidsnämnden",
)
AREAS = ("Ekonomi", "Personal", "Verksamhet", "Informationssäkerhet", "Upphandling", "Arkiv")
# Per 100 answered: the outcome label (helår: no deferrals, the share goes to ok).
MIX = (
    ("Ingen avvikelse", 65),
    ("Mindre avvikelse", 20),
    ("Större avvikelse", 8),
    ("Ej genomförd", 4),
    ("Okänd bedömning X", 3),
)


def synthetic(size: int) -> tuple[list[Plan], list[Answer]]:
    """Plans (one per 1,000 controls, at least one) and answers for TERM."""
    per_plan = min(size, 1_000)
    plans: list[Plan] = []
    answers: list[Answer] = []
    labels = [label for label, share in MIX for _ in range(share)]
    at = datetime(2027, 1, 5, 8, 0, tzinfo=UTC)
    n = 0
    for p in range(size // per_plan):
        key = f"plan{p:02d}.xlsx"
        controls = []
        for i in range(per_plan):
            risk = Risk(1 + n % 4, 1 + (n // 4) % 4) if n % 10 else Risk()
            controls.append(
                Control(
                    str(i + 1),
                    key,
                    f"Kontrollmoment {n}: att rutinen följs",
                    f"chef{n % 200:03d}@example.com",
                    frozenset({Period.YEAR}) if n % 3 else frozenset(Period),
                    namnd=NAMNDER[n % len(NAMNDER)],
                    area=AREAS[(n // 7) % len(AREAS)],
                    risk=risk,
                    row=i + 2,
                )
            )
            if n % 10 < 7:  # 70 % answered
                label = labels[(n * 37) % len(labels)]
                deviation = label in ("Mindre avvikelse", "Större avvikelse", "Ej genomförd")
                answer = Answer(
                    f"{n:032x}",
                    key,
                    str(i + 1),
                    TERM.year,
                    TERM.period,
                    label,
                    f"chef{n % 200:03d}@example.com",
                    at + timedelta(seconds=n),
                    observations=f"Stickprov på tio ärenden, kontroll {n}.",
                    action=Action("Ny rutin införs.", "ekonomichef@example.com", date(2027, 6, 30))
                    if deviation
                    else None,
                )
                answers.append(answer)
                if n % 10 == 0:  # a superseded earlier answer to the same slot
                    answers.append(
                        Answer(
                            f"old{n:029x}",
                            key,
                            str(i + 1),
                            TERM.year,
                            TERM.period,
                            "Ingen avvikelse",
                            answer.answered_by,
                            answer.answered_at - timedelta(days=3),
                        )
                    )
            n += 1
        plans.append(Plan(key, f"Internkontrollplan {p}", tuple(controls)))
    for k in range(max(1, size // 1000)):  # answers to controls since removed from the plan
        answers.append(
            Answer(
                f"gone{k:028x}",
                plans[0].key,
                f"borttagen-{k}",
                TERM.year,
                TERM.period,
                "Ingen avvikelse",
                "x@example.com",
                at,
            )
        )
    return plans, answers


def measure_compile(size: int, runs: int) -> tuple[float, float, int, int]:
    """Median ms, peak MiB (tracemalloc), due and answered for one size."""
    plans, answers = synthetic(size)
    times = []
    summary = compile_status(plans, answers, TERM, TODAY)
    for _ in range(runs):
        started = time.perf_counter()
        summary = compile_status(plans, answers, TERM, TODAY)
        times.append((time.perf_counter() - started) * 1000)
    tracemalloc.start()
    compile_status(plans, answers, TERM, TODAY)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return statistics.median(times), peak / 2**20, summary.total.due, summary.total.answered


async def status_once(book: PlanBook) -> int:
    """One status compilation as the chat does it for a strategist; the due count."""
    plans = await book.plans()
    keys = [c.key for p in plans for c in p.controls]
    answers, _pending = await book.answers(plans, keys)
    return compile_status(plans, answers, TERM, TODAY).total.due


async def measure_graph() -> tuple[int, int, int, int]:
    folder = Path(tempfile.mkdtemp())
    demo_workbook(folder / "Internkontroll")
    fake = FakeGraph(folder)
    base_url = await fake.start()
    source = GraphSource(
        graph_client(StaticCredential(), base_url),
        site=SITE,
        path="Internkontroll",
        revalidate_after=3600,
    )
    db = Database(folder / "ikbot.sqlite3")
    await db.open()
    try:
        book = PlanBook(source, Journal(db))
        # Finding the site, library and folder happens once per process, not per status.
        await source.location()
        await source.workbooks()
        once = source.requests_sent
        before = source.requests_sent
        due = await status_once(book)
        cold = source.requests_sent - before
        before = source.requests_sent
        await status_once(book)
        warm = source.requests_sent - before
    finally:
        await source.close()
        await db.close()
        await fake.stop()
    return once, cold, warm, due


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    quick = parser.parse_args().quick
    runs = 3 if quick else 15
    print(f"compile_status ({'quick' if quick else 'full'} run, median of {runs} runs)\n")
    print("| kontrollmoment | due | answered | median time | peak memory | target |")
    print("|---:|---:|---:|---:|---:|---|")
    for size in SIZES:
        ms, mib, due, answered = measure_compile(size, runs)
        target = f"≤ {TARGET_MS:.0f} ms" if size == SIZES[-1] else ""
        print(f"| {size:,} | {due:,} | {answered:,} | {ms:.1f} ms | {mib:.2f} MiB | {target} |")
    once, cold, warm, due = asyncio.run(measure_graph())
    print(f"\nGraph requests per status request (2 demo workbooks, {due} due at helår)\n")
    print("| measure | requests | target |\n|---|---:|---|")
    print(f"| once per process: site, library, folder listing | {once} | |")
    print(f"| status, cold cache (one $batch per workbook) | {cold} | ≤ 2 |")
    print(f"| status, warm cache (eTag revalidation aside) | {warm} | 0 |")


if __name__ == "__main__":
    main()
