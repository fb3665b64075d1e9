"""The rules for plans as kommuner write them, run against every backend (``backend``):
ansvariga by role or name, the kommun's own periods and period words, two-row headers,
section rows, the plan's year, the scale's words, and answers typed by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime

import openpyxl
import pytest

from bot.domain.model import Period, Severity
from bot.domain.periods import Term
from bot.domain.status import compile_status
from graph import layout
from graph.protocol import WriteResult
from tests.graph.conftest import LocalBackend
from tests.graph.workbooks import answer, write_xlsx

KEY = "plan.xlsx"
HEAD = ["Nr", "Kontrollmoment", "Tidpunkt", "Ansvarig"]


def settings(*rows: list[object]):
    """An ``extra`` that adds an Inställningar sheet with these rows."""

    def add(book: openpyxl.Workbook) -> None:
        ws = book.create_sheet(layout.SETTINGS_SHEET)
        for row in rows:
            ws.append(row)

    return add


async def read(backend: LocalBackend, rows, key: str = KEY, **kwargs):
    write_xlsx(backend.path(key), rows, **kwargs)
    return await (await backend.workbook(key)).read_plan()


async def test_ansvarig_by_role_name_or_address(backend: LocalBackend) -> None:
    rows = [
        HEAD,
        [1, "Attest", "Helår", "Ekonomichef"],
        [2, "Avtal", "Helår", "hr-chef"],  # case does not matter
        [3, "Arkiv", "Helår", "Maria Lind"],  # a person by name, on two rows below
        [4, "Backup", "Helår", "IT-chef"],  # not in the table: kept, saknar ansvarig
        [5, "Lön", "Helår", "Sara Nilsson <Sara.Nilsson@example.com>"],
        [6, "Inköp", "Helår", "Ekonomichef och HR-chef"],
        [7, "Fritid", "Helår", "Kultur- och fritidschef"],
    ]
    extra = settings(
        ["Ansvarig", "E-post"],
        ["Ekonomichef", "eva@example.com, olle@example.com"],
        ["HR-chef", "hr@example.com; personal@example.com"],
        ["Maria Lind", "maria.lind@example.com"],
        ["Maria Lind", "mlind@example.com"],
        ["Kultur- och fritidschef", "kultur@example.com"],
    )
    plan = await read(backend, rows, extra=extra)
    owners = {c.id: (c.owner, c.owners) for c in plan.controls}
    assert owners["1"] == ("Ekonomichef", {"eva@example.com", "olle@example.com"})
    assert owners["2"] == ("hr-chef", {"hr@example.com", "personal@example.com"})
    assert owners["3"] == ("Maria Lind", {"maria.lind@example.com", "mlind@example.com"})
    assert owners["4"] == ("IT-chef", set())
    assert owners["5"] == ("Sara Nilsson", {"sara.nilsson@example.com"})
    assert owners["6"][1] == {
        "eva@example.com",
        "olle@example.com",
        "hr@example.com",
        "personal@example.com",
    }
    assert owners["7"] == ("Kultur- och fritidschef", {"kultur@example.com"})
    assert [(i.row, i.kind, i.subject, i.skipped) for i in plan.issues] == [
        (5, "owner", "IT-chef", False)
    ]


async def test_ansvarig_e_post_beside_ansvarig_is_the_address(backend: LocalBackend) -> None:
    rows = [
        ["Nr", "Kontrollmoment", "Ansvarig", "Ansvarig e-post"],
        [1, "Attest", "Ekonomichef", "Eva@example.com"],
        [2, "Avtal", None, "hr@example.com"],
        [3, "Arkiv", "Arkivarie", "inte en adress"],
    ]
    plan = await read(backend, rows)
    seen = [(c.owner, c.owners) for c in plan.controls]
    assert seen == [
        ("Ekonomichef", {"eva@example.com"}),
        ("hr@example.com", {"hr@example.com"}),
        ("Arkivarie", set()),
    ]
    assert [(i.row, i.kind) for i in plan.issues] == [(4, "owner"), (4, "owner")]


async def test_a_kvartal_calendar_from_the_perioder_table(backend: LocalBackend) -> None:
    rows = [
        HEAD,
        [1, "a", "Kvartalsvis", "a@example.com"],
        [2, "b", "Kvartal 2", "a@example.com"],
        [3, "c", "Halvårsvis", "a@example.com"],
        [4, "d", "Delår 1", "a@example.com"],  # this calendar has no delår: period okänd
    ]
    extra = settings(
        ["Period", "Periodens slut", "Sista svarsdag"],
        ["Kvartal 1", "31 mars", "15 april"],
        ["Kvartal 2", datetime(2026, 6, 30), None],
        ["Kvartal 3", "30/9", "10 dagar"],
        ["Helår", "31 december", "20 januari"],
    )
    plan = await read(backend, rows, extra=extra)
    assert plan.calendar.periods == (Period.Q1, Period.Q2, Period.Q3, Period.YEAR)
    periods = [c.periods for c in plan.controls]
    assert periods == [
        {Period.Q1, Period.Q2, Period.Q3, Period.YEAR},
        {Period.Q2},
        {Period.Q2, Period.YEAR},
        set(),
    ]
    assert [i.kind for i in plan.issues] == ["period"]
    control = plan.control("1")
    assert control is not None
    dues = [Term(2026, p).due_for(control) for p in plan.calendar.periods]
    assert dues == [date(2026, 4, 15), date(2026, 7, 14), date(2026, 10, 10), date(2027, 1, 20)]


@pytest.mark.parametrize(
    ("word", "periods"),
    [
        ("Halvårsvis", {Period.T2, Period.YEAR}),
        ("Årligen", {Period.YEAR}),
        ("En gång per år", {Period.YEAR}),
        ("Andra halvåret", {Period.YEAR}),
        ("Vår och höst", {Period.T1, Period.YEAR}),
        ("Tertialvis", {Period.T1, Period.T2, Period.YEAR}),
        ("Löpande", {Period.T1, Period.T2, Period.YEAR}),
        ("Vid delår och helår", {Period.T1, Period.T2, Period.YEAR}),
        ("Kvartalsvis", {Period.T1, Period.T2, Period.YEAR}),
    ],
)
async def test_period_words_on_the_default_calendar(
    backend: LocalBackend, word: str, periods: set[Period]
) -> None:
    plan = await read(backend, [HEAD, [1, "a", word, "a@example.com"]])
    assert plan.controls[0].periods == periods and plan.issues == ()


async def test_an_unknown_period_keeps_the_control_due_nowhere(backend: LocalBackend) -> None:
    plan = await read(backend, [HEAD, [1, "a", "Varannan månad", "a@example.com"]])
    (control,) = plan.controls
    assert control.periods == set() and control.period_text == "Varannan månad"
    summary = compile_status([plan], [], Term(2026, Period.YEAR), date(2027, 1, 10))
    assert summary.total.due == 0
    assert [u.control.id for u in summary.unscheduled] == ["1"]


async def test_two_row_header_without_merged_cells(backend: LocalBackend) -> None:
    rows = [
        ["Internkontrollplan 2026"],
        [None, None, "Kontroll", None, None],
        ["Nr", "Kontrollmoment", "Urval", "Metod", "Ansvarig"],
        [1, "Attest", "10 fakturor", "Stickprov", "a@example.com"],
    ]
    plan = await read(backend, rows)
    (control,) = plan.controls
    assert (control.sample, control.method, control.row) == ("10 fakturor", "Stickprov", 4)
    assert plan.header_rows == (2, 3) and plan.year == 2026


async def test_section_rows_with_named_levels_and_ignored_columns(backend: LocalBackend) -> None:
    rows = [
        ["Nr", "Kontrollmoment", "Ansvarig", "Noteringar"],
        ["Perspektiv: Medborgare"],
        ["Mål: Trygg kommun"],
        [1, "a", "a@example.com", "x"],
        ["Mål: Hållbar ekonomi"],
        [2, "b", "a@example.com", None],
        ["Perspektiv: Medarbetare"],
        [3, "c", "a@example.com", None],
    ]
    plan = await read(backend, rows)
    assert [(c.group, c.goal) for c in plan.controls] == [
        ("Medborgare", "Trygg kommun"),
        ("Medborgare", "Hållbar ekonomi"),
        ("Medarbetare", ""),
    ]
    assert plan.ignored_headers == ("Noteringar",) and plan.issues == ()


@pytest.mark.parametrize(
    ("rows", "extra", "key", "year", "source"),
    [
        (
            [["Internkontrollplan 2026"], ["Nr", "Kontrollmoment", "Ansvarig", "År"]],
            None,
            "KS 2025.xlsx",
            2027,
            "kolumnen År",
        ),
        (
            [["Internkontrollplan 2026"], ["Nr", "Kontrollmoment", "Ansvarig"]],
            settings(["År", 2028]),
            "KS 2025.xlsx",
            2028,
            "bladet Inställningar",
        ),
        (
            [["Internkontrollplan 2026, antagen 2025-11-12"], ["Nr", "Kontrollmoment", "Ansvarig"]],
            None,
            "KS 2025.xlsx",
            2026,
            "titelraden 'Internkontrollplan 2026, antagen 2025-11-12'",
        ),
        ([["Nr", "Kontrollmoment", "Ansvarig"]], None, "KS 2025.xlsx", 2025, "filnamnet 'KS 2025'"),
    ],
)
async def test_the_plans_year_and_where_it_came_from(
    backend: LocalBackend, rows, extra, key: str, year: int, source: str
) -> None:
    data = [1, "a", "a@example.com"] + ([2027] if "År" in rows[-1] else [])
    plan = await read(backend, [*rows, data], key=key, extra=extra)
    assert (plan.year, plan.year_source) == (year, source)
    assert plan.controls[0].year == year


async def test_next_years_plan_beside_this_years(backend: LocalBackend) -> None:
    rows = [HEAD, [1, "Attest", "Helår", "a@example.com"]]
    this = await read(backend, [["Internkontrollplan 2026"], *rows], key="KS 2026.xlsx")
    nxt = await read(backend, [["Internkontrollplan 2027"], *rows], key="KS 2027.xlsx")
    for year, plan in ((2026, this), (2027, nxt)):
        summary = compile_status([this, nxt], [], Term(year, Period.YEAR), date(year + 1, 1, 10))
        assert [m.control.plan_key for m in summary.unanswered] == [plan.key]


async def test_the_scale_in_peoples_words(backend: LocalBackend) -> None:
    extra = settings(
        ["Bedömning", "Allvarlighet"],
        ["Fungerar", "OK / Fungerar"],
        ["Behöver utvecklas", "Förbättringsområde"],
        ["Brist", "Avvikelse"],
        ["Allvarlig brist", "Allvarlig avvikelse"],
        ["Inte gjord", "Inte kontrollerat"],
    )
    plan = await read(backend, [HEAD, [1, "a", "Helår", "a@example.com"]], extra=extra)
    assert [o.severity for o in plan.scale.options] == [
        Severity.OK,
        Severity.MINOR,
        Severity.MAJOR,
        Severity.MAJOR,
        Severity.NOT_PERFORMED,
    ]


async def test_answers_typed_by_hand_under_peoples_headers(backend: LocalBackend) -> None:
    def typed(book: openpyxl.Workbook) -> None:
        ws = book.create_sheet(layout.ANSWER_SHEET)
        ws.append(["Nr", "Resultat helår 2026", "Kommentar", "Förslag på åtgärder", "Övrigt"])
        ws.append([1, "Mindre avvikelse", "Två saknar attest", "Informera attestanterna", "x"])
        ws.append([2, "Ingen avvikelse", None, None, "y"])

    rows = [HEAD, [1, "a", "Helår", "a@example.com"], [2, "b", "Helår", "a@example.com"]]
    write_xlsx(backend.path(KEY), rows, extra=typed)
    workbook = await backend.workbook(KEY)
    found = sorted(await workbook.read_answers(), key=lambda a: a.control_id)
    assert [(a.control_id, a.year, a.period, a.outcome) for a in found] == [
        ("1", 2026, Period.YEAR, "Mindre avvikelse"),
        ("2", 2026, Period.YEAR, "Ingen avvikelse"),
    ]
    assert found[0].observations == "Två saknar attest"
    assert found[0].action is not None and found[0].action.text == "Informera attestanterna"
    assert all(a.when is None and a.answered_by == "" for a in found)  # never 1970-01-01
    # The bot's own answer to the same control and period replaces the typed row.
    at = datetime(2027, 1, 10, 9, 0, tzinfo=UTC)
    result = await workbook.write_answers([answer("1", outcome="Ingen avvikelse", at=at)])
    assert result == WriteResult(updated=1)
    again = sorted(await workbook.read_answers(), key=lambda a: a.control_id)
    assert [(a.control_id, a.outcome) for a in again] == [
        ("1", "Ingen avvikelse"),
        ("2", "Ingen avvikelse"),
    ]
    assert again[0].when is not None and again[1].when is None
    # The columns the bot needs go to the right of the people's own, which keep theirs.
    ws = (await backend.load(KEY))[layout.ANSWER_SHEET]
    header = [c.value for c in ws[1]]
    assert header[:5] == ["Nr", "Resultat helår 2026", "Kommentar", "Förslag på åtgärder", "Övrigt"]
    assert {"År", "Period", "Besvarad", "Svar-ID"} <= set(header[5:])
    assert [ws.cell(r, 5).value for r in (2, 3)] == ["x", "y"]


async def test_the_reminder_schedule_from_the_paminnelser_table(backend: LocalBackend) -> None:
    from bot.domain.schedule import ReminderOverrides

    rows = [HEAD, [1, "Attest", "Helår", "eva@example.com"]]
    extra = settings(
        ["Påminnelse", "Värde"],
        ["Påminnelser", "Ja"],
        ["När perioden öppnar", "Nej"],
        ["Arbetsdagar före sista svarsdag", 2],
        ["Påminnelser efter sista svarsdag", "1"],
        ["Sammanfattning till strateg efter dagar", "tre"],
        ["Ringa chefen", "Ja"],
    )
    plan = await read(backend, rows, extra=extra)
    assert plan.reminders == ReminderOverrides(
        enabled=True, on_open=False, days_before=2, overdue_times=1
    )
    problems = [i.message for i in plan.issues if i.kind == "settings"]
    assert problems == [
        "Påminnelser: 'Sammanfattning till strateg efter dagar' ska vara ett antal dagar "
        "(0–60), inte 'tre'",
        "Påminnelser: okänd inställning 'ringa chefen'",
    ]
