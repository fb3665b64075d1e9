"""`ikbot new-year` on the real plans: next year's plan as a new file, opened and read."""

from __future__ import annotations

import hashlib
from pathlib import Path

import openpyxl
import pytest

from bot.cli import main
from graph.xlsx_reader import read_workbook_file
from tests.graph.real_plans import eskilstuna_2021, lindesberg_delar_2017, strangnas_helar_2017


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_eskilstuna_carries_the_control_that_continues_and_leaves_the_closed_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = eskilstuna_2021(tmp_path, mapped=True)
    before = _digest(old)
    assert main(["new-year", "--from", "2021", "--to", "2022", str(old)]) == 0
    assert _digest(old) == before  # the old file is untouched
    new = tmp_path / "eskilstuna-ks-2022.xlsx"
    out = capsys.readouterr().out
    assert "Fortsätter 2022 (Ursprunglig risk: kvarstår från 2021): 3" in out
    assert "utelämnade: 1, 2, 4, 5, 6" in out  # 6: "nästa kontroll 2023", not 2022
    plan = read_workbook_file(new, new.name).plan
    [control] = plan.controls
    assert control.id == "3" and plan.year == 2022
    assert "kvarstår från 2019" in control.origin  # the risk's own first year is kept
    assert control.owner_emails == {"kommunsekreterare@example.com"}  # Ansvariga kept
    assert control.group  # its section rows are still above it
    assert plan.title == "Slutrapport för internkontroll 2022 – kommunstyrelsen"
    book = openpyxl.load_workbook(new)
    assert "Internkontroll 2022" in book.sheetnames
    ws = book["Internkontroll 2022"]
    for merged in ws.merged_cells.ranges:  # section rows stay merged over their own text
        assert ws.cell(merged.min_row, 1).value, merged.coord
    # Nothing of 2021's answers is left to be counted again.
    assert read_workbook_file(new, new.name).answers == ()
    assert main(["new-year", "--from", "2021", "--to", "2022", str(old)]) == 1  # never overwrites


@pytest.mark.parametrize(
    ("build", "year"), [(lindesberg_delar_2017, 2017), (strangnas_helar_2017, 2017)]
)
def test_plans_without_a_word_on_next_year_keep_every_control(
    tmp_path: Path, build, year: int
) -> None:
    old = build(tmp_path, mapped=True)
    before = read_workbook_file(old, old.name).plan
    target = tmp_path / "next" / "plan.xlsx"
    target.parent.mkdir()
    code = main(
        ["new-year", "--from", str(year), "--to", str(year + 1), str(old), "--out", str(target)]
    )
    assert code == 0
    after = read_workbook_file(target, target.name).plan
    assert [c.id for c in after.controls] == [c.id for c in before.controls]
    assert [c.description for c in after.controls] == [c.description for c in before.controls]
    assert [c.owner_emails for c in after.controls] == [c.owner_emails for c in before.controls]
    assert not any("kvarstår" in c.origin for c in after.controls)


def test_bad_arguments_change_nothing(tmp_path: Path) -> None:
    old = eskilstuna_2021(tmp_path)
    assert main(["new-year", "--from", "2021", "--to", "2023", str(old)]) == 2
    assert main(["new-year", "--from", "2021", "--to", "2022", str(tmp_path / "x.xlsx")]) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == [old.name]
