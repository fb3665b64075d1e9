"""Notes on the answer card: a newer answer saved since the card was opened, a restored
draft, and how to attach underlag."""

from __future__ import annotations

from datetime import datetime

from bot.domain.assignments import Assignment
from bot.domain.model import Answer
from cards.common import Element, container, fact_set, format_datetime, shorten, text_block

REPLACE_TITLE = "Ersätt ändå"
CANCEL_TITLE = "Avbryt"
EVIDENCE_HINT = (
    "Underlag: skicka filer eller klistra in en länk här i chatten medan kortet är öppet, "
    "så sparas de bredvid arbetsboken."
)


def evidence_note(assignment: Assignment) -> Element:
    """How to attach underlag, and how much is attached to the saved answer."""
    answer = assignment.answer
    attached = len(answer.evidence) if answer is not None else 0
    text = EVIDENCE_HINT
    if attached:
        said = "1 underlag är bifogat" if attached == 1 else f"{attached} underlag är bifogade"
        text = f"{said}. {text}"
    return text_block(text, subtle=True, spacing="medium")


def conflict_note(newer: Answer) -> Element:
    """Someone saved a newer answer since the card was opened: who, when, what."""
    when = newer.when
    saved = f"den {format_datetime(when)}" if when else "i Excel"
    who = f" av {newer.answered_by}" if newer.answered_by else ""
    lines: list[Element | None] = [
        text_block("Ett nyare svar har sparats", weight="bolder", color="attention"),
        text_block(
            f"Svaret sparades {saved}{who}, efter att du öppnade kortet. Ditt svar är inte "
            f"sparat. Välj {REPLACE_TITLE} för att spara ditt svar i stället, eller "
            f"{CANCEL_TITLE} för att behålla det nyare.",
            spacing="small",
        ),
        fact_set(
            [
                ("Bedömning", newer.outcome),
                ("Iakttagelser", shorten(newer.observations, 300)),
                ("Åtgärd", shorten(newer.action.text, 200) if newer.action else ""),
            ],
            spacing="small",
        ),
    ]
    return container(lines, style="attention", spacing="medium")


def draft_note(saved: datetime | None) -> Element | None:
    """That the values are a draft kept from then, not a saved answer."""
    if saved is None:
        return None
    return text_block(
        f"Det du skrev {format_datetime(saved)} är återställt. Det är inte sparat som svar "
        "förrän du väljer Spara svar.",
        subtle=True,
        spacing="small",
    )
