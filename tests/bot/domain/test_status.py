"""The status summary of one period: counting, listing and the risk matrix."""

from __future__ import annotations

import ast
import dataclasses
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

import bot.domain.status as status_module
from bot.domain.model import (
    DEFAULT_CALENDAR,
    Action,
    Answer,
    Control,
    OutcomeOption,
    OutcomeScale,
    Period,
    Plan,
    Risk,
    Severity,
)
from bot.domain.periods import Term
from bot.domain.status import (
    NOT_DUE,
    NOT_IN_PLAN,
    Summary,
    Tally,
    compile_status,
    risk_band,
)
from tests.bot.domain.status_data import (
    AVVIKELSE,
    AVVIKELSER,
    FUNGERAR,
    SAKNAS,
    lindesberg_delar_2017,
    strangnas_helar_2017,
)

T1_2026 = Term(2026, Period.T1)
YEAR_2026 = Term(2026, Period.YEAR)
AFTER_T1 = date(2026, 6, 1)  # default T1 deadline is 2026-05-14
BASE = datetime(2026, 5, 1, 9, 0)
ALL = frozenset(DEFAULT_CALENDAR.periods)  # delår 1, delår 2 and helår


def ctl(
    cid: str,
    *,
    plan: str = "ks.xlsx",
    periods: frozenset[Period] = ALL,
    namnd: str = "Kommunstyrelsen",
    area: str = "Ekonomi",
    owner: str = "",
    risk: Risk | None = None,
    due: date | None = None,
    row: int = 0,
) -> Control:
    return Control(
        cid,
        plan,
        f"Kontroll {cid}",
        owner or f"owner{cid}@example.com",
        periods,
        namnd=namnd,
        area=area,
        risk=risk or Risk(),
        due_date=due,
        row=row or int(cid) if cid.isdigit() else row,
    )


def plan_of(*controls: Control, key: str = "ks.xlsx", name: str = "KS 2026", **kw) -> Plan:
    return Plan(key, name, tuple(controls), **kw)


_counter = iter(range(1_000_000))


def ans(
    cid: str,
    outcome: str,
    *,
    plan: str = "ks.xlsx",
    term: Term = T1_2026,
    at: datetime = BASE,
    observations: str = "",
    action: Action | None = None,
) -> Answer:
    return Answer(
        f"a{next(_counter)}",
        plan,
        cid,
        term.year,
        term.period,
        outcome,
        "someone@example.com",
        at,
        observations=observations,
        action=action,
    )


def assert_consistent(tally: Tally) -> None:
    assert tally.answered == sum(tally.by_class.values()) + tally.unknown
    assert tally.answered == sum(tally.by_label.values()) + tally.unknown
    assert tally.due == tally.answered + tally.unanswered
    assert tally.unanswered >= 0


def assert_summary_consistent(summary: Summary) -> None:
    total = summary.total
    assert_consistent(total)
    for group in (summary.by_namnd, summary.by_area):
        for tally in group.values():
            assert_consistent(tally)
        assert sum(t.due for t in group.values()) == total.due
        assert sum(t.answered for t in group.values()) == total.answered
        assert sum(t.unknown for t in group.values()) == total.unknown
    assert len(summary.unanswered) == total.unanswered
    assert len(summary.unknown) == total.unknown
    assert len(summary.deferred) == total.by_class[Severity.DEFERRED]
    assert len(summary.deviations) == sum(
        total.by_class[s] for s in (Severity.MINOR, Severity.MAJOR, Severity.NOT_PERFORMED)
    )
    matrix = summary.risk
    assert sum(c.controls for c in matrix.cells) + matrix.unassessed == total.due
    assert sum(c.deviations for c in matrix.cells) + matrix.unassessed_deviations == len(
        summary.deviations
    )


def status(plans, answers, term=T1_2026, today=AFTER_T1, **kw) -> Summary:
    summary = compile_status(plans, answers, term, today, **kw)
    assert_summary_consistent(summary)
    return summary


# --- what is due -----------------------------------------------------------------------


def test_only_controls_due_in_the_term_are_counted() -> None:
    plan = plan_of(
        ctl("1", periods=frozenset({Period.T1})),
        ctl("2", periods=frozenset({Period.T1, Period.YEAR})),
        ctl("3", periods=frozenset({Period.YEAR})),
        ctl("4", periods=frozenset({Period.T2})),
    )
    summary = status([plan], [ans("1", "Ingen avvikelse")])
    assert summary.total.due == 2
    assert summary.total.answered == 1
    assert summary.total.unanswered == 1
    assert summary.total.percent_answered == 50.0
    assert [m.control.id for m in summary.unanswered] == ["2"]
    assert summary.term == T1_2026 and summary.today == AFTER_T1 and summary.namnd is None


def test_percentage_is_a_number_and_zero_when_nothing_is_due() -> None:
    plan = plan_of(ctl("1"), ctl("2"), ctl("3"))
    summary = status([plan], [ans("1", "Ingen avvikelse")])
    assert summary.total.percent_answered == pytest.approx(100 / 3)
    empty = status([plan_of(ctl("1", periods=frozenset({Period.YEAR})))], [])
    assert empty.total.due == 0
    assert empty.total.percent_answered == 0.0
    assert status([], []).total == empty.total


def test_several_plans_are_compiled_together() -> None:
    ks = plan_of(ctl("1"), ctl("2"))
    bun = plan_of(ctl("1", plan="bun.xlsx", namnd="BUN"), key="bun.xlsx", name="BUN 2026")
    summary = status(
        [ks, bun],
        [ans("1", "Större avvikelse", plan="bun.xlsx"), ans("2", "Ingen avvikelse")],
    )
    assert summary.total.due == 3
    assert summary.total.answered == 2
    assert [(d.plan_name, d.control.id) for d in summary.deviations] == [("BUN 2026", "1")]
    assert [(m.plan_name, m.control.id) for m in summary.unanswered] == [("KS 2026", "1")]


def test_namnd_filter_is_case_and_whitespace_insensitive() -> None:
    plan = plan_of(
        ctl("1", namnd="Kommunstyrelsen"),
        ctl("2", namnd="Barn- och utbildningsnämnden"),
        ctl("3", namnd="kommunstyrelsen "),
    )
    answers = [ans("1", "Ingen avvikelse"), ans("2", "Större avvikelse")]
    summary = status([plan], answers, namnd="KOMMUNSTYRELSEN")
    assert summary.namnd == "KOMMUNSTYRELSEN"
    assert summary.total.due == 2
    assert summary.total.answered == 1
    assert summary.deviations == ()
    assert [m.control.id for m in summary.unanswered] == ["3"]
    assert list(summary.by_namnd) == ["Kommunstyrelsen"]
    assert summary.orphans == ()  # the other nämnd's answer is outside, not an orphan


def test_unknown_namnd_gives_an_empty_summary() -> None:
    summary = status([plan_of(ctl("1"))], [ans("1", "Ingen avvikelse")], namnd="Okänd")
    assert summary.total.due == 0
    assert summary.by_namnd == {}


# --- which answer counts ---------------------------------------------------------------


def test_newest_answer_per_slot_wins_whatever_the_order() -> None:
    plan = plan_of(ctl("1"))
    old = ans("1", "Större avvikelse", at=BASE)
    new = ans("1", "Ingen avvikelse", at=BASE + timedelta(hours=1))
    for answers in ([old, new], [new, old]):
        summary = status([plan], answers)
        assert summary.total.answered == 1
        assert summary.total.by_label == {"Ingen avvikelse": 1}
        assert summary.deviations == ()


def test_equal_timestamps_let_the_later_item_win() -> None:
    plan = plan_of(ctl("1"))
    first = ans("1", "Större avvikelse")
    second = ans("1", "Mindre avvikelse")
    summary = status([plan], [first, second])
    assert summary.total.by_label == {"Mindre avvikelse": 1}


def test_answers_for_other_years_and_periods_are_ignored() -> None:
    plan = plan_of(ctl("1"), ctl("2"))
    answers = [
        ans("1", "Större avvikelse", term=Term(2025, Period.T1), at=BASE + timedelta(days=9)),
        ans("1", "Större avvikelse", term=Term(2026, Period.T2), at=BASE + timedelta(days=9)),
        ans("2", "Ingen avvikelse", term=Term(2026, Period.YEAR)),
        ans("1", "Ingen avvikelse"),
    ]
    summary = status([plan], answers)
    assert summary.total.answered == 1
    assert summary.total.by_label == {"Ingen avvikelse": 1}
    assert summary.orphans == ()
    assert [m.control.id for m in summary.unanswered] == ["2"]


def test_answers_outside_the_plan_are_orphans_not_counted() -> None:
    plan = plan_of(ctl("1"), ctl("2", periods=frozenset({Period.YEAR})))
    removed = ans("9", "Större avvikelse")
    not_due = ans("2", "Ingen avvikelse")
    other_workbook = ans("1", "Ingen avvikelse", plan="gone.xlsx")
    summary = status([plan], [removed, not_due, other_workbook])
    assert summary.total.due == 1
    assert summary.total.answered == 0
    assert summary.deviations == ()
    assert {(o.answer.answer_id, o.reason) for o in summary.orphans} == {
        (removed.answer_id, NOT_IN_PLAN),
        (not_due.answer_id, NOT_DUE),
        (other_workbook.answer_id, NOT_IN_PLAN),
    }


def test_orphans_are_listed_oldest_first() -> None:
    late = ans("8", "Ingen avvikelse", at=BASE + timedelta(days=2))
    early = ans("9", "Ingen avvikelse", at=BASE)
    summary = status([plan_of(ctl("1"))], [late, early])
    assert [o.answer for o in summary.orphans] == [early, late]


def test_only_the_newest_orphan_per_slot_is_reported() -> None:
    old = ans("9", "Större avvikelse")
    new = ans("9", "Ingen avvikelse", at=BASE + timedelta(minutes=1))
    summary = status([plan_of(ctl("1"))], [new, old])
    assert [o.answer for o in summary.orphans] == [new]


# --- outcome counts --------------------------------------------------------------------


def test_counts_by_class_and_label_use_the_scale_spelling() -> None:
    plan = plan_of(*(ctl(str(i)) for i in range(1, 7)))
    answers = [
        ans("1", "Ingen avvikelse"),
        ans("2", "  ingen   AVVIKELSE "),
        ans("3", "Mindre avvikelse"),
        ans("4", "Större avvikelse"),
        ans("5", "Ej genomförd"),
        ans("6", "Följs upp på helår"),
    ]
    total = status([plan], answers).total
    assert dict(total.by_class) == {
        Severity.OK: 2,
        Severity.MINOR: 1,
        Severity.MAJOR: 1,
        Severity.NOT_PERFORMED: 1,
        Severity.DEFERRED: 1,
    }
    assert dict(total.by_label) == {
        "Ingen avvikelse": 2,
        "Mindre avvikelse": 1,
        "Större avvikelse": 1,
        "Ej genomförd": 1,
        "Följs upp på helår": 1,
    }
    assert total.unknown == 0


def test_every_class_is_present_even_with_zero() -> None:
    total = status([plan_of(ctl("1"))], []).total
    assert dict(total.by_class) == dict.fromkeys(Severity, 0)
    assert total.by_label == {}


def test_unknown_labels_are_counted_and_listed_never_dropped() -> None:
    plan = plan_of(ctl("1"), ctl("2"), ctl("3"))
    odd = ans("1", "Nästan okej", observations="Se bilaga")
    summary = status([plan], [odd, ans("2", "Ingen avvikelse")])
    assert summary.total.answered == 2
    assert summary.total.unknown == 1
    assert summary.total.by_label == {"Ingen avvikelse": 1}
    [finding] = summary.unknown
    assert finding.severity is None
    assert finding.label == "Nästan okej"
    assert finding.answer is odd
    assert finding.control.id == "1"
    assert finding.observations == "Se bilaga"
    assert summary.by_area["Ekonomi"].unknown == 1
    assert summary.deviations == () and summary.deferred == ()


def test_label_known_in_one_plan_is_unknown_in_another() -> None:
    strange = OutcomeScale((OutcomeOption("Godkänd", Severity.OK),))
    ks = plan_of(ctl("1"))
    other = plan_of(ctl("1", plan="x.xlsx"), key="x.xlsx", name="X", scale=strange)
    summary = status([ks, other], [ans("1", "Godkänd"), ans("1", "Godkänd", plan="x.xlsx")])
    assert summary.total.by_label == {"Godkänd": 1}
    assert summary.total.unknown == 1
    assert [f.plan_name for f in summary.unknown] == ["KS 2026"]


def test_counts_per_namnd_and_per_area() -> None:
    plan = plan_of(
        ctl("1", namnd="Kommunstyrelsen", area="Ekonomi"),
        ctl("2", namnd="Kommunstyrelsen", area="Personal"),
        ctl("3", namnd="Socialnämnden", area="ekonomi"),
        ctl("4", namnd="SOCIALNÄMNDEN", area="Verksamhet"),
        ctl("5", namnd="", area=""),
    )
    answers = [
        ans("1", "Mindre avvikelse"),
        ans("2", "Ingen avvikelse"),
        ans("3", "Större avvikelse"),
        ans("5", "Okänt"),
    ]
    summary = status([plan], answers)
    # A control without a nämnd is counted under its plan's title or file name.
    assert list(summary.by_namnd) == ["Kommunstyrelsen", "Socialnämnden", "KS 2026"]
    ks = summary.by_namnd["Kommunstyrelsen"]
    assert (ks.due, ks.answered, ks.by_class[Severity.MINOR], ks.by_class[Severity.OK]) == (
        2,
        2,
        1,
        1,
    )
    soc = summary.by_namnd["Socialnämnden"]
    assert (soc.due, soc.answered, soc.unanswered, soc.by_class[Severity.MAJOR]) == (2, 1, 1, 1)
    assert summary.by_namnd["KS 2026"].unknown == 1
    assert list(summary.by_area) == ["Ekonomi", "Personal", "Verksamhet", ""]
    eko = summary.by_area["Ekonomi"]
    assert eko.due == 2
    assert dict(eko.by_label) == {"Mindre avvikelse": 1, "Större avvikelse": 1}
    assert summary.by_area["Verksamhet"].unanswered == 1


# --- deviations and deferred -----------------------------------------------------------


def test_deviations_carry_what_the_report_needs() -> None:
    action = Action("Utbilda attestanterna", "ekonomichef@example.com", date(2026, 9, 30))
    plan = plan_of(ctl("1", owner="anna@example.com", namnd="Kommunstyrelsen"), name="KS")
    summary = status(
        [plan], [ans("1", "mindre avvikelse", observations="2 av 10 saknar attest", action=action)]
    )
    [dev] = summary.deviations
    assert dev.control.id == "1"
    assert dev.plan_name == "KS"
    assert dev.namnd == "Kommunstyrelsen"
    assert dev.owner == "anna@example.com"
    assert dev.observations == "2 av 10 saknar attest"
    assert dev.action == action
    assert (dev.action.text, dev.action.owner, dev.action.due) == (
        "Utbilda attestanterna",
        "ekonomichef@example.com",
        date(2026, 9, 30),
    )
    assert dev.severity is Severity.MINOR
    assert dev.label == "Mindre avvikelse"


def test_deviations_are_sorted_most_serious_then_risk_then_plan_and_row() -> None:
    ks = plan_of(
        ctl("1", risk=Risk(2, 2)),  # minor, 4
        ctl("2", risk=Risk(4, 4)),  # minor, 16
        ctl("3", risk=Risk(1, 1)),  # major, 1
        ctl("4", risk=Risk(3, 3)),  # not performed, 9
        ctl("5", risk=Risk(value=12)),  # major, 12 (plan's own value)
        ctl("6"),  # major, no risk
        ctl("7", risk=Risk(1, 1)),  # major, 1, later row
        ctl("8"),  # ok
    )
    bun = plan_of(
        ctl("1", plan="bun.xlsx", risk=Risk(1, 1)), key="bun.xlsx", name="BUN"
    )  # major, 1, second plan but row 1
    answers = [
        ans("7", "Större avvikelse"),
        ans("1", "Mindre avvikelse"),
        ans("2", "Mindre avvikelse"),
        ans("3", "Större avvikelse"),
        ans("4", "Ej genomförd"),
        ans("5", "Större avvikelse"),
        ans("6", "Större avvikelse"),
        ans("8", "Ingen avvikelse"),
        ans("1", "Större avvikelse", plan="bun.xlsx"),
    ]
    summary = status([ks, bun], answers)
    order = [(d.plan_name, d.control.id) for d in summary.deviations]
    assert order == [
        ("KS 2026", "5"),
        ("KS 2026", "3"),
        ("KS 2026", "7"),
        ("BUN", "1"),
        ("KS 2026", "6"),
        ("KS 2026", "4"),
        ("KS 2026", "2"),
        ("KS 2026", "1"),
    ]
    assert [d.risk_score for d in summary.deviations] == [12, 1, 1, 1, None, 9, 16, 4]


def test_ok_and_deferred_are_not_deviations_and_deferred_are_listed() -> None:
    plan = plan_of(ctl("1"), ctl("2"), ctl("3"))
    answers = [
        ans("1", "Följs upp på helår"),
        ans("2", "Ingen avvikelse"),
        ans("3", "Följs upp på helår", observations="Stickprov i december"),
    ]
    summary = status([plan], answers)
    assert summary.deviations == ()
    assert [(f.control.id, f.label, f.severity) for f in summary.deferred] == [
        ("1", "Följs upp på helår", Severity.DEFERRED),
        ("3", "Följs upp på helår", Severity.DEFERRED),
    ]
    assert summary.deferred[1].observations == "Stickprov i december"


# --- who has not answered --------------------------------------------------------------


def test_unanswered_with_deadline_and_days_overdue() -> None:
    plan = plan_of(
        ctl("1"),  # default deadline 2026-05-14
        ctl("2", due=date(2026, 5, 4)),  # own Sista svarsdag in the term
        ctl("3", due=date(2026, 5, 31)),  # not yet due on 2026-05-20
        ctl("4", due=date(2026, 9, 14)),  # a T2 date: the T1 default applies
        ctl("5"),
    )
    summary = status([plan], [ans("5", "Ingen avvikelse")], today=date(2026, 5, 20))
    rows = [(m.control.id, m.owner, m.deadline, m.days_overdue) for m in summary.unanswered]
    assert rows == [
        ("2", "owner2@example.com", date(2026, 5, 4), 16),
        ("1", "owner1@example.com", date(2026, 5, 14), 6),
        ("4", "owner4@example.com", date(2026, 5, 14), 6),
        ("3", "owner3@example.com", date(2026, 5, 31), 0),
    ]
    assert [m.plan_name for m in summary.unanswered] == ["KS 2026"] * 4


def test_nobody_is_overdue_before_the_deadline_or_on_it() -> None:
    plan = plan_of(ctl("1"), ctl("2"))
    on_deadline = status([plan], [], today=T1_2026.default_due)
    assert [m.days_overdue for m in on_deadline.unanswered] == [0, 0]
    early = status([plan], [], today=date(2026, 4, 1))
    assert [m.days_overdue for m in early.unanswered] == [0, 0]
    helar = status([plan], [], term=YEAR_2026, today=date(2027, 1, 20))
    assert [m.deadline for m in helar.unanswered] == [date(2027, 1, 14)] * 2
    assert [m.days_overdue for m in helar.unanswered] == [6, 6]


# --- risk matrix -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "band"),
    [(1, "Låg"), (2, "Låg"), (3, "Låg"), (4, "Medium"), (6, "Medium"), (8, "Medium")]
    + [(9, "Kritisk"), (12, "Kritisk"), (16, "Kritisk")],
)
def test_risk_bands(score: int, band: str) -> None:
    assert risk_band(score) == band


def test_risk_bands_reproduce_lindesbergs_legend() -> None:
    # Lindesberg plan 2018 (REFERENCE §E1): 2 × 12, 3 × 8, 10 × 6, 1 × 4 → "14 Medium, Totalt: 16".
    values = [12] * 2 + [8] * 3 + [6] * 10 + [4]
    bands = [risk_band(v) for v in values]
    assert (bands.count("Kritisk"), bands.count("Medium"), bands.count("Låg")) == (2, 14, 0)


def test_risk_matrix_counts_due_controls_and_deviations() -> None:
    plan = plan_of(
        ctl("1", risk=Risk(3, 4)),
        ctl("2", risk=Risk(3, 4)),
        ctl("3", risk=Risk(1, 2)),
        ctl("4", risk=Risk(value=6)),  # no axes: unassessed
        ctl("5", risk=Risk(3, None)),  # only one axis: unassessed
        ctl("6"),
        ctl("7", risk=Risk(5, 2)),  # off the 1–4 scale: unassessed
        ctl("8", risk=Risk(4, 4), periods=frozenset({Period.YEAR})),  # not due
    )
    answers = [
        ans("1", "Större avvikelse"),
        ans("2", "Ingen avvikelse"),
        ans("3", "Ej genomförd"),
        ans("4", "Mindre avvikelse"),
        ans("6", "Följs upp på helår"),
    ]
    matrix = status([plan], answers).risk
    assert len(matrix.cells) == 16
    assert [(c.probability, c.consequence) for c in matrix.cells[:5]] == [
        (1, 1),
        (1, 2),
        (1, 3),
        (1, 4),
        (2, 1),
    ]
    high = matrix.cell(3, 4)
    assert (high.controls, high.deviations, high.score, high.band) == (2, 1, 12, "Kritisk")
    low = matrix.cell(1, 2)
    assert (low.controls, low.deviations, low.band) == (1, 1, "Låg")
    assert matrix.cell(4, 4).controls == 0
    assert matrix.cell(2, 3).band == "Medium"
    assert matrix.unassessed == 4
    assert matrix.unassessed_deviations == 1


# --- purity ---------------------------------------------------------------------------


def test_status_imports_only_the_domain_and_the_stdlib() -> None:
    source = Path(status_module.__file__ or "").read_text(encoding="utf-8")
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module if node.module.startswith("bot.") else node.module.split(".")[0])
    allowed = {
        "__future__",
        "bot.domain.followup",
        "bot.domain.model",
        "bot.domain.periods",
        "bot.domain.risk",
        "bot.domain.swedish",
    }
    assert names - allowed <= set(sys.stdlib_module_names), names


# --- immutability ----------------------------------------------------------------------


def test_summary_is_frozen() -> None:
    summary = status([plan_of(ctl("1"))], [ans("1", "Ingen avvikelse")])
    with pytest.raises(dataclasses.FrozenInstanceError):
        summary.total = summary.total  # type: ignore[misc]
    with pytest.raises(TypeError):
        summary.total.by_class[Severity.OK] = 5  # type: ignore[index]
    with pytest.raises(TypeError):
        summary.by_namnd["x"] = summary.total  # type: ignore[index]


# --- the real follow-ups ---------------------------------------------------------------


def test_lindesberg_delar_2017() -> None:
    real = lindesberg_delar_2017()
    assert len(real.answers) == 16
    summary = status(real.plans, real.answers, term=real.term, today=real.today)

    total = summary.total
    assert (total.due, total.answered, total.unknown, total.percent_answered) == (16, 16, 0, 100)
    assert dict(total.by_label) == {
        "Ingen avvikelse": 4,
        "Mindre avvikelse": 2,
        "Större avvikelse": 2,
        "Följs upp på helår": 5,
        "Kontrolleras över helår": 2,
        "Inte kontrollerat": 1,
    }
    assert dict(total.by_class) == {
        Severity.OK: 4,
        Severity.MINOR: 2,
        Severity.MAJOR: 2,
        Severity.NOT_PERFORMED: 1,
        Severity.DEFERRED: 7,
    }
    assert [(d.control.id, d.label) for d in summary.deviations] == [
        ("2", "Större avvikelse"),
        ("3", "Större avvikelse"),
        ("10", "Inte kontrollerat"),
        ("1", "Mindre avvikelse"),
        ("5", "Mindre avvikelse"),
    ]
    assert summary.deviations[0].observations.startswith("Stickprov inom socialförvaltningen")
    assert [f.control.id for f in summary.deferred] == ["4", "8", "9", "12", "13", "14", "15"]
    assert summary.unanswered == () and summary.orphans == () and summary.unknown == ()
    by_area = {area: (t.due, t.by_class[Severity.DEFERRED]) for area, t in summary.by_area.items()}
    assert by_area == {"Verksamhet": (7, 1), "Personal": (4, 2), "Ekonomi": (5, 4)}
    # The 2017 follow-up has no sannolikhet/konsekvens: everything is "utan riskbedömning".
    assert (summary.risk.unassessed, summary.risk.unassessed_deviations) == (16, 5)


def _strangnas(singular_row: str | None = None) -> Summary:
    real = strangnas_helar_2017(singular_row=singular_row)
    assert len(real.answers) == 9
    return status(real.plans, real.answers, term=real.term, today=real.today)


def test_strangnas_helar_2017() -> None:
    summary = _strangnas()
    total = summary.total
    assert (total.due, total.answered, total.unknown) == (9, 9, 0)
    assert dict(total.by_label) == {FUNGERAR: 4, AVVIKELSER: 4, SAKNAS: 1}
    assert dict(total.by_class) == {
        Severity.OK: 0,
        Severity.MINOR: 4,
        Severity.MAJOR: 5,
        Severity.NOT_PERFORMED: 0,
        Severity.DEFERRED: 0,
    }
    assert [d.control.id for d in summary.deviations] == [
        "5",
        "6",
        "7",
        "8",
        "9",
        "1",
        "2",
        "3",
        "4",
    ]
    nine = summary.deviations[4]
    assert nine.observations.startswith("14 av 50 hade kvar behörighet")
    assert nine.action is not None and nine.action.text.startswith("Riktlinjer för avslut")
    assert summary.by_area["Informationssäkerhet"].by_class[Severity.MAJOR] == 2
    assert summary.by_area["God ekonomisk hushållning"].by_label == {FUNGERAR: 2}


def test_strangnas_singular_spelling_is_the_same_class() -> None:
    total = _strangnas(singular_row="7").total
    assert dict(total.by_label) == {FUNGERAR: 4, AVVIKELSER: 3, AVVIKELSE: 1, SAKNAS: 1}
    assert total.by_class[Severity.MAJOR] == 5
    assert total.unknown == 0
