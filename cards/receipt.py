"""The receipt shown after an answer is saved: what was saved, by whom, and where it is.

The receipt stays in the chat as its own message and tells the truth as it changes: it
carries a Universal Actions ``refresh`` (Action.Execute for the person who saved it), so
Teams asks the bot for the current receipt whenever it is shown — "Skrivet till Excel"
once the row has landed, "Väntar: …" with what blocks it until then, and a note when a
newer answer has replaced it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.domain.assignments import Assignment
from bot.domain.model import Answer
from cards.actions import FromReceipt, ShowReceipt
from cards.common import (
    Element,
    action_set,
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
WAITING_TEXT = "Väntar"
WRITTEN_TEXT = "Skrivet till Excel"
REPLACED_TEXT = "Ersatt av ett nyare svar"
HISTORY_TITLE = "Historik"


def receipt_card(
    assignment: Assignment,
    answer: Answer,
    *,
    pending: bool,
    has_next: bool,
    written_at: datetime | None = None,
    waiting: str = "",
    newer: Answer | None = None,
    user_id: str = "",
) -> Element:
    """A read-only summary of the saved answer, where it stands, and the ways on.

    ``written_at``: when it landed in the workbook; ``waiting``: what blocks the write
    while ``pending``; ``newer``: an answer saved since for the same control and term;
    ``user_id``: the channel id of the person whose Teams refreshes the receipt.
    """
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
                _where(pending, written_at, waiting),
                _replaced(newer),
            ],
            separator=True,
            spacing="medium",
        )
    )
    ids: dict[str, Any] = {
        "plan": control.plan_key,
        "control": control.id,
        "year": term.year,
        "period": term.period,
        "answer": answer.answer_id,
    }
    buttons = []
    if has_next:
        following = FromReceipt(**ids, to="next")
        buttons.append(button("Nästa kontroll", following, style="positive"))
    buttons += [
        button("Ändra svar", FromReceipt(**ids, to="change")),
        button("Mina kontroller", FromReceipt(**ids, to="list")),
    ]
    # In the body, not beside the others: four buttons do not fit a phone's width.
    body.append(action_set([button(HISTORY_TITLE, FromReceipt(**ids, to="history"))]))
    card = adaptive_card(body, buttons)
    if user_id:
        refresh = button("Uppdatera", ShowReceipt(**ids))
        refresh.pop("fallback", None)  # refresh takes an Action.Execute alone
        card["refresh"] = {"action": refresh, "userIds": [user_id]}
    return card


def _where(pending: bool, written_at: datetime | None, waiting: str) -> Element:
    """Where the answer is: in the workbook (since when), or waiting (and for what)."""
    if not pending:
        when = f" {format_datetime(written_at)}" if written_at else ""
        return text_block(f"{WRITTEN_TEXT}{when}", color="good", weight="bolder", spacing="small")
    text = f"{WAITING_TEXT}: {waiting}" if waiting else PENDING_TEXT
    return text_block(text, color="warning", weight="bolder", spacing="small")


def _replaced(newer: Answer | None) -> Element | None:
    if newer is None:
        return None
    when = f" {format_datetime(newer.answered_at)}" if newer.when else ""
    who = f" av {newer.answered_by}" if newer.answered_by else ""
    return text_block(
        f"{REPLACED_TEXT}{when}{who} (bedömning: {shorten(newer.outcome, 100)}).",
        color="attention",
        spacing="small",
    )


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
