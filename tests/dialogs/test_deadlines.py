"""A channel that stops answering, over HTTP: every turn still ends, and the user gets an
answer in time or a clear message.

The connector here leaves calls of one kind unanswered until the test ends. The timeouts are
set small so that the tests stay fast; ``ended`` only keeps a turn that never ends from
hanging the suite, far above those timeouts — no test measures how long anything took.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any, TypeVar

from tests.conftest import BotFactory
from tests.dialogs.test_answering import GOOD, open_card
from tests.dialogs.test_channel import THREAD, in_channel
from tests.fakes import activities
from tests.fakes.harness import ALEX, card_text, find_action

T = TypeVar("T")
WHO_ARE_YOU = "Jag kunde inte ta reda på vem du är"
NEVER = 3600.0  # a deadline that, if it were the only one, would hang the test


async def ended(turn: Awaitable[T]) -> T:
    """The turn's result; fails the test (rather than hanging it) if the turn never ends."""
    try:
        async with asyncio.timeout(60):
            return await turn
    except TimeoutError:
        raise AssertionError("the turn never ended: a channel call has no deadline") from None


async def test_a_click_is_answered_when_the_member_lookup_hangs(start: BotFactory) -> None:
    # Only the lookup's own deadline here: the connector's is out of reach.
    bot = await start(lookup_timeout=0.5, connector_timeout=NEVER)
    bot.connector.hang.add("lookup")
    card = await ended(open_card(bot, "1"))
    assert WHO_ARE_YOU in card_text(card) and "Försök igen" in card_text(card)
    assert bot.connector.hung == ["lookup"]


async def test_an_answer_sent_while_the_lookup_hangs_is_not_saved(start: BotFactory) -> None:
    card = await open_card(await start(), "1")
    # After a restart nobody is known yet, and now the channel does not answer lookups.
    bot = await start(lookup_timeout=0.5, connector_timeout=NEVER)
    bot.connector.hang.add("lookup")
    again = await ended(bot.click(find_action(card, "Spara svar"), **GOOD))
    assert WHO_ARE_YOU in card_text(again)
    assert await bot.services.db.fetchall("SELECT answer_id FROM answers") == []


async def test_the_connectors_own_deadline_bounds_the_lookup(start: BotFactory) -> None:
    # Only the connector's session has a deadline here: the lookup's own is out of reach.
    bot = await start(lookup_timeout=NEVER, connector_timeout=0.5)
    bot.connector.hang.add("lookup")
    card = await ended(open_card(bot, "1"))
    assert WHO_ARE_YOU in card_text(card)


async def test_a_typed_message_gets_who_are_you_when_the_lookup_hangs(start: BotFactory) -> None:
    bot = await start(lookup_timeout=0.5, connector_timeout=NEVER)
    bot.connector.hang.add("lookup")
    [reply] = await ended(bot.say("mina kontroller"))
    assert reply["text"].startswith(WHO_ARE_YOU)


async def test_a_reply_that_hangs_ends_the_turn_without_a_second_try(start: BotFactory) -> None:
    bot = await start(lookup_timeout=NEVER, connector_timeout=0.5)
    bot.connector.hang.add("reply")
    activity = activities.message("mina kontroller", ALEX, bot.service_url, "conv-user-alex")
    status, _ = await ended(bot.post(activity))
    assert status == 202  # the turn failed on the channel's side: no 5xx for the request
    # One reply tried; no "something went wrong" piled onto a channel that does not answer.
    assert bot.connector.hung == ["reply"] and bot.connector.sent == []


async def test_a_hanging_personal_chat_gets_a_clear_note_in_the_channel(
    start: BotFactory,
) -> None:
    bot = await start(lookup_timeout=NEVER, connector_timeout=0.5)
    bot.connector.hang.add("create")
    public: list[dict[str, Any]] = await ended(in_channel(bot, "mina kontroller"))
    assert [m["text"] for m in public] == [
        "Teams svarade inte i tid när jag skulle skicka något till dig i en privat chatt. "
        "Försök igen om en stund."
    ]
    assert bot.connector.hung == ["create"]
    assert all(m["_conversation"] == THREAD for m in bot.connector.sent)
