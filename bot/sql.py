"""The small SQL layer under the journal and the bot's state.

SQLite (a file in IKBOT_DATA_DIR) on the embedded default. The statements stick to the
portable subset (qmark parameters, ``INSERT … ON CONFLICT``) so a PostgreSQL backend can
implement the same ``Database`` surface later.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

logger = logging.getLogger(__name__)

Row = tuple[Any, ...]

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS answers (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        answer_id TEXT NOT NULL UNIQUE,
        plan_key TEXT NOT NULL,
        control_id TEXT NOT NULL,
        year INTEGER NOT NULL,
        period TEXT NOT NULL,
        answered_by TEXT NOT NULL,
        answered_at TEXT NOT NULL,
        payload TEXT NOT NULL,
        written_at TEXT
    )""",
    "CREATE INDEX IF NOT EXISTS answers_slot ON answers (plan_key, control_id, year, period)",
    """CREATE INDEX IF NOT EXISTS answers_pending ON answers (plan_key, seq)
        WHERE written_at IS NULL""",
    """CREATE TABLE IF NOT EXISTS writer_state (
        plan_key TEXT PRIMARY KEY,
        failures INTEGER NOT NULL,
        retry_at TEXT NOT NULL,
        last_error TEXT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS conversation_state (
        key TEXT PRIMARY KEY,
        state TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )""",
)


class Database:
    """One SQLite connection; aiosqlite runs it on its own thread so turns never block."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._conn: aiosqlite.Connection | None = None
        # One connection is shared by every coroutine: a statement issued while another
        # coroutine's transaction is open would join (and could be rolled back with) it.
        self._lock = asyncio.Lock()

    async def open(self) -> None:
        """Open (creating the file and tables if needed) with durable settings."""
        self._path.parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(self._path, isolation_level=None)
        # WAL lets readers run beside the writer; FULL sync means an acknowledged answer
        # survives a power cut, not only a process crash.
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute("PRAGMA synchronous=FULL")
        await conn.execute("PRAGMA busy_timeout=5000")
        for statement in _SCHEMA:
            await conn.execute(statement)
        self._conn = conn

    async def close(self) -> None:
        """Close the connection (idempotent)."""
        if self._conn is not None:
            await self._conn.close()
            self._conn = None

    @property
    def _c(self) -> aiosqlite.Connection:
        if self._conn is None:
            raise RuntimeError("Database is not open")
        return self._conn

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one statement in its own transaction; return the number of rows changed."""
        async with self._lock:
            return await self._run(sql, params)

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """Run one statement for many parameter rows, in one transaction."""
        async with self.transaction() as tx:
            await tx.executemany(sql, rows)

    async def _run(self, sql: str, params: Sequence[Any]) -> int:
        cursor = await self._c.execute(sql, params)
        try:
            return cursor.rowcount
        finally:
            await cursor.close()

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """All rows of a query (one round trip to the database thread)."""
        return [tuple(r) for r in await self._c.execute_fetchall(sql, params)]

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        """The first row of a query, or None."""
        rows = list(await self._c.execute_fetchall(sql, params))
        return tuple(rows[0]) if rows else None

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """BEGIN … COMMIT, rolled back on error; no other statement runs meanwhile."""
        async with self._lock:
            await self._c.execute("BEGIN IMMEDIATE")
            try:
                yield Transaction(self)
            except BaseException:
                await self._c.execute("ROLLBACK")
                raise
            await self._c.execute("COMMIT")


class Transaction:
    """Statements inside an open transaction (the database lock is already held)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one statement; return the number of rows changed."""
        return await self._db._run(sql, params)

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """Run one statement for many parameter rows."""
        await self._db._c.executemany(sql, rows)
