"""Reminders through the real app: a year day by day, answering stops them, Teams' refusals.

The test clock is moved day by day; each day's sweep runs as the background loop would
run it, and the recording connector shows what each person received.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import openpyxl

from bot.domain.clock import STOCKHOLM
from tests.conftest import BotFactory
from tests.databases import both_engines
from tests.fakes.card_schema import all_text
from tests.fakes.connector import Person
from tests.fakes.harness import (
    ALEX,
    MARIA,
    STRATEGIST,
    BotClient,
    cards_of,
    find_action,
    find_actions,
    plan_row,
    write_plan,
)

pytestmark = both_engines

GOOD = {
    "outcome": "Ingen avvikelse",
    "checked": "12",
    "deviations": "0",
    "observations": "Kontrollen gjordes.",
    "analysis": "",
}


def year_plan(folder: Path) -> Path:
    """Alex: delår 1, delår 2 + helår, helår; Maria: helår."""
    write_plan(
        folder / "ks.xlsx",
        [
            plan_row("1", ALEX.email, "Delår 1", text="Attestförteckningar stämmer"),
            plan_row("2", ALEX.email, "Delår 2, Helår", text="Feltoleranstest av nätverket"),
            plan_row("3", MARIA.email, "Helår", text="Rätt belopp utbetalt"),
            plan_row("4", ALEX.email, "Helår", text="Backup återläses"),
        ],
        title="Internkontrollplan 2026",
    )
    return folder


def at(day: date, hour: int = 9) -> datetime:
    """A moment in Stockholm."""
    return datetime.combine(day, time(hour), STOCKHOLM)


async def introduce(bot: BotClient, *people: Person) -> None:
    """Each person opens the bot once, so that their conversation reference is stored."""
    for person in people:
        await bot.say("hej", person)


def reminders_to(bot: BotClient, person: Person, since: int = 0) -> list[dict[str, Any]]:
    """The reminder cards sent into a person's conversation (after ``since`` posts)."""
    found = []
    for message in bot.connector.sent[since:]:
        if message["_conversation"] != f"conv-{person.id}" or message["type"] != "message":
            continue
        for card in cards_of([message]):
            if "Att följa upp" in all_text(card) or "Försenade" in all_text(card):
                found.append(card)
    return found


async def sweep_on(bot: BotClient, moment: datetime) -> None:
    bot.services.clock.set(moment)
    await bot.services.reminders.sweep()


async def answer_from(bot: BotClient, card: dict[str, Any], control: str, person: Person) -> None:
    """Press the reminder's Svara button for a control and save an answer."""
    for data in find_actions(card, "Svara"):
        if data["control"] == control:
            opened = await bot.click(data, person)
            receipt = await bot.click(find_action(opened, "Spara svar"), person, **GOOD)
            assert "Sparat" in all_text(receipt) or "sparat" in all_text(receipt)
            return
    raise AssertionError(f"no Svara for {control}")


async def test_a_year_of_reminders_day_by_day(start: BotFactory, tmp_path: Path) -> None:
    bot = await start(year_plan(tmp_path / "plans"), today=None)
    bot.services.clock.set(at(date(2026, 3, 2)))
    await introduce(bot, ALEX, MARIA, STRATEGIST)
    received: dict[str, list[tuple[date, list[str]]]] = defaultdict(list)
    day = date(2026, 3, 2)
    while day <= date(2027, 2, 28):
        before = len(bot.connector.sent)
        await sweep_on(bot, at(day))
        for person in (ALEX, MARIA, STRATEGIST):
            for card in reminders_to(bot, person, before):
                controls = sorted(a["control"] for a in find_actions(card, "Svara"))
                received[person.id].append((day, controls))
                # Alex answers control 2 for delår 2 after the first reminder before the
                # deadline, and the helår controls one by one from the reminders.
                if person is ALEX and day == date(2026, 9, 7):
                    await answer_from(bot, card, "2", ALEX)
                if person is ALEX and day == date(2027, 1, 7):
                    await answer_from(bot, card, "4", ALEX)
                if person is ALEX and day == date(2027, 1, 14):
                    await answer_from(bot, card, "2", ALEX)
        day += timedelta(days=1)

    assert received[ALEX.id] == [
        # Delår 1 (due Thursday 14 May, Kristi himmelfärds dag): never answered.
        (date(2026, 3, 31), ["1"]),  # the period opens
        (date(2026, 5, 7), ["1"]),  # five working days before the deadline
        (date(2026, 5, 13), ["1"]),  # the deadline is a holiday: the working day before
        (date(2026, 5, 21), ["1"]),  # overdue, weekly, four times
        (date(2026, 5, 28), ["1"]),
        (date(2026, 6, 4), ["1"]),
        (date(2026, 6, 11), ["1"]),
        # Delår 2 (opens Saturday 1 August, due 14 September): answered on 7 September.
        (date(2026, 8, 3), ["2"]),
        (date(2026, 9, 7), ["2"]),
        # Helår (due 14 January 2027): both in one message; each answer stops its own.
        (date(2026, 12, 1), ["2", "4"]),
        (date(2027, 1, 7), ["2", "4"]),
        (date(2027, 1, 14), ["2"]),
    ]
    assert received[MARIA.id] == [
        (date(2026, 12, 1), ["3"]),
        (date(2027, 1, 7), ["3"]),
        (date(2027, 1, 14), ["3"]),
        (date(2027, 1, 21), ["3"]),
        (date(2027, 1, 28), ["3"]),
        (date(2027, 2, 4), ["3"]),
        (date(2027, 2, 11), ["3"]),
    ]
    # The strategist's digest of the long overdue: once per term, a week past the deadline.
    assert [d for d, _ in received[STRATEGIST.id]] == [date(2026, 5, 21), date(2027, 1, 21)]
    digest = [c for c in reminders_to(bot, STRATEGIST) if "Försenade" in all_text(c)][-1]
    assert "Rätt belopp utbetalt" in all_text(digest) and MARIA.email in all_text(digest)
    assert "Feltoleranstest" not in all_text(digest)  # answered on time
    # Every reminder went out on a Swedish working day.
    days = [d for person in received.values() for d, _ in person]
    assert all(d.weekday() < 5 for d in days)


async def test_no_reminders_outside_hours_or_on_holidays(start: BotFactory, tmp_path: Path) -> None:
    bot = await start(year_plan(tmp_path / "plans"), today=None)
    bot.services.clock.set(at(date(2026, 11, 30)))
    await introduce(bot, ALEX)
    before = len(bot.connector.sent)
    await sweep_on(bot, at(date(2026, 12, 1), 7))  # helår opens, but before 08:00
    await sweep_on(bot, at(date(2026, 12, 1), 17))  # and at 17:00
    assert reminders_to(bot, ALEX, before) == []
    await sweep_on(bot, at(date(2026, 12, 1), 8))
    assert len(reminders_to(bot, ALEX, before)) == 1
    # Trettondedag jul and a Saturday: nothing, even with a stage due.
    before = len(bot.connector.sent)
    await sweep_on(bot, at(date(2027, 1, 6), 10))
    await sweep_on(bot, at(date(2027, 1, 9), 10))
    assert reminders_to(bot, ALEX, before) == []


async def test_answering_stops_a_reminder_already_in_the_outbox(
    start: BotFactory, tmp_path: Path
) -> None:
    bot = await start(year_plan(tmp_path / "plans"), today=None)
    bot.services.clock.set(at(date(2026, 12, 1), 7))
    await introduce(bot, ALEX)
    # The reminder is planned but cannot be sent (Teams fails every try)…
    bot.connector.faults = [502] * 5
    await sweep_on(bot, at(date(2026, 12, 1)))
    assert reminders_to(bot, ALEX) == []
    # … and Alex answers both helår controls before the next sweep.
    for control in ("2", "4"):
        data = {"verb": "open", "plan": "ks.xlsx", "control": control, "year": 2026}
        opened = await bot.click({**data, "period": "YEAR"}, ALEX)
        await bot.click(find_action(opened, "Spara svar"), ALEX, **GOOD)
    before = len(bot.connector.sent)
    await sweep_on(bot, at(date(2026, 12, 1), 10))
    assert reminders_to(bot, ALEX, before) == []
    [row] = [r for r in await bot.services.reminders.outbox.rows() if r.recipient == ALEX.email]
    assert row.outcome == "answered" and row.sent_at is None


async def test_throttling_is_retried_and_a_block_marks_the_person_unreachable(
    start: BotFactory, tmp_path: Path
) -> None:
    bot = await start(year_plan(tmp_path / "plans"), today=None)
    bot.services.clock.set(at(date(2026, 12, 1), 7))
    await introduce(bot, ALEX, MARIA, STRATEGIST)
    bot.connector.blocked.add(f"conv-{MARIA.id}")
    bot.connector.faults = [429, 503, 504]
    await sweep_on(bot, at(date(2026, 12, 1)))
    assert len(reminders_to(bot, ALEX)) == 1  # after 429, 503 and 504
    assert reminders_to(bot, MARIA) == []
    [maria] = await bot.services.references.for_user(MARIA.aad_object_id)
    assert maria.dead_at is not None
    # The strategist is told, once, who cannot be reached.
    notes = [
        c
        for c in cards_of(bot.connector.messages_to(f"conv-{STRATEGIST.id}"))
        if "inte kom fram" in all_text(c)
    ]
    assert len(notes) == 1 and MARIA.email in all_text(notes[0])
    await sweep_on(bot, at(date(2026, 12, 2)))
    assert len(bot.connector.messages_to(f"conv-{STRATEGIST.id}")) == len(notes) + 1  # hej
    # Maria opens the bot again: reachable again, her next reminder arrives.
    bot.connector.blocked.clear()
    await bot.say("hej", MARIA)
    await sweep_on(bot, at(date(2027, 1, 7)))
    assert len(reminders_to(bot, MARIA)) == 1


async def test_a_failing_send_does_not_stop_the_others(start: BotFactory, tmp_path: Path) -> None:
    bot = await start(year_plan(tmp_path / "plans"), today=None)
    bot.services.clock.set(at(date(2026, 12, 1), 7))
    await introduce(bot, ALEX, MARIA)
    bot.connector.faults = [500]  # not retried: the first send fails for good this sweep
    await sweep_on(bot, at(date(2026, 12, 1)))
    got = len(reminders_to(bot, ALEX)) + len(reminders_to(bot, MARIA))
    assert got == 1
    await sweep_on(bot, at(date(2026, 12, 1), 10))  # the failed one is tried again
    assert len(reminders_to(bot, ALEX)) == 1 and len(reminders_to(bot, MARIA)) == 1


async def test_a_restart_and_a_second_instance_send_nothing_twice(
    start: BotFactory, tmp_path: Path
) -> None:
    plans = year_plan(tmp_path / "plans")
    first = await start(plans, today=None)
    first.services.clock.set(at(date(2026, 12, 1), 7))
    await introduce(first, ALEX, MARIA)
    second = await start(plans, today=None)
    moment = at(date(2026, 12, 1))
    first.services.clock.set(moment)
    second.services.clock.set(moment)
    await asyncio.gather(first.services.reminders.sweep(), second.services.reminders.sweep())
    await first.services.reminders.sweep()
    third = await start(plans, today=None)  # a restart: a new instance on the same store
    third.services.clock.set(at(date(2026, 12, 1), 11))
    await third.services.reminders.sweep()
    assert len(reminders_to(first, ALEX)) == 1
    assert len(reminders_to(first, MARIA)) == 1


async def test_the_strategist_reminds_the_unanswered_now(start: BotFactory, tmp_path: Path) -> None:
    bot = await start(year_plan(tmp_path / "plans"), today=None)
    bot.services.clock.set(at(date(2027, 1, 9), 20))  # a Saturday evening: still sent
    await introduce(bot, ALEX, STRATEGIST)
    [status] = cards_of(await bot.say("status helår 2026", STRATEGIST))
    preview = await bot.click(find_action(status, "Påminn obesvarade"), STRATEGIST)
    text = all_text(preview)
    assert "1 person får en påminnelse om 3 obesvarade kontrollmoment" in text
    assert f"Kan inte nås i Teams ännu: {MARIA.email}" in text
    before = len(bot.connector.sent)
    result = await bot.click(find_action(preview, "Skicka påminnelserna"), STRATEGIST)
    assert "Skickade: 1" in all_text(result)
    assert MARIA.email in all_text(result)
    [card] = reminders_to(bot, ALEX, before)
    assert sorted(a["control"] for a in find_actions(card, "Svara")) == ["2", "4"]
    # The same day again: nobody is reminded twice.
    again = await bot.click(find_action(preview, "Skicka påminnelserna"), STRATEGIST)
    assert "Skickade: 0" in all_text(again) and "Redan påminda i dag: 1" in all_text(again)
    assert len(reminders_to(bot, ALEX, before)) == 1
    # Not for anyone else.
    refused = await bot.click(find_action(preview, "Skicka påminnelserna"), ALEX)
    assert "kvalitetsstrategerna" in all_text(refused)


async def test_a_reminder_to_someone_never_seen_says_unreachable(
    start: BotFactory, tmp_path: Path
) -> None:
    bot = await start(year_plan(tmp_path / "plans"), today=None)
    await introduce(bot, STRATEGIST)
    await sweep_on(bot, at(date(2026, 12, 1)))
    notes = [
        c
        for c in cards_of(bot.connector.messages_to(f"conv-{STRATEGIST.id}"))
        if "inte kom fram" in all_text(c)
    ]
    assert len(notes) == 1
    assert ALEX.email in all_text(notes[0]) and MARIA.email in all_text(notes[0])


async def test_a_crash_in_the_middle_of_a_send_never_sends_it_twice(
    start: BotFactory, tmp_path: Path
) -> None:
    plans = year_plan(tmp_path / "plans")
    first = await start(plans, today=None)
    first.services.clock.set(at(date(2026, 12, 1), 7))
    await introduce(first, ALEX, MARIA)
    first.connector.hang.add("reply")
    first.services.clock.set(at(date(2026, 12, 1)))
    sweep = asyncio.create_task(first.services.reminders.sweep())
    await first.connector.wait_hung(2)  # both reminders are on their way
    sweep.cancel()  # the instance dies here: nothing after the send runs
    with contextlib.suppress(asyncio.CancelledError):
        await sweep
    first.connector.hang.clear()
    second = await start(plans, today=None)
    second.services.clock.set(at(date(2026, 12, 1), 10))  # past the first's lease
    await second.services.reminders.sweep()
    assert reminders_to(second, ALEX) == [] and reminders_to(second, MARIA) == []
    outcomes = {r.recipient: r.outcome for r in await second.services.reminders.outbox.rows()}
    assert outcomes == {ALEX.email: "uncertain", MARIA.email: "uncertain"}
    # The next stage comes as planned.
    second.services.clock.set(at(date(2027, 1, 7)))
    await second.services.reminders.sweep()
    assert len(reminders_to(second, ALEX)) == 1 and len(reminders_to(second, MARIA)) == 1


async def test_a_workbook_changes_its_own_schedule(start: BotFactory, tmp_path: Path) -> None:
    folder = year_plan(tmp_path / "plans")
    book = openpyxl.load_workbook(folder / "ks.xlsx")
    sheet = book.create_sheet("Inställningar")
    for row in (
        ["Påminnelse", "Värde"],
        ["När perioden öppnar", "Nej"],
        ["Arbetsdagar före sista svarsdag", 2],
    ):
        sheet.append(row)
    book.save(folder / "ks.xlsx")
    bot = await start(folder, today=None)
    bot.services.clock.set(at(date(2026, 11, 30)))
    await introduce(bot, ALEX)
    sent_on = []
    for day in (date(2026, 12, 1), date(2027, 1, 7), date(2027, 1, 12)):
        before = len(bot.connector.sent)
        await sweep_on(bot, at(day))
        if reminders_to(bot, ALEX, before):
            sent_on.append(day)
    assert sent_on == [date(2027, 1, 12)]  # not when the period opens; two working days before


async def test_the_background_sweep_runs_when_switched_on(
    start: BotFactory, tmp_path: Path
) -> None:
    plans = year_plan(tmp_path / "plans")
    first = await start(plans, today=None)
    first.services.clock.set(at(date(2026, 11, 30)))
    await introduce(first, ALEX)
    # Another instance with the sweep on (every 50 ms): it sends without being asked. It
    # starts on a Sunday (no sweep sends on a Sunday), then its clock moves to a Tuesday.
    swept = await start(plans, today=date(2026, 11, 29), reminder_interval=0.05)
    swept.services.clock.set(at(date(2026, 12, 1)))
    await swept.connector.wait_sent(len(swept.connector.sent) + 1)
    assert len(reminders_to(swept, ALEX)) == 1


async def test_a_strategist_can_type_it(start: BotFactory, tmp_path: Path) -> None:
    bot = await start(year_plan(tmp_path / "plans"), today=None)
    bot.services.clock.set(at(date(2027, 1, 12)))
    await introduce(bot, ALEX, STRATEGIST)
    [preview] = cards_of(await bot.say("Påminn obesvarade helår 2026", STRATEGIST))
    assert "Påminn obesvarade – Helår 2026" in all_text(preview)
    assert "3 obesvarade kontrollmoment" in all_text(preview)
    [other] = cards_of(await bot.say("påminn obesvarade", ALEX))
    assert "kvalitetsstrategerna" in all_text(other)
