"""Statements run on the driver's cursor (bot.store.prepared), on SQLite and PostgreSQL, and
what the store sends SQLite for an answer's writes."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Column, Connection, DateTime, Integer, MetaData, Table, Text, bindparam
from sqlalchemy import select as core_select

from bot.domain.drafts import Draft
from bot.domain.model import ControlKey, Period
from bot.domain.periods import Term
from bot.store.conversations import ConversationStore
from bot.store.database import Database
from bot.store.dialects import in_list, insert, list_param
from bot.store.drafts import SLOT_COLUMNS, Drafts
from bot.store.journal import Journal
from bot.store.prepared import Prepared
from bot.store.schema import answers, drafts
from tests.bot.store.test_journal import make_answer
from tests.databases import both_engines

WHEN = datetime(2027, 1, 5, 9, 0, tzinfo=UTC)


@both_engines
async def test_prepared_statements_read_and_write_as_core_does(store_db: Database) -> None:
    journal = Journal(store_db)
    for number, control in enumerate(("1", "2", "2", "3")):
        assert await journal.append(make_answer(f"a{number}", control, minute=number))
    dialect = store_db.dialect
    select_ids = (
        core_select(answers.c.answer_id, answers.c.control_id, answers.c.year)
        .where(answers.c.plan_key == bindparam("plan"))
        .where(in_list(dialect, answers.c.control_id, "ids"))
        .order_by(answers.c.seq)
    )
    newest = (
        core_select(answers.c.answer_id)
        .where(answers.c.control_id == bindparam("control"))
        .order_by(answers.c.seq.desc())
        .limit(1)  # a value compiled into the statement, bound by the prepared run
    )
    params = {"plan": "ks.xlsx", "ids": list_param(dialect, ["2", "3", "9"])}

    def read(conn: Connection) -> tuple[object, ...]:
        core = [tuple(r) for r in conn.execute(select_ids, params)]
        rows = Prepared(select_ids).rows(conn, params)
        return (
            core,
            [tuple(r) for r in rows],
            [(r.answer_id, r.control_id, r.year) for r in rows],
            Prepared(newest).first(conn, {"control": "2"}),
            Prepared(newest).scalar(conn, {"control": "9"}),
        )

    core, prepared, by_name, first, missing = await store_db.run(read)
    assert prepared == core == [("a1", "2", 2026), ("a2", "2", 2026), ("a3", "3", 2026)]
    assert by_name == prepared
    assert first is not None and first.answer_id == "a2"
    assert missing is None

    # An INSERT takes its columns from the parameters; ON CONFLICT DO NOTHING says 0.
    add = Prepared(
        insert(dialect, drafts).on_conflict_do_nothing(
            index_elements=[drafts.c[name] for name in SLOT_COLUMNS]
        )
    )
    row = {
        "person": "alexw@example.com",
        "plan_key": "ks.xlsx",
        "control_id": "1",
        "year": 2026,
        "period": "YEAR",
        "draft": "{}",
        "saved_at": "2027-01-05T09:00:00+00:00",
    }
    assert await store_db.run(lambda conn: add.run(conn, row), write=True) == 1
    assert await store_db.run(lambda conn: add.run(conn, row), write=True) == 0
    # A failed unit leaves nothing behind: the prepared statements share its transaction.

    def fail(conn: Connection) -> None:
        add.run(conn, {**row, "control_id": "2"})
        raise RuntimeError("after the insert")

    with pytest.raises(RuntimeError):
        await store_db.run(fail, write=True)
    assert [r.control_id for r in await store_db.fetchall("SELECT control_id FROM drafts")] == ["1"]


async def test_a_result_column_needing_conversion_is_refused(tmp_path: Path) -> None:
    db = Database(tmp_path / "ikbot.sqlite3")
    await db.open()
    table = Table(
        "stamped", MetaData(), Column("id", Integer), Column("at", DateTime), Column("t", Text)
    )
    await db.execute("CREATE TABLE stamped (id INTEGER, at TEXT, t TEXT)")
    with pytest.raises(TypeError, match="at"):
        await db.run(lambda conn: Prepared(core_select(table.c.at)).rows(conn, {}))
    assert await db.run(lambda conn: Prepared(core_select(table.c.t)).rows(conn, {})) == []
    await db.close()


class _Traced:
    """Every statement SQLite runs on the store's write connection (SQLite's own trace,
    set and cleared on the connection's thread)."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self.seen: list[str] = []

    def _trace(self, statement: str) -> None:
        self.seen.append(" ".join(statement.split())[:40])

    async def _set(self, callback: Callable[[str], None] | None) -> None:
        def unit(conn: Connection) -> None:
            driver = conn.connection.dbapi_connection
            assert isinstance(driver, sqlite3.Connection)
            driver.set_trace_callback(callback)

        await self._db.run(unit, write=True)

    async def __aenter__(self) -> list[str]:
        await self._set(self._trace)
        self.seen.clear()  # the COMMIT of the unit that set it
        return self.seen

    async def __aexit__(self, *_exc: object) -> None:
        seen = list(self.seen)
        await self._set(None)
        self.seen[:] = seen  # not the BEGIN of the unit that cleared it


async def test_an_open_writes_its_focus_in_one_statement_without_an_fsync(
    tmp_path: Path,
) -> None:
    db = Database(tmp_path / "ikbot.sqlite3")
    await db.open()
    store = ConversationStore(db)
    await store.save("underlag|a", {"control": "1"}, WHEN)
    async with _Traced(db) as seen:
        await store.save("underlag|a", {"control": "2"}, WHEN, durable=False)
    assert seen[0] == "PRAGMA synchronous=NORMAL"
    assert [s.split()[0] for s in seen[1:-1]] == ["BEGIN", "INSERT", "COMMIT"]
    assert seen[-1] == "PRAGMA synchronous=FULL"
    assert await store.load("underlag|a") == {"control": "2"}
    # The writer's next unit commits with FULL sync again.
    level = await db.run(
        lambda conn: conn.exec_driver_sql("PRAGMA synchronous").scalar(), write=True
    )
    assert level == 2
    # A durable save (the default) does not touch the setting.
    async with _Traced(db) as seen:
        await store.save("underlag|a", {"control": "3"}, WHEN)
    assert [s.split()[0] for s in seen] == ["BEGIN", "INSERT", "COMMIT"]
    await db.close()


async def test_a_failed_non_durable_write_leaves_the_writer_durable(tmp_path: Path) -> None:
    db = Database(tmp_path / "ikbot.sqlite3")
    await db.open()

    def fail(conn: Connection) -> None:
        raise RuntimeError("in the unit")

    with pytest.raises(RuntimeError):
        await db.run(fail, write=True, durable=False)
    level = await db.run(
        lambda conn: conn.exec_driver_sql("PRAGMA synchronous").scalar(), write=True
    )
    assert level == 2
    await db.close()


async def test_a_save_is_one_transaction_with_the_write_lock_from_its_start(
    tmp_path: Path,
) -> None:
    db = Database(tmp_path / "ikbot.sqlite3")
    await db.open()
    journal, store = Journal(db), Drafts(db)
    key, term = ControlKey("ks.xlsx", "1"), Term(2026, Period.YEAR)
    await store.put("alexw@example.com", key, term, Draft({"observations": "x"}, None, WHEN))
    first = make_answer("a1")
    async with _Traced(db) as seen:
        saved = await journal.append_unless_newer(first, None, draft_of="alexw@example.com")
    assert saved.saved
    assert [s.split()[0] for s in seen] == [
        "BEGIN",
        "SELECT",
        "INSERT",
        "DELETE",
        "SELECT",
        "COMMIT",
    ]
    assert seen[0] == "BEGIN IMMEDIATE"
    assert await store.get("alexw@example.com", key, term) is None
    await db.close()


async def test_a_turns_read_decodes_what_is_stored_now(tmp_path: Path) -> None:
    db = Database(tmp_path / "ikbot.sqlite3")
    await db.open()
    journal = Journal(db)
    await journal.append(make_answer("a1", outcome="Ingen avvikelse"))
    [before], _ = await journal.newest_for_ids({"ks.xlsx": ["1"]})
    [again], _ = await journal.newest_for_ids({"ks.xlsx": ["1"]})
    assert again == before and before.outcome == "Ingen avvikelse"
    # The same Svar-ID stored anew with other content (a restored backup, say) is not
    # taken for what was decoded before.
    await db.execute("DELETE FROM answers")
    await journal.append(make_answer("a1", outcome="Avvikelse"))
    [after], pending = await journal.newest_for_ids({"ks.xlsx": ["1"]})
    assert after.outcome == "Avvikelse" and pending == {"a1"}
    await db.close()
