"""The follow-up report in a personal chat: ``rapport helår``, ``rapport delår 2 2026
Socialnämnden`` and the status card's "Skapa rapport" (strategists only)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, assert_never

from bot.domain.identity import User
from bot.domain.namnder import NoPlanForYear, UnknownNamnd
from bot.domain.policy import Refusal
from bot.reports.report import NoPlans, ReportFailed, ReportMade, ReportResult, Reports
from bot.reports.status import StatusQuery
from cards.actions import MakeReport
from cards.notice import notice_card
from cards.report import no_plan_card, report_failed_card, report_made_card, unknown_namnd_card
from dialogs.commands import Command, parse_status
from dialogs.turn import Reply, Turns, refused_card

NO_PLANS = "Ingen kontrollplan kunde läsas just nu, så ingen rapport skrevs."


def register(turns: Turns, reports: Reports) -> None:
    """The routes of the report: ``rapport …`` and the "Skapa rapport" button."""

    async def typed_report(user: User, text: str) -> Reply:
        return await make_report(reports, user, parse_status(text))

    async def clicked_report(user: User, action: MakeReport, _inputs: Mapping[str, Any]) -> Reply:
        return await make_report(
            reports, user, StatusQuery(action.period, action.year, action.namnd)
        )

    turns.on_typed(Command.REPORT, typed_report)
    turns.on_card(MakeReport, clicked_report)


async def make_report(reports: Reports, user: User, query: StatusQuery) -> Reply:
    """Write the report and say where it is (or why there is none)."""
    term = reports.term(query)
    result: ReportResult = await reports.write(user, query)
    match result:
        case ReportMade(saved, title, recipient, made_term, controls, namnd):
            card = report_made_card(
                title=title,
                recipient=recipient,
                controls=controls,
                file_name=saved.name,
                where=saved.where,
                url=saved.url,
                new_version=saved.new_version,
                year=made_term.year,
                period=made_term.period,
                namnd=namnd,
            )
            return Reply(card=card)
        case ReportFailed(reason):
            card = report_failed_card(reason, year=term.year, period=term.period, namnd=query.namnd)
            return Reply(card=card)
        case Refusal(reason):
            return Reply(card=refused_card(reason))
        case UnknownNamnd():
            return Reply(card=unknown_namnd_card(result, year=term.year, period=term.period))
        case NoPlanForYear():
            return Reply(card=no_plan_card(result))
        case NoPlans():
            return Reply(card=notice_card(NO_PLANS, attention=True))
        case unreachable:
            assert_never(unreachable)
