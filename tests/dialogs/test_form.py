"""Validation of the answer card's inputs (Swedish messages per field)."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain.model import OutcomeOption, OutcomeScale, Period, Severity
from dialogs.form import TOO_BIG_TOGETHER, ValidAnswer, raw_values, validate_answer

TODAY = date(2027, 1, 10)
SCALE = OutcomeScale.default()


def check(period: Period = Period.YEAR, **data):
    return validate_answer(data, SCALE, period, TODAY)


def test_ok_answer_needs_no_action() -> None:
    result = check(outcome="ingen  AVVIKELSE", checked="12", deviations=0, observations=" Bra ")
    assert isinstance(result, ValidAnswer)
    assert result.outcome.label == "Ingen avvikelse"
    # Free text is stored exactly as typed, blanks included (issue: what a person typed is
    # what the cell shows).
    assert (result.checked, result.deviations, result.observations) == (12, 0, " Bra ")
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
        ({"observations": "x" * 4001}, "observations", "Högst 4 000 tecken (du skrev 4 001)."),
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


# --- lengths: refused with the limit and what was typed, never cut and saved ---------------


@pytest.mark.parametrize(
    ("field", "length", "message"),
    [
        ("observations", 12_345, "Högst 4 000 tecken (du skrev 12 345)."),
        ("analysis", 4_001, "Högst 4 000 tecken (du skrev 4 001)."),
        ("action_text", 2_001, "Högst 2 000 tecken (du skrev 2 001)."),
        ("action_owner", 1_000_000, "Högst 200 tecken (du skrev 1 000 000)."),
    ],
)
def test_a_text_over_its_limit_is_refused_with_the_limit_and_the_length(
    field, length, message
) -> None:
    result = check(**{**ANSWER_WITH_ACTION, field: "å" * length})
    assert result == {field: message}


@pytest.mark.parametrize(
    ("field", "limit"),
    [("observations", 4000), ("analysis", 4000), ("action_text", 2000), ("action_owner", 200)],
)
def test_a_text_at_its_limit_is_saved_whole(field, limit) -> None:
    result = check(**{**ANSWER_WITH_ACTION, field: "ä" * limit})
    assert isinstance(result, ValidAnswer)
    stored = result.action.owner if field == "action_owner" else None
    stored = stored or (result.action.text if field == "action_text" else getattr(result, field))
    assert stored == "ä" * limit


def test_blanks_around_a_name_do_not_count_but_free_text_is_counted_as_typed() -> None:
    owner = check(**{**ANSWER_WITH_ACTION, "action_owner": "  " + "ä" * 200 + "\n"})
    assert isinstance(owner, ValidAnswer) and owner.action and owner.action.owner == "ä" * 200
    text = check(**{**ANSWER_WITH_ACTION, "observations": "  " + "ä" * 4000})
    assert text == {"observations": "Högst 4 000 tecken (du skrev 4 002)."}


def test_text_of_only_blanks_is_empty() -> None:
    result = check(outcome="Ingen avvikelse", observations=" \n\t ")
    assert isinstance(result, ValidAnswer) and result.observations == ""


def test_an_outcome_that_is_far_too_long_is_not_in_the_list() -> None:
    assert check(outcome="x" * 100_000)["outcome"] == "Välj en av bedömningarna i listan."


@pytest.mark.parametrize("digits", [16, 5_000])
def test_an_absurd_count_is_refused(digits) -> None:
    assert check(outcome="Ingen avvikelse", checked="9" * digits) == {
        "checked": "Antalet är orimligt stort."
    }


def test_texts_too_big_together_for_a_card_are_refused_on_the_largest() -> None:
    # Each within its limit, but 4-byte emojis everywhere could not be shown again on
    # "Ändra svar" within a Teams card.
    emojis = {
        **ANSWER_WITH_ACTION,
        "observations": "😀" * 3000,
        "analysis": "😀" * 4000,
        "action_text": "😀" * 2000,
    }
    assert check(**emojis) == {"analysis": TOO_BIG_TOGETHER}
    # A full answer in Swedish letters is well within it.
    swedish = {
        **ANSWER_WITH_ACTION,
        "observations": "å" * 4000,
        "analysis": "ä" * 4000,
        "action_text": "ö" * 2000,
        "action_owner": "Å" * 200,
    }
    assert isinstance(check(**swedish), ValidAnswer)


# --- characters that cannot be stored: refused with where they are -----------------------

ANSWER_WITH_ACTION = {
    "outcome": "Mindre avvikelse",
    "checked": "10",
    "deviations": "1",
    "observations": "Iakttagelse",
    "analysis": "Analys",
    "action_text": "Åtgärd",
    "action_owner": "Eva",
    "action_due": "2027-02-01",
}
UNSTORABLE = [
    "\ud800",
    "\udfff",
    "\x00",
    "\x01",
    "\x08",
    "\x0b",
    "\x0c",
    "\x1b",
    "\x1f",
    "\ufffe",
    "\uffff",
]


@pytest.mark.parametrize("bad", UNSTORABLE, ids=[f"U+{ord(c):04X}" for c in UNSTORABLE])
@pytest.mark.parametrize("field", ["observations", "analysis", "action_text", "action_owner"])
def test_a_character_that_cannot_be_stored_is_refused_with_its_position(field, bad) -> None:
    result = check(**{**ANSWER_WITH_ACTION, field: f"hej {bad} då"})
    assert result == {
        field: "Texten innehåller ett tecken som inte kan sparas (tecken nr 5, visas som �). "
        "Ta bort det och spara igen."
    }


def test_an_unstorable_character_and_other_errors_are_reported_together() -> None:
    result = check(outcome="Mindre avvikelse", observations="hej \ud800 då", checked="tio")
    assert "tecken nr 5" in result["observations"]
    assert result["checked"] == "Ange ett heltal, till exempel 12."
    assert {"action_text", "action_owner", "action_due"} <= set(result)


@pytest.mark.parametrize(
    "text",
    [
        "rad ett\nrad två",
        "kolumn\tkolumn",
        "radera\x7ftecken",  # DEL is allowed in an .xlsx
        "emoji 😀 och ”citat” \u2028 slut",
        "ersättningstecken \ufffd",
        "C1-tecken \x85\x9f",
    ],
)
def test_text_that_can_be_stored_is_kept_as_typed(text) -> None:
    result = check(outcome="Ingen avvikelse", observations=text)
    assert isinstance(result, ValidAnswer) and result.observations == text


def test_leading_quote_tab_and_carriage_return_are_kept() -> None:
    typed = "\t'=1+1\r\nb "
    result = check(outcome="Ingen avvikelse", observations=typed)
    assert isinstance(result, ValidAnswer) and result.observations == typed


def test_raw_values_show_an_unstorable_character_as_a_replacement() -> None:
    data = {"observations": "hej \ud800 då", "checked": "1\x00", "verb": "submit", "x": "y"}
    assert raw_values(data) == {"observations": "hej � då", "checked": "1�"}


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
