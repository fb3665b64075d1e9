"""Validation of the answer card's inputs (Swedish messages per field)."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain.model import OutcomeOption, OutcomeScale, Period, Severity
from dialogs.form import ValidAnswer, validate_answer

TODAY = date(2027, 1, 10)
SCALE = OutcomeScale.default()


def check(period: Period = Period.YEAR, **data):
    return validate_answer(data, SCALE, period, TODAY)


def test_ok_answer_needs_no_action() -> None:
    result = check(outcome="ingen  AVVIKELSE", checked="12", deviations=0, observations=" Bra ")
    assert isinstance(result, ValidAnswer)
    assert result.outcome.label == "Ingen avvikelse"
    assert (result.checked, result.deviations, result.observations) == (12, 0, "Bra")
    assert result.action is None


@pytest.mark.parametrize("outcome", ["Mindre avvikelse", "Större avvikelse"])
def test_deviation_requires_the_action(outcome) -> None:
    errors = check(outcome=outcome)
    assert set(errors) == {"action_text", "action_owner", "action_due"}
    result = check(
        outcome=outcome, action_text="Gör så", action_owner="Eva", action_due="2027-02-01"
    )
    assert isinstance(result, ValidAnswer) and result.action.due == date(2027, 2, 1)


def test_not_performed_asks_for_the_reason_not_an_action() -> None:
    assert check(outcome="Ej genomförd") == {
        "observations": "Skriv varför kontrollen inte har gjorts."
    }
    result = check(outcome="Ej genomförd", observations="Bara ett fall; görs vid helår.")
    assert isinstance(result, ValidAnswer) and result.action is None


def test_words_only_understood_in_typed_answers_are_not_offered() -> None:
    # "Inte kontrollerat" (Lindesberg's delår 2017) is read from Excel, not chosen on a card.
    assert check(outcome="Inte kontrollerat", observations="x") == {
        "outcome": "Välj en av bedömningarna i listan."
    }


def test_deferral_only_at_a_delar() -> None:
    assert check(outcome="Följs upp på helår") == {"outcome": "Välj en av bedömningarna i listan."}
    assert isinstance(check(Period.T1, outcome="Följs upp på helår"), ValidAnswer)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({}, "outcome", "Välj en bedömning."),
        ({"outcome": "Helt okej"}, "outcome", "Välj en av bedömningarna i listan."),
        ({"checked": "tio"}, "checked", "Ange ett heltal, till exempel 12."),
        ({"checked": "1.5"}, "checked", "Ange ett heltal, till exempel 12."),
        ({"checked": -1}, "checked", "Antalet kan inte vara negativt."),
        (
            {"checked": "3", "deviations": "4", "outcome": "Mindre avvikelse"},
            "deviations",
            "Fler avvikelser än kontrollerade – kontrollera antalen.",
        ),
        ({"observations": "x" * 4001}, "observations", "Texten är för lång (högst 4000 tecken)."),
        ({"action_due": "31/3"}, "action_due", "Ange ett datum som ÅÅÅÅ-MM-DD."),
        (
            {"outcome": "Mindre avvikelse", "action_due": "2026-12-01"},
            "action_due",
            "Datumet har redan passerat.",
        ),
        ({"outcome": ["Ingen avvikelse"]}, "outcome", "Ogiltigt värde."),
    ],
)
def test_errors_are_swedish_and_per_field(data, field, message) -> None:
    errors = check(**data)
    assert not isinstance(errors, ValidAnswer)
    assert errors[field] == message


def test_ok_with_deviations_is_contradictory() -> None:
    errors = check(outcome="Ingen avvikelse", checked=5, deviations=1)
    assert "bedömningen är Ingen avvikelse" in errors["deviations"]


def test_control_characters_are_removed() -> None:
    result = check(outcome="Ingen avvikelse", observations="a\x00b\x1fc\r\nd")
    assert isinstance(result, ValidAnswer) and result.observations == "abc\nd"


def test_custom_scale() -> None:
    scale = OutcomeScale((OutcomeOption("Fungerar men behöver utvecklas", Severity.MINOR),))
    errors = validate_answer(
        {"outcome": "Fungerar men behöver utvecklas"}, scale, Period.YEAR, TODAY
    )
    assert "action_text" in errors


def test_every_problem_is_reported_at_once() -> None:
    errors = check(outcome="Mindre avvikelse", checked="tio", action_due="31/3")
    assert errors["checked"] == "Ange ett heltal, till exempel 12."
    assert errors["action_due"] == "Ange ett datum som ÅÅÅÅ-MM-DD."
    assert {"action_text", "action_owner"} <= set(errors)
