"""The chat on the Graph backend: the same flow, the workbook in a (fake) SharePoint."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl

from tests.conftest import BotFactory
from tests.dialogs.test_answering import GOOD, answers_in
from tests.fakes.graph_server import FakeGraph
from tests.fakes.harness import STRATEGIST, card_text, cards_of, find_action, standard_plan
from tests.graph.conftest import graph_source


async def test_an_answer_lands_in_sharepoint_through_graph(
    start: BotFactory, tmp_path: Path
) -> None:
    library = tmp_path / "bibliotek"
    plan = standard_plan(tmp_path / "plans" / "ks.xlsx")
    (library / "Internkontroll 2026").mkdir(parents=True)
    shutil.copy(plan, library / "Internkontroll 2026" / "ks.xlsx")
    fake = FakeGraph(library)
    await fake.start()
    try:
        source = graph_source(fake)
        bot = await start(plan.parent, source=source)
        [listed] = cards_of(await bot.say("mina kontroller"))
        card = await bot.click(find_action(listed, "Svara"))
        receipt = await bot.click(find_action(card, "Spara svar"), **GOOD)
        assert "Svaret är sparat" in card_text(receipt)
        await bot.drain()
        [row] = answers_in(library / "Internkontroll 2026" / "ks.xlsx")
        assert row["ID"] == "1" and row["Bedömning"] == "Ingen avvikelse"
        [again] = cards_of(await bot.say("mina kontroller"))
        assert "Besvarad" in card_text(again)
        # The strategist writes the summary sheet into the workbook in SharePoint.
        [status] = cards_of(await bot.say("status helår", STRATEGIST))
        button = find_action(status, "Skriv sammanställning till Excel")
        done = await bot.click(button, STRATEGIST)
        assert "ks.xlsx: bladet ”Sammanställning helår 2026”" in card_text(done)
        book = openpyxl.load_workbook(library / "Internkontroll 2026" / "ks.xlsx")
        values = [
            v for r in book["Sammanställning helår 2026"].iter_rows(values_only=True) for v in r
        ]
        assert "1 av 4 kontrollmoment besvarade (25 %)" in values
    finally:
        await fake.stop()
