"""Receipts that tell the truth, and what I answered: the receipt refreshes itself, says
"Skrivet till Excel {tid}" once the row has landed and what blocks it until then, stays in
the chat, and leads to the history; the list shows the bedömning (both backends, both
store engines)."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from tests.databases import both_engines
from tests.dialogs.test_answering import DEVIATION, GOOD
from tests.dialogs.test_conflict import open_first
from tests.dialogs.trust_world import World
from tests.fakes.harness import ALEX, MARIA, STRATEGIST, card_text, cards_of, find_action
from tests.graph.conftest import FOLDER

pytestmark = both_engines


def refresh_of(receipt: dict[str, Any]) -> dict[str, Any]:
    """What Teams sends when it refreshes the receipt: the refresh action's data."""
    assert receipt["refresh"]["userIds"] == [ALEX.id]
    return dict(receipt["refresh"]["action"]["data"])


def lock(world: World) -> None:
    """Someone has the workbook open: writes wait."""
    if world.fake is not None:
        world.fake.lock(f"{FOLDER}/ks.xlsx")
    else:
        (world.workbook.parent / "~$ks.xlsx").write_bytes(b"locked by Kim")


def unlock(world: World) -> None:
    if world.fake is not None:
        world.fake.unlock(f"{FOLDER}/ks.xlsx")
    else:
        (world.workbook.parent / "~$ks.xlsx").unlink()


async def written_out(world: World) -> None:
    """Let the writer retry (after its short test backoff) until nothing waits."""
    for _ in range(200):
        wait = await world.bot.services.writer.drain()
        if wait is None:
            return
        await asyncio.sleep(wait)
    raise AssertionError("the answers were never written")


async def test_the_receipt_turns_into_written_to_excel(world: World) -> None:
    bot = world.bot
    lock(world)
    receipt = await bot.click(find_action(await open_first(bot), "Spara svar"), **GOOD)
    assert "Skrivs till Excel inom kort" in card_text(receipt) or "Väntar" in card_text(receipt)
    await bot.services.writer.drain()  # tries, and fails: the workbook is held
    waiting = await bot.click(refresh_of(receipt))
    assert "Väntar: Arbetsboken" in card_text(waiting)
    assert "Skrivet till Excel" not in card_text(waiting)
    unlock(world)
    await written_out(world)
    written = await bot.click(refresh_of(receipt))
    assert re.search(r"Skrivet till Excel \d+ \w+ 20\d\d kl\. \d\d:\d\d", card_text(written))
    assert "Väntar" not in card_text(written)


async def test_a_refreshed_receipt_says_when_a_newer_answer_replaced_it(world: World) -> None:
    bot = world.bot
    receipt = await bot.click(find_action(await open_first(bot), "Spara svar"), **GOOD)
    [listed] = cards_of(await bot.say("mina kontroller", ALEX))
    theirs = await bot.click(find_action(listed, "Ändra svar"), STRATEGIST)
    await bot.click(find_action(theirs, "Spara svar"), STRATEGIST, **DEVIATION)
    refreshed = await bot.click(refresh_of(receipt))
    text = card_text(refreshed)
    assert "Ersatt av ett nyare svar" in text and STRATEGIST.email in text
    assert "Mindre avvikelse" in text


async def test_the_receipt_stays_and_the_next_card_comes_below_it(world: World) -> None:
    bot = world.bot
    receipt = await bot.click(find_action(await open_first(bot), "Spara svar"), **GOOD)
    stays, listed = await bot.click_on(find_action(receipt, "Mina kontroller"))
    assert "Svaret är sparat" in card_text(stays)
    assert "Mina kontroller" in card_text(listed)
    # The list says what was answered, not only that it was.
    assert "· Ingen avvikelse" in card_text(listed)


async def test_history_shows_every_version(world: World) -> None:
    bot = world.bot
    first = await bot.click(find_action(await open_first(bot), "Spara svar"), **GOOD)
    _, change = await bot.click_on(find_action(first, "Ändra svar"))
    second = await bot.click(find_action(change, "Spara svar"), **DEVIATION)
    stays, history = await bot.click_on(find_action(second, "Historik"))
    assert "Svaret är sparat" in card_text(stays)
    text = card_text(history)
    assert "Version 2" in text and "Version 1" in text
    assert text.index("Version 2") < text.index("Version 1")  # newest first
    assert "Första svaret" in text
    assert "Ändrat: bedömning, antal kontrollerade, antal avvikelser, iakttagelser" in text
    assert "Mindre avvikelse" in text and "Ingen avvikelse" in text
    assert ALEX.email in text


async def test_a_strategist_sees_the_history_of_any_control(world: World) -> None:
    bot = world.bot
    await bot.click(find_action(await open_first(bot), "Spara svar"), **GOOD)
    [listed] = cards_of(await bot.say("mina kontroller", ALEX))
    card = await bot.click(find_action(listed, "Ändra svar"), STRATEGIST)
    history = await bot.click(find_action(card, "Historik"), STRATEGIST)
    assert "Version 1" in card_text(history)
    # Someone else's control: no history, no receipt.
    refused = await bot.click(find_action(card, "Historik"), MARIA)
    assert "Version 1" not in card_text(refused) and "tilldelat någon annan" in card_text(refused)
