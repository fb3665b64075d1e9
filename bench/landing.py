"""Answers per second landed in a local workbook by the writer, beside a naive writer,
and what one batch costs as the workbook grows: the patch beside the openpyxl rewrite.

Run: ``.venv/bin/python bench/landing.py`` (``--quick`` for a smoke run).

The cost curve: for each size (plan rows × answer rows already in Uppföljning) one copy of
the workbook is written by ``graph.xlsx_writer.write_workbook_file`` (the patch) and one by
its openpyxl rewrite (``rewrite_workbook_file``, what every batch did before), the same
batches of ``BATCH_SIZE`` answers (half updates of rows there, half new rows) in turn, in
this process: CPU time (``time.process_time``) and wall time per batch. The patch's first batch
indexes the answers sheet's rows (``graph.xlsx_splice``) and reads every row's keys; the
next ones find the sheet and the keys kept from the batch before (as the writer process
does while the file is unchanged), so they are shown apart.

A 1,000-row plan; N answers are journalled (N × 0.9 distinct (control, year, period) slots,
the last N × 0.1 answer slots again: updates of rows an earlier batch wrote), then
``services.writer.drain()`` is timed until nothing is pending. The named baseline, in the
same run: a naive writer that loads and saves the workbook once per answer
(``LocalWorkbook.write_answers`` with a one-answer batch) over a smaller sample on a fresh
copy of the plan. Benchmarks print; nothing here asserts a timing.

The burst: the real app (``create_app``, its writer running as in production) over a
workbook of 10,000 plan rows and 10,000 answer rows (of earlier years; helår 2026 is open),
100 users who each open a control of theirs and then all submit at once, three bursts one
after another (the first after start-up parses the answers sheet). For each answer: from
its acknowledgment (the receipt's HTTP response) to the end of the write that put its row
in the file (the atomic replace done); at the end the rows in the file are counted.
``--burst`` runs only this part, ``--curve`` only the cost per batch.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from _common import (
    GOOD_ANSWER,
    PLAN_NAME,
    TODAY,
    YEAR,
    BenchConnector,
    TimedSource,
    User,
    Write,
    card_text,
    execute,
    execute_actions,
    machine,
    open_data,
    percentile,
    users,
    write_plan,
)
from aiohttp import ClientSession, ClientTimeout, TCPConnector, web
from openpyxl import load_workbook

from bot.app import MESSAGES_PATH, create_app
from bot.domain.model import Answer, Period
from bot.services import Services
from bot.settings import Settings
from bot.writer import BATCH_SIZE, LINGER
from graph import xlsx_writer
from graph.excel_local import LocalSource, LocalWorkbook

TARGET = 200.0  # answers/s landed
PLAN_ROWS = 1000
DRAIN_LIMIT_S = 240.0


def make_answers(count: int, plan_rows: int = PLAN_ROWS) -> list[Answer]:
    """count answers: 90 % distinct slots (helår 2026, then 2025 …), then 10 % repeats."""
    repeats = count // 10
    distinct = count - repeats
    start = datetime(2027, 1, 5, 8, 0, tzinfo=UTC)
    answers: list[Answer] = []
    for i in range(count):
        slot = i if i < distinct else i - distinct  # a repeat answers an early slot again
        answers.append(
            Answer(
                answer_id=f"{i:032x}",
                plan_key=PLAN_NAME,
                control_id=str(slot % plan_rows + 1),
                year=2026 - slot // plan_rows,
                period=Period.YEAR,
                outcome="Mindre avvikelse" if i % 3 else "Ingen avvikelse",
                answered_by=f"user{(slot % plan_rows) // 10:03d}@example.com",
                answered_at=start + timedelta(seconds=i),
                checked=10 + i % 5,
                deviations=i % 3,
                observations=f"Iakttagelse {i}: stickprov på tio ärenden.",
                analysis="Rutinen är inte känd." if i % 3 else "",
            )
        )
    return answers


def answer_rows(path: Path) -> int:
    """The number of answer rows in the Uppföljning sheet."""
    book = load_workbook(path, read_only=True)
    try:
        if "Uppföljning" not in book.sheetnames:
            return 0
        rows = book["Uppföljning"].iter_rows(min_row=2, values_only=True)
        return sum(1 for r in rows if any(v is not None for v in r))
    finally:
        book.close()


def load_and_save(path: Path, copy: Path) -> tuple[float, float]:
    """Seconds to load the workbook as the writer does, and to save it."""
    started = time.perf_counter()
    book = load_workbook(path, data_only=False)
    loaded = time.perf_counter()
    book.save(copy)
    return loaded - started, time.perf_counter() - loaded


async def batched(tmp: Path, count: int) -> tuple[float, float, list[Write], int]:
    """Journal count answers, then time the writer's drain. Returns (append s, drain s, …)."""
    plan = write_plan(tmp / "batched" / PLAN_NAME)
    settings = Settings(workbook=plan, data_dir=tmp / "var", today=TODAY)
    source = TimedSource(LocalSource(plan))
    services = Services.build(settings, source=source)
    await services.db.open()  # the writer task is not started: drain() is called here
    try:
        answers = make_answers(count)
        started = time.perf_counter()
        for answer in answers:
            if not await services.journal.append(answer):
                raise SystemExit(f"answer {answer.answer_id} was not journalled")
        appended = time.perf_counter() - started

        started = time.perf_counter()
        while time.perf_counter() - started < DRAIN_LIMIT_S:
            wait = await services.writer.drain()
            if wait is None and not await services.journal.count_pending():
                break
            if wait is not None:
                state = await services.journal.writer_state(PLAN_NAME)
                raise SystemExit(f"a write failed: {state.last_error if state else '?'}")
        drained = time.perf_counter() - started
        left = await services.journal.count_pending()
    finally:
        await services.db.close()
    if left:
        raise SystemExit(f"{left} answers still pending after {DRAIN_LIMIT_S:.0f} s")
    return appended, drained, source.writes, answer_rows(plan)


async def naive(tmp: Path, count: int) -> float:
    """Seconds to write count answers one load + save at a time."""
    plan = write_plan(tmp / "naive" / PLAN_NAME)
    workbook = LocalWorkbook(plan, PLAN_NAME)
    started = time.perf_counter()
    for answer in make_answers(count * 10 // 9 + 1)[:count]:  # distinct slots only
        await workbook.write_answers([answer])
    return time.perf_counter() - started


async def measure(quick: bool) -> None:
    count, naive_count = (300, 10) if quick else (2000, 50)
    with tempfile.TemporaryDirectory(prefix="ikbot-landing-") as name:
        tmp = Path(name)
        appended, drained, writes, rows = await batched(tmp, count)
        load_s, save_s = await asyncio.to_thread(
            load_and_save, tmp / "batched" / PLAN_NAME, tmp / "copy.xlsx"
        )
        naive_s = await naive(tmp, naive_count)

    rate = count / drained
    naive_rate = naive_count / naive_s
    added = sum(w.result.added for w in writes)
    updated = sum(w.result.updated for w in writes)
    unchanged = sum(w.result.unchanged for w in writes)
    per_batch = [w.seconds * 1000 for w in writes]
    print(f"Landing ({'quick smoke run' if quick else 'full run'}; {machine()})")
    print(
        f"{PLAN_ROWS}-row plan; {count} answers journalled "
        f"({count - count // 10} distinct slots + {count // 10} repeats), "
        f"writer batch size {BATCH_SIZE}."
    )
    print()
    print("| measure | value |")
    print("|---|---|")
    print(
        f"| journal append (1 answer per fsync'ed transaction) | {count / appended:.0f} answers/s |"
    )
    print(
        f"| landed by the writer (drain until nothing pending) | **{rate:.0f} answers/s** "
        f"({count} in {drained:.2f} s; target ≥ {TARGET:.0f}: "
        f"{'ok' if rate >= TARGET else 'MISS'}) |"
    )
    print(
        f"| batches | {len(writes)} ({added} rows added, {updated} updated, "
        f"{unchanged} superseded/unchanged; {rows} rows in Uppföljning) |"
    )
    print(
        f"| time per batch (load + upsert + save) | mean {statistics.mean(per_batch):.0f} ms, "
        f"min {min(per_batch):.0f} ms, max {max(per_batch):.0f} ms |"
    )
    print(
        f"| of which openpyxl load / save of the final workbook | {load_s * 1000:.0f} ms / "
        f"{save_s * 1000:.0f} ms |"
    )
    print(
        f"| baseline: naive writer, 1 load + save per answer ({naive_count} answers) | "
        f"{naive_rate:.1f} answers/s ({naive_s / naive_count * 1000:.0f} ms per answer) |"
    )
    print(f"| batched / naive | {rate / naive_rate:.0f}× |")


CURVE = ((1000, 1000), (10000, 1000), (10000, 10000))
QUICK_CURVE = ((200, 200), (1000, 1000))
ROUNDS = 3


def curve_batch(plan_rows: int, answer_rows: int, round_: int) -> list[Answer]:
    """BATCH_SIZE answers: half update rows already there, half are new slots."""
    half = BATCH_SIZE // 2
    later = datetime(2027, 2, 1, tzinfo=UTC) + timedelta(hours=round_)
    # make_answers keeps its last tenth for repeats: ask for enough that every new slot
    # is new (at 10,000 × 10,000 the "new" half had been repeats, i.e. updates).
    fresh = make_answers((answer_rows + BATCH_SIZE * (round_ + 1)) * 10 // 9 + 1, plan_rows)
    news = fresh[answer_rows + half * round_ : answer_rows + half * (round_ + 1)]
    olds = [
        replace(a, answer_id=f"r{round_}-{a.answer_id}", answered_at=later, outcome="Ej genomförd")
        for a in fresh[round_ * half : (round_ + 1) * half]
    ]
    return olds + news


def cost_point(tmp: Path, plan_rows: int, answer_rows: int) -> dict[str, tuple[float, float]]:
    """(CPU s, wall s) of one batch: the patch's first (the sheet parsed), the median of its
    next ones (the sheet kept from the batch before), and the rewrite's median."""
    seed = tmp / f"seed-{plan_rows}-{answer_rows}.xlsx"
    write_plan(seed, users_count=plan_rows // 10, per_user=10)
    first = make_answers(answer_rows * 10 // 9 + 1, plan_rows)[:answer_rows]
    xlsx_writer.rewrite_workbook_file(seed, PLAN_NAME, first)
    writers = {
        "patch": xlsx_writer.write_workbook_file,
        "rewrite": xlsx_writer.rewrite_workbook_file,
    }
    paths = {}
    for name in writers:
        (tmp / name).mkdir(exist_ok=True)
        paths[name] = Path(shutil.copy(seed, tmp / name / PLAN_NAME))
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in writers}
    for round_ in range(ROUNDS):
        batch = curve_batch(plan_rows, answer_rows, round_)
        for name, write in writers.items():  # interleaved: both see the same machine load
            # The writer runs in a process of its own; this one holds the seed's answers and
            # the other writer's leftovers, which the batch's garbage collections would
            # otherwise walk. Frozen for both alike.
            gc.collect()
            gc.freeze()
            cpu, wall = time.process_time(), time.perf_counter()
            write(paths[name], PLAN_NAME, batch)
            times[name].append((time.process_time() - cpu, time.perf_counter() - wall))
            gc.unfreeze()

    def median(got: list[tuple[float, float]]) -> tuple[float, float]:
        return statistics.median(c for c, _ in got), statistics.median(w for _, w in got)

    return {
        "cold": times["patch"][0],
        "warm": median(times["patch"][1:]),
        "rewrite": median(times["rewrite"]),
    }


def cost_curve(quick: bool) -> None:
    """Print the cost of one batch as the workbook grows, patch beside rewrite."""
    print()
    print(
        f"Cost of one writer batch ({BATCH_SIZE} answers: half updates, half new rows), "
        f"{ROUNDS} rounds, patch and openpyxl rewrite interleaved on copies, CPU / wall:"
    )
    print()
    print(
        "| plan rows × answer rows | patch, first batch (rows indexed, keys read) "
        "| patch, next batches (index and keys kept) | openpyxl rewrite | rewrite ÷ patch (CPU) |"
    )
    print("|---|---:|---:|---:|---:|")
    for plan_rows, answer_rows in QUICK_CURVE if quick else CURVE:
        with tempfile.TemporaryDirectory(prefix="ikbot-curve-") as name:
            got = cost_point(Path(name), plan_rows, answer_rows)
        (cc, cw), (wc, ww), (rc, rw) = got["cold"], got["warm"], got["rewrite"]
        print(
            f"| {plan_rows:,} × {answer_rows:,} | {cc:.2f} s / {cw:.2f} s "
            f"| {wc:.2f} s / {ww:.2f} s | {rc:.2f} s / {rw:.2f} s "
            f"| {rc / cc:.0f}× first, {rc / wc:.0f}× next |"
        )
        sys.stdout.flush()


BURST = (10_000, 10_000, 100)  # plan rows, answer rows, users answering at once
QUICK_BURST = (1_000, 1_000, 20)
BURSTS = 3
BURST_TARGET_S = 2.0  # p99 from acknowledgment to the row in the file
LAND_LIMIT_S = 120.0


def earlier_answers(plan_rows: int, answer_rows: int) -> list[Answer]:
    """answer_rows distinct answers of helår 2025 (then 2024 …): 2026 stays open."""
    count = (plan_rows + answer_rows) * 10 // 9 + 2  # make_answers keeps a tenth for repeats
    return make_answers(count, plan_rows)[plan_rows : plan_rows + answer_rows]


class _Burst:
    """The simulated users of the burst, against the app on ``url``."""

    def __init__(self, session: ClientSession, url: str, service_url: str) -> None:
        self._session = session
        self._url = url
        self._service_url = service_url

    async def _post(self, activity: dict[str, object]) -> tuple[int, bytes]:
        async with self._session.post(self._url, json=activity) as response:
            return response.status, await response.read()

    async def open(self, user: User, turn: int) -> dict[str, object]:
        """The submit data of the answer card of one of the user's controls."""
        status, raw = await self._post(execute(open_data(user, turn), user, self._service_url))
        card = json.loads(raw)["value"] if status == 200 else {}
        found = [d for d in execute_actions(card) if d.get("verb") == "submit"]
        if not found:
            raise SystemExit(f"burst: no answer card for {user.email} (HTTP {status})")
        return found[0]

    async def submit(self, user: User, data: dict[str, object]) -> tuple[float, float]:
        """(seconds to the acknowledgment, when it came: ``time.monotonic()``)."""
        payload = execute({**data, **GOOD_ANSWER}, user, self._service_url)
        started = time.monotonic()
        status, raw = await self._post(payload)
        acked = time.monotonic()
        if status != 200 or "Svaret är sparat" not in card_text(json.loads(raw).get("value")):
            raise SystemExit(f"burst: no receipt for {user.email} (HTTP {status})")
        return acked - started, acked


def _landed(writes: list[Write], slot: tuple[str, int, str], acked: float) -> float | None:
    ends = [w.ended for w in writes if slot in w.slots and w.ended >= acked]
    return min(ends) if ends else None


async def burst(quick: bool) -> None:
    """Print how long answers of a burst take to land, at the size of a big kommun."""
    plan_rows, before_rows, count = QUICK_BURST if quick else BURST
    with tempfile.TemporaryDirectory(prefix="ikbot-burst-") as name:
        tmp = Path(name)
        started = time.perf_counter()
        plan = write_plan(tmp / "plans" / PLAN_NAME, users_count=plan_rows // 10, per_user=10)
        xlsx_writer.rewrite_workbook_file(plan, PLAN_NAME, earlier_answers(plan_rows, before_rows))
        print(f"\nBurst: workbook built in {time.perf_counter() - started:.1f} s", flush=True)
        settings = Settings(workbook=plan, data_dir=tmp / "var", today=TODAY)
        source = TimedSource(LocalSource(plan))
        services = Services.build(settings, source=source)
        runner = web.AppRunner(create_app(settings, services=services), access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        url = f"http://127.0.0.1:{runner.addresses[0][1]}{MESSAGES_PATH}"
        people = users(count)
        channel = BenchConnector(people)
        session = ClientSession(connector=TCPConnector(limit=0), timeout=ClientTimeout(total=120))
        rows: list[str] = []
        try:
            load = _Burst(session, url, await channel.start())
            for number in range(BURSTS):
                opened = await asyncio.gather(*(load.open(u, number) for u in people))
                before = len(source.writes)
                acks = await asyncio.gather(
                    *(load.submit(u, d) for u, d in zip(people, opened, strict=True))
                )
                slots = [(u.control(number), YEAR, "YEAR") for u in people]
                waited = time.monotonic()
                landed: list[float | None] = [None] * count
                while time.monotonic() - waited < LAND_LIMIT_S:
                    writes = source.writes[before:]
                    landed = [_landed(writes, s, a) for s, (_, a) in zip(slots, acks, strict=True)]
                    if all(x is not None for x in landed):
                        break
                    await asyncio.sleep(0.02)
                if any(x is None for x in landed):
                    raise SystemExit(f"burst {number + 1}: answers not landed in {LAND_LIMIT_S} s")
                to_file = [x - a for x, (_, a) in zip(landed, acks, strict=True) if x is not None]
                writes = source.writes[before:]
                rows.append(
                    f"| {number + 1}{' (first after start)' if number == 0 else ''} "
                    f"| {percentile([d for d, _ in acks], 0.5) * 1000:.0f} / "
                    f"{percentile([d for d, _ in acks], 0.99) * 1000:.0f} ms "
                    f"| {percentile(to_file, 0.5):.2f} s | **{percentile(to_file, 0.99):.2f} s** "
                    f"| {max(to_file):.2f} s | {len(writes)} "
                    f"({', '.join(f'{w.answers} in {w.seconds:.2f} s' for w in writes)}) |"
                )
                print(rows[-1], flush=True)
        finally:
            await session.close()
            await channel.stop()
            await runner.cleanup()
        in_file = answer_rows(plan)
    print()
    print(
        f"Burst landing ({'quick smoke run' if quick else 'full run'}; {machine()}): "
        f"{plan_rows:,} plan rows, {before_rows:,} answer rows before, {count} users "
        f"submitting at once, {BURSTS} bursts; target p99 ≤ {BURST_TARGET_S:.0f} s from the "
        "acknowledgment to the row in the file (the writer waits "
        f"{LINGER:g} s "
        "for answers arriving together)."
    )
    print()
    print(
        "| burst | acknowledgment p50 / p99 | to the file p50 | to the file p99 | max "
        "| workbook writes (answers in seconds) |"
    )
    print("|---|---:|---:|---:|---:|---|")
    for row in rows:
        print(row)
    expected = before_rows + count * BURSTS
    print(
        f"\nRows in Uppföljning afterwards: {in_file:,} (expected {expected:,}: "
        f"{'ok' if in_file == expected else 'MISMATCH'})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short smoke run")
    parser.add_argument("--burst", action="store_true", help="only the burst at 10,000 rows")
    parser.add_argument("--curve", action="store_true", help="only the cost per batch")
    args = parser.parse_args()
    if not args.burst and not args.curve:
        asyncio.run(measure(args.quick))
        sys.stdout.flush()
    if not args.burst:
        cost_curve(args.quick)
    if not args.curve:
        asyncio.run(burst(args.quick))


if __name__ == "__main__":
    main()
