"""`rapport …` and "Skapa rapport" in chat: the strategist gets the .docx in a Rapporter
folder beside the workbooks (or in SharePoint, opened from the card); others are refused;
a nämnd that does not exist is said, with a "Menade du …?"."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.bot.reports.docx_text import open_docx
from tests.conftest import BotFactory
from tests.dialogs.test_answering import DEVIATION, GOOD, answer
from tests.fakes.card_schema import assert_valid_card
from tests.fakes.graph_server import FakeGraph
from tests.fakes.harness import (
    MARIA,
    STRATEGIST,
    BotClient,
    card_text,
    cards_of,
    find_action,
    find_actions,
    standard_plan,
)
from tests.graph.conftest import graph_source

TITLE = "Uppföljning av intern kontroll helår 2026"


async def test_a_strategist_types_rapport_and_gets_the_document(
    bot: BotClient, tmp_path: Path
) -> None:
    await answer(bot, "1", GOOD)
    await answer(bot, "2", DEVIATION)  # journalled: the report need not wait for Excel
    [message] = await bot.say("Rapport helår", STRATEGIST)
    [card] = cards_of([message])
    assert_valid_card(card)
    text = card_text(card)
    assert "Rapporten är skriven" in text and "4 kontrollmoment" in text
    [saved] = (tmp_path / "plans" / "Rapporter").glob("*.docx")
    assert saved.name.startswith(TITLE) and f"Sparad i {saved}" in text
    opened = open_docx(saved.read_bytes())
    assert opened.title == TITLE
    assert "Handläggare: Stina Strateg" in opened.paragraphs
    assert len(opened.facts()) == 4
    assert "2 av 10 fakturor saknar mottagningsattestant." in opened.text
    # The person who answered is named, not their address (the chat learnt the name).
    assert "alexw@example.com" not in opened.text and "Alex Wilber" in opened.text

    # Again from the status card's button: a new file, the first one left as it was.
    [status] = cards_of(await bot.say("status helår", STRATEGIST))
    again = await bot.click(find_action(status, "Skapa rapport"), STRATEGIST)
    assert "Rapporten är skriven" in card_text(again)
    names = sorted(p.name for p in (tmp_path / "plans" / "Rapporter").glob("*.docx"))
    assert len(names) == 2 and names[0].endswith("(2).docx")


async def test_others_are_refused_and_nothing_is_written(bot: BotClient, tmp_path: Path) -> None:
    [message] = await bot.say("rapport helår", MARIA)
    text = card_text(cards_of([message])[0])
    assert "kvalitetsstrategerna" in text
    assert not (tmp_path / "plans" / "Rapporter").exists()
    [status] = cards_of(await bot.say("status", MARIA))
    assert not find_actions(status, "Skapa rapport")


async def test_an_unknown_namnd_is_said_with_a_near_miss(bot: BotClient, tmp_path: Path) -> None:
    [message] = await bot.say("rapport delår 2 2026 kommunstyrelssen", STRATEGIST)
    [card] = cards_of([message])
    assert_valid_card(card)
    text = card_text(card)
    assert "Jag hittar ingen nämnd som heter ”kommunstyrelssen”" in text
    assert "Menade du ”Kommunstyrelsen”?" in text
    assert not (tmp_path / "plans" / "Rapporter").exists()
    shown = await bot.click(find_action(card, "Visa Kommunstyrelsen"), STRATEGIST)
    assert "Status delår 2 2026 – Kommunstyrelsen" in card_text(shown)


async def test_a_year_without_a_plan_is_said(bot: BotClient) -> None:
    [message] = await bot.say("rapport helår 2031", STRATEGIST)
    assert "Det finns ingen kontrollplan för 2031." in card_text(cards_of([message])[0])


async def test_in_sharepoint_the_card_opens_the_uploaded_report(
    start: BotFactory, tmp_path: Path
) -> None:
    library = tmp_path / "bibliotek"
    plan = standard_plan(tmp_path / "plans" / "ks.xlsx")
    (library / "Internkontroll 2026").mkdir(parents=True)
    shutil.copy(plan, library / "Internkontroll 2026" / "ks.xlsx")
    fake = FakeGraph(library)
    await fake.start()
    try:
        bot = await start(plan.parent, source=graph_source(fake))
        [card] = cards_of(await bot.say("rapport helår", STRATEGIST))
        assert_valid_card(card)
        [open_url] = [a for a in card["actions"] if a["type"] == "Action.OpenUrl"]
        folder = library / "Internkontroll 2026" / "Rapporter"
        [saved] = folder.glob("*.docx")
        assert open_url["url"].endswith(f"/Internkontroll 2026/Rapporter/{saved.name}")
        assert open_docx(saved.read_bytes()).title == TITLE
        [again] = cards_of(await bot.say("rapport helår", STRATEGIST))
        assert "En ny version av filen sparades" in card_text(again)
        assert len(list(folder.glob("*.docx"))) == 1  # SharePoint keeps the versions
        assert len(fake.uploads.versions[f"Internkontroll 2026/Rapporter/{saved.name}"]) == 2
    finally:
        await fake.stop()
