"""Phone first: the inputs first, details and åtgärd folded, limits said and enforced with
a message, and "Tillbaka" keeping a draft per person and control (both backends, both
store engines)."""

from __future__ import annotations

from typing import Any

from tests.databases import both_engines
from tests.dialogs.test_answering import DEVIATION, GOOD, answers_in
from tests.dialogs.test_conflict import open_first, versions
from tests.dialogs.trust_world import World
from tests.fakes.card_schema import inputs, walk
from tests.fakes.harness import ALEX, STRATEGIST, card_text, cards_of, find_action

pytestmark = both_engines

HALF = {"outcome": "Mindre avvikelse", "observations": "Två av tio fakturor saknar attest,"}


def _position(card: dict[str, Any], predicate: Any) -> int:
    return next(i for i, e in enumerate(walk(card)) if predicate(e))


def _toggles(card: dict[str, Any]) -> dict[str, list[str]]:
    return {
        e["title"]: e["targetElements"]
        for e in walk(card)
        if e.get("type") == "Action.ToggleVisibility"
    }


async def test_the_inputs_come_first_and_the_details_fold(world: World) -> None:
    card = await open_first(world.bot)
    first_input = _position(card, lambda e: e.get("id") == "outcome")
    assert _toggles(card)["Visa detaljer"] == ["details"]
    details = next(e for e in walk(card) if e.get("id") == "details")
    assert details["isVisible"] is False and "Stickprov" in card_text(details)
    assert first_input > _position(card, lambda e: e.get("id") == "details")
    assert first_input < _position(card, lambda e: e.get("id") == "observations")
    # The åtgärd waits behind its toggle for an answer that needs none...
    assert _toggles(card)["Lägg till åtgärd"] == ["action"]
    action = next(e for e in walk(card) if e.get("id") == "action")
    assert action["isVisible"] is False
    assert {"action_text", "action_owner", "action_due"} <= set(inputs(action))
    # ...and the server still requires it for a deviation, showing it with the errors.
    refused = await world.bot.click(
        find_action(card, "Spara svar"), **{**DEVIATION, "action_text": "", "action_owner": ""}
    )
    assert "Beskriv åtgärden" in card_text(refused)
    assert "Lägg till åtgärd" not in _toggles(refused)
    assert not any(e.get("isVisible") is False for e in walk(refused) if e.get("id") == "action")


async def test_a_text_over_its_limit_is_refused_and_kept_whole(world: World) -> None:
    card = await open_first(world.bot)
    long = "Mening som tar plats. " * 190  # 4,180 characters
    refused = await world.bot.click(
        find_action(card, "Spara svar"), **{**GOOD, "observations": long}
    )
    text = card_text(refused)
    assert "Högst 4 000 tecken (du skrev 4 180)" in text
    assert inputs(refused)["observations"]["value"] == long  # nothing cut
    assert inputs(refused)["observations"]["label"] == "Iakttagelser (högst 4 000 tecken)"
    assert await versions(world) == []


async def test_back_keeps_a_draft_that_comes_back_on_reopening(world: World) -> None:
    bot = world.bot
    card = await open_first(bot)
    listed = await bot.click(find_action(card, "Tillbaka till listan"), **HALF)
    assert "Mina kontroller" in card_text(listed)
    again = await bot.click(find_action(listed, "Svara"))
    found = inputs(again)
    assert found["outcome"]["value"] == "Mindre avvikelse"
    assert found["observations"]["value"] == HALF["observations"]
    assert "är återställt" in card_text(again)
    # Nobody else sees it: the strategist opening the same control gets an empty card.
    theirs = await bot.click(find_action(listed, "Svara"), STRATEGIST)
    assert "value" not in inputs(theirs)["observations"]
    # Saved: the draft is gone, and reopening starts from the saved answer.
    receipt = await bot.click(find_action(again, "Spara svar"), **DEVIATION)
    assert "Svaret är sparat" in card_text(receipt)
    _, reopened = await bot.click_on(find_action(receipt, "Ändra svar"))
    assert "är återställt" not in card_text(reopened)
    assert inputs(reopened)["observations"]["value"] == DEVIATION["observations"]
    await bot.drain()
    assert answers_in(world.workbook)[0]["Iakttagelser"] == DEVIATION["observations"]


async def test_a_draft_remembers_the_version_it_was_written_against(world: World) -> None:
    bot = world.bot
    card = await open_first(bot)
    await bot.click(find_action(card, "Tillbaka till listan"), **HALF)
    [listed] = cards_of(await bot.say("mina kontroller", ALEX))
    theirs = await bot.click(find_action(listed, "Svara"), STRATEGIST)
    await bot.click(find_action(theirs, "Spara svar"), STRATEGIST, **GOOD)
    restored = await bot.click(find_action(listed, "Svara"))
    conflict = await bot.click(find_action(restored, "Spara svar"), **DEVIATION)
    assert "Ett nyare svar har sparats" in card_text(conflict)


async def test_an_empty_back_keeps_no_draft(world: World) -> None:
    bot = world.bot
    card = await open_first(bot)
    listed = await bot.click(find_action(card, "Tillbaka till listan"))
    again = await bot.click(find_action(listed, "Svara"))
    assert "är återställt" not in card_text(again)
