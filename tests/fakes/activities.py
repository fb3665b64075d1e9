"""Activity factories: what Teams (or the Playground) sends the bot."""

from __future__ import annotations

import itertools
from typing import Any

from tests.fakes.connector import Person

_ids = itertools.count(1)
BOT = {"id": "28:ikbot", "name": "Internkontroll"}


def _base(kind: str, person: Person, service_url: str, conversation: str) -> dict[str, Any]:
    return {
        "type": kind,
        "id": f"act-{next(_ids)}",
        "channelId": "msteams",
        "serviceUrl": service_url,
        "from": {"id": person.id, "name": person.name, "aadObjectId": person.aad_object_id},
        "recipient": dict(BOT),
        "conversation": {"id": conversation, "conversationType": "personal"},
        "locale": "sv-SE",
    }


def message(text: str, person: Person, service_url: str, conversation: str) -> dict[str, Any]:
    """A typed message."""
    return {**_base("message", person, service_url, conversation), "text": text}


def submit(
    data: dict[str, Any], person: Person, service_url: str, conversation: str
) -> dict[str, Any]:
    """An Action.Submit: a message without text whose value is the data plus the inputs."""
    return {**_base("message", person, service_url, conversation), "value": data}


def execute(
    data: dict[str, Any], person: Person, service_url: str, conversation: str
) -> dict[str, Any]:
    """An Action.Execute: invoke adaptiveCard/action with the data plus the inputs."""
    return {
        **_base("invoke", person, service_url, conversation),
        "name": "adaptiveCard/action",
        "value": {
            "action": {"type": "Action.Execute", "verb": data.get("verb"), "data": data},
            "trigger": "manual",
        },
    }


def members_added(person: Person, service_url: str, conversation: str) -> dict[str, Any]:
    """The conversation started: the user (and the bot) were added."""
    activity = _base("conversationUpdate", person, service_url, conversation)
    activity["membersAdded"] = [{"id": person.id, "name": person.name}, dict(BOT)]
    return activity


def installed(person: Person, service_url: str, conversation: str) -> dict[str, Any]:
    """The app was installed in a personal scope."""
    return {**_base("installationUpdate", person, service_url, conversation), "action": "add"}


TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
TEAM = "19:team-general@thread.tacv2"


def in_shared(
    activity: dict[str, Any], kind: str = "channel", *, team: str = TEAM
) -> dict[str, Any]:
    """The same activity in a team channel (``kind="channel"``) or a group chat
    (``"groupChat"``), as Teams sends it: the conversation's type and the tenant (and team)."""
    shared = {**activity}
    shared["conversation"] = {**activity["conversation"], "conversationType": kind, "isGroup": True}
    channel_data: dict[str, Any] = {"tenant": {"id": TENANT}}
    if kind == "channel":
        channel_data |= {"team": {"id": team}, "channel": {"id": activity["conversation"]["id"]}}
    shared["channelData"] = channel_data
    return shared


def mentioning(text: str, person: Person, service_url: str, conversation: str) -> dict[str, Any]:
    """A typed message that @mentions the bot first, as Teams marks it up."""
    activity = message(f"<at>{BOT['name']}</at> {text}", person, service_url, conversation)
    activity["entities"] = [
        {"type": "mention", "text": f"<at>{BOT['name']}</at>", "mentioned": dict(BOT)},
    ]
    return activity


def bot_added(person: Person, service_url: str, conversation: str) -> dict[str, Any]:
    """The bot was added to a conversation (a team or a group chat) by ``person``."""
    activity = _base("conversationUpdate", person, service_url, conversation)
    activity["membersAdded"] = [dict(BOT)]
    return activity
