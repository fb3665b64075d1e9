"""A database already at the newest schema opens without running (or importing) alembic;
one that is behind, or migrations that do not read plainly, still go through alembic."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from alembic import command

from bot.store import migrate
from bot.store.database import Database
from bot.store.schema_head import at_newest, newest_revision
from tests.databases import both_engines, store_url

ROOT = Path(__file__).resolve().parents[3]


def test_the_newest_revision_read_from_the_files_is_alembics_head() -> None:
    assert newest_revision() == migrate.head()


def _script(folder: Path, revision: str, down: str) -> None:
    (folder / f"{revision}_step.py").write_text(
        f'"""A step."""\n\nrevision = "{revision}"\ndown_revision = {down}\n', encoding="utf-8"
    )


def test_migrations_that_do_not_read_plainly_leave_it_to_alembic(tmp_path: Path) -> None:
    chain, merge, branches = (tmp_path / n for n in ("chain", "merge", "branches"))
    for folder in (chain, merge, branches):
        folder.mkdir()
        _script(folder, "0001", "None")
        _script(folder, "0002", '"0001"')
    _script(chain, "0003", '"0002"')
    assert newest_revision(chain) == "0003"
    _script(merge, "0003", '("0001", "0002")')  # a merge: its parents are a tuple
    assert newest_revision(merge) is None
    _script(branches, "0003", '"0001"')  # two heads
    assert newest_revision(branches) is None


@both_engines
async def test_only_the_newest_schema_counts_as_newest(
    tmp_path: Path, database_url: str | None
) -> None:
    db = Database(store_url(database_url, tmp_path))
    await db.open(upgrade=False)
    assert not await db.run(at_newest)  # no version table yet
    await migrate.upgrade(db)
    assert await db.run(at_newest)
    await db.run(lambda c: command.downgrade(migrate._config(c), "-1"), write=True)
    assert not await db.run(at_newest)  # behind: alembic brings it up to date
    await db.close()
    db = Database(store_url(database_url, tmp_path))
    await db.open()
    assert (await migrate.check(db)).up_to_date
    assert await db.run(at_newest)
    await db.close()


def test_a_database_at_the_newest_schema_opens_without_alembic(tmp_path: Path) -> None:
    script = textwrap.dedent(
        """
        import asyncio, sys
        from pathlib import Path
        from bot.store.database import Database, store_url

        async def main() -> None:
            db = Database(store_url(None, Path(sys.argv[1])))
            await db.open()
            await db.close()
            print("alembic" in sys.modules)

        asyncio.run(main())
        """
    )

    def open_once() -> str:
        done = subprocess.run(
            [sys.executable, "-c", script, str(tmp_path)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        return done.stdout.strip()

    assert open_once() == "True"  # a new database: alembic creates the schema
    assert open_once() == "False"  # the next start finds it at the newest and moves on
