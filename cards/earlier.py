"""The earlier periods on the answer card: what was answered at delår 1 and 2 this year,
and where the åtgärd proposed then stands, so the helår answer can complete it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from bot.domain.followup import Earlier, continuation_choices
from bot.domain.periods import Term
from cards.common import Element, container, days_text, format_date, shorten, text_block
from cards.echo import Echo

_TEXT_CHARS = 300


def earlier_line(earlier: Earlier, today: date) -> str:
    """One earlier answer: "Vid delår 2: Mindre avvikelse — åtgärd: …, status Pågår"."""
    line = f"Vid {earlier.period.label.lower()}: {earlier.answer.outcome or 'besvarad'}"
    tracked = earlier.action
    if tracked is None:
        observations = shorten(earlier.answer.observations, _TEXT_CHARS)
        return f"{line} — {observations}" if observations else line
    due = tracked.action.due
    line += f" — åtgärd: {shorten(tracked.action.text, _TEXT_CHARS)}"
    line += f", klar senast {format_date(due)}" if due else ""
    line += f", status {tracked.status.value}"
    late = tracked.days_overdue(today)
    return line + (f" (försenad {days_text(late)})" if late else "")


def earlier_block(earlier: Sequence[Earlier], today: date) -> Element | None:
    """The earlier answers of the year (None when there are none)."""
    if not earlier:
        return None
    lines = [
        text_block(
            earlier_line(e, today),
            spacing="none" if i else "small",
            color="attention" if e.action and e.action.days_overdue(today) else None,
        )
        for i, e in enumerate(earlier)
    ]
    open_ = any(e.action is not None and e.action.is_open for e in earlier)
    hint = "Åtgärden är inte klar: beskriv i ditt svar hur det har gått med den." if open_ else None
    return container(
        [
            text_block("Tidigare i år", weight="bolder"),
            *lines,
            text_block(hint, subtle=True, spacing="small") if hint else None,
        ],
        style="emphasis",
        spacing="medium",
    )


def continuation_field(form: Echo, term: Term, input_id: str, label: str) -> list[Element]:
    """At helår: whether the kontrollmoment is avslutat, fortsätter nästa år or is checked
    again a later year (optional; nothing at a delår)."""
    if term.period.is_interim:
        return []
    choice: Element = {
        "type": "Input.ChoiceSet",
        "id": input_id,
        "label": label,
        "style": "compact",
        "placeholder": "Välj (frivilligt)",
        "choices": [{"title": c, "value": c} for c in continuation_choices(term.year)],
    }
    return form.field(choice)
