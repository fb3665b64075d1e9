"""Shared fixtures: the running bot against a fake channel, over loopback HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis.database import DirectoryBasedExampleDatabase

from tests.fakes.connector import RecordingConnector
from tests.fakes.harness import ALEX, MARIA, STRATEGIST, BotClient, standard_plan, start_bot

BotFactory = Callable[..., Awaitable[BotClient]]

# Property-based tests (tests/fuzz) run the same examples on every run, so `make test` is
# repeatable and a failure reproduces; each test sets its own number of examples. Examples
# talk to a running app over HTTP, so there is no per-example deadline (no timing
# assertions) and "too slow" is not a failure. `pytest --hypothesis-profile=explore`
# draws new examples each run and remembers failing ones in .hypothesis/.
settings.register_profile(
    "ikbot",
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "explore",
    settings.get_profile("ikbot"),
    derandomize=False,
    database=DirectoryBasedExampleDatabase(Path(".hypothesis") / "examples"),
)
settings.load_profile("ikbot")

# The store's engines (SQLite, and PostgreSQL on a real server): tests/databases.py.
pytest_plugins = ("tests.databases",)


@pytest.fixture
def connector() -> RecordingConnector:
    """The fake Teams channel, knowing Alex, Maria and a strategist."""
    fake = RecordingConnector()
    for person in (ALEX, MARIA, STRATEGIST):
        fake.add(person)
    return fake


@pytest.fixture
async def start(
    tmp_path: Path, connector: RecordingConnector, database_url: str | None
) -> AsyncIterator[BotFactory]:
    """Start the bot (several times in one test, to simulate a restart), on the test's
    engine (SQLite unless the module runs on both)."""
    running: list[Any] = []

    async def factory(workbook: Path | None = None, **kwargs: Any) -> BotClient:
        workbook = workbook or standard_plan(tmp_path / "plans" / "ks.xlsx").parent
        kwargs.setdefault("database_url", database_url)
        client, runner = await start_bot(workbook, tmp_path / "var", connector, **kwargs)
        running.append((client, runner))
        return client

    yield factory
    for client, runner in reversed(running):
        await client.session.close()
        await runner.cleanup()
    await connector.stop()


@pytest.fixture
async def bot(start: BotFactory) -> BotClient:
    """The bot on the standard plan (a folder with one workbook), today 2027-01-10."""
    return await start()
