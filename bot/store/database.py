"""The database under the journal and the bot's state: SQLAlchemy Core, used from asyncio.

SQLite (a file in IKBOT_DATA_DIR) on the embedded default, for one instance on a local
disk; PostgreSQL when IKBOT_DATABASE_URL is set, so several instances share the store.
The store's code is written as units of work, plain functions of a SQLAlchemy
``Connection`` with Core statements and named parameters, and ``Database.run`` runs one:

- on PostgreSQL through the async engine (psycopg), with ``AsyncConnection.run_sync``;
- on SQLite in the database's own thread, with the sync driver: one thread hand-off per
  unit of work. (SQLAlchemy's aiosqlite adapter hands every statement to aiosqlite's
  thread four to five times — cursor, execute, fetch, close — which made a single-row read
  30 times slower than one hand-off, and a turn twice as slow, on a busy 2-core host.)
  Writes have one thread and connection, reads (of a file) another: in WAL a read sees
  every commit without waiting while a write's commit waits for the disk.

Where the two engines differ, the branch lives in ``bot.store.dialects``.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Engine, Executable, Row, create_engine, event, text
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.pool import ConnectionPoolEntry, StaticPool

from bot.store.schema_head import at_newest

if TYPE_CHECKING:
    # Imported where PostgreSQL is opened: it brings in the ORM (about 0.1 s), which a
    # start on SQLite never needs.
    from sqlalchemy.ext.asyncio import AsyncEngine

logger = logging.getLogger(__name__)

SQLITE_FILE = "ikbot.sqlite3"
# Milliseconds a SQLite writer waits for another process's write lock before giving up.
_BUSY_TIMEOUT_MS = 15_000
# Rows changed by an INSERT … ON CONFLICT say whether it inserted (or took a lease):
# SQLAlchemy keeps that count for UPDATE and DELETE only unless asked.
_OPTIONS = {"preserve_rowcount": True}

T = TypeVar("T")
Work = Callable[[Connection], T]
Statement = Executable | str
Params = Mapping[str, Any] | Sequence[Mapping[str, Any]]


def sqlite_url(path: Path | str) -> URL:
    """The URL of a SQLite file (or ``:memory:``)."""
    return URL.create("sqlite+pysqlite", database=str(path))


def store_url(database_url: str | None, data_dir: Path) -> URL:
    """The store's URL: PostgreSQL when one is configured, else the SQLite file in
    ``data_dir``."""
    if database_url:
        return make_url(database_url)
    return sqlite_url(data_dir / SQLITE_FILE)


def _statement(statement: Statement) -> Executable:
    return text(statement) if isinstance(statement, str) else statement


class Database:
    """The store's engine; ``run`` executes one unit of work (a function of a Connection)."""

    def __init__(self, url: URL | str | Path) -> None:
        url = sqlite_url(url) if isinstance(url, Path) else make_url(url)
        if url.get_backend_name() == "sqlite":
            url = sqlite_url(url.database or ":memory:")
        self.url = url
        self._sqlite: _SqliteThread | None = None
        self._sqlite_reads: _SqliteThread | None = None
        self._postgres: AsyncEngine | None = None

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
        if self._sqlite is None and self._postgres is None:
            if self.is_sqlite:
                database = self.url.database or ""
                if database and database != ":memory:":
                    Path(database).parent.mkdir(parents=True, exist_ok=True)
                # One thread owns the SQLite connection, as aiosqlite's thread did: turns
                # never block on the disk, and statements need no lock of their own. The
                # connection is never left inside a transaction: nothing to reset.
                self._sqlite = _SqliteThread(_sqlite_engine(self.url))
                if database and database != ":memory:":
                    # Reads get a connection and thread of their own: in WAL they see every
                    # commit without waiting for the writer, so a turn's reads no longer
                    # queue behind other turns' commits (each an fsync).
                    self._sqlite_reads = _SqliteThread(_sqlite_engine(self.url))
            else:
                self._postgres = _postgres_engine(self.url)
        if upgrade and not await self.run(at_newest):
            from bot.store import migrate  # it builds on this module

            await migrate.upgrade(self)

    async def close(self) -> None:
        """Close every pooled connection (idempotent)."""
        threads = [self._sqlite, self._sqlite_reads]
        self._sqlite = self._sqlite_reads = None
        postgres, self._postgres = self._postgres, None
        for sqlite in threads:
            if sqlite is not None:
                loop = asyncio.get_running_loop()
                await loop.run_in_executor(sqlite.executor, sqlite.dispose)
                sqlite.executor.shutdown(wait=False)
        if postgres is not None:
            await postgres.dispose()

    async def run(self, work: Work[T], *, write: bool = False, durable: bool = True) -> T:
        """Run ``work`` with a connection: inside one transaction when it writes (committed
        at the end, rolled back on error; on SQLite the write lock is taken at its start,
        so what it reads stays true until it commits), else reading the latest commits.

        ``durable=False``: a write that may be lost in a power cut (never in a crash of the
        process) because nothing depends on it, such as which card a person opened last.
        It is committed without waiting for the disk — on SQLite with synchronous=NORMAL
        for that transaction (the WAL keeps commits in order, so the next durable commit's
        sync carries it too), on PostgreSQL with synchronous_commit off — and so does not
        make the answers queued behind it on the writer wait for an fsync of its own."""
        if self._sqlite is not None:
            sqlite = self._sqlite if write or self._sqlite_reads is None else self._sqlite_reads
            return await asyncio.get_running_loop().run_in_executor(
                sqlite.executor, sqlite.unit, work, write, durable
            )
        if self._postgres is None:
            raise RuntimeError("Database is not open")
        async with self._postgres.connect() as conn:
            if write:
                async with conn.begin():
                    if not durable:
                        await conn.exec_driver_sql(_NOT_DURABLE)
                    return await conn.run_sync(work)
            # A read needs no transaction: no BEGIN and ROLLBACK round trips.
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            return await conn.run_sync(work)

    async def execute(self, statement: Statement, params: Params | None = None) -> int:
        """Run one statement in its own transaction; return the number of rows changed."""
        stmt = _statement(statement)
        return await self.run(lambda conn: conn.execute(stmt, params).rowcount, write=True)

    async def fetchall(
        self, statement: Statement, params: Mapping[str, Any] | None = None
    ) -> list[Row[Any]]:
        """All rows of a query (read by column name: ``row.name``)."""
        stmt = _statement(statement)
        return await self.run(lambda conn: list(conn.execute(stmt, params).all()))

    async def fetchone(
        self, statement: Statement, params: Mapping[str, Any] | None = None
    ) -> Row[Any] | None:
        """The first row of a query, or None."""
        stmt = _statement(statement)
        return await self.run(lambda conn: conn.execute(stmt, params).first())

    async def ping(self) -> None:
        """Raise unless the database answers."""
        await self.fetchone(_PING)


_PING = text("SELECT 1")
# For this transaction only (SET LOCAL): its commit does not wait for the WAL's flush.
_NOT_DURABLE = "SET LOCAL synchronous_commit = off"


class _SqliteThread:
    """The SQLite engine's thread and the one connection it keeps open between units."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.executor = ThreadPoolExecutor(1, thread_name_prefix="ikbot-sqlite")
        self._conn: Connection | None = None

    def unit(self, work: Work[T], write: bool, durable: bool = True) -> T:
        """One unit of work (runs on the thread)."""
        if self._conn is None:
            self._conn = self.engine.connect()
        conn = self._conn
        try:
            if not write:
                try:
                    return work(conn)
                finally:
                    conn.rollback()  # ends SQLAlchemy's bookkeeping; SQLite had no BEGIN
            # SQLAlchemy's transaction does the bookkeeping (and COMMIT or ROLLBACK through
            # the driver); it sends no BEGIN of its own (the driver's legacy transaction
            # control is off), so the write lock is taken here, straight on the driver:
            # IMMEDIATE takes it now, so a read-modify-write in the transaction cannot
            # interleave with another writer (another process: one thread here).
            driver: Any = conn.connection.dbapi_connection
            if not durable:  # this commit only; FULL again below (or a fresh connection)
                driver.execute("PRAGMA synchronous=NORMAL")
            try:
                with conn.begin():
                    driver.execute("BEGIN IMMEDIATE")
                    return work(conn)
            finally:
                if not durable:
                    driver.execute("PRAGMA synchronous=FULL")
        except BaseException:
            # Whatever went wrong, the next unit starts on a fresh connection.
            self._conn = None
            conn.close()
            raise

    def dispose(self) -> None:
        """Close the connection and the engine (runs on the thread)."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        self.engine.dispose()


def _sqlite_engine(url: URL) -> Engine:
    engine = create_engine(
        url, execution_options=_OPTIONS, poolclass=StaticPool, pool_reset_on_return=None
    )
    _sqlite_events(engine)
    return engine


def _postgres_engine(url: URL) -> AsyncEngine:
    from sqlalchemy.ext.asyncio import create_async_engine

    # pre_ping: a server restart or a failover must not fail the next turn; and an
    # unreachable server is reported in seconds, not after TCP's minutes.
    connect = {} if "connect_timeout" in url.query else {"connect_timeout": 10}
    return create_async_engine(
        url, pool_pre_ping=True, execution_options=_OPTIONS, connect_args=connect
    )


def _use_wal(cursor: Any) -> None:
    """Switch the file to WAL once; a file already in WAL is left as it is.

    The switch needs the file to itself, and SQLite refuses it at once (no busy wait: it
    would risk a deadlock) while another connection holds a read lock, as happens when
    several instances open a new file together. The mode is stored in the file, so the
    first connection that succeeds switches it for all of them; the others retry briefly.
    """
    deadline = time.monotonic() + _BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            if cursor.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal":
                return
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def _sqlite_events(engine: Engine) -> None:
    """Durable settings on every SQLite connection (``_SqliteThread.unit`` begins the
    write transactions itself)."""

    @event.listens_for(engine, "connect")
    def connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        # The driver's own implicit BEGIN (legacy transaction control) is switched off: a
        # write transaction begins with BEGIN IMMEDIATE below, reads need none.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")
        # WAL lets readers run beside the writer (local disk only: WAL needs shared memory,
        # which network file systems do not give); FULL sync means an acknowledged answer
        # survives a power cut, not only a process crash.
        _use_wal(cursor)
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()
