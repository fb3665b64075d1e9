"""The `ikbot` command's workbook subcommands and the demo's configuration precedence."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import DEMO_STRATEGIST, _demo_environment, main


def test_init_check_and_demo(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plan = tmp_path / "plan.xlsx"
    assert main(["init-workbook", str(plan)]) == 0
    assert main(["init-workbook", str(plan)]) == 1  # never overwrites
    assert main(["check-workbook", str(plan)]) == 0
    assert main(["demo-workbook", str(tmp_path / "demo")]) == 0
    assert main(["check-workbook", str(tmp_path / "demo")]) == 0
    out = capsys.readouterr().out
    assert "lindesberg-ks-2026.xlsx" in out and "strangnas-ks-2026.xlsx" in out
    assert main(["check-workbook", str(tmp_path / "saknas.xlsx")]) == 2


def test_demo_builds_its_plans_and_makes_the_playground_user_a_strategist(tmp_path: Path) -> None:
    env = _demo_environment({"IKBOT_DATA_DIR": str(tmp_path)})
    assert env["IKBOT_WORKBOOK"] == str(tmp_path / "demo")
    assert sorted(p.name for p in (tmp_path / "demo").iterdir()) == [
        "lindesberg-ks-2026.xlsx",
        "strangnas-ks-2026.xlsx",
    ]
    assert env["IKBOT_STRATEGISTS"] == DEMO_STRATEGIST


def test_environment_wins_over_the_demo(tmp_path: Path) -> None:
    mine = str(tmp_path / "min.xlsx")
    env = _demo_environment({"IKBOT_WORKBOOK": mine, "IKBOT_DATA_DIR": str(tmp_path)})
    assert env["IKBOT_WORKBOOK"] == mine and "IKBOT_STRATEGISTS" not in env
    assert not (tmp_path / "demo").exists()
    env = _demo_environment({"IKBOT_DATA_DIR": str(tmp_path), "IKBOT_STRATEGISTS": "s@x.se"})
    assert env["IKBOT_STRATEGISTS"] == "s@x.se"
