"""What the read-only commands (`ikbot status`, `ikbot report`) set up alike: the settings
and workbooks, a period typed on the command line, and the store as it is."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from bot.domain.model import Period
from bot.domain.periods import parse_period_name
from bot.settings import Settings, SettingsError
from bot.sources import workbook_source
from bot.store.database import Database
from graph.protocol import WorkbookSource


def settings_and_source() -> tuple[Settings, WorkbookSource] | int:
    """The settings and the workbooks they name, or the exit code after saying why not."""
    try:
        settings = Settings.from_env(dict(os.environ))
        source = workbook_source(settings)
    except SettingsError as error:
        print(f"ikbot: {error}", file=sys.stderr)
        return 2
    if settings.workbook is not None and settings.graph is None and not settings.workbook.exists():
        print(f"ikbot: arbetsboken {settings.workbook} finns inte.", file=sys.stderr)
        return 2
    return settings, source


def period_of(text: str | None) -> Period | None | int:
    """The period typed (None: none given), or the exit code after saying it is unknown."""
    if text is None:
        return None
    period = parse_period_name(text)
    if period is None:
        print(
            f'ikbot: okänd period {text!r}; ange "helår", "delår 1", "delår 2" eller '
            '"kvartal 1"–"kvartal 3".',
            file=sys.stderr,
        )
        return 2
    return period


def store_as_it_is(settings: Settings) -> Database:
    """The store, read as it is. The journal holds answers not yet written to Excel;
    without its file there are none (an in-memory database stands in, so nothing is
    created on disk)."""
    if settings.database_url:
        return Database(settings.database_url)
    journal_file = settings.data_dir / "ikbot.sqlite3"
    return Database(journal_file if journal_file.exists() else Path(":memory:"))
