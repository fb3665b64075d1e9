"""Conversation state, on SQLite and on PostgreSQL: atomic across instances."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.store.conversations import ConversationStore
from bot.store.database import Database
from tests.databases import both_engines, store_url

pytestmark = both_engines
WHEN = datetime(2027, 1, 5, 9, 0, tzinfo=UTC)


async def test_state_round_trips_and_a_missing_key_is_empty(store_db: Database) -> None:
    store = ConversationStore(store_db)
    assert await store.load("conv|user") == {}
    await store.save("conv|user", {"welcomed": True, "text": "Två ”citat” å ä ö"}, WHEN)
    assert await store.load("conv|user") == {"welcomed": True, "text": "Två ”citat” å ä ö"}
    await store.save("conv|user", {"welcomed": False}, WHEN)
    assert await store.load("conv|user") == {"welcomed": False}
    assert await store.load("conv|other") == {}


async def test_an_unchanged_state_is_not_written(store_db: Database) -> None:
    store = ConversationStore(store_db)
    assert await store.update("conv|user", lambda s: s, WHEN) == {}
    assert await store_db.fetchall("SELECT key FROM conversation_state") == []
    after = await store.update("conv|user", lambda s: {**s, "welcomed": True}, WHEN)
    assert after == {"welcomed": True}
    [row] = await store_db.fetchall("SELECT key, updated_at FROM conversation_state")
    assert (row.key, row.updated_at) == ("conv|user", "2027-01-05T09:00:00.000000+00:00")


async def test_updates_from_two_instances_never_interleave(
    tmp_path: Path, database_url: str | None
) -> None:
    # Two instances sharing one database, each with its own connections: every update of
    # the same key sees the one before it, and each change runs exactly once.
    instances = [Database(store_url(database_url, tmp_path)) for _ in range(2)]
    for db in instances:
        await db.open()
    calls: list[int] = []

    def increment(state: dict[str, Any]) -> dict[str, Any]:
        calls.append(state.get("n", 0))
        return {"n": state.get("n", 0) + 1}

    stores = [ConversationStore(db) for db in instances]
    await asyncio.gather(*(stores[i % 2].update("conv|user", increment, WHEN) for i in range(40)))
    assert await stores[0].load("conv|user") == {"n": 40}
    assert sorted(calls) == list(range(40))  # each saw a different state: no lost update
    for db in instances:
        await db.close()


async def test_the_first_greeting_is_seen_once_by_two_instances(
    tmp_path: Path, database_url: str | None
) -> None:
    instances = [Database(store_url(database_url, tmp_path)) for _ in range(2)]
    for db in instances:
        await db.open()
    first: list[bool] = []

    def welcome_once(state: dict[str, Any]) -> dict[str, Any]:
        first.append(not state.get("welcomed"))
        return {**state, "welcomed": True}

    for n in range(10):
        first.clear()
        await asyncio.gather(
            *(
                ConversationStore(db).update(f"conv-{n}|user", welcome_once, WHEN)
                for db in instances
            )
        )
        assert sorted(first) == [False, True]
    for db in instances:
        await db.close()


async def test_a_state_saved_without_an_fsync_is_kept_and_later_writes_are_durable(
    store_db: Database,
) -> None:
    store = ConversationStore(store_db)
    query = "PRAGMA synchronous" if store_db.is_sqlite else "SHOW synchronous_commit"

    async def level() -> str:
        return str(await store_db.run(lambda c: c.exec_driver_sql(query).scalar(), write=True))

    before = await level()
    await store.save("underlag|a", {"control": "1"}, WHEN, durable=False)
    assert await store.load("underlag|a") == {"control": "1"}
    await store.save("underlag|a", {"control": "2"}, WHEN, durable=False)
    assert await store.load("underlag|a") == {"control": "2"}
    # Only those transactions went without the sync: the next one is as before (FULL on
    # SQLite; the server's own setting on PostgreSQL).
    assert await level() == before
    if store_db.is_sqlite:
        assert before == "2"
