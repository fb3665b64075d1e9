"""A reminder sweep for many people against a connector that enforces Teams' rate limits.

Run: ``.venv/bin/python bench/reminders.py`` (``--quick`` for a smoke run: 200 people).

The plan has 2,000 people × 5 helår kontrollmoment; everyone has opened the bot once (their
conversation references are in the store). On the morning helår opens, `ikbot remind`
runs one sweep in its own process against the recording connector on loopback, which
answers 429 beyond 7 messages per second per conversation and 30 per second for the app
(Teams' documented limits). Printed: messages sent (one per person, not per control), the
time to reach everyone, the 429s met on the way; then the same sweep killed with SIGKILL
half-way and run again (as a restart would) — the duplicates (must be 0) and the reminders
lost in the kill (those in flight at that moment are never resent). SQLite store.
Benchmarks print; nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from _common import BOT, REPO, machine, users, write_plan

from bot.store.database import Database, store_url
from bot.store.references import ConversationReferences
from tests.fakes.connector import RecordingConnector

PER_USER = 5
AT = "2026-12-01T09:00"  # helår 2026 opens: everyone's five controls in one message
AFTER_KILL = "2026-12-01T09:10"  # the restart comes after the killed sweep's leases ran out
CHILD = "import sys; from bot.cli import main; sys.exit(main(sys.argv[1:]))"


async def seed(data_dir: Path, people: int, service_url: str) -> None:
    """Every person's conversation reference, as their first turn would have stored it."""
    db = Database(store_url(None, data_dir))
    await db.open()
    references = ConversationReferences(db)
    when = datetime(2026, 11, 1, tzinfo=UTC)
    for user in users(people):
        reference = {
            "activityId": None,
            "bot": dict(BOT),
            "channelId": "msteams",
            "conversation": {"id": user.conversation, "conversationType": "personal"},
            "locale": "sv-SE",
            "serviceUrl": service_url,
            "user": {"id": user.id, "name": user.name, "aadObjectId": user.aad_object_id},
        }
        reference = {k: v for k, v in reference.items() if v is not None}
        await references.remember(
            user.aad_object_id, user.conversation, reference, when, email=user.email
        )
    await db.close()


async def sweep(workbook: Path, data_dir: Path, at: str) -> asyncio.subprocess.Process:
    """Start `ikbot remind --at …` in its own process."""
    env = {
        **os.environ,
        "IKBOT_WORKBOOK": str(workbook),
        "IKBOT_DATA_DIR": str(data_dir),
        "IKBOT_LOG_LEVEL": "ERROR",
    }
    env.pop("IKBOT_DATABASE_URL", None)
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        CHILD,
        "remind",
        "--at",
        at,
        env=env,
        cwd=str(REPO),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )


async def run(people: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="ikbot-remind-"))
    workbook = write_plan(folder / "plan.xlsx", users_count=people, per_user=PER_USER)
    print(f"# Reminders: {people:,} people × {PER_USER} kontrollmoment — {machine()}")

    # 1. One sweep, start to end.
    connector = RecordingConnector(limits=(7, 30))
    service_url = await connector.start()
    await seed(folder / "one", people, service_url)
    started = time.perf_counter()
    process = await sweep(workbook, folder / "one", AT)
    await connector.wait_sent(1)
    first = time.perf_counter()
    await process.wait()
    elapsed = time.perf_counter() - started
    conversations = Counter(m["_conversation"] for m in connector.sent)
    throttled = sum(1 for _c, status in connector.refused if status == 429)
    print(
        f"| sweep | {len(connector.sent):,} messages for {people * PER_USER:,} kontrollmoment "
        f"| {len(conversations):,} people reached in {elapsed:.1f} s from the command's start "
        f"({elapsed - (first - started):.1f} s from the first message: "
        f"{len(connector.sent) / (elapsed - (first - started)):.1f} messages/s; "
        f"429s met: {throttled}) "
        f"| exit {process.returncode} |"
    )
    await connector.stop()

    # 2. The same sweep killed half-way, then run again.
    connector = RecordingConnector(limits=(7, 30))
    service_url = await connector.start()
    await seed(folder / "kill", people, service_url)
    process = await sweep(workbook, folder / "kill", AT)
    await connector.wait_sent(people // 2 + 3)  # in the middle of a batch of ten
    process.send_signal(signal.SIGKILL)
    await process.wait()
    at_kill = len(connector.sent)
    again = await sweep(workbook, folder / "kill", AFTER_KILL)
    await again.wait()
    conversations = Counter(m["_conversation"] for m in connector.sent)
    duplicates = sum(n - 1 for n in conversations.values() if n > 1)
    lost = people - len(conversations)
    print(
        f"| SIGKILL after {at_kill:,} messages, then a restart | {len(connector.sent):,} "
        f"messages, {len(conversations):,} people reached | duplicates: {duplicates} | "
        f"lost in the kill (in flight, never resent): {lost} |"
    )
    await connector.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="200 people (a smoke run)")
    parser.add_argument("--people", type=int, help="how many people (default 2,000)")
    args = parser.parse_args()
    asyncio.run(run(args.people or (200 if args.quick else 2000)))


if __name__ == "__main__":
    main()
