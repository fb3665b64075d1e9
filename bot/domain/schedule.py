"""When reminders go out: Swedish working days and hours, and the stages of a deadline.

Pure rules. A reminder is sent on a working day in Sweden (not a weekend, not a public
holiday, not one of the de facto days off such as midsommarafton) between the opening and
closing hour, Europe/Stockholm. For one item with an opening day and a deadline the stages
are: the period opens, N working days before the deadline, the deadline day, then weekly
while overdue (at most a few times); the strategist's digest of everything overdue comes
after a number of days. Only the latest stage that has come is due: a sweep that was
missed catches up once, not once per missed stage.
"""

from __future__ import annotations

import enum
import functools
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from bot.domain.clock import STOCKHOLM

if TYPE_CHECKING:
    import holidays


class Stage(enum.StrEnum):
    """A step of the schedule; overdue reminders are numbered ("overdue-2")."""

    OPENS = "opens"
    BEFORE = "before"
    DEADLINE = "deadline"
    OVERDUE = "overdue"
    DIGEST = "digest"  # the strategist's digest of the overdue, per nämnd
    MANUAL = "manual"  # sent because a strategist asked ("Påminn obesvarade")


@dataclass(frozen=True, slots=True)
class ReminderRules:
    """The schedule (defaults: the issue's; globally by settings, per workbook by the
    Inställningar table Påminnelser)."""

    enabled: bool = True
    on_open: bool = True
    days_before: int = 5  # working days before the deadline; 0: no such reminder
    on_deadline: bool = True
    overdue_every: int = 7  # days between overdue reminders
    overdue_times: int = 4  # at most this many overdue reminders
    digest_after: int = 7  # days overdue before the strategist's digest; 0: none
    start_hour: int = 8
    end_hour: int = 17


DEFAULT_RULES = ReminderRules()


@functools.lru_cache(maxsize=16)
def _holidays(year: int) -> holidays.HolidayBase:
    # Imported where first needed: it takes about 70 ms, which every start would pay.
    import holidays

    return holidays.country_holidays("SE", years=year, categories=("public", "de_facto"))


def is_working_day(day: date) -> bool:
    """A weekday that is neither a Swedish public holiday nor a de facto day off."""
    return day.weekday() < 5 and day not in _holidays(day.year)


def holiday_name(day: date) -> str | None:
    """The holiday's name (for logs and the dry run), or None."""
    return _holidays(day.year).get(day)


def working_day_on_or_after(day: date) -> date:
    """The day itself when it is a working day, else the next one."""
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def working_day_on_or_before(day: date) -> date:
    """The day itself when it is a working day, else the one before."""
    while not is_working_day(day):
        day -= timedelta(days=1)
    return day


def working_days_before(day: date, count: int) -> date:
    """The working day ``count`` working days before ``day``."""
    found = day
    for _ in range(count):
        found = working_day_on_or_before(found - timedelta(days=1))
    return found


def in_sending_hours(moment: datetime, rules: ReminderRules = DEFAULT_RULES) -> bool:
    """Whether the scheduled sweep may send now: a working day, within the hours (Stockholm)."""
    local = moment.astimezone(STOCKHOLM)
    return is_working_day(local.date()) and rules.start_hour <= local.hour < rules.end_hour


@dataclass(frozen=True, slots=True)
class Step:
    """One stage and the day it comes; ``number`` counts overdue reminders (1, 2 …)."""

    stage: Stage
    day: date
    number: int = 0

    @property
    def name(self) -> str:
        """The stage as stored in the outbox ("before", "overdue-2")."""
        return f"{self.stage}-{self.number}" if self.number else str(self.stage)


def owner_steps(opens: date, deadline: date, rules: ReminderRules = DEFAULT_RULES) -> list[Step]:
    """Every reminder the ansvarig gets for one item, in order of day."""
    if not rules.enabled:
        return []
    steps: list[Step] = []
    if rules.on_open:
        steps.append(Step(Stage.OPENS, working_day_on_or_after(opens)))
    if rules.days_before > 0:
        before = working_days_before(deadline, rules.days_before)
        if before >= opens:
            steps.append(Step(Stage.BEFORE, before))
    if rules.on_deadline:
        steps.append(Step(Stage.DEADLINE, max(opens, working_day_on_or_before(deadline))))
    for n in range(1, rules.overdue_times + 1):
        day = working_day_on_or_after(deadline + timedelta(days=rules.overdue_every * n))
        steps.append(Step(Stage.OVERDUE, day, n))
    # A holiday can move two stages onto one day: the later stage is the one that counts.
    steps.sort(key=lambda s: s.day)
    return steps


def due_step(
    today: date, opens: date, deadline: date, rules: ReminderRules = DEFAULT_RULES
) -> Step | None:
    """The latest owner stage that has come by ``today`` (None: nothing yet)."""
    come = [s for s in owner_steps(opens, deadline, rules) if s.day <= today]
    return come[-1] if come else None


def digest_day(deadline: date, rules: ReminderRules = DEFAULT_RULES) -> date | None:
    """The day the strategist hears of an item still unanswered (None: never)."""
    if not rules.enabled or rules.digest_after <= 0:
        return None
    return working_day_on_or_after(deadline + timedelta(days=rules.digest_after))


@dataclass(frozen=True, slots=True)
class ReminderOverrides:
    """What a workbook's Påminnelser table changes in the schedule (None: as configured)."""

    enabled: bool | None = None
    on_open: bool | None = None
    days_before: int | None = None
    on_deadline: bool | None = None
    overdue_every: int | None = None
    overdue_times: int | None = None
    digest_after: int | None = None

    def apply(self, rules: ReminderRules) -> ReminderRules:
        """The rules with this workbook's changes."""
        changes = {
            name: getattr(self, name)
            for name in self.__dataclass_fields__
            if getattr(self, name) is not None
        }
        return replace(rules, **changes) if changes else rules
