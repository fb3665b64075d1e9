"""What people type: near misses get "Menade du …?", a period after "mina kontroller"
lists that period, thanks get an answer, strategists see the status commands in help."""

from __future__ import annotations

import pytest

from dialogs.commands import _PHRASES, Command, parse_command, suggest
from tests.fakes.harness import ALEX, STRATEGIST, BotClient, card_text, cards_of, find_action


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("mina kontroler", "mina kontroller"),
        ("Mina kontrolller!", "mina kontroller"),
        ("statu helar", "status helår"),
        ("status helr", None),  # a status with a word the status reads as a nämnd
        ("visa mina kontroller", "mina kontroller"),
        ("hjlp", "hjälp"),
    ],
)
def test_near_misses_are_matched_to_the_phrase_table(typed: str, meant: str | None) -> None:
    assert suggest(typed) == meant


@pytest.mark.parametrize("typed", ["vad är klockan?", "ja", "ok", "hej då", "", "🙂"])
def test_what_is_not_near_anything_gets_no_suggestion(typed: str) -> None:
    assert suggest(typed) is None


def test_every_phrase_in_the_table_is_reachable_by_a_near_miss() -> None:
    # Whatever phrases the table holds: one letter dropped from a phrase still finds it.
    for phrase, command in _PHRASES.items():
        if command in (Command.GREETING, Command.THANKS) or len(phrase) < 6:
            continue
        typo = phrase[:-2] + phrase[-1]
        assert suggest(typo) is not None, phrase
        assert parse_command(suggest(typo) or "") is command, phrase


async def test_a_near_miss_gets_did_you_mean_and_the_button_does_it(bot: BotClient) -> None:
    [card] = cards_of(await bot.say("mina kontroler"))
    assert "Menade du ”mina kontroller”?" in card_text(card)
    listed = await bot.click(find_action(card, "Ja, mina kontroller"))
    assert "Mina kontroller" in card_text(listed)
    assert len([a for a in listed["body"] if a.get("type") == "Container"]) == 3


async def test_a_status_near_miss_runs_the_status(bot: BotClient) -> None:
    [card] = cards_of(await bot.say("statu helar", STRATEGIST))
    shown = await bot.click(find_action(card, "Ja, status helår"), STRATEGIST)
    assert "Status helår 2026" in card_text(shown)


async def test_a_forged_suggestion_gets_the_notice(bot: BotClient) -> None:
    card = await bot.click({"verb": "command", "text": "radera allt"})
    assert "känner igen" in card_text(card)


async def test_nonsense_still_gets_the_short_help(bot: BotClient) -> None:
    [reply] = await bot.say("vad är klockan?")
    assert "förstod inte" in reply["text"]


@pytest.mark.parametrize("typed", ["tack", "Tack!", "tack så mycket", "Tusen tack"])
async def test_thanks_get_a_friendly_answer(bot: BotClient, typed: str) -> None:
    [reply] = await bot.say(typed)
    assert reply["text"].startswith("Varsågod")


async def test_my_controls_for_a_named_period(bot: BotClient) -> None:
    # Today 2027-01-10: helår 2026 is open; delår 2 2026 closed in October.
    assert parse_command("mina kontroller delår 2") is Command.LIST
    [card] = cards_of(await bot.say("mina kontroller delår 2"))
    text = card_text(card)
    assert "Delår 2 2026" in text
    assert "Feltoleranstest av datanätverket" in text  # control 2: delår 2 and helår
    assert "En fil från slumpmässigt valt system" not in text  # helår only
    assert "Går inte att besvara nu" in text  # closed for the ansvarig
    [card] = cards_of(await bot.say("mina kontroller delår 1 2026"))
    assert "Attestförteckningar stämmer" in card_text(card)


async def test_strategists_see_the_status_commands_in_help(bot: BotClient) -> None:
    [mine] = cards_of(await bot.say("hjälp", ALEX))
    [theirs] = cards_of(await bot.say("hjälp", STRATEGIST))
    assert "status helår 2025" in card_text(theirs) and "bara en nämnd" in card_text(theirs)
    assert "status helår 2025" not in card_text(mine)
