"""Turn latency and throughput of the answering feature, beside a bare Agents SDK echo agent.

Run: ``.venv/bin/python bench/turns.py`` (``--quick`` for a smoke run under 20 s).

This process hosts both agents on loopback ports with aiohttp's AppRunner: the real bot
(``create_app`` over ``Services.build`` with its background writer running, as in
production) and an echo agent built the same way (AgentApplication[TurnState], MemoryStorage,
anonymous MsalConnectionManager/CloudAdapter, ``start_typing_timer=False``,
jwt_authorization_middleware). The simulated users and the recording connector run in a
second process (bench/_driver.py) so they do not compete with the servers for the event
loop. Latency is from POST to the end of the HTTP response; replies reach the connector
before that.

Scenarios: (a) a typed "mina kontroller" (echo: the same message, echoed), (b) an answer
submission (Action.Execute "submit"; each is preceded by an untimed "open" that returns the
card with a fresh nonce; echo: an action_execute handler returning a small card).
A full run does every phase in three interleaved rounds (echo and ikbot alternate) and
reports the median of the rounds; before the rounds, a diagnostic runs the submissions
with the writer stopped, to separate a turn's own cost from the writer's.
Benchmarks print; nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import re
import resource
import statistics
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _common import CARD, PLAN_NAME, TODAY, TimedSource, Write, machine, percentile, write_plan
from aiohttp import web
from microsoft_agents.activity import AdaptiveCardInvokeResponse, load_configuration_from_env
from microsoft_agents.authentication.msal import MsalConnectionManager
from microsoft_agents.hosting.aiohttp import (
    CloudAdapter,
    jwt_authorization_middleware,
    start_agent_process,
)
from microsoft_agents.hosting.core import (
    AgentApplication,
    MemoryStorage,
    TurnContext,
    TurnState,
)

from bot.app import MESSAGES_PATH, create_app
from bot.services import Services
from bot.settings import Settings
from graph.excel_local import LocalSource

BENCH = Path(__file__).resolve().parent
FULL_LEVELS = ((1, 20), (20, 10), (100, 5))  # (concurrent users, turns per user)
QUICK_LEVELS = ((1, 5), (20, 2), (100, 1))
P99_TARGET = 1.5  # our p99 at most 1.5 × the echo agent's
THROUGHPUT_TARGET = 0.6  # our turns/s at least 0.6 × the echo agent's
PHASE_LIMIT_S = 120.0  # a phase stops issuing turns after this (bounded in time)
CATCH_UP_LIMIT_S = 120.0
STOP_LIMIT_S = 15.0  # Writer.stop() / app cleanup
ROUNDS = 3  # full run: every phase three times, interleaved


# --- the baseline: a bare Agents SDK echo agent ----------------------------------------


def echo_app(settings: Settings) -> web.Application:
    """The smallest agent hosted exactly like ours: echoes text, answers Execute with a card."""
    config = load_configuration_from_env(settings.agent_env_for_sdk())
    connections = MsalConnectionManager(**config)
    adapter = CloudAdapter(connection_manager=connections)
    agent = AgentApplication[TurnState](
        storage=MemoryStorage(),
        connection_manager=connections,
        start_typing_timer=False,
        **config,
    )

    @agent.activity("message")
    async def on_message(context: TurnContext, _state: TurnState) -> None:
        await context.send_activity(context.activity.text)

    @agent.adaptive_card.action_execute(re.compile(".+"))
    async def on_execute(
        _context: TurnContext, _state: TurnState, data: Any
    ) -> AdaptiveCardInvokeResponse:
        verb = data.get("verb") if isinstance(data, dict) else None
        card = {
            "type": "AdaptiveCard",
            "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
            "version": "1.5",
            "body": [{"type": "TextBlock", "text": f"Echo: {verb}", "wrap": True}],
        }
        return AdaptiveCardInvokeResponse(status_code=200, type=CARD, value=card)

    app = web.Application(middlewares=[jwt_authorization_middleware])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the SDK reads this string key
        app["agent_configuration"] = connections.get_default_connection_configuration()

    async def messages(request: web.Request) -> web.StreamResponse:
        response = await start_agent_process(request, agent, adapter)
        return response if response is not None else web.Response(status=202)

    app.router.add_post(MESSAGES_PATH, messages)
    return app


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
        assert self._process.stdin is not None
        self._process.stdin.write((json.dumps({"op": "run", **command}) + "\n").encode())
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


async def serve(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}{MESSAGES_PATH}"


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


class Bench:
    """Both agents, the driver, and the rows measured so far."""

    def __init__(
        self, driver: Driver, services: Services, source: TimedSource, bot: str, echo: str
    ) -> None:
        self.driver = driver
        self.services = services
        self.source = source
        self.urls = {"ikbot": bot, "echo": echo}
        self.rows: dict[tuple[str, str, int], Row] = {}

    async def warm_up(self, users: int) -> None:
        """Every user once through each path: member lookup cached per user, plan snapshot
        cached by file stat, first workbook write done, imports and pydantic warm."""
        started = time.perf_counter()
        lookups = 0
        for system in ("echo", "ikbot"):
            for kind in ("message", "submit"):
                result = await self.driver.run(
                    url=self.urls[system],
                    kind=kind,
                    users=users,
                    turns=1,
                    echo=system == "echo",
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
        """One measured phase; ikbot submissions also wait for the writer to catch up."""
        kind = "message" if scenario == MESSAGE else "submit"
        row = self.rows.setdefault((scenario, system, users), Row(scenario, system, users))
        writes_before = len(self.source.writes)
        cpu_before = cpu_seconds()
        result = await self.driver.run(
            url=self.urls[system],
            kind=kind,
            users=users,
            turns=turns,
            echo=system == "echo",
            limit_s=PHASE_LIMIT_S,
        )
        if system == "ikbot" and scenario == SUBMIT:
            # The writer's catch-up after the last turn is part of the cost of the answers.
            row.catch_up_s.append(await wait_for_writer(self.services))
            row.writes.extend(self.source.writes[writes_before:])
        row.add(result, cpu_seconds() - cpu_before)
        print(
            f"  {scenario:<26} {system:<5} {users:>3} users: n={len(result['latencies_ms']):<4} "
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
        bench = Bench(driver, services, source, bot_url, echo_url)
        try:
            await bench.warm_up(max(u for u, _ in levels))
            if not quick:
                # Diagnostic first (same short answer history as round 1): submissions with
                # the writer stopped (answers stay journalled), to separate the turn's own
                # cost from the writer's load. The backlog is landed before round 1.
                print("Diagnostic: writer paused", flush=True)
                if await stop_writer(services):
                    for users, turns in levels:
                        await bench.phase(PAUSED, "ikbot", users, turns)
                    services.writer.start()
                    await wait_for_writer(services)
            # Rounds interleave the agents so a noisy moment on the machine hits both.
            for number in range(rounds):
                print(f"Round {number + 1} of {rounds}", flush=True)
                for users, turns in levels:
                    for scenario in (MESSAGE, SUBMIT):
                        for system in ("echo", "ikbot"):
                            await bench.phase(scenario, system, users, turns)
        finally:
            await driver.stop()
            await echo_runner.cleanup()
            await _shut_down(services, bot_runner)
    print(f"Measured in {time.perf_counter() - started:.1f} s", flush=True)
    order = [MESSAGE, SUBMIT, PAUSED]
    rows = sorted(
        bench.rows.values(),
        key=lambda r: (r.scenario == PAUSED, r.users, order.index(r.scenario), r.system),
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


def _print_table(rows: list[Row], quick: bool, rounds: int) -> None:
    echo = {(r.scenario, r.users): r for r in rows if r.system == "echo"}
    echo.update({(PAUSED, u): r for (s, u), r in list(echo.items()) if s == SUBMIT})
    print()
    print(f"Turns ({'quick smoke run' if quick else 'full run'}; {machine()})")
    print(
        f"1,000-row plan, 100 users × 10 controls, today 2027-01-10; {rounds} round(s), "
        "interleaved. Latency = POST to end of HTTP response; p50/p99 (nearest rank) and "
        "turns/s are the median over the rounds; n and CPU are pooled. CPU = this process "
        "(both agents' servers, all threads) per measured turn."
    )
    print(
        f"Targets: p99 ≤ {P99_TARGET}× echo p99, throughput ≥ {THROUGHPUT_TARGET}× echo "
        "throughput (printed, not asserted)."
    )
    print()
    header = (
        f"| {'scenario':<28} | {'agent':<5} | {'users':>5} | {'n':>5} | {'p50 ms':>7} | "
        f"{'p99 ms':>7} | {'turns/s':>7} | {'rounds turns/s':>14} | {'CPU ms/turn':>11} | "
        f"{'p99 / echo':>13} | {'turns/s / echo':>14} |"
    )
    print(header)
    print("|" + "|".join("-" * len(c) for c in header.split("|")[1:-1]) + "|")
    for r in rows:
        base = echo.get((r.scenario, r.users))
        if r.system == "echo" or base is None:
            p99_ratio = tput_ratio = ""
        else:
            p = r.p99 / base.p99
            t = r.per_s / base.per_s
            p99_ratio = f"{p:5.2f}× {'ok' if p <= P99_TARGET else 'MISS'}"
            tput_ratio = f"{t:5.2f}× {'ok' if t >= THROUGHPUT_TARGET else 'MISS'}"
        spread = f"{min(r.round_rates):.0f}–{max(r.round_rates):.0f}" if r.round_rates else ""
        print(
            f"| {r.scenario:<28} | {r.system:<5} | {r.users:>5} | {r.n:>5} | {r.p50:7.1f} | "
            f"{r.p99:7.1f} | {r.per_s:7.1f} | {spread:>14} | {r.cpu_ms:11.2f} | "
            f"{p99_ratio:>13} | {tput_ratio:>14} |"
        )
    print()
    for r in rows:
        if r.writes:
            seconds = [w.seconds * 1000 for w in r.writes]
            print(
                f"- writer during '{r.scenario}' at {r.users} users: {len(r.writes)} workbook "
                f"writes for {r.n} answers ({r.n / len(r.writes):.1f} answers per write), "
                f"{statistics.mean(seconds):.0f} ms mean, {max(seconds):.0f} ms max; caught "
                f"up {max(r.catch_up_s):.2f} s after the last turn at most"
            )
        if r.errors:
            print(f"- ERRORS in '{r.scenario}' {r.system} {r.users} users: {r.errors} {r.samples}")
    print(
        "- (b) counts submissions; each is preceded by an untimed 'open' of the same control "
        "(for the echo agent too), so CPU ms/turn of (b) covers open + submit (+ the writer)."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short smoke run (< 20 s)")
    args = parser.parse_args()
    asyncio.run(measure(args.quick))


if __name__ == "__main__":
    main()
