"""The kept status (``StatusCompiler`` with the journal) against a full compile, over a
real workbook and a real journal, on SQLite and PostgreSQL.

Random steps — answers journalled (new ones, later versions of one, other periods and
years, a control the plan does not have), the writer's batch written into the workbook
and marked written, the plan edited in Excel (a new plan snapshot), åtgärd statuses —
and after each the kept status must equal ``compile_term``'s, pending count included.
"""

from __future__ import annotations

import dataclasses
import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import openpyxl
from sqlalchemy import delete, insert

from bot.domain.followup import ActionStatus, Slot, StatusUpdate
from bot.domain.model import Action, Answer, ControlKey, Period
from bot.domain.periods import Term
from bot.plans import PlanBook
from bot.reports.compile import Compiled, StatusCompiler, compile_term
from bot.store.database import Database
from bot.store.journal import Journal, _row
from bot.store.schema import answers
from graph.excel_local import LocalSource
from tests.bot.domain.test_status_live import shape
from tests.bot.store.test_journal import make_answer
from tests.databases import both_engines
from tests.fakes.harness import standard_plan

pytestmark = both_engines

TERM = Term(2026, Period.YEAR)
TODAY = date(2027, 1, 20)
AT = datetime(2027, 1, 5, 9, 0, tzinfo=UTC)
OUTCOMES = ("Ingen avvikelse", "Mindre avvikelse", "Större avvikelse", "Något annat")


async def test_since_reads_the_newer_entries_of_the_workbooks_asked_for(
    store_db: Database,
) -> None:
    journal = Journal(store_db)
    first, other, second = make_answer("a" * 32), make_answer("b" * 32), make_answer("c" * 32)
    other = dataclasses.replace(other, plan_key="other.xlsx")
    for answer in (first, other, second):
        assert await journal.append(answer)

    everything = await journal.since(0, ["ks.xlsx"])
    assert [a.answer_id for _, a in everything.entries] == [first.answer_id, second.answer_id]
    assert everything.count == 2
    assert everything.pending == {first.answer_id, second.answer_id}

    seq = everything.entries[0][0]
    await journal.mark_written("ks.xlsx", [first.answer_id], datetime.now(UTC))
    later = await journal.since(seq, ["ks.xlsx"])
    assert [a.answer_id for _, a in later.entries] == [second.answer_id]
    assert (later.count, later.pending) == (2, {second.answer_id})
    assert (await journal.since(0, [])).entries == ()


class Steps:
    """Random changes to the workbook and the journal."""

    def __init__(self, rng: random.Random, folder: Path, journal: Journal, source: LocalSource):
        self.rng, self.folder, self.journal, self.source = rng, folder, journal, source
        self.n = 0
        self.updates: dict[Slot, StatusUpdate] = {}

    def answer(self) -> Answer:
        rng = self.rng
        self.n += 1
        return Answer(
            f"{self.n:032d}",
            "ks.xlsx",
            rng.choice("1234599"),  # 99: a control the plan does not have
            rng.choice((2025, 2026, 2026, 2026)),
            rng.choice((Period.T1, Period.T2, Period.YEAR, Period.YEAR)),
            rng.choice(OUTCOMES),
            "alexw@example.com",
            AT + timedelta(minutes=rng.randrange(4)),  # ties are common
            action=Action("Gör om", "", date(2027, 1, 10)) if rng.random() < 0.5 else None,
        )

    async def journalled(self) -> None:
        for _ in range(self.rng.randrange(1, 4)):
            assert await self.journal.append(self.answer())

    async def written(self) -> None:
        """What the writer does: the waiting answers upserted, then marked written."""
        waiting = await self.journal.pending("ks.xlsx", 100)
        if waiting:
            await self.source.workbook("ks.xlsx").write_answers(waiting)
            ids = [a.answer_id for a in waiting]
            await self.journal.mark_written("ks.xlsx", ids, datetime.now(UTC))

    async def plan_edited(self) -> None:
        """Someone changes a kontrollmoment's text in Excel: a new plan snapshot."""
        path = self.folder / "ks.xlsx"
        book = openpyxl.load_workbook(path)
        sheet = book["Kontrollplan"]
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value == "Feltoleranstest av datanätverket":
                    cell.value = "Feltoleranstest av nätverket"
                elif cell.value == "Feltoleranstest av nätverket":
                    cell.value = "Feltoleranstest av datanätverket"
        book.save(path)

    def status_set(self) -> None:
        control = self.rng.choice("123")
        slot = (ControlKey("ks.xlsx", control), 2026, Period.T1)
        status = self.rng.choice(list(ActionStatus))
        self.updates[slot] = StatusUpdate(
            f"upd{self.n}{status.name}",
            "ks.xlsx",
            control,
            2026,
            Period.T1,
            status,
            "",
            "alexw@example.com",
            AT,
            Action("Gör om", "", None),
        )


async def test_the_kept_status_equals_a_full_compile_after_random_changes(
    store_db: Database, tmp_path: Path
) -> None:
    folder = standard_plan(tmp_path / "plans" / "ks.xlsx").parent
    source = LocalSource(folder, revalidate_after=0, in_process=True)
    journal = Journal(store_db)
    book = PlanBook(source, journal)
    compiler = StatusCompiler(book, journal=journal)
    steps = Steps(random.Random(15), folder, journal, source)
    kept_live = 0
    for turn in range(40):
        kind = steps.rng.choice(("journal", "journal", "journal", "write", "status", "plan"))
        before = dict(compiler._live)
        if kind == "journal":
            await steps.journalled()
        elif kind == "write":
            await steps.written()
        elif kind == "status":
            steps.status_set()
        elif turn % 3 == 0:  # a plan edit now and then (it is a full read)
            await steps.plan_edited()
        plans = await book.plans()
        for namnd in (None, "kommunstyrelsen"):
            got = await compiler.compile(plans, TERM, TODAY, namnd=namnd, updates=steps.updates)
            want = await compile_term(book, plans, TERM, TODAY, namnd=namnd, updates=steps.updates)
            assert got == want, (turn, kind)
            assert shape(got) == shape(want), (turn, kind)
        live = compiler._live.get((TERM, TODAY, None))
        kept_live += live is not None and before.get((TERM, TODAY, None)) is live
    assert kept_live >= 10  # most steps were applied to the kept status, not compiled anew
    await source.close()


async def test_an_entry_deleted_or_committed_late_makes_the_status_compile_anew(
    store_db: Database, tmp_path: Path
) -> None:
    """An entry the kept status cannot see by its sequence number (deleted, or committed
    after a newer one was read) is noticed by the count, and the status built anew."""
    folder = standard_plan(tmp_path / "plans" / "ks.xlsx").parent
    source = LocalSource(folder, revalidate_after=0, in_process=True)
    journal = Journal(store_db)
    book = PlanBook(source, journal)
    compiler = StatusCompiler(book, journal=journal)
    first, late, last = (
        make_answer(f"{n:032d}", control, outcome=outcome)
        for n, control, outcome in (
            (1, "1", "Ingen avvikelse"),
            (2, "3", "Större avvikelse"),
            (3, "4", "Mindre avvikelse"),
        )
    )
    for answer in (first, late, last):
        assert await journal.append(answer)
    late_seq = (await journal.since(0, ["ks.xlsx"])).entries[1][0]

    async def same() -> Compiled:
        plans = await book.plans()
        got = await compiler.compile(plans, TERM, TODAY)
        assert got == await compile_term(book, plans, TERM, TODAY)
        return got

    assert len((await same()).summary.deviations) == 2
    await store_db.run(
        lambda conn: conn.execute(delete(answers).where(answers.c.seq == late_seq)), write=True
    )
    assert len((await same()).summary.deviations) == 1  # deleted: the count told
    await store_db.run(
        lambda conn: conn.execute(insert(answers).values(seq=late_seq, **_row(late))), write=True
    )
    assert len((await same()).summary.deviations) == 2  # below the newest number: the count told
    await source.close()
