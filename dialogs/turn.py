"""What every route shares: who is talking, card actions parsed once, and replies sent.

A feature module (answering, status, greeting) hands its card actions and typed commands
to ``Turns``: ``on_card`` one model of ``cards.actions``, ``on_typed`` a typed command.
``add_routes`` then puts them all on the Agents SDK's own routing in three routes: one
``@app.adaptive_card.action_execute`` (the SDK sends the returned invoke response) and one
``action_submit`` (older clients), each matching exactly the verbs taken, and one message
route that parses a typed text once. Every card passes the size guard (``cards.fitted``)
on its way out, here.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar, assert_never

from microsoft_agents.activity import (
    Activity,
    ActivityTypes,
    AdaptiveCardInvokeResponse,
    Attachment,
    InvokeResponse,
)
from microsoft_agents.hosting.core import AgentApplication, TurnContext, TurnState
from pydantic import BaseModel, ValidationError

from bot.domain.identity import Directory, IdentityMismatch, LookupFailed, User
from cards.fitted import fitted
from cards.notice import notice_card
from dialogs.activity import sender_id
from dialogs.commands import Command, parse_command
from dialogs.connector import lookup_member

logger = logging.getLogger(__name__)

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
MESSAGE_CONTENT_TYPE = "application/vnd.microsoft.activity.message"
WHO_ARE_YOU = (
    "Jag kunde inte ta reda på vem du är just nu, så jag visar inga kontrollmoment. "
    "Försök igen om en stund."
)
NOT_YOU = (
    "Jag kunde inte bekräfta vem du är: uppgifterna om avsändaren stämmer inte med vad Teams "
    "säger om dig, så jag har inte gjort något. Kontakta IT-supporten om det här fortsätter."
)
BAD_CARD = (
    "Kortet skickade något jag inte känner igen. Det kan vara ett gammalt kort – öppna listan igen."
)

Card = dict[str, Any]
Action = TypeVar("Action", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class Reply:
    """What to send back: a card, plain text (typed messages only), or a card with a line of
    text above it."""

    card: Card | None = None
    text: str | None = None
    # For a button on a card that should stay as it is (a receipt): the clicked card is
    # answered with ``stay``, and ``card``/``text`` go out as a new message.
    stay: Card | None = None


# Who is talking, as far as this turn can tell.
@dataclass(frozen=True, slots=True)
class Identified:
    """The channel confirmed the sender."""

    user: User


@dataclass(frozen=True, slots=True)
class Unidentified:
    """The channel could not say who the sender is (the lookup failed or timed out)."""


@dataclass(frozen=True, slots=True)
class Contradicted:
    """The activity claims another Entra object id than the channel gives: refuse the turn."""


Sender = Identified | Unidentified | Contradicted
UserAct = Callable[[User], Awaitable[Reply]]
TypedAct = Callable[[User, str], Awaitable[Reply]]
CardAct = Callable[[User, Action, Mapping[str, Any]], Awaitable[Reply]]
# What the routes below call: a typed command's reply, a card's (None: data not recognised).
TypedReply = Callable[[TurnContext, str], Awaitable[Reply]]
CardReply = Callable[[TurnContext, object], Awaitable[Reply | None]]
# Where the message route's selector leaves the command it parsed, for the route itself.
_COMMAND = "ikbot.command"


class Turns:
    """Resolves the sender of a turn (once per turn, before anything is stored), and takes
    the card verbs and typed commands of every feature onto three routes."""

    def __init__(
        self,
        directory: Directory,
        lookup_timeout: float,
        remember: Callable[[Activity, str], Awaitable[None]] | None = None,
    ) -> None:
        self._directory = directory
        self._lookup_timeout = lookup_timeout
        # Keeps the sender's conversation reference (for reminders) once the turn is theirs.
        self._remember = remember
        # What each typed command does, so a "Menade du …?" button can do the same.
        self._typed: dict[Command, TypedAct] = {}
        # What each card verb and typed command does, put on the SDK's routes by add_routes.
        self._cards: dict[str, CardReply] = {}
        self._replies: dict[Command, TypedReply] = {}

    async def sender(self, context: TurnContext) -> Sender:
        """Who sent the activity, by the channel's member lookup."""
        sender = context.activity.from_property
        try:
            user = await self._directory.resolve(
                sender_id(context.activity),
                lambda: lookup_member(context, self._lookup_timeout),
                object_id=(sender.aad_object_id or "") if sender else "",
            )
        except IdentityMismatch:
            logger.warning("Refused a turn: the sender's Entra object id is not the channel's")
            return Contradicted()
        except LookupFailed as error:
            logger.warning("Member lookup failed: %s", error)
            if self._remember is not None:
                await self._remember(context.activity, "")
            return Unidentified()
        if self._remember is not None:
            await self._remember(context.activity, user.email)
        return Identified(user)

    async def for_user(self, context: TurnContext, act: UserAct) -> Reply:
        """``act`` for the sender; without a confirmed sender, a reply that says why."""
        match await self.sender(context):
            case Identified(user):
                return await act(user)
            case Unidentified():
                return Reply(text=WHO_ARE_YOU)
            case Contradicted():
                return Reply(text=NOT_YOU)
            case unreachable:
                assert_never(unreachable)

    async def for_anyone(self, context: TurnContext, act: Callable[[], Awaitable[Reply]]) -> Reply:
        """``act`` whoever the sender is (a greeting, a "not understood"), unless the
        activity contradicts the channel about who sent it."""
        if isinstance(await self.sender(context), Contradicted):
            return Reply(text=NOT_YOU)
        return await act()

    def on_card(self, model: type[Action], act: CardAct[Action]) -> None:
        """Take the model's verb, as Action.Execute and as Action.Submit, to ``act``."""
        verb = str(model.model_fields["verb"].default)
        if verb in self._cards:
            raise ValueError(f"a second route for the card verb {verb!r}")

        async def card(context: TurnContext, data: object) -> Reply | None:
            action = parse_action(model, data)
            if action is None:
                return None
            return await self.for_user(context, lambda user: act(user, action, _inputs(data)))

        self._cards[verb] = card

    def on_typed(self, command: Command, act: TypedAct) -> None:
        """Take a typed command to ``act`` (with the text as typed), for a confirmed sender."""
        self._typed[command] = act

        async def reply(context: TurnContext, text: str) -> Reply:
            return await self.for_user(context, lambda user: act(user, text))

        self._add_typed(command, reply)

    def on_typed_by_anyone(
        self, command: Command, act: Callable[[TurnContext], Awaitable[Reply]]
    ) -> None:
        """Take a typed command to ``act`` whoever sends it (unless the activity contradicts
        the channel about who that is)."""

        async def reply(context: TurnContext, _text: str) -> Reply:
            return await self.for_anyone(context, lambda: act(context))

        self._add_typed(command, reply)

    def _add_typed(self, command: Command, reply: TypedReply) -> None:
        if command is Command.UNKNOWN:
            raise ValueError("what is not understood goes to the fallback route")
        if command in self._replies:
            raise ValueError(f"a second route for the command {command}")
        self._replies[command] = reply

    def typed_act(self, text: str) -> TypedAct | None:
        """What typing ``text`` does, if it is a command with a route of its own."""
        return self._typed.get(parse_command(text))

    def add_routes(self, agent: AgentApplication[TurnState]) -> None:
        """Put the card verbs and typed commands taken so far on the SDK's routing.

        One Action.Execute route and one Action.Submit route match exactly these verbs (any
        other verb goes on to the fallbacks, as before), and one message route takes the typed
        commands: the SDK sorts its routes and tries their selectors in turn on every
        activity, so each route more costs every turn.
        """
        if not self._cards or not self._replies:
            raise ValueError("add_routes comes after every feature's on_card and on_typed")
        verbs = re.compile(r"\A(?:" + "|".join(map(re.escape, sorted(self._cards))) + r")\Z")
        cards = dict(self._cards)
        replies = dict(self._replies)

        @agent.adaptive_card.action_execute(verbs)
        async def execute(
            context: TurnContext, _state: TurnState, data: object
        ) -> AdaptiveCardInvokeResponse:
            # Chosen by the Action.Execute's own verb; the data must name the same one.
            reply = await cards[executed_verb(context.activity)](context, data)
            if reply is None:
                return card_response(bad_card())
            if reply.stay is not None:
                await send(context, Reply(card=reply.card, text=reply.text))
                return card_response(reply.stay)
            return card_response(
                reply.card or notice_card(reply.text or WHO_ARE_YOU, attention=True)
            )

        @agent.adaptive_card.action_submit(verbs)
        async def submit(context: TurnContext, _state: TurnState, data: object) -> None:
            # An Action.Submit's verb is in its data, where the SDK's selector read it.
            verb = data.get("verb") if isinstance(data, dict) else None
            reply = await cards[str(verb)](context, data)
            await send(context, reply if reply is not None else Reply(card=bad_card()))

        def selector(context: TurnContext) -> bool:
            activity = context.activity
            if activity.type != ActivityTypes.message:
                return False
            # Parsed once, here, and kept for the route this selector chooses.
            command = parse_command(activity.text or "")
            context.turn_state[_COMMAND] = command
            return command in replies

        async def route(context: TurnContext, _state: TurnState) -> None:
            command = context.turn_state[_COMMAND]
            assert isinstance(command, Command)  # the selector above put it there
            await send(context, await replies[command](context, context.activity.text or ""))

        agent.add_route(selector, route)


def executed_verb(activity: Activity) -> str:
    """The verb of an Action.Execute (the SDK's selector has checked it is a string)."""
    value = activity.value if isinstance(activity.value, dict) else {}
    action = value.get("action")
    return str(action.get("verb") if isinstance(action, dict) else None)


def parse_action(model: type[Action], data: object) -> Action | None:
    """The card's data as its action model; None if it is not one (an old or forged card).

    The data must name the model's verb itself: the route was chosen by the Action.Execute's
    own verb, which a card sets beside its data and a forged one may set apart from it.
    """
    if not isinstance(data, dict) or data.get("verb") != model.model_fields["verb"].default:
        return None
    try:
        return model.model_validate(data)
    except ValidationError:
        return None


def _inputs(data: object) -> Mapping[str, Any]:
    # Action.Execute and Action.Submit both carry the card's inputs beside its data.
    return data if isinstance(data, dict) else {}


def bad_card() -> Card:
    """The notice for card data the bot does not recognise."""
    return notice_card(BAD_CARD, attention=True)


def refused_card(reason: str) -> Card:
    """The notice for something a rule refused; the reason says why."""
    return notice_card(reason, title="Det gick inte", attention=True)


def activity_of(reply: Reply) -> Activity:
    """A reply as a message activity: a card (with a line of text above it) or text."""
    if reply.card is not None:
        return Activity(
            type=ActivityTypes.message,
            text=reply.text,  # shown above the card when there is one
            attachments=[Attachment(content_type=CARD_CONTENT_TYPE, content=fitted(reply.card))],
        )
    return Activity(type=ActivityTypes.message, text=reply.text)


async def send(context: TurnContext, reply: Reply) -> None:
    """Send a reply as a message in the conversation (nothing, if it is empty)."""
    if reply.card is not None or reply.text:
        await context.send_activity(activity_of(reply))


def card_response(card: Card) -> AdaptiveCardInvokeResponse:
    """An Action.Execute's answer: the card that replaces the one clicked."""
    return AdaptiveCardInvokeResponse(status_code=200, type=CARD_CONTENT_TYPE, value=fitted(card))


def message_response(text: str) -> AdaptiveCardInvokeResponse:
    """An Action.Execute's answer that leaves the card as it was and tells the clicker."""
    return AdaptiveCardInvokeResponse(status_code=200, type=MESSAGE_CONTENT_TYPE, value=text)


async def send_invoke_response(context: TurnContext, body: AdaptiveCardInvokeResponse) -> None:
    """Answer an invoke from a route of our own (the SDK's card routes do it themselves)."""
    await context.send_activity(
        Activity(
            type=ActivityTypes.invoke_response,
            value=InvokeResponse(
                status=200, body=body.model_dump(mode="json", by_alias=True, exclude_none=True)
            ),
        )
    )
