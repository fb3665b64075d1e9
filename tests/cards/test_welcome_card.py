"""The welcome and help cards."""

from __future__ import annotations

import pytest

from cards.actions import ShowHelp, ShowList, card_action
from cards.welcome import help_card, welcome_card
from tests.fakes.card_schema import all_text, assert_valid_card, buttons


def test_welcome_card_explains_the_bot_and_what_to_type() -> None:
    card = welcome_card()
    assert_valid_card(card)
    text = all_text(card)
    assert "internkontroll" in text
    assert "kontrollmoment" in text
    assert "Excel" in text
    assert "Kvalitetsstrategen" in text
    assert "mina kontroller" in text
    assert "hjälp" in text


def test_welcome_card_buttons_open_the_list_and_the_help() -> None:
    found = buttons(welcome_card())
    assert list(found) == ["Mina kontroller", "Hjälp"]
    assert card_action.validate_python(found["Mina kontroller"]["data"]) == ShowList()
    assert card_action.validate_python(found["Hjälp"]["data"]) == ShowHelp()
    for action in found.values():
        assert action["verb"] == action["data"]["verb"]
        assert action["fallback"]["type"] == "Action.Submit"
        assert action["fallback"]["data"] == action["data"]


@pytest.mark.parametrize("strategist", [False, True])
def test_help_card_lists_the_commands(strategist: bool) -> None:
    card = help_card(strategist=strategist)
    assert_valid_card(card)
    text = all_text(card)
    for command in ("mina kontroller", "”kontroller”", "”svara”", "hjälp"):
        assert command in text
    assert "Spara svar" in text
    found = buttons(card)
    assert list(found) == ["Mina kontroller"]
    assert card_action.validate_python(found["Mina kontroller"]["data"]) == ShowList()


def test_only_strategists_are_told_they_may_answer_anything_at_any_time() -> None:
    assert "när som helst" not in all_text(help_card(strategist=False))
    text = all_text(help_card(strategist=True))
    assert "alla kontrollmoment" in text
    assert "när som helst" in text


def test_help_explains_status_for_each_role() -> None:
    assert "Du ser alla nämnder." in all_text(help_card(strategist=True))
    assert "dina egna kontrollmoment" in all_text(help_card(strategist=False))


def test_only_strategists_are_told_about_the_report() -> None:
    assert "rapport helår" in all_text(help_card(strategist=True))
    assert "rapport" not in all_text(help_card(strategist=False))
