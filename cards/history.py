"""The history of an answer: every version from the journal — who, when, bedömning, and
what changed from the version before."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.domain.assignments import Assignment
from bot.domain.model import Answer
from cards.actions import OpenControl, ShowList
from cards.common import (
    Element,
    adaptive_card,
    button,
    container,
    fact_set,
    format_date,
    format_datetime,
    heading,
    shorten,
    text_block,
)

SHOWN_VERSIONS = 20  # the newest this many; the card says how many more there are
_TEXT_CHARS = 300  # of each free text, per version

# What a version can change, as the person reads it.
_FIELDS = (
    ("bedömning", lambda a: a.outcome),
    ("antal kontrollerade", lambda a: a.checked),
    ("antal avvikelser", lambda a: a.deviations),
    ("iakttagelser", lambda a: a.observations),
    ("analys", lambda a: a.analysis),
    ("åtgärd", lambda a: (a.action.text, a.action.owner, a.action.due) if a.action else None),
)


def changes(before: Answer | None, after: Answer) -> list[str]:
    """The fields that differ between two versions ("bedömning", "iakttagelser", …)."""
    if before is None:
        return []
    return [name for name, value in _FIELDS if value(before) != value(after)]


def history_card(assignment: Assignment, versions: Sequence[Answer]) -> Element:
    """Every version of the answer to a control in a term, newest first."""
    control, term = assignment.control, assignment.term
    body: list[Element | None] = [
        heading(f"Historik · Kontrollmoment {control.id} · {term.label}"),
        text_block(shorten(control.description, 200), subtle=True, spacing="none"),
    ]
    if not versions:
        body.append(text_block("Inga svar är sparade genom boten ännu.", spacing="medium"))
    numbered = list(enumerate(versions, start=1))
    for number, answer in reversed(numbered[-SHOWN_VERSIONS:]):
        before = versions[number - 2] if number > 1 else None
        body.append(_version(number, answer, before))
    hidden = len(versions) - SHOWN_VERSIONS
    if hidden > 0:
        body.append(text_block(f"… och {hidden} äldre versioner.", subtle=True))
    ids: dict[str, Any] = {"plan": control.plan_key, "control": control.id, "year": term.year}
    buttons = [
        button("Mina kontroller", ShowList()),
        button("Öppna kontrollmomentet", OpenControl(**ids, period=term.period)),
    ]
    return adaptive_card(body, buttons)


def _version(number: int, answer: Answer, before: Answer | None) -> Element:
    when = format_datetime(answer.answered_at) if answer.when else "okänd tid"
    changed = changes(before, answer)
    what = (
        "Första svaret"
        if before is None
        else ("Ändrat: " + ", ".join(changed) if changed else "Sparat igen utan ändringar")
    )
    action = answer.action
    return container(
        [
            text_block(f"Version {number} · {when}", weight="bolder"),
            text_block(f"{answer.answered_by} · {what}", subtle=True, spacing="none"),
            fact_set(
                [
                    ("Bedömning", answer.outcome),
                    ("Iakttagelser", shorten(answer.observations, _TEXT_CHARS)),
                    ("Åtgärd", shorten(action.text, _TEXT_CHARS) if action else ""),
                    ("Klart senast", format_date(action.due) if action and action.due else ""),
                ],
                spacing="small",
            ),
        ],
        separator=True,
        spacing="medium",
    )
