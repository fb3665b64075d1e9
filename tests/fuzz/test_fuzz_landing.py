"""Answers with fuzzed values, mostly valid: every accepted one lands in the workbook exactly
as typed, a refused one changes nothing, and the workbook always opens and holds no formula.

"Exactly as typed" is what the form promises: surrounding whitespace trimmed, line ends as
\\n, and characters no cell can hold (control characters, lone surrogates, the
noncharacters U+FFFE and U+FFFF) left out; everything else — a leading ', =, +, -, @,
emoji, right-to-left marks — is kept. The workbook is read back with openpyxl after the
writer drained.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import pytest
import pytest_asyncio
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.domain.model import OutcomeScale, Period
from cards.answer import MAX_LENGTHS
from tests.fakes import activities
from tests.fakes.card_schema import all_text
from tests.fakes.connector import Person
from tests.fakes.harness import ALEX, STRATEGIST
from tests.fuzz.checks import (
    CARD_CONTENT_TYPE,
    check_answers_sheet,
    check_card,
    check_messages,
    post,
    sent_since,
)
from tests.fuzz.conftest import FuzzBot
from tests.fuzz.payloads import TODAY, input_specs
from tests.fuzz.strategies import NASTY, texts

pytestmark = pytest.mark.asyncio(loop_scope="module")

SCALE = OutcomeScale.default()
# (control, period) pairs of the standard plan; Alex owns helår of 1-3 (open today),
# the strategist may answer any of them for 2026-2028.
ALEX_SLOTS = [(c, 2026, Period.YEAR) for c in ("1", "2", "3")]
STRATEGIST_SLOTS = [
    (c, year, period)
    for year in (2026, 2027, 2028)
    for c, period in (
        ("1", Period.YEAR),
        ("2", Period.T2),
        ("2", Period.YEAR),
        ("3", Period.YEAR),
        ("4", Period.YEAR),
        ("5", Period.T1),
    )
]

# What the form refuses in a text (a cell cannot hold it): the control characters other
# than tab, LF and CR, U+FFFE, U+FFFF and a lone surrogate.
_UNSTORABLE_CHAR = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_FREE_TEXT = ("observations", "analysis", "action_text")


def as_kept(typed: str, field: str) -> set[str]:
    """The text a typed text lands as: free text exactly as typed (only blanks count as
    empty), a name without its surrounding blanks."""
    received = json.loads(json.dumps(typed))  # "\ud800" "\udfff" arrive as one character
    if field in _FREE_TEXT:
        return {received if received.strip() else ""}
    return {received.strip()}


def storable(inputs: dict[str, Any]) -> bool:
    """Whether every text input can be stored (else the answer is refused)."""
    return not any(
        isinstance(v, str) and _UNSTORABLE_CHAR.search(json.loads(json.dumps(v)))
        for v in inputs.values()
    )


@dataclass(frozen=True)
class Typed:
    """One answer as a person fills in the card: who, which slot, the inputs, how sent."""

    person: Person
    slot: tuple[str, int, Period]
    inputs: dict[str, Any]
    execute: bool
    valid: bool = False  # known to be valid: it must be accepted

    @property
    def key(self) -> tuple[str, int, str]:
        """The row's key in Uppföljning: (ID, År, Period)."""
        control, year, period = self.slot
        return control, year, period.label


def _text_values(limit: int) -> st.SearchStrategy[str]:
    return st.one_of(
        texts(huge=False),
        st.sampled_from(NASTY),
        st.sampled_from(["x" * limit, "😀" * limit, " " + "å" * limit + " \r\n"]),
    )


@st.composite
def typed_answers(draw: st.DrawFn) -> Typed:
    """An answer that is usually valid, with text fields full of hard characters."""
    person = draw(st.sampled_from([ALEX, STRATEGIST]))
    slot = draw(st.sampled_from(ALEX_SLOTS if person is ALEX else STRATEGIST_SLOTS))
    options = SCALE.for_period(slot[2])
    option = draw(st.sampled_from(options))
    outcome = draw(
        st.sampled_from([option.label, option.label.upper(), f"  {option.label.casefold()} "])
    )
    specs = input_specs()
    inputs: dict[str, Any] = {"outcome": outcome}
    checked = draw(st.none() | st.integers(0, 10_000_000))
    if checked is not None:
        inputs["checked"] = draw(st.sampled_from([str(checked), checked, f" {checked} "]))
        if not option.severity.needs_action and draw(st.booleans()):
            inputs["deviations"] = "0"
        elif option.severity.needs_action:
            inputs["deviations"] = str(draw(st.integers(0, checked)))
    for field in ("observations", "analysis"):
        if draw(st.booleans()):
            inputs[field] = draw(_text_values(MAX_LENGTHS[field]))
    action_wanted = option.severity.needs_action or draw(st.booleans())
    if action_wanted:
        for field in ("action_text", "action_owner"):
            inputs[field] = draw(_text_values(MAX_LENGTHS[field]).filter(str.strip))
        due = draw(st.dates(TODAY, TODAY + timedelta(days=5 * 365)))
        inputs["action_due"] = due.isoformat()
    # Now and then one value a person might get wrong; that answer must be refused.
    if draw(st.integers(0, 9)) == 0:
        field = draw(st.sampled_from(sorted(specs)))
        inputs[field] = draw(st.sampled_from(["", "tio", "-3", "2020-01-01", "x" * 5000, "Bra"]))
    return Typed(person, slot, inputs, draw(st.booleans()))


def expected_row(answer: Typed, nonce: str) -> dict[str, Any]:
    """What Uppföljning must hold for an accepted answer (texts as sets of what may land)."""
    values = answer.inputs
    option = SCALE.find(str(values["outcome"]))
    assert option is not None

    def number(field: str) -> int | None:
        raw = str(values.get(field, "")).strip()
        return int(raw) if raw else None

    def text(field: str) -> set[str]:
        return as_kept(str(values.get(field, "")), field)

    due = values.get("action_due")
    return {
        "Bedömning": {option.label},
        "Antal kontrollerade": {number("checked")},
        "Antal avvikelser": {number("deviations")},
        "Iakttagelser": text("observations"),
        "Analys": text("analysis"),
        "Åtgärd": text("action_text"),
        "Åtgärdsansvarig": text("action_owner"),
        "Klart senast": {date.fromisoformat(due) if due else None},
        "Besvarad av": {answer.person.email},
        "Svar-ID": {nonce},
    }


def cell(value: Any) -> Any:
    """A cell as compared: empty text as "", a date cell as a date."""
    if value is None:
        return ""
    return value.date() if isinstance(value, datetime) else value


async def submit(bot: FuzzBot, answer: Typed, nonce: str) -> None:
    """Press Spara svar on the answer's card; the bot answers with a sensible card."""
    client = bot.client
    control, year, period = answer.slot
    data = {"verb": "submit", "plan": bot.plan, "control": control, "year": year}
    data |= {"period": period.value, "nonce": nonce, **answer.inputs}
    conversation = f"conv-{answer.person.id}"
    make = activities.execute if answer.execute else activities.submit
    status, body = await post(client, make(data, answer.person, client.service_url, conversation))
    if answer.execute:
        assert status == 200 and body["type"] == CARD_CONTENT_TYPE, (status, body)
        cards = [body["value"]]
    else:
        assert status in (200, 202), status
        messages = sent_since(client, 0)
        check_messages(messages)
        cards = [a["content"] for m in messages for a in m.get("attachments") or []]
    assert len(cards) == 1, cards
    check_card(cards[0])
    saved = await client.services.journal.get(nonce)
    shown = all_text(cards[0])
    assert ("Svaret är sparat" in shown) == (saved is not None), shown
    assert saved is not None or not answer.valid, shown
    if saved is not None:
        assert storable(answer.inputs), "an answer with a character a cell cannot hold was saved"


def _deviation(**texts: str) -> dict[str, Any]:
    return {
        "outcome": "Mindre avvikelse",
        "checked": "10",
        "deviations": "2",
        "action_text": "Informera om rutinen.",
        "action_owner": "Ekonomichefen",
        "action_due": "2027-03-31",
        **texts,
    }


# Cases that once went wrong, tried first on every run.
_LEADING = _deviation(
    observations="'Rutinen' följs inte alltid",
    analysis="=1+1",
    action_text="-2 fakturor",
    action_owner="@SUM(A1)",
)
_UNSTORABLE = _deviation(observations="rad 1\rrad 2\ufffe slut\uffff", analysis="\x00hej\x1f")
_SURROGATE = _deviation(observations="hej \ud800 då")


async def quiet(bot: FuzzBot) -> FuzzBot:
    """Stop the bot's background writer: each example drains the journal itself, so each
    costs one workbook write, not one per answer."""
    await bot.client.services.writer.stop()
    return bot


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def local_bot(fuzz_bot: FuzzBot) -> FuzzBot:
    """The module's bot on a local workbook, writer stopped."""
    return await quiet(fuzz_bot)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def graph_bot(graph_fuzz_bot: FuzzBot) -> FuzzBot:
    """The module's bot on a workbook in (fake) SharePoint, writer stopped."""
    return await quiet(graph_fuzz_bot)


# Several answers per example: reading the workbook back costs more than answering.
ANSWERS = st.lists(typed_answers(), min_size=2, max_size=6, unique_by=lambda a: a.key)


@settings(max_examples=100)
@example(answers=[Typed(ALEX, ALEX_SLOTS[0], _LEADING, execute=True, valid=True)])
@example(answers=[Typed(ALEX, ALEX_SLOTS[1], _UNSTORABLE, execute=False)])
@example(answers=[Typed(ALEX, ALEX_SLOTS[2], _SURROGATE, execute=True)])
@example(answers=[Typed(STRATEGIST, STRATEGIST_SLOTS[4], _SURROGATE, execute=False)])
@given(answers=ANSWERS)
async def test_accepted_answers_land_exactly_as_typed(
    local_bot: FuzzBot, answers: list[Typed]
) -> None:
    await answer_and_read_back(local_bot, answers)


@settings(max_examples=30)
@example(answers=[Typed(ALEX, ALEX_SLOTS[0], _LEADING, execute=True, valid=True)])
@example(answers=[Typed(ALEX, ALEX_SLOTS[1], _UNSTORABLE, execute=False)])
@given(answers=ANSWERS)
async def test_accepted_answers_land_exactly_as_typed_through_graph(
    graph_bot: FuzzBot, answers: list[Typed]
) -> None:
    await answer_and_read_back(graph_bot, answers)


async def answer_and_read_back(bot: FuzzBot, answers: list[Typed]) -> None:
    """Submit the answers, drain the writer, and compare the workbook with what it held
    before: the rows of accepted answers as typed, every other row unchanged.

    The workbook is read at the start rather than remembered from the last example, so
    an example means the same when Hypothesis runs it again (to shrink a failure)."""
    client = bot.client
    await client.drain()  # whatever an earlier, failed example left in the journal
    before = rows_by_key(bot)
    accepted: dict[tuple[str, int, str], dict[str, Any]] = {}
    for answer in answers:
        bot.reset()
        nonce = f"{len(bot.state.setdefault('nonces', [])):032x}"
        bot.state["nonces"].append(nonce)
        await submit(bot, answer, nonce)
        if await client.services.journal.get(nonce) is not None:
            accepted[answer.key] = expected_row(answer, nonce)
        assert bot.failures.take() == []
    await client.drain()
    assert await client.services.journal.count_pending() == 0
    after = rows_by_key(bot)
    assert set(after) == set(before) | set(accepted)
    for key, row in after.items():
        if key not in accepted:
            assert row == before[key], key
            continue
        for header, allowed in accepted[key].items():
            assert cell(row[header]) in {cell(v) for v in allowed}, (key, header, row[header])


def rows_by_key(bot: FuzzBot) -> dict[tuple[str, int, str], dict[str, Any]]:
    """The answers sheet's rows by (ID, År, Period), after checking the workbook opens and
    holds no formula."""
    rows = check_answers_sheet(bot.stored)
    return {(str(r["ID"]), r["År"], r["Period"]): r for r in rows}
