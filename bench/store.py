"""The store on SQLite and on PostgreSQL, side by side in one run.

Run: ``.venv/bin/python bench/store.py`` (``--quick`` for a smoke run).

For each engine: a named floor (bare driver INSERTs, each its own transaction), journal
appends per second (each its own transaction, durable before it
returns: fsync'ed on SQLite; on PostgreSQL the server's commit), one at a time and 20 at
once; and a `mina kontroller` turn of the real app over loopback HTTP (POST to the end of
the response) for one user at a time and for 20 users at once, on the 1,000-row plan.
SQLite is a file in a temporary directory; PostgreSQL is a throwaway server started the
way the tests start it (tests/pg_server.py; its fsync is off, so its appends are not
durable and flatter it), or IKBOT_TEST_DATABASE_URL. Full runs interleave the engines
over three rounds and print the medians. Benchmarks print; nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from _common import TODAY, BenchConnector, machine, message, percentile, users, write_plan
from aiohttp import ClientSession, web

from bot.app import MESSAGES_PATH, create_app
from bot.domain.model import Answer, Period
from bot.services import Services
from bot.settings import Settings, database_url
from bot.store.database import Database
from bot.store.journal import Journal
from tests import pg_server  # the repository root is on sys.path (_common)

ENGINES = ("SQLite", "PostgreSQL")
CONCURRENCY = 20


def _answer(n: int) -> Answer:
    return Answer(
        answer_id=f"{n:032x}",
        plan_key="plan.xlsx",
        control_id=str(n % 1000 + 1),
        year=2026,
        period=Period.YEAR,
        outcome="Ingen avvikelse",
        answered_by=f"user{n % 100:03d}@example.com",
        answered_at=datetime.now(UTC),
        observations="Stickprov på tio ärenden.",
    )


async def appends(url: str | Path, count: int) -> tuple[float, float]:
    """Appends per second: one at a time, and CONCURRENCY at once."""
    db = Database(url)
    await db.open()
    journal = Journal(db)
    try:
        start = time.perf_counter()
        for n in range(count):
            await journal.append(_answer(n))
        serial = count / (time.perf_counter() - start)
        start = time.perf_counter()
        queue = iter(range(count, 2 * count))

        async def worker() -> None:
            for n in queue:
                await journal.append(_answer(n))

        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        concurrent = count / (time.perf_counter() - start)
    finally:
        await db.close()
    return serial, concurrent


async def floor(url: str | Path, count: int) -> float:
    """The named baseline: bare driver INSERTs (stdlib sqlite3 with the store's durability
    settings, or psycopg's async connection), each its own transaction, per second."""
    row = ("x" * 300,)
    if isinstance(url, Path):
        conn = sqlite3.connect(url, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, payload TEXT)")
        start = time.perf_counter()
        for _ in range(count):
            conn.execute("INSERT INTO t (payload) VALUES (?)", row)
        elapsed = time.perf_counter() - start
        conn.close()
        return count / elapsed
    import psycopg

    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as pg:
        await pg.execute("CREATE TABLE t (id SERIAL PRIMARY KEY, payload TEXT)")
        start = time.perf_counter()
        for _ in range(count):
            await pg.execute("INSERT INTO t (payload) VALUES (%s)", row)
        return count / (time.perf_counter() - start)


async def turns(
    plan: Path, data_dir: Path, url: str | None, count: int
) -> tuple[float, float, float]:
    """`mina kontroller`: p50 and p99 ms one user at a time, and turns/s for CONCURRENCY."""
    people = users()
    connector = BenchConnector(people)
    service_url = await connector.start()
    settings = Settings(workbook=plan, data_dir=data_dir, today=TODAY, database_url=url)
    services = Services.build(settings)
    runner = web.AppRunner(create_app(settings, services=services), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    endpoint = f"http://127.0.0.1:{runner.addresses[0][1]}{MESSAGES_PATH}"
    try:
        async with ClientSession() as session:

            async def turn(n: int) -> float:
                activity = message("mina kontroller", people[n % len(people)], service_url)
                start = time.perf_counter()
                async with session.post(endpoint, json=activity) as response:
                    await response.read()
                    assert response.status in (200, 202), response.status
                return time.perf_counter() - start

            for n in range(len(people)):  # warm-up: plan read, member lookups, state rows
                await turn(n)
            latencies = [await turn(n) for n in range(count)]
            start = time.perf_counter()
            queue = iter(range(count))

            async def worker() -> None:
                for n in queue:
                    await turn(n)

            await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
            throughput = count / (time.perf_counter() - start)
    finally:
        await runner.cleanup()
        await connector.stop()
    return (
        percentile(latencies, 0.5) * 1000,
        percentile(latencies, 0.99) * 1000,
        throughput,
    )


@contextlib.contextmanager
def postgresql() -> Iterator[str]:
    """A PostgreSQL server's plain URL: IKBOT_TEST_DATABASE_URL, or a throwaway one."""
    given = os.environ.get(pg_server.ENV, "").strip()
    if given:
        yield given
        return
    server = pg_server.start()
    try:
        yield server.url
    finally:
        server.stop()


async def measure(quick: bool) -> None:
    rounds = 1 if quick else 3
    append_count = 200 if quick else 2000
    turn_count = 100 if quick else 600
    figures: dict[str, list[tuple[float, ...]]] = {engine: [] for engine in ENGINES}
    with tempfile.TemporaryDirectory() as tmp, postgresql() as server:
        folder = Path(tmp)
        plan = write_plan(folder / "plan.xlsx")
        for n in range(rounds):
            for engine in ENGINES:
                here = folder / f"{engine}-{n}"
                if engine == "SQLite":
                    here.mkdir(parents=True)
                    result = (
                        await floor(here / "floor.sqlite3", append_count),
                        *await appends(here / "store.sqlite3", append_count),
                        *await turns(plan, here, None, turn_count),
                    )
                else:
                    with (
                        pg_server.fresh_database(server) as a,
                        pg_server.fresh_database(server) as b,
                        pg_server.fresh_database(server) as c,
                    ):
                        result = (
                            await floor(c, append_count),
                            *await appends(database_url(a) or "", append_count),
                            *await turns(plan, here, database_url(b), turn_count),
                        )
                figures[engine].append(result)
    _print(figures, quick, rounds, append_count, turn_count)


def _print(
    figures: dict[str, list[tuple[float, ...]]],
    quick: bool,
    rounds: int,
    append_count: int,
    turn_count: int,
) -> None:
    median = {
        e: [statistics.median(r[i] for r in rows) for i in range(6)] for e, rows in figures.items()
    }
    print(
        f"\nThe store, SQLite vs PostgreSQL ({'quick' if quick else 'full'} run: "
        f"{append_count} appends and {turn_count} turns per engine, median of {rounds} "
        f"round(s); {machine()})\n"
    )
    print("| Figure | SQLite | PostgreSQL |")
    print("|---|---:|---:|")
    rows: list[tuple[str, int, str]] = [
        ("floor: bare driver INSERTs/s, one transaction each", 0, "{:,.0f}"),
        ("journal appends/s, one at a time", 1, "{:,.0f}"),
        (f"journal appends/s, {CONCURRENCY} at once", 2, "{:,.0f}"),
        ("`mina kontroller` p50 ms, one user at a time", 3, "{:.1f}"),
        ("`mina kontroller` p99 ms, one user at a time", 4, "{:.1f}"),
        (f"`mina kontroller` turns/s, {CONCURRENCY} users at once", 5, "{:.0f}"),
    ]
    for label, index, form in rows:
        sqlite, postgres = (form.format(median[e][index]) for e in ENGINES)
        print(f"| {label} | {sqlite} | {postgres} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run")
    args = parser.parse_args()
    asyncio.run(measure(args.quick))


if __name__ == "__main__":
    main()
