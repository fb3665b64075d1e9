"""No silent overwrite: two cards for one control; the second save over a newer answer
shows who saved what and when, and replaces it only on "Ersätt ändå" (both backends,
both store engines)."""

from __future__ import annotations

import asyncio
from typing import Any

from bot.domain.model import ControlKey, Period
from tests.databases import both_engines
from tests.dialogs.test_answering import DEVIATION, GOOD, answers_in
from tests.dialogs.trust_world import World
from tests.fakes.card_schema import inputs
from tests.fakes.harness import ALEX, STRATEGIST, BotClient, card_text, cards_of, find_action

pytestmark = both_engines


async def open_first(bot: BotClient, person=ALEX) -> dict[str, Any]:
    """Open control 1 from the person's list (the ids the backend's list gives)."""
    [listed] = cards_of(await bot.say("mina kontroller", person))
    return await bot.click(find_action(listed, "Svara"), person)


async def versions(world: World) -> list[Any]:
    [plan] = await world.bot.services.plans.plans()
    key = ControlKey(plan.key, "1")
    return await world.bot.services.journal.history(key, 2026, Period.YEAR)


async def test_a_stale_card_does_not_overwrite_a_newer_answer(world: World) -> None:
    bot = world.bot
    card_a = await open_first(bot)  # on the laptop
    card_b = await open_first(bot)  # on the phone
    receipt = await bot.click(find_action(card_b, "Spara svar"), **GOOD)
    assert "Svaret är sparat" in card_text(receipt)
    conflict = await bot.click(find_action(card_a, "Spara svar"), **DEVIATION)
    text = card_text(conflict)
    assert "Ett nyare svar har sparats" in text
    assert "alexw@example.com" in text and "Ingen avvikelse" in text  # who and what
    assert "10 januari 2027 kl." in text  # when
    assert "Ditt svar är inte sparat" in text
    assert "Svaret är sparat" not in text
    # What was typed on card A is still on the card.
    assert inputs(conflict)["observations"]["value"] == DEVIATION["observations"]
    assert [a.outcome for a in await versions(world)] == ["Ingen avvikelse"]
    # "Ersätt ändå" saves card A's answer over the newer one.
    replaced = await bot.click(find_action(conflict, "Ersätt ändå"), **DEVIATION)
    assert "Svaret är sparat" in card_text(replaced)
    assert [a.outcome for a in await versions(world)] == ["Ingen avvikelse", "Mindre avvikelse"]
    await bot.drain()
    [row] = answers_in(world.workbook)
    assert row["Bedömning"] == "Mindre avvikelse"


async def test_cancel_keeps_the_newer_answer(world: World) -> None:
    bot = world.bot
    card_a = await open_first(bot)
    card_b = await open_first(bot)
    await bot.click(find_action(card_b, "Spara svar"), **GOOD)
    conflict = await bot.click(find_action(card_a, "Spara svar"), **DEVIATION)
    listed = await bot.click(find_action(conflict, "Avbryt"))
    assert "Mina kontroller" in card_text(listed)
    assert [a.outcome for a in await versions(world)] == ["Ingen avvikelse"]


async def test_a_strategists_save_in_between_is_not_overwritten(world: World) -> None:
    bot = world.bot
    mine = await open_first(bot)
    [listed] = cards_of(await bot.say("mina kontroller", ALEX))
    data = find_action(listed, "Svara")
    theirs = await bot.click(data, STRATEGIST)
    await bot.click(find_action(theirs, "Spara svar"), STRATEGIST, **DEVIATION)
    # Alex's first try is refused for a missing number; the card keeps its version.
    refused = await bot.click(find_action(mine, "Spara svar"), **{**GOOD, "checked": "tolv"})
    assert "Ange ett heltal" in card_text(refused)
    conflict = await bot.click(find_action(refused, "Spara svar"), **GOOD)
    assert "Ett nyare svar har sparats" in card_text(conflict)
    assert STRATEGIST.email in card_text(conflict)
    assert [a.answered_by for a in await versions(world)] == [STRATEGIST.email]


async def test_the_same_card_twice_is_no_conflict(world: World) -> None:
    bot = world.bot
    card = await open_first(bot)
    first = await bot.click(find_action(card, "Spara svar"), **GOOD)
    again = await bot.click(find_action(card, "Spara svar"), **GOOD)  # a double click
    assert "Svaret är sparat" in card_text(first) and "Svaret är sparat" in card_text(again)
    # Changing the answer from the receipt starts from the saved version: no conflict.
    _, change = await bot.click_on(find_action(first, "Ändra svar"))
    saved = await bot.click(find_action(change, "Spara svar"), **DEVIATION)
    assert "Svaret är sparat" in card_text(saved)
    assert len(await versions(world)) == 2


async def test_two_cards_saved_at_the_same_moment_save_one(world: World) -> None:
    bot = world.bot
    card_a = await open_first(bot)  # on the laptop
    card_b = await open_first(bot)  # on the phone
    replies = await asyncio.gather(
        bot.click(find_action(card_a, "Spara svar"), **GOOD),
        bot.click(find_action(card_b, "Spara svar"), **DEVIATION),
    )
    texts = sorted(card_text(r) for r in replies)
    assert sum("Svaret är sparat" in t for t in texts) == 1
    assert sum("Ett nyare svar har sparats" in t for t in texts) == 1
    assert len(await versions(world)) == 1
