"""The answer card: one kontrollmoment, its context, and the form the ansvarig fills in.

The same card is shown again with the person's own values and the errors when a submission
is refused, so nothing typed is lost. The input ids below are the contract with the form
parser in dialogs/.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from bot.domain.assignments import AnswerState, Assignment
from bot.domain.followup import Earlier
from bot.domain.model import Answer, OutcomeOption
from bot.domain.policy import version_of
from bot.domain.status import owner_text
from cards.actions import LeaveCard, ShowHistory, ShowList, SubmitAnswer
from cards.answer_notes import (
    CANCEL_TITLE,
    REPLACE_TITLE,
    conflict_note,
    draft_note,
    evidence_note,
)
from cards.common import (
    Element,
    action_set,
    adaptive_card,
    button,
    container,
    days_text,
    fact_set,
    folded,
    format_date,
    format_datetime,
    heading,
    risk_summary,
    source_line,
    text_block,
    thousands,
    toggle,
)
from cards.earlier import continuation_field, earlier_block
from cards.echo import Echo
from cards.size import CARD_LIMIT, card_size, floor_size

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

ACTION_IDS = (ACTION_TEXT, ACTION_OWNER, ACTION_DUE)

SUBMIT_TITLE = "Spara svar"
BACK_TITLE = "Tillbaka till listan"
DETAILS_TITLE = "Visa detaljer"
ADD_ACTION_TITLE = "Lägg till åtgärd"
HISTORY_TITLE = "Historik"
DETAILS_ID = "details"  # element ids the toggles show and hide (never input ids)
ACTION_ID = "action"


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
    base: str | None = None,
    newer: Answer | None = None,
    draft_saved: datetime | None = None,
    earlier: Sequence[Earlier] = (),
) -> Element:
    """The answer form for a control in a term: values kept, errors beside their inputs.

    ``values`` pre-fill the inputs (without it, the saved answer does); ``errors`` map an
    input id to a message shown below that input, and ``"_form"`` to one shown on top.
    ``base`` is the version of the saved answer the card is opened against (default: the
    assignment's); ``newer`` an answer saved since, shown on top with "Ersätt ändå";
    ``draft_saved`` says the values are a draft kept from then; ``earlier`` are this
    year's earlier answers to the control, shown above the form.
    """
    if values is None:
        values = answer_values(assignment.answer) if assignment.answer else {}
    shape = _Shape(
        assignment,
        options,
        nonce,
        today,
        values,
        errors or {},
        version_of(assignment.answer) if base is None else base,
        newer,
        draft_saved,
        tuple(earlier),
    )
    card, echoed = _card(shape, ECHO_BUDGET)
    # The person's texts come first, but never at the cost of a card that cannot be sent:
    # when what the size guard cannot shorten (choices, ids, the structure) leaves less
    # room than they take, they get what is left.
    # (The floor is never above the card's own size: most cards are measured once.)
    if card_size(card) <= CARD_LIMIT - _NOTES_RESERVE:
        return card
    room = CARD_LIMIT - _NOTES_RESERVE - (floor_size(card) - echoed)
    if room < echoed:
        card, _ = _card(shape, max(room, 0))
    return card


@dataclass(frozen=True, slots=True)
class _Shape:
    """Everything the card is built from."""

    assignment: Assignment
    options: Sequence[OutcomeOption]
    nonce: str
    today: date
    values: Mapping[str, str]
    errors: Mapping[str, str]
    base: str
    newer: Answer | None
    draft_saved: datetime | None
    earlier: tuple[Earlier, ...] = ()


def _card(shape: _Shape, budget: int) -> tuple[Element, int]:
    """The card, and the bytes the person's texts take in it.

    Phone first: the inputs come right after the control's own text; the plan's details
    fold behind "Visa detaljer" and the åtgärd behind "Lägg till åtgärd" (open when it is
    needed or filled in). Each part is a function of its own, so a block can be added
    between them without touching the others.
    """
    assignment = shape.assignment
    control, term = assignment.control, assignment.term
    form = Echo(shape.values, shape.errors, MAX_LENGTHS, budget)
    source = source_line(control.namnd, assignment.plan_name)
    body: list[Element | None] = [
        heading(f"Kontrollmoment {control.id} · {term.label}"),
        text_block(source, subtle=True, spacing="none") if source else None,
        conflict_note(shape.newer) if shape.newer else _form_errors(form.errors),
        draft_note(shape.draft_saved),
        text_block(control.description, weight="bolder", spacing="medium"),
        _late_note(assignment, shape.today),
        *_previous(assignment),
        *_details(assignment),
        earlier_block(shape.earlier, shape.today),
        heading("Ditt svar", size="medium"),
        *form.field(_choice(shape.options)),
        {
            "type": "ColumnSet",
            "columns": [
                {"type": "Column", "width": "stretch", "items": form.field(_number(CHECKED))},
                {"type": "Column", "width": "stretch", "items": form.field(_number(DEVIATIONS))},
            ],
        },
        *form.field(_text(OBSERVATIONS, multiline=True)),
        *form.field(_text(ANALYSIS, multiline=True)),
        *_action_part(shape, form),
        *continuation_field(form, term, CONTINUATION, INPUT_LABELS[CONTINUATION]),
        evidence_note(assignment),
    ]
    return adaptive_card(body, _buttons(shape)), form.echoed


def _buttons(shape: _Shape) -> list[Element]:
    control, term = shape.assignment.control, shape.assignment.term
    ids: dict[str, Any] = {"plan": control.plan_key, "control": control.id, "year": term.year}
    submit = SubmitAnswer(**ids, period=term.period, nonce=shape.nonce, base=shape.base)
    if shape.newer is not None:
        return [
            button(REPLACE_TITLE, submit, style="destructive"),
            button(CANCEL_TITLE, ShowList(), with_inputs=False),
        ]
    back = LeaveCard(**ids, period=term.period, base=shape.base)
    return [button(SUBMIT_TITLE, submit, style="positive"), button(BACK_TITLE, back)]


def _details(assignment: Assignment) -> list[Element]:
    """The plan's details about the control, folded away until asked for."""
    control, term = assignment.control, assignment.term
    facts = fact_set(
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
    )
    if facts is None:
        return []
    return [
        action_set([toggle(DETAILS_TITLE, DETAILS_ID)], spacing="small"),
        folded(DETAILS_ID, [facts]),
    ]


def _action_part(shape: _Shape, form: Echo) -> list[Element]:
    """The åtgärd inputs: shown when filled in, refused without, or the bedömning chosen
    needs one; otherwise behind "Lägg till åtgärd". The server requires an åtgärd for a
    deviation whether or not the inputs are shown."""
    chosen = {o.label.casefold(): o for o in shape.options}.get(
        " ".join(str(shape.values.get(OUTCOME, "")).split()).casefold()
    )
    shown = (
        any(str(shape.values.get(i, "")).strip() for i in ACTION_IDS)
        or any(i in shape.errors for i in ACTION_IDS)
        or (chosen is not None and chosen.severity.needs_action)
    )
    inputs = [
        heading("Åtgärd", size="medium"),
        *form.field(_text(ACTION_TEXT, multiline=True)),
        *form.field(_text(ACTION_OWNER, placeholder="Namn eller e-postadress")),
        *form.field({"type": "Input.Date", "id": ACTION_DUE, "label": INPUT_LABELS[ACTION_DUE]}),
    ]
    hint = text_block(_action_hint(shape.options), subtle=True, spacing="small")
    if shown:
        return [hint, *inputs]
    return [
        hint,
        action_set([toggle(ADD_ACTION_TITLE, ACTION_ID)], spacing="none"),
        folded(ACTION_ID, inputs),
    ]


def _choice(options: Sequence[OutcomeOption]) -> Element:
    # Not isRequired: the client would then refuse "Tillbaka" (which keeps a draft) until a
    # bedömning is chosen. The server requires one, with a message under the input.
    return {
        "type": "Input.ChoiceSet",
        "id": OUTCOME,
        "label": INPUT_LABELS[OUTCOME],
        "style": "compact",
        "placeholder": "Välj bedömning",
        "wrap": True,
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
    # No maxLength: a client would cut a pasted text at the limit without a word. The limit
    # is in the label of the long texts, and the server refuses longer text with a message
    # while the card keeps all of it.
    element: Element = {"type": "Input.Text", "id": input_id, "label": INPUT_LABELS[input_id]}
    if multiline:
        element["label"] = (
            f"{INPUT_LABELS[input_id]} (högst {thousands(MAX_LENGTHS[input_id])} tecken)"
        )
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


def _previous(assignment: Assignment) -> list[Element]:
    """Who answered last and when, and the way to every version (the history)."""
    note = _previous_note(assignment)
    if note is None:
        return []
    control, term = assignment.control, assignment.term
    ids: dict[str, Any] = {"plan": control.plan_key, "control": control.id, "year": term.year}
    history = ShowHistory(**ids, period=term.period)
    return [note, action_set([button(HISTORY_TITLE, history, with_inputs=False)], spacing="none")]


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
