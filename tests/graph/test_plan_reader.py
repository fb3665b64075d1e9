"""Reading plans people wrote: headers, rows, risk values, dates, periods and the scale."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from bot.domain.model import OutcomeScale, Period, PlanIssue, Severity
from graph import layout, plan_reader

OWNER = "alexw@example.com"


def parse(rows, **kwargs):
    return plan_reader.parse_plan(rows, plan_key="plan.xlsx", name="plan", **kwargs)


def test_canonical_headers_give_every_field() -> None:
    header = [layout.PLAN_HEADERS[f][0] for f in layout.TEMPLATE_FIELDS]
    row = [
        3,
        "KS",
        "Ekonomi",
        "Attest",
        "Fel attest",
        2,
        3,
        6,
        "Attest kontrolleras",
        "Stickprov",
        "10 fakturor",
        "Delår 2 och helår",
        "AlexW@Example.com",
        date(2026, 9, 10),
        "Ja",
    ]
    plan = parse([header, row])
    assert plan.issues == ()
    (control,) = plan.controls
    assert control.id == "3"
    assert (control.namnd, control.area, control.process, control.risk_text) == (
        "KS",
        "Ekonomi",
        "Attest",
        "Fel attest",
    )
    assert control.risk.probability == 2 and control.risk.consequence == 3
    assert control.risk.score == 6
    assert (control.description, control.method, control.sample) == (
        "Attest kontrolleras",
        "Stickprov",
        "10 fakturor",
    )
    assert control.periods == {Period.T2, Period.YEAR}
    assert control.owner == "alexw@example.com"
    assert control.due_date == date(2026, 9, 10)
    assert control.row == 2


def test_title_rows_columns_in_any_order_extra_columns_and_blank_rows() -> None:
    rows = [
        ["Internkontrollplan 2026", None, None, None],
        [None, None, None, None],
        ["Ansvarig e-post", "Kommentar", "Kontroll", "Risknummer"],
        [OWNER, "en anteckning", "Backup återläses", 1],
        [None, None, None, None],
        ["  ", "", None, None],
        ["MARIA.LIND@example.com", None, "Attest", 2.0],
    ]
    plan = parse(rows)
    assert plan.issues == ()
    assert [(c.id, c.description, c.owner, c.row) for c in plan.controls] == [
        ("1", "Backup återläses", OWNER, 4),
        ("2", "Attest", "maria.lind@example.com", 7),
    ]


def test_first_row_offsets_the_reported_row_numbers() -> None:
    plan = parse([["ID", "Kontrollmoment", "Ansvarig"], [1, "x", None]], first_row=10)
    assert plan.issues == (PlanIssue(11, "Ansvarig saknas", skipped=False, kind="owner"),)


def test_no_header_row_is_an_error() -> None:
    with pytest.raises(plan_reader.PlanLayoutError):
        parse([["Nr", "Risk"], [1, "något"]])


def test_malformed_rows_are_reported_by_row_and_kept_unless_id_or_text_is_missing() -> None:
    rows = [
        ["Internkontrollplan"],
        ["ID", "Kontrollmoment", "Ansvarig", "Period", "Sista svarsdag"],
        [1, "Bra rad", OWNER, "Helår", None],
        [2, "Ingen ansvarig", None, "Helår", None],
        [3, "Fel e-post", "Maria Lind", "Helår", None],
        [4, "Okänd period", OWNER, "Kvartal 3", None],
        [1, "Samma ID igen", OWNER, "Helår", None],
        [5, "Konstigt datum", OWNER, "Delår 1", "15 maj"],
        [None, "Inget ID", OWNER, "Helår", None],
        [6, None, OWNER, "Helår", None],
    ]
    plan = parse(rows)
    # Without an ansvarig's address or a known period the control is kept (a strategist
    # answers it; it is due nowhere until the period is fixed); without ID or text, not.
    assert [c.id for c in plan.controls] == ["1", "2", "3", "4", "5"]
    assert plan.control("5").due_date is None
    assert [c.has_owner for c in plan.controls] == [True, False, False, True, True]
    assert plan.control("3").owner == "Maria Lind" and plan.control("3").owners == set()
    assert plan.control("4").periods == set() and plan.control("4").period_text == "Kvartal 3"
    maria = (
        "Ansvarig 'Maria Lind' har ingen e-postadress: lägg till den i tabellen Ansvariga på "
        "bladet Inställningar (kontrollmomentet behålls; en strateg kan svara)"
    )
    period = (
        "Okänd period: 'Kvartal 3' – kontrollmomentet behålls men följs inte upp förrän "
        "perioden är rättad"
    )
    assert plan.issues == (
        PlanIssue(4, "Ansvarig saknas", skipped=False, kind="owner"),
        PlanIssue(5, maria, skipped=False, kind="owner", subject="Maria Lind"),
        PlanIssue(6, period, skipped=False, kind="period", subject="Kvartal 3"),
        PlanIssue(7, "ID 1 finns redan på rad 3"),
        PlanIssue(8, "Ogiltig sista svarsdag: '15 maj' (raden används utan den)", skipped=False),
        PlanIssue(9, "ID saknas"),
        PlanIssue(10, "Kontrollmoment saknas"),
    )


def test_ska_kontrolleras_nej_is_skipped_and_reported() -> None:
    rows = [
        ["ID", "Kontrollmoment", "Ansvarig", "Ska kontrolleras"],
        [1, "Med", OWNER, "Ja"],
        [2, "Utan", OWNER, "nej"],
        [3, "Tomt betyder ja", OWNER, None],
    ]
    plan = parse(rows)
    assert [c.id for c in plan.controls] == ["1", "3"]
    assert plan.issues == (PlanIssue(3, plan_reader.NOT_CONTROLLED),)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (6, (6, "")),
        (6.0, (6, "")),
        ("6", (6, "")),
        ("6.0", (6, "")),
        ("6. Lindrig", (6, "Lindrig")),
        ("6 Lindrig", (6, "Lindrig")),
        ("12. Allvarlig", (12, "Allvarlig")),
        (None, (None, "")),
        ("hög", None),
        ("17", None),
        ("6,5", None),
    ],
)
def test_risk_value_forms(cell: object, expected: tuple[int | None, str] | None) -> None:
    assert plan_reader.parse_risk_value(cell) == expected


def test_risk_words_and_bad_values() -> None:
    rows = [
        ["ID", "Kontrollmoment", "Ansvarig", "Sannolikhet", "Konsekvens", "Riskbedömning"],
        [1, "a", OWNER, "Mycket liten", "Allvarlig", None],
        [2, "b", OWNER, "stor", "Försumbar", "6. Lindrig"],
        [3, "c", OWNER, 7, "mycket", "hög"],
    ]
    plan = parse(rows)
    risks = {c.id: c.risk for c in plan.controls}
    assert (risks["1"].probability, risks["1"].consequence, risks["1"].score) == (1, 4, 4)
    assert (risks["2"].probability, risks["2"].consequence) == (3, 1)
    assert (risks["2"].value, risks["2"].label) == (6, "Lindrig")
    assert (risks["3"].probability, risks["3"].consequence, risks["3"].value) == (None, None, None)
    assert [i.row for i in plan.issues] == [4, 4, 4]
    assert not any(i.skipped for i in plan.issues)


def test_due_dates_as_date_datetime_and_iso_text() -> None:
    rows = [
        ["ID", "Kontrollmoment", "Ansvarig", "Sista svarsdag"],
        [1, "a", OWNER, datetime(2026, 5, 15, 0, 0)],
        [2, "b", OWNER, "2026-09-11"],
        [3, "c", OWNER, date(2027, 1, 22)],
    ]
    plan = parse(rows)
    assert plan.issues == ()
    assert [c.due_date for c in plan.controls] == [
        date(2026, 5, 15),
        date(2026, 9, 11),
        date(2027, 1, 22),
    ]


def test_empty_period_means_helar_and_combinations_parse() -> None:
    rows = [
        ["ID", "Kontrollmoment", "Ansvarig", "Period"],
        [1, "a", OWNER, None],
        [2, "b", OWNER, "Varje delår"],
        [3, "c", OWNER, "Alla perioder"],
    ]
    plan = parse(rows)
    assert [c.periods for c in plan.controls] == [
        {Period.YEAR},
        {Period.T1, Period.T2},
        {Period.T1, Period.T2, Period.YEAR},
    ]


STRANGNAS_ROWS = [
    ["Bedömning", "Allvarlighet"],
    ["Process/rutin/riktlinje fungerar", "ok"],
    ["Process/rutin/riktlinje fungerar men behöver utvecklas", "Mindre"],
    ["Avvikelser mot beskrivning av process/rutin/riktlinje har konstaterats", "större"],
    ["Dokumenterad beskrivning av process/rutin/riktlinje saknas", "större"],
    [None, None],
    ["Ej genomförd", "ej genomförd"],
    ["Följs upp på helår", "uppskjuten"],
]


def test_scale_from_settings_rows() -> None:
    scale, issues = plan_reader.parse_scale(STRANGNAS_ROWS)
    assert issues == ()
    assert [o.severity for o in scale.options] == [
        Severity.OK,
        Severity.MINOR,
        Severity.MAJOR,
        Severity.MAJOR,
        Severity.NOT_PERFORMED,
        Severity.DEFERRED,
    ]
    assert scale.find("ej genomförd").severity is Severity.NOT_PERFORMED


def test_scale_problems_are_reported_and_absent_scale_is_the_default() -> None:
    rows = [
        ["Anteckning"],
        [],
        ["Allvarlighet", "Bedömning"],
        ["ok", "Bra"],
        ["hemskt", "Dåligt"],
        ["ok", "bra"],
    ]
    scale, issues = plan_reader.parse_scale(rows)
    assert [o.label for o in scale.options] == ["Bra"]
    assert [i.row for i in issues] == [5, 6]
    assert plan_reader.parse_scale([]) == (OutcomeScale.default(), ())
    assert plan_reader.parse_scale([["Bedömning", "Allvarlighet"]])[0] == OutcomeScale.default()
