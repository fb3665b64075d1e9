"""The receipt shown after an answer is saved: what was saved, by whom, and where it is."""

from __future__ import annotations

from bot.domain.assignments import Assignment
from bot.domain.model import Answer
from cards.actions import NextControl, OpenControl, ShowList
from cards.common import (
    Element,
    adaptive_card,
    button,
    container,
    fact_set,
    format_date,
    format_datetime,
    heading,
    local_date,
    shorten,
    text_block,
)

TITLE = "Svaret är sparat"
PENDING_TEXT = "Skrivs till Excel inom kort"
WRITTEN_TEXT = "Skrivet till Excel"


def receipt_card(
    assignment: Assignment, answer: Answer, *, pending: bool, has_next: bool
) -> Element:
    """A read-only summary of the saved answer, with the ways on."""
    control, term = assignment.control, assignment.term
    action = answer.action
    body: list[Element | None] = [
        heading(TITLE),
        text_block(
            f"Kontrollmoment {control.id} · {term.label}: {shorten(control.description, 200)}",
            subtle=True,
            spacing="none",
        ),
        fact_set(
            [
                ("Bedömning", answer.outcome),
                ("Antal kontrollerade", _number(answer.checked)),
                ("Antal avvikelser", _number(answer.deviations)),
            ],
            spacing="medium",
        ),
        *_long_text("Iakttagelser", answer.observations),
        *_long_text("Analys", answer.analysis),
    ]
    if action is not None:
        body += _long_text("Åtgärd", action.text)
        body.append(
            fact_set(
                [
                    ("Åtgärdsansvarig", action.owner),
                    ("Klart senast", format_date(action.due) if action.due else ""),
                ]
            )
        )
    body.append(
        container(
            [
                text_block(
                    f"Sparat av {answer.answered_by} den {format_datetime(answer.answered_at)}.",
                    subtle=True,
                ),
                _late_note(assignment, answer),
                text_block(
                    PENDING_TEXT if pending else WRITTEN_TEXT,
                    color="warning" if pending else "good",
                    weight="bolder",
                    spacing="small",
                ),
            ],
            separator=True,
            spacing="medium",
        )
    )
    plan, year, period = control.plan_key, term.year, term.period
    buttons = []
    if has_next:
        following = NextControl(plan=plan, control=control.id, year=year, period=period)
        buttons.append(button("Nästa kontroll", following, style="positive"))
    change = OpenControl(plan=plan, control=control.id, year=year, period=period)
    buttons += [button("Ändra svar", change), button("Mina kontroller", ShowList())]
    return adaptive_card(body, buttons)


def _number(value: int | None) -> str:
    return "" if value is None else str(value)


def _long_text(title: str, text: str) -> list[Element]:
    # Free text can be long; a FactSet squeezes it into a narrow column, so it gets its own
    # label and block.
    if not text.strip():
        return []
    return [
        text_block(title, weight="bolder", spacing="medium"),
        text_block(text, spacing="none"),
    ]


def _late_note(assignment: Assignment, answer: Answer) -> Element | None:
    if local_date(answer.answered_at) <= assignment.due:
        return None
    return text_block(
        f"Svaret lämnades efter sista svarsdagen ({format_date(assignment.due)}).",
        color="attention",
        spacing="none",
    )
