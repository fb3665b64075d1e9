"""`ikbot report`: the report of a period over the demo workbooks, into Rapporter (never
overwriting) or --out; an unknown nämnd, a year without a plan and a bad period are said."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from graph.templates import demo_workbook
from tests.bot.reports.docx_text import open_docx


@pytest.fixture
def demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    demo_workbook(tmp_path / "demo")
    monkeypatch.setenv("IKBOT_WORKBOOK", str(tmp_path / "demo"))
    monkeypatch.setenv("IKBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("IKBOT_TODAY", "2027-01-20")
    monkeypatch.delenv("IKBOT_DATABASE_URL", raising=False)
    return tmp_path / "demo"


def test_report_into_the_rapporter_folder(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["report", "--period", "helår", "--year", "2026", "--handlaggare", "Fredrik Lindell"]
    assert main(args) == 0
    out = capsys.readouterr().out
    [saved] = (demo / "Rapporter").glob("*.docx")
    assert str(saved) in out and "kontrollmoment" in out
    opened = open_docx(saved.read_bytes())
    assert opened.title == "Uppföljning av intern kontroll helår 2026"
    assert "Handläggare: Fredrik Lindell" in opened.paragraphs
    assert not (demo.parent / "data" / "ikbot.sqlite3").exists()  # read-only
    assert main(args) == 0  # again: a second file, the first untouched
    assert len(list((demo / "Rapporter").glob("*.docx"))) == 2


def test_report_to_a_file(demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "ut" / "ks.docx"
    assert (
        main(["report", "--period", "helår", "--namnd", "Kommunstyrelsen", "--out", str(out)]) == 0
    )
    assert open_docx(out.read_bytes()).facts()
    assert main(["report", "--out", str(out)]) == 1  # never overwrites
    assert "finns redan" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--namnd", "Socialnämnden"], "nämnden 'Socialnämnden' finns inte i planerna"),
        (["--namnd", "kommunstyrelsn"], "Menade du Kommunstyrelsen?"),
        (["--year", "2019"], "det finns ingen kontrollplan för 2019 (planer finns för 2026)"),
        (["--period", "tertial"], "okänd period 'tertial'"),
    ],
)
def test_what_cannot_be_reported_is_said(
    demo: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert main(["report", *args]) == 2
    assert message in capsys.readouterr().err
    assert not (demo / "Rapporter").exists()
