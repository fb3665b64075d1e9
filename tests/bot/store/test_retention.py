"""Purging old history and forgetting a person, on SQLite and on PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from bot.domain.model import Answer, ControlKey, Period
from bot.store.conversations import ConversationStore
from bot.store.database import Database
from bot.store.journal import Journal
from bot.store.references import ConversationReferences
from bot.store.retention import forget, purge
from tests.bot.store.test_journal import make_answer
from tests.databases import both_engines

pytestmark = both_engines


async def test_purge_removes_written_history_and_old_conversations_only(
    store_db: Database,
) -> None:
    journal = Journal(store_db)
    old_written = make_answer("1" * 32, control="1")
    old_pending = make_answer("2" * 32, control="2")
    recent = make_answer("3" * 32, control="1")
    for answer, year in ((old_written, 2024), (old_pending, 2024), (recent, 2026)):
        assert await journal.append(_in_year(answer, year))
    await journal.mark_written("ks.xlsx", ["1" * 32, "3" * 32], datetime(2027, 1, 6, tzinfo=UTC))
    states, refs = ConversationStore(store_db), ConversationReferences(store_db)
    await states.save("conv-old|aad-alex", {"welcomed": True}, datetime(2025, 12, 31, tzinfo=UTC))
    await states.save("conv-new|aad-alex", {"welcomed": True}, datetime(2026, 1, 1, tzinfo=UTC))
    await refs.remember("aad-alex", "conv-old", {}, datetime(2025, 6, 1, tzinfo=UTC))
    await refs.remember("aad-alex", "conv-new", {}, datetime(2026, 6, 1, tzinfo=UTC))

    purged = await purge(store_db, 2026)
    assert (purged.answers, purged.conversations, purged.references) == (1, 1, 1)
    assert purged.kept_pending == 1
    assert await journal.get("1" * 32) is None
    assert await journal.get("2" * 32) is not None  # pending: the workbook does not have it
    assert await journal.get("3" * 32) is not None
    assert await states.load("conv-old|aad-alex") == {}
    assert await states.load("conv-new|aad-alex") == {"welcomed": True}
    assert [r.conversation_id for r in await refs.for_user("aad-alex")] == ["conv-new"]
    assert await purge(store_db, 2026) == type(purged)(0, 0, 0, 1)  # nothing more


def _in_year(answer: Answer, year: int) -> Answer:
    return replace(answer, year=year)


async def test_forget_a_person_by_id_or_email(store_db: Database) -> None:
    states, refs = ConversationStore(store_db), ConversationReferences(store_db)
    when = datetime(2027, 1, 5, tzinfo=UTC)
    for key in ("conv-1|aad-alex", "19:team|aad-alex", "conv-2|aad-maria", "conv-3|x|aad-alex2"):
        await states.save(key, {"welcomed": True}, when)
    await refs.remember("aad-alex", "conv-1", {}, when, email="alexw@example.com")
    await refs.remember("aad-maria", "conv-2", {}, when, email="maria@example.com")

    gone = await forget(store_db, "AlexW@example.com")
    assert gone.user_ids == ("aad-alex",) and (gone.conversations, gone.references) == (2, 1)
    assert await states.load("conv-1|aad-alex") == {}
    assert await states.load("conv-3|x|aad-alex2") == {"welcomed": True}  # another person
    assert await refs.for_user("aad-alex") == []

    gone = await forget(store_db, "aad-maria")
    assert (gone.conversations, gone.references) == (1, 1)
    assert await states.load("conv-2|aad-maria") == {}
    nobody = await forget(store_db, "unknown@example.com")
    assert nobody.user_ids == () and (nobody.conversations, nobody.references) == (0, 0)
    # Answers are the kommun's record: forgetting a person's conversations keeps them.
    journal = Journal(store_db)
    await journal.append(make_answer("4" * 32))
    await forget(store_db, "alexw@example.com")
    assert await journal.history(ControlKey("ks.xlsx", "1"), 2026, Period.YEAR)
