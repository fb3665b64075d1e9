"""`ikbot remind`: run one reminder sweep now, or (``--dry-run``) print what it would send."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections import defaultdict
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported when the command runs, not for every `ikbot`
    from bot.reminders.sweep import Reminders
    from bot.services import Services

STAGE_WORDS = {
    "opens": "perioden öppnar",
    "before": "före sista svarsdag",
    "deadline": "sista svarsdag",
    "overdue": "försenad",
    "digest": "strategens sammanfattning av försenade",
    "manual": "påminnelse från strateg",
}


def add_remind_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `ikbot remind [--dry-run] [--at TIME]`."""
    remind = commands.add_parser(
        "remind", help="skicka påminnelserna som har kommit nu (ett svep), eller visa dem"
    )
    remind.add_argument(
        "--dry-run", action="store_true", help="visa vad nästa svep skulle skicka; skicka inget"
    )
    remind.add_argument(
        "--at",
        type=datetime.fromisoformat,
        metavar="TID",
        help="som om klockan vore TID (t.ex. 2027-01-07T09:00, svensk tid)",
    )


def run_remind(args: argparse.Namespace) -> int:
    """Run `ikbot remind`; return the exit code."""
    from bot.app import SERVICES, create_app
    from bot.domain.clock import STOCKHOLM
    from bot.settings import Settings, SettingsError

    try:
        settings = Settings.from_env()
        app = create_app(settings)
    except SettingsError as error:
        print(f"ikbot: {error}", file=sys.stderr)
        return 2
    services = app[SERVICES]
    if args.at is not None:
        at = args.at if args.at.tzinfo else args.at.replace(tzinfo=STOCKHOLM)
        services.clock.set(at)

    async def run() -> int:
        # Only the store and the workbooks: no writer, and no background sweep besides this.
        await services.db.open()
        try:
            if args.dry_run:
                print(await dry_run(services))
                return 0
            report = await services.reminders.sweep()
        finally:
            await services.source.close()
            await services.db.close()
        if report.skipped_hours:
            print("Utanför arbetstid (vardagar 08–17 svensk tid): inget skickades.")
            return 0
        print(
            f"Skickade {len(report.sent)}, kan inte nås {len(report.unreachable)}, "
            f"misslyckades {len(report.failed)}, redan besvarade {len(report.answered)}."
        )
        return 1 if report.failed else 0

    return asyncio.run(run())


async def dry_run(services: Services) -> str:
    """What the next sweep would send now, per person (nothing is stored or sent)."""
    from bot.domain.clock import STOCKHOLM
    from bot.domain.schedule import in_sending_hours

    reminders: Reminders = services.reminders
    now = services.clock.now()
    lines = [f"Påminnelser {now.astimezone(STOCKHOLM):%Y-%m-%d %H:%M} (svensk tid):"]
    if not in_sending_hours(now, reminders.rules):
        lines.append("Utanför arbetstid eller en helgdag: ett schemalagt svep skickar inget nu.")
    stored = {
        (r.kind, r.recipient, r.plan_key, r.year, r.period, r.stage)
        for r in await reminders.outbox.rows()
    }
    waiting = await reminders.outbox.recipients(now)
    by_person: dict[str, list[str]] = defaultdict(list)
    for entry in await reminders.plan(now):
        key = (entry.kind, entry.recipient, entry.plan_key, entry.year, entry.period, entry.stage)
        if key in stored and entry.recipient not in waiting:
            continue  # already sent (or settled)
        stage = STAGE_WORDS.get(entry.stage.split(":")[0].split("-")[0], entry.stage)
        items = [f"{i['key']} ({i['label'][:60]})" for i in entry.payload.get("items", [])]
        by_person[entry.recipient].append(f"{stage}: {', '.join(items)}")
    if not by_person:
        lines.append("Inget att skicka.")
    for person, parts in sorted(by_person.items()):
        lines.append(f"- {person}")
        lines.extend(f"    {part}" for part in parts)
    lines.append(f"{len(by_person)} meddelanden (ett per person).")
    return "\n".join(lines)
