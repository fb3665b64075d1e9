"""The reminder sweep: what has come due goes into the outbox, and the outbox goes out.

``plan`` works out, for every due item of every source, the latest stage of its schedule
that has come (and the strategists' digest of the long overdue); ``sweep`` stores those as
outbox rows (rows that exist are left alone) and then sends, per person, one message with
everything of theirs that is waiting, after checking each item is still not done. The
sending goes through a ``Notifier`` (the dialogs implement it); a failure for one person
never stops the sweep for the others.
"""

from __future__ import annotations

import asyncio
import enum
import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol

from bot.domain.clock import STOCKHOLM, Clock
from bot.domain.due import (
    CONTROL,
    DIGEST,
    UNREACHABLE,
    DueItem,
    Message,
    OverdueDigest,
    OwnerDigest,
    UnreachableNote,
)
from bot.domain.schedule import (
    DEFAULT_RULES,
    ReminderRules,
    Stage,
    digest_day,
    due_step,
    in_sending_hours,
)
from bot.reminders.sources import DueSource
from bot.store.outbox import Entry, Outbox, Row

logger = logging.getLogger(__name__)

# People being sent to at once (the notifier's limiter sets the pace). A crash loses the
# reminders in flight (they are never resent), so this stays small.
CONCURRENCY = 10


class Delivery(enum.StrEnum):
    """What became of one message."""

    SENT = "sent"
    UNREACHABLE = "unreachable"  # no live conversation (never opened the bot, blocked it)
    FAILED = "failed"  # Teams kept failing (after the notifier's retries)


class Notifier(Protocol):
    """Sends one message to one person in Teams (``dialogs.notifier``)."""

    async def deliver(self, message: Message) -> Delivery:
        """Send it; say what became of it (never raises for a refusal or a failure)."""
        ...


@dataclass(slots=True)
class SweepReport:
    """What one sweep (or one strategist's "Påminn obesvarade") did, by person."""

    added: int = 0
    sent: list[str] = field(default_factory=list)
    unreachable: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    answered: list[str] = field(default_factory=list)  # nothing left to remind of
    notes: list[str] = field(default_factory=list)  # strategists told who cannot be reached
    skipped_hours: bool = False  # outside working days and hours: nothing done


def stage_of(row: Row) -> Stage:
    """The stage part of a row's stage text ("overdue-2:2027-02-01" → overdue)."""
    name = row.stage.split(":", 1)[0].split("-", 1)[0]
    try:
        return Stage(name)
    except ValueError:
        return Stage.MANUAL


_STAGE_WEIGHT = {s: i for i, s in enumerate(Stage)}


class Reminders:
    """Plans and sends reminders from the due-item sources through the outbox."""

    def __init__(
        self,
        outbox: Outbox,
        sources: Sequence[DueSource],
        notifier: Notifier | None,
        clock: Clock,
        *,
        strategists: Iterable[str] = (),
        rules: ReminderRules = DEFAULT_RULES,
        concurrency: int = CONCURRENCY,
    ) -> None:
        self.outbox = outbox
        self.sources = {s.kind: s for s in sources}
        self.notifier = notifier
        self.clock = clock
        self.strategists = tuple(sorted({s.casefold() for s in strategists}))
        self.rules = rules
        self._concurrency = concurrency

    def today(self, now: datetime) -> date:
        """The Swedish date of a moment."""
        return now.astimezone(STOCKHOLM).date()

    async def due_items(self, today: date) -> list[DueItem]:
        """Every due item of every source today."""
        found: list[DueItem] = []
        for source in self.sources.values():
            found.extend(await source.due(today))
        return found

    async def plan(self, now: datetime) -> list[Entry]:
        """The outbox rows that have come due now (stored or not)."""
        today = self.today(now)
        owners: dict[tuple[str, str, str, int, str, str], list[DueItem]] = defaultdict(list)
        days: dict[tuple[str, str, str, int, str, str], date] = {}
        digests: dict[tuple[str, int, str], list[DueItem]] = defaultdict(list)
        for item in await self.due_items(today):
            step = due_step(today, item.opens, item.deadline, item.rules)
            if step is not None:
                key = (item.kind, item.recipient, item.plan, item.year, item.period.value)
                full = (*key, f"{step.name}:{step.day.isoformat()}")
                owners[full].append(item)
                days[full] = step.day
            digest = digest_day(item.deadline, item.rules)
            if digest is not None and digest <= today:
                digests[(item.plan, item.year, item.period.value)].append(item)
        entries = [
            Entry(kind, recipient, plan, year, period, stage, days[key], _payload(items))
            for key, items in owners.items()
            for (kind, recipient, plan, year, period, stage) in [key]
        ]
        for (plan, year, period), items in digests.items():
            day = min(d for i in items if (d := digest_day(i.deadline, i.rules)) is not None)
            for strategist in self.strategists:
                entries.append(
                    Entry(DIGEST, strategist, plan, year, period, "digest", day, _payload(items))
                )
        return entries

    async def sweep(self, *, scheduled: bool = True) -> SweepReport:
        """One sweep: store what has come due, then send everything waiting. A scheduled
        sweep does nothing outside Swedish working days and hours."""
        now = self.clock.now()
        if scheduled and not in_sending_hours(now, self.rules):
            return SweepReport(skipped_hours=True)
        await self.outbox.close_abandoned(now)
        report = SweepReport(added=await self.outbox.add(await self.plan(now), now))
        await self.send_waiting(report)
        return report

    async def send_waiting(
        self,
        report: SweepReport,
        recipients: Sequence[str] | None = None,
        *,
        notes: bool = True,
    ) -> SweepReport:
        """Send every waiting row (of these recipients), one message per person; then the
        notes about who could not be reached. People are taken a few at a time: their rows
        claimed in one transaction, their messages sent together, the sent rows marked in
        one transaction (a durable commit per few people, not three per person). Without
        ``notes`` (a strategist's own reminders: the result card says who could not be
        reached) nobody else is told."""
        passes: list[tuple[str, ...]] = [(CONTROL, DIGEST, *self._other_kinds())]
        if notes:
            passes.append((UNREACHABLE,))
        for kinds in passes:
            waiting = await self.outbox.recipients(self.clock.now(), kinds)
            if recipients is not None and kinds != (UNREACHABLE,):
                wanted = set(recipients)
                waiting = [r for r in waiting if r in wanted]
            for start in range(0, len(waiting), self._concurrency):
                chunk = waiting[start : start + self._concurrency]
                await self._send_some(chunk, kinds, report, notes=notes)
        return report

    async def _send_some(
        self, recipients: Sequence[str], kinds: Sequence[str], report: SweepReport, *, notes: bool
    ) -> None:
        now = self.clock.now()
        claimed = await self.outbox.claim_many(recipients, now, kinds)

        async def one(recipient: str, rows: list[Row]) -> list[int]:
            try:
                return await self._send_to(recipient, rows, report, notes=notes)
            except Exception:  # one person's trouble never stops the rest
                logger.exception("Reminder to one recipient failed")
                report.failed.append(recipient)
                return []

        sent = await asyncio.gather(*(one(r, rows) for r, rows in claimed.items() if rows))
        await self.outbox.sent([i for ids in sent for i in ids], self.clock.now())

    def _other_kinds(self) -> tuple[str, ...]:
        return tuple(k for k in self.sources if k not in (CONTROL, DIGEST, UNREACHABLE))

    async def _send_to(
        self, recipient: str, rows: list[Row], report: SweepReport, *, notes: bool = True
    ) -> list[int]:
        """Send one recipient's claimed rows; return the ids to mark sent."""
        now = self.clock.now()
        ids = [r.id for r in rows]
        message = await self._message(recipient, rows, self.today(now))
        if message is None:
            await self.outbox.close(ids, now, "answered")
            report.answered.append(recipient)
            return []
        if self.notifier is None:
            await self.outbox.release(ids, now, "no notifier")
            return []
        try:
            delivery = await self.notifier.deliver(message)
        except Exception as error:
            await self.outbox.release(ids, self.clock.now(), type(error).__name__)
            raise
        done = self.clock.now()
        match delivery:
            case Delivery.SENT:
                (report.notes if isinstance(message, UnreachableNote) else report.sent).append(
                    recipient
                )
                return ids
            case Delivery.UNREACHABLE:
                await self.outbox.close(ids, done, "unreachable")
                report.unreachable.append(recipient)
                if notes:
                    await self._tell_strategists(rows, done)
            case Delivery.FAILED:
                await self.outbox.release(ids, done, "failed")
                report.failed.append(recipient)
        return []

    async def _message(self, recipient: str, rows: Sequence[Row], today: date) -> Message | None:
        """The message for one recipient's rows, with only what is still due; None if
        nothing is."""
        notes = [r for r in rows if r.kind == UNREACHABLE]
        if notes:
            people = sorted({str(r.payload.get("person", r.plan_key)) for r in notes})
            return UnreachableNote(recipient, tuple(people), today)
        digest_rows = [r for r in rows if r.kind == DIGEST]
        owner_rows = [r for r in rows if r.kind != DIGEST]
        if digest_rows:
            items = await self._still_due(digest_rows, today)
            if items:
                return OverdueDigest(recipient, tuple(_ordered(items)), today)
        if owner_rows:
            items = [
                i for i in await self._still_due(owner_rows, today) if i.recipient == recipient
            ]
            if items:
                stage = max((stage_of(r) for r in owner_rows), key=_STAGE_WEIGHT.__getitem__)
                return OwnerDigest(recipient, tuple(_ordered(items)), stage, today)
        return None

    async def _still_due(self, rows: Sequence[Row], today: date) -> list[DueItem]:
        items = {DueItem.from_json(i) for r in rows for i in r.payload.get("items", [])}
        by_kind: dict[str, list[DueItem]] = defaultdict(list)
        for item in items:
            by_kind[item.kind].append(item)
        left: list[DueItem] = []
        for kind, some in by_kind.items():
            source = self.sources.get(kind)
            if source is not None:
                left.extend(await source.still_due(some, today))
        return left

    async def _tell_strategists(self, rows: Sequence[Row], now: datetime) -> None:
        """A person could not be reached: each strategist hears of it once per term."""
        person = rows[0].recipient
        about = {(r.year, r.period): r for r in rows if r.kind not in (DIGEST, UNREACHABLE)}
        entries = [
            Entry(
                UNREACHABLE,
                strategist,
                person,
                row.year,
                row.period,
                "unreachable",
                self.today(now),
                {"person": person},
            )
            for strategist in self.strategists
            for row in about.values()
            if strategist != person
        ]
        await self.outbox.add(entries, now)


def _payload(items: Sequence[DueItem]) -> dict[str, object]:
    return {"items": [i.to_json() for i in _ordered(items)]}


def _ordered(items: Iterable[DueItem]) -> list[DueItem]:
    unique = {(i.kind, i.recipient, i.plan, i.key, i.year, i.period): i for i in items}
    return sorted(unique.values(), key=lambda i: (i.deadline, i.namnd, i.plan, i.key, i.recipient))
