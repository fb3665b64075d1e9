"""`ikbot remind`: what the next sweep would send, and one sweep now."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from tests.dialogs.test_reminders import year_plan


def test_dry_run_then_a_sweep(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("IKBOT_WORKBOOK", str(year_plan(tmp_path / "plans")))
    monkeypatch.setenv("IKBOT_DATA_DIR", str(tmp_path / "data"))
    assert main(["remind", "--dry-run", "--at", "2026-12-01T09:00"]) == 0
    out = capsys.readouterr().out
    assert "Påminnelser 2026-12-01 09:00 (svensk tid):" in out
    assert "- alexw@example.com\n    perioden öppnar: 2 (Feltoleranstest" in out
    assert "4 (Backup återläses)" in out
    assert "- maria.lind@example.com" in out
    assert "2 meddelanden (ett per person)." in out
    assert main(["remind", "--dry-run", "--at", "2026-12-05T09:00"]) == 0
    assert "Utanför arbetstid eller en helgdag" in capsys.readouterr().out  # a Saturday
    # Nobody has opened the bot: nobody can be reached, and nothing is tried twice.
    assert main(["remind", "--at", "2026-12-01T09:00"]) == 0
    assert "Skickade 0, kan inte nås 2" in capsys.readouterr().out
    assert main(["remind", "--dry-run", "--at", "2026-12-01T10:00"]) == 0
    assert "Inget att skicka." in capsys.readouterr().out
