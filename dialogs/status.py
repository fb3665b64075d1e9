"""The status of a term, in a personal chat: ``status …``, the unanswered, the summary sheet.

The use cases (``bot.reports.status``) decide what each user sees and may write; these
routes turn their results into cards.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, assert_never

from bot.domain.identity import User
from bot.domain.namnder import NoPlanForYear, UnknownNamnd
from bot.domain.policy import Refusal
from bot.reports.status import StatusQuery, StatusReports, SummariesWritten
from cards.actions import ShowStatus, ShowUnanswered, WriteSummary
from cards.report import no_plan_card, unknown_namnd_card
from cards.status import status_card
from cards.summary_written import summary_written_card
from cards.unanswered import unanswered_card
from dialogs.commands import Command, parse_status
from dialogs.turn import Reply, Turns, refused_card

STRATEGISTS_ONLY = (
    "Den fullständiga sammanställningen är till för kvalitetsstrategerna. Här är status "
    "för dina egna kontrollmoment."
)
ROLE_UNKNOWN = (
    "Jag kunde inte kontrollera om du är kvalitetsstrateg just nu, så här är bara status för "
    "dina egna kontrollmoment. Försök igen om en stund för hela sammanställningen."
)


def register(turns: Turns, reports: StatusReports) -> None:
    """The routes of the status: ``status …`` and the status card's buttons."""

    async def typed_status(user: User, text: str) -> Reply:
        return await show_status(reports, user, parse_status(text))

    async def clicked_status(user: User, action: ShowStatus, _inputs: Mapping[str, Any]) -> Reply:
        query = StatusQuery(action.period, action.year, action.namnd)
        return await show_status(reports, user, query, full=action.full)

    async def clicked_unanswered(
        user: User, action: ShowUnanswered, _inputs: Mapping[str, Any]
    ) -> Reply:
        query = StatusQuery(action.period, action.year, action.namnd)
        return await show_status(reports, user, query, unanswered_only=True)

    async def clicked_write(user: User, action: WriteSummary, _inputs: Mapping[str, Any]) -> Reply:
        query = StatusQuery(action.period, action.year, action.namnd)
        return written(await reports.write(user, query))

    turns.on_typed(Command.STATUS, typed_status)
    turns.on_card(ShowStatus, clicked_status)
    turns.on_card(ShowUnanswered, clicked_unanswered)
    turns.on_card(WriteSummary, clicked_write)


async def show_status(
    reports: StatusReports,
    user: User,
    query: StatusQuery,
    *,
    full: bool = False,
    unanswered_only: bool = False,
) -> Reply:
    """The status card (or the unanswered), with a word when it is only the user's own."""
    shown = await reports.show(user, query)
    if isinstance(shown, UnknownNamnd):
        term = reports.term(query)
        return Reply(card=unknown_namnd_card(shown, year=term.year, period=term.period))
    if isinstance(shown, NoPlanForYear):
        return Reply(card=no_plan_card(shown))
    summary, can_write = shown.summary, shown.can_write
    if unanswered_only:
        card = unanswered_card(summary, can_write=can_write)
        text = None
    else:
        card = status_card(
            summary, full=full, pending=shown.pending, can_write=can_write, names=shown.names
        )
        text = None if shown.everything else STRATEGISTS_ONLY
    if user.role_unknown:
        # Maybe a strategist whose group Graph could not confirm: say why the summary is
        # only their own, rather than that it is not for them.
        text = ROLE_UNKNOWN
    return Reply(card=card, text=text)


def written(result: SummariesWritten | Refusal) -> Reply:
    """What was written to which workbook, or why nothing was."""
    match result:
        case SummariesWritten(results, term, namnd):
            card = summary_written_card(results, year=term.year, period=term.period, namnd=namnd)
            return Reply(card=card)
        case Refusal(reason):
            return Reply(card=refused_card(reason))
        case unreachable:
            assert_never(unreachable)
