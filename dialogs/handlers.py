"""All the bot's routes on the Agents SDK application, and what happens when a turn fails.

Each feature registers its own routes (``answering``, ``status``, ``greeting``; team
channels and group chats in ``channel``, ahead of them all); this module builds the use
cases they share from the services.
"""

from __future__ import annotations

import logging

from microsoft_agents.activity import Activity, ActivityTypes
from microsoft_agents.hosting.core import AgentApplication, TurnContext, TurnState

from bot.actions import Actions
from bot.answers import Answers
from bot.domain.identity import User
from bot.evidence import EvidenceDesk, Shelf
from bot.logs import failure
from bot.reminders.manual import ManualReminders
from bot.reports.report import Reports
from bot.reports.status import StatusReports
from bot.services import Services
from cards.notice import notice_card
from dialogs import (
    answering,
    channel,
    evidence,
    followup,
    greeting,
    reminders,
    report,
    status,
)
from dialogs.commands import Command, parse_status
from dialogs.references import remember_reference
from dialogs.turn import Reply, Turns, card_response, send_invoke_response

logger = logging.getLogger(__name__)

SOMETHING_WRONG = (
    "Något gick fel hos mig. Om du inte fick ett kvitto är svaret inte sparat – "
    "försök igen om en stund."
)


def register(agent: AgentApplication[TurnState], services: Services) -> None:
    """Register every route of the bot on the agent application."""

    async def remember(activity: Activity, email: str) -> None:
        await remember_reference(services, activity, email)

    turns = Turns(services.directory, services.settings.lookup_timeout, remember)
    actions = Actions(
        services.plans,
        services.actions,
        services.clock,
        notify=services.writer.notify,
        journal=services.journal,
    )
    shelf = services.source if isinstance(services.source, Shelf) else None
    desk = EvidenceDesk(
        services.plans,
        services.journal,
        services.evidence,
        shelf,
        services.conversations,
        services.clock,
        notify=services.writer.notify,
    )
    answers = Answers(
        services.plans,
        services.journal,
        services.clock,
        notify=services.writer.notify,
        earlier=actions.earlier,
        drafts=services.drafts,
        on_open=desk.focus,
        evidence=desk.links,
    )
    reports = StatusReports(
        services.plans,
        services.clock,
        services.references.names,
        actions=services.actions,
        journal=services.journal,
    )

    async def private_list(user: User, text: str) -> Reply:
        return await answering.show_list(answers, user, text)

    async def private_status(user: User, text: str) -> Reply:
        return await status.show_status(reports, user, parse_status(text))

    async def private_actions(user: User, _text: str) -> Reply:
        return await followup.show_actions(actions, user)

    async def personal_chat(user_id: str) -> str | None:
        for stored in await services.references.for_user(user_id):
            conversation = stored.reference.get("conversation") or {}
            if str(conversation.get("conversationType", "")).casefold() == "personal":
                return stored.conversation_id
        return None

    private = {
        Command.LIST: private_list,
        Command.STATUS: private_status,
        Command.ACTIONS: private_actions,
    }
    channel.register(agent, turns, services.conversations, services.clock, private, personal_chat)
    answering.register(turns, answers)
    evidence.register(agent, turns, desk)
    status.register(turns, reports)
    report.register(
        turns,
        Reports(
            services.plans,
            services.clock,
            services.reports,
            services.references.names,
            actions=services.actions,
        ),
    )
    followup.register(turns, actions)

    async def reachable(email: str) -> bool:
        return bool(await services.references.reachable(email))

    reminders.register(turns, ManualReminders(services.reminders, reachable))
    greeting.register(agent, turns, services.conversations, services.clock)
    # The card verbs and typed commands every feature above handed to ``turns``.
    turns.add_routes(agent)
    agent.error(on_error)


async def on_error(context: TurnContext, error: Exception) -> None:
    """A turn failed: log it, and tell the user when the channel can still be reached."""
    logger.error(
        "Turn failed in conversation %s: %s", context.activity.conversation.id, failure(error)
    )
    try:
        if context.activity.type == ActivityTypes.invoke:
            # The answer goes back in the HTTP response: no call to the channel.
            body = card_response(notice_card(SOMETHING_WRONG, attention=True))
            await send_invoke_response(context, body)
        elif isinstance(error, TimeoutError):
            # The channel did not answer in time (aiohttp's timeouts are TimeoutErrors):
            # another message would only wait as long again, and hold the turn twice.
            logger.warning(
                "Nothing more sent to conversation %s: the channel did not answer in time",
                context.activity.conversation.id,
            )
        else:
            await context.send_activity(SOMETHING_WRONG)
    except Exception:  # the channel itself is unreachable: nothing more to tell anyone
        logger.warning(
            "Could not tell conversation %s about the failure", context.activity.conversation.id
        )
