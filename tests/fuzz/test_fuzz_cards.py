"""Card buttons pressed with every field fuzzed, on Action.Execute (invoke) and Action.Submit
(a message whose value is the data): the bot always answers with a sensible, valid card
under Teams' size limit, and never with "Något gick fel".

Typed messages are fuzzed here too: any text from a known user gets an answer.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tests.fakes import activities
from tests.fakes.connector import Person
from tests.fakes.harness import ALEX, MARIA, STRATEGIST
from tests.fuzz.checks import (
    CARD_CONTENT_TYPE,
    REQUEST_LIMIT,
    check_answers_sheet,
    check_card,
    check_messages,
    post,
    sent_since,
)
from tests.fuzz.conftest import STRANGER, FuzzBot
from tests.fuzz.payloads import presses
from tests.fuzz.strategies import dumps, texts

pytestmark = pytest.mark.asyncio(loop_scope="module")

PEOPLE = (ALEX, MARIA, STRATEGIST, STRANGER)
PEOPLE_AND_OWNERS = st.sampled_from((ALEX, ALEX, STRATEGIST, MARIA, STRANGER))
COMMANDS = ("", "mina kontroller", "status ", "status helår ", "status delår 2 2026 ", "hjälp ")


def conv(person: Person) -> str:
    """The person's personal chat with the bot."""
    return f"conv-{person.id}"


def check_no_crash(bot: FuzzBot) -> None:
    """The turn did not fail, whether or not the notice about it reached anyone."""
    assert bot.failures.take() == []


def check_workbook_after(bot: FuzzBot, data: dict[str, Any]) -> None:
    """After a press that may have written the summary sheet, the workbook still opens."""
    if data.get("verb") == "write_summary":
        check_answers_sheet(bot.stored)


def _strict_json(body: bytes) -> bool:
    """Whether the body is JSON without NaN or Infinity (which the bot refuses with 400)."""

    def refuse(_constant: str) -> None:
        raise ValueError(_constant)

    try:
        json.loads(body, parse_constant=refuse)
    except ValueError:
        return False
    return True


async def send(bot: FuzzBot, activity: dict[str, Any]) -> tuple[int, Any] | None:
    """POST the activity; None when the bot must refuse it as a whole: bigger than any
    request it accepts (413), or not strict JSON (a number NaN/Infinity: 400)."""
    bot.reset()
    body = dumps(activity)
    status, reply = await post(bot.client, body)
    if len(body) > REQUEST_LIMIT:
        assert status == 413, status
        return None
    if not _strict_json(body):
        assert status == 400, status
        assert sent_since(bot.client, 0) == [], "a refused request was answered"
        return None
    return status, reply


@settings(max_examples=1400)
@given(data=presses(), person=PEOPLE_AND_OWNERS)
async def test_execute_with_any_fields_answers_with_a_valid_card(
    fuzz_bot: FuzzBot, data: dict[str, Any], person: Person
) -> None:
    client = fuzz_bot.client
    sent = await send(fuzz_bot, activities.execute(data, person, client.service_url, conv(person)))
    if sent is None:
        return
    status, body = sent
    assert status == 200, (status, body)
    assert body["statusCode"] == 200 and body["type"] == CARD_CONTENT_TYPE, body
    check_card(body["value"])
    check_messages(sent_since(client, 0))
    check_no_crash(fuzz_bot)
    check_workbook_after(fuzz_bot, data)


@settings(max_examples=800)
@given(data=presses(), person=PEOPLE_AND_OWNERS)
async def test_submit_with_any_fields_answers_with_a_valid_card(
    fuzz_bot: FuzzBot, data: dict[str, Any], person: Person
) -> None:
    client = fuzz_bot.client
    sent = await send(fuzz_bot, activities.submit(data, person, client.service_url, conv(person)))
    if sent is None:
        return
    assert sent[0] in (200, 202), sent
    messages = sent_since(client, 0)
    assert messages, "no answer to a button press"
    check_messages(messages)
    check_no_crash(fuzz_bot)
    check_workbook_after(fuzz_bot, data)


@settings(max_examples=800)
@example(command="status ", text="helår Kommun\ud800styrelsen", person=ALEX)
@given(
    command=st.sampled_from(COMMANDS),
    text=texts(),
    person=st.sampled_from(PEOPLE),
)
async def test_any_typed_text_gets_an_answer(
    fuzz_bot: FuzzBot, command: str, text: str, person: Person
) -> None:
    client = fuzz_bot.client
    typed = command + text
    sent = await send(fuzz_bot, activities.message(typed, person, client.service_url, conv(person)))
    if sent is None:
        return
    assert sent[0] in (200, 202), sent
    messages = sent_since(client, 0)
    assert messages, f"no answer to {typed[:100]!r}"
    check_messages(messages)
    check_no_crash(fuzz_bot)
