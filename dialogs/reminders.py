"""The strategist's "Påminn obesvarade": preview, confirm, result (buttons on the status
and unanswered cards, or typed)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, assert_never

from bot.domain.identity import User
from bot.domain.periods import requested_term
from bot.domain.policy import Refusal
from bot.reminders.manual import ManualReminders, Preview, Reminded, Scope
from cards.actions import RemindConfirm, RemindPreview
from cards.reminder import remind_preview_card, remind_result_card
from dialogs.commands import Command, normalise, parse_status
from dialogs.turn import Reply, Turns, refused_card


def register(turns: Turns, manual: ManualReminders) -> None:
    """The routes of "Påminn obesvarade"."""

    async def typed(user: User, text: str) -> Reply:
        # "påminn obesvarade [period] [år] [nämnd]": read like a status after two words.
        words = text.split()
        skip = 2 if len(words) > 1 and normalise(words[1]) == "obesvarade" else 1
        query = parse_status(" ".join(["status", *words[skip:]]))
        today = manual.today()
        term = requested_term(query.period, query.year, today)
        return preview(await manual.preview(user, Scope(term.year, term.period, query.namnd)))

    async def clicked_preview(
        user: User, action: RemindPreview, _inputs: Mapping[str, Any]
    ) -> Reply:
        return preview(await manual.preview(user, Scope(action.year, action.period, action.namnd)))

    async def clicked_confirm(
        user: User, action: RemindConfirm, _inputs: Mapping[str, Any]
    ) -> Reply:
        return result(await manual.send(user, Scope(action.year, action.period, action.namnd)))

    turns.on_typed(Command.REMIND, typed)
    turns.on_card(RemindPreview, clicked_preview)
    turns.on_card(RemindConfirm, clicked_confirm)


def preview(found: Preview | Refusal) -> Reply:
    """The preview card, or why there is none."""
    match found:
        case Preview(scope, items, unreachable, already):
            card = remind_preview_card(
                items,
                unreachable,
                already,
                year=scope.year,
                period=scope.period,
                namnd=scope.namnd,
                today=found.today,
            )
            return Reply(card=card)
        case Refusal(reason):
            return Reply(card=refused_card(reason))
        case unreachable_case:
            assert_never(unreachable_case)


def result(done: Reminded | Refusal) -> Reply:
    """The result card, or why nothing was sent."""
    match done:
        case Reminded(scope, report, already):
            card = remind_result_card(
                report.sent, report.unreachable, report.failed, already, scope=scope.label
            )
            return Reply(card=card)
        case Refusal(reason):
            return Reply(card=refused_card(reason))
        case unreachable_case:
            assert_never(unreachable_case)
