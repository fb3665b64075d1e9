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
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Mapping, Sequence
from typing import Any

import aiohttp
from microsoft_agents.activity import (
    Activity,
    ChannelAccount,
    ConversationAccount,
    ConversationParameters,
)
from microsoft_agents.hosting.core import ConnectorClientBase, TurnContext

logger = logging.getLogger(__name__)

SHARED_TYPES = ("channel", "groupchat")
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
NO_PRIVATE_CHAT = (
    "Jag kunde inte skicka något till dig i en privat chatt – troligen har du inte lagt till "
    "mig som app ännu. Välj **Appar** i Teams, sök efter Internkontroll-boten och välj "
    "**Lägg till** (eller klicka på mitt namn här och välj **Chatt**). Skriv sedan **mina "
    "kontroller** i chatten med mig."
)
PRIVATE_CHAT_SLOW = (
    "Teams svarade inte i tid när jag skulle skicka något till dig i en privat chatt. Försök "
    "igen om en stund."
)
BUTTONS_ARE_PRIVATE = (
    "Knapparna fungerar bara i din privata chatt med mig, så att ingen annan ser dina "
    "kontrollmoment och svar. Nämn mig och skriv **mina kontroller**, så skickar jag dem dit."
)

# Teams marks a mention as <at>name</at> in the text; what is left after the SDK removed the
# bot's own (other people's mentions, a name Teams spelled differently) is not a command.
_MENTION = re.compile(r"<at>.*?</at>", re.IGNORECASE | re.DOTALL)


class PrivateChatUnavailable(Exception):
    """The personal chat with the user could not be created or written to."""


class PrivateChatTimedOut(PrivateChatUnavailable):
    """The channel did not answer in time when the personal chat was created or written to."""


def served(body: Mapping[str, object]) -> bool:
    """Whether an incoming activity (as JSON) comes from a channel the bot is built for."""
    channel_id = body.get("channelId")
    return isinstance(channel_id, str) and channel_id in SERVED_CHANNELS


def is_shared(activity: Activity) -> bool:
    """Whether others can read what the bot sends here (a team channel or a group chat)."""
    conversation = activity.conversation
    if conversation is None:
        return False
    kind = (conversation.conversation_type or "").casefold()
    return kind in SHARED_TYPES or (bool(conversation.is_group) and kind != "personal")


def addressed_text(activity: Activity) -> str | None:
    """The message without mentions if it @mentions the bot; None if it is not for the bot."""
    if not activity.is_recipient_mentioned():
        return None
    text = _MENTION.sub(" ", activity.text or "")
    return " ".join(html.unescape(text).split())


def team_id(activity: Activity) -> str | None:
    """The team a channel message belongs to (its members are looked up on the team)."""
    team = _channel_data(activity).get("team")
    value = team.get("id") if isinstance(team, dict) else None
    return str(value) if value else None


def tenant_id(activity: Activity) -> str | None:
    """The Microsoft 365 tenant the conversation is in."""
    tenant = _channel_data(activity).get("tenant")
    value = tenant.get("id") if isinstance(tenant, dict) else None
    if not value and activity.conversation is not None:
        value = activity.conversation.tenant_id
    return str(value) if value else None


def _channel_data(activity: Activity) -> dict[str, Any]:
    data = activity.channel_data
    if isinstance(data, dict):
        return data
    dumped = getattr(data, "model_dump", None)  # a pydantic object with extra fields
    return dumped(by_alias=True) if callable(dumped) else {}


async def send_privately(context: TurnContext, activities: Sequence[Activity]) -> None:
    """Send activities to the user in the personal chat; raises PrivateChatUnavailable."""
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
        created = await client.conversations.create_conversation(parameters)
        if not created.id:
            raise PrivateChatUnavailable("the channel created a conversation without an id")
        for activity in activities:
            activity.conversation = ConversationAccount(id=created.id, tenant_id=tenant)
            activity.from_property = bot
            activity.recipient = user
            activity.channel_id = incoming.channel_id
            activity.service_url = incoming.service_url
            await client.conversations.send_to_conversation(created.id, activity)
    except (aiohttp.ClientError, OSError, TimeoutError, ValueError) as error:
        status = getattr(error, "status", None)
        logger.warning(
            "Could not write to the user's personal chat (%s%s)",
            type(error).__name__,
            f" {status}" if status else "",
        )
        if isinstance(error, TimeoutError):  # aiohttp's timeouts are TimeoutErrors too
            raise PrivateChatTimedOut(str(error)) from error
        raise PrivateChatUnavailable(str(error)) from error
