"""The journal's newest answer per slot, as a turn reads it, on SQLite and on PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from bot.domain.assignments import index_answers
from bot.domain.model import Period
from bot.domain.periods import Term
from tests.bot.store.test_journal import make_answer, open_journal
from tests.databases import both_engines

pytestmark = both_engines

BY_PLAN = {"ks.xlsx": ["1", "2", "3"]}


async def test_latest_picks_what_the_index_picks(tmp_path: Path, database_url: str | None) -> None:
    db, journal = await open_journal(tmp_path, database_url)
    # Control 1: answered three times, the newest not the last stored (a clock set back).
    await journal.append(make_answer("1a" * 16, minute=1))
    await journal.append(make_answer("1b" * 16, minute=5, outcome="Mindre avvikelse"))
    await journal.append(make_answer("1c" * 16, minute=3, outcome="Allvarlig avvikelse"))
    # Control 2: two answers at the same moment: the later stored wins, as in the index.
    await journal.append(make_answer("2a" * 16, control="2", minute=2))
    await journal.append(make_answer("2b" * 16, control="2", minute=2, outcome="Ej utförd"))
    # Control 3: one answer in each of two periods, both kept.
    await journal.append(make_answer("3a" * 16, control="3", minute=4))
    await journal.append(replace(make_answer("3b" * 16, control="3", minute=4), period=Period.T1))
    await journal.mark_written("ks.xlsx", ["1a" * 16, "2a" * 16], datetime.now(UTC))

    every, every_pending = await journal.for_ids(BY_PLAN)
    latest, pending = await journal.newest_for_ids(BY_PLAN)

    newest = ["1b" * 16, "2b" * 16, "3a" * 16, "3b" * 16]
    assert sorted(a.answer_id for a in latest) == sorted(newest)
    assert pending == set(newest) & every_pending
    # What a turn sees (each slot's answer and its state) is what every version gave.
    known, known_every = index_answers(latest, pending), index_answers(every, every_pending)
    assert known.latest == known_every.latest
    for answer in known.latest.values():
        term = Term(answer.year, answer.period)
        assert known.lookup(answer.control_key, term) == known_every.lookup(
            answer.control_key, term
        )
    await db.close()


async def test_latest_of_nothing(tmp_path: Path, database_url: str | None) -> None:
    db, journal = await open_journal(tmp_path, database_url)
    assert await journal.newest_for_ids({"ks.xlsx": [], "other.xlsx": ["9"]}) == ([], set())
    await db.close()
