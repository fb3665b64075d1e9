"""The answering and status use cases over a real workbook and a real SQLite journal."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from bot.answers import (
    AllDone,
    Answers,
    Invalid,
    Listed,
    Opened,
    Saved,
    Stale,
    Submission,
)
from bot.domain.assignments import AnswerState
from bot.domain.identity import User
from bot.domain.model import ControlKey, Period
from bot.domain.periods import Term
from bot.domain.policy import Refusal, Target
from bot.reports.status import StatusQuery, StatusReports, StatusShown, SummariesWritten
from bot.services import Services
from bot.settings import Settings
from dialogs.form import CardInputs
from tests.fakes.harness import ALEX, MARIA, STRATEGIST, standard_plan

HELAR = Term(2026, Period.YEAR)
GOOD = CardInputs({"outcome": "Ingen avvikelse", "checked": "12", "deviations": "0"})
DEVIATION = CardInputs(
    {
        "outcome": "Mindre avvikelse",
        "checked": "10",
        "deviations": "2",
        "action_text": "Rutinen gås igenom.",
        "action_owner": "Ekonomichefen",
        "action_due": "2027-03-31",
    }
)


def user(person, *, strategist: bool = False) -> User:
    return User(person.id, person.email, person.name, strategist, frozenset({person.email}))


def target(control: str, term: Term = HELAR) -> Target:
    return Target(ControlKey("ks.xlsx", control), term)


@dataclass
class World:
    """The use cases over one plan folder and one journal; ``notified`` counts the writer's
    wake-ups (the writer itself is not woken, so what is journalled stays pending)."""

    services: Services
    answers: Answers
    reports: StatusReports
    notified: list[None]
    folder: Path


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    folder = standard_plan(tmp_path / "plans" / "ks.xlsx").parent
    settings = Settings(
        workbook=folder,
        data_dir=tmp_path / "var",
        strategists=frozenset({STRATEGIST.email}),
        today=date(2027, 1, 10),
    )
    services = Services.build(settings)
    await services.start()
    notified: list[None] = []
    answers = Answers(
        services.plans, services.journal, services.clock, notify=lambda: notified.append(None)
    )
    yield World(services, answers, StatusReports(services.plans, services.clock), notified, folder)
    await services.stop()


ALEX_USER = user(ALEX)
MARIA_USER = user(MARIA)
STRATEGIST_USER = user(STRATEGIST, strategist=True)


async def opened(world: World, control: str, who: User = ALEX_USER) -> Opened:
    result = await world.answers.open(who, target(control))
    assert isinstance(result, Opened), result
    return result


async def test_my_assignments_are_the_open_controls_in_deadline_order(world: World) -> None:
    listed = await world.answers.my_assignments(ALEX_USER)
    assert isinstance(listed, Listed) and listed.today == date(2027, 1, 10)
    assert [(a.control.id, a.term) for a in listed.assignments] == [
        ("1", HELAR),
        ("2", HELAR),
        ("3", HELAR),
    ]
    assert all(a.state is AnswerState.UNANSWERED and a.can_answer for a in listed.assignments)


async def test_opening_gives_the_scale_of_the_term_and_a_fresh_nonce(world: World) -> None:
    first, second = await opened(world, "1"), await opened(world, "1")
    assert first.assignment.control.description.startswith("En fil från")
    assert "Följs upp på helår" not in [o.label for o in first.options]  # helår only
    assert re.fullmatch(r"[0-9a-f]{32}", first.nonce) and first.nonce != second.nonce


async def test_opening_someone_elses_control_is_refused(world: World) -> None:
    result = await world.answers.open(MARIA_USER, target("1"))
    assert isinstance(result, Refusal) and "tilldelat någon annan" in result.reason


async def test_opening_a_control_no_longer_in_the_plan_is_refused(world: World) -> None:
    result = await world.answers.open(ALEX_USER, target("99"))
    assert isinstance(result, Refusal) and "finns inte längre" in result.reason


async def test_a_valid_answer_is_journalled_once_and_wakes_the_writer(world: World) -> None:
    card = await opened(world, "1")
    saved = await world.answers.submit(ALEX_USER, Submission(target("1"), card.nonce), DEVIATION)
    assert isinstance(saved, Saved) and saved.pending and saved.has_next
    assert saved.answer.answer_id == card.nonce and saved.answer.answered_by == ALEX.email
    assert saved.answer.action is not None and saved.answer.action.owner == "Ekonomichefen"
    assert world.notified == [None]
    assert await world.services.journal.get(card.nonce) == saved.answer
    listed = await world.answers.my_assignments(ALEX_USER)
    assert listed.assignments[0].state is AnswerState.PENDING


async def test_the_same_card_submitted_again_gives_the_same_answer(world: World) -> None:
    card = await opened(world, "1")
    submission = Submission(target("1"), card.nonce)
    first = await world.answers.submit(ALEX_USER, submission, GOOD)
    again = await world.answers.submit(ALEX_USER, submission, DEVIATION)
    assert isinstance(first, Saved) and isinstance(again, Saved)
    assert again.answer == first.answer and again.answer.outcome == "Ingen avvikelse"
    assert world.notified == [None]
    history = await world.services.journal.history(ControlKey("ks.xlsx", "1"), 2026, Period.YEAR)
    assert len(history) == 1


async def test_a_card_used_for_another_control_is_stale(world: World) -> None:
    card = await opened(world, "1")
    await world.answers.submit(ALEX_USER, Submission(target("1"), card.nonce), GOOD)
    result = await world.answers.submit(ALEX_USER, Submission(target("2"), card.nonce), GOOD)
    assert isinstance(result, Stale) and "redan använts" in result.reason
    assert await world.services.journal.count_pending() == 1


async def test_invalid_inputs_save_nothing_and_say_what_is_wrong(world: World) -> None:
    card = await opened(world, "1")
    result = await world.answers.submit(
        ALEX_USER,
        Submission(target("1"), card.nonce),
        CardInputs({"outcome": "Mindre avvikelse", "checked": "tio"}),
    )
    assert isinstance(result, Invalid) and result.nonce == card.nonce
    assert result.errors["_form"] == "Svaret är inte sparat. Rätta det som är markerat."
    assert result.errors["checked"] == "Ange ett heltal, till exempel 12."
    assert "action_text" in result.errors
    assert world.notified == [] and await world.services.journal.count_pending() == 0


async def test_permission_is_checked_before_the_inputs(world: World) -> None:
    card = await opened(world, "1")
    result = await world.answers.submit(
        MARIA_USER, Submission(target("1"), card.nonce), CardInputs({})
    )
    assert isinstance(result, Refusal) and "tilldelat någon annan" in result.reason
    assert await world.services.journal.count_pending() == 0


async def test_a_strategist_may_answer_anyones_control(world: World) -> None:
    card = await opened(world, "4", STRATEGIST_USER)
    saved = await world.answers.submit(STRATEGIST_USER, Submission(target("4"), card.nonce), GOOD)
    assert isinstance(saved, Saved) and saved.answer.answered_by == STRATEGIST.email
    assert not saved.has_next  # the strategist owns no control


async def test_next_walks_the_unanswered_and_ends_all_done(world: World) -> None:
    seen = []
    after = target("1")
    while True:
        result = await world.answers.next_after(ALEX_USER, after)
        if isinstance(result, AllDone):
            break
        assert isinstance(result, Opened)
        after = Target(result.assignment.control.key, result.assignment.term)
        seen.append(result.assignment.control.id)
        saved = await world.answers.submit(ALEX_USER, Submission(after, result.nonce), GOOD)
        assert isinstance(saved, Saved)
    assert seen == ["2", "3", "1"]


async def test_status_is_everything_for_a_strategist_and_ones_own_otherwise(
    world: World,
) -> None:
    card = await opened(world, "1")
    await world.answers.submit(ALEX_USER, Submission(target("1"), card.nonce), GOOD)
    query = StatusQuery(Period.YEAR)
    whole = await world.reports.show(STRATEGIST_USER, query)
    own = await world.reports.show(MARIA_USER, query)
    assert isinstance(whole, StatusShown) and whole.everything and whole.plans == 1
    assert whole.can_write and not own.can_write
    assert whole.summary.term == HELAR and whole.pending == 1
    assert whole.summary.total.due == 4 and whole.summary.total.answered == 1
    assert not own.everything and own.summary.total.due == 1 and own.pending == 0


async def test_only_a_strategist_writes_the_summary_sheets(world: World) -> None:
    query = StatusQuery(Period.YEAR, 2026)
    refused = await world.reports.write(ALEX_USER, query)
    assert isinstance(refused, Refusal) and "kvalitetsstrategerna" in refused.reason
    assert (
        "Sammanställning helår 2026"
        not in openpyxl.load_workbook(world.folder / "ks.xlsx").sheetnames
    )
    written = await world.reports.write(STRATEGIST_USER, query)
    assert isinstance(written, SummariesWritten) and written.term == HELAR
    [result] = written.results
    assert result.workbook == "ks.xlsx" and result.sheet and result.error is None
    assert result.sheet in openpyxl.load_workbook(world.folder / "ks.xlsx").sheetnames
