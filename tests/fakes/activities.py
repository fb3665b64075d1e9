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
