"""The writer takes the workbook's lease before writing, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from bot.domain.model import Answer
from bot.store.database import Database
from bot.store.journal import Journal
from bot.store.leases import Leases
from bot.writer import LEASE_RETRY, Writer
from graph.protocol import WriteResult
from tests.bot.store.test_journal import make_answer
from tests.databases import both_engines

pytestmark = both_engines


class RecordingSource:
    """A workbook source that records what it was asked to write (and where the lease was)."""

    name = "ks.xlsx"

    def __init__(self, leases: Leases) -> None:
        self.leases = leases
        self.batches: list[tuple[list[str], str | None]] = []

    def workbook(self, key: str) -> RecordingSource:
        return self

    async def write_answers(self, answers: Sequence[Answer]) -> WriteResult:
        holder = await self.leases.holder("workbook:ks.xlsx")
        self.batches.append(([a.answer_id for a in answers], holder.owner if holder else None))
        return WriteResult(added=len(answers), updated=0, unchanged=0)


async def test_the_writer_writes_only_while_holding_the_workbooks_lease(
    store_db: Database,
) -> None:
    journal = Journal(store_db)
    now = datetime.now(UTC)
    other = Leases(store_db, "another-instance", now=lambda: now)
    mine = Leases(store_db, "this-instance")
    source = RecordingSource(mine)
    writer = Writer(journal, source, leases=mine)  # type: ignore[arg-type]
    await journal.append(make_answer("1" * 32))

    assert await other.acquire("workbook:ks.xlsx")
    assert await writer.drain() == LEASE_RETRY  # another instance is writing: leave it
    assert source.batches == [] and await journal.count_pending() == 1

    await other.release("workbook:ks.xlsx")
    assert await writer.drain() is None
    assert source.batches == [(["1" * 32], "this-instance")]
    assert await journal.count_pending() == 0
    assert await mine.holder("workbook:ks.xlsx") is None  # released after writing


async def test_a_dead_instances_lease_is_taken_over_once_it_expires(store_db: Database) -> None:
    journal = Journal(store_db)
    clock = [datetime.now(UTC)]
    dead = Leases(store_db, "dead-instance", now=lambda: clock[0])
    mine = Leases(store_db, "this-instance", now=lambda: clock[0])
    source = RecordingSource(mine)
    writer = Writer(journal, source, leases=mine)  # type: ignore[arg-type]
    await journal.append(make_answer("2" * 32))
    assert await dead.acquire("workbook:ks.xlsx")  # and then it was killed
    assert await writer.drain() == LEASE_RETRY
    clock[0] += mine.ttl + timedelta(seconds=1)
    assert await writer.drain() is None
    assert source.batches == [(["2" * 32], "this-instance")]


async def test_the_writer_says_which_workbook_it_wrote_once_its_answers_are_marked(
    store_db: Database,
) -> None:
    journal = Journal(store_db)
    leases = Leases(store_db, "this-instance")
    source = RecordingSource(leases)
    told: list[tuple[str, int]] = []

    async def landed(plan_key: str) -> None:
        told.append((plan_key, await journal.count_pending()))

    writer = Writer(journal, source, leases=leases, landed=landed)  # type: ignore[arg-type]
    await journal.append(make_answer("1" * 32))
    await journal.append(make_answer("2" * 32, control="2"))
    assert await writer.drain() is None
    # Once per workbook written, after its answers count as written: the plan book reads
    # and indexes the new snapshot then, not the next person's turn.
    assert told == [("ks.xlsx", 0)]


async def test_a_failing_read_after_the_write_does_not_stop_the_writer(
    store_db: Database,
) -> None:
    journal = Journal(store_db)
    leases = Leases(store_db, "this-instance")
    source = RecordingSource(leases)

    async def landed(_plan_key: str) -> None:
        raise RuntimeError("the workbook could not be read")

    writer = Writer(journal, source, leases=leases, landed=landed)  # type: ignore[arg-type]
    await journal.append(make_answer("1" * 32))
    assert await writer.drain() is None
    await journal.append(make_answer("2" * 32, control="2"))
    assert await writer.drain() is None
    assert [batch for batch, _ in source.batches] == [["1" * 32], ["2" * 32]]
    assert await journal.count_pending() == 0
