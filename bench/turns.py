"""Turn latency and throughput of the answering feature, beside two bare Agents SDK agents:
a fair anchor that sends the same cards, and a text echo agent.

Run: ``.venv/bin/python bench/turns.py`` (``--quick`` for a smoke run under 30 s).

This process hosts the three agents on loopback ports with aiohttp's AppRunner: the real
bot (``create_app`` over ``Services.build`` with its background writer running, as in
production) and two bare agents built the same way (AgentApplication[TurnState],
MemoryStorage, anonymous MsalConnectionManager/CloudAdapter with the SDK's own channel
client factory, ``start_typing_timer=False``, jwt_authorization_middleware):

- the card anchor replies to a message with the very list card our bot sent for
  ``mina kontroller`` (captured from it before the run, about 8 KB), answers an
  Action.Execute "open" with our answer card and "submit" with our receipt card. It does
  what the SDK must do for our turns and nothing of ours, so ours ÷ anchor is our overhead;
- the durable anchor is the card anchor that, on a submit, first commits the answer's data
  as one row to its own SQLite file (WAL, synchronous=FULL, plain sqlite3 in a thread, one
  INSERT per submit): what any bot pays that acknowledges an answer only once it would
  survive a power cut, as ours does. Measured for submissions only (for a message it is
  the card anchor); ours ÷ durable anchor is our overhead beyond that floor;
- the echo agent echoes the text and answers Action.Execute with a one-line card.

The simulated users and the recording connector run in a second process (bench/_driver.py)
so they do not compete with the servers for the event loop. Latency is from POST to the
end of the HTTP response; replies reach the connector before that.

Scenarios: (a) a typed "mina kontroller", (b) an answer submission (Action.Execute
"submit"; each is preceded by an untimed "open" that returns the answer card with a fresh
nonce). A full run does every phase in three interleaved rounds (echo, anchor, durable
anchor for submissions, ours, and ours with the start-up heap not frozen, in turn) and
reports the median of the rounds; a ratio is the median of the rounds' own ratios
(paired: both measured in the same round).
Before the rounds, a diagnostic runs the submissions with the writer stopped, to separate
a turn's own cost from the writer's. Benchmarks print; nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import resource
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _agents import anchor_app, durable_anchor_app, echo_app, serve
from _common import PLAN_NAME, TODAY, TimedSource, Write, machine, percentile, write_plan
from aiohttp import web

from bot.app import create_app
from bot.services import Services
from bot.settings import Settings
from graph.excel_local import LocalSource

BENCH = Path(__file__).resolve().parent
FULL_LEVELS = ((1, 20), (20, 10), (100, 5))  # (concurrent users, turns per user)
QUICK_LEVELS = ((1, 5), (20, 2), (100, 1))
# Against the card anchor: our p99 at most 1.2 × its p99 (submissions 1.5 ×), our turns/s
# at least 0.85 × its turns/s.
P99_TARGET = {"mina kontroller": 1.2, "submit answer": 1.5, "submit, writer paused (diag)": 1.5}
THROUGHPUT_TARGET = 0.85
PHASE_LIMIT_S = 120.0  # a phase stops issuing turns after this (bounded in time)
CATCH_UP_LIMIT_S = 120.0
STOP_LIMIT_S = 15.0  # Writer.stop() / app cleanup
ROUNDS = 3  # full run: every phase three times, interleaved


# --- the driver process --------------------------------------------------------------


class Driver:
    """bench/_driver.py: the simulated users and the recording connector."""

    def __init__(self, process: asyncio.subprocess.Process, service_url: str) -> None:
        self._process = process
        self.service_url = service_url

    @classmethod
    async def start(cls) -> Driver:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            str(BENCH / "_driver.py"),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        hello = await cls._read(process)
        return cls(process, hello["service_url"])

    @staticmethod
    async def _read(process: asyncio.subprocess.Process) -> dict[str, Any]:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), PHASE_LIMIT_S + 60)
        if not line:
            raise RuntimeError("the driver process ended")
        return json.loads(line)

    async def run(self, **command: Any) -> dict[str, Any]:
        return await self._command({"op": "run", **command})

    async def capture(self, url: str) -> dict[str, Any]:
        """Our bot's list reply, answer card and receipt, as the first user got them."""
        return await self._command({"op": "capture", "url": url})

    async def _command(self, command: dict[str, Any]) -> dict[str, Any]:
        assert self._process.stdin is not None
        self._process.stdin.write((json.dumps(command) + "\n").encode())
        await self._process.stdin.drain()
        return await self._read(self._process)

    async def stop(self) -> None:
        assert self._process.stdin is not None
        self._process.stdin.write(b'{"op": "quit"}\n')
        await self._process.stdin.drain()
        try:
            await asyncio.wait_for(self._process.wait(), 10)
        except TimeoutError:
            self._process.kill()
            await self._process.wait()


# --- measuring -----------------------------------------------------------------------


@dataclass
class Row:
    """One scenario × agent × concurrency over the rounds.

    p50, p99 and turns/s are the median of the rounds' own figures, so one noisy moment
    on a shared machine (a spike in one round) does not decide a ratio; n and CPU are
    pooled.
    """

    scenario: str
    system: str
    users: int
    n: int = 0
    cpu_s: float = 0.0
    errors: int = 0
    round_p50: list[float] = field(default_factory=list)
    round_p99: list[float] = field(default_factory=list)
    round_rates: list[float] = field(default_factory=list)
    writes: list[Write] = field(default_factory=list)
    catch_up_s: list[float] = field(default_factory=list)
    samples: set[str] = field(default_factory=set)

    @property
    def p50(self) -> float:
        return statistics.median(self.round_p50) if self.round_p50 else float("nan")

    @property
    def p99(self) -> float:
        return statistics.median(self.round_p99) if self.round_p99 else float("nan")

    @property
    def per_s(self) -> float:
        return statistics.median(self.round_rates) if self.round_rates else float("nan")

    @property
    def cpu_ms(self) -> float:
        return self.cpu_s / self.n * 1000 if self.n else float("nan")

    def add(self, result: dict[str, Any], cpu_s: float) -> None:
        latencies = result["latencies_ms"]
        self.n += len(latencies)
        self.cpu_s += cpu_s
        self.errors += result["errors"]
        self.samples.update(result["samples"])
        if latencies:
            self.round_p50.append(percentile(latencies, 0.50))
            self.round_p99.append(percentile(latencies, 0.99))
            self.round_rates.append(len(latencies) / result["wall_s"])


def cpu_seconds() -> float:
    """CPU time of this process (all threads: event loop, SQLite, openpyxl)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def stop_writer(services: Services) -> bool:
    """Let the writer land everything, then stop it (bounded in time)."""
    await wait_for_writer(services)
    try:
        await asyncio.wait_for(services.writer.stop(), STOP_LIMIT_S)
    except TimeoutError:
        print(f"WARNING: Writer.stop() did not return within {STOP_LIMIT_S:.0f} s", flush=True)
        return False
    return True


async def wait_for_writer(services: Services) -> float:
    """Seconds until the journal has nothing pending (bounded)."""
    started = time.perf_counter()
    while time.perf_counter() - started < CATCH_UP_LIMIT_S:
        if not await services.journal.count_pending():
            break
        await asyncio.sleep(0.02)
    return time.perf_counter() - started


# The systems measured: the bare agents, our bot with the start-up heap frozen (as
# create_app does) and our bot with it not frozen (gc.unfreeze() before the phase).
ECHO, ANCHOR, OURS, UNFROZEN = "echo", "anchor", "ikbot", "ikbot unfrozen"
DURABLE = "durable anchor"
BASELINES = (ECHO, ANCHOR, DURABLE)


def _set_frozen(system: str) -> None:
    """The heap as the measured system would have it: frozen for our bot (create_app freezes
    what start-up made), not frozen for the bare agents and the comparison run."""
    if system == OURS:
        gc.freeze()
    else:
        gc.unfreeze()


class Bench:
    """The agents, the driver, and the rows measured so far."""

    def __init__(
        self, driver: Driver, services: Services, source: TimedSource, urls: dict[str, str]
    ) -> None:
        self.driver = driver
        self.services = services
        self.source = source
        self.urls = urls
        self.rows: dict[tuple[str, str, int], Row] = {}

    async def warm_up(self, users: int) -> None:
        """Every user once through each path: member lookup cached per user, plan snapshot
        cached by file stat, first workbook write done, imports and pydantic warm."""
        started = time.perf_counter()
        lookups = 0
        for system in (ECHO, ANCHOR, DURABLE, OURS):
            for kind in ("message", "submit") if system != DURABLE else ("submit",):
                result = await self.driver.run(
                    url=self.urls[system],
                    kind=kind,
                    users=users,
                    turns=1,
                    echo=system == ECHO,
                    limit_s=PHASE_LIMIT_S,
                )
                if result["errors"]:
                    raise SystemExit(f"warm-up failed ({kind}, {system}): {result['samples']}")
                lookups = result["member_lookups"]
        await wait_for_writer(self.services)
        print(
            f"Warm-up: {time.perf_counter() - started:.1f} s, {len(self.source.writes)} "
            f"workbook writes, {lookups} member lookups",
            flush=True,
        )

    async def phase(self, scenario: str, system: str, users: int, turns: int) -> None:
        """One measured phase; our submissions also wait for the writer to catch up."""
        kind = "message" if scenario == MESSAGE else "submit"
        row = self.rows.setdefault((scenario, system, users), Row(scenario, system, users))
        writes_before = len(self.source.writes)
        _set_frozen(system)
        cpu_before = cpu_seconds()
        result = await self.driver.run(
            url=self.urls[system],
            kind=kind,
            users=users,
            turns=turns,
            echo=system == ECHO,
            limit_s=PHASE_LIMIT_S,
        )
        if system not in BASELINES and scenario == SUBMIT:
            # The writer's catch-up after the last turn is part of the cost of the answers.
            row.catch_up_s.append(await wait_for_writer(self.services))
            row.writes.extend(self.source.writes[writes_before:])
        row.add(result, cpu_seconds() - cpu_before)
        print(
            f"  {scenario:<28} {system:<14} {users:>3} users: "
            f"n={len(result['latencies_ms']):<4} "
            f"p50={percentile(result['latencies_ms'], 0.5):7.1f} ms  "
            f"p99={percentile(result['latencies_ms'], 0.99):7.1f} ms  "
            f"{row.round_rates[-1]:6.1f}/s"
            + (f"  {result['errors']} errors" if result["errors"] else ""),
            flush=True,
        )


MESSAGE = "mina kontroller"
SUBMIT = "submit answer"
PAUSED = "submit, writer paused (diag)"


async def measure(quick: bool) -> None:
    levels = QUICK_LEVELS if quick else FULL_LEVELS
    rounds = 1 if quick else ROUNDS
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="ikbot-bench-") as tmp:
        plan = write_plan(Path(tmp) / "plans" / PLAN_NAME)
        settings = Settings(workbook=plan, data_dir=Path(tmp) / "var", today=TODAY)
        source = TimedSource(LocalSource(plan))
        services = Services.build(settings, source=source)
        bot_runner, bot_url = await serve(create_app(settings, services=services))
        echo_runner, echo_url = await serve(echo_app(settings))
        driver = await Driver.start()
        anchor_runner: web.AppRunner | None = None
        durable_runner: web.AppRunner | None = None
        try:
            captured = await driver.capture(bot_url)
            anchor_runner, anchor_url = await serve(anchor_app(settings, captured))
            durable_runner, durable_url = await serve(
                durable_anchor_app(settings, captured, Path(tmp) / "durable-anchor.sqlite3")
            )
            list_bytes = sum(
                len(json.dumps(a["content"], ensure_ascii=False).encode())
                for a in captured["reply"]["attachments"]
            )
            print(
                f"Captured our list card ({list_bytes / 1024:.1f} KB), answer card and receipt "
                "for the anchor",
                flush=True,
            )
            urls = {
                ECHO: echo_url,
                ANCHOR: anchor_url,
                DURABLE: durable_url,
                OURS: bot_url,
                UNFROZEN: bot_url,
            }
            bench = Bench(driver, services, source, urls)
            await bench.warm_up(max(u for u, _ in levels))
            if not quick:
                # Diagnostic first (same short answer history as round 1): submissions with
                # the writer stopped (answers stay journalled), to separate the turn's own
                # cost from the writer's load. The backlog is landed before round 1.
                print("Diagnostic: writer paused", flush=True)
                if await stop_writer(services):
                    for users, turns in levels:
                        await bench.phase(PAUSED, OURS, users, turns)
                    services.writer.start()
                    await wait_for_writer(services)
            # Rounds interleave the agents so a noisy moment on the machine hits them all.
            for number in range(rounds):
                print(f"Round {number + 1} of {rounds}", flush=True)
                for users, turns in levels:
                    for scenario in (MESSAGE, SUBMIT):
                        for system in (ECHO, ANCHOR, DURABLE, OURS, UNFROZEN):
                            if system == DURABLE and scenario != SUBMIT:
                                continue  # for a message it is the card anchor
                            await bench.phase(scenario, system, users, turns)
        finally:
            gc.freeze()  # as the bot runs
            await driver.stop()
            await echo_runner.cleanup()
            if anchor_runner is not None:
                await anchor_runner.cleanup()
            if durable_runner is not None:
                await durable_runner.cleanup()
            await _shut_down(services, bot_runner)
    print(f"Measured in {time.perf_counter() - started:.1f} s", flush=True)
    order = [MESSAGE, SUBMIT, PAUSED]
    systems = [ECHO, ANCHOR, DURABLE, OURS, UNFROZEN]
    rows = sorted(
        bench.rows.values(),
        key=lambda r: (
            r.scenario == PAUSED,
            r.users,
            order.index(r.scenario),
            systems.index(r.system),
        ),
    )
    _print_table(rows, quick, rounds)


async def _shut_down(services: Services, runner: web.AppRunner) -> None:
    """Clean the bot app up, bounded in time even if Writer.stop() hangs."""
    with contextlib.suppress(Exception):
        await wait_for_writer(services)
    try:
        await asyncio.wait_for(runner.cleanup(), STOP_LIMIT_S)
    except TimeoutError:
        print("WARNING: the bot app's cleanup (Writer.stop) hung; closing the database")
        await services.db.close()


def paired(ours: list[float], base: list[float]) -> float:
    """The median of the rounds' own ratios (ours ÷ base, measured in the same round); the
    ratio of the medians when the two were not measured in the same rounds."""
    if len(ours) == len(base) and ours:
        return statistics.median(o / b for o, b in zip(ours, base, strict=True))
    if not ours or not base:
        return float("nan")
    return statistics.median(ours) / statistics.median(base)


def _ratios(r: Row, base: Row | None, *, verdict: bool) -> tuple[str, str]:
    # The durable anchor's own row shows what durability costs the card anchor.
    if base is None or base is r or r.system in (ECHO, ANCHOR):
        return "", ""
    verdict = verdict and r.system not in BASELINES
    p = paired(r.round_p99, base.round_p99)
    t = paired(r.round_rates, base.round_rates)
    if not verdict:
        return f"{p:5.2f}×", f"{t:5.2f}×"
    p_ok = "ok" if p <= P99_TARGET[r.scenario] else "MISS"
    t_ok = "ok" if t >= THROUGHPUT_TARGET else "MISS"
    return f"{p:5.2f}× {p_ok}", f"{t:5.2f}× {t_ok}"


def _print_table(rows: list[Row], quick: bool, rounds: int) -> None:
    bases: dict[str, dict[tuple[str, int], Row]] = {}
    for system in BASELINES:
        by = {(r.scenario, r.users): r for r in rows if r.system == system}
        by.update({(PAUSED, u): r for (s, u), r in list(by.items()) if s == SUBMIT})
        bases[system] = by
    print()
    print(f"Turns ({'quick smoke run' if quick else 'full run'}; {machine()})")
    print(
        f"1,000-row plan, 100 users × 10 controls, today 2027-01-10; {rounds} round(s), "
        "interleaved. Latency = POST to end of HTTP response; p50/p99 (nearest rank) and "
        "turns/s are the median over the rounds; n and CPU are pooled. CPU = this process "
        "(all agents' servers, all threads) per measured turn. Ratios are paired: the median "
        "of each round's ours ÷ baseline."
    )
    print(
        "Targets against the card anchor (printed, not asserted): p99 ≤ "
        f"{P99_TARGET[MESSAGE]}× (submissions ≤ {P99_TARGET[SUBMIT]}×), "
        f"throughput ≥ {THROUGHPUT_TARGET}×."
    )
    print()
    header = (
        f"| {'scenario':<28} | {'agent':<14} | {'users':>5} | {'n':>5} | {'p50 ms':>7} | "
        f"{'p99 ms':>7} | {'turns/s':>7} | {'rounds turns/s':>14} | {'CPU ms/turn':>11} | "
        f"{'p99 / anchor':>13} | {'turns/s / anchor':>16} | "
        f"{'p99 / durable':>13} | {'turns/s / durable':>17} | "
        f"{'p99 / echo':>10} | {'turns/s / echo':>14} |"
    )
    print(header)
    print("|" + "|".join("-" * len(c) for c in header.split("|")[1:-1]) + "|")
    for r in rows:
        key = (r.scenario, r.users)
        p_anchor, t_anchor = _ratios(r, bases[ANCHOR].get(key), verdict=True)
        p_durable, t_durable = _ratios(r, bases[DURABLE].get(key), verdict=False)
        p_echo, t_echo = _ratios(r, bases[ECHO].get(key), verdict=False)
        spread = f"{min(r.round_rates):.0f}–{max(r.round_rates):.0f}" if r.round_rates else ""
        print(
            f"| {r.scenario:<28} | {r.system:<14} | {r.users:>5} | {r.n:>5} | {r.p50:7.1f} | "
            f"{r.p99:7.1f} | {r.per_s:7.1f} | {spread:>14} | {r.cpu_ms:11.2f} | "
            f"{p_anchor:>13} | {t_anchor:>16} | {p_durable:>13} | {t_durable:>17} | "
            f"{p_echo:>10} | {t_echo:>14} |"
        )
    print()
    for r in rows:
        if r.writes:
            seconds = [w.seconds * 1000 for w in r.writes]
            print(
                f"- writer during '{r.scenario}' ({r.system}) at {r.users} users: "
                f"{len(r.writes)} workbook writes for {r.n} answers "
                f"({r.n / len(r.writes):.1f} answers per write), "
                f"{statistics.mean(seconds):.0f} ms mean, {max(seconds):.0f} ms max; caught "
                f"up {max(r.catch_up_s):.2f} s after the last turn at most"
            )
        if r.errors:
            print(f"- ERRORS in '{r.scenario}' {r.system} {r.users} users: {r.errors} {r.samples}")
    print(
        "- (b) counts submissions; each is preceded by an untimed 'open' of the same control "
        "(for the bare agents too), so CPU ms/turn of (b) covers open + submit (+ the writer)."
    )
    print(
        "- 'ikbot' runs with the heap frozen (gc.freeze(), as create_app does after start-up), "
        "'ikbot unfrozen' with gc.unfreeze() before its phases; the bare agents run unfrozen."
    )
    print(
        "- the durable anchor commits each submitted answer as one row to its own SQLite file "
        "(WAL, synchronous=FULL) before replying: / durable is ours beyond what durability "
        "itself costs; its own row's / anchor is what that costs the card anchor."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short smoke run (< 20 s)")
    args = parser.parse_args()
    asyncio.run(measure(args.quick))


if __name__ == "__main__":
    main()
