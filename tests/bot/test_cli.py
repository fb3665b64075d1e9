"""The `ikbot` command's workbook subcommands and the demo's configuration precedence."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import DEMO_STRATEGIST, _demo_environment, main
from tests.databases import both_engines


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


def test_status_over_the_demo_workbooks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from graph.templates import demo_workbook

    demo_workbook(tmp_path / "demo")
    monkeypatch.setenv("IKBOT_WORKBOOK", str(tmp_path / "demo"))
    monkeypatch.setenv("IKBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("IKBOT_TODAY", "2027-02-01")
    assert main(["status", "--period", "Helår", "--year", "2026"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Status helår 2026\n")
    assert "0 av 15 kontrollmoment besvarade (0 %)" in out
    assert "Har inte svarat (15)" in out and "dagar försenat" in out
    assert "Riskmatris" in out
    assert not (tmp_path / "data" / "ikbot.sqlite3").exists()  # read-only: nothing created

    assert main(["status", "--format", "json", "--namnd", "kommunstyrelsen"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["year"], data["period"], data["total"]["due"]) == (2026, "YEAR", 15)

    # A nämnd no plan names is said, with the ones there are (not an empty summary).
    assert main(["status", "--period", "delår 1", "--namnd", "Ingen sådan"]) == 2
    assert "nämnden 'Ingen sådan' finns inte i planerna" in capsys.readouterr().err
    assert main(["status", "--namnd", "kommunstyrelsn"]) == 2
    assert "Menade du Kommunstyrelsen?" in capsys.readouterr().err


def test_status_as_xlsx_writes_each_workbooks_sheet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import openpyxl

    from graph.templates import demo_workbook

    demo_workbook(tmp_path / "demo")
    monkeypatch.setenv("IKBOT_WORKBOOK", str(tmp_path / "demo"))
    monkeypatch.setenv("IKBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("IKBOT_TODAY", "2027-02-01")

    assert main(["status", "--period", "helår", "--format", "xlsx"]) == 0

    out = capsys.readouterr().out.splitlines()
    books = sorted(p.name for p in (tmp_path / "demo").glob("*.xlsx"))
    assert sorted(line.split(":")[0] for line in out) == books
    assert all(line.endswith("bladet 'Sammanställning helår 2026'") for line in out)
    for name in books:
        sheet = openpyxl.load_workbook(tmp_path / "demo" / name)["Sammanställning helår 2026"]
        assert sheet["A1"].value == "Sammanställning helår 2026"

    (tmp_path / "demo" / f"~${books[0]}").write_bytes(b"")  # open in Excel
    assert main(["status", "--period", "helår", "--format", "xlsx"]) == 1
    assert f"{books[0]} är öppen eller låst just nu" in capsys.readouterr().out


@both_engines
def test_status_reads_the_journal(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    database_url: str | None,
) -> None:
    import asyncio
    from datetime import UTC, datetime

    from bot.domain.model import Answer, Period
    from bot.store.database import Database
    from bot.store.journal import Journal
    from graph.templates import demo_workbook

    demo_workbook(tmp_path / "demo")
    monkeypatch.setenv("IKBOT_WORKBOOK", str(tmp_path / "demo"))
    monkeypatch.setenv("IKBOT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("IKBOT_TODAY", "2027-02-01")
    if database_url:
        monkeypatch.setenv("IKBOT_DATABASE_URL", database_url)

    async def journal_one() -> None:
        db = Database(database_url or tmp_path / "ikbot.sqlite3")
        await db.open()
        answer = Answer(
            "a" * 32,
            "lindesberg-ks-2026.xlsx",
            "4",
            2026,
            Period.YEAR,
            "Större avvikelse",
            "alexw@example.com",
            datetime(2027, 1, 10, 9, 0, tzinfo=UTC),
            observations="Arkivet är fullt.",
        )
        await Journal(db).append(answer)
        await db.close()

    asyncio.run(journal_one())
    assert main(["status", "--period", "helar"]) == 0
    out = capsys.readouterr().out
    assert "1 av 15 kontrollmoment besvarade (7 %)" in out
    assert "1 av svaren väntar på att skrivas till Excel." in out
    assert "[Större avvikelse] 4 " in out and "Arkivet är fullt." in out


def test_status_refuses_bad_settings_and_periods(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("IKBOT_GRAPH_SITE", raising=False)
    monkeypatch.delenv("IKBOT_WORKBOOK", raising=False)
    monkeypatch.setenv("IKBOT_DATA_DIR", str(tmp_path))
    assert main(["status"]) == 2
    assert "IKBOT_WORKBOOK" in capsys.readouterr().err
    monkeypatch.setenv("IKBOT_WORKBOOK", str(tmp_path / "saknas"))
    assert main(["status", "--period", "helår"]) == 2
    assert "finns inte" in capsys.readouterr().err
    (tmp_path / "tom").mkdir()
    monkeypatch.setenv("IKBOT_WORKBOOK", str(tmp_path / "tom"))
    assert main(["status", "--period", "helår"]) == 2
    assert "ingen kontrollplan" in capsys.readouterr().err
    assert main(["status", "--period", "kvartal 5"]) == 2
    assert "okänd period" in capsys.readouterr().err
