"""The bot keeps each person's conversation reference, for reaching them first later."""

from __future__ import annotations

from tests.databases import both_engines
from tests.fakes import activities
from tests.fakes.harness import ALEX, MARIA, BotClient

pytestmark = both_engines


async def test_a_turn_stores_the_persons_reference_with_their_email(bot: BotClient) -> None:
    await bot.post(activities.installed(ALEX, bot.service_url, "conv-alex"))
    await bot.say("mina kontroller", ALEX, "conv-alex")
    [stored] = await bot.services.references.for_user(ALEX.aad_object_id)
    assert stored.conversation_id == "conv-alex"
    assert stored.email == ALEX.email  # learnt from the member lookup of the second turn
    reference = stored.reference
    assert reference["serviceUrl"] == bot.service_url
    assert reference["conversation"]["id"] == "conv-alex"
    assert reference["user"]["aadObjectId"] == ALEX.aad_object_id
    assert "activityId" not in reference  # the same every turn: written once
    assert "requestId" not in reference  # the SDK's id of one request
    assert await bot.services.references.user_ids(ALEX.email) == [ALEX.aad_object_id]
    assert await bot.services.references.for_user(MARIA.aad_object_id) == []


async def test_the_next_turns_leave_the_stored_reference_as_it_was(bot: BotClient) -> None:
    await bot.say("mina kontroller", ALEX, "conv-alex")
    [first] = await bot.services.references.for_user(ALEX.aad_object_id)
    await bot.say("mina kontroller", ALEX, "conv-alex")
    await bot.say("hjälp", ALEX, "conv-alex")
    [later] = await bot.services.references.for_user(ALEX.aad_object_id)
    assert later == first  # nothing of one turn's own is kept, so nothing is rewritten
