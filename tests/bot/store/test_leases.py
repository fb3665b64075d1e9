"""Leases, on SQLite and on PostgreSQL: one holder at a time, expiry, renewal."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.store.database import Database
from bot.store.leases import TTL, Leases
from tests.databases import both_engines, store_url

pytestmark = both_engines
T0 = datetime(2027, 1, 5, 9, 0, tzinfo=UTC)


class Clock:
    """A clock the test moves."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


async def test_one_holder_until_it_releases(store_db: Database) -> None:
    clock = Clock()
    a, b = (Leases(store_db, owner, now=clock) for owner in ("a", "b"))
    assert await a.acquire("workbook:ks.xlsx") == T0 + TTL
    assert await b.acquire("workbook:ks.xlsx") is None
    assert await a.acquire("workbook:other.xlsx") is not None  # leases are per name
    assert await a.acquire("workbook:ks.xlsx") == T0 + TTL  # the holder may take it again
    holder = await b.holder("workbook:ks.xlsx")
    assert holder is not None and (holder.owner, holder.expires_at) == ("a", T0 + TTL)
    await b.release("workbook:ks.xlsx")  # not b's to release
    assert await b.acquire("workbook:ks.xlsx") is None
    await a.release("workbook:ks.xlsx")
    assert await b.acquire("workbook:ks.xlsx") is not None
    assert await a.renew("workbook:ks.xlsx") is None


async def test_a_dead_holders_lease_expires_within_a_minute(store_db: Database) -> None:
    clock = Clock()
    dead, alive = (Leases(store_db, owner, now=clock) for owner in ("dead", "alive"))
    assert await dead.acquire("workbook:ks.xlsx")
    clock.now = T0 + TTL - timedelta(seconds=1)
    assert await alive.acquire("workbook:ks.xlsx") is None
    assert await dead.renew("workbook:ks.xlsx") == clock.now + TTL  # renewing keeps it
    clock.now += TTL + timedelta(milliseconds=1)
    assert timedelta(minutes=1) > TTL
    assert await alive.acquire("workbook:ks.xlsx") == clock.now + TTL
    assert await dead.renew("workbook:ks.xlsx") is None  # taken over: the old holder knows


async def test_hold_renews_in_the_background_and_releases(
    tmp_path: Path, database_url: str | None
) -> None:
    db = Database(store_url(database_url, tmp_path))
    await db.open()
    short = timedelta(milliseconds=300)
    a, b = Leases(db, "a", ttl=short), Leases(db, "b", ttl=short)
    async with a.hold("workbook:ks.xlsx") as held:
        assert held is not None
        first_expiry = held.expires_at
        await asyncio.sleep(short.total_seconds() * 2)  # outlives the TTL: renewed meanwhile
        assert held.expires_at > first_expiry and not held.lost
        async with b.hold("workbook:ks.xlsx") as other:
            assert other is None
    assert await a.holder("workbook:ks.xlsx") is None  # released
    async with b.hold("workbook:ks.xlsx") as other:
        assert other is not None
    await db.close()


async def test_a_holder_learns_that_its_lease_was_lost(
    tmp_path: Path, database_url: str | None
) -> None:
    db = Database(store_url(database_url, tmp_path))
    await db.open()
    short = timedelta(milliseconds=300)
    a, b = Leases(db, "a", ttl=short), Leases(db, "b", ttl=short)
    async with a.hold("workbook:ks.xlsx") as held:
        assert held is not None
        await a.release("workbook:ks.xlsx")  # as if it had expired while a was stalled
        assert await b.acquire("workbook:ks.xlsx") is not None
        for _ in range(50):
            if held.lost:
                break
            await asyncio.sleep(0.05)
        assert held.lost
    holder = await a.holder("workbook:ks.xlsx")
    assert holder is not None and holder.owner == "b"  # a's release did not touch b's lease
    await db.close()


async def test_coroutines_of_one_instance_take_turns(store_db: Database) -> None:
    leases = Leases(store_db, "a")
    inside: list[int] = []
    overlaps: list[int] = []

    async def work(n: int) -> None:
        async with leases.hold("workbook:ks.xlsx") as held:
            assert held is not None
            if inside:
                overlaps.append(n)
            inside.append(n)
            await asyncio.sleep(0.01)
            inside.remove(n)

    await asyncio.gather(*(work(n) for n in range(5)))
    assert overlaps == []
