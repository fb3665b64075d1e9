"""Schema migrations, run from the installed package (no alembic.ini, no working directory).

``upgrade`` brings a database to the newest schema: at start-up and by `ikbot db upgrade`.
Several instances starting together take turns (SQLite's write lock, a PostgreSQL advisory
lock), and each upgrade is one transaction. A SQLite file from the first release, which had
the tables but no version, is adopted: it is stamped as revision 0001 and upgraded from
there, keeping every row.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, text

from bot.store.database import Database

FIRST_RELEASE = "0001"
_FIRST_RELEASE_TABLES = ("answers", "writer_state", "conversation_state")
_SCRIPTS = "bot.store:migrations"
# pg_advisory_xact_lock key of the migration (any constant other locks do not use).
_MIGRATION_LOCK = 0x696B626F74_01


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", _SCRIPTS)
    config.attributes["connection"] = connection
    return config


def head() -> str:
    """The newest revision this code knows."""
    revision = ScriptDirectory.from_config(_config()).get_current_head()
    assert revision is not None
    return revision


def _current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _is_first_release(connection: Connection) -> bool:
    """Tables of the first release but no version table: stamp before upgrading."""
    tables = set(inspect(connection).get_table_names())
    return "alembic_version" not in tables and "answers" in tables


def _upgrade(connection: Connection) -> None:
    config = _config(connection)
    if _is_first_release(connection):
        # A table the first release would have created on its next start may be missing
        # (it created them one by one); create it as that release did before stamping.
        missing = [t for t in _FIRST_RELEASE_TABLES if not inspect(connection).has_table(t)]
        if missing:
            from bot.store.schema import metadata

            metadata.create_all(connection, tables=[metadata.tables[t] for t in missing])
        command.stamp(config, FIRST_RELEASE)
    command.upgrade(config, "head")


async def upgrade(db: Database) -> None:
    """Bring the database to the newest schema (nothing happens when it is there)."""
    # Alembic announces each of its plugins at INFO on every run: noise in the start-up log.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)

    def unit(conn: Connection) -> None:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
        _upgrade(conn)

    await db.run(unit, write=True)


@dataclass(frozen=True, slots=True)
class SchemaState:
    """What ``check`` found: the database's revision (None: no schema yet) and the code's."""

    current: str | None
    head: str

    @property
    def up_to_date(self) -> bool:
        """Whether the database has the schema this code needs."""
        return self.current == self.head


async def check(db: Database) -> SchemaState:
    """The database's schema revision (raises if the database cannot be reached)."""
    return SchemaState(await db.run(_current), head())
