"""Whether a database is already at the newest schema, found without importing alembic.

Importing alembic and reading its migration scripts costs a few tenths of a second at every
start, although the schema is at its newest on all but the first start after an upgrade.
The newest revision is read from the migration files' ``revision`` and ``down_revision``
lines and compared with the database's version table in plain SQL; anything unusual (a
merge of two branches, a line that does not read plainly) answers "not known", and alembic
then runs as always.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from sqlalchemy import Connection, text
from sqlalchemy.exc import SQLAlchemyError

VERSIONS = Path(__file__).resolve().parent / "migrations" / "versions"
_REVISION = re.compile(r"^revision\s*(?::\s*str\s*)?=\s*[\"'](\w+)[\"']\s*$", re.M)
_DOWN = re.compile(r"^down_revision\s*(?::[^=]*)?=\s*(?:None|[\"'](\w+)[\"'])\s*$", re.M)
_VERSION = text("SELECT version_num FROM alembic_version")


@cache
def newest_revision(folder: Path = VERSIONS) -> str | None:
    """The one revision no other migration builds on; None when that is not plain."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for script in folder.glob("*.py"):
        if script.name == "__init__.py":
            continue
        source = script.read_text(encoding="utf-8")
        revision, down = _REVISION.findall(source), _DOWN.findall(source)
        if len(revision) != 1 or len(down) != 1:
            return None
        revisions.add(revision[0])
        if down[0]:
            parents.add(down[0])
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 and parents <= revisions else None


def at_newest(connection: Connection) -> bool:
    """Whether the database's schema is the newest revision (False when not known)."""
    newest = newest_revision()
    if newest is None:
        return False
    try:
        found = [row[0] for row in connection.execute(_VERSION)]
    except SQLAlchemyError:  # no version table yet: a new database
        return False
    return found == [newest]
