"""`status …` in chat: the compiled summary for strategists, one's own status for others."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from bot.domain.model import Period
from cards.actions import WriteSummary
from tests.dialogs.test_answering import DEVIATION, GOOD, answer
from tests.fakes.card_schema import assert_valid_card
from tests.fakes.harness import (
    MARIA,
    STRATEGIST,
    BotClient,
    card_text,
    cards_of,
    find_action,
    find_actions,
)
from tests.graph.workbooks import sheet_values


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
    unanswered = await bot.click(find_action(card, "Visa obesvarade"), STRATEGIST)
    assert "maria.lind@example.com" in card_text(unanswered)


async def test_anyone_else_gets_their_own_status_and_a_polite_word(bot: BotClient) -> None:
    await answer(bot, "4", GOOD, MARIA)
    [message] = await bot.say("status", MARIA)
    assert "kvalitetsstrategerna" in message["text"]
    card = cards_of([message])[0]
    text = card_text(card)
    assert "1 av 1 kontrollmoment besvarade (100 %)" in text
    assert "alexw@example.com" not in text
    assert not find_actions(card, "Skriv sammanställning till Excel")


@pytest.mark.parametrize(
    ("typed", "heading"),
    [
        ("status delår 1", "Status delår 1 2026"),
        ("status helår Kommunstyrelsen", "Status helår 2026 – Kommunstyrelsen"),
    ],
)
async def test_period_year_and_namnd(bot: BotClient, typed: str, heading: str) -> None:
    [message] = await bot.say(typed, STRATEGIST)
    assert heading in card_text(cards_of([message])[0])


async def test_an_unknown_namnd_is_said_and_the_namnder_listed(bot: BotClient) -> None:
    [message] = await bot.say("status helår Finns inte-nämnden", STRATEGIST)
    [card] = cards_of([message])
    assert_valid_card(card)
    text = card_text(card)
    assert "Jag hittar ingen nämnd som heter ”Finns inte-nämnden”" in text
    assert "Nämnderna är: Kommunstyrelsen." in text
    assert "Menade du" not in text  # nothing near enough
    assert "Status helår" not in text  # no empty summary, no empty risk matrix
    [near] = cards_of(await bot.say("status helår kommunstyrelssen", STRATEGIST))
    assert "Menade du ”Kommunstyrelsen”?" in card_text(near)
    shown = await bot.click(find_action(near, "Visa Kommunstyrelsen"), STRATEGIST)
    assert "Status helår 2026 – Kommunstyrelsen" in card_text(shown)


async def test_a_year_without_a_plan_is_said(bot: BotClient) -> None:
    [message] = await bot.say("status helår 2025", STRATEGIST)
    text = card_text(cards_of([message])[0])
    assert "Det finns ingen kontrollplan för 2025. Planer finns för 2026." in text


async def test_the_card_is_folded_most_important_first(bot: BotClient) -> None:
    await answer(bot, "2", DEVIATION)
    [message] = await bot.say("status helår", STRATEGIST)
    [card] = cards_of([message])
    toggles = [
        e
        for e in card["body"]
        if e.get("selectAction", {}).get("type") == "Action.ToggleVisibility"
    ]
    titles = [t["items"][0]["text"] for t in toggles]
    assert titles[:3] == ["Avvikelser (1)", "Obesvarade (3)", "Bedömningar"]
    folded = [e for e in card["body"] if e.get("isVisible") is False]
    assert len(folded) == len(toggles)
    # Names, not addresses, for people the bot has talked to.
    assert "Alex Wilber" in card_text(card)


async def test_a_strategist_writes_the_summary_sheet_from_the_card(
    bot: BotClient, tmp_path: Path
) -> None:
    await answer(bot, "1", GOOD)
    await answer(bot, "2", DEVIATION)
    await bot.drain()
    [message] = await bot.say("status helår", STRATEGIST)
    before = sheet_values(tmp_path / "plans" / "ks.xlsx")

    done = await bot.click(
        find_action(cards_of([message])[0], "Skriv sammanställning till Excel"), STRATEGIST
    )

    text = card_text(done)
    assert "Sammanställningen är skriven till Excel" in text
    assert "ks.xlsx: bladet ”Sammanställning helår 2026”" in text
    book = openpyxl.load_workbook(tmp_path / "plans" / "ks.xlsx")
    sheet = book["Sammanställning helår 2026"]
    values = [v for row in sheet.iter_rows(values_only=True) for v in row if v is not None]
    assert "2 av 4 kontrollmoment besvarade (50 %)" in values
    assert "2 av 10 fakturor saknar mottagningsattestant." in values
    assert "maria.lind@example.com" in values
    # The plan and the answers already in Excel are untouched.
    after = sheet_values(tmp_path / "plans" / "ks.xlsx", skip=["Sammanställning helår 2026"])
    assert after == before
    # "Visa status" leads back; writing again replaces the sheet.
    assert "Status helår 2026" in card_text(
        await bot.click(find_action(done, "Visa status"), STRATEGIST)
    )
    again = await bot.click(
        find_action(cards_of([message])[0], "Skriv sammanställning till Excel"), STRATEGIST
    )
    assert "Sammanställningen är skriven till Excel" in card_text(again)
    assert (
        openpyxl.load_workbook(tmp_path / "plans" / "ks.xlsx").sheetnames.count(
            "Sammanställning helår 2026"
        )
        == 1
    )


async def test_only_a_strategist_may_write_the_summary(bot: BotClient, tmp_path: Path) -> None:
    [message] = await bot.say("status helår", STRATEGIST)
    button = find_action(cards_of([message])[0], "Skriv sammanställning till Excel")

    refused = await bot.click(button, MARIA)  # a card passed on, or crafted data

    assert "kvalitetsstrategerna" in card_text(refused)
    book = openpyxl.load_workbook(tmp_path / "plans" / "ks.xlsx")
    assert not [n for n in book.sheetnames if n.startswith("Sammanställning")]


async def test_a_workbook_open_in_excel_is_named_and_nothing_else_fails(
    bot: BotClient, tmp_path: Path
) -> None:
    lock = tmp_path / "plans" / "~$ks.xlsx"
    lock.write_bytes(b"")
    [message] = await bot.say("status helår", STRATEGIST)

    done = await bot.click(
        find_action(cards_of([message])[0], "Skriv sammanställning till Excel"), STRATEGIST
    )

    text = card_text(done)
    assert "Sammanställningen kunde inte skrivas" in text
    assert "ks.xlsx är öppen eller låst just nu" in text
    lock.unlink()
    retried = await bot.click(find_action(done, "Försök igen"), STRATEGIST)
    assert "Sammanställningen är skriven till Excel" in card_text(retried)


async def test_a_term_with_nothing_due_writes_nothing(bot: BotClient, tmp_path: Path) -> None:
    action = WriteSummary(year=2026, period=Period.YEAR, namnd="Finns inte-nämnden")
    done = await bot.click(action.data(), STRATEGIST)
    assert "Inget att sammanställa" in card_text(done)
