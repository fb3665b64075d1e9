"""Underlag in the personal chat: files attached to a message, or a pasted link, go to the
control the sender has open (``bot.evidence``); the answer says what was attached."""

from __future__ import annotations

from typing import assert_never

from microsoft_agents.activity import ActivityTypes
from microsoft_agents.hosting.core import AgentApplication, RouteRank, TurnContext, TurnState

from bot.domain.identity import User
from bot.domain.policy import Refusal
from bot.evidence import Attached, EvidenceDesk
from cards.evidence import evidence_card
from dialogs.activity import is_shared
from dialogs.attachments import download, incoming_files, is_evidence, pasted_links
from dialogs.turn import Reply, Turns, refused_card, send


def register(agent: AgentApplication[TurnState], turns: Turns, desk: EvidenceDesk) -> None:
    """The route for files and links sent in the personal chat."""

    async def route(context: TurnContext, _state: TurnState) -> None:
        activity = context.activity
        files = incoming_files(activity)
        links = pasted_links(activity.text or "")

        async def attach(user: User) -> Reply:
            return attached(await desk.attach(user, files, links, download))

        await send(context, await turns.for_user(context, attach))

    def selector(context: TurnContext) -> bool:
        activity = context.activity
        return (
            activity.type == ActivityTypes.message
            and not is_shared(activity)
            and is_evidence(activity)
        )

    # Ahead of the typed commands: a file sent with a text that happens to be one ("tack",
    # "mina kontroller") is underlag all the same, never dropped. (The other first routes
    # are the shared chats', which this one never takes.)
    agent.add_route(selector, route, rank=RouteRank.FIRST)


def attached(result: Attached | Refusal) -> Reply:
    """What was attached, or why nothing could be."""
    match result:
        case Attached(control_id, term, added, refused, items, in_answer):
            card = evidence_card(
                result.plan_key,
                control_id,
                term,
                added,
                refused,
                [(i.name, i.location) for i in items],
                in_answer=in_answer,
            )
            return Reply(card=card)
        case Refusal(reason):
            return Reply(card=refused_card(reason))
        case unreachable:
            assert_never(unreachable)
