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
   as the chat does for a strategist.
3. The chat round trip: the real app (create_app over Services.build, writer running) on a
   plan of 1,000 helår controls for 100 chefer with 700 answers in the workbook; a
   strategist's typed "status helår" beside a chef's "mina kontroller" (the baseline),
   sequential and interleaved, timed from POST to the end of the HTTP response (the reply
   has reached the connector by then).
4. Writing the summary sheet: into the 1,000-control workbook (local, openpyxl in the
   writer process), and Graph round trips for each demo workbook through the fake Graph.
Prints; never asserts.
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

from _common import (  # noqa: E402
    BenchConnector,
    User,
    demo_on_fake_graph,
    message,
    percentile,
    write_plan,
)
from aiohttp import ClientSession, web  # noqa: E402

from bot.app import MESSAGES_PATH, create_app  # noqa: E402
from bot.domain.model import Action, Answer, Control, Period, Plan, Risk  # noqa: E402
from bot.domain.periods import Term  # noqa: E402
from bot.domain.status import compile_status  # noqa: E402
from bot.plans import PlanBook  # noqa: E402
from bot.reports.compile import compile_term  # noqa: E402
from bot.services import Services  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.store.database import Database  # noqa: E402
from bot.store.journal import Journal  # noqa: E402
from graph.excel_local import LocalSource  # noqa: E402

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
    compiled = await compile_term(book, await book.plans(), TERM, TODAY)
    return compiled.summary.total.due


async def measure_graph() -> tuple[int, int, int, int, list[tuple[str, int, int]]]:
    """Requests: once per process, a cold and a warm status, the due count; and per demo
    workbook (name, requests for the first summary write, requests to replace it)."""
    folder, fake, source = await demo_on_fake_graph()
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
        writes = []
        for plan in await book.plans():
            compiled = await compile_term(book, [plan], TERM, TODAY)
            workbook = source.workbook(plan.key)
            counts = []
            for _ in range(2):
                before = source.requests_sent
                await workbook.write_summary(compiled.summary)
                counts.append(source.requests_sent - before)
            writes.append((workbook.name, counts[0], counts[1]))
    finally:
        await source.close()
        await db.close()
        await fake.stop()
    return once, cold, warm, due, writes


# --- 3. the chat round trip --------------------------------------------------------------

CHEFER = 100
ANSWERED = 700  # of the 1,000 controls
STRATEGIST = User(999)
ROUND_TRIP_TARGET = 1.5  # status at most 1.5 × a "mina kontroller" turn


async def answered_plan(folder: Path) -> Path:
    """The 1,000-control plan with ANSWERED answers already in its Uppföljning table."""
    plan = write_plan(folder / "plan.xlsx", users_count=CHEFER)
    labels = [label for label, share in MIX[:4] for _ in range(share)]
    at = datetime(2027, 1, 5, 9, 0, tzinfo=UTC)
    answers = [
        Answer(
            f"svar{n:05d}",
            plan.name,
            str(n + 1),
            TERM.year,
            TERM.period,
            labels[n % len(labels)],
            User(n // 10).email,
            at + timedelta(minutes=n),
            observations="Stickprov på tio ärenden." if n % 3 else "",
            action=Action("Rutinen ses över", User(n // 10).email, date(2027, 6, 30))
            if labels[n % len(labels)] != "Ingen avvikelse"
            else None,
        )
        for n in range(ANSWERED)
    ]
    await LocalSource(plan.parent, in_process=True).workbook(plan.name).write_answers(answers)
    return plan


async def measure_round_trip(turns: int) -> dict[str, list[float]]:
    """Sequential, interleaved round trips of both turns; latencies in ms by turn."""
    folder = Path(tempfile.mkdtemp())
    plan = await answered_plan(folder)
    chefs = [User(n) for n in range(CHEFER)]
    connector = BenchConnector([*chefs, STRATEGIST])
    service_url = await connector.start()
    settings = Settings(
        workbook=plan,
        data_dir=folder / "var",
        today=TODAY,
        strategists=frozenset({STRATEGIST.email}),
    )
    app = create_app(settings, services=Services.build(settings))
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}{MESSAGES_PATH}"
    timings: dict[str, list[float]] = {"mina kontroller": [], "status helår": []}
    try:
        async with ClientSession() as session:

            async def turn(text: str, user: User) -> float:
                started = time.perf_counter()
                async with session.post(url, json=message(text, user, service_url)) as reply:
                    await reply.read()
                    if reply.status not in (200, 202):
                        raise SystemExit(f"{text!r} got HTTP {reply.status}")
                return (time.perf_counter() - started) * 1000

            for n in range(3):  # warm: member lookups cached, plan read, imports done
                await turn("mina kontroller", chefs[n])
                await turn("status helår", STRATEGIST)
            for n in range(turns):
                timings["mina kontroller"].append(await turn("mina kontroller", chefs[n % 90]))
                timings["status helår"].append(await turn("status helår", STRATEGIST))
        reply = connector.last_reply(STRATEGIST.conversation) or {}
        size = len(str(reply.get("attachments", [{}])[0].get("content", "")).encode())
        timings["status card bytes"] = [float(size)]
    finally:
        await runner.cleanup()
        await connector.stop()
    return timings


# --- 4. writing the summary sheet -------------------------------------------------------------


async def measure_local_write(runs: int) -> tuple[float, int]:
    """Median ms to write the summary sheet into the 1,000-control workbook; its rows."""
    folder = Path(tempfile.mkdtemp())
    plan = await answered_plan(folder)
    source = LocalSource(plan.parent)  # the writer process, as in production
    book = source.workbook(plan.name)
    summary = compile_status([await book.read_plan()], await book.read_answers(), TERM, TODAY)
    await book.write_summary(summary)  # starts the writer process
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        await book.write_summary(summary)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), summary.total.due


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
    once, cold, warm, due, writes = asyncio.run(measure_graph())
    print(f"\nGraph requests per status request (2 demo workbooks, {due} due at helår)\n")
    print("| measure | requests | target |\n|---|---:|---|")
    print(f"| once per process: site, library, folder listing | {once} | |")
    print(f"| status, cold cache (one $batch per workbook) | {cold} | ≤ 2 |")
    print(f"| status, warm cache (eTag revalidation aside) | {warm} | 0 |")

    turns = 5 if quick else 40
    timings = asyncio.run(measure_round_trip(turns))
    size = int(timings.pop("status card bytes")[0])
    print(
        f"\nChat round trip, 1,000 controls / {ANSWERED} answered, {turns} sequential turns "
        f"each, interleaved (status card {size:,} bytes)\n"
    )
    print("| turn | median | p95 | ratio of medians | target |\n|---|---:|---:|---:|---|")
    base = statistics.median(timings["mina kontroller"])
    for name, values in timings.items():
        ratio = statistics.median(values) / base
        target = f"≤ {ROUND_TRIP_TARGET}×" if name != "mina kontroller" else "baseline"
        print(
            f"| {name} | {statistics.median(values):.1f} ms | {percentile(values, 0.95):.1f} ms "
            f"| {ratio:.2f}× | {target} |"
        )

    ms, due = asyncio.run(measure_local_write(3 if quick else 7))
    print("\nWriting the summary sheet\n\n| backend | workbook | cost |\n|---|---|---:|")
    print(f"| local (writer process) | 1,000 controls, {due} due | {ms:.0f} ms |")
    for name, first, again in writes:
        print(f"| Graph | {name} | {first} requests first, {again} to replace |")


if __name__ == "__main__":
    main()
