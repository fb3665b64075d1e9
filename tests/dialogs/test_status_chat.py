"""`status …` in chat: the compiled summary for strategists, one's own status for others."""

from __future__ import annotations

import pytest

from tests.dialogs.test_answering import DEVIATION, GOOD, answer
from tests.fakes.harness import MARIA, STRATEGIST, BotClient, card_text, cards_of, find_action


async def test_a_strategist_gets_the_whole_picture(bot: BotClient) -> None:
    await answer(bot, "1", GOOD)
    await answer(bot, "2", DEVIATION)
    await bot.drain()
    await answer(bot, "3", GOOD)  # journalled, not yet in Excel
    [message] = await bot.say("Status  HELÅR", STRATEGIST)
    [card] = cards_of([message])
    text = card_text(card)
    assert "Status helår 2026" in text
    assert "3 av 4 kontrollmoment besvarade (75 %)" in text
    assert "1 väntar på att skrivas till Excel" in text
    assert "2 av 10 fakturor saknar mottagningsattestant." in text  # the deviation
    assert "maria.lind@example.com" in text  # who has not answered
    assert "Skriv sammanställning till Excel" not in text  # not offered until it works
    unanswered = await bot.click(find_action(card, "Visa obesvarade"), STRATEGIST)
    assert "maria.lind@example.com" in card_text(unanswered)


async def test_anyone_else_gets_their_own_status_and_a_polite_word(bot: BotClient) -> None:
    await answer(bot, "4", GOOD, MARIA)
    [message] = await bot.say("status", MARIA)
    assert "kvalitetsstrategerna" in message["text"]
    text = card_text(cards_of([message])[0])
    assert "1 av 1 kontrollmoment besvarade (100 %)" in text
    assert "alexw@example.com" not in text


@pytest.mark.parametrize(
    ("typed", "heading"),
    [
        ("status delår 1", "Status delår 1 2026"),
        ("status helår 2025", "Status helår 2025"),
        ("status helår Kommunstyrelsen", "Status helår 2026 – Kommunstyrelsen"),
    ],
)
async def test_period_year_and_namnd(bot: BotClient, typed: str, heading: str) -> None:
    [message] = await bot.say(typed, STRATEGIST)
    assert heading in card_text(cards_of([message])[0])


async def test_an_unknown_namnd_gives_an_empty_summary_not_an_error(bot: BotClient) -> None:
    [message] = await bot.say("status helår Finns inte-nämnden", STRATEGIST)
    text = card_text(cards_of([message])[0])
    assert "Status helår 2026 – Finns inte-nämnden" in text
    assert "Inga kontrollmoment ska följas upp denna period." in text
