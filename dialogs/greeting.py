"""Greeting, help and "not understood", in a personal chat; and card data nobody routes.

The welcome is sent once per conversation (Teams says "installed" and "added" at the same
moment): the conversation's state remembers it, updated atomically by the store.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, assert_never

from microsoft_agents.activity import ActivityTypes
from microsoft_agents.hosting.core import AgentApplication, RouteRank, TurnContext, TurnState

from bot.domain.clock import Clock
from bot.domain.identity import User
from cards.actions import RunCommand, ShowHelp
from cards.common import shorten
from cards.notice import did_you_mean_card
from cards.welcome import help_card, welcome_card
from dialogs.activity import is_card_invoke, is_card_submit, is_greeting, is_shared, sender_id
from dialogs.commands import Command, suggest
from dialogs.flow import ConversationState, Event, Greeted, SaidHello, ShowWelcome, step
from dialogs.turn import (
    Reply,
    Turns,
    bad_card,
    card_response,
    send,
    send_invoke_response,
)

NOT_UNDERSTOOD = (
    "Jag förstod inte riktigt. Skriv **mina kontroller** för att se och besvara dina "
    "kontrollmoment, eller **hjälp** för att se vad jag kan."
)
THANKS = "Varsågod! Skriv **mina kontroller** när du vill se dina kontrollmoment igen."


def register(
    agent: AgentApplication[TurnState],
    turns: Turns,
    conversations: ConversationState,
    clock: Clock,
) -> None:
    """The routes of greeting, help and "not understood", and the fallbacks for cards."""

    async def welcome(context: TurnContext, event: Event) -> Reply:
        activity = context.activity
        key = f"{activity.conversation.id}|{sender_id(activity)}"
        reply = Reply()
        for effect in await step(conversations, key, event, clock.now()):
            match effect:
                case ShowWelcome():
                    reply = Reply(card=welcome_card())
                case unreachable:
                    assert_never(unreachable)
        return reply

    async def on_greeting(context: TurnContext, _state: TurnState) -> None:
        await send(context, await turns.for_anyone(context, lambda: welcome(context, Greeted())))

    async def said_hello(context: TurnContext) -> Reply:
        return await welcome(context, SaidHello())

    async def typed_help(user: User, _text: str) -> Reply:
        return Reply(card=help_card(strategist=user.strategist))

    async def clicked_help(user: User, _action: ShowHelp, _inputs: Mapping[str, Any]) -> Reply:
        return Reply(card=help_card(strategist=user.strategist))

    async def typed_thanks(_user: User, _text: str) -> Reply:
        return Reply(text=THANKS)

    async def clicked_command(user: User, action: RunCommand, _inputs: Mapping[str, Any]) -> Reply:
        act = turns.typed_act(action.text)
        if act is None:  # a forged or outdated suggestion
            return Reply(card=bad_card())
        return await act(user, action.text)

    async def on_other_message(context: TurnContext, _state: TurnState) -> None:
        if is_card_submit(context.activity):
            # An Action.Submit whose verb no route knows: an old or a forged card.
            await send(context, Reply(card=bad_card()))
            return
        text = context.activity.text or ""

        async def not_understood() -> Reply:
            suggestion = suggest(text)
            if suggestion is not None and turns.typed_act(suggestion) is not None:
                return Reply(card=did_you_mean_card(shorten(text, 80), suggestion))
            return Reply(text=NOT_UNDERSTOOD)

        await send(context, await turns.for_anyone(context, not_understood))

    async def on_unknown_card(context: TurnContext, _state: TurnState) -> None:
        await send_invoke_response(context, card_response(bad_card()))

    agent.add_route(lambda context: is_greeting(context.activity), on_greeting)
    turns.on_typed_by_anyone(Command.GREETING, said_hello)
    turns.on_typed(Command.HELP, typed_help)
    turns.on_card(ShowHelp, clicked_help)
    turns.on_typed(Command.THANKS, typed_thanks)
    turns.on_card(RunCommand, clicked_command)
    # Before the SDK's card routes, which would answer a wrong action type with a 501.
    agent.add_route(_not_an_execute, on_unknown_card, is_invoke=True, rank=RouteRank.FIRST)
    # After every other route: what none of them took.
    agent.add_route(_is_message, on_other_message, rank=RouteRank.LAST)
    agent.add_route(_is_card_invoke, on_unknown_card, is_invoke=True, rank=RouteRank.LAST)


def _is_message(context: TurnContext) -> bool:
    return context.activity.type == ActivityTypes.message


def _is_card_invoke(context: TurnContext) -> bool:
    return is_card_invoke(context.activity)


def _not_an_execute(context: TurnContext) -> bool:
    """A card invoke whose action is not an Action.Execute (in a personal chat: a shared
    one refuses every button)."""
    activity = context.activity
    if not is_card_invoke(activity) or is_shared(activity):
        return False
    action = activity.value.get("action") if isinstance(activity.value, dict) else None
    return isinstance(action, dict) and action.get("type") != "Action.Execute"
