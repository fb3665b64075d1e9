"""One running bot per fuzz module: the real app on a loopback port, the fake channel, the
standard plan (today 2027-01-10), and a watch on the log for crashed turns.

Starting a bot per example would cost more than the examples; each example clears what
the fake channel recorded and reads only its own.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from graph.protocol import WorkbookSource
from tests.fakes.connector import Person, RecordingConnector
from tests.fakes.graph_server import FakeGraph
from tests.fakes.harness import ALEX, MARIA, STRATEGIST, BotClient, standard_plan, start_bot
from tests.fuzz.checks import TurnFailures
from tests.graph.conftest import FOLDER, graph_source

# Known to the channel but owning nothing in the plan.
STRANGER = Person("user-okand", "Okänd Person", "okand@example.com", "aad-okand")


class FuzzBot:
    """The bot a fuzz module talks to, where its workbook is stored, and what it logged
    about crashed turns."""

    def __init__(self, client: BotClient, plan: str, stored: Path, failures: TurnFailures) -> None:
        self.client = client
        self.plan = plan  # the workbook's key, as card actions carry it
        self.stored = stored  # the workbook as a file, to read back with openpyxl
        self.failures = failures
        self.state: dict[str, Any] = {}  # what a module's examples carry over to the next

    def __repr__(self) -> str:
        return f"FuzzBot({self.client.url})"  # not the whole app in every failure report

    def reset(self) -> None:
        """Forget what the channel recorded and the failures logged (between examples)."""
        self.client.connector.sent.clear()
        self.client.connector.created.clear()
        self.client.connector.lookups.clear()
        self.failures.take()


@contextlib.asynccontextmanager
async def running_bot(
    base: Path, *, source: WorkbookSource | None = None, stored: Path | None = None
) -> AsyncIterator[FuzzBot]:
    """The bot on the standard plan in ``base`` (or on ``source``, storing it at ``stored``)."""
    connector = RecordingConnector()
    for person in (ALEX, MARIA, STRATEGIST, STRANGER):
        connector.add(person)
    plan = standard_plan(base / "plans" / "ks.xlsx")
    client, runner = await start_bot(plan.parent, base / "var", connector, source=source)
    failures = TurnFailures()
    logger = logging.getLogger("dialogs.handlers")
    logger.addHandler(failures)
    [workbook] = await client.services.source.workbooks()
    try:
        yield FuzzBot(client, workbook.key, stored or plan, failures)
    finally:
        logger.removeHandler(failures)
        await client.session.close()
        await runner.cleanup()
        await connector.stop()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def fuzz_bot(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[FuzzBot]:
    """The bot on the standard plan in a local workbook, shared by a module's examples."""
    async with running_bot(tmp_path_factory.mktemp("fuzz")) as bot:
        yield bot


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def graph_fuzz_bot(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[FuzzBot]:
    """The same bot with the plan in SharePoint, behind the fake Graph."""
    base = tmp_path_factory.mktemp("fuzz-graph")
    library = base / "bibliotek"
    (library / FOLDER).mkdir(parents=True)
    stored = shutil.copy(standard_plan(base / "original" / "ks.xlsx"), library / FOLDER)
    fake = FakeGraph(library)
    await fake.start()
    source = graph_source(fake)
    try:
        async with running_bot(base, source=source, stored=Path(stored)) as bot:
            yield bot
    finally:
        await fake.stop()
