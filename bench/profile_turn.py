"""Where a turn's time goes: our code against a bare Agents SDK agent sending the same cards.

Run: ``.venv/bin/python bench/profile_turn.py`` (``--turns N``, default 300; ``--only submit``
for one scenario; ``--dump DIR`` writes the profiles for pstats or snakeviz).

Diagnostics, to bring bench/turns.py's conditions in one at a time: ``--history N`` first
saves N answers (as that bench's earlier phases do, over its 100 users) and waits for the
writer to land them; ``--users K`` runs the turns as K users in turn (default 20; that
bench's single user is ``--users 1``). The timed turns also report garbage collection's
share of the CPU and the spread of the per-turn CPU (first turn, median, 90th percentile).

One process hosts our bot (``create_app`` on the 1,000-row bench plan, the writer running)
and the card anchor of bench/turns.py (a bare SDK agent replying with the list card, answer
card and receipt our bot sent, captured first); a recording channel listens in the same
process. For each scenario — a typed ``mina kontroller``, and an answer (an "open" of the
answer card, then its "submit") — the turns run one after another, ours and the anchor's
(for an answer also the durable anchor's, which commits each submit to its own SQLite file
with FULL sync before replying) interleaved in blocks of 20, first timed (CPU time of this
process per turn, without a profiler), then under cProfile, which splits ours into our
route (identity, plans, answers, building the card), the SDK sending the reply and the rest
of the SDK's pipeline. Times under the profiler are inflated; the shares are what counts.
Prints, never asserts.

Its CPU ratios are milder than bench/turns.py's: the client and the channel run in this
process (the same cost added to both sides), and the list turns run before any answer is
journalled, while in bench/turns.py each list phase follows hundreds of submissions.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import gc
import pstats
import statistics
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from _agents import anchor_app, durable_anchor_app, serve
from _common import PLAN_NAME, TODAY, BenchConnector, machine, users, write_plan
from _driver import Load
from aiohttp import ClientSession, TCPConnector, web

from bot.app import create_app
from bot.services import Services
from bot.settings import Settings

BLOCK = 20  # turns of one system before the other's (interleaved)
HISTORY_USERS = 100  # bench/turns.py's users, over whom --history saves answers


def _cumulative(stats: pstats.Stats, path_end: str, function: str) -> float:
    total = 0.0
    for (filename, _line, name), row in stats.stats.items():  # type: ignore[attr-defined]
        if filename.endswith(path_end) and name == function:
            total += float(row[3])
    return total


class Turns:
    """Turns of one scenario against one agent, for the users in turn."""

    def __init__(self, load: Load, url: str, kind: str, count: int, first_turn: int = 0) -> None:
        self._load = load
        self._url = url
        self._kind = kind
        self._people = users(count)
        self._done = 0
        self._first_turn = first_turn  # submissions: the control each user answers next

    async def one(self) -> None:
        user = self._people[self._done % len(self._people)]
        turn = self._first_turn + self._done // len(self._people)
        self._done += 1
        if self._kind == "message":
            await self._load._message_turn(self._url, user, echo=False, check=False)
        else:
            await self._load._submit_turn(self._url, user, turn, echo=False)


class GcClock:
    """CPU seconds garbage collection took while ``on``, by the gc module's callbacks."""

    def __init__(self) -> None:
        self.on = False
        self.seconds = 0.0
        self.collections = 0
        self._started = 0.0
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, _info: dict[str, int]) -> None:
        if not self.on:
            return
        if phase == "start":
            self._started = time.process_time()
        else:
            self.seconds += time.process_time() - self._started
            self.collections += 1


GC = GcClock()


async def _timed(
    run: Callable[[], Awaitable[None]], count: int, each: list[float] | None = None
) -> tuple[float, float]:
    """CPU seconds of this process for ``count`` turns, and of them the store's threads';
    ``each`` gets every turn's own CPU seconds."""
    started, store = time.process_time(), _store_cpu()
    for _ in range(count):
        turn = time.process_time()
        await run()
        if each is not None:
            each.append(time.process_time() - turn)
    return time.process_time() - started, _store_cpu() - store


def _store_cpu() -> float:
    """CPU seconds the SQLite store's threads have used (cProfile sees only this thread)."""
    total = 0.0
    for thread in threading.enumerate():
        if thread.name.startswith("ikbot-sqlite") and thread.ident is not None:
            with contextlib.suppress(OSError):  # a thread that ended meanwhile
                total += time.clock_gettime(time.pthread_getcpuclockid(thread.ident))
    return total


async def _history(
    load: Load, url: str, services: Services, count: int, people: int = HISTORY_USERS
) -> int:
    """Save ``count`` answers over the first ``people`` users (bench/turns.py's 100 by
    default) and wait for the writer to land them; the turn the next submissions start at."""
    saving = Turns(load, url, "submit", people)
    for _ in range(count):
        await saving.one()
    started = time.perf_counter()
    while time.perf_counter() - started < 120:
        if not await services.journal.count_pending():
            break
        await asyncio.sleep(0.02)
    return -(-count // people)


async def main(
    turns: int,
    kinds: tuple[str, ...],
    dump: Path | None,
    history: tuple[int, int],
    count: int,
) -> None:
    with tempfile.TemporaryDirectory(prefix="ikbot-profile-") as tmp:
        plan = write_plan(Path(tmp) / "plans" / PLAN_NAME)
        settings = Settings(workbook=plan, data_dir=Path(tmp) / "var", today=TODAY)
        services = Services.build(settings)
        people = users(HISTORY_USERS)  # every user --history answers as
        channel = BenchConnector(people)
        service_url = await channel.start()
        session = ClientSession(connector=TCPConnector(limit=0))
        load = Load(session, channel, service_url)
        bot_runner, bot_url = await serve(create_app(settings, services=services))
        anchor_runner: web.AppRunner | None = None
        durable_runner: web.AppRunner | None = None
        try:
            captured = await load.capture(bot_url)
            anchor_runner, anchor_url = await serve(anchor_app(settings, captured))
            durable_app = durable_anchor_app(settings, captured, Path(tmp) / "durable.sqlite3")
            durable_runner, durable_url = await serve(durable_app)
            saved, savers = history
            first_turn = await _history(load, bot_url, services, saved, savers) if saved else 0
            print(
                f"Per turn, {turns} turns each, one at a time, as {count} user(s), after "
                f"{saved} answers saved by {savers} user(s) ({machine()}):"
            )
            for kind in kinds:
                ours = Turns(load, bot_url, kind, count, first_turn)
                anchor = Turns(load, anchor_url, kind, count, first_turn)
                # For an answer, the anchor that also commits it durably (a message: none).
                durable = (
                    Turns(load, durable_url, kind, count, first_turn) if kind == "submit" else None
                )
                warming: list[float] = []
                for _ in range(BLOCK):  # warm: member lookups cached, imports done
                    await _timed(ours.one, 1, warming)
                    await anchor.one()
                    if durable is not None:
                        await durable.one()
                print(
                    f"ours, CPU of the first turns (untimed warm-up): "
                    f"{', '.join(f'{t * 1000:.1f}' for t in warming[:8])} ms"
                )
                cpu = {"ours": 0.0, "anchor": 0.0, "store": 0.0, "gc": 0.0, "durable": 0.0}
                each: list[float] = []
                GC.seconds, GC.collections = 0.0, 0
                for _ in range(max(1, turns // BLOCK)):
                    GC.on = True
                    spent, store = await _timed(ours.one, BLOCK, each)
                    GC.on = False
                    cpu["ours"] += spent
                    cpu["store"] += store
                    cpu["anchor"] += (await _timed(anchor.one, BLOCK))[0]
                    if durable is not None:
                        cpu["durable"] += (await _timed(durable.one, BLOCK))[0]
                cpu["gc"] = GC.seconds
                n = max(1, turns // BLOCK) * BLOCK
                profiles = {"ours": cProfile.Profile(), "anchor": cProfile.Profile()}
                for _ in range(max(1, turns // BLOCK)):
                    for name, runner in (("ours", ours), ("anchor", anchor)):
                        profiles[name].enable()
                        for _ in range(BLOCK):
                            await runner.one()
                        profiles[name].disable()
                _report(kind, n, cpu, profiles)
                _spread(each, cpu["gc"])
                if dump is not None:
                    for name, profile in profiles.items():
                        profile.dump_stats(dump / f"{kind}-{name}.pstats")
        finally:
            await session.close()
            if anchor_runner is not None:
                await anchor_runner.cleanup()
            if durable_runner is not None:
                await durable_runner.cleanup()
            await bot_runner.cleanup()
            await channel.stop()


def _report(
    kind: str, n: int, cpu: dict[str, float], profiles: dict[str, cProfile.Profile]
) -> None:
    scenario = "`mina kontroller`" if kind == "message" else "an answer (open + submit)"
    ours = pstats.Stats(profiles["ours"])
    anchor = pstats.Stats(profiles["anchor"])
    whole = _cumulative(ours, "bot/app.py", "messages")
    base = _cumulative(anchor, "bench/_agents.py", "messages")
    route = _cumulative(ours, "dialogs/turn.py", "route" if kind == "message" else "execute")
    sent = _cumulative(ours, "dialogs/turn.py", "send") + _cumulative(
        ours, "adaptive_card/adaptive_card.py", "_send_invoke_response"
    )
    if kind == "message":
        route -= _cumulative(ours, "dialogs/turn.py", "send")  # inside the route
    print()
    print(
        f"{scenario}: CPU per turn without a profiler, ours {cpu['ours'] / n * 1000:.2f} ms, "
        f"anchor {cpu['anchor'] / n * 1000:.2f} ms ({cpu['ours'] / cpu['anchor']:.2f}×; this "
        "process: servers, channel and the driving client alike), of ours "
        f"{cpu['store'] / n * 1000:.2f} ms in the SQLite store's threads. "
        + (
            f"The durable anchor (the anchor committing each submit with FULL sync) "
            f"{cpu['durable'] / n * 1000:.2f} ms: ours ÷ durable anchor "
            f"{cpu['ours'] / cpu['durable']:.2f}×. "
            if cpu["durable"]
            else ""
        )
        + "Under cProfile (this thread only):"
    )
    print("| part | ms per turn | share |\n|---|---:|---:|")
    for label, seconds, of in (
        ("ours: whole request (/api/messages)", whole, whole),
        ("ours: our route (identity, plans, answers, the card)", route, whole),
        ("ours: the SDK sending the reply", sent, whole),
        ("ours: the rest (SDK pipeline, our edge checks)", whole - route - sent, whole),
        ("anchor: whole request", base, whole),
    ):
        print(f"| {label} | {seconds / n * 1000:.2f} | {seconds / of:.0%} |")


def _spread(each: list[float], gc_seconds: float) -> None:
    """How the timed turns of ours spread, and what garbage collection took of them."""
    if not each:
        return
    ranked = [t * 1000 for t in sorted(each)]
    print(
        f"ours, CPU per timed turn: first {each[0] * 1000:.2f} ms, median "
        f"{statistics.median(ranked):.2f} ms, p90 {ranked[int(0.9 * len(ranked))]:.2f} ms, "
        f"max {ranked[-1]:.2f} ms; garbage collection {gc_seconds / len(each) * 1000:.2f} ms "
        f"per turn ({GC.collections} collections in all)"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=300, help="measured turns per agent")
    parser.add_argument(
        "--only", choices=("message", "submit"), help="one scenario instead of both"
    )
    parser.add_argument(
        "--dump", type=Path, help="write each profile to DIR/<scenario>-<agent>.pstats"
    )
    parser.add_argument(
        "--history", type=int, default=0, help="answers saved (and landed) before the turns"
    )
    parser.add_argument(
        "--history-users",
        type=int,
        default=HISTORY_USERS,
        help=f"users who save the --history answers (default {HISTORY_USERS})",
    )
    parser.add_argument(
        "--users", type=int, default=BLOCK, help=f"users the turns cycle over (default {BLOCK})"
    )
    args = parser.parse_args()
    kinds = (args.only,) if args.only else ("message", "submit")
    if args.dump is not None:
        args.dump.mkdir(parents=True, exist_ok=True)
    history = (args.history, args.history_users)
    asyncio.run(main(args.turns, kinds, args.dump, history, args.users))
