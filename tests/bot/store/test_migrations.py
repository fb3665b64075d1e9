"""Schema migrations: a new database, the first release's SQLite file, several instances."""

from __future__ import annotations

import asyncio
import shutil
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection

from bot.domain.model import Action, ControlKey, Period
from bot.store import migrate
from bot.store.conversations import ConversationStore
from bot.store.database import Database
from bot.store.journal import Journal
from bot.store.schema import metadata
from tests.databases import both_engines, store_url

# Written by the release before the store had migrations (commit 0253ad3), with that
# release's own code: see data/make_release_db.py.
RELEASE_FILE = Path(__file__).parent / "data" / "release-0253ad3.sqlite3"


def _differences(connection: Connection) -> list[object]:
    return list(compare_metadata(MigrationContext.configure(connection), metadata))


async def schema_differences(db: Database) -> list[object]:
    """What differs between the database's tables and the ones the code uses."""
    return await db.run(_differences)


def _not_a_key_nullability(difference: object) -> bool:
    # The first release declared its primary keys without NOT NULL, which SQLite reports
    # as nullable (the migrations add NOT NULL); the keys are filled in every row.
    [change] = difference  # type: ignore[misc]
    return not (change[0] == "modify_nullable" and change[3] in ("seq", "key", "plan_key"))


@both_engines
async def test_a_new_database_gets_the_schema_the_code_uses(
    tmp_path: Path, database_url: str | None
) -> None:
    db = Database(store_url(database_url, tmp_path))
    await db.open(upgrade=False)
    before = await migrate.check(db)
    assert before.current is None and not before.up_to_date
    await migrate.upgrade(db)
    after = await migrate.check(db)
    assert after.up_to_date and after.current == migrate.head()
    assert await schema_differences(db) == []
    await migrate.upgrade(db)  # nothing to do the second time
    assert (await migrate.check(db)).up_to_date
    await db.close()


@both_engines
async def test_instances_starting_together_upgrade_once(
    tmp_path: Path, database_url: str | None
) -> None:
    dbs = [Database(store_url(database_url, tmp_path)) for _ in range(3)]
    await asyncio.gather(*(db.open() for db in dbs))
    for db in dbs:
        assert (await migrate.check(db)).up_to_date
        await db.close()


async def test_the_first_releases_file_is_adopted_without_losing_anything(tmp_path: Path) -> None:
    path = tmp_path / "ikbot.sqlite3"
    shutil.copy(RELEASE_FILE, path)
    db = Database(path)
    await db.open(upgrade=False)
    assert (await migrate.check(db)).current is None  # tables, but no version
    await migrate.upgrade(db)
    assert (await migrate.check(db)).up_to_date
    assert list(filter(_not_a_key_nullability, await schema_differences(db))) == []

    journal = Journal(db)
    slot = ControlKey("ks.xlsx", "1")
    first, second = await journal.history(slot, 2026, Period.YEAR)
    assert (first.outcome, first.checked, first.observations) == (
        "Ingen avvikelse",
        10,
        "Allt stämmer ”citat”",
    )
    assert second.action == Action("Informera attestanterna", "Ekonomichefen", date(2027, 3, 31))
    assert second.answered_at == datetime(2027, 1, 5, 9, 2, tzinfo=UTC)
    # The two answers the workbook had not received are still pending, in order.
    assert await journal.count_pending() == 2
    assert [a.answer_id for a in await journal.pending("ks.xlsx", 10)] == [
        f"{4:032x}",
        f"{5:032x}",
    ]
    state = await journal.writer_state("ks.xlsx")
    assert state is not None and (state.failures, state.last_error) == (1, "Arbetsboken är låst")
    conversations = ConversationStore(db)
    assert await conversations.load("conv-user-alex|aad-alex") == {"welcomed": True}
    assert await conversations.load("19:team@thread.tacv2|") == {"welcomed": True}
    # New answers continue after the old ones.
    [old] = await journal.history(ControlKey("ks.xlsx", "3"), 2026, Period.YEAR)
    assert await journal.append(replace(old, answer_id="f" * 32, outcome="Ingen avvikelse"))
    history = await journal.history(ControlKey("ks.xlsx", "3"), 2026, Period.YEAR)
    assert [a.outcome for a in history] == ["Ej genomförd", "Ingen avvikelse"]
    await db.close()


async def test_a_half_created_first_release_file_is_completed(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "ikbot.sqlite3"
    shutil.copy(RELEASE_FILE, path)
    with sqlite3.connect(path) as conn:  # the first release created its tables one by one
        conn.execute("DROP TABLE conversation_state")
    db = Database(path)
    await db.open()
    assert list(filter(_not_a_key_nullability, await schema_differences(db))) == []
    assert await ConversationStore(db).load("conv-user-alex|aad-alex") == {}
    assert await Journal(db).count_pending() == 2
    await db.close()


@both_engines
async def test_check_says_when_the_database_cannot_be_reached(
    tmp_path: Path, database_url: str | None
) -> None:
    if database_url is None:
        # A SQLite file in a folder that cannot be created.
        blocker = tmp_path / "file"
        blocker.write_text("")
        db = Database(blocker / "sub" / "ikbot.sqlite3")
    else:
        db = Database(database_url.rsplit("/", 1)[0] + "/no_such_database")
    with pytest.raises(Exception):  # noqa: B017 - the driver's own error, whatever it is
        await db.open(upgrade=False)
        await migrate.check(db)
    await db.close()
