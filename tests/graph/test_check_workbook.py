"""`ikbot check-workbook`: the year, the periods, what to map, and the answers sheet."""

from __future__ import annotations

from pathlib import Path

import openpyxl

from graph import layout
from graph.tools import check_workbook
from tests.graph.workbooks import write_xlsx

HEAD = ["Nr", "Kontrollmoment", "Tidpunkt", "Ansvarig", "Kommentar"]


def _book(tmp_path: Path, rows, extra=None) -> Path:
    return write_xlsx(tmp_path / "plan.xlsx", rows, extra=extra)


def test_the_answers_sheet_is_checked_against_the_plan(tmp_path: Path) -> None:
    def typed(book: openpyxl.Workbook) -> None:
        ws = book.create_sheet(layout.ANSWER_SHEET)
        ws.append(["Nr", "År", "Period", "Resultat", "Kommentar"])
        ws.append([1, 2026, "Helår", "Ingen avvikelse", None])  # fine
        ws.append([1, 2026, "Helår", "Mindre avvikelse", "igen"])  # a second row
        ws.append([2, 2026, "Helår", "Lite fel", None])  # not on the scale
        ws.append([9, 2026, "Helår", "Ingen avvikelse", None])  # not in the plan
        ws.append([1, 2026, "Delår 1", "Ingen avvikelse", None])  # not due then
        ws.append([2, None, None, "Ingen avvikelse", None])  # no year, no period
        ws.append([None, 2026, "Helår", "Ingen avvikelse", None])  # no ID

    rows = [HEAD, [1, "a", "Helår", "a@example.com"], [2, "b", "Helår", "a@example.com"]]
    text, code = check_workbook(_book(tmp_path, rows, typed))
    assert code == 1
    assert "5 svar inlästa; 6 rader att rätta:" in text
    for line in (
        "rad 3: ID 1 helår 2026 finns redan på rad 2 (det senast besvarade räknas)",
        "rad 4: ID 2 helår 2026: bedömningen 'Lite fel' finns inte i skalan",
        "rad 5: ID 9 finns inte i planen",
        "rad 6: ID 1 ska inte följas upp delår 1 2026",
        "rad 7: ID 2: år eller period saknas eller förstås inte",
        "rad 8: ID saknas",
    ):
        assert f"    {line}" in text, line


def test_year_periods_ignored_columns_and_settings_problems(tmp_path: Path) -> None:
    def bad_settings(book: openpyxl.Workbook) -> None:
        ws = book.create_sheet(layout.SETTINGS_SHEET)
        ws.append(["Ansvarig", "E-post"])
        ws.append(["Ekonomichef", "ekonomichef(at)example.com"])
        ws.append([])
        ws.append(["Period", "Periodens slut", "Sista svarsdag"])
        ws.append(["Delår", "30 juni", "snart"])
        ws.append(["Trimester", "30 april", None])

    rows = [
        HEAD,
        [1, "a", "Varannan månad", "Ekonomichef", "anteckning"],
        [2, "b", "Halvårsvis", None, None],
    ]
    text, code = check_workbook(_book(tmp_path, rows, bad_settings))
    assert code == 1
    assert "År: okänt – kontrollmomenten följs upp varje år." in text
    assert "Kolumner som inte används: ”Kommentar”" in text
    assert "Period okänd (1)" in text and "    rad 2: 'Varannan månad'" in text
    assert "    Ekonomichef – rad 2" in text
    assert "Ansvarig saknas på rad 3." in text
    assert "rad 2: Ansvariga: ogiltig e-postadress 'ekonomichef(at)example.com'" in text
    assert "rad 5: Perioder: Delår: sista svarsdag 'snart' förstås inte" in text
    assert "rad 6: Perioder: okänd period 'Trimester'" in text
    assert "rad 4: Perioder: Helår saknas – helår per 31 december används" in text
    assert "Perioder (från tabellen Perioder på bladet Inställningar): Delår 1 30 juni" in text


def test_a_clean_plan_exits_zero(tmp_path: Path) -> None:
    rows = [["Internkontrollplan 2026"], HEAD[:4], [1, "a", "Årligen", "a@example.com"]]
    text, code = check_workbook(_book(tmp_path, rows))
    assert code == 0
    assert "År: 2026 (från titelraden 'Internkontrollplan 2026')" in text
    assert "Inga anmärkningar." in text
