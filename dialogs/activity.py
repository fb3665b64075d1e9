"""What an incoming activity says about where it comes from: a personal chat or a shared
one, the text addressed to the bot, the team and the tenant, a greeting."""

from __future__ import annotations

import html
import re
from typing import Any

from microsoft_agents.activity import Activity, ActivityTypes

SHARED_TYPES = ("channel", "groupchat")

# Teams marks a mention as <at>name</at> in the text; what is left after the SDK removed the
# bot's own (other people's mentions, a name Teams spelled differently) is not a command.
_MENTION = re.compile(r"<at>.*?</at>", re.IGNORECASE | re.DOTALL)


def is_shared(activity: Activity) -> bool:
    """Whether others can read what the bot sends here (a team channel or a group chat)."""
    conversation = activity.conversation
    if conversation is None:
        return False
    kind = (conversation.conversation_type or "").casefold()
    return kind in SHARED_TYPES or (bool(conversation.is_group) and kind != "personal")


def is_card_submit(activity: Activity) -> bool:
    """Whether a message is an Action.Submit (older clients): no text, the card's data."""
    return (
        activity.type == ActivityTypes.message
        and not (activity.text or "").strip()
        and isinstance(activity.value, dict)
    )


def is_card_invoke(activity: Activity) -> bool:
    """Whether an activity is an Action.Execute (invoke ``adaptiveCard/action``)."""
    return activity.type == ActivityTypes.invoke and activity.name == "adaptiveCard/action"


def is_greeting(activity: Activity) -> bool:
    """The app installed, or the conversation started: in a personal chat the user was
    added, in a shared one the bot (a colleague joining the team is no greeting)."""
    if activity.type == ActivityTypes.installation_update:
        return (activity.action or "add").startswith("add")
    if activity.type == ActivityTypes.conversation_update:
        bot_id = activity.recipient.id if activity.recipient else None
        added = activity.members_added or []
        if is_shared(activity):
            return any(m.id == bot_id for m in added)
        return any(m.id != bot_id for m in added)
    return False


def sender_id(activity: Activity) -> str:
    """The channel's id of the sender: the one key for everything about a user."""
    sender = activity.from_property
    return (sender.id or "") if sender else ""


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
