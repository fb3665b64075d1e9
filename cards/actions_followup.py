"""The "mina åtgärder" cards: the list of open åtgärder, and one åtgärd's status card.

Pure functions of domain data. The status card's input ids are the contract with the
form parsed in ``dialogs/followup.py``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date

from bot.domain.followup import ActionStatus, TrackedAction
from bot.domain.model import Control
from cards.actions import OpenFollowup, SaveActionStatus, ShowActions, ShowHelp
from cards.common import (
    Element,
    action_set,
    adaptive_card,
    button,
    container,
    days_text,
    fact_set,
    format_date,
    format_datetime,
    heading,
    shorten,
    text_block,
)

TITLE = "Mina åtgärder"
STATUS = "action_status"
COMMENT = "action_comment"
COMMENT_MAX = 2000
SAVE_TITLE = "Spara status"
_ITEMS_BUDGET = 22_000
_TEXT_CHARS = 160


def term_label(action: TrackedAction) -> str:
    """Where an åtgärd comes from: "Delår 2 2026"."""
    return f"{action.period.label} {action.year}"


def due_line(action: TrackedAction, today: date) -> tuple[str, str | None]:
    """Klart senast as a line, and its colour (attention when overdue)."""
    due = action.action.due
    if due is None:
        return "Klart senast: inget datum angivet", None
    late = action.days_overdue(today)
    if late:
        return f"Klart senast {format_date(due)} · försenad {days_text(late)}", "attention"
    return f"Klart senast {format_date(due)}", None


def _payload(action: TrackedAction) -> OpenFollowup:
    return OpenFollowup(
        plan=action.plan_key, control=action.control_id, year=action.year, period=action.period
    )


def actions_list_card(
    items: Sequence[tuple[TrackedAction, Control]], done: int, today: date, *, limit: int = 25
) -> Element:
    """The user's open åtgärder (oldest Klart senast first), each with an Uppdatera button."""
    if not items:
        text = "Du har inga öppna åtgärder."
        if done:
            text += f" {done} av dina åtgärder är klara."
        return adaptive_card(
            [
                heading(TITLE),
                text_block(text),
                text_block(
                    "Här visas de åtgärder där du är åtgärdsansvarig (eller ansvarig för "
                    "kontrollmomentet) i svaren på internkontrollplanen.",
                    subtle=True,
                ),
            ],
            [button("Hjälp", ShowHelp())],
        )
    late = sum(1 for a, _ in items if a.days_overdue(today))
    summary = f"Du har {len(items)} öppna åtgärder" if len(items) != 1 else "Du har 1 öppen åtgärd"
    if late:
        summary += f", varav {late} försenade" if late != 1 else ", varav 1 försenad"
    summary += "." + (f" {done} är klara." if done else "")
    body: list[Element | None] = [heading(TITLE), text_block(summary, subtle=True, spacing="none")]
    used = shown = 0
    for action, control in items[: max(limit, 0)]:
        item = _item(action, control, today)
        used += len(json.dumps(item, ensure_ascii=False).encode("utf-8", "surrogatepass"))
        if used > _ITEMS_BUDGET and shown:
            break
        body.append(item)
        shown += 1
    if len(items) > shown:
        body.append(text_block(f"… och {len(items) - shown} till.", separator=True))
    return adaptive_card(body)


def _item(action: TrackedAction, control: Control, today: date) -> Element:
    due, colour = due_line(action, today)
    return container(
        [
            text_block(shorten(action.action.text, _TEXT_CHARS), weight="bolder"),
            text_block(
                f"Kontrollmoment {control.id} – {shorten(control.description, 90)}",
                subtle=True,
                spacing="none",
            ),
            text_block(f"{term_label(action)} · Status: {action.status.value}", spacing="none"),
            text_block(due, color=colour, spacing="none"),
            action_set([button("Uppdatera status", _payload(action))]),
        ],
        separator=True,
    )


def action_card(
    action: TrackedAction,
    control: Control,
    plan_name: str,
    nonce: str,
    today: date,
    *,
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    saved: bool = False,
) -> Element:
    """One åtgärd: where it comes from, its state, and the status form (``saved``: say that
    the status just given is saved)."""
    errors = errors or {}
    values = values or {STATUS: action.status.value, COMMENT: action.comment}
    due, colour = due_line(action, today)
    who = (
        f"Senast uppdaterad {format_datetime(action.updated_at)} av {action.updated_by}"
        if action.updated_by
        else ""
    )
    body: list[Element | None] = [
        heading(f"Åtgärd · kontrollmoment {control.id}"),
        text_block(plan_name, subtle=True, spacing="none") if plan_name else None,
        _saved_note(action) if saved else None,
        _errors(errors),
        text_block(action.action.text, weight="bolder", spacing="medium"),
        fact_set(
            [
                ("Kontrollmoment", shorten(control.description, 300)),
                ("Svar för", term_label(action)),
                ("Åtgärdsansvarig", action.action.owner),
                ("Status", action.status.value),
                ("Kommentar", action.comment),
            ]
        ),
        text_block(due, color=colour, spacing="small"),
        text_block(who, subtle=True, spacing="none") if who else None,
        heading("Ny status", size="medium"),
        {
            "type": "Input.ChoiceSet",
            "id": STATUS,
            "label": "Status",
            "style": "expanded",
            "isRequired": True,
            "errorMessage": "Välj en status.",
            "value": values.get(STATUS, ""),
            "choices": [{"title": s.value, "value": s.value} for s in ActionStatus],
        },
        _error_line(errors.get(STATUS)),
        {
            "type": "Input.Text",
            "id": COMMENT,
            "label": "Kommentar",
            "isMultiline": True,
            "maxLength": COMMENT_MAX,
            "placeholder": "Vad har gjorts, vad återstår?",
            "value": values.get(COMMENT, "")[:COMMENT_MAX],
        },
        _error_line(errors.get(COMMENT)),
    ]
    save = SaveActionStatus(
        plan=action.plan_key,
        control=action.control_id,
        year=action.year,
        period=action.period,
        nonce=nonce,
    )
    buttons = [
        button(SAVE_TITLE, save, style="positive"),
        button("Tillbaka till mina åtgärder", ShowActions(), with_inputs=False),
    ]
    return adaptive_card(body, buttons)


def _saved_note(action: TrackedAction) -> Element:
    text = f"Status sparad: {action.status.value}. Den skrivs till bladet Åtgärder i Excel."
    return container([text_block(text, color="good", weight="bolder")], style="good")


def _errors(errors: Mapping[str, str]) -> Element | None:
    if not errors:
        return None
    return container(
        [text_block("Statusen är inte sparad. Rätta det som är markerat.", color="attention")],
        style="attention",
    )


def _error_line(message: str | None) -> Element | None:
    return text_block(message, color="attention", spacing="none") if message else None
