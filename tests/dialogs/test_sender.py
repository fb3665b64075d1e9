"""Who sent an activity, over HTTP: one key (the channel's user id), a contradicted object id
refused, and only Teams (and the Playground, which says it is Teams) served."""

from __future__ import annotations

from typing import Any

import pytest

from tests.dialogs.test_answering import GOOD, open_card
from tests.fakes import activities
from tests.fakes.connector import Person
from tests.fakes.harness import (
    ALEX,
    MARIA,
    BotClient,
    card_text,
    cards_of,
    find_action,
)

REFUSED = "Jag kunde inte bekräfta vem du är"
ALEX_CONTROL = "En fil från slumpmässigt valt system återläses"
MARIA_CONTROL = "Rätt belopp utbetalt för förlorad arbetsförtjänst"


def claiming(activity: dict[str, Any], object_id: str | None) -> dict[str, Any]:
    """The activity with another Entra object id claimed for its sender (None: none)."""
    sender = {k: v for k, v in activity["from"].items() if k != "aadObjectId"}
    if object_id is not None:
        sender["aadObjectId"] = object_id
    return {**activity, "from": sender}


async def post_messages(bot: BotClient, activity: dict[str, Any]) -> list[dict[str, Any]]:
    """POST an activity that is answered with messages; return them."""
    before = len(bot.connector.sent)
    status, _ = await bot.post(activity)
    assert status == 202, status
    return [a for a in bot.connector.sent[before:] if a["type"] == "message"]


async def state_keys(bot: BotClient) -> set[str]:
    """The conversation states stored so far."""
    return {row[0] for row in await bot.services.db.fetchall("SELECT key FROM conversation_state")}


async def test_an_activity_claiming_someone_elses_object_id_is_refused(bot: BotClient) -> None:
    # Maria has talked to the bot, so the channel's answer about her is cached.
    [mine] = cards_of(await bot.say("mina kontroller", MARIA))
    assert MARIA_CONTROL in card_text(mine)
    states = await state_keys(bot)
    forged = activities.message("mina kontroller", ALEX, bot.service_url, "conv-user-alex")
    [reply] = await post_messages(bot, claiming(forged, MARIA.aad_object_id))
    assert reply["text"].startswith(REFUSED) and "inte gjort något" in reply["text"]
    assert not reply.get("attachments")  # neither Maria's controls nor Alex's
    assert await state_keys(bot) == states  # nothing stored for the refused turn


async def test_a_forged_answer_is_refused_and_nothing_is_stored(bot: BotClient) -> None:
    card = await open_card(bot, "1")  # Alex's own card
    save = {**find_action(card, "Spara svar"), **GOOD}
    # The same click, with Alex's user id but Maria's object id (and the other way round).
    for sender, claim in ((ALEX, MARIA.aad_object_id), (MARIA, ALEX.aad_object_id)):
        activity = activities.execute(save, sender, bot.service_url, f"conv-{sender.id}")
        status, body = await bot.post(claiming(activity, claim))
        assert status == 200 and body["statusCode"] == 200
        assert REFUSED in card_text(body["value"])
    assert await bot.services.journal.count_pending() == 0
    assert await bot.services.db.fetchall("SELECT answer_id FROM answers") == []
    # The genuine click still saves.
    receipt = await bot.click(save)
    assert "Svaret är sparat" in card_text(receipt)


@pytest.mark.parametrize("field", ["objectId", "aadObjectId"], ids=["teams", "playground"])
async def test_the_channels_own_object_id_is_what_counts(bot: BotClient, field: str) -> None:
    bot.connector.object_id_field = field  # Teams and the Playground name it differently
    bot.connector.object_ids[ALEX.id] = "aad-someone-else"
    [reply] = await bot.say("mina kontroller", ALEX)
    assert reply["text"].startswith(REFUSED)
    # A click gets the same answer, as a card in place of the clicked one.
    card = await open_card(bot, "1")
    assert REFUSED in card_text(card)


async def test_the_object_id_is_compared_whatever_its_case(bot: BotClient) -> None:
    forged = activities.message("mina kontroller", ALEX, bot.service_url, "conv-user-alex")
    messages = await post_messages(bot, claiming(forged, ALEX.aad_object_id.upper()))
    assert ALEX_CONTROL in card_text(cards_of(messages)[0])


async def test_without_an_object_id_the_channels_user_id_decides(bot: BotClient) -> None:
    await bot.say("mina kontroller", MARIA)
    activity = activities.message("mina kontroller", ALEX, bot.service_url, "conv-user-alex")
    [card] = cards_of(await post_messages(bot, claiming(activity, None)))
    assert ALEX_CONTROL in card_text(card) and MARIA_CONTROL not in card_text(card)
    # Alex's conversation state (written by a greeting) is keyed by the user id, whatever
    # the activity claims.
    hello = activities.message("hej", ALEX, bot.service_url, "conv-user-alex")
    await post_messages(bot, claiming(hello, None))
    assert f"conv-user-alex|{ALEX.id}" in await state_keys(bot)


async def test_a_user_the_lookup_gives_no_object_id_is_served_as_themselves(
    bot: BotClient,
) -> None:
    eva = bot.connector.add(Person("user-eva", "Eva", "eva@example.com", ""))
    activity = activities.message("mina kontroller", eva, bot.service_url, "conv-user-eva")
    # Claiming an object id the channel cannot confirm or deny: nothing to compare.
    [reply] = await post_messages(bot, claiming(activity, MARIA.aad_object_id))
    [card] = cards_of([reply])  # Eva's (empty) list, not a refusal and not Maria's
    assert MARIA_CONTROL not in card_text(card)
    assert not (reply.get("text") or "").startswith(REFUSED)


# --- channels -------------------------------------------------------------------------

OTHER_CHANNELS = ["webchat", "directline", "emulator", "slack", "msteams:COPILOT", "MSTEAMS", ""]


@pytest.mark.parametrize("channel_id", [*OTHER_CHANNELS, None, 42])
@pytest.mark.parametrize("kind", ["message", "execute"])
async def test_only_teams_is_served(bot: BotClient, kind: str, channel_id: Any) -> None:
    if kind == "message":
        activity = activities.message("mina kontroller", ALEX, bot.service_url, "conv-user-alex")
    else:
        data = {"verb": "open", "plan": "ks.xlsx", "control": "1", "year": 2026, "period": "YEAR"}
        activity = activities.execute(data, ALEX, bot.service_url, "conv-user-alex")
    if channel_id is None:
        del activity["channelId"]
    else:
        activity["channelId"] = channel_id
    status, body = await bot.post(activity)
    # No channel id at all is a malformed activity, refused by the envelope check first.
    named = isinstance(channel_id, str) and channel_id
    reason = (
        "Boten svarar bara i Microsoft Teams." if named else "Ogiltig aktivitet: channelId saknas."
    )
    assert status == 400 and body == {"error": reason}
    # Refused before anything: no lookup, nothing sent to the activity's serviceUrl, no state.
    assert bot.connector.member_lookups == 0 and bot.connector.sent == []
    assert await state_keys(bot) == set()


async def test_the_playgrounds_channel_is_teams(bot: BotClient) -> None:
    # The Playground is started with `-c msteams` (also its default), as the factories send.
    activity = activities.message("mina kontroller", ALEX, bot.service_url, "conv-user-alex")
    assert activity["channelId"] == "msteams"
    assert cards_of(await post_messages(bot, activity))
