"""Reminders for åtgärder: before and after Klart senast, in the owner's digest with an
"Uppdatera status" button, and none once the åtgärd is Klar (real app, both engines)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from tests.conftest import BotFactory
from tests.databases import both_engines
from tests.dialogs.test_followup import DEVIATION, answer, plan
from tests.dialogs.test_reminders import at, introduce, sweep_on
from tests.fakes.card_schema import all_text
from tests.fakes.connector import Person
from tests.fakes.harness import ALEX, MARIA, STRATEGIST, BotClient, cards_of, find_actions

pytestmark = both_engines


def action_reminders(bot: BotClient, person: Person, since: int) -> list[dict[str, Any]]:
    """Reminder cards with an åtgärd section sent to a person after ``since`` posts."""
    found = []
    for message in bot.connector.sent[since:]:
        if message["_conversation"] == f"conv-{person.id}" and message["type"] == "message":
            found += [c for c in cards_of([message]) if "Åtgärder att slutföra" in all_text(c)]
    return found


async def test_an_action_is_reminded_of_until_it_is_done(start: BotFactory, tmp_path: Path) -> None:
    bot = await start(plan(tmp_path), today=None)
    bot.services.clock.set(at(date(2026, 9, 10)))
    await introduce(bot, ALEX, MARIA, STRATEGIST)
    await answer(bot, "1", DEVIATION)  # an åtgärd for Alex, klart senast Saturday 31 October
    received: dict[str, list[date]] = defaultdict(list)
    day = date(2026, 9, 11)
    while day <= date(2026, 12, 31):
        before = len(bot.connector.sent)
        await sweep_on(bot, at(day))
        for person in (ALEX, MARIA, STRATEGIST):
            for card in action_reminders(bot, person, before):
                received[person.id].append(day)
                [button] = find_actions(card, "Uppdatera status")
                assert (button["control"], button["period"]) == ("1", "T2")
                assert "Klart senast 31 oktober 2026" in all_text(card)
                if day == date(2026, 11, 16):  # the second overdue reminder: done now
                    opened = await bot.click(button, ALEX)
                    [save] = find_actions(opened, "Spara status")
                    await bot.click(save, ALEX, action_status="Klar", action_comment="Klart.")
        day += timedelta(days=1)

    assert received[ALEX.id] == [
        date(2026, 10, 26),  # five working days before the Saturday
        date(2026, 10, 30),  # "on the day": the working day before it
        date(2026, 11, 9),  # overdue, weekly (moved off the weekend)
        date(2026, 11, 16),  # then Klar: nothing more
    ]
    # Nobody else owns it, and the strategists get no digest of åtgärder.
    assert received[MARIA.id] == [] and received[STRATEGIST.id] == []
