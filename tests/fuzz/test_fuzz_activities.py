"""Any activity, body or header at /api/messages: never a 5xx, never a crashed turn, and
every card the bot sends is valid and small enough for Teams.

Activities start from what Teams sends (tests/fakes/activities.py) and are then bent:
fields dropped, replaced by any JSON value, the type changed; bodies are also raw bytes,
broken JSON and JSON nested thousands of levels deep.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tests.fakes import activities
from tests.fakes.connector import Person
from tests.fakes.harness import ALEX, MARIA, STRATEGIST
from tests.fuzz.checks import check_messages, check_response_body, post, sent_since
from tests.fuzz.conftest import STRANGER, FuzzBot
from tests.fuzz.strategies import (
    ACTIVITY_KEYS,
    ACTIVITY_TYPES,
    CHANNEL,
    CHANNELS,
    INVOKE_NAMES,
    dumps,
    json_values,
    service_urls,
    texts,
    with_service_url,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

NOBODY = Person("user-nobody", "Ingen Alls", "nobody@example.com", "aad-nobody")  # unknown
PEOPLE = (ALEX, MARIA, STRATEGIST, STRANGER, NOBODY)
CONVERSATIONS = ("conv-fuzz", "a:1Xy-personal", "19:x@thread.v2", "a/../b", "", " ")
COMMANDS = ("", "mina kontroller ", "status ", "status helår ", "status delår 1 2026 ", "hjälp ")


def _teams_activity(kind: str, person: Person, url: str, conversation: str, text: str) -> dict:
    match kind:
        case "message":
            return activities.message(text, person, url, conversation)
        case "submit":
            return activities.submit({"verb": text}, person, url, conversation)
        case "invoke":
            return activities.execute({"verb": text}, person, url, conversation)
        case "conversationUpdate":
            return activities.members_added(person, url, conversation)
        case "installationUpdate":
            return activities.installed(person, url, conversation)
        case "botAdded":
            return activities.in_shared(activities.bot_added(person, url, conversation))
        case _:
            return activities.in_shared(activities.mentioning(text, person, url, conversation))


def fuzzed_activities() -> st.SearchStrategy[dict[str, Any]]:
    """Teams' activities with fields dropped, replaced or added, and the type changed."""
    teams = st.builds(
        _teams_activity,
        st.sampled_from(
            ["message", "submit", "invoke", "conversationUpdate", "installationUpdate"]
            + ["botAdded", "mention"]
        ),
        st.sampled_from(PEOPLE),
        st.just(CHANNEL),
        st.one_of(st.sampled_from(CONVERSATIONS), texts(huge=False)),
        st.builds(str.__add__, st.sampled_from(COMMANDS), texts()),
    )
    special = {
        "type": st.one_of(st.sampled_from(ACTIVITY_TYPES), texts(huge=False)),
        "channelId": st.sampled_from(CHANNELS),
        "serviceUrl": service_urls(),
        "name": st.sampled_from(INVOKE_NAMES),
        "deliveryMode": st.sampled_from(["normal", "expectReplies", "notification", "stream"]),
    }
    change = st.one_of(
        [
            st.tuples(st.just(key), st.one_of(special[key], json_values()))
            if key in special
            else st.tuples(st.just(key), json_values())
            for key in ACTIVITY_KEYS
        ]
        + [st.tuples(texts(huge=False), json_values())]  # a field no activity has
    )
    return st.builds(
        lambda base, dropped, changed: {
            **{k: v for k, v in base.items() if k not in dropped},
            **dict(changed),
        },
        teams,
        st.sets(st.sampled_from(ACTIVITY_KEYS), max_size=2),
        st.lists(change, max_size=3),
    )


async def check_exchange(
    bot: FuzzBot, body: bytes | dict[str, Any], headers: dict[str, str] | None = None
) -> int:
    """Send one request and hold the bot to the properties; the HTTP status."""
    bot.reset()
    status, reply = await post(bot.client, body, headers)
    assert status < 500, (status, reply)
    check_response_body(reply)
    check_messages(sent_since(bot.client, 0))
    return status


def _without(activity: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in activity.items() if k != key}


_HELP = activities.message("hjälp", ALEX, CHANNEL, "conv-fuzz")


@settings(max_examples=1800)
# Cases that once went wrong, tried first on every run.
@example(activity=_without(_HELP, "from"))
@example(activity=_without(_HELP, "conversation"))
@example(activity=_without(_HELP, "channelId"))
@example(activity={**_HELP, "serviceUrl": "http://[::1"})
@example(activity=_without(_HELP, "serviceUrl"))
@example(
    activity={**activities.execute({"verb": "list"}, ALEX, CHANNEL, "c"), "name": "task/fetch"}
)
@example(activity={**_HELP, "deliveryMode": "expectReplies"})
@given(activity=fuzzed_activities())
async def test_any_activity_gets_no_5xx_and_no_crash(
    fuzz_bot: FuzzBot, activity: dict[str, Any]
) -> None:
    await check_exchange(fuzz_bot, with_service_url(activity, fuzz_bot.client.service_url))


@settings(max_examples=1500)
@given(value=json_values(max_leaves=20))
async def test_any_json_body_gets_no_5xx(fuzz_bot: FuzzBot, value: Any) -> None:
    await check_exchange(fuzz_bot, dumps(value))


def _nested(depth: int, opening: str, closing: str, inner: str) -> str:
    return opening * depth + inner + closing * depth


@settings(max_examples=200)
@example(depth=5000, shape=("[", "]"), where="body")
@example(depth=5000, shape=('{"a":', "}"), where="value")
@given(
    depth=st.one_of(st.integers(1, 1200), st.sampled_from([990, 1000, 5000, 100_000])),
    shape=st.sampled_from([("[", "]"), ('{"a":', "}")]),
    where=st.sampled_from(["body", "value", "channelData", "entities", "from"]),
)
async def test_deeply_nested_json_gets_no_5xx(
    fuzz_bot: FuzzBot, depth: int, shape: tuple[str, str], where: str
) -> None:
    nested = _nested(depth, *shape, "1")
    if where == "body":
        body = nested
    else:
        activity = activities.message("hjälp", ALEX, fuzz_bot.client.service_url, "conv-deep")
        text = dumps(activity).decode()
        body = text[:-1] + f', "{where}": {nested}' + "}"
    await check_exchange(fuzz_bot, body.encode())


RAW_BODIES = (
    b"",
    b"{",
    b"\xff\xfe\x00",
    b'{"type": "message", "text": "\xc3"}',  # broken UTF-8
    b'{"type": "message", "text": "\\ud800"}',
    b'{"type": "message", "text": "\\udc00\\ud800"}',
    b'{"type": "message"}\x00',
    b'{"type": "message", "type": "invoke"}',
    b'{"type": NaN}',
    b"\xef\xbb\xbf{}",  # a byte order mark
    b'{"type": "message", "value": ' + b"9" * 5000 + b"}",  # more digits than Python reads
    b'{"type": "message", "text": "' + b"x" * 1_100_000 + b'"}',  # over the 1 MB request limit
)


@settings(max_examples=2600)
@given(
    body=st.one_of(st.sampled_from(RAW_BODIES), st.binary(max_size=200)),
    content_type=st.sampled_from(
        [
            "application/json",
            "application/json; charset=latin-1",
            "application/json; charset=utf-16",
            "text/plain",
            "multipart/form-data; boundary=x",
            "application/x-www-form-urlencoded",
            "",
        ]
    ),
)
async def test_raw_bytes_get_no_5xx(fuzz_bot: FuzzBot, body: bytes, content_type: str) -> None:
    await check_exchange(fuzz_bot, body, {"Content-Type": content_type})


HEADER_TEXT = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=60)
# Never a token that decodes: the SDK would fetch signing keys from the internet to check
# it (forged tokens are tests/bot/test_auth.py's).
NOT_A_JWT = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0x7E, exclude_characters="."), max_size=60
)


@settings(max_examples=800)
@example(headers={"Content-Encoding": "gzip"}, text="hjälp")  # a body that is not gzip
@given(
    headers=st.dictionaries(
        st.sampled_from(
            [
                "Authorization",
                "Content-Encoding",
                "Content-Language",
                "Accept",
                "Accept-Encoding",
                "X-Ms-Conversation-Id",
                "X-Forwarded-For",
                "Traceparent",
                "X-Random",
            ]
        ),
        st.one_of(
            HEADER_TEXT,
            st.builds(str.__add__, st.sampled_from(["Bearer ", "bearer  ", "Basic "]), NOT_A_JWT),
            st.sampled_from(["gzip", "deflate", "br", "identity", "x-unknown"]),
        ),
        max_size=3,
    ),
    text=texts(huge=False),
)
async def test_any_headers_get_no_5xx(
    fuzz_bot: FuzzBot, headers: dict[str, str], text: str
) -> None:
    activity = activities.message(text, ALEX, fuzz_bot.client.service_url, "conv-headers")
    await check_exchange(fuzz_bot, activity, headers)
