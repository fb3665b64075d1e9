"""The bot on either workbook backend (a folder, or SharePoint through the fake Graph),
for the tests of answering you can trust."""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
    async with world_on(request.param, start, tmp_path) as made:
        yield made


@contextlib.asynccontextmanager
async def world_on(
    backend: str, start: BotFactory, tmp_path: Path, **options: Any
) -> AsyncIterator[World]:
    """The standard plan on one backend ("local" or "graph"), the bot started with these
    options (e.g. another today)."""
    plan = standard_plan(tmp_path / "plans" / "ks.xlsx")
    if backend == "local":
        yield World(await start(plan.parent, **options), "local", plan)
        return
    library = tmp_path / "bibliotek"
    (library / FOLDER).mkdir(parents=True)
    shutil.copy(plan, library / FOLDER / "ks.xlsx")
    fake = FakeGraph(library)
    await fake.start()
    try:
        bot = await start(plan.parent, source=graph_source(fake), **options)
        yield World(bot, "graph", library / FOLDER / "ks.xlsx", fake)
    finally:
        await fake.stop()
