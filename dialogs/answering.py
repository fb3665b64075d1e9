"""Answering, in a personal chat: the list, the answer card, saving an answer, the next one.

The routes parse the card's action once, hand the use case (``bot.answers``) typed data
and turn its result into a card; every rule is the use case's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, assert_never

from microsoft_agents.hosting.core import AgentApplication, TurnState

from bot.answers import (
    AllDone,
    Answers,
    Conflict,
    Invalid,
    Listed,
    Opened,
    Saved,
    Stale,
    Submission,
)
from bot.domain.identity import User
from bot.domain.model import ControlKey
from bot.domain.periods import Term
from bot.domain.policy import Refusal, Target
from cards.actions import LeaveCard, NextControl, OpenControl, ShowList, SubmitAnswer
from cards.answer import answer_card
from cards.listing import list_card
from cards.notice import notice_card
from cards.receipt import receipt_card
from dialogs.commands import Command, parse_list
from dialogs.form import CardInputs
from dialogs.turn import Reply, Turns, refused_card

ALL_DONE = "Alla dina kontrollmoment för perioden är besvarade. Tack!"


def register(agent: AgentApplication[TurnState], turns: Turns, answers: Answers) -> None:
    """The routes of answering: ``mina kontroller`` and the list, open, submit, next buttons."""

    async def typed_list(user: User, text: str) -> Reply:
        return await show_list(answers, user, text)

    async def clicked_list(user: User, _action: ShowList, _inputs: Mapping[str, Any]) -> Reply:
        return await show_list(answers, user)

    async def clicked_open(user: User, action: OpenControl, _inputs: Mapping[str, Any]) -> Reply:
        return opened(await answers.open(user, target(action)))

    async def clicked_submit(user: User, action: SubmitAnswer, inputs: Mapping[str, Any]) -> Reply:
        form = CardInputs(inputs)
        submission = Submission(target(action), action.nonce, action.base)
        return submitted(await answers.submit(user, submission, form), form)

    async def clicked_back(user: User, action: LeaveCard, inputs: Mapping[str, Any]) -> Reply:
        listed = await answers.back(user, target(action), CardInputs(inputs).values(), action.base)
        return Reply(card=list_card(listed.assignments, listed.today))

    async def clicked_next(user: User, action: NextControl, _inputs: Mapping[str, Any]) -> Reply:
        return opened(await answers.next_after(user, target(action)))

    turns.on_typed(agent, Command.LIST, typed_list)
    turns.on_card(agent, ShowList, clicked_list)
    turns.on_card(agent, OpenControl, clicked_open)
    turns.on_card(agent, SubmitAnswer, clicked_submit)
    turns.on_card(agent, LeaveCard, clicked_back)
    turns.on_card(agent, NextControl, clicked_next)


def target(action: OpenControl | SubmitAnswer | NextControl | LeaveCard) -> Target:
    """The control and term a card's button points at."""
    return Target(ControlKey(action.plan, action.control), Term(action.year, action.period))


async def show_list(answers: Answers, user: User, text: str = "") -> Reply:
    """The user's list of kontrollmoment (also sent privately from a team channel); the
    text may ask for a period: ``mina kontroller delår 2``."""
    query = parse_list(text)
    listed: Listed = await answers.my_assignments(user, query.period, query.year)
    return Reply(card=list_card(listed.assignments, listed.today))


def opened(result: Opened | AllDone | Refusal) -> Reply:
    """The answer card, the "all done" notice, or why not."""
    match result:
        case Opened(assignment, options, nonce, today, base, draft):
            if draft is None:
                return Reply(card=answer_card(assignment, options, nonce, today, base=base))
            card = answer_card(
                assignment,
                options,
                nonce,
                today,
                values=draft.values,
                base=base,
                draft_saved=draft.saved_at,
            )
            return Reply(card=card)
        case AllDone():
            return Reply(card=notice_card(ALL_DONE, title="Klart"))
        case Refusal(reason):
            return Reply(card=refused_card(reason))
        case unreachable:
            assert_never(unreachable)


def submitted(result: Saved | Invalid | Conflict | Refusal | Stale, form: CardInputs) -> Reply:
    """The receipt, the same card with its errors and the values as typed, the newer
    answer that the card would replace, or why not."""
    match result:
        case Saved(assignment, answer, pending, has_next):
            return Reply(card=receipt_card(assignment, answer, pending=pending, has_next=has_next))
        case Invalid(assignment, options, nonce, today, errors, base):
            values = form.values()
            card = answer_card(
                assignment, options, nonce, today, values=values, errors=errors, base=base
            )
            return Reply(card=card)
        case Conflict(assignment, options, nonce, today, newer, base):
            card = answer_card(
                assignment, options, nonce, today, values=form.values(), base=base, newer=newer
            )
            return Reply(card=card)
        case Refusal(reason) | Stale(reason):
            return Reply(card=refused_card(reason))
        case unreachable:
            assert_never(unreachable)
