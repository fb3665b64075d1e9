"""`ikbot status` lists the open åtgärder of earlier periods with the status the åtgärd
log holds, on both store engines."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.cli import main
from bot.domain.followup import ActionStatus, StatusUpdate
from bot.domain.model import Action, Answer, Period
from bot.store.action_log import ActionLog
from bot.store.database import Database
from bot.store.journal import Journal
from graph.templates import demo_workbook
from tests.databases import both_engines

pytestmark = both_engines


def test_status_shows_earlier_open_actions_with_their_status(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    database_url: str | None,
) -> None:
    demo_workbook(tmp_path / "demo")
    monkeypatch.setenv("IKBOT_WORKBOOK", str(tmp_path / "demo"))
    monkeypatch.setenv("IKBOT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("IKBOT_TODAY", "2027-02-01")
    if database_url:
        monkeypatch.setenv("IKBOT_DATABASE_URL", database_url)
    action = Action("Rensa arkivet.", "alexw@example.com", date(2026, 12, 1))

    async def journal() -> None:
        db = Database(database_url or tmp_path / "ikbot.sqlite3")
        await db.open()
        when = datetime(2026, 9, 10, 9, 0, tzinfo=UTC)
        answer = Answer(
            "a" * 32,
            "lindesberg-ks-2026.xlsx",
            "4",
            2026,
            Period.T2,
            "Större avvikelse",
            "alexw@example.com",
            when,
            action=action,
        )
        await Journal(db).append(answer)
        update = StatusUpdate(
            "b" * 32,
            "lindesberg-ks-2026.xlsx",
            "4",
            2026,
            Period.T2,
            ActionStatus.IN_PROGRESS,
            "Hälften klar.",
            "alexw@example.com",
            datetime(2026, 11, 1, 9, 0, tzinfo=UTC),
            action,
        )
        await ActionLog(db).append(update)
        await db.close()

    asyncio.run(journal())
    assert main(["status", "--period", "helår", "--year", "2026"]) == 0
    out = capsys.readouterr().out
    assert "Öppna åtgärder från tidigare perioder (1)" in out
    assert (
        "  4: Rensa arkivet. · Delår 2 2026 · Pågår · klart senast 2026-12-01 · försenad 62 dagar"
    ) in out
