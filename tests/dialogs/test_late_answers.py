"""Late answers are marked in the workbook: the Uppföljning row says how many days after
the sista svarsdag it was saved (blank when in time), on both backends, and the mark reads
back and survives the journal."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tests.conftest import BotFactory
from tests.dialogs.test_answering import GOOD, answers_in
from tests.dialogs.test_conflict import open_first
from tests.dialogs.test_receipts import written_out
from tests.dialogs.trust_world import world_on
from tests.fakes.harness import find_action

LATE = "Dagar efter sista svarsdag"


@pytest.mark.parametrize("backend", ["local", "graph"])
@pytest.mark.parametrize(("today", "late"), [(date(2027, 1, 10), None), (date(2027, 1, 19), 5)])
async def test_an_answer_after_the_deadline_is_marked_in_uppfoljning(
    backend: str, today: date, late: int | None, start: BotFactory, tmp_path: Path
) -> None:
    # The standard plan's helår is due 14 days after the year's end: 2027-01-14.
    async with world_on(backend, start, tmp_path, today=today) as world:
        bot = world.bot
        await bot.click(find_action(await open_first(bot), "Spara svar"), **GOOD)
        await written_out(world)
        [row] = answers_in(world.workbook)
        assert row[LATE] == late
        [plan] = await bot.services.plans.plans()
        answers, _ = await bot.services.plans.answers_to([plan])
        assert {a.days_late for a in answers} == {late or 0}  # the workbook's and the journal's
