"""`ikbot db …`: the store's schema, and the personal data it keeps (see docs/deploy.md)."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the store is imported when a db command runs, not for every `ikbot`
    from bot.store.database import Database


def add_db_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `ikbot db upgrade | check | purge | forget`."""
    db = commands.add_parser(
        "db", help="databasen: schemat, gallring och borttagning av personuppgifter"
    )
    actions = db.add_subparsers(dest="db_command", required=True)
    actions.add_parser("upgrade", help="uppgradera databasens schema till den senaste versionen")
    actions.add_parser("check", help="kontrollera att databasen går att nå och är uppgraderad")
    purge = actions.add_parser(
        "purge",
        help="gallra svarshistorik och konversationsdata äldre än ett år (väntande svar behålls)",
    )
    purge.add_argument(
        "--before",
        type=int,
        required=True,
        metavar="ÅR",
        help="ta bort skrivna svar för perioder före detta år, och konversationsdata som "
        "senast ändrades före årets början",
    )
    forget = actions.add_parser("forget", help="ta bort en persons konversationsdata")
    forget.add_argument(
        "--user", required=True, help="personens e-postadress eller objekt-ID i Entra ID"
    )


def run_db(args: argparse.Namespace, env: Mapping[str, str] | None = None) -> int:
    """Run one `ikbot db` command; return the exit code."""
    from bot.settings import SettingsError, database_url
    from bot.store.database import Database, store_url

    env = os.environ if env is None else env
    try:
        db = Database(
            store_url(
                database_url(env.get("IKBOT_DATABASE_URL", "")),
                Path(env.get("IKBOT_DATA_DIR", "").strip() or "var"),
            )
        )
    except SettingsError as error:
        print(f"ikbot: {error}", file=sys.stderr)
        return 2
    if args.db_command == "check":
        return _run(db, _check, upgrade=False)
    if args.db_command == "upgrade":
        return _run(db, _upgrade, upgrade=True)
    if args.db_command == "purge":
        if not 2000 <= args.before <= 2200:
            print(f"ikbot: --before ska vara ett årtal, inte {args.before}.", file=sys.stderr)
            return 2
        return _run(db, lambda d: _purge(d, args.before), upgrade=True)
    return _run(db, lambda d: _forget(d, args.user), upgrade=True)


def _run(db: Database, command: Callable[[Database], Awaitable[int]], *, upgrade: bool) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    print(f"Databas: {db.describe()}")
    if db.is_sqlite and not Path(db.url.database or "").exists() and not upgrade:
        print("Databasfilen finns inte än (den skapas när boten startar).")
        return 1

    async def run() -> int:
        try:
            await db.open(upgrade=upgrade)
            return await command(db)
        finally:
            await db.close()

    try:
        return asyncio.run(run())
    except (SQLAlchemyError, OSError) as error:  # unreachable, refused, no such file …
        print(f"Databasen kunde inte nås: {_first_line(error)}", file=sys.stderr)
        return 1


def _first_line(error: Exception) -> str:
    cause = getattr(error, "orig", None) or error
    lines = str(cause).strip().splitlines()
    return lines[0] if lines else type(cause).__name__


async def _check(db: Database) -> int:
    from bot.store import migrate

    state = await migrate.check(db)
    if state.up_to_date:
        print(f"Databasen går att nå och har den senaste schemaversionen ({state.head}).")
        return 0
    if state.current is None:
        print(
            f"Databasen går att nå men saknar schemaversion (senaste är {state.head}): "
            "kör `ikbot db upgrade` eller starta boten."
        )
    else:
        print(
            f"Databasen går att nå men har schemaversion {state.current}, senaste är "
            f"{state.head}: kör `ikbot db upgrade` eller starta boten."
        )
    return 1


async def _upgrade(db: Database) -> int:
    from bot.store import migrate

    state = await migrate.check(db)
    print(f"Databasen har den senaste schemaversionen ({state.current}).")
    return 0 if state.up_to_date else 1


async def _purge(db: Database, before: int) -> int:
    from bot.store import retention

    purged = await retention.purge(db, before)
    print(
        f"Tog bort {purged.answers} svar för perioder före {before} (de finns kvar i "
        f"arbetsböckerna), {purged.conversations} konversationstillstånd och "
        f"{purged.references} konversationsreferenser som senast ändrades före {before}."
    )
    if purged.kept_pending:
        print(
            f"{purged.kept_pending} äldre svar har inte skrivits till sin arbetsbok än och "
            "sparades."
        )
    return 0


async def _forget(db: Database, who: str) -> int:
    from bot.store import retention

    gone = await retention.forget(db, who)
    if not gone.user_ids:
        print(
            f"Ingen konversationsdata är kopplad till {who.strip()}. Ange personens objekt-ID "
            "i Entra ID om e-postadressen inte har setts av boten."
        )
        return 0
    print(
        f"Tog bort konversationsdata för {', '.join(gone.user_ids)}: "
        f"{gone.conversations} konversationstillstånd och {gone.references} "
        "konversationsreferenser. Svaren finns kvar i journalen och arbetsböckerna."
    )
    return 0
