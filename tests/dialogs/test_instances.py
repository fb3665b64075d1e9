"""Two bot instances on one store (SQLite file or PostgreSQL), in one process: greetings
and answers that reach both at once are handled once."""

from __future__ import annotations

import asyncio

from tests.conftest import BotFactory
from tests.databases import both_engines
from tests.dialogs.test_answering import GOOD, answer, answers_in
from tests.fakes import activities
from tests.fakes.activities import in_shared
from tests.fakes.harness import ALEX, MARIA, STRATEGIST, cards_of

pytestmark = both_engines


async def test_greetings_reaching_two_instances_at_once_get_one_welcome(start: BotFactory) -> None:
    first, second = await start(), await start()
    for n in range(5):
        conversation = f"conv-{n}"
        # Teams sends both on first contact; a load balancer may give one to each instance.
        await asyncio.gather(
            first.post(activities.installed(ALEX, first.service_url, conversation)),
            second.post(activities.members_added(ALEX, second.service_url, conversation)),
        )
        assert len(cards_of(first.connector.messages_to(conversation))) == 1
    team = "19:team-general@thread.tacv2"
    await asyncio.gather(
        first.post(in_shared(activities.installed(ALEX, first.service_url, team))),
        second.post(in_shared(activities.bot_added(ALEX, second.service_url, team))),
    )
    assert len(first.connector.messages_to(team)) == 1


async def test_answers_through_two_instances_land_once(start: BotFactory) -> None:
    first, second = await start(), await start()
    await asyncio.gather(
        answer(first, "1", GOOD),
        answer(second, "2", GOOD),
        answer(first, "4", GOOD, person=MARIA),
        answer(second, "3", GOOD, person=STRATEGIST),
    )
    # Both writers drain at once (and their background tasks too); the lease lets one
    # write the workbook at a time, and the one that holds it writes the others' answers.
    for _ in range(100):
        await asyncio.gather(first.drain(), second.drain())
        if not await first.services.journal.count_pending():
            break
        await asyncio.sleep(0.05)
    rows = answers_in(first.services.settings.workbook / "ks.xlsx")
    assert sorted(r["ID"] for r in rows) == ["1", "2", "3", "4"]
