"""Answering, in a personal chat: the list, the answer card, saving an answer, the next one.

The routes parse the card's action once, hand the use case (``bot.answers``) typed data
and turn its result into a card; every rule is the use case's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, assert_never

from bot.answers import (
    AllDone,
    Answers,
    Conflict,
    History,
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
from cards.actions import (
    FromReceipt,
    LeaveCard,
    NextControl,
    OpenControl,
    ShowHistory,
    ShowList,
    ShowReceipt,
    SubmitAnswer,
)
from cards.answer import answer_card
from cards.history import history_card
from cards.listing import list_card
from cards.notice import notice_card
from cards.receipt import receipt_card
from dialogs.commands import Command, parse_list
from dialogs.form import CardInputs
from dialogs.turn import Card, Reply, Turns, refused_card

ALL_DONE = "Alla dina kontrollmoment för perioden är besvarade. Tack!"


def register(turns: Turns, answers: Answers) -> None:
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
        return submitted(await answers.submit(user, submission, form), form, user)

    async def clicked_receipt(user: User, action: ShowReceipt, _inputs: Mapping[str, Any]) -> Reply:
        return receipt(await answers.receipt(user, target(action), action.answer), user)

    async def clicked_history(user: User, action: ShowHistory, _inputs: Mapping[str, Any]) -> Reply:
        return history(await answers.history(user, target(action)))

    async def clicked_from_receipt(
        user: User, action: FromReceipt, _inputs: Mapping[str, Any]
    ) -> Reply:
        # The receipt stays in the chat (brought up to date); what was asked for comes as a
        # new message below it.
        where = target(action)
        match action.to:
            case "list":
                reply = await show_list(answers, user)
            case "next":
                reply = opened(await answers.next_after(user, where))
            case "change":
                reply = opened(await answers.open(user, where))
            case "history":
                reply = history(await answers.history(user, where))
            case unreachable:
                assert_never(unreachable)
        current = receipt(await answers.receipt(user, where, action.answer), user)
        return Reply(card=reply.card, text=reply.text, stay=current.card)

    async def clicked_back(user: User, action: LeaveCard, inputs: Mapping[str, Any]) -> Reply:
        listed = await answers.back(user, target(action), CardInputs(inputs).values(), action.base)
        return Reply(card=list_card(listed.assignments, listed.today))

    async def clicked_next(user: User, action: NextControl, _inputs: Mapping[str, Any]) -> Reply:
        return opened(await answers.next_after(user, target(action)))

    turns.on_typed(Command.LIST, typed_list)
    turns.on_card(ShowList, clicked_list)
    turns.on_card(OpenControl, clicked_open)
    turns.on_card(SubmitAnswer, clicked_submit)
    turns.on_card(LeaveCard, clicked_back)
    turns.on_card(ShowReceipt, clicked_receipt)
    turns.on_card(FromReceipt, clicked_from_receipt)
    turns.on_card(ShowHistory, clicked_history)
    turns.on_card(NextControl, clicked_next)


def target(
    action: OpenControl
    | SubmitAnswer
    | NextControl
    | LeaveCard
    | ShowReceipt
    | FromReceipt
    | ShowHistory,
) -> Target:
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
        case Opened(assignment, options, nonce, today, base, draft, earlier):
            card = answer_card(
                assignment,
                options,
                nonce,
                today,
                values=draft.values if draft is not None else None,
                base=base,
                draft_saved=draft.saved_at if draft is not None else None,
                earlier=earlier,
            )
            return Reply(card=card)
        case AllDone():
            return Reply(card=notice_card(ALL_DONE, title="Klart"))
        case Refusal(reason):
            return Reply(card=refused_card(reason))
        case unreachable:
            assert_never(unreachable)


def receipt(result: Saved | Refusal | Stale, user: User) -> Reply:
    """The receipt as it stands now, or why not."""
    match result:
        case Saved():
            return Reply(card=receipt_of(result, user))
        case Refusal(reason) | Stale(reason):
            return Reply(card=refused_card(reason))
        case unreachable:
            assert_never(unreachable)


def receipt_of(saved: Saved, user: User) -> Card:
    """The receipt card of a saved answer, refreshed by the saver's Teams."""
    return receipt_card(
        saved.assignment,
        saved.answer,
        pending=saved.pending,
        has_next=saved.has_next,
        written_at=saved.written_at,
        waiting=saved.waiting,
        newer=saved.newer,
        user_id=user.key,
    )


def history(result: History | Refusal) -> Reply:
    """Every version of an answer, or why not."""
    match result:
        case History(assignment, versions):
            return Reply(card=history_card(assignment, versions))
        case Refusal(reason):
            return Reply(card=refused_card(reason))
        case unreachable:
            assert_never(unreachable)


def submitted(
    result: Saved | Invalid | Conflict | Refusal | Stale, form: CardInputs, user: User
) -> Reply:
    """The receipt, the same card with its errors and the values as typed, the newer
    answer that the card would replace, or why not."""
    match result:
        case Saved():
            return Reply(card=receipt_of(result, user))
        case Invalid(assignment, options, nonce, today, errors, base, earlier):
            values = form.values()
            card = answer_card(
                assignment,
                options,
                nonce,
                today,
                values=values,
                errors=errors,
                base=base,
                earlier=earlier,
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
