"""The answer card: context, inputs, values and errors kept, and what it submits."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.domain.assignments import AnswerState
from bot.domain.model import OutcomeOption, OutcomeScale, Period, Risk, Severity
from cards.actions import LeaveCard, SubmitAnswer, card_action
from cards.answer import (
    ACTION_DUE,
    CHECKED,
    DEVIATIONS,
    FORM_ERROR,
    INPUT_IDS,
    INPUT_LABELS,
    MAX_LENGTHS,
    OUTCOME,
    answer_card,
    answer_values,
)
from tests.fakes.card_data import (
    BEFORE_DUE,
    DELAR_2_2026,
    NONCE,
    STRANGNAS_SCALE,
    THREE_DAYS_LATE,
    assignment,
    backup_control,
    saved_answer,
)
from tests.fakes.card_schema import (
    all_text,
    assert_valid_card,
    buttons,
    following,
    inputs,
    texts,
)

YEAR_OPTIONS = OutcomeScale.default().for_period(Period.YEAR)

FULL_VALUES = {
    OUTCOME: "Större avvikelse",
    CHECKED: "20",
    DEVIATIONS: "3",
    "observations": "Tre av tjugo filer gick inte att återläsa.\nLoggen saknades.",
    "analysis": "Backupjobbet för ekonomisystemet har inte körts sedan i somras.",
    "action_text": "Starta om backupjobbet och följ upp varje vecka",
    "action_owner": "Kim Lind, IT-chef",
    ACTION_DUE: "2027-03-31",
    "continuation": "Fortsätter nästa år",
}


def _card(**kwargs: Any) -> dict[str, Any]:
    target = kwargs.pop("assignment", None) or assignment()
    options = kwargs.pop("options", YEAR_OPTIONS)
    today = kwargs.pop("today", BEFORE_DUE)
    card = answer_card(target, options, NONCE, today, **kwargs)
    assert_valid_card(card)
    return card


def test_the_card_shows_the_control_in_its_context() -> None:
    card = _card()
    text = all_text(card)
    assert card["body"][0]["text"] == "Kontrollmoment 8 · Helår 2026"
    assert card["body"][1]["text"] == "Internkontrollplan 2026 Kommunstyrelsen"
    for expected in (
        "Område: Verksamhet",
        "Process/rutin: Test återläsning av backup",
        "Risk: Att backup inte fungerar för våra IT-system",
        "Riskbedömning: Riskvärde 12 (sannolikhet 3 × konsekvens 4)",
        "En fil från slumpmässigt valt system återläses",
        "Metod: Teståterläsning av en slumpvis vald fil",
        "Urval: Ett system per delår",
        "Period: Helår 2026",
        "Sista svarsdag: 14 januari 2027",
    ):
        assert expected in text
    assert "försenad" not in text


def test_a_risk_label_from_the_plan_is_shown() -> None:
    control = backup_control(risk=Risk(value=12, label="12. Allvarlig"))
    text = all_text(_card(assignment=assignment(control)))
    assert "Riskbedömning: Riskvärde 12 – Allvarlig" in text


def test_empty_context_fields_are_left_out() -> None:
    control = backup_control(area="", process="", method="", sample="", risk=Risk(), risk_text="")
    text = all_text(_card(assignment=assignment(control)))
    for title in ("Område", "Process/rutin", "Risk", "Riskbedömning", "Metod", "Urval"):
        assert f"{title}:" not in text


def test_a_late_answer_is_marked_but_still_possible() -> None:
    card = _card(today=THREE_DAYS_LATE)
    [note] = [b for b in texts(card) if "försenad" in b]
    assert "Sista svarsdagen var 14 januari 2027 (försenad 3 dagar)" in note
    assert "Du kan fortfarande svara" in note


def test_the_inputs_have_the_agreed_ids_labels_and_limits() -> None:
    found = inputs(_card())
    assert list(found) == list(INPUT_IDS)
    for input_id, element in found.items():
        assert element["label"].startswith(INPUT_LABELS[input_id])
    assert found[OUTCOME]["type"] == "Input.ChoiceSet"
    assert found[OUTCOME]["style"] == "compact"
    # Required by the server, not the client: the client would hold back "Tillbaka".
    assert not found[OUTCOME].get("isRequired")
    assert found[OUTCOME]["errorMessage"]
    for input_id in (CHECKED, DEVIATIONS):
        assert found[input_id]["type"] == "Input.Number"
        assert found[input_id]["min"] == 0
        assert not found[input_id].get("isRequired")
    for input_id in ("observations", "analysis", "action_text"):
        assert found[input_id]["isMultiline"] is True
    # The limits are said, not enforced by cutting: no maxLength for a client to cut at.
    for input_id in MAX_LENGTHS:
        assert "maxLength" not in found[input_id]
    assert found["observations"]["label"] == "Iakttagelser (högst 4 000 tecken)"
    assert found["action_text"]["label"] == "Åtgärd (högst 2 000 tecken)"
    assert MAX_LENGTHS == {
        "observations": 4000,
        "analysis": 4000,
        "action_text": 2000,
        "action_owner": 200,
    }
    assert found[ACTION_DUE]["type"] == "Input.Date"
    assert INPUT_LABELS["action_owner"] == "Åtgärdsansvarig"
    assert INPUT_LABELS[ACTION_DUE] == "Klart senast"


def test_the_action_inputs_say_when_they_are_needed() -> None:
    text = all_text(_card())
    assert (
        "Fyll i åtgärd, åtgärdsansvarig och klart senast om bedömningen är ”Mindre avvikelse” "
        "eller ”Större avvikelse”."
    ) in text
    # Not performed asks for the reason, not for an åtgärd.
    assert "Är bedömningen ”Ej genomförd”: skriv varför under Iakttagelser." in text


def test_the_choices_are_exactly_the_options_passed_in() -> None:
    choices = inputs(_card())[OUTCOME]["choices"]
    assert [c["title"] for c in choices] == [o.label for o in YEAR_OPTIONS]
    assert all(c["title"] == c["value"] for c in choices)
    assert "Följs upp på helår" not in all_text(_card())
    interim = OutcomeScale.default().for_period(Period.T2)
    card = _card(assignment=assignment(term=DELAR_2_2026), options=interim)
    assert inputs(card)[OUTCOME]["choices"][-1]["value"] == "Följs upp på helår"


def test_strangnas_process_scale_is_offered_as_it_is_written() -> None:
    card = _card(options=STRANGNAS_SCALE.options)
    labels = [c["value"] for c in inputs(card)[OUTCOME]["choices"]]
    assert "Process/rutin/riktlinje fungerar men behöver utvecklas" in labels
    assert labels == [o.label for o in STRANGNAS_SCALE.options]
    assert inputs(card)[OUTCOME]["wrap"] is True  # long labels must not be clipped
    assert "om bedömningen är ”Process/rutin/riktlinje fungerar men behöver utvecklas”" in (
        all_text(card)
    )


def test_a_scale_without_deviations_asks_for_an_action_only_when_needed() -> None:
    options = [OutcomeOption("Godkänd", Severity.OK), OutcomeOption("Senare", Severity.DEFERRED)]
    assert "Fyll i om en åtgärd behövs." in texts(_card(options=options))


def test_values_prefill_every_input() -> None:
    found = inputs(_card(values=FULL_VALUES))
    assert found[OUTCOME]["value"] == "Större avvikelse"
    assert found[CHECKED]["value"] == 20
    assert found[DEVIATIONS]["value"] == 3
    assert found["observations"]["value"] == FULL_VALUES["observations"]
    assert found["analysis"]["value"] == FULL_VALUES["analysis"]
    assert found["action_text"]["value"] == FULL_VALUES["action_text"]
    assert found["action_owner"]["value"] == "Kim Lind, IT-chef"
    assert found[ACTION_DUE]["value"] == "2027-03-31"


def test_a_resubmitted_card_gives_back_exactly_what_was_typed() -> None:
    # What a client would send for the re-shown card without any change by the person.
    card = _card(values=FULL_VALUES, errors={FORM_ERROR: "Svaret är inte sparat."})
    sent = {key: str(element.get("value", "")) for key, element in inputs(card).items()}
    assert sent == FULL_VALUES


def test_the_choice_matches_a_value_regardless_of_case_and_spacing() -> None:
    found = inputs(_card(values={OUTCOME: "  större   AVVIKELSE "}))
    assert found[OUTCOME]["value"] == "Större avvikelse"


@pytest.mark.parametrize(
    ("input_id", "raw"),
    [
        (CHECKED, "12,5"),
        (CHECKED, "tolv"),
        (DEVIATIONS, "1e3"),
        (ACTION_DUE, "31/3 2027"),
        (ACTION_DUE, "2027-02-30"),
        (ACTION_DUE, "20270331"),
        (OUTCOME, "Helt okej"),
    ],
)
def test_a_value_an_input_cannot_hold_is_shown_as_text_not_lost(input_id: str, raw: str) -> None:
    card = _card(values={input_id: raw})
    assert "value" not in inputs(card)[input_id]
    notes = [e["text"] for e in following(card, input_id)]
    assert f"Du skrev: ”{raw}”" in notes


@pytest.mark.parametrize(("raw", "value"), [(" 7 ", 7), ("0", 0), ("-2", -2), ("+4", 4)])
def test_whole_numbers_are_prefilled_as_numbers(raw: str, value: int) -> None:
    assert inputs(_card(values={CHECKED: raw}))[CHECKED]["value"] == value


def test_each_error_is_shown_directly_below_its_input() -> None:
    errors = {
        OUTCOME: "Välj en bedömning.",
        DEVIATIONS: "Antal avvikelser kan inte vara fler än antal kontrollerade.",
        "action_text": "Beskriv en åtgärd när bedömningen är en avvikelse.",
        ACTION_DUE: "Klart senast ska vara ett datum efter i dag.",
    }
    card = _card(values=FULL_VALUES, errors=errors)
    found = inputs(card)
    for input_id, message in errors.items():
        [note, *_] = following(card, input_id)
        assert note == {
            "type": "TextBlock",
            "text": message,
            "wrap": True,
            "color": "attention",
            "spacing": "small",
        }
        assert found[input_id]["errorMessage"] == message
    for input_id in set(INPUT_IDS) - set(errors):
        assert not [e for e in following(card, input_id) if e.get("color") == "attention"]
    # The values stay while the errors are shown.
    assert found[DEVIATIONS]["value"] == 3
    assert found[ACTION_DUE]["value"] == "2027-03-31"


def test_a_form_error_is_shown_on_top() -> None:
    card = _card(values=FULL_VALUES, errors={FORM_ERROR: "Perioden är stängd för svar."})
    top = card["body"][2]
    assert top["type"] == "Container"
    assert top["style"] == "attention"
    assert top["items"][0]["text"] == "Perioden är stängd för svar."


def test_field_errors_alone_still_say_on_top_that_nothing_was_saved() -> None:
    card = _card(errors={CHECKED: "Ange ett heltal."})
    assert "Svaret är inte sparat ännu" in card["body"][2]["items"][0]["text"]
    assert "Svaret är inte sparat" not in all_text(_card())


def test_an_error_for_an_unknown_field_is_not_swallowed() -> None:
    card = _card(errors={"verb": "Okänd knapp."})
    assert "Okänd knapp." in all_text(card)


def test_submit_carries_only_the_ids_and_parses_back() -> None:
    found = buttons(_card(values=FULL_VALUES))
    assert list(found) == ["Spara svar", "Tillbaka till listan"]
    submit = found["Spara svar"]
    expected = SubmitAnswer(
        plan="lindesberg-ks-2026", control="8", year=2026, period=Period.YEAR, nonce=NONCE, base="-"
    )
    assert submit["verb"] == "submit"
    assert card_action.validate_python(submit["data"]) == expected
    assert card_action.validate_python(submit["fallback"]["data"]) == expected
    assert submit["fallback"]["type"] == "Action.Submit"
    assert submit["fallback"]["title"] == "Spara svar"
    assert set(submit["data"]) == {"verb", "plan", "control", "year", "period", "nonce", "base"}
    # Action.Submit merges inputs into the data: no input may shadow an id.
    assert not set(submit["data"]) & set(INPUT_IDS)
    # The inputs beside the data do not disturb the parse either.
    merged = {**FULL_VALUES, **submit["fallback"]["data"]}
    assert card_action.validate_python(merged) == expected


def test_back_to_the_list_takes_what_was_typed_along_as_a_draft() -> None:
    back = buttons(_card())["Tillbaka till listan"]
    assert card_action.validate_python(back["data"]) == LeaveCard(
        plan="lindesberg-ks-2026", control="8", year=2026, period=Period.YEAR, base="-"
    )
    # The inputs go along (nothing is required on the client, so it never holds them back).
    assert "associatedInputs" not in back
    assert not any(i.get("isRequired") for i in inputs(_card()).values())


def test_changing_an_answer_starts_from_the_saved_one() -> None:
    saved = saved_answer()
    target = assignment(state=AnswerState.ANSWERED, answer=saved)
    card = _card(assignment=target)
    found = inputs(card)
    assert found[OUTCOME]["value"] == "Mindre avvikelse"
    assert found[CHECKED]["value"] == 12
    assert found["action_owner"]["value"] == "Kim Lind, IT-chef"
    assert found[ACTION_DUE]["value"] == "2027-03-31"
    assert (
        "Senaste svaret lämnades den 23 november 2026 kl. 14:05 av alexw@example.com."
        in all_text(card)
    )
    # Values from the person win over the saved answer, including cleared fields.
    found = inputs(_card(assignment=target, values={OUTCOME: "Ingen avvikelse"}))
    assert found[OUTCOME]["value"] == "Ingen avvikelse"
    assert "value" not in found[CHECKED]
    assert "value" not in found["observations"]


def test_answer_values_round_trip_a_saved_answer_without_action() -> None:
    values = answer_values(saved_answer(action=None, checked=None))
    assert values["action_text"] == values["action_owner"] == values[ACTION_DUE] == ""
    assert values[CHECKED] == ""
    assert values[DEVIATIONS] == "1"


TRICKY = 'Kontrollera "Inköp" {och} \\ avtal 😀\nrad två ”citat” }]} \u2028 slut'


def test_quotes_newlines_braces_and_emoji_cannot_break_the_card() -> None:
    control = backup_control(
        description=TRICKY, process='"{process}"', method=TRICKY, sample="😀", risk_text="}{"
    )
    values = {"observations": TRICKY, "action_owner": '"; DROP TABLE svar; --', OUTCOME: TRICKY}
    card = _card(assignment=assignment(control), values=values, errors={FORM_ERROR: TRICKY})
    assert json.loads(json.dumps(card)) == card
    assert json.loads(json.dumps(card, ensure_ascii=False)) == card
    assert TRICKY in texts(card)
    assert inputs(card)["observations"]["value"] == TRICKY
    assert f"Du skrev: ”{TRICKY}”" in texts(card)


def test_a_maximal_answer_fits_in_a_teams_card() -> None:
    values = {
        **FULL_VALUES,
        "observations": "å" * 4000,
        "analysis": "ä" * 4000,
        "action_text": "ö" * 2000,
        "action_owner": "x" * 200,
    }
    card = _card(values=values, errors={k: "Fel." for k in INPUT_IDS})
    assert len(json.dumps(card, ensure_ascii=False).encode()) < 28 * 1024


def test_the_card_shows_what_real_plans_say_about_a_control() -> None:
    control = backup_control(
        owner="Ekonomichef",
        owner_emails=frozenset({"eva@example.com"}),
        group="Effektiv organisation",
        goal="STABIL EKONOMI",
        failure="Fel belopp betalas ut",
        origin="Förvaltning, ny 2021",
        report_to="Kommunstyrelsen",
    )
    text = all_text(answer_card(assignment(control), YEAR_OPTIONS, NONCE, BEFORE_DUE))
    for fact in (
        "Ansvarig: Ekonomichef",
        "Grupp: Effektiv organisation",
        "Mål: STABIL EKONOMI",
        "Vad kan gå fel: Fel belopp betalas ut",
        "Ursprunglig risk: Förvaltning, ny 2021",
        "Rapporteras till: Kommunstyrelsen",
    ):
        assert fact in text
    unowned = answer_card(
        assignment(backup_control(owner="IT-chef")), YEAR_OPTIONS, NONCE, BEFORE_DUE
    )
    assert "Ansvarig: IT-chef – saknar ansvarig" in all_text(unowned)
