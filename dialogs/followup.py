"""Following åtgärder, in a personal chat: ``mina åtgärder``, one åtgärd, its status saved.

The routes parse the card's action once, hand the use case (``bot.actions``) typed data
and turn its result into a card; every rule is the use case's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, assert_never

from bot.actions import (
    ActionInvalid,
    ActionOpened,
    Actions,
    ActionSaved,
    StatusForm,
    slot,
)
from bot.answers import new_nonce
from bot.domain.followup import Slot
from bot.domain.identity import User
from bot.domain.policy import Refusal
from cards.actions import OpenFollowup, SaveActionStatus, ShowActions
from cards.actions_followup import COMMENT, STATUS, action_card, actions_list_card
from dialogs.commands import Command
from dialogs.turn import Reply, Turns, refused_card


def register(turns: Turns, actions: Actions) -> None:
    """The routes of following åtgärder: the typed command and the card buttons."""

    async def typed(user: User, _text: str) -> Reply:
        return await show_actions(actions, user)

    async def clicked_list(user: User, _action: ShowActions, _inputs: Mapping[str, Any]) -> Reply:
        return await show_actions(actions, user)

    async def clicked_open(user: User, action: OpenFollowup, _inputs: Mapping[str, Any]) -> Reply:
        return shown(await actions.open(user, _slot(action)))

    async def clicked_save(
        user: User, action: SaveActionStatus, inputs: Mapping[str, Any]
    ) -> Reply:
        form = StatusForm(_text(inputs.get(STATUS)), _text(inputs.get(COMMENT)))
        return shown(await actions.set_status(user, _slot(action), action.nonce, form), form)

    turns.on_typed(Command.ACTIONS, typed)
    turns.on_card(ShowActions, clicked_list)
    turns.on_card(OpenFollowup, clicked_open)
    turns.on_card(SaveActionStatus, clicked_save)


def _slot(action: OpenFollowup | SaveActionStatus) -> Slot:
    return slot(action.plan, action.control, action.year, action.period)


def _text(value: object) -> str:
    # Anything but text (a forged card) counts as nothing typed; surrounding blanks go.
    return value.strip() if isinstance(value, str) else ""


async def show_actions(actions: Actions, user: User) -> Reply:
    """The user's open åtgärder."""
    mine = await actions.mine(user)
    items = [(a.tracked, a.control) for a in mine.actions]
    return Reply(card=actions_list_card(items, mine.done, mine.today))


def shown(
    result: ActionOpened | ActionSaved | ActionInvalid | Refusal, form: StatusForm | None = None
) -> Reply:
    """The status card (fresh, saved, or with its errors and the values as typed), or why not."""
    match result:
        case ActionOpened(action, nonce, today):
            card = action_card(action.tracked, action.control, action.plan_name, nonce, today)
            return Reply(card=card)
        case ActionSaved(action, _, today):
            # A fresh nonce: the next status is a new update, not this one again.
            card = action_card(
                action.tracked, action.control, action.plan_name, new_nonce(), today, saved=True
            )
            return Reply(card=card)
        case ActionInvalid(action, nonce, today, errors):
            values = {STATUS: form.status, COMMENT: form.comment} if form else None
            card = action_card(
                action.tracked,
                action.control,
                action.plan_name,
                nonce,
                today,
                values=values,
                errors=errors,
            )
            return Reply(card=card)
        case Refusal(reason):
            return Reply(card=refused_card(reason))
        case unreachable:
            assert_never(unreachable)
