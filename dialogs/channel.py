"""Team channels and group chats: answer only when @mentioned, keep personal things private.

Everyone in a channel sees what the bot posts there, so lists, answer cards, receipts and
status cards go to the person in a personal chat instead: the bot creates (or, as Teams
does for a user it already talks to, finds) the 1:1 conversation through the connector,
``POST {serviceUrl}v3/conversations`` with the user, the bot and the tenant, and sends the
cards there. The channel gets a short note. Card buttons pressed in a channel are refused,
since an answer card must never be opened where others can read it.

Only Teams is served (``served``): the Microsoft 365 Agents Playground sends the same
channel id, ``msteams``. Activities from any other channel the bot registration might be
connected to are refused before anything is looked up or sent.

The routes here are registered ahead (``RouteRank.FIRST``) of every personal-chat route,
so that nothing meant for one person is ever answered where others read it.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, assert_never

import aiohttp
from microsoft_agents.activity import (
    Activity,
    ActivityTypes,
    ChannelAccount,
    ConversationAccount,
    ConversationParameters,
)
from microsoft_agents.hosting.core import (
    AgentApplication,
    ConnectorClientBase,
    RouteRank,
    TurnContext,
    TurnState,
)

from bot.domain.clock import Clock
from dialogs.activity import (
    addressed_text,
    is_card_invoke,
    is_card_submit,
    is_greeting,
    is_shared,
    tenant_id,
)
from dialogs.commands import Command, parse_command
from dialogs.flow import ConversationState, Greeted, ShowWelcome, step
from dialogs.turn import (
    Reply,
    Turns,
    TypedAct,
    activity_of,
    message_response,
    send,
    send_invoke_response,
)

logger = logging.getLogger(__name__)

# Teams, and the Playground, which is started with `-c msteams` (its default as well).
SERVED_CHANNELS = frozenset({"msteams"})
NOT_SERVED = "Boten svarar bara i Microsoft Teams."

WELCOME = (
    "Hej! Jag är Internkontroll-boten. Jag hjälper er som är ansvariga att svara på "
    "nämndens internkontroll och skriver in svaren i nämndens Excelfil. Nämn mig och skriv "
    "**mina kontroller**, så skickar jag dina kontrollmoment till dig i en privat chatt. "
    "Skriv **hjälp** för att se vad jag kan."
)
HELP = (
    "Nämn mig och skriv något av det här:\n\n"
    "- **mina kontroller** – jag skickar de kontrollmoment du ska svara på till dig i en "
    "privat chatt.\n"
    "- **status helår** (eller **status delår 1**, **status delår 2**) – jag skickar hur "
    "uppföljningen går till dig i en privat chatt.\n"
    "- **hjälp** – visar det här.\n\n"
    "Ingen annan i kanalen ser dina kontrollmoment eller svar: de visas bara i din privata "
    "chatt med mig."
)
NOT_UNDERSTOOD = "Jag förstod inte riktigt. Nämn mig och skriv **mina kontroller** eller **hjälp**."
SENT_LIST = "Jag har skickat dina kontroller till dig i en privat chatt."
SENT_STATUS = "Jag har skickat statusen till dig i en privat chatt."
SENT_ACTIONS = "Jag har skickat dina åtgärder till dig i en privat chatt."
NO_PRIVATE_CHAT = (
    "Jag kunde inte skicka något till dig i en privat chatt – troligen har du inte lagt till "
    "mig som app ännu. Välj **Appar** i Teams, sök efter Internkontroll-boten och välj "
    "**Lägg till** (eller klicka på mitt namn här och välj **Chatt**). Skriv sedan **mina "
    "kontroller** i chatten med mig."
)
PRIVATE_CHAT_FAILED = (
    "Jag kunde inte skicka något till vår privata chatt just nu: Teams tog inte emot "
    "meddelandet{status}. Försök igen om en stund, eller skriv **mina kontroller** direkt i "
    "chatten med mig."
)
PRIVATE_CHAT_SLOW = (
    "Teams svarade inte i tid när jag skulle skicka något till dig i en privat chatt. Försök "
    "igen om en stund."
)
BUTTONS_ARE_PRIVATE = (
    "Knapparna fungerar bara i din privata chatt med mig, så att ingen annan ser dina "
    "kontrollmoment och svar. Nämn mig och skriv **mina kontroller**, så skickar jag dem dit."
)


class PrivateChatUnavailable(Exception):
    """The personal chat with the user could not be created or written to."""

    def __init__(self, message: str, *, status: int | None = None, known: bool = False) -> None:
        super().__init__(message)
        self.status = status  # the channel's HTTP status, when it gave one
        self.known = known  # a personal chat with the user exists (its reference is stored)


# The stored personal chat of a user (by Entra object id): its conversation id, or None.
PersonalChat = Callable[[str], Awaitable[str | None]]


class PrivateChatTimedOut(PrivateChatUnavailable):
    """The channel did not answer in time when the personal chat was created or written to."""


def served(body: Mapping[str, object]) -> bool:
    """Whether an incoming activity (as JSON) comes from a channel the bot is built for."""
    channel_id = body.get("channelId")
    return isinstance(channel_id, str) and channel_id in SERVED_CHANNELS


def register(
    agent: AgentApplication[TurnState],
    turns: Turns,
    conversations: ConversationState,
    clock: Clock,
    private: Mapping[Command, TypedAct],
    personal_chat: PersonalChat | None = None,
) -> None:
    """The routes for team channels and group chats, ahead of every personal-chat route;
    ``private`` answers the commands whose answer goes to the sender's personal chat, and
    ``personal_chat`` finds the one the bot already has with the sender."""

    async def on_card(context: TurnContext, _state: TurnState) -> None:
        # The clicked card stays as it is for everyone; only the clicker sees this.
        await send_invoke_response(context, message_response(BUTTONS_ARE_PRIVATE))

    async def on_message(context: TurnContext, _state: TurnState) -> None:
        activity = context.activity
        if is_card_submit(activity):
            await context.send_activity(BUTTONS_ARE_PRIVATE)
            return
        text = addressed_text(activity)
        if text is None:
            return  # people talking among themselves
        command = parse_command(text) if text else Command.HELP  # a bare @mention
        act = private.get(command)
        if act is not None:
            reply = await turns.for_user(context, lambda u: act(u, text))
            await send_private(context, command, reply, personal_chat)
        elif command is Command.HELP:
            await context.send_activity(HELP)
        elif command is Command.GREETING:
            await context.send_activity(WELCOME)
        else:
            await context.send_activity(NOT_UNDERSTOOD)

    async def on_greeting(context: TurnContext, _state: TurnState) -> None:
        # Teams says both "installed" and "added": one short text for the whole team.
        key = f"{context.activity.conversation.id}|"
        for effect in await step(conversations, key, Greeted(), clock.now()):
            match effect:
                case ShowWelcome():
                    await context.send_activity(WELCOME)
                case unreachable:
                    assert_never(unreachable)

    def shared(kind: Callable[[Activity], bool]) -> Callable[[TurnContext], bool]:
        return lambda context: is_shared(context.activity) and kind(context.activity)

    agent.add_route(shared(is_card_invoke), on_card, is_invoke=True, rank=RouteRank.FIRST)
    agent.add_route(shared(_is_message), on_message, rank=RouteRank.FIRST)
    agent.add_route(shared(is_greeting), on_greeting, rank=RouteRank.FIRST)


async def send_private(
    context: TurnContext, command: Command, reply: Reply, personal_chat: PersonalChat | None = None
) -> None:
    """Send a reply to the sender's personal chat and say so in the shared one; a reply
    with nothing personal in it (a "who are you?") stays where it was asked."""
    if reply.card is None:
        await send(context, reply)
        return
    sender = context.activity.from_property
    known = None
    if personal_chat is not None and sender is not None and sender.aad_object_id:
        known = await personal_chat(sender.aad_object_id)
    try:
        await send_privately(context, [activity_of(reply)], known)
    except PrivateChatTimedOut:
        await context.send_activity(PRIVATE_CHAT_SLOW)
        return
    except PrivateChatUnavailable as error:
        # Say what really happened: no chat with the app yet, or one that would not take it.
        if error.known:
            status = f" (svar {error.status})" if error.status else ""
            await context.send_activity(PRIVATE_CHAT_FAILED.format(status=status))
        else:
            await context.send_activity(NO_PRIVATE_CHAT)
        return
    sent = {Command.LIST: SENT_LIST, Command.ACTIONS: SENT_ACTIONS}
    await context.send_activity(sent.get(command, SENT_STATUS))


def _is_message(activity: Activity) -> bool:
    return activity.type == ActivityTypes.message


async def send_privately(
    context: TurnContext, activities: Sequence[Activity], known: str | None = None
) -> None:
    """Send activities to the user in the personal chat: the one already known (``known``,
    its conversation id), else the one the channel creates or finds; raises
    PrivateChatUnavailable."""
    client = context.services.get(ConnectorClientBase)  # type: ignore[type-abstract]
    incoming = context.activity
    if client is None or incoming.from_property is None or incoming.recipient is None:
        raise PrivateChatUnavailable("no connector client or no sender for this turn")
    user = ChannelAccount(id=incoming.from_property.id)
    bot = ChannelAccount(id=incoming.recipient.id, name=incoming.recipient.name)
    tenant = tenant_id(incoming)
    extra: dict[str, Any] = {"channel_data": {"tenant": {"id": tenant}}, "tenant_id": tenant}
    parameters = ConversationParameters(
        is_group=False, bot=bot, members=[user], **(extra if tenant else {})
    )
    try:
        if known:
            chat = known
        else:
            created = await client.conversations.create_conversation(parameters)
            if not created.id:
                raise PrivateChatUnavailable("the channel created a conversation without an id")
            chat = created.id
        for activity in activities:
            activity.conversation = ConversationAccount(id=chat, tenant_id=tenant)
            activity.from_property = bot
            activity.recipient = user
            activity.channel_id = incoming.channel_id
            activity.service_url = incoming.service_url
            await client.conversations.send_to_conversation(chat, activity)
    except (aiohttp.ClientError, OSError, TimeoutError, ValueError) as error:
        status = getattr(error, "status", None)
        logger.warning(
            "Could not write to the user's personal chat (%s%s)",
            type(error).__name__,
            f" {status}" if status else "",
        )
        if isinstance(error, TimeoutError):  # aiohttp's timeouts are TimeoutErrors too
            raise PrivateChatTimedOut(str(error), known=bool(known)) from error
        raise PrivateChatUnavailable(str(error), status=status, known=bool(known)) from error
