"""Per-turn cost against plan size: 1,000 vs 10,000 plan rows in the same run.

Run: ``.venv/bin/python bench/plansize.py`` (``--quick`` for a smoke run, ``--start-only``
for the third part alone).

Two plans of helår controls, ten per chef (``bench/_common.write_plan``), each with 70 %
of its controls answered in the Uppföljning table; the real app (create_app over
Services.build, writer running) serves each on its own port, in this process.

1. ``mina kontroller`` over HTTP, sequential turns interleaved between the two servers:
   wall time and CPU time of this process per turn (client and server; the client's share is
   the same for both sizes), median and p95, and the ratio 10,000 : 1,000.
2. ``status helår`` by a strategist on the 10,000-row plan beside ``mina kontroller`` on the
   same server, interleaved; the ratio of medians, and the longest event-loop block seen by
   a probe task (it sleeps 2 ms and records how late it wakes) during each kind of turn.
3. Cold start: ``ikbot serve`` (a subprocess) with the 10,000-row plan, from launch to the
   first ``mina kontroller`` answered (``bench/startup.py``'s procedure); and, in this
   process, the first read of that workbook file by today's reader beside a full openpyxl
   load of the same file (the reader before streaming reads).

Prints; never asserts.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from _common import (
    GOOD_ANSWER,
    BenchConnector,
    User,
    execute,
    execute_actions,
    machine,
    message,
    open_data,
    percentile,
    write_plan,
)
from aiohttp import ClientSession, web

from bot.actions import Actions
from bot.app import MESSAGES_PATH, create_app
from bot.domain.identity import User as Person
from bot.domain.model import Action, Answer, Period
from bot.domain.periods import Term
from bot.reports.compile import compile_term
from bot.services import Services
from bot.settings import Settings
from graph.excel_local import LocalSource

SIZES = (1_000, 10_000)
PER_USER = 10
ANSWERED = 0.7
TODAY = datetime(2027, 1, 10).date()  # helår 2026 is open
DUE = datetime(2027, 3, 31).date()
STRATEGIST = User(99_999)
PROBE_S = 0.002


async def answered_plan(folder: Path, rows: int) -> Path:
    """A plan of ``rows`` helår controls with 70 % of them answered in the workbook."""
    plan = write_plan(folder / "plan.xlsx", users_count=rows // PER_USER, per_user=PER_USER)
    at = datetime(2027, 1, 5, 9, 0, tzinfo=UTC)
    answers = [
        Answer(
            f"svar{n:06d}",
            plan.name,
            str(n + 1),
            2026,
            Period.YEAR,
            "Ingen avvikelse" if n % 5 else "Mindre avvikelse",
            User(n // PER_USER).email,
            at + timedelta(seconds=n),
            observations="Stickprov på tio ärenden.",
            # Every deviation has an åtgärd for its chef: "mina åtgärder" has some to list.
            action=None if n % 5 else Action("Rutinen ses över", User(n // PER_USER).email, DUE),
        )
        for n in range(int(rows * ANSWERED))
    ]
    await LocalSource(plan.parent, in_process=True).workbook(plan.name).write_answers(answers)
    return plan


class Probe:
    """A task that sleeps briefly in a loop and records how late it wakes: the longest
    stretch the event loop was kept from running it."""

    def __init__(self) -> None:
        self.worst = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            started = time.perf_counter()
            await asyncio.sleep(PROBE_S)
            self.worst = max(self.worst, time.perf_counter() - started - PROBE_S)

    def start(self) -> None:
        self.worst = 0.0
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> float:
        assert self._task is not None
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        return self.worst * 1000


async def serve(plan: Path, data: Path) -> tuple[web.AppRunner, str, Services]:
    settings = Settings(
        workbook=plan, data_dir=data, today=TODAY, strategists=frozenset({STRATEGIST.email})
    )
    services = Services.build(settings)
    app = create_app(settings, services=services)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}{MESSAGES_PATH}", services


async def cpu_ms(work: Awaitable[Any]) -> float:
    """CPU time of this process while ``work`` runs (the event loop is otherwise idle)."""
    started = time.process_time()
    await work
    return (time.process_time() - started) * 1000


async def full_status(services: Services) -> None:
    """The baseline: the strategist's status compiled from every answer (``compile_term``:
    the workbooks' rows and the journal read, every control compiled), as every status
    right after a new answer was before it was kept live."""
    plans = await services.plans.plans()
    updates = await services.actions.latest([p.key for p in plans])
    await compile_term(services.plans, plans, Term(2026, Period.YEAR), TODAY, updates=updates)


def chef_of(user: User) -> Person:
    return Person(user.id, user.email, user.name, False)


Turn = Callable[[str, str, User], Awaitable[tuple[float, float]]]


def _row(name: str, values: list[float], base: float | None = None) -> str:
    median = statistics.median(values)
    ratio = f"{median / base:.2f}×" if base else "1.00×"
    return f"| {name} | {median:.2f} | {percentile(values, 0.95):.2f} | {ratio} |"


async def measure_turns(quick: bool, freeze: bool = False) -> None:
    turns = 10 if quick else 60
    folder = Path(tempfile.mkdtemp(prefix="ikbot-plansize-"))
    plans = {size: await answered_plan(folder / str(size), size) for size in SIZES}
    chefs = [User(n) for n in range(max(SIZES) // PER_USER)]
    connector = BenchConnector([*chefs, STRATEGIST])
    service_url = await connector.start()
    runners: list[web.AppRunner] = []
    urls: dict[int, str] = {}
    services: dict[int, Services] = {}
    for size, plan in plans.items():
        runner, url, services[size] = await serve(plan, folder / f"var-{size}")
        runners.append(runner)
        urls[size] = url
    probe = Probe()
    try:
        async with ClientSession() as session:

            async def turn(url: str, text: str, user: User) -> tuple[float, float]:
                wall, cpu = time.perf_counter(), time.process_time()
                async with session.post(url, json=message(text, user, service_url)) as reply:
                    await reply.read()
                    if reply.status not in (200, 202):
                        raise SystemExit(f"{text!r} got HTTP {reply.status}")
                return (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000

            for n in range(3):  # warm: member lookups cached, plans read, imports done
                for size in SIZES:
                    await turn(urls[size], "mina kontroller", chefs[n])
                await turn(urls[max(SIZES)], "status helår", STRATEGIST)
            if freeze:  # the plans and snapshots read so far leave the collector's view
                gc.freeze()

            wall: dict[int, list[float]] = {s: [] for s in SIZES}
            cpu: dict[int, list[float]] = {s: [] for s in SIZES}
            for n in range(turns):
                for size in SIZES:
                    w, c = await turn(urls[size], "mina kontroller", chefs[(n * 7) % (size // 10)])
                    wall[size].append(w)
                    cpu[size].append(c)

            big = urls[max(SIZES)]

            async def answer(user: User, n: int) -> None:
                """Open and save one of the user's controls (untimed): a new journal entry."""
                opened = execute(open_data(user, n), user, service_url)
                async with session.post(big, json=opened) as reply:
                    card = json.loads(await reply.read())
                submit = [d for d in execute_actions(card) if d.get("verb") == "submit"]
                if not submit:
                    raise SystemExit("open did not return an answer card")
                saved = execute({**submit[0], **GOOD_ANSWER}, user, service_url)
                async with session.post(big, json=saved) as reply:
                    await reply.read()

            kinds = (
                "mina kontroller",
                "status helår",
                "status helår after a new answer",
                "mina åtgärder",
                "mina åtgärder after a new answer",
            )
            timed: dict[str, list[tuple[float, float]]] = {k: [] for k in kinds}
            lags: dict[str, list[float]] = {k: [] for k in kinds}
            # Baselines in the same rounds, in this process without HTTP: the work the live
            # status and the åtgärder index replace, right after a new answer.
            bot = services[max(SIZES)]
            scan = Actions(bot.plans, bot.actions, bot.clock)  # no journal: every control
            baseline: dict[str, list[float]] = {"status": [], "åtgärder": []}
            for n in range(max(turns // 3, 5)):
                chef = chefs[n * 11 % len(chefs)]
                for kind in kinds:
                    if kind.endswith("after a new answer"):
                        await answer(chef, n + (kind == kinds[4]))
                    probe.start()
                    text = kind.removesuffix(" after a new answer")
                    who = STRATEGIST if text == "status helår" else chef
                    timed[kind].append(await turn(big, text, who))
                    lags[kind].append(await probe.stop())
                    # After the turn (the new answer still the newest change), and its
                    # garbage collected untimed, so that it burdens no measured turn.
                    if kind == kinds[2]:
                        baseline["status"].append(await cpu_ms(full_status(bot)))
                        gc.collect()
                    elif kind == kinds[4]:
                        baseline["åtgärder"].append(await cpu_ms(scan.mine(chef_of(chef))))
                        gc.collect()
    finally:
        for runner in runners:
            await runner.cleanup()
        await connector.stop()

    small, large = SIZES
    print(f"\n1. `mina kontroller` over HTTP, {turns} sequential turns per size, interleaved\n")
    print("| plan rows | measure | median ms | p95 ms | ratio to 1,000 |")
    print("|---|---|---:|---:|---:|")
    for size in SIZES:
        base_w = statistics.median(wall[small]) if size != small else None
        base_c = statistics.median(cpu[small]) if size != small else None
        print(_row(f"{size:,} | wall", wall[size], base_w))
        print(_row(f"{size:,} | CPU", cpu[size], base_c))
    rounds = len(timed["mina kontroller"])
    print(
        f"\n2. {large:,} rows: `status helår` (strategist, every control) beside "
        f'`mina kontroller`, {rounds} turns each, interleaved; "after a new answer": right '
        "after a chef saved an answer (the journal changed)\n"
    )
    print("| turn | wall median ms | CPU median ms | ratio of CPU medians | longest loop block |")
    print("|---|---:|---:|---:|---:|")
    base = statistics.median(c for _, c in timed["mina kontroller"])
    for name, values in timed.items():
        w = statistics.median(v for v, _ in values)
        c = statistics.median(v for _, v in values)
        print(f"| {name} | {w:.1f} | {c:.1f} | {c / base:.2f}× | {max(lags[name]):.1f} ms |")
    print(
        "\nBaselines in the same rounds (CPU, in-process, no HTTP), right after a new answer: "
        "what each such turn did before\n"
    )
    print("| work | CPU median ms | ÷ `mina kontroller` turn |\n|---|---:|---:|")
    for name, what in (
        ("status", "`status helår` compiled in full (`compile_term`)"),
        ("åtgärder", "`mina åtgärder` scanning every control"),
    ):
        c = statistics.median(baseline[name])
        print(f"| {what} | {c:.1f} | {c / base:.2f}× |")


async def measure_start(quick: bool) -> None:
    from startup import floor, one_start

    from graph import xlsx_reader

    starts = 1 if quick else 3
    connector = BenchConnector([User(0)])
    service_url = await connector.start()
    try:
        with tempfile.TemporaryDirectory(prefix="ikbot-plansize-start-") as name:
            tmp = Path(name)
            plan = await answered_plan(tmp / "plans", max(SIZES))
            results = [
                await one_start(tmp, plan, run, connector, service_url, 0) for run in range(starts)
            ]
            floors = [(await floor())[0] for _ in range(starts)]
            reads: dict[str, list[float]] = {"today's reader": [], "full openpyxl load": []}
            parses: dict[str, list[float]] = {"scan": [], "lxml": []}
            for _ in range(starts):
                for way, seconds in sheet_parses(plan).items():
                    parses[way].append(seconds)
                started = time.process_time()
                xlsx_reader.read_workbook_file(plan, plan.name)
                reads["today's reader"].append(time.process_time() - started)
                started = time.process_time()
                full_read(plan)
                reads["full openpyxl load"].append(time.process_time() - started)
    finally:
        await connector.stop()
    ready = [r["ready_s"] * 1000 for r in results]
    print(f"\n3. Start-up with a {max(SIZES):,}-row plan ({starts} cold start(s))\n")
    print("| measure | median |\n|---|---:|")
    first = statistics.median(ready)
    print(f"| `ikbot serve` launch → first `mina kontroller` answered | {first:.0f} ms |")
    own = statistics.median(r["cpu_s"] for r in results) * 1000
    child = statistics.median(r["children_cpu_s"] for r in results) * 1000
    print(
        f"| of which CPU: the bot process / the child that read the plan meanwhile "
        f"(`graph/read_ahead.py`) | {own:.0f} / {child:.0f} ms |"
    )
    bare = statistics.median(floors) * 1000
    print(f"| floor: bare python importing the SDK, aiohttp, openpyxl and more | {bare:.0f} ms |")
    for what, values in reads.items():
        ms = statistics.median(values) * 1000
        print(f"| first read of the workbook file, {what} (CPU) | {ms:.0f} ms |")
    scan, loop = (statistics.median(parses[way]) * 1000 for way in ("scan", "lxml"))
    print(
        f"| of which parsing the plan and answers sheets: the cells scanned "
        f"(`graph/xlsx_scan.py`) / lxml's row loop, in the same run (CPU) | "
        f"{scan:.0f} / {loop:.0f} ms = {scan / loop:.2f}× |"
    )


def sheet_parses(path: Path) -> dict[str, float]:
    """CPU seconds to parse the plan and answers sheets: as the reader does (their cells
    scanned by one regular expression) and with lxml's row loop alone (as before)."""
    from graph import layout
    from graph.xlsx_stream import StreamBook

    book = StreamBook(path)
    wanted = {layout.PLAN_SHEET, layout.ANSWER_SHEET}
    parts = [(t, p, book._package.part(p)) for t, p in book.sheets if t in wanted]
    found = {}
    for way in ("scan", "lxml"):
        gc.collect()
        started = time.process_time()
        for title, part, xml in parts:
            if way == "scan":
                book._read(title, part, xml)
            else:
                book._parse(title, part, xml, None)
        found[way] = time.process_time() - started
    return found


def full_read(path: Path) -> Any:
    """The reader before streaming reads: openpyxl loads the whole workbook, then the plan and
    the answers are read from it."""
    from graph import xlsx_reader

    wb = xlsx_reader.load_xlsx(path, path.name, data_only=True)
    return xlsx_reader.read_loaded(wb, path.name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short smoke run")
    parser.add_argument("--skip-start", action="store_true", help="leave out the cold start")
    parser.add_argument("--start-only", action="store_true", help="only the cold start (3.)")
    parser.add_argument(
        "--freeze", action="store_true", help="gc.freeze() after the warm-up turns (a comparison)"
    )
    args = parser.parse_args()
    print(f"Plan size ({'quick smoke run' if args.quick else 'full run'}; {machine()})")
    if not args.start_only:
        asyncio.run(measure_turns(args.quick, args.freeze))
    if not args.skip_start:
        asyncio.run(measure_start(args.quick))


if __name__ == "__main__":
    main()
