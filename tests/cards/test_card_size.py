"""The size guard, and the worst case of every card kind: never above 28 KB, never broken."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest

from bot.domain.assignments import AnswerState
from bot.domain.model import (
    Action,
    Answer,
    Control,
    OutcomeOption,
    OutcomeScale,
    Period,
    Plan,
    Risk,
)
from bot.domain.periods import Term
from bot.domain.status import SheetWritten, Summary, compile_status
from cards.actions import SubmitAnswer
from cards.answer import ECHO_BUDGET, INPUT_IDS, MAX_LENGTHS, answer_card
from cards.common import adaptive_card, button, text_block
from cards.listing import list_card
from cards.notice import notice_card
from cards.receipt import receipt_card
from cards.size import CARD_LIMIT, TOO_BIG, card_size, fit_card, printable, text_size
from cards.status import status_card
from cards.summary_written import summary_written_card
from cards.unanswered import unanswered_card
from cards.welcome import help_card, welcome_card
from tests.fakes.card_data import (
    NONCE,
    STRANGNAS_SCALE,
    THREE_DAYS_LATE,
    assignment,
    backup_control,
    saved_answer,
)
from tests.fakes.card_schema import actions, all_text, assert_valid_card, inputs, texts, walk

EXCEL_CELL = 32_767  # the most characters an Excel cell holds
MEGABYTE = 1_000_000


@functools.cache
def worst(length: int) -> str:
    """Text that takes the most bytes of JSON per character: 4-byte emoji, 6-byte escapes
    of control characters, 2-byte escaped quotes, and a lone surrogate."""
    return ('😀\x01"\\\ud800' * (length // 5 + 1))[:length]


def _size(card: dict[str, Any]) -> int:
    # What the guard promises, measured independently: the JSON Teams gets, in UTF-8.
    return len(json.dumps(card, ensure_ascii=False).encode())


def _sent(card: dict[str, Any]) -> dict[str, Any]:
    """The card as the bot sends it: through the guard, then checked."""
    fitted = fit_card(card)
    assert_valid_card(fitted)
    assert _size(fitted) <= CARD_LIMIT
    return fitted


def _is_fallback(card: dict[str, Any]) -> bool:
    return TOO_BIG in texts(card)


# --- the guard ---------------------------------------------------------------------------


def test_a_card_within_the_limit_goes_out_unchanged() -> None:
    card = notice_card("Alla dina kontrollmoment är besvarade.")
    assert fit_card(card) == card


def test_lone_surrogates_anywhere_become_a_replacement_character() -> None:
    card = adaptive_card(
        [text_block("hej \ud800 då"), {"type": "Input.Text", "id": "x", "value": "\udfff"}],
        [
            button(
                "Mina \udc00",
                SubmitAnswer(plan="p", control="c", year=2026, period=Period.YEAR, nonce=NONCE),
            )
        ],
    )
    sent = _sent(card)
    assert "hej � då" in texts(sent)
    assert inputs(sent)["x"]["value"] == "�"
    assert printable("a😀b\ud800") == "a😀b�"  # a whole emoji stays
    json.dumps(sent, ensure_ascii=False).encode()  # raises on anything UTF-8 cannot carry


def test_shown_text_is_cut_but_values_and_data_are_never_touched() -> None:
    long_value = "v" * 4000
    card = adaptive_card(
        [
            text_block("å" * 30_000),
            {"type": "FactSet", "facts": [{"title": "Risk", "value": "ä" * 20_000}]},
            {"type": "Input.Text", "id": "observations", "value": long_value},
            {
                "type": "Input.ChoiceSet",
                "id": "outcome",
                "choices": [{"title": "ö" * 5_000, "value": "Ingen avvikelse"}],
            },
        ],
        [
            button(
                "Spara",
                SubmitAnswer(plan="p", control="c", year=2026, period=Period.YEAR, nonce=NONCE),
            )
        ],
    )
    sent = _sent(card)
    assert not _is_fallback(sent)
    assert inputs(sent)["observations"]["value"] == long_value
    assert inputs(sent)["outcome"]["choices"][0]["value"] == "Ingen avvikelse"
    assert [a["data"] for a in actions(sent)] == [a["data"] for a in actions(card)]
    cut = [t for t in texts(sent) if t.startswith("åå")]
    assert cut and cut[0].endswith("…") and len(cut[0]) > 1000


def test_a_card_that_cannot_be_made_to_fit_becomes_a_short_message() -> None:
    # Only values that must not be cut are big: nothing to shorten, so a message goes out.
    card = adaptive_card([{"type": "Input.Text", "id": "x", "value": "x" * 40_000}])
    sent = _sent(card)
    assert _is_fallback(sent) and not inputs(sent)


def test_sizes_are_measured_as_teams_receives_them() -> None:
    assert text_size('å😀"\n\x01') == 2 + 4 + 2 + 2 + 6
    assert card_size({"a": "\ud800"}) == len('{"a": "') + 3 + len('"}')


# --- the worst case of every card kind ---------------------------------------------------

LONG_ID = "1" * 200  # the longest id a card action carries


def worst_control(index: int = 0, *, ids: str = LONG_ID) -> Control:
    """A control whose every text is a full Excel cell of the costliest characters."""
    text = worst(EXCEL_CELL)
    return replace(
        backup_control(),
        id=f"{index}-{ids}"[:200],
        plan_key=("p" + ids)[:200],
        description=text,
        namnd=text,
        area=text,
        process=text,
        risk_text=text,
        risk=Risk(3, 4, label=text),
        method=text,
        sample=text,
        owner=text,
    )


def worst_answer(control: Control) -> Answer:
    """An answer as big as the journal could hold one: every text far over its limit."""
    return replace(
        saved_answer(control),
        outcome=worst(1_000),
        answered_by=worst(1_000),
        observations=worst(MEGABYTE),
        analysis=worst(MEGABYTE),
        action=Action(worst(MEGABYTE), worst(MEGABYTE), date(2027, 3, 31)),
    )


def worst_scale(count: int = 8) -> tuple[OutcomeOption, ...]:
    return tuple(
        OutcomeOption(f"{n} {worst(150)}", option.severity)
        for n, option in enumerate(STRANGNAS_SCALE.options * (count // 4))
    )


def worst_values() -> dict[str, str]:
    return {input_id: worst(MEGABYTE) for input_id in INPUT_IDS}


def worst_summary() -> Summary:
    controls = tuple(worst_control(i) for i in range(1, 41))
    plan = Plan(controls[0].plan_key, worst(EXCEL_CELL), controls)
    term = Term(2026, Period.YEAR)
    answers = [
        replace(
            worst_answer(c),
            control_id=c.id,
            plan_key=c.plan_key,
            outcome=("Större avvikelse", "Mindre avvikelse", "Okänd " + worst(500))[i % 3],
        )
        for i, c in enumerate(controls)
        if i % 4
    ]
    return compile_status([plan], answers, term, THREE_DAYS_LATE, namnd=worst(EXCEL_CELL))


def _answer_card() -> dict[str, Any]:
    target = assignment(
        worst_control(), state=AnswerState.ANSWERED, answer=worst_answer(worst_control())
    )
    errors = {key: worst(5_000) for key in (*INPUT_IDS, "_form", "unknown")}
    return answer_card(
        target, worst_scale(), NONCE, THREE_DAYS_LATE, values=worst_values(), errors=errors
    )


WORST: dict[str, Callable[[], dict[str, Any]]] = {
    "welcome": welcome_card,
    "help": lambda: help_card(strategist=True),
    "list": lambda: list_card(
        [assignment(worst_control(i), plan_name=worst(EXCEL_CELL)) for i in range(200)],
        THREE_DAYS_LATE,
        limit=200,
    ),
    "answer": _answer_card,
    "receipt": lambda: receipt_card(
        assignment(worst_control(), plan_name=worst(EXCEL_CELL)),
        worst_answer(worst_control()),
        pending=True,
        has_next=True,
    ),
    "notice": lambda: notice_card(worst(MEGABYTE), title=worst(MEGABYTE), attention=True),
    "status": lambda: status_card(worst_summary(), full=True, pending=10**9),
    "unanswered": lambda: unanswered_card(worst_summary()),
    "summary_written": lambda: summary_written_card(
        [SheetWritten(worst(EXCEL_CELL), error=worst(MEGABYTE)) for _ in range(500)]
        + [SheetWritten(worst(EXCEL_CELL), sheet=worst(EXCEL_CELL)) for _ in range(500)],
        year=2026,
        period=Period.YEAR,
        namnd=printable(worst(200)),  # from a button, so already checked by its model
    ),
}


@pytest.mark.parametrize("kind", list(WORST))
def test_the_worst_case_of_every_card_kind_goes_out_under_the_limit(kind: str) -> None:
    sent = _sent(WORST[kind]())
    # Shortening what is shown is enough: each card still does its job.
    assert not _is_fallback(sent), kind


def test_the_worst_answer_card_keeps_its_form_and_as_much_as_it_can_of_each_text() -> None:
    sent = _sent(_answer_card())
    found = inputs(sent)
    assert list(found) == list(INPUT_IDS)
    echoed = [found[i]["value"] for i in MAX_LENGTHS]
    assert sum(text_size(v) for v in echoed) <= ECHO_BUDGET
    # Every text keeps a fair share of what the costly plan leaves (the folded details and
    # åtgärd toggles, the Historik button and the helår choice with its error take a little).
    assert all(len(v) >= min(700, MAX_LENGTHS[i]) for i, v in zip(MAX_LENGTHS, echoed, strict=True))
    for input_id, value in zip(MAX_LENGTHS, echoed, strict=True):
        assert printable(worst(MEGABYTE)).startswith(value), input_id
    text = all_text(sent)
    assert "Här visas bara de första" in text
    assert "Du skrev: ”" in text  # the number, date and bedömning that inputs cannot hold
    assert all(len(t) < 200 for t in texts(sent) if t.startswith("Du skrev"))


def test_a_maximal_answer_in_swedish_is_shown_whole_on_a_realistic_card() -> None:
    values = {
        "outcome": "Mindre avvikelse",
        "observations": "å\n" * 2000,
        "analysis": 'ä"' * 2000,
        "action_text": "ö" * 2000,
        "action_owner": "Å" * 200,
    }
    card = answer_card(
        assignment(),
        STRANGNAS_SCALE.options,
        NONCE,
        THREE_DAYS_LATE,
        values=values,
        errors={k: "Fel." for k in INPUT_IDS},
    )
    assert _size(card) <= CARD_LIMIT
    assert fit_card(card) == card
    found = inputs(card)
    for input_id in MAX_LENGTHS:
        assert found[input_id]["value"] == values[input_id]
    assert "Här visas bara" not in all_text(card)


def test_every_value_on_a_worst_card_comes_back_unchanged_or_cut_never_altered() -> None:
    # Input values are prefixes of what was typed, never shortened with "…".
    sent = _sent(_answer_card())
    for element in walk(sent):
        if element.get("type") == "Input.Text" and "value" in element:
            assert not element["value"].endswith("…")


def test_an_answer_from_long_ago_stays_whole_when_it_is_reopened() -> None:
    # "Ändra svar": the saved answer pre-fills the card; within the budget it is whole.
    answer = saved_answer(
        observations="ö" * 4000,
        analysis="ä" * 4000,
        action=Action("å" * 2000, "Å" * 200, date(2027, 3, 31)),
    )
    card = answer_card(
        assignment(answer=answer, state=AnswerState.ANSWERED),
        OutcomeScale.default().options,
        NONCE,
        datetime(2027, 1, 10, tzinfo=UTC).date(),
    )
    assert fit_card(card) == card
    assert inputs(card)["observations"]["value"] == "ö" * 4000
    assert inputs(card)["action_owner"]["value"] == "Å" * 200
