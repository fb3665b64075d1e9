"""The answer card: one kontrollmoment, its context, and the form the ansvarig fills in.

The same card is shown again with the person's own values and the errors when a submission
is refused, so nothing typed is lost. The input ids below are the contract with the form
parser in dialogs/.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from bot.domain.assignments import AnswerState, Assignment
from bot.domain.followup import Earlier
from bot.domain.model import Answer, OutcomeOption
from bot.domain.status import owner_text
from cards.actions import ShowList, SubmitAnswer
from cards.common import (
    Element,
    adaptive_card,
    button,
    container,
    days_text,
    fact_set,
    format_date,
    format_datetime,
    heading,
    risk_summary,
    source_line,
    text_block,
)
from cards.earlier import continuation_field, earlier_block
from cards.echo import Echo
from cards.size import CARD_LIMIT, floor_size

OUTCOME = "outcome"
CHECKED = "checked"
DEVIATIONS = "deviations"
OBSERVATIONS = "observations"
ANALYSIS = "analysis"
ACTION_TEXT = "action_text"
ACTION_OWNER = "action_owner"
ACTION_DUE = "action_due"
CONTINUATION = "continuation"  # helår only: what becomes of the kontrollmoment
FORM_ERROR = "_form"  # key in ``errors`` for a message about the whole form

INPUT_IDS = (
    OUTCOME,
    CHECKED,
    DEVIATIONS,
    OBSERVATIONS,
    ANALYSIS,
    ACTION_TEXT,
    ACTION_OWNER,
    ACTION_DUE,
    CONTINUATION,
)
INPUT_LABELS = {
    OUTCOME: "Bedömning",
    CHECKED: "Antal kontrollerade",
    DEVIATIONS: "Antal avvikelser",
    OBSERVATIONS: "Iakttagelser",
    ANALYSIS: "Analys",
    ACTION_TEXT: "Åtgärd",
    ACTION_OWNER: "Åtgärdsansvarig",
    ACTION_DUE: "Klart senast",
    CONTINUATION: "Kontrollmomentet efter i år",
}
MAX_LENGTHS = {OBSERVATIONS: 4000, ANALYSIS: 4000, ACTION_TEXT: 2000, ACTION_OWNER: 200}

# The person's own texts take at most this many bytes of the card's JSON together, so the
# form with everything else stays under the 28 KB every card keeps to: two bytes a
# character, so every text at its limit in Swedish letters, line breaks and quotes fits
# whole (emojis take four). An accepted answer never takes more (dialogs/form.py refuses
# it), so "Ändra svar" always shows it whole; only a refused submission is shown cut, with
# a note saying so.
ECHO_BUDGET = 2 * sum(MAX_LENGTHS.values())  # 20,400 bytes
# What the notes "Här visas bara de första …" may take when the texts have to be cut.
_NOTES_RESERVE = 1_000

SUBMIT_TITLE = "Spara svar"
BACK_TITLE = "Tillbaka till listan"


def answer_values(answer: Answer) -> dict[str, str]:
    """A saved answer as the strings the form holds, to pre-fill "Ändra svar"."""
    action = answer.action
    return {
        OUTCOME: answer.outcome,
        CHECKED: "" if answer.checked is None else str(answer.checked),
        DEVIATIONS: "" if answer.deviations is None else str(answer.deviations),
        OBSERVATIONS: answer.observations,
        ANALYSIS: answer.analysis,
        ACTION_TEXT: action.text if action else "",
        ACTION_OWNER: action.owner if action else "",
        ACTION_DUE: action.due.isoformat() if action and action.due else "",
        CONTINUATION: answer.continuation,
    }


def answer_card(
    assignment: Assignment,
    options: Sequence[OutcomeOption],
    nonce: str,
    today: date,
    *,
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    earlier: Sequence[Earlier] = (),
) -> Element:
    """The answer form for a control in a term: values kept, errors beside their inputs.

    ``values`` pre-fill the inputs (without it, the saved answer does); ``errors`` map an
    input id to a message shown below that input, and ``"_form"`` to one shown on top.
    """
    if values is None:
        values = answer_values(assignment.answer) if assignment.answer else {}
    card, echoed = _card(assignment, options, nonce, today, values, errors or {}, ECHO_BUDGET)
    _insert_earlier(card, earlier_block(earlier, today))
    # The person's texts come first, but never at the cost of a card that cannot be sent:
    # when what the size guard cannot shorten (choices, ids, the structure) leaves less
    # room than they take, they get what is left.
    room = CARD_LIMIT - _NOTES_RESERVE - (floor_size(card) - echoed)
    if room < echoed:
        card, _ = _card(assignment, options, nonce, today, values, errors or {}, max(room, 0))
        _insert_earlier(card, earlier_block(earlier, today))
    return card


def _insert_earlier(card: Element, block: Element | None) -> None:
    """The earlier periods' answers go just above the form ("Ditt svar")."""
    body = card["body"]
    if block is None or not isinstance(body, list):
        return
    at = next((i for i, e in enumerate(body) if e.get("text") == "Ditt svar"), len(body))
    body.insert(at, block)


def _card(
    assignment: Assignment,
    options: Sequence[OutcomeOption],
    nonce: str,
    today: date,
    values: Mapping[str, str],
    errors: Mapping[str, str],
    budget: int,
) -> tuple[Element, int]:
    """The card, and the bytes the person's texts take in it."""
    control, term = assignment.control, assignment.term
    form = Echo(values, errors, MAX_LENGTHS, budget)
    source = source_line(control.namnd, assignment.plan_name)
    body: list[Element | None] = [
        heading(f"Kontrollmoment {control.id} · {term.label}"),
        text_block(source, subtle=True, spacing="none") if source else None,
        _form_errors(form.errors),
        text_block(control.description, weight="bolder", spacing="medium"),
        fact_set(
            [
                ("Område", control.area),
                ("Grupp", control.group),
                ("Mål", control.goal),
                ("Process/rutin", control.process),
                ("Risk", control.risk_text),
                ("Vad kan gå fel", control.failure),
                ("Ursprunglig risk", control.origin),
                ("Riskbedömning", risk_summary(control.risk)),
                ("Metod", control.method),
                ("Urval", control.sample),
                ("Ansvarig", owner_text(control)),
                ("Rapporteras till", control.report_to),
                ("Period", term.label),
                ("Sista svarsdag", format_date(assignment.due)),
            ]
        ),
        _late_note(assignment, today),
        _previous_note(assignment),
        heading("Ditt svar", size="medium"),
        *form.field(_choice(options)),
        {
            "type": "ColumnSet",
            "columns": [
                {"type": "Column", "width": "stretch", "items": form.field(_number(CHECKED))},
                {"type": "Column", "width": "stretch", "items": form.field(_number(DEVIATIONS))},
            ],
        },
        *form.field(_text(OBSERVATIONS, multiline=True)),
        *form.field(_text(ANALYSIS, multiline=True)),
        heading("Åtgärd", size="medium"),
        text_block(_action_hint(options), subtle=True, spacing="none"),
        *form.field(_text(ACTION_TEXT, multiline=True)),
        *form.field(_text(ACTION_OWNER, placeholder="Namn eller e-postadress")),
        *form.field({"type": "Input.Date", "id": ACTION_DUE, "label": INPUT_LABELS[ACTION_DUE]}),
        *continuation_field(form, term, CONTINUATION, INPUT_LABELS[CONTINUATION]),
    ]
    submit = SubmitAnswer(
        plan=control.plan_key, control=control.id, year=term.year, period=term.period, nonce=nonce
    )
    buttons = [
        button(SUBMIT_TITLE, submit, style="positive"),
        button(BACK_TITLE, ShowList(), with_inputs=False),
    ]
    return adaptive_card(body, buttons), form.echoed


def _choice(options: Sequence[OutcomeOption]) -> Element:
    return {
        "type": "Input.ChoiceSet",
        "id": OUTCOME,
        "label": INPUT_LABELS[OUTCOME],
        "style": "compact",
        "placeholder": "Välj bedömning",
        "wrap": True,
        "isRequired": True,
        "errorMessage": "Välj en bedömning.",
        "choices": [{"title": o.label, "value": o.label} for o in options],
    }


def _number(input_id: str) -> Element:
    return {
        "type": "Input.Number",
        "id": input_id,
        "label": INPUT_LABELS[input_id],
        "min": 0,
        "placeholder": "Antal",
        "errorMessage": "Ange ett heltal, 0 eller mer.",
    }


def _text(input_id: str, *, multiline: bool = False, placeholder: str = "") -> Element:
    element: Element = {
        "type": "Input.Text",
        "id": input_id,
        "label": INPUT_LABELS[input_id],
        "maxLength": MAX_LENGTHS[input_id],
    }
    if multiline:
        element["isMultiline"] = True
    if placeholder:
        element["placeholder"] = placeholder
    return element


def _form_errors(errors: Mapping[str, str]) -> Element | None:
    if not errors:
        return None
    # Messages for the form as a whole, or for ids this card has no input for, go on top
    # so that none is swallowed.
    general = [msg for key, msg in errors.items() if key not in INPUT_IDS and msg]
    lines = general or [
        "Svaret är inte sparat ännu. Rätta det som är markerat nedan och välj Spara svar igen."
    ]
    return container(
        [text_block(line, color="attention", weight="bolder") for line in lines],
        style="attention",
        spacing="medium",
    )


def _late_note(assignment: Assignment, today: date) -> Element | None:
    late = assignment.days_overdue(today)
    if not late:
        return None
    return text_block(
        f"Sista svarsdagen var {format_date(assignment.due)} (försenad {days_text(late)}). "
        "Du kan fortfarande svara, men svaret markeras som sent.",
        color="attention",
        spacing="medium",
    )


def _previous_note(assignment: Assignment) -> Element | None:
    answer = assignment.answer
    if answer is None or assignment.state is AnswerState.UNANSWERED:
        return None
    when = answer.when  # a row typed into Excel by hand may have no time or name
    given = f" den {format_datetime(when)}" if when else ""
    given += f" av {answer.answered_by}" if answer.answered_by else ""
    return text_block(
        f"Senaste svaret lämnades{given or ' i Excel'}. Sparar du igen ersätts det svaret.",
        subtle=True,
        spacing="medium",
    )


def _either(labels: Sequence[str]) -> str:
    quoted = [f"”{label}”" for label in labels]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} eller {quoted[-1]}"


def _action_hint(options: Sequence[OutcomeOption]) -> str:
    needing = [o.label for o in options if o.severity.needs_action]
    reason = [o.label for o in options if o.severity.needs_reason]
    text = (
        f"Fyll i åtgärd, åtgärdsansvarig och klart senast om bedömningen är {_either(needing)}."
        if needing
        else "Fyll i om en åtgärd behövs."
    )
    if reason:
        text += f" Är bedömningen {_either(reason)}: skriv varför under Iakttagelser."
    return text
