"""The answer journal, on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bot.domain.assignments import index_answers
from bot.domain.drafts import Draft
from bot.domain.model import Action, Answer, ControlKey, Period
from bot.domain.periods import Term
from bot.store.database import Database
from bot.store.drafts import Drafts
from bot.store.journal import Journal
from tests.databases import both_engines, store_url

pytestmark = both_engines


def make_answer(answer_id: str, control: str = "1", minute: int = 0, **kw) -> Answer:
    return Answer(
        answer_id=answer_id,
        plan_key="ks.xlsx",
        control_id=control,
        year=2026,
        period=Period.YEAR,
        outcome=kw.pop("outcome", "Ingen avvikelse"),
        answered_by="alexw@example.com",
        answered_at=datetime(2027, 1, 5, 9, minute, tzinfo=UTC),
        **kw,
    )


async def open_journal(path: Path, url: str | None) -> tuple[Database, Journal]:
    db = Database(store_url(url, path))
    await db.open()
    return db, Journal(db)


async def test_round_trip_and_idempotent_append(tmp_path: Path, database_url: str | None) -> None:
    db, journal = await open_journal(tmp_path, database_url)
    answer = make_answer(
        "a" * 32,
        checked=10,
        deviations=2,
        observations="Två fel ”citat”",
        action=Action("Informera", "Ekonomichefen", date(2027, 3, 31)),
    )
    assert await journal.append(answer)
    assert not await journal.append(answer)
    assert await journal.get(answer.answer_id) == answer
    assert await journal.count_pending() == 1
    await db.close()


async def test_survives_reopening(tmp_path: Path, database_url: str | None) -> None:
    db, journal = await open_journal(tmp_path, database_url)
    await journal.append(make_answer("b" * 32))
    await db.close()
    db, journal = await open_journal(tmp_path, database_url)
    assert [a.answer_id for a in await journal.pending("ks.xlsx", 10)] == ["b" * 32]
    await db.close()


async def test_history_pending_and_marking(tmp_path: Path, database_url: str | None) -> None:
    db, journal = await open_journal(tmp_path, database_url)
    await journal.append(make_answer("1" * 32, minute=1))
    await journal.append(make_answer("2" * 32, minute=2, outcome="Mindre avvikelse"))
    await journal.append(make_answer("3" * 32, control="2", minute=3))
    history = await journal.history(ControlKey("ks.xlsx", "1"), 2026, Period.YEAR)
    assert [a.outcome for a in history] == ["Ingen avvikelse", "Mindre avvikelse"]
    assert await journal.pending_plans() == ["ks.xlsx"]
    await journal.mark_written("ks.xlsx", ["1" * 32, "2" * 32], datetime.now(UTC))
    answers, pending = await journal.for_controls(
        [ControlKey("ks.xlsx", "1"), ControlKey("ks.xlsx", "2")]
    )
    assert len(answers) == 3 and pending == {"3" * 32}
    await db.close()


async def test_failures_are_counted_and_cleared(tmp_path: Path, database_url: str | None) -> None:
    db, journal = await open_journal(tmp_path, database_url)
    await journal.append(make_answer("4" * 32))
    later = datetime.now(UTC) + timedelta(seconds=5)
    assert await journal.record_failure("ks.xlsx", later, "låst") == 1
    assert await journal.record_failure("ks.xlsx", later, "låst") == 2
    await journal.mark_written("ks.xlsx", ["4" * 32], datetime.now(UTC))
    assert await journal.writer_state("ks.xlsx") is None
    await db.close()


async def test_concurrent_appends_and_transactions_do_not_interfere(
    tmp_path: Path, database_url: str | None
) -> None:
    db, journal = await open_journal(tmp_path, database_url)
    ids = [f"{i:032x}" for i in range(50)]
    await asyncio.gather(
        *(journal.append(make_answer(i, control=str(n % 5))) for n, i in enumerate(ids)),
        journal.mark_written("ks.xlsx", ids[:10], datetime.now(UTC)),
    )
    assert await journal.count_pending() >= 40
    assert len(await journal.pending("ks.xlsx", 100)) == await journal.count_pending()
    await db.close()


async def test_the_writer_waits_out_graphs_retry_after(
    tmp_path: Path, database_url: str | None
) -> None:
    from bot.writer import Writer
    from graph.protocol import GraphThrottled

    class ThrottledSource:
        """A workbook source whose every write is throttled (as Graph says 429)."""

        def workbook(self, key: str) -> ThrottledSource:
            return self

        name = "ks.xlsx"

        async def write_answers(self, answers: object) -> None:
            raise GraphThrottled("Graph begränsar anropen", retry_after=120)

    db, journal = await open_journal(tmp_path, database_url)
    await journal.append(make_answer("5" * 32))
    now = datetime(2027, 1, 5, 9, 0, tzinfo=UTC)
    writer = Writer(journal, ThrottledSource(), now=lambda: now)  # type: ignore[arg-type]
    assert await writer.drain() == 120.0
    state = await journal.writer_state("ks.xlsx")
    assert state is not None and state.retry_at == now + timedelta(seconds=120)
    assert await journal.count_pending() == 1
    await db.close()


async def test_append_unless_newer_refuses_what_the_saver_did_not_see(
    tmp_path: Path, database_url: str | None
) -> None:
    db, journal = await open_journal(tmp_path, database_url)
    first = make_answer("1" * 32, minute=1)
    assert (await journal.append_unless_newer(first, None)).saved
    # A second card opened before the first was saved: it saw nothing.
    late = await journal.append_unless_newer(make_answer("2" * 32, minute=2), None)
    assert not late.saved and late.newer is not None and late.newer.answer_id == "1" * 32
    # Saved over what it saw: fine. The same Svar-ID again: stored once.
    again = make_answer("3" * 32, minute=3, outcome="Mindre avvikelse")
    assert (await journal.append_unless_newer(again, first)).saved
    assert not (await journal.append_unless_newer(again, first)).saved
    # Another slot is not affected; an older journal entry than what was seen is no news.
    other = make_answer("4" * 32, control="2", minute=4)
    assert (await journal.append_unless_newer(other, None)).saved
    typed = make_answer("", minute=30)  # a newer row typed into the workbook by hand
    assert (await journal.append_unless_newer(make_answer("5" * 32, minute=31), typed)).saved
    key = ControlKey("ks.xlsx", "1")
    history = await journal.history(key, 2026, Period.YEAR)
    assert [a.answer_id[0] for a in history] == ["1", "3", "5"]
    await db.close()


async def test_of_cards_saved_at_once_against_one_version_one_is_saved(
    tmp_path: Path, database_url: str | None
) -> None:
    db, journal = await open_journal(tmp_path, database_url)
    tries = [make_answer(f"{i:032d}", minute=i) for i in range(8)]
    results = await asyncio.gather(*(journal.append_unless_newer(a, None) for a in tries))
    assert sum(r.saved for r in results) == 1
    assert all(r.newer is not None for r in results if not r.saved)
    assert len(await journal.history(ControlKey("ks.xlsx", "1"), 2026, Period.YEAR)) == 1
    await db.close()


async def test_a_saved_answer_takes_its_draft_with_it_and_a_refused_one_leaves_it(
    tmp_path: Path, database_url: str | None
) -> None:
    db, journal = await open_journal(tmp_path, database_url)
    drafts = Drafts(db)
    key, term = ControlKey("ks.xlsx", "1"), Term(2026, Period.YEAR)
    typed = Draft({"observations": "Halvfärdigt"}, "-", datetime(2027, 1, 5, 8, tzinfo=UTC))
    await drafts.put("Alexw@Example.com", key, term, typed)
    await drafts.put("maria@example.com", key, term, typed)
    first = make_answer("1" * 32, minute=1)
    # Refused (a newer answer the saver did not see): the draft stays.
    assert (await journal.append_unless_newer(first, None)).saved
    late = await journal.append_unless_newer(
        make_answer("2" * 32, minute=2), None, draft_of="alexw@example.com"
    )
    assert late.newer is not None and await drafts.get("alexw@example.com", key, term)
    # Saved: this person's draft of the slot is gone with the same commit; another's stays.
    saved = await journal.append_unless_newer(
        make_answer("3" * 32, minute=3), first, draft_of="alexw@example.com"
    )
    assert saved.saved and saved.failure is None
    assert await drafts.get("alexw@example.com", key, term) is None
    assert await drafts.get("maria@example.com", key, term) is not None
    await db.close()


async def test_the_same_card_again_gives_what_it_stored_and_a_save_the_writer_state(
    tmp_path: Path, database_url: str | None
) -> None:
    db, journal = await open_journal(tmp_path, database_url)
    answer = make_answer("1" * 32, minute=1)
    await journal.record_failure("ks.xlsx", datetime(2027, 1, 5, 10, tzinfo=UTC), "Filen är låst")
    saved = await journal.append_unless_newer(answer, None)
    assert saved.saved and saved.failure is not None
    assert saved.failure.last_error == "Filen är låst"
    again = await journal.append_unless_newer(answer, None)
    assert not again.saved and again.newer is None and again.stored == answer
    # Its Svar-ID saved for another slot, behind a newer answer there: the stored one.
    elsewhere = make_answer("1" * 32, control="2", minute=5)
    await journal.append(make_answer("4" * 32, control="2", minute=4))
    stale = await journal.append_unless_newer(elsewhere, None)
    assert not stale.saved and stale.newer is None and stale.stored == answer
    await db.close()


async def test_the_newest_per_slot_is_what_every_version_gives(
    tmp_path: Path, database_url: str | None
) -> None:
    db, journal = await open_journal(tmp_path, database_url)
    # Stored out of answered order (two instances' clocks), a tie, and a written one.
    for answer_id, control, minute in [
        ("1", "1", 5),
        ("2", "1", 3),
        ("3", "1", 5),
        ("4", "2", 1),
        ("5", "2", 2),
        ("6", "3", 9),
    ]:
        assert await journal.append(make_answer(answer_id * 32, control=control, minute=minute))
    await journal.mark_written("ks.xlsx", ["5" * 32], datetime(2027, 1, 5, 10, tzinfo=UTC))
    ids = {"ks.xlsx": ["1", "2", "4"]}
    every, every_pending = await journal.for_ids(ids)
    newest, newest_pending = await journal.newest_for_ids(ids)
    assert sorted(a.answer_id[0] for a in newest) == ["3", "5"]
    assert newest_pending == {"3" * 32}
    whole, picked = index_answers(every, every_pending), index_answers(newest, newest_pending)
    for control in ("1", "2", "4"):
        slot = ControlKey("ks.xlsx", control)
        assert picked.lookup(slot, Term(2026, Period.YEAR)) == whole.lookup(
            slot, Term(2026, Period.YEAR)
        )
    await db.close()
