"""The "mina kontroller" card: the person's kontrollmoment and where each one stands."""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from datetime import date

from bot.domain.assignments import AnswerState, Assignment
from bot.domain.model import Control
from cards.actions import OpenControl, ShowHelp
from cards.common import (
    Element,
    action_set,
    adaptive_card,
    button,
    container,
    days_text,
    format_date,
    heading,
    join_words,
    shorten,
    source_line,
    text_block,
)
from cards.fitted import FittedCard, fitted

TITLE = "Mina kontroller"
EMPTY_TEXT = "Du har inga kontrollmoment att besvara just nu."

# Teams refuses cards over 28 KB. Texts are shortened so that 25 items stay far below
# that, and the items stop early at this many bytes of JSON whatever the ids' lengths are
# (the rest are counted in "… och N till"), leaving room for the activity around the card.
_DESCRIPTION_CHARS = 120
_SOURCE_CHARS = 90
_ITEMS_BUDGET = 23_000


# Lists kept, built and fitted: "mina kontroller" asked again with nothing changed (the same
# assignments, answers and day) gets the card it got, without building and measuring it.
_KEPT_LISTS = 128


def list_card(assignments: Sequence[Assignment], today: date, *, limit: int = 25) -> Element:
    """The person's assignments (at most ``limit``, fewer if the card gets too big), fitted
    to the size limit; the same assignments on the same day give the very same card (it
    must not be changed)."""
    try:
        return _kept(tuple(assignments), today, limit)
    except TypeError:  # something in an assignment cannot be hashed: build it anew
        return fitted(_build(assignments, today, limit))


@functools.lru_cache(maxsize=_KEPT_LISTS)
def _kept(assignments: tuple[Assignment, ...], today: date, limit: int) -> FittedCard:
    return fitted(_build(assignments, today, limit))


def _build(assignments: Sequence[Assignment], today: date, limit: int) -> Element:
    if not assignments:
        return adaptive_card(
            [
                heading(TITLE),
                text_block(EMPTY_TEXT),
                text_block(
                    "Kontrollmomenten där du står som ansvarig i nämndens internkontrollplan "
                    "visas här när deras period öppnar. Skriv ”hjälp” om du undrar något.",
                    subtle=True,
                ),
            ],
            [button("Hjälp", ShowHelp())],
        )
    terms = sorted({a.term for a in assignments})
    body: list[Element | None] = [
        heading(f"{TITLE} – {join_words([t.label for t in terms])}"),
        text_block(_summary(assignments, today), subtle=True, spacing="none"),
    ]
    previous, used, shown = "", 0, 0
    for assignment in assignments[: max(limit, 0)]:
        # The nämnd and plan are said once per run of items from the same plan: easier to
        # read, and it keeps the card small.
        source = source_line(assignment.control.namnd, assignment.plan_name)
        item = _item(assignment, today, "" if source == previous else source)
        compact = json.dumps(item, ensure_ascii=False, separators=(",", ":"))
        used += len(compact.encode("utf-8", "surrogatepass"))  # measuring must never raise
        if used > _ITEMS_BUDGET and shown:
            break
        body.append(item)
        previous, shown = source, shown + 1
    hidden = len(assignments) - shown
    if hidden > 0:
        body.append(text_block(f"… och {hidden} till.", separator=True, spacing="medium"))
    return adaptive_card(body)


def _summary(assignments: Sequence[Assignment], today: date) -> str:
    total = len(assignments)
    open_ = [a for a in assignments if a.state is AnswerState.UNANSWERED]
    late = sum(1 for a in open_ if a.days_overdue(today) > 0)
    text = f"Du har {total} kontrollmoment"
    if not open_:
        return f"{text}, och alla är besvarade. Tack!"
    unanswered = "obesvarat" if len(open_) == 1 else "obesvarade"
    text = f"{text}, varav {len(open_)} {unanswered}"
    if late:
        text += f" ({late} {'försenat' if late == 1 else 'försenade'})"
    if not any(a.can_answer for a in assignments):
        return f"{text}. Du kan svara när perioden öppnar."
    return f"{text}."


def _item(assignment: Assignment, today: date, source: str) -> Element:
    control = assignment.control
    deadline = f"{assignment.term.label} · Sista svarsdag {format_date(assignment.due)}"
    title = f"{control.id} – {shorten(control.description, _DESCRIPTION_CHARS)}"
    return container(
        [
            text_block(title, weight="bolder"),
            text_block(shorten(source, _SOURCE_CHARS), subtle=True, spacing="none")
            if source
            else None,
            text_block(deadline, spacing="none"),
            None if control.has_owner else text_block(_no_owner(control), spacing="none"),
            _state_line(assignment, today),
            _open_button(assignment, today),
        ],
        separator=True,
    )


def _no_owner(control: Control) -> str:
    named = f" ({shorten(control.owner, 60)})" if control.owner.strip() else ""
    return f"Saknar ansvarig{named} – du kan svara som strateg"


def _state_line(assignment: Assignment, today: date) -> Element:
    state = assignment.state
    text = state.label
    if assignment.answer is not None and state is not AnswerState.UNANSWERED:
        # What was answered, not only that it was: "Besvarad · Mindre avvikelse".
        text = f"{text} · {shorten(assignment.answer.outcome, 80)}"
    color = None
    if state is AnswerState.UNANSWERED:
        late = assignment.days_overdue(today)
        if late:
            text = f"{text} · försenad {days_text(late)}"
            color = "attention"
    elif state is AnswerState.ANSWERED:
        color = "good"
    else:
        color = "warning"
    return text_block(text, color=color, weight="bolder", spacing="none")


def _open_button(assignment: Assignment, today: date) -> Element:
    if not assignment.can_answer:
        opens = assignment.term.opens
        note = f"Öppnar {format_date(opens)}" if opens > today else "Går inte att besvara nu"
        return text_block(note, subtle=True, spacing="small")
    control, term = assignment.control, assignment.term
    payload = OpenControl(
        plan=control.plan_key, control=control.id, year=term.year, period=term.period
    )
    if assignment.state is AnswerState.UNANSWERED:
        return action_set([button("Svara", payload)])
    return action_set([button("Ändra svar", payload)])
