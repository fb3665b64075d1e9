"""Conversation references, on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.store.database import Database
from bot.store.references import ConversationReferences
from tests.databases import both_engines

pytestmark = both_engines
WHEN = datetime(2027, 1, 5, 9, 0, tzinfo=UTC)
REFERENCE = {
    "user": {"id": "29:alex", "aadObjectId": "aad-alex", "name": "Alex Wilber"},
    "bot": {"id": "28:bot", "name": "Internkontroll"},
    "conversation": {"id": "a:personal-alex", "tenantId": "t"},
    "channelId": "msteams",
    "serviceUrl": "https://smba.trafficmanager.net/emea/",
}


async def test_store_read_and_replace_per_user(store_db: Database) -> None:
    refs = ConversationReferences(store_db)
    assert await refs.for_user("aad-alex") == []
    await refs.remember("aad-alex", "a:personal-alex", REFERENCE, WHEN, email="AlexW@Example.com")
    later = {**REFERENCE, "serviceUrl": "https://smba.trafficmanager.net/teams/"}
    await refs.remember("aad-alex", "a:personal-alex", later, WHEN + timedelta(hours=1))
    await refs.remember("aad-alex", "19:team", REFERENCE, WHEN - timedelta(days=1))
    await refs.remember("aad-maria", "a:personal-maria", REFERENCE, WHEN, email="maria@x.se")
    newest, older = await refs.for_user("aad-alex")
    assert (newest.conversation_id, newest.reference) == ("a:personal-alex", later)
    assert newest.email == "alexw@example.com"  # kept when a later turn did not know it
    assert newest.updated_at == WHEN + timedelta(hours=1)
    assert older.conversation_id == "19:team" and older.email is None
    assert await refs.user_ids("ALEXW@example.com") == ["aad-alex"]


async def test_delete_one_conversation_or_all(store_db: Database) -> None:
    refs = ConversationReferences(store_db)
    for conversation in ("a:one", "a:two", "a:three"):
        await refs.remember("aad-alex", conversation, REFERENCE, WHEN)
    await refs.remember("aad-maria", "a:one", REFERENCE, WHEN)
    assert await refs.forget("aad-alex", "a:two") == 1
    assert [r.conversation_id for r in await refs.for_user("aad-alex")] == ["a:one", "a:three"]
    assert await refs.forget("aad-alex") == 2
    assert await refs.for_user("aad-alex") == []
    assert len(await refs.for_user("aad-maria")) == 1


async def test_an_unchanged_reference_is_written_at_most_once_a_day(store_db: Database) -> None:
    refs = ConversationReferences(store_db)
    await refs.remember("aad-alex", "a:personal-alex", REFERENCE, WHEN)
    await refs.remember("aad-alex", "a:personal-alex", REFERENCE, WHEN + timedelta(hours=23))
    [stored] = await refs.for_user("aad-alex")
    assert stored.updated_at == WHEN  # every turn calls it; nothing changed, nothing written
    await refs.remember("aad-alex", "a:personal-alex", REFERENCE, WHEN + timedelta(hours=25))
    [stored] = await refs.for_user("aad-alex")
    assert stored.updated_at == WHEN + timedelta(hours=25)  # still in use: purge keeps it
    await refs.remember("aad-alex", "a:personal-alex", REFERENCE, WHEN, email="alexw@example.com")
    [stored] = await refs.for_user("aad-alex")
    assert stored.email == "alexw@example.com"  # a newly learnt address is written


async def test_a_turn_right_after_a_refusal_makes_the_conversation_reachable_again(
    store_db: Database,
) -> None:
    refs = ConversationReferences(store_db)
    await refs.remember("aad-alex", "a:personal-alex", REFERENCE, WHEN, email="alex@x.se")
    await refs.mark_dead("aad-alex", "a:personal-alex", "403", WHEN + timedelta(seconds=5))
    assert await refs.reachable("alex@x.se") == []
    await refs.remember("aad-alex", "a:personal-alex", REFERENCE, WHEN + timedelta(seconds=10))
    assert [r.dead_at for r in await refs.reachable("alex@x.se")] == [None]


async def test_a_turn_right_after_forgetting_stores_the_reference_again(store_db: Database) -> None:
    refs = ConversationReferences(store_db)
    await refs.remember("aad-alex", "a:personal-alex", REFERENCE, WHEN)
    await refs.remember("aad-alex", "19:team", REFERENCE, WHEN)
    assert await refs.forget("aad-alex") == 2
    await refs.remember("aad-alex", "a:personal-alex", REFERENCE, WHEN + timedelta(seconds=1))
    await refs.remember("aad-alex", "19:team", REFERENCE, WHEN + timedelta(seconds=1))
    assert len(await refs.for_user("aad-alex")) == 2


async def test_an_address_learnt_later_is_written_even_right_after(store_db: Database) -> None:
    refs = ConversationReferences(store_db)
    await refs.remember("aad-alex", "a:personal-alex", REFERENCE, WHEN)
    await refs.remember("aad-alex", "a:personal-alex", REFERENCE, WHEN, email="Alex@X.se")
    await refs.remember("aad-alex", "a:personal-alex", REFERENCE, WHEN + timedelta(seconds=1))
    [stored] = await refs.for_user("aad-alex")
    assert stored.email == "alex@x.se"
