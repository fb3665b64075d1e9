"""Åtgärder on the Graph backend: the Åtgärder sheet made and upserted in a (fake)
SharePoint workbook through the real msgraph-sdk, nothing duplicated."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

from bot.domain.followup import track
from tests.conftest import BotFactory
from tests.dialogs.test_answering import answers_in
from tests.dialogs.test_followup import DELAR_2, DEVIATION, actions_in, answer, plan
from tests.fakes.graph_server import FakeGraph
from tests.fakes.harness import MARIA, card_text, cards_of, find_action
from tests.graph.conftest import graph_source


async def test_the_actions_sheet_lands_in_sharepoint(start: BotFactory, tmp_path: Path) -> None:
    folder = plan(tmp_path)
    library = tmp_path / "bibliotek"
    (library / "Internkontroll 2026").mkdir(parents=True)
    book = library / "Internkontroll 2026" / "ks.xlsx"
    shutil.copy(folder / "ks.xlsx", book)
    fake = FakeGraph(library)
    await fake.start()
    try:
        bot = await start(folder, source=graph_source(fake), today=DELAR_2)
        await answer(bot, "1", DEVIATION)
        await answer(bot, "2", {**DEVIATION, "action_text": "Ny lönerutin."}, who=MARIA)
        await bot.drain()
        rows = actions_in(book)
        assert [(r["ID"], r["Status"]) for r in rows] == [(1, "Ej påbörjad"), (2, "Ej påbörjad")]
        assert rows[1]["Åtgärd"] == "Ny lönerutin."
        [mine] = cards_of(await bot.say("mina åtgärder"))
        card = await bot.click(find_action(mine, "Uppdatera status"))
        saved = await bot.click(
            find_action(card, "Spara status"), action_status="Pågår", action_comment="=1+1"
        )
        assert "Status sparad: Pågår" in card_text(saved)
        await bot.drain()
        rows = actions_in(book)
        assert len(rows) == 2
        assert rows[0]["Status"] == "Pågår" and rows[0]["Kommentar"] == "=1+1"  # text, no formula
        assert rows[1]["Status"] == "Ej påbörjad"
        assert rows[0]["Klart senast"].date() == date(2026, 10, 31)
        # Writing the same state again changes nothing (a retried batch).
        [key] = [p.key for p in await bot.services.plans.plans()]
        answers, _ = await bot.services.journal.for_ids({key: {"1"}})
        [update] = (await bot.services.actions.latest([key])).values()
        tracked = track(answers[-1], update)
        assert tracked is not None
        result = await bot.services.source.workbook(key).write_actions([tracked])
        assert (result.added, result.updated, result.unchanged) == (0, 0, 1)
        assert len(actions_in(book)) == 2
    finally:
        await fake.stop()


async def test_what_becomes_of_a_control_waits_for_a_column_in_a_sharepoint_table(
    start: BotFactory, tmp_path: Path
) -> None:
    folder = plan(tmp_path)
    library = tmp_path / "bibliotek"
    (library / "Internkontroll 2026").mkdir(parents=True)
    book = library / "Internkontroll 2026" / "ks.xlsx"
    shutil.copy(folder / "ks.xlsx", book)
    fake = FakeGraph(library)
    await fake.start()
    try:
        bot = await start(folder, source=graph_source(fake), today=date(2027, 1, 10))
        values = {**DEVIATION, "action_due": "2027-03-31", "continuation": "Avslutat"}
        await answer(bot, "1", values)
        await bot.drain()
        # The table the bot made has no Uppföljning column: the answer and its åtgärd land,
        # the continuation stays in the journal until the kommun adds the column.
        [row] = answers_in(book)
        assert row["Bedömning"] == "Mindre avvikelse" and "Uppföljning" not in row
        assert [r["Status"] for r in actions_in(book)] == ["Ej påbörjad"]
        [key] = [p.key for p in await bot.services.plans.plans()]
        [journalled] = (await bot.services.journal.for_ids({key: {"1"}}))[0]
        assert journalled.continuation == "Avslutat"
    finally:
        await fake.stop()
