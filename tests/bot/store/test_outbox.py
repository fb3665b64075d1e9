"""The reminder outbox: each reminder stored once, claimed by one instance, sent at most once."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bot.store.database import Database
from bot.store.outbox import MAX_ATTEMPTS, Entry, Outbox
from tests.databases import both_engines, store_url

pytestmark = both_engines

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def entry(recipient: str, stage: str = "opens:2026-12-01", plan: str = "ks.xlsx") -> Entry:
    return Entry("control", recipient, plan, 2026, "YEAR", stage, date(2026, 12, 1), {"items": []})


async def test_a_reminder_is_stored_once(store_db: Database) -> None:
    outbox = Outbox(store_db, "a")
    assert await outbox.add([entry("x@k.se"), entry("y@k.se")], NOW) == 2
    assert await outbox.add([entry("x@k.se"), entry("x@k.se", "before:2027-01-07")], NOW) == 1
    assert len(await outbox.rows()) == 3


async def test_instances_claiming_together_never_share_a_row(
    database_url: str | None, tmp_path: Path
) -> None:
    databases = [Database(store_url(database_url, tmp_path)) for _ in range(3)]
    for db in databases:
        await db.open()
    try:
        outboxes = [Outbox(db, f"instance-{i}") for i, db in enumerate(databases)]
        people = [f"p{n}@k.se" for n in range(60)]
        await outboxes[0].add(
            [entry(p, s) for p in people for s in ("opens:2026-12-01", "before:2027-01-07")], NOW
        )

        async def claim_all(outbox: Outbox) -> list[int]:
            got: list[int] = []
            for person in people:
                got.extend(r.id for r in await outbox.claim(person, NOW))
            return got

        claimed = await asyncio.gather(*(claim_all(o) for o in outboxes))
        every = [i for ids in claimed for i in ids]
        assert len(every) == len(set(every)) == 120
    finally:
        for db in databases:
            await db.close()


async def test_a_row_left_while_sending_is_closed_not_resent(store_db: Database) -> None:
    dead, alive = Outbox(store_db, "dead"), Outbox(store_db, "alive")
    await dead.add([entry("x@k.se")], NOW)
    [row] = await dead.claim("x@k.se", NOW)
    await dead.sending([row.id], NOW)  # and then the instance is killed
    later = NOW + dead.lease + timedelta(seconds=1)
    assert await alive.claim("x@k.se", NOW + timedelta(minutes=1)) == []
    assert await alive.close_abandoned(later) == 1
    assert await alive.recipients(later) == []
    assert await alive.claim("x@k.se", later) == []
    [closed] = await alive.rows()
    assert closed.outcome == "uncertain" and closed.sent_at is None


async def test_a_claim_is_never_taken_over(store_db: Database) -> None:
    first, second = Outbox(store_db, "first"), Outbox(store_db, "second")
    await first.add([entry("x@k.se")], NOW)
    [row] = await first.claim("x@k.se", NOW)
    assert await second.claim("x@k.se", NOW) == []
    later = NOW + first.lease + timedelta(seconds=1)
    # Claimed means on its way: after the lease, nobody can tell whether it went out.
    assert await second.claim("x@k.se", later) == []
    assert await second.sent([row.id], NOW) == 0  # not the second's to mark
    assert await first.sent([row.id], NOW) == 1


async def test_failed_sends_are_given_up_after_the_last_attempt(store_db: Database) -> None:
    outbox = Outbox(store_db, "a")
    await outbox.add([entry("x@k.se")], NOW)
    for attempt in range(MAX_ATTEMPTS):
        [row] = await outbox.claim("x@k.se", NOW)
        assert row.attempts == attempt
        await outbox.sending([row.id], NOW)
        given_up = await outbox.release([row.id], NOW, "HTTP 502")
        assert given_up == (1 if attempt + 1 == MAX_ATTEMPTS else 0)
    assert await outbox.claim("x@k.se", NOW) == []
    [row] = await outbox.rows()
    assert row.outcome == "failed"


async def test_forgetting_a_person_removes_their_reminders(store_db: Database) -> None:
    from bot.store import retention
    from bot.store.references import ConversationReferences

    outbox = Outbox(store_db, "a")
    await outbox.add([entry("x@k.se"), entry("y@k.se")], NOW)
    await ConversationReferences(store_db).remember("aad-x", "conv-x", {}, NOW, email="x@k.se")
    await retention.forget(store_db, "aad-x")
    assert [r.recipient for r in await outbox.rows()] == ["y@k.se"]
