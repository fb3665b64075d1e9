"""Reaching someone who never opened the bot: installed through Microsoft Graph first."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pytest

from graph.excel_graph import graph_client, graph_transport
from graph.graph_install import TeamsInstaller
from tests.conftest import BotFactory
from tests.dialogs.test_reminders import at, introduce, reminders_to, sweep_on, year_plan
from tests.fakes.card_schema import all_text
from tests.fakes.graph_server import FakeGraph, StaticCredential
from tests.fakes.harness import ALEX, MARIA, STRATEGIST, cards_of

MANIFEST_ID = "5b1e9c1a-6a53-4bd6-a3a0-2b6f6d0d8a11"
CATALOG_ID = "catalog-ikbot"


@pytest.fixture
async def graph(tmp_path: Path) -> AsyncIterator[FakeGraph]:
    """The fake Graph: everyone in the directory, the bot in the organisation's catalog."""
    fake = FakeGraph(tmp_path / "graph")
    for person in (ALEX, MARIA, STRATEGIST):
        fake.directory.add_user(person.aad_object_id, person.email)
    fake.teamwork.publish(MANIFEST_ID, CATALOG_ID)
    await fake.start()
    yield fake
    await fake.stop()


def installer(graph: FakeGraph) -> TeamsInstaller:
    client = graph_client(StaticCredential(), graph.base_url, max_backoff=0.01)
    return TeamsInstaller(graph_transport(client), MANIFEST_ID, graph_url=graph.base_url)


async def test_the_bot_installs_itself_and_reminds_in_the_new_chat(
    start: BotFactory, graph: FakeGraph, tmp_path: Path
) -> None:
    bot = await start(year_plan(tmp_path / "plans"), today=None, installer=installer(graph))
    bot.services.clock.set(at(date(2026, 11, 30)))
    await introduce(bot, ALEX, STRATEGIST)  # Maria has never opened the bot
    await sweep_on(bot, at(date(2026, 12, 1)))
    assert graph.teamwork.installs == [MARIA.aad_object_id]  # Alex had it already
    chat = graph.teamwork.chat_of(MARIA.aad_object_id)
    [card] = cards_of(bot.connector.messages_to(chat))
    assert "Rätt belopp utbetalt" in all_text(card)
    assert len(reminders_to(bot, ALEX)) == 1
    # The chat is Maria's reference from now on: no second installation.
    await sweep_on(bot, at(date(2027, 1, 7)))
    assert graph.teamwork.installs == [MARIA.aad_object_id]
    assert len(cards_of(bot.connector.messages_to(chat))) == 2


async def test_without_the_permission_the_strategist_hears_who_cannot_be_reached(
    start: BotFactory, graph: FakeGraph, tmp_path: Path
) -> None:
    graph.teamwork.refuse = 403
    bot = await start(year_plan(tmp_path / "plans"), today=None, installer=installer(graph))
    bot.services.clock.set(at(date(2026, 11, 30)))
    await introduce(bot, ALEX, STRATEGIST)
    await sweep_on(bot, at(date(2026, 12, 1)))
    notes = [
        c
        for c in cards_of(bot.connector.messages_to(f"conv-{STRATEGIST.id}"))
        if "inte kom fram" in all_text(c)
    ]
    assert len(notes) == 1 and MARIA.email in all_text(notes[0])
