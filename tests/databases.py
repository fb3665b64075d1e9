"""The store's two engines in the tests: SQLite in the test's folder, PostgreSQL on a real
server (IKBOT_TEST_DATABASE_URL, or a throwaway one started here), a fresh database per test.

A module runs on both engines with ``pytestmark = both_engines``; its tests then ask for
``database_url`` (None: the default SQLite file in the data directory) or ``store_db``.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.settings import database_url as plain_to_driver_url
from bot.store.database import Database
from tests import pg_server

ENGINES = ("sqlite", "postgresql")
both_engines = pytest.mark.parametrize("engine", ENGINES, indirect=True)


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


@pytest.fixture(scope="session")
def pg_server_url() -> Iterator[str]:
    """A PostgreSQL server's URL (a plain postgresql:// one, as an operator writes it)."""
    given = os.environ.get(pg_server.ENV, "").strip()
    if given:
        yield given
        return
    try:
        server = pg_server.start()
    except pg_server.ServerError as error:
        message = f"{error}\n{pg_server.INSTALL_HINT}"
        if _in_ci():  # CI never skips the PostgreSQL half of the suite
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
def engine(request: pytest.FixtureRequest) -> str:
    """The store's engine for this test: ``sqlite`` unless the module runs on both."""
    return str(getattr(request, "param", "sqlite"))


@pytest.fixture
def database_url(engine: str, request: pytest.FixtureRequest) -> Iterator[str | None]:
    """IKBOT_DATABASE_URL for this test's bot (None: SQLite in its data directory)."""
    if engine == "sqlite":
        yield None
        return
    server_url = request.getfixturevalue("pg_server_url")
    with pg_server.fresh_database(server_url) as url:
        yield plain_to_driver_url(url)


def store_url(database_url: str | None, folder: Path) -> str | Path:
    """What ``Database`` opens: the PostgreSQL URL, or a SQLite file in ``folder``."""
    return database_url if database_url else folder / "store.sqlite3"


@pytest.fixture
async def store_db(database_url: str | None, tmp_path: Path) -> AsyncIterator[Database]:
    """An open, migrated store on this test's engine."""
    db = Database(store_url(database_url, tmp_path))
    await db.open()
    try:
        yield db
    finally:
        await db.close()
