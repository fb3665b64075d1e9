"""The properties every fuzzed request is held to, and a running bot to hold them against.

One bot serves a whole test module (starting one per example would cost more than the
examples); each example clears what the fake channel recorded and reads only its own.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema_rs
import openpyxl

from bot.inbound import MAX_BODY
from graph.cells import from_xlsx_text
from tests.fakes.card_schema import SCHEMA_VERSION, all_text, assert_valid_card, walk
from tests.fakes.harness import BotClient
from tests.fuzz.strategies import dumps

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
REQUEST_LIMIT = MAX_BODY  # the app's limit (bot.inbound): a bigger body gets 413
TEAMS_CARD_LIMIT = 28 * 1024  # bytes of JSON; Teams refuses bigger cards
SOMETHING_WRONG = "Något gick fel"  # the start of the bot's message when a turn crashed


def card_size(card: dict[str, Any]) -> int:
    """The card's size as JSON in UTF-8, as it travels to Teams."""
    return len(json.dumps(card, ensure_ascii=False).encode("utf-8", "surrogatepass"))


def check_valid_unicode(value: Any) -> None:
    """Everything the bot sends is text any client can read: no lone surrogates."""
    text = json.dumps(value, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        raise AssertionError(f"the bot sent a lone surrogate: {error}") from None


@functools.cache
def _schema() -> jsonschema_rs.Draft6Validator:
    source = resources.files("adaptive_cards").joinpath("schemas", f"schema-{SCHEMA_VERSION}.json")
    return jsonschema_rs.Draft6Validator(json.loads(source.read_text(encoding="utf-8")))


def check_valid_card(card: dict[str, Any]) -> None:
    """The checks of ``assert_valid_card``, with the schema checked by jsonschema-rs: the
    same Draft 6 schema, thousands of times faster, which thousands of cards need."""
    json.dumps(card, allow_nan=False)
    assert card.get("type") == "AdaptiveCard", f"root type is {card.get('type')!r}"
    assert isinstance(card.get("version"), str), "a top-level card needs a version"
    if not _schema().is_valid(card):
        assert_valid_card(card)  # says where the card is wrong
        raise AssertionError(f"invalid Adaptive Card: {_schema().validate(card)}")
    ids = [e["id"] for e in walk(card) if str(e.get("type", "")).startswith("Input.")]
    assert len(ids) == len(set(ids)), f"duplicate input ids: {ids}"


def check_card(card: Any) -> None:
    """A card the bot sends: valid Adaptive Card JSON, under Teams' limit, no crash notice."""
    assert isinstance(card, dict), card
    check_valid_card(card)
    size = card_size(card)
    assert size < TEAMS_CARD_LIMIT, f"a card of {size} bytes (Teams' limit: {TEAMS_CARD_LIMIT})"
    assert SOMETHING_WRONG not in all_text(card), all_text(card)
    check_valid_unicode(card)


def check_messages(messages: Iterable[dict[str, Any]]) -> None:
    """What the bot sent the channel: every card checked, no text saying it crashed."""
    for message in messages:
        assert SOMETHING_WRONG not in str(message.get("text") or ""), message.get("text")
        check_valid_unicode(message)
        for attachment in message.get("attachments") or []:
            if attachment.get("contentType") == CARD_CONTENT_TYPE:
                check_card(attachment.get("content"))


def check_response_body(body: Any) -> None:
    """What the bot answered in the HTTP response: an invoke's card (checked) or message, or
    the replies themselves (``deliveryMode: expectReplies``); never the crash notice."""
    if not isinstance(body, dict):
        return
    check_valid_unicode(body)
    if isinstance(body.get("activities"), list):
        check_messages(a for a in body["activities"] if isinstance(a, dict))
    elif body.get("type") == CARD_CONTENT_TYPE:
        check_card(body.get("value"))
    else:
        assert SOMETHING_WRONG not in str(body.get("value") or ""), body


def check_answers_sheet(workbook: Path) -> list[dict[str, Any]]:
    """The workbook opens, and its answers sheet holds no formula; its rows by header."""
    book = openpyxl.load_workbook(workbook)
    if "Uppföljning" not in book.sheetnames:
        return []
    sheet = book["Uppföljning"]
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f", f"a formula in {cell.coordinate}: {cell.value!r}"
    # Text as Excel shows it: the file escapes a CR (and a literal "_xHHHH_") as _xHHHH_.
    rows = [[from_xlsx_text(v) for v in r] for r in sheet.iter_rows(values_only=True)]
    header = rows[0]
    return [dict(zip(header, r, strict=False)) for r in rows[1:] if any(v is not None for v in r)]


class TurnFailures(logging.Handler):
    """Collects the bot's "Turn failed" log records: a crashed turn, even one whose notice
    could not be delivered."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Keep the record if it reports a failed turn."""
        if record.getMessage().startswith("Turn failed"):
            self.records.append(record)

    def take(self) -> list[str]:
        """The failures since the last call, as messages."""
        found = [r.getMessage() for r in self.records]
        self.records.clear()
        return found


async def post(
    bot: BotClient, body: bytes | dict[str, Any], headers: dict[str, str] | None = None
) -> tuple[int, Any]:
    """POST an activity (or bytes as they are); the status and the body, parsed if JSON."""
    data = body if isinstance(body, bytes) else dumps(body)
    sent_headers = {"Content-Type": "application/json", **(headers or {})}
    async with bot.session.post(bot.url, data=data, headers=sent_headers) as response:
        raw = await response.read()
    try:
        return response.status, json.loads(raw) if raw else None
    except ValueError:
        return response.status, raw


def sent_since(bot: BotClient, before: int) -> list[dict[str, Any]]:
    """The message activities the bot sent since ``before`` activities had been recorded."""
    return [a for a in bot.connector.sent[before:] if a.get("type") == "message"]
