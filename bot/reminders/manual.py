"""A strategist's "Påminn obesvarade": a preview, then the reminders at once.

What the strategist confirms goes out at once, whatever the day and hour (those rules are
the scheduled sweep's), but never twice to one person on one day: the outbox row of a
manual reminder is keyed by the day.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date

from bot.domain.due import CONTROL, DueItem
from bot.domain.identity import User
from bot.domain.model import Period
from bot.domain.policy import Refusal
from bot.reminders.sweep import Reminders, SweepReport
from bot.store.outbox import Entry

STRATEGISTS_ONLY = "Det är bara kvalitetsstrategerna som kan skicka påminnelser."
MANUAL_PLAN = "*"  # the plan key of a manual reminder's row: one per person and day

Reachable = Callable[[str], Awaitable[bool]]


@dataclass(frozen=True, slots=True)
class Scope:
    """Which term (and nämnd) the strategist asks about."""

    year: int
    period: Period
    namnd: str | None = None

    @property
    def label(self) -> str:
        """Swedish, e.g. "Helår 2026 – Kommunstyrelsen"."""
        text = f"{self.period.label} {self.year}"
        return f"{text} – {self.namnd}" if self.namnd else text


@dataclass(frozen=True, slots=True)
class Preview:
    """Who would be reminded of what; who cannot be reached; who already was today."""

    scope: Scope
    items: tuple[DueItem, ...]
    unreachable: tuple[str, ...]
    already: tuple[str, ...]
    today: date


@dataclass(slots=True)
class Reminded:
    """What "Skicka påminnelserna" did."""

    scope: Scope
    report: SweepReport
    already: list[str] = field(default_factory=list)


class ManualReminders:
    """Preview and send a strategist's reminders for one term."""

    def __init__(self, reminders: Reminders, reachable: Reachable) -> None:
        self._reminders = reminders
        self._reachable = reachable

    def today(self) -> date:
        """Today in Sweden, as the reminders' clock says."""
        return self._reminders.today(self._reminders.clock.now())

    async def preview(self, user: User, scope: Scope) -> Preview | Refusal:
        """Who would get a reminder now, and of which kontrollmoment."""
        if not user.strategist:
            return Refusal(STRATEGISTS_ONLY)
        items = await self._items(scope)
        people = sorted({i.recipient for i in items})
        already = set(await self._already(people, scope))
        unreachable = [p for p in people if p not in already and not await self._reachable(p)]
        return Preview(
            scope, tuple(items), tuple(unreachable), tuple(sorted(already)), self.today()
        )

    async def send(self, user: User, scope: Scope) -> Reminded | Refusal:
        """Send the reminders now (those already sent today are not sent again)."""
        if not user.strategist:
            return Refusal(STRATEGISTS_ONLY)
        reminders = self._reminders
        now = reminders.clock.now()
        today = reminders.today(now)
        items = await self._items(scope)
        by_person: dict[str, list[DueItem]] = {}
        for item in items:
            by_person.setdefault(item.recipient, []).append(item)
        result = Reminded(scope, SweepReport())
        earlier = await reminders.outbox.recipients_of(
            CONTROL, MANUAL_PLAN, scope.year, scope.period.value, f"manual:{today.isoformat()}"
        )
        fresh: list[str] = []
        for person, theirs in sorted(by_person.items()):
            entry = Entry(
                CONTROL,
                person,
                MANUAL_PLAN,
                scope.year,
                scope.period.value,
                f"manual:{today.isoformat()}",
                today,
                {"items": [i.to_json() for i in theirs]},
            )
            if await reminders.outbox.add([entry], now):
                fresh.append(person)
            elif earlier.get(person) == "unreachable":
                result.report.unreachable.append(person)
            else:
                result.already.append(person)
        if fresh:
            await reminders.send_waiting(result.report, recipients=fresh, notes=False)
        return result

    async def _items(self, scope: Scope) -> list[DueItem]:
        reminders = self._reminders
        today = reminders.today(reminders.clock.now())
        wanted = scope.namnd.casefold() if scope.namnd else None
        return [
            i
            for i in await reminders.due_items(today)
            if i.kind == CONTROL
            and i.year == scope.year
            and i.period is scope.period
            and (wanted is None or i.namnd.casefold() == wanted)
        ]

    async def _already(self, people: list[str], scope: Scope) -> list[str]:
        reminders = self._reminders
        today = reminders.today(reminders.clock.now()).isoformat()
        stage = f"manual:{today}"
        done = await reminders.outbox.recipients_of(
            CONTROL, MANUAL_PLAN, scope.year, scope.period.value, stage
        )
        return [p for p in people if p in done and done[p] != "unreachable"]
