"""Leases: work that one instance must do alone (writing a workbook) is claimed by name.

A lease has an owner and an expiry; the holder renews it while it works and releases it
when done. An instance that dies (kill -9, a lost host) stops renewing, and its lease
expires after ``TTL``: another instance may then take over. Times are the instances'
clocks in UTC (kept in sync by the host; the TTL is far above any sane skew).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
import weakref
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, or_, select, update

from bot.store.database import Database
from bot.store.dialects import insert
from bot.store.schema import leases, stamp

logger = logging.getLogger(__name__)

TTL = timedelta(seconds=15)  # a dead holder's lease is free again this long after its last renewal


def instance_name() -> str:
    """A name for this process that no other instance has (host, pid and a random part)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass(slots=True)
class Held:
    """A lease being held; ``lost`` turns true if a renewal found it taken or failed
    until it expired (the holder should stop before its next step)."""

    name: str
    expires_at: datetime
    lost: bool = False


@dataclass(frozen=True, slots=True)
class Lease:
    """A lease as stored."""

    name: str
    owner: str
    expires_at: datetime


class Leases:
    """Acquire, renew and release named leases for one owner (this instance)."""

    def __init__(
        self,
        db: Database,
        owner: str | None = None,
        *,
        ttl: timedelta = TTL,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._db = db
        self.owner = owner or instance_name()
        self.ttl = ttl
        self._now = now
        # The stored lease tells instances apart; within this one, coroutines wanting the
        # same lease take turns here (weak: an entry lives while someone holds or waits).
        self._local: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    async def acquire(self, name: str) -> datetime | None:
        """Take the lease if it is free, expired or already ours; return its new expiry, or
        None when another owner holds it."""
        now = self._now()
        expires = now + self.ttl
        statement = insert(self._db.dialect, leases).values(
            name=name, owner=self.owner, expires_at=stamp(expires)
        )
        statement = statement.on_conflict_do_update(
            index_elements=[leases.c.name],
            set_={"owner": statement.excluded.owner, "expires_at": statement.excluded.expires_at},
            where=or_(leases.c.owner == self.owner, leases.c.expires_at < stamp(now)),
        )
        return expires if await self._db.execute(statement) == 1 else None

    async def renew(self, name: str) -> datetime | None:
        """Extend a lease this owner holds; None if it is no longer ours."""
        expires = self._now() + self.ttl
        changed = await self._db.execute(
            update(leases)
            .where(leases.c.name == name, leases.c.owner == self.owner)
            .values(expires_at=stamp(expires))
        )
        return expires if changed == 1 else None

    async def release(self, name: str) -> None:
        """Give the lease up (only if it is still ours)."""
        await self._db.execute(
            delete(leases).where(leases.c.name == name, leases.c.owner == self.owner)
        )

    async def holder(self, name: str) -> Lease | None:
        """Who holds the lease and until when (an expired lease may still be listed)."""
        row = await self._db.fetchone(select(leases).where(leases.c.name == name))
        if row is None:
            return None
        return Lease(row.name, row.owner, datetime.fromisoformat(row.expires_at))

    @contextlib.asynccontextmanager
    async def hold(self, name: str) -> AsyncIterator[Held | None]:
        """Hold the lease for the block, renewed in the background; None when another
        instance has it (the block should then leave the work to them). Within this
        instance, a second holder waits for the first."""
        local = self._local.get(name)
        if local is None:
            local = self._local[name] = asyncio.Lock()
        async with local, self._hold(name) as held:
            yield held

    @contextlib.asynccontextmanager
    async def _hold(self, name: str) -> AsyncIterator[Held | None]:
        expires = await self.acquire(name)
        if expires is None:
            yield None
            return
        held = Held(name, expires)
        keeper = asyncio.create_task(self._keep(held), name=f"lease {name}")
        try:
            yield held
        finally:
            keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await keeper
            try:
                await self.release(name)
            except Exception:  # it expires by itself
                logger.warning("Could not release lease %s", name, exc_info=True)

    async def _keep(self, held: Held) -> None:
        """Renew every third of the TTL until cancelled or lost."""
        while True:
            await asyncio.sleep(self.ttl.total_seconds() / 3)
            try:
                expires = await self.renew(held.name)
            except Exception:
                logger.warning("Could not renew lease %s", held.name, exc_info=True)
                if self._now() >= held.expires_at:
                    held.lost = True
                    return
                continue
            if expires is None:
                logger.warning("Lease %s was taken over by another instance", held.name)
                held.lost = True
                return
            held.expires_at = expires
