"""Team channels and group chats, over HTTP: only when mentioned, nothing personal in public."""

from __future__ import annotations

from typing import Any

import pytest

from tests.dialogs.test_answering import GOOD
from tests.fakes import activities
from tests.fakes.activities import BOT, TEAM, TENANT, in_shared, mentioning
from tests.fakes.connector import Person
from tests.fakes.harness import (
    ALEX,
    MARIA,
    STRATEGIST,
    BotClient,
    card_text,
    cards_of,
    find_action,
)

THREAD = "19:kanal@thread.tacv2;messageid=1700000000000"
GROUP_CHAT = "19:gruppchatt@thread.v2"


async def in_channel(
    bot: BotClient, text: str, person: Person = ALEX, *, kind: str = "channel", mention=True
) -> list[dict[str, Any]]:
    """Say something in a channel (or group chat); return the messages posted back there."""
    conversation = THREAD if kind == "channel" else GROUP_CHAT
    make = mentioning if mention else activities.message
    before = len(bot.connector.sent)
    status, _ = await bot.post(in_shared(make(text, person, bot.service_url, conversation), kind))
    assert status in (200, 202), status
    return [
        a
        for a in bot.connector.sent[before:]
        if a["_conversation"] == conversation and a["type"] == "message"
    ]


def private(bot: BotClient, person: Person = ALEX) -> list[dict[str, Any]]:
    """What the bot sent the person in their personal chat."""
    return bot.connector.messages_to(bot.connector.personal_chat(person))


def assert_nothing_personal(messages: list[dict[str, Any]]) -> None:
    for message in messages:
        assert not message.get("attachments"), message
        text = message.get("text") or ""
        for personal in ("@example.com", "Kontrollmoment", "Obesvarad", "besvarade"):
            assert personal not in text, text


async def test_without_a_mention_the_bot_keeps_quiet(bot: BotClient) -> None:
    assert await in_channel(bot, "mina kontroller", mention=False) == []
    assert bot.connector.created == [] and bot.connector.member_lookups == 0


@pytest.mark.parametrize("kind", ["channel", "groupChat"])
async def test_my_controls_arrive_in_the_personal_chat_not_in_public(
    bot: BotClient, kind: str
) -> None:
    public = await in_channel(bot, "mina kontroller", kind=kind)
    assert [m["text"] for m in public] == [
        "Jag har skickat dina kontroller till dig i en privat chatt."
    ]
    assert_nothing_personal(public)
    [created] = bot.connector.created
    assert created["members"] == [{"id": ALEX.id}] and created["bot"]["id"] == BOT["id"]
    assert created["channelData"] == {"tenant": {"id": TENANT}} and created["isGroup"] is False
    [card] = cards_of(private(bot))
    assert "En fil från slumpmässigt valt system återläses" in card_text(card)
    assert "Rätt belopp" not in card_text(card)  # Maria's
    # In a channel the member is looked up on the team's roster, in a group chat on the chat's.
    assert bot.connector.lookups == [(TEAM if kind == "channel" else GROUP_CHAT, ALEX.id)]


@pytest.mark.parametrize(
    "text",
    [
        "<at>Internkontroll</at> mina kontroller",  # the mention as the entity says
        "<at>Internkontroll-boten</at>&nbsp;Mina   kontroller!",  # Teams' own spelling
        "mina kontroller <at>Internkontroll</at>",
    ],
)
async def test_the_mention_is_stripped_before_the_command_is_read(
    bot: BotClient, text: str
) -> None:
    activity = mentioning("", ALEX, bot.service_url, THREAD)
    activity["text"] = text
    await bot.post(in_shared(activity))
    assert cards_of(private(bot)), "the command was not understood"


async def test_a_strategists_status_goes_to_the_personal_chat(bot: BotClient) -> None:
    public = await in_channel(bot, "status helår", STRATEGIST)
    assert [m["text"] for m in public] == ["Jag har skickat statusen till dig i en privat chatt."]
    assert_nothing_personal(public)
    [card] = cards_of(private(bot, STRATEGIST))
    text = card_text(card)
    assert "Status helår 2026" in text and "maria.lind@example.com" in text


async def test_help_and_small_talk_are_answered_in_the_channel(bot: BotClient) -> None:
    [help_text] = await in_channel(bot, "hjälp")
    assert "mina kontroller" in help_text["text"] and "privat chatt" in help_text["text"]
    [hello] = await in_channel(bot, "hej")
    assert "Internkontroll-boten" in hello["text"]
    [puzzled] = await in_channel(bot, "vad tycker du om kaffe?")
    assert "förstod inte" in puzzled["text"]
    [bare] = await in_channel(bot, "")  # only the mention
    assert bare["text"] == help_text["text"]
    assert_nothing_personal([help_text, hello, puzzled, bare])
    assert bot.connector.created == []


async def test_without_the_app_the_channel_is_told_how_to_open_a_chat(bot: BotClient) -> None:
    bot.connector.not_installed.add(MARIA.id)
    [public] = await in_channel(bot, "mina kontroller", MARIA)
    assert "Appar" in public["text"] and "Lägg till" in public["text"]
    assert_nothing_personal([public])
    assert private(bot, MARIA) == []


async def test_an_unknown_user_in_a_channel_gets_no_ones_data(bot: BotClient) -> None:
    stranger = Person("user-x", "Okänd", "x@example.com", "aad-x")  # not in the roster
    [public] = await in_channel(bot, "mina kontroller", stranger)
    assert "vem du är" in public["text"]
    assert bot.connector.created == []


async def test_a_card_button_pressed_in_a_channel_is_refused_and_nothing_is_saved(
    bot: BotClient,
) -> None:
    await in_channel(bot, "mina kontroller")
    [listed] = cards_of(private(bot))
    opened = find_action(listed, "Svara")
    status, body = await bot.post(
        in_shared(activities.execute(opened, ALEX, bot.service_url, THREAD))
    )
    assert status == 200 and body["type"] == "application/vnd.microsoft.activity.message"
    assert "privata chatt" in body["value"]
    submitted = {**opened, "verb": "submit", "nonce": "a" * 32, **GOOD}
    before = len(bot.connector.sent)
    await bot.post(in_shared(activities.submit(submitted, ALEX, bot.service_url, THREAD)))
    [refusal] = [a for a in bot.connector.sent[before:] if a["type"] == "message"]
    assert "privata chatt" in refusal["text"] and not refusal.get("attachments")
    assert await bot.services.journal.get("a" * 32) is None


async def test_the_cards_sent_privately_work_in_the_personal_chat(bot: BotClient) -> None:
    await in_channel(bot, "mina kontroller")
    [listed] = cards_of(private(bot))
    chat = bot.connector.personal_chat(ALEX)
    card = await bot.click(find_action(listed, "Svara"), ALEX, chat)
    receipt = await bot.click(find_action(card, "Spara svar"), ALEX, chat, **GOOD)
    assert "Svaret är sparat" in card_text(receipt)


async def test_being_added_to_a_team_gets_one_short_text(bot: BotClient) -> None:
    team = "19:team-general@thread.tacv2"
    await bot.post(in_shared(activities.installed(ALEX, bot.service_url, team)))
    await bot.post(in_shared(activities.bot_added(ALEX, bot.service_url, team)))
    [welcome] = bot.connector.messages_to(team)
    assert "Nämn mig" in welcome["text"] and not welcome.get("attachments")


async def test_a_colleague_joining_a_team_is_not_greeted_in_the_channel(bot: BotClient) -> None:
    team = "19:another-team@thread.tacv2"
    joined = activities.members_added(MARIA, bot.service_url, team)
    joined["membersAdded"] = [{"id": MARIA.id, "name": MARIA.name}]  # the bot was there already
    await bot.post(in_shared(joined))
    assert bot.connector.messages_to(team) == []


async def test_the_personal_chat_still_welcomes_with_the_card(bot: BotClient) -> None:
    await bot.post(activities.installed(ALEX, bot.service_url, "conv-personal"))
    [card] = cards_of(bot.connector.messages_to("conv-personal"))
    assert "Välkommen" in card_text(card)


async def test_my_actions_asked_in_a_channel_arrive_in_the_personal_chat(bot: BotClient) -> None:
    public = await in_channel(bot, "mina åtgärder")
    assert [m["text"] for m in public] == [
        "Jag har skickat dina åtgärder till dig i en privat chatt."
    ]
    [card] = cards_of(private(bot))
    assert "Mina åtgärder" in card_text(card)
