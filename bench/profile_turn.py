"""Where a turn's time goes: our code against a bare Agents SDK agent sending the same cards.

Run: ``.venv/bin/python bench/profile_turn.py`` (``--turns N``, default 300; ``--only submit``
for one scenario; ``--dump DIR`` writes the profiles for pstats or snakeviz).

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
import pstats
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


def _cumulative(stats: pstats.Stats, path_end: str, function: str) -> float:
    total = 0.0
    for (filename, _line, name), row in stats.stats.items():  # type: ignore[attr-defined]
        if filename.endswith(path_end) and name == function:
            total += float(row[3])
    return total


class Turns:
    """Turns of one scenario against one agent, for the users in turn."""

    def __init__(self, load: Load, url: str, kind: str, count: int) -> None:
        self._load = load
        self._url = url
        self._kind = kind
        self._people = users(count)
        self._done = 0

    async def one(self) -> None:
        user = self._people[self._done % len(self._people)]
        turn = self._done // len(self._people)
        self._done += 1
        if self._kind == "message":
            await self._load._message_turn(self._url, user, echo=False, check=False)
        else:
            await self._load._submit_turn(self._url, user, turn, echo=False)


async def _timed(run: Callable[[], Awaitable[None]], count: int) -> tuple[float, float]:
    """CPU seconds of this process for ``count`` turns, and of them the store's threads'."""
    started, store = time.process_time(), _store_cpu()
    for _ in range(count):
        await run()
    return time.process_time() - started, _store_cpu() - store


def _store_cpu() -> float:
    """CPU seconds the SQLite store's threads have used (cProfile sees only this thread)."""
    total = 0.0
    for thread in threading.enumerate():
        if thread.name.startswith("ikbot-sqlite") and thread.ident is not None:
            with contextlib.suppress(OSError):  # a thread that ended meanwhile
                total += time.clock_gettime(time.pthread_getcpuclockid(thread.ident))
    return total


async def main(turns: int, kinds: tuple[str, ...], dump: Path | None) -> None:
    with tempfile.TemporaryDirectory(prefix="ikbot-profile-") as tmp:
        plan = write_plan(Path(tmp) / "plans" / PLAN_NAME)
        settings = Settings(workbook=plan, data_dir=Path(tmp) / "var", today=TODAY)
        services = Services.build(settings)
        people = users(BLOCK)
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
            print(f"Per turn, {turns} turns each, one at a time ({machine()}):")
            for kind in kinds:
                ours = Turns(load, bot_url, kind, BLOCK)
                anchor = Turns(load, anchor_url, kind, BLOCK)
                # For an answer, the anchor that also commits it durably (a message: none).
                durable = Turns(load, durable_url, kind, BLOCK) if kind == "submit" else None
                for _ in range(BLOCK):  # warm: member lookups cached, imports done
                    await ours.one()
                    await anchor.one()
                    if durable is not None:
                        await durable.one()
                cpu = {"ours": 0.0, "anchor": 0.0, "store": 0.0, "durable": 0.0}
                for _ in range(max(1, turns // BLOCK)):
                    spent, store = await _timed(ours.one, BLOCK)
                    cpu["ours"] += spent
                    cpu["store"] += store
                    cpu["anchor"] += (await _timed(anchor.one, BLOCK))[0]
                    if durable is not None:
                        cpu["durable"] += (await _timed(durable.one, BLOCK))[0]
                n = max(1, turns // BLOCK) * BLOCK
                profiles = {"ours": cProfile.Profile(), "anchor": cProfile.Profile()}
                for _ in range(max(1, turns // BLOCK)):
                    for name, runner in (("ours", ours), ("anchor", anchor)):
                        profiles[name].enable()
                        for _ in range(BLOCK):
                            await runner.one()
                        profiles[name].disable()
                _report(kind, n, cpu, profiles)
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


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=300, help="measured turns per agent")
    parser.add_argument(
        "--only", choices=("message", "submit"), help="one scenario instead of both"
    )
    parser.add_argument(
        "--dump", type=Path, help="write each profile to DIR/<scenario>-<agent>.pstats"
    )
    args = parser.parse_args()
    kinds = (args.only,) if args.only else ("message", "submit")
    if args.dump is not None:
        args.dump.mkdir(parents=True, exist_ok=True)
    asyncio.run(main(args.turns, kinds, args.dump))
