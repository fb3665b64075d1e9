"""Where SQLite and PostgreSQL differ: upserts, list parameters and row locks.

Everything else in the store is one Core statement for both engines.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Connection, Table, any_, bindparam, column, func, select, text
from sqlalchemy.types import ARRAY, Text

if TYPE_CHECKING:
    from sqlalchemy.dialects import postgresql, sqlite

    Insert = postgresql.Insert | sqlite.Insert


def insert(dialect: str, table: Table) -> Insert:
    """An INSERT that can say ON CONFLICT (each dialect has its own construct). Each
    dialect's module is imported when first needed: a bot on SQLite never loads
    PostgreSQL's (about 50 ms to import)."""
    if dialect == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert(table)
    from sqlalchemy.dialects import sqlite

    return sqlite.insert(table)


def in_list(dialect: str, target: ColumnElement[Any], name: str) -> ColumnElement[bool]:
    """``target`` is one of the strings in the list parameter ``name``.

    One parameter for any number of values (no parameter limit to chunk around, one cached
    statement): a JSON array read by ``json_each`` on SQLite, an array on PostgreSQL.
    """
    if dialect == "postgresql":
        return target == any_(bindparam(name, type_=ARRAY(Text)))
    values = select(column("value", Text)).select_from(func.json_each(bindparam(name)))
    return target.in_(values.scalar_subquery())


def list_param(dialect: str, values: list[str]) -> Any:
    """The value to bind to an ``in_list`` parameter."""
    if dialect == "postgresql":
        return values
    return json.dumps(values)


def lock_key(conn: Connection, dialect: str, key: str) -> None:
    """Hold a lock on ``key`` until the transaction ends, whether or not a row exists yet.

    On SQLite the write transaction (BEGIN IMMEDIATE) already locks the whole file. On
    PostgreSQL a transaction-level advisory lock serialises updates of the same key from
    every instance, including the first insert of a key (which SELECT … FOR UPDATE could
    not lock: there is no row yet).
    """
    if dialect != "postgresql":
        return
    digest = hashlib.blake2b(key.encode(), digest_size=8).digest()
    conn.execute(_ADVISORY_LOCK, {"key": int.from_bytes(digest, "big", signed=True)})


_ADVISORY_LOCK = text("SELECT pg_advisory_xact_lock(:key)")
