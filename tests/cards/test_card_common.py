"""The shared card helpers: Swedish dates, shortening, risk lines and buttons."""

from __future__ import annotations

import ast
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest

import cards
from bot.domain.model import Period, Risk
from cards.actions import OpenControl, ShowList, card_action
from cards.common import (
    adaptive_card,
    button,
    format_date,
    format_datetime,
    join_words,
    local_date,
    risk_summary,
    shorten,
    source_line,
    text_block,
)
from tests.fakes.card_schema import assert_valid_card


@pytest.mark.parametrize(
    ("day", "text"),
    [
        (date(2027, 1, 14), "14 januari 2027"),
        (date(2026, 2, 1), "1 februari 2026"),
        (date(2026, 5, 31), "31 maj 2026"),
        (date(2026, 8, 31), "31 augusti 2026"),
        (date(2026, 12, 24), "24 december 2026"),
    ],
)
def test_dates_are_written_the_swedish_way(day: date, text: str) -> None:
    assert format_date(day) == text


def test_times_are_shown_in_swedish_local_time_winter_and_summer() -> None:
    assert format_datetime(datetime(2026, 11, 23, 13, 5, tzinfo=UTC)) == (
        "23 november 2026 kl. 14:05"
    )
    assert format_datetime(datetime(2026, 6, 15, 12, 0, tzinfo=UTC)) == "15 juni 2026 kl. 14:00"
    # Another offset is converted, not just relabelled.
    tokyo = timezone(timedelta(hours=9))
    assert format_datetime(datetime(2026, 11, 24, 8, 30, tzinfo=tokyo)) == (
        "24 november 2026 kl. 00:30"
    )


def test_naive_times_are_taken_as_utc() -> None:
    assert format_datetime(datetime(2026, 11, 23, 13, 5)) == "23 november 2026 kl. 14:05"
    # 23:30 UTC on New Year's Eve is already next year in Sweden.
    assert local_date(datetime(2026, 12, 31, 23, 30)) == date(2027, 1, 1)


def test_shorten_cuts_at_a_word_and_collapses_whitespace() -> None:
    assert shorten("  Test\n återläsning   av backup ", 100) == "Test återläsning av backup"
    short = shorten("Att plan för extraordinära händelser och krisberedskap är känd", 30)
    assert short == "Att plan för extraordinära…"
    assert len(short) <= 30
    assert shorten("x" * 50, 10) == "x" * 9 + "…"


def test_join_words_reads_like_swedish() -> None:
    assert join_words([]) == ""
    assert join_words(["Helår 2026"]) == "Helår 2026"
    assert join_words(["Delår 2 2026", "Helår 2026"]) == "Delår 2 2026 och Helår 2026"
    assert join_words(["a", "b", "c"]) == "a, b och c"


@pytest.mark.parametrize(
    ("risk", "text"),
    [
        (Risk(3, 4), "Riskvärde 12 (sannolikhet 3 × konsekvens 4)"),
        (Risk(value=12, label="12. Allvarlig"), "Riskvärde 12 – Allvarlig"),
        (Risk(value=12, label="Allvarlig"), "Riskvärde 12 – Allvarlig"),
        (Risk(value=6, label="6"), "Riskvärde 6"),
        (Risk(label="Hög"), "Hög"),
        (Risk(2, 3, label="Måttlig"), "Riskvärde 6 – Måttlig (sannolikhet 2 × konsekvens 3)"),
        (Risk(), ""),
    ],
)
def test_risk_summary(risk: Risk, text: str) -> None:
    assert risk_summary(risk) == text


def test_source_line_does_not_repeat_the_namnd() -> None:
    assert source_line("Kommunstyrelsen", "Internkontrollplan 2026") == (
        "Kommunstyrelsen · Internkontrollplan 2026"
    )
    assert source_line("Kommunstyrelsen", "Internkontrollplan Kommunstyrelsen 2026") == (
        "Internkontrollplan Kommunstyrelsen 2026"
    )
    assert source_line("", "  ") == ""


def test_button_is_execute_with_a_submit_fallback_carrying_the_same_ids() -> None:
    payload = OpenControl(plan="lindesberg-ks-2026", control="8", year=2026, period=Period.YEAR)
    action = button("Svara", payload, style="positive")
    assert action["type"] == "Action.Execute"
    assert action["verb"] == "open"
    assert action["data"] == payload.data()
    fallback = action["fallback"]
    assert fallback == {
        "type": "Action.Submit",
        "title": "Svara",
        "data": payload.data(),
        "style": "positive",
    }
    assert card_action.validate_python(fallback["data"]) == payload
    # The two data dicts are separate objects: changing one cannot change the other.
    assert action["data"] is not fallback["data"]


def test_button_without_inputs_skips_validation_on_both_actions() -> None:
    action = button("Tillbaka till listan", ShowList(), with_inputs=False)
    assert action["associatedInputs"] == "none"
    assert action["fallback"]["associatedInputs"] == "none"
    assert_valid_card(adaptive_card([text_block("x")], [action]))


def test_envelope_drops_missing_items_and_declares_schema_and_version() -> None:
    card = adaptive_card([None, text_block("Hej"), None])
    assert card["body"] == [text_block("Hej")]
    assert card["version"] == "1.5"
    assert card["$schema"] == "http://adaptivecards.io/schemas/adaptive-card.json"
    assert "actions" not in card
    assert_valid_card(card)


def test_the_schema_check_rejects_broken_cards() -> None:
    with pytest.raises(AssertionError, match="root type"):
        assert_valid_card({"version": "1.5", "body": []})
    with pytest.raises(AssertionError, match="invalid Adaptive Card"):
        assert_valid_card(adaptive_card([{"type": "TextBlock", "text": "x", "colour": "red"}]))
    with pytest.raises(AssertionError, match="duplicate input ids"):
        field = {"type": "Input.Text", "id": "a"}
        assert_valid_card(adaptive_card([field, dict(field)]))


_ALLOWED_IMPORTS = (
    "__future__",
    "collections",
    "dataclasses",
    "datetime",
    "enum",
    "functools",
    "json",
    "re",
    "typing",
    "zoneinfo",
    "pydantic",
    "bot.domain.model",
    "bot.domain.periods",
    "bot.domain.assignments",
    "bot.domain.policy",
    "bot.domain.status",
    "bot.domain.namnder",
    "bot.domain.followup",
    "bot.domain.swedish",
    "bot.domain.due",
    "bot.domain.schedule",
    "cards",
)


def test_cards_are_pure_they_import_only_the_domain_and_never_await() -> None:
    root = Path(cards.__file__).parent
    for path in sorted(root.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                assert not isinstance(node, ast.AsyncFunctionDef | ast.Await), path.name
                continue
            for name in names:
                allowed = any(name == a or name.startswith(f"{a}.") for a in _ALLOWED_IMPORTS)
                assert allowed, f"{path.name} imports {name}"
