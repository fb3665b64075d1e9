"""Hypothesis strategies for what a channel (or anyone who can reach the endpoint) may send.

Texts mix ordinary Swedish with what breaks software: lone surrogates, NUL and other
control characters, right-to-left marks, emoji, Unicode noncharacters, Excel's formula
and escape prefixes, Teams' mention markup, and now and then a very long string.
"""

from __future__ import annotations

import json
import re
from typing import Any

from hypothesis import strategies as st

# Pieces chosen by hand: each once broke (or could break) a bot, a card or a workbook.
NASTY = (
    "\ud800",  # a lone high surrogate
    "\udfff",  # a lone low surrogate
    "hej \ud800 då",
    "\x00",
    "\x07",
    "\x1b[31m",
    "\x7f",
    "\x85",  # NEL
    "\u2028",  # line separator
    "\u200f",  # right-to-left mark
    "\u202e",  # right-to-left override
    "\u200b",  # zero width space
    "\ufeff",  # byte order mark
    "\ufffe",  # noncharacter
    "\uffff",  # noncharacter
    "\ufffd",
    "😀",
    "👩🏽‍💻",  # a family of code points joined by ZWJ
    "🇸🇪",
    "e\u0301",  # a combining accent
    "\t",
    "\r",
    "\n",
    "\r\n",
    " ",
    "\u00a0",
    "'",
    "'Rutinen' följs inte alltid",
    "=",
    "=1+1",
    '=HYPERLINK("http://evil.example","klicka")',
    "+46 70",
    "-1",
    "@SUM(A1)",
    "_x000D_",
    "_x0041_",
    "<at>Internkontroll</at>",
    "<script>alert(1)</script>",
    "[länk](javascript:alert(1))",
    "**fet**",
    "${jndi:ldap://x}",
    "{{DATE(2027-01-10T06:08:39Z, SHORT)}}",
    "Robert'); DROP TABLE journal;--",
    '{"verb": "submit"}',
    "%s%s%n",
    "null",
    "Ingen avvikelse",
    "mindre AVVIKELSE",
    "Följs upp på helår",
    "2027-03-31",
    "12",
    "åäö ÅÄÖ",
)

# Characters of every category, surrogates included (Hypothesis leaves them out by
# default, so they are also in NASTY).
ANY_CHAR = st.characters(exclude_categories=())

# Past every field's limit, past Teams' card limit, and (rarely: it is slow to send and
# parse) 200,000 characters, which still fit in a request even as 4-byte UTF-8.
HUGE_SIZES = (4_001, 4_001, 10_000, 10_000, 40_000, 200_000)


def huge_text() -> st.SearchStrategy[str]:
    """A long run of one piece: longer than any field allows, up to a few hundred KB."""
    return st.builds(
        lambda piece, size: (piece * (size // max(1, len(piece)) + 1))[:size],
        st.sampled_from(["x", "å", "😀", "\ud800", "=", "a\r\n", "<at>x</at> "]),
        st.sampled_from(HUGE_SIZES),
    )


def texts(*, huge: bool = True) -> st.SearchStrategy[str]:
    """Short texts of nasty pieces around a few random characters; now and then a huge one.

    Kept to a handful of draws: examples run by the thousand, and Hypothesis spends about
    as long drawing a long text character by character as the bot spends on a turn.
    """
    pieces = st.sampled_from(NASTY)
    short = st.one_of(
        pieces,
        st.builds(str.__add__, pieces, pieces),
        st.text(ANY_CHAR, max_size=6),
        st.builds(lambda a, b, c: a + b + c, pieces, st.text(ANY_CHAR, max_size=4), pieces),
    )
    # one_of picks its branches about evenly: one text in nine is huge.
    return st.one_of(short, short, huge_text()) if huge else short


SCALARS = (
    None,
    True,
    False,
    0,
    -1,
    2**31,
    2**63,
    -(2**63) - 1,
    10**30,
    0.5,
    -0.0,
    1e308,
    float("nan"),  # Python's json writes NaN and infinities, and reads them back
    float("inf"),
    float("-inf"),
)


def json_values(*, max_leaves: int = 5) -> st.SearchStrategy[Any]:
    """Any JSON value, nested, with nasty strings and numbers JSON parsers dislike."""
    scalars = st.one_of(st.sampled_from(SCALARS), st.integers(), texts(huge=False))
    keys = st.one_of(st.sampled_from(ACTIVITY_KEYS), texts(huge=False))
    return st.recursive(
        scalars,
        lambda children: st.one_of(
            st.lists(children, max_size=3), st.dictionaries(keys, children, max_size=3)
        ),
        max_leaves=max_leaves,
    )


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def dumps(value: Any) -> bytes:
    """JSON as UTF-8 bytes, as a channel sends it: other characters as they are, lone
    surrogates escaped (``\\ud800``), NaN and infinities as Python writes them."""
    text = json.dumps(value, ensure_ascii=False)
    return _LONE_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text).encode()


ACTIVITY_TYPES = (
    "message",
    "invoke",
    "conversationUpdate",
    "installationUpdate",
    "messageReaction",
    "messageUpdate",
    "messageDelete",
    "typing",
    "event",
    "endOfConversation",
    "command",
    "trace",
)
ACTIVITY_KEYS = (
    "type",
    "id",
    "channelId",
    "serviceUrl",
    "from",
    "recipient",
    "conversation",
    "locale",
    "text",
    "textFormat",
    "value",
    "valueType",
    "name",
    "action",
    "membersAdded",
    "membersRemoved",
    "entities",
    "attachments",
    "channelData",
    "replyToId",
    "timestamp",
    "localTimestamp",
    "deliveryMode",
    "relatesTo",
    "label",
    "code",
)
CHANNELS = ("msteams", "emulator", "webchat", "directline", "slack", "", "MSTEAMS")
INVOKE_NAMES = (
    "adaptiveCard/action",
    "task/fetch",
    "task/submit",
    "composeExtension/query",
    "signin/verifyState",
    "signin/tokenExchange",
    "actionableMessage/executeAction",
    "config/fetch",
    "",
)


# Stands for the fake channel's serviceUrl, which is known only once it runs; a test puts
# the real one in before sending (see ``with_service_url``).
CHANNEL = "http://channel.invalid/"


def with_service_url(activity: dict[str, Any], url: str) -> dict[str, Any]:
    """The activity with ``CHANNEL`` at the start of its serviceUrl replaced by ``url``."""
    current = activity.get("serviceUrl")
    if isinstance(current, str) and current.startswith(CHANNEL):
        return {**activity, "serviceUrl": url + current.removeprefix(CHANNEL)}
    return activity


def service_urls() -> st.SearchStrategy[Any]:
    """serviceUrl values: the fake channel, nothing, or garbage that fails fast.

    Never a host name or a routable address: tests must not reach the network, and a
    connection attempt to a black hole would only measure the outbound timeout.
    """
    return st.one_of(
        st.just(CHANNEL),
        st.sampled_from(
            [
                None,
                "",
                "http://127.0.0.1:9/",  # refused at once
                "http:",
                "ftp://127.0.0.1/",
                "not a url",
                "http://[::1",
                "http://127.0.0.1:99999/",
                CHANNEL + "v3/",
                CHANNEL + "%00/",
                5,
                ["x"],
                {"url": CHANNEL},
            ]
        ),
        # No "/" means no "//host" part, so nothing can be looked up in DNS.
        st.text(st.characters(exclude_characters="/", exclude_categories=()), max_size=20),
    )
