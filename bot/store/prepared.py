"""Statements a turn runs, compiled once per engine and run on the driver's own cursor.

SQLAlchemy's ``Connection.execute`` costs some 30 µs of CPU per statement on top of what
the driver takes (the compiled-cache lookup, the execution context, the events, the
result's rows): on SQLite five to seven times the statement itself, and an answer runs a
dozen. A ``Prepared`` statement is still written as Core (one statement for both engines,
the dialect's own SQL) but compiled once per engine; each run binds its parameters in the
compiled order and hands SQL and values straight to the DBAPI cursor of the unit of work's
connection, inside the unit's transaction. Rows come back as named tuples (``row.name``).

Parameters go through their types' conversions as SQLAlchemy would apply them (a list
parameter on psycopg); a statement whose result columns would need converting (none the
store uses: text and integers) is refused when it is first compiled, so a row cannot
slip through unconverted.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.dml import Insert
from sqlalchemy.sql.expression import ClauseElement


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    positional: tuple[str, ...] | None  # parameter names in order (qmark), None: by name
    defaults: dict[str, Any]  # values compiled into the statement (e.g. LIMIT's)
    processors: dict[str, Any]  # the types' conversions of parameters (a list, on psycopg)
    row: Any  # the named tuple of a result row, or None for a statement without rows


def _row_type(names: list[str]) -> Any:
    """A named tuple of a statement's result columns (rows read as ``row.name``)."""
    return namedtuple("Row", names)  # noqa: PYI024


class Prepared:
    """A Core statement run on the driver's cursor (see the module's docstring)."""

    def __init__(self, statement: ClauseElement) -> None:
        self._statement = statement
        self._compiled: dict[tuple[str, tuple[str, ...]], _Compiled] = {}

    def _compile(self, dialect: Dialect, keys: tuple[str, ...]) -> _Compiled:
        statement = self._statement
        # An INSERT without .values() lists the columns it is given, as execute() would.
        column_keys = list(keys) if isinstance(statement, Insert) else None
        compiled = cast(SQLCompiler, statement.compile(dialect=dialect, column_keys=column_keys))
        processors = {}
        for name, bind in compiled.binds.items():
            processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if processor is not None:
                processors[name] = processor
        row: Any = None
        columns = getattr(statement, "selected_columns", None)
        if columns is not None and not isinstance(statement, Insert):
            for column in columns:
                impl = column.type.dialect_impl(dialect)
                if impl.result_processor(dialect, None) is not None:
                    raise TypeError(f"{column.key}: its type needs converting; not preparable")
            row = _row_type([str(c.key) for c in columns])
        positional = tuple(compiled.positiontup or ()) if compiled.positional else None
        defaults = {
            name: bind.value
            for name, bind in compiled.binds.items()
            if bind.value is not None and not bind.required
        }
        return _Compiled(compiled.string, positional, defaults, processors, row)

    def _run(self, conn: Connection, params: Mapping[str, Any]) -> tuple[Any, _Compiled]:
        dialect = conn.dialect
        key = (dialect.name, tuple(params) if isinstance(self._statement, Insert) else ())
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = self._compiled[key] = self._compile(dialect, key[1])
        values = {**compiled.defaults, **params} if compiled.defaults else params
        if compiled.processors:
            values = dict(values)
            for name, processor in compiled.processors.items():
                values[name] = processor(values[name])
        bound: Sequence[Any] | Mapping[str, Any] = (
            values
            if compiled.positional is None
            else tuple(values[name] for name in compiled.positional)
        )
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        cursor.execute(compiled.sql, bound)
        return cursor, compiled

    def rows(self, conn: Connection, params: Mapping[str, Any]) -> list[Any]:
        """Every row, as named tuples."""
        cursor, compiled = self._run(conn, params)
        try:
            make = compiled.row._make
            return [make(row) for row in cursor.fetchall()]
        finally:
            cursor.close()

    def first(self, conn: Connection, params: Mapping[str, Any]) -> Any | None:
        """The first row, or None."""
        cursor, compiled = self._run(conn, params)
        try:
            row = cursor.fetchone()
            return None if row is None else compiled.row._make(row)
        finally:
            cursor.close()

    def scalar(self, conn: Connection, params: Mapping[str, Any]) -> Any | None:
        """The first column of the first row, or None."""
        row = self.first(conn, params)
        return None if row is None else row[0]

    def run(self, conn: Connection, params: Mapping[str, Any]) -> int:
        """Run a statement that returns no rows; the number of rows it changed."""
        cursor, _ = self._run(conn, params)
        try:
            return int(cursor.rowcount)
        finally:
            cursor.close()
