"""The database under the journal and the bot's state: one SQLAlchemy async engine.

SQLite (a file in IKBOT_DATA_DIR) on the embedded default, for one instance on a local
disk; PostgreSQL when IKBOT_DATABASE_URL is set, so several instances share the store.
Statements are SQLAlchemy Core with named parameters; where the two engines differ, the
branch lives in ``bot.store.dialects``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Executable, Row, TextClause, event, text
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry

logger = logging.getLogger(__name__)

SQLITE_FILE = "ikbot.sqlite3"
_WRITE = "ikbot_write"  # execution option: this connection's transaction will write
# Seconds a SQLite writer waits for another process's write lock before giving up.
_BUSY_TIMEOUT_MS = 15_000

Statement = Executable | str
Params = Mapping[str, Any] | Sequence[Mapping[str, Any]]


def sqlite_url(path: Path | str) -> URL:
    """The URL of a SQLite file (or ``:memory:``) for the async driver."""
    return URL.create("sqlite+aiosqlite", database=str(path))


def store_url(database_url: str | None, data_dir: Path) -> URL:
    """The store's URL: PostgreSQL when one is configured, else the SQLite file in
    ``data_dir``."""
    if database_url:
        return make_url(database_url)
    return sqlite_url(data_dir / SQLITE_FILE)


def _statement(statement: Statement) -> Executable:
    return text(statement) if isinstance(statement, str) else statement


class Database:
    """One connection pool; ``read()`` and ``write()`` lend a connection for a unit of work."""

    def __init__(self, url: URL | str | Path) -> None:
        self.url = sqlite_url(url) if isinstance(url, Path) else make_url(url)
        self._engine: AsyncEngine | None = None
        # SQLite allows one writer at a time per file: writers of this process queue here
        # instead of polling SQLite's busy handler (other processes still wait there).
        self._write_lock = asyncio.Lock()

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.url.get_backend_name()

    @property
    def is_sqlite(self) -> bool:
        """Whether this is the embedded SQLite store."""
        return self.dialect == "sqlite"

    def describe(self) -> str:
        """Where the store is, for people and logs (never the password)."""
        if self.is_sqlite:
            return f"SQLite {self.url.database}"
        return f"PostgreSQL {self.url.render_as_string(hide_password=True)}"

    async def open(self, *, upgrade: bool = True) -> None:
        """Create the engine and, unless told not to, bring the schema up to date (the
        migrations; several instances starting at once take turns)."""
        if self._engine is None:
            self._engine = self._create_engine()
        if upgrade:
            from bot.store import migrate  # it builds on this module

            await migrate.upgrade(self)

    def _create_engine(self) -> AsyncEngine:
        # Rows changed by an INSERT … ON CONFLICT say whether it inserted (or took a lease):
        # SQLAlchemy keeps that count for UPDATE and DELETE only unless asked.
        options = {"preserve_rowcount": True}
        if not self.is_sqlite:
            # pre_ping: a server restart or a failover must not fail the next turn; and an
            # unreachable server is reported in seconds, not after TCP's minutes.
            connect = {} if "connect_timeout" in self.url.query else {"connect_timeout": 10}
            return create_async_engine(
                self.url, pool_pre_ping=True, execution_options=options, connect_args=connect
            )
        database = self.url.database or ""
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(self.url, execution_options=options)
        _sqlite_events(engine)
        return engine

    async def close(self) -> None:
        """Close every pooled connection (idempotent)."""
        engine, self._engine = self._engine, None
        if engine is not None:
            await engine.dispose()

    @property
    def engine(self) -> AsyncEngine:
        """The open engine."""
        if self._engine is None:
            raise RuntimeError("Database is not open")
        return self._engine

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        """A connection for reading (on SQLite each statement sees the latest commit)."""
        async with self.engine.connect() as conn:
            yield conn

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncConnection]:
        """A connection inside one write transaction: committed at the end, rolled back on
        error. On SQLite the write lock is taken at BEGIN, so what is read inside the
        transaction stays true until it commits."""
        if self.is_sqlite:
            async with self._write_lock, self._transaction() as conn:
                yield conn
        else:
            async with self._transaction() as conn:
                yield conn

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[AsyncConnection]:
        async with self.engine.connect() as conn:
            await conn.execution_options(**{_WRITE: True})
            async with conn.begin():
                yield conn

    async def execute(self, statement: Statement, params: Params | None = None) -> int:
        """Run one statement in its own transaction; return the number of rows changed."""
        async with self.write() as conn:
            result = await conn.execute(_statement(statement), params)
            return result.rowcount

    async def fetchall(
        self, statement: Statement, params: Mapping[str, Any] | None = None
    ) -> list[Row[Any]]:
        """All rows of a query (read by column name: ``row.name``)."""
        async with self.read() as conn:
            return list((await conn.execute(_statement(statement), params)).all())

    async def fetchone(
        self, statement: Statement, params: Mapping[str, Any] | None = None
    ) -> Row[Any] | None:
        """The first row of a query, or None."""
        async with self.read() as conn:
            return (await conn.execute(_statement(statement), params)).first()

    async def ping(self) -> None:
        """Raise unless the database answers."""
        await self.fetchone(_PING)


_PING: TextClause = text("SELECT 1")


def _sqlite_events(engine: AsyncEngine) -> None:
    """Durable settings on every SQLite connection, and transactions we begin ourselves."""

    @event.listens_for(engine.sync_engine, "connect")
    def connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        # The driver's own implicit BEGIN (legacy transaction control) is switched off: a
        # write transaction begins with BEGIN IMMEDIATE below, reads need none.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        # WAL lets readers run beside the writer (local disk only: WAL needs shared memory,
        # which network file systems do not give); FULL sync means an acknowledged answer
        # survives a power cut, not only a process crash.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def begin(conn: Connection) -> None:
        if conn.get_execution_options().get(_WRITE):
            # IMMEDIATE takes the write lock now: a read-modify-write in the transaction
            # cannot interleave with another writer, in this process or another.
            conn.exec_driver_sql("BEGIN IMMEDIATE")
