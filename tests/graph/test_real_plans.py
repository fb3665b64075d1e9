"""The three real plans, loaded as their kommuner wrote them, on every workbook backend.

Every control is read (or reported with its reason and kept); `ikbot check-workbook`
says exactly which ansvariga to map; after the Ansvariga table maps them, the status of
the real follow-up reproduces the documents' outcome counts in the kommun's own words.
"""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain.assignments import assignments_for, index_answers
from bot.domain.identity import User
from bot.domain.model import Period, Severity
from bot.domain.status import compile_status
from bot.reports.text import status_text
from cards.status import status_card
from graph.tools import check_workbook
from tests.fakes.card_schema import assert_valid_card
from tests.graph.conftest import LocalBackend
from tests.graph.real_plans import (
    ESKILSTUNA,
    ESKILSTUNA_TITLE,
    LINDESBERG,
    REAL_PLANS,
    STRANGNAS,
    eskilstuna_2021,
    lindesberg_delar_2017,
    strangnas_helar_2017,
)

NAMES = list(REAL_PLANS)


async def _read(backend: LocalBackend, name: str, *, mapped: bool):
    real, build = REAL_PLANS[name]
    build(backend.folder, mapped=mapped)
    workbook = await backend.workbook(real.file)
    return real, await workbook.read_plan(), await workbook.read_answers()


@pytest.mark.parametrize("name", NAMES)
async def test_every_control_is_read_and_unknown_ansvariga_are_kept(
    backend: LocalBackend, name: str
) -> None:
    real, plan, answers = await _read(backend, name, mapped=False)
    expected = {"lindesberg": 16, "strangnas": 9, "eskilstuna": 6}[name]
    assert len(plan.controls) == expected
    assert not [i for i in plan.issues if i.skipped]  # nothing is dropped
    assert not [i for i in plan.issues if i.kind == "period"]  # every period word is known
    # Each role the plan names without an address is reported, with its rows, and kept.
    reported: dict[str, list[int]] = {}
    for issue in plan.issues:
        if issue.kind == "owner":
            reported.setdefault(issue.subject, []).append(issue.row)
    assert reported == real.roles
    unowned = [c for c in plan.controls if not c.has_owner]
    assert {c.row for c in unowned} == {r for rows in real.roles.values() for r in rows}
    assert len(answers) == expected  # the results typed by hand, under their own headers
    assert {a.year for a in answers} == {real.term.year}
    assert {a.period for a in answers} == {real.term.period}
    assert all(a.when is None for a in answers)  # no Besvarad typed: no time invented


async def test_lindesberg_as_written(backend: LocalBackend) -> None:
    _, plan, _ = await _read(backend, "lindesberg", mapped=False)
    assert plan.sheet == "Internkontrollplan 2017" and plan.year == 2017
    assert plan.title == "Internkontrollplan 2017 – Kommunledningskontoret"
    # One delår, januari–juni, reported by 31 augusti: the Perioder table.
    assert plan.calendar.periods == (Period.T1, Period.YEAR)
    end = plan.calendar.end_of(Period.T1)
    assert (end.month, end.day, end.due_days) == (6, 30, 62)
    assert all(c.periods == {Period.T1, Period.YEAR} for c in plan.controls)
    first = plan.control("1")
    assert first is not None and first.area == "Verksamhet" and first.process == "Inköp"
    assert first.failure.startswith("Använder leverantörer utanför avtal")
    assert first.owner == "Upphandlingschef" and first.namnd == ""


async def test_strangnas_two_row_header_keeps_urval_and_metod(backend: LocalBackend) -> None:
    _, plan, answers = await _read(backend, "strangnas", mapped=False)
    assert plan.header_rows == (3, 4) and plan.year == 2017
    five = plan.control("5")
    assert five is not None
    assert five.sample.startswith("Stickprov 10 av 43 manuella fakturor")
    assert five.method == "Stickprov" and five.process == "Attestreglementet"
    assert five.periods == {Period.T2, Period.YEAR}  # "Halvårsvis"
    assert five.owners == {"ekonomi@example.com", "ekonomichef@example.com"}  # two rows
    assert plan.control("8").periods == {Period.YEAR}  # "En gång per år"
    assert [o.severity for o in plan.scale.options] == [
        Severity.OK,
        Severity.MINOR,
        Severity.MAJOR,
        Severity.MAJOR,
        Severity.MAJOR,
    ]
    nine = next(a for a in answers if a.control_id == "9")
    assert nine.observations.startswith("14 av 50 hade kvar behörighet")
    assert nine.action is not None and nine.action.text.startswith("Riktlinjer för avslut")


async def test_eskilstuna_section_rows_are_perspektiv_and_mal(backend: LocalBackend) -> None:
    _, plan, _ = await _read(backend, "eskilstuna", mapped=False)
    groups = [(c.id, c.group, c.goal) for c in plan.controls]
    assert groups == [
        ("1", "Hållbar utveckling", "ATTRAKTIV STAD OCH LANDSBYGD"),
        ("2", "Hållbar utveckling", "ATTRAKTIV STAD OCH LANDSBYGD"),
        ("3", "Hållbar utveckling", "ATTRAKTIV STAD OCH LANDSBYGD"),
        ("4", "Effektiv organisation", "ATTRAKTIV ARBETSGIVARE"),
        ("5", "Effektiv organisation", "STABIL EKONOMI"),
        ("6", "Effektiv organisation", "STABIL EKONOMI"),
    ]
    assert plan.title == ESKILSTUNA_TITLE and plan.year == 2021
    three = plan.control("3")
    assert three is not None and three.description.startswith("Kontroll under andra halvan")
    assert three.origin == "Förvaltning, kvarstår från 2019 men är omarbetad"
    assert three.risk.label == "Röd" and three.periods == {Period.YEAR}  # "Andra halvåret"
    assert plan.control("2").periods == {Period.T1, Period.T2, Period.YEAR}  # "Löpande"
    assert plan.ignored_headers == ("Anteckningar",)


@pytest.mark.parametrize("name", NAMES)
async def test_after_mapping_the_status_has_the_real_counts_in_the_kommuns_words(
    backend: LocalBackend, name: str
) -> None:
    real, plan, answers = await _read(backend, name, mapped=True)
    assert not [i for i in plan.issues if i.kind == "owner"]
    assert all(c.has_owner for c in plan.controls)
    summary = compile_status([plan], answers, real.term, real.today)
    assert dict(summary.total.by_label) == dict(real.counts)
    assert summary.total.unknown == 0 and summary.orphans == () and summary.unowned == 0
    assert summary.total.answered == summary.total.due == len(plan.controls)
    # No Nämnd column: the plan's title stands for it, not "Ej angivet".
    assert list(summary.by_namnd) == [plan.title]
    text = status_text(summary)
    assert "Ej angivet" not in text
    for label, count in real.counts.items():
        assert f"  {label}: {count}" in text
    card = status_card(summary)
    assert_valid_card(card)


async def test_strangnas_status_speaks_its_own_scale(backend: LocalBackend) -> None:
    real, plan, answers = await _read(backend, "strangnas", mapped=True)
    summary = compile_status([plan], answers, real.term, real.today)
    text = status_text(summary)
    assert "Större avvikelse" not in text and "Mindre avvikelse" not in text
    assert "Per klass: Utan anmärkning 0 · Förbättringsområden 4 · Avvikelser 5" in text
    assert "Avvikelser och förbättringsområden (9), allvarligast först" in text
    # No sannolikhet × konsekvens, no riskvärde: no empty matrix.
    assert "Riskmatris" not in text


async def test_eskilstuna_status_counts_per_mal_and_risk_colour(backend: LocalBackend) -> None:
    real, plan, answers = await _read(backend, "eskilstuna", mapped=True)
    summary = compile_status([plan], answers, real.term, real.today)
    assert summary.group_heading == "Per mål"
    assert {g: t.due for g, t in summary.by_group.items()} == {
        "ATTRAKTIV STAD OCH LANDSBYGD": 3,
        "ATTRAKTIV ARBETSGIVARE": 1,
        "STABIL EKONOMI": 2,
    }
    assert summary.by_group["ATTRAKTIV STAD OCH LANDSBYGD"].by_class[Severity.DEFERRED] == 1
    assert [f.control.id for f in summary.deferred] == ["3"]
    assert not summary.risk.has_cells
    assert {b.band: b.controls for b in summary.risk.bands} == {
        "Kritisk": 2,
        "Medium": 3,
        "Låg": 1,
    }
    text = status_text(summary)
    assert "Per mål" in text and "Risknivåer" in text and "Riskmatris" not in text
    assert "Kommentar för helår" not in text  # the header's words are not a bedömning


async def test_a_mapped_role_is_the_users_to_answer(backend: LocalBackend) -> None:
    real, plan, answers = await _read(backend, "lindesberg", mapped=True)
    known = index_answers(answers)
    both = ("ekonomichef@example.com", "redovisning@example.com")
    for email in both:  # a role with two addresses: either one answers
        user = User(email, email, "Ekonomichef", strategist=False)
        mine = assignments_for(user, [plan], known, real.today)
        assert [a.control.id for a in mine] == ["12", "13", "14", "15", "16"]
        assert {a.term for a in mine} == {real.term}
        # Due by the Perioder table's 31 augusti, not the default 14 maj.
        assert {a.due for a in mine} == {date(2017, 8, 31)}


async def test_before_mapping_a_strategist_answers_what_has_no_ansvarig(
    backend: LocalBackend,
) -> None:
    real, plan, answers = await _read(backend, "eskilstuna", mapped=False)
    strategist = User("k", "kvalitet@example.com", "Strateg", strategist=True)
    mine = assignments_for(strategist, [plan], index_answers(answers), date(2021, 12, 20))
    assert [a.control.id for a in mine] == ["1", "2", "3", "4", "5", "6"]
    assert all(a.can_answer for a in mine)
    chef = User("c", "ekonomidirektor@example.com", "Chef", strategist=False)
    assert assignments_for(chef, [plan], index_answers(answers), date(2021, 12, 20)) == []
    summary = compile_status([plan], answers, ESKILSTUNA.term, ESKILSTUNA.today)
    assert summary.unowned == 6
    text = status_text(summary)
    assert "6 kontrollmoment saknar ansvarig" in text
    assert "ansvarig Kommunsekreterare – saknar ansvarig" in text  # its deferral is listed


# --- check-workbook, on the files (the CLI reads local files) -----------------------------


def test_check_workbook_says_exactly_what_to_map(tmp_path) -> None:
    lindesberg_delar_2017(tmp_path)
    strangnas_helar_2017(tmp_path)
    eskilstuna_2021(tmp_path)
    text, code = check_workbook(tmp_path)
    assert code == 1  # something to map
    for real in (LINDESBERG, STRANGNAS, ESKILSTUNA):
        for role, rows in real.roles.items():
            shown = ", ".join(str(r) for r in rows)
            noun = "rad" if len(rows) == 1 else "rader"
            assert f"    {role} – {noun} {shown}" in text, role
    assert "Ekonomiavdelningen –" not in text  # already in the Ansvariga table
    assert "År: 2017 (från titelraden 'Internkontrollplan 2017 – Kommunledningskontoret')" in text
    assert f"År: 2021 (från titelraden {ESKILSTUNA_TITLE!r})" in text
    periods = "Perioder (från tabellen Perioder på bladet Inställningar): Delår 1 30 juni (svar"
    assert f"{periods} senast 31 augusti), Helår 31 december (svar senast 31 januari)" in text
    assert "Kolumner som inte används: ”Anteckningar”" in text
    assert "16 kontrollmoment inlästa" in text and "rubrik på rad 3–4" in text
    assert "rader utan År och Period gäller helår 2021 (enligt rubriken)" in text
    assert "Period okänd" not in text and "hoppas över" not in text


def test_check_workbook_is_clean_after_mapping(tmp_path) -> None:
    for build in (lindesberg_delar_2017, strangnas_helar_2017, eskilstuna_2021):
        build(tmp_path, mapped=True)
    text, code = check_workbook(tmp_path)
    assert code == 0, text
    assert text.count("Inga anmärkningar.") == 3
    assert "Grupper/mål (3): ATTRAKTIV ARBETSGIVARE, ATTRAKTIV STAD OCH LANDSBYGD" in text
