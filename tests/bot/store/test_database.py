"""Which database the store uses, and how IKBOT_DATABASE_URL is read."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest
from sqlalchemy import Connection, text

from bot.services import Services
from bot.settings import Settings, SettingsError, database_url
from bot.store.database import Database
from tests.databases import both_engines

ENV = {"IKBOT_WORKBOOK": "plan.xlsx"}


@pytest.mark.parametrize(
    "given",
    [
        "postgresql://ikbot:hemligt@db.postgres.database.azure.com:5432/ikbot?sslmode=require",
        "postgres://ikbot:hemligt@db.postgres.database.azure.com:5432/ikbot?sslmode=require",
        "  postgresql+psycopg://ikbot:hemligt@db.postgres.database.azure.com:5432/ikbot"
        "?sslmode=require ",
    ],
)
def test_a_plain_postgresql_url_gets_our_driver(given: str) -> None:
    settings = Settings.from_env({**ENV, "IKBOT_DATABASE_URL": given})
    assert settings.database_url == (
        "postgresql+psycopg://ikbot:hemligt@db.postgres.database.azure.com:5432/ikbot"
        "?sslmode=require"
    )
    assert "hemligt" not in repr(settings)
    db = Services.build(settings).db
    assert db.dialect == "postgresql"
    assert db.url.query == {"sslmode": "require"}
    assert "hemligt" not in db.describe() and "db.postgres.database.azure.com" in db.describe()


def test_without_a_url_the_store_is_sqlite_in_the_data_directory(tmp_path: Path) -> None:
    settings = Settings.from_env({**ENV, "IKBOT_DATA_DIR": str(tmp_path), "IKBOT_DATABASE_URL": ""})
    assert settings.database_url is None
    db = Services.build(settings).db
    assert db.is_sqlite and db.url.database == str(tmp_path / "ikbot.sqlite3")


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        ("mysql://root:hemligt@localhost/ikbot", "'mysql'"),
        ("sqlite:///var/ikbot.sqlite3", "'sqlite'"),
        ("ikbot:hemligt@localhost/ikbot", "något annat"),
    ],
)
def test_other_databases_are_refused_in_swedish_without_the_password(
    given: str, shown: str
) -> None:
    with pytest.raises(SettingsError) as refused:
        Settings.from_env({**ENV, "IKBOT_DATABASE_URL": given})
    message = str(refused.value)
    assert "PostgreSQL-adress" in message and shown in message
    assert "hemligt" not in message
    assert database_url("") is None


@both_engines
async def test_a_fresh_store_answers(store_db: Database) -> None:
    await store_db.ping()
    row = await store_db.fetchone("SELECT 1 AS one")
    assert row is not None and row.one == 1


async def test_sqlite_is_durable(tmp_path: Path) -> None:
    db = Database(tmp_path / "ikbot.sqlite3")
    await db.open()
    assert (await db.fetchone("PRAGMA journal_mode"))[0] == "wal"  # type: ignore[index]
    assert (await db.fetchone("PRAGMA synchronous"))[0] == 2  # type: ignore[index]  # FULL
    await db.close()


async def test_on_sqlite_a_read_does_not_wait_for_a_write_in_progress(tmp_path: Path) -> None:
    db = Database(tmp_path / "ikbot.sqlite3")
    await db.open()
    release = threading.Event()

    def slow_write(conn: Connection) -> int:
        conn.execute(text("CREATE TABLE probe (x INTEGER)"))
        conn.execute(text("INSERT INTO probe VALUES (1)"))
        # Held open until the read below has finished: a read queued behind this write
        # would never finish first, and the wait would run out.
        assert release.wait(30), "the read waited for the write"
        return int(conn.exec_driver_sql("PRAGMA synchronous").scalar_one())

    writing = asyncio.ensure_future(db.run(slow_write, write=True))
    await asyncio.sleep(0)  # the write is under way in its thread
    assert (await db.fetchone("SELECT 1 AS one")) is not None
    release.set()
    assert await writing == 2  # the writer's connection commits with synchronous=FULL
    # What the writer committed, the reader sees.
    row = await db.fetchone("SELECT x FROM probe")
    assert row is not None and row.x == 1
    await db.close()
