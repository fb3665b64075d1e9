"""``mina åtgärder`` from the åtgärder index (kept per plan snapshot, updated answer by
answer) gives what the scan of every control gives, over a real workbook, journal and
åtgärd log, on SQLite and PostgreSQL, after random answers, statuses and writes."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import openpyxl

from bot.actions import ActionOpened, Actions
from bot.domain.clock import Clock
from bot.domain.followup import ActionStatus, StatusUpdate
from bot.domain.identity import User
from bot.domain.model import Action, Answer, ControlKey, Period
from bot.plans import PlanBook
from bot.store.action_log import ActionLog
from bot.store.database import Database
from bot.store.journal import Journal
from graph.excel_local import LocalSource
from tests.databases import both_engines
from tests.fakes.harness import ALEX, MARIA, STRATEGIST, standard_plan

pytestmark = both_engines

AT = datetime(2027, 1, 5, 9, 0, tzinfo=UTC)
PEOPLE = (
    User("alex", ALEX.email, "Alex", False),
    User("maria", MARIA.email, "Maria", False, addresses=frozenset({"ml@example.com"})),
    User("stina", STRATEGIST.email, "Stina", True),
)
OWNERS = ("", ALEX.email, "ML@example.com", "Ekonomichef", STRATEGIST.email)


async def test_the_index_gives_what_the_scan_gives(store_db: Database, tmp_path: Path) -> None:
    folder = standard_plan(tmp_path / "plans" / "ks.xlsx").parent
    source = LocalSource(folder, revalidate_after=0, in_process=True)
    journal = Journal(store_db)
    log = ActionLog(store_db)
    book = PlanBook(source, journal)
    clock = Clock(date(2027, 1, 20))
    indexed = Actions(book, log, clock, journal=journal)
    scanned = Actions(book, log, clock)  # no journal: every control scanned each time
    rng = random.Random(15)
    answers: list[Answer] = []
    for turn in range(30):
        kind = rng.choice(("answer", "answer", "answer", "status", "write", "plan"))
        if kind == "answer":
            answer = Answer(
                f"{turn:032d}",
                "ks.xlsx",
                rng.choice("123459"),  # 9: a control the plan does not have
                rng.choice((2026, 2026, 2025)),
                rng.choice((Period.T1, Period.T2, Period.YEAR)),
                rng.choice(("Mindre avvikelse", "Större avvikelse", "Ingen avvikelse")),
                ALEX.email,
                AT + timedelta(minutes=rng.randrange(3)),
                action=Action("Gör om", rng.choice(OWNERS), date(2027, 1, rng.randrange(1, 28)))
                if rng.random() < 0.7
                else None,
            )
            assert await journal.append(answer)
            answers.append(answer)
        elif kind == "status" and answers:
            answer = rng.choice(answers)
            status = rng.choice(list(ActionStatus))
            await log.append(
                StatusUpdate(
                    f"upd{turn}",
                    answer.plan_key,
                    answer.control_id,
                    answer.year,
                    answer.period,
                    status,
                    "",
                    ALEX.email,
                    AT + timedelta(minutes=turn),
                    answer.action or Action("Gör om", "", None),
                )
            )
        elif kind == "write":
            waiting = await journal.pending("ks.xlsx", 100)
            if waiting:
                await source.workbook("ks.xlsx").write_answers(waiting)
                ids = [a.answer_id for a in waiting]
                await journal.mark_written("ks.xlsx", ids, datetime.now(UTC))
        elif kind == "plan" and turn % 3 == 0:  # a plan edited in Excel: a new snapshot
            path = folder / "ks.xlsx"
            workbook = openpyxl.load_workbook(path)
            sheet = workbook["Kontrollplan"]
            sheet.cell(row=4, column=1).value = sheet.cell(row=4, column=1).value
            workbook.save(path)
        for person in PEOPLE:
            assert await indexed.mine(person) == await scanned.mine(person), (turn, person)
        assert await indexed.open_actions() == await scanned.open_actions(), turn
        for answer in answers[-3:]:
            slot = (ControlKey(answer.plan_key, answer.control_id), answer.year, answer.period)
            for person in PEOPLE:
                got, want = await indexed.open(person, slot), await scanned.open(person, slot)
                if isinstance(want, ActionOpened):
                    assert isinstance(got, ActionOpened) and got.action == want.action
                else:
                    assert got == want, (turn, person, slot)
    mine = await indexed.mine(PEOPLE[0])
    assert mine.actions or mine.done  # the test saw some of Alex's åtgärder
    await source.close()
