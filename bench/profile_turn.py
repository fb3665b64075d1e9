"""Where a `mina kontroller` turn's time goes: the bot's own code vs the Agents SDK.

Run: ``.venv/bin/python bench/profile_turn.py`` — profiles 300 turns (after a warm-up)
of the real app against the recording test channel, and prints how much of the time
spent handling /api/messages is our flow (identity, plans, answers, building the card)
and how much is the SDK's turn pipeline and its sending of the reply. Prints, never
asserts.
"""

from __future__ import annotations

import asyncio
import cProfile
import pstats
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.fakes.connector import RecordingConnector  # noqa: E402
from tests.fakes.harness import ALEX, standard_plan, start_bot  # noqa: E402

TURNS = 300


def _cumulative(stats: pstats.Stats, path_end: str, function: str) -> float:
    for (filename, _line, name), row in stats.stats.items():  # type: ignore[attr-defined]
        if filename.endswith(path_end) and name == function:
            return float(row[3])
    return 0.0


async def main() -> None:
    folder = Path(tempfile.mkdtemp())
    connector = RecordingConnector()
    connector.add(ALEX)
    bot, runner = await start_bot(
        standard_plan(folder / "plans" / "ks.xlsx").parent, folder / "var", connector
    )
    try:
        for _ in range(20):
            await bot.say("mina kontroller")
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(TURNS):
            await bot.say("mina kontroller")
        profile.disable()
    finally:
        await bot.session.close()
        await runner.cleanup()
        await connector.stop()
    stats = pstats.Stats(profile)
    total = _cumulative(stats, "bot/app.py", "messages")
    ours = _cumulative(stats, "dialogs/handlers.py", "run")
    send = _cumulative(stats, "dialogs/handlers.py", "_send")
    print(f"`mina kontroller`, {TURNS} turns under cProfile (times inflated by profiling):")
    print("| part | ms per turn | share |\n|---|---:|---:|")
    for label, seconds in (
        ("whole request (/api/messages)", total),
        ("our flow: identity, plans, answers, the card", ours),
        ("SDK: sending the reply card", send),
        ("SDK: the rest of the turn pipeline", total - ours - send),
    ):
        print(f"| {label} | {seconds / TURNS * 1000:.2f} | {seconds / total:.0%} |")


if __name__ == "__main__":
    asyncio.run(main())
