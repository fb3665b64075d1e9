"""The bot on either workbook backend (a folder, or SharePoint through the fake Graph),
for the tests of answering you can trust."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import BotFactory
from tests.fakes.graph_server import FakeGraph
from tests.fakes.harness import BotClient, standard_plan
from tests.graph.conftest import FOLDER, graph_source


@dataclass
class World:
    """The running bot, which backend it writes, and where its workbook ends up."""

    bot: BotClient
    backend: str
    workbook: Path  # the .xlsx the answers land in
    fake: FakeGraph | None = None


@pytest.fixture(params=["local", "graph"])
async def world(
    request: pytest.FixtureRequest, start: BotFactory, tmp_path: Path
) -> AsyncIterator[World]:
    """The standard plan on each workbook backend in turn."""
    plan = standard_plan(tmp_path / "plans" / "ks.xlsx")
    if request.param == "local":
        yield World(await start(plan.parent), "local", plan)
        return
    library = tmp_path / "bibliotek"
    (library / FOLDER).mkdir(parents=True)
    shutil.copy(plan, library / FOLDER / "ks.xlsx")
    fake = FakeGraph(library)
    await fake.start()
    try:
        bot = await start(plan.parent, source=graph_source(fake))
        yield World(bot, "graph", library / FOLDER / "ks.xlsx", fake)
    finally:
        await fake.stop()
