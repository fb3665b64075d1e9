"""An @mention in a group chat from someone the bot already talks to privately uses that
personal chat (the stored reference); a failure says what really happened."""

from __future__ import annotations

import pytest

from tests.databases import both_engines
from tests.dialogs.test_channel import assert_nothing_personal, in_channel
from tests.fakes.harness import ALEX, MARIA, BotClient, card_text, cards_of

pytestmark = both_engines


@pytest.mark.parametrize("kind", ["groupChat", "channel"])
async def test_the_stored_personal_chat_is_used(bot: BotClient, kind: str) -> None:
    await bot.say("hej")  # Alex's personal chat with the bot: conv-user-alex
    # Creating a conversation fails (as in the Playground), but none is needed.
    bot.connector.not_installed.add(ALEX.id)
    public = await in_channel(bot, "mina kontroller", kind=kind)
    assert [m["text"] for m in public] == [
        "Jag har skickat dina kontroller till dig i en privat chatt."
    ]
    assert bot.connector.created == []
    [card] = cards_of(bot.connector.messages_to(f"conv-{ALEX.id}")[-1:])
    assert "En fil från slumpmässigt valt system återläses" in card_text(card)


async def test_a_stored_chat_that_refuses_gets_an_honest_message(bot: BotClient) -> None:
    await bot.say("hej")
    bot.connector.refuse.add(f"conv-{ALEX.id}")
    [public] = await in_channel(bot, "mina kontroller", kind="groupChat")
    assert "vår privata chatt" in public["text"] and "403" in public["text"]
    assert "lagt till" not in public["text"]  # not the "add the app" advice: it is added
    assert_nothing_personal([public])


async def test_without_any_personal_chat_the_advice_is_to_add_the_app(bot: BotClient) -> None:
    bot.connector.not_installed.add(MARIA.id)
    [public] = await in_channel(bot, "mina kontroller", MARIA, kind="groupChat")
    assert "Appar" in public["text"] and "Lägg till" in public["text"]
