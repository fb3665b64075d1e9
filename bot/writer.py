"""The writer: drains the journal into the workbooks, in batches, until nothing is pending.

A failed write (file locked, missing, unreadable, anything) leaves the answers pending
and is retried with exponential backoff; on start the writer picks up whatever an earlier
process left pending. Nothing is dropped, and the workbook upsert is idempotent by Svar-ID,
so a write that landed but was not recorded (a crash in between) is harmless to repeat.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from bot.domain.followup import Slot, has_action, track
from bot.domain.model import latest_by_slot
from bot.store.action_log import ActionLog
from bot.store.journal import Journal
from bot.store.leases import Held, Leases
from graph.protocol import GraphThrottled, Workbook, WorkbookError, WorkbookSource

logger = logging.getLogger(__name__)

UNEXPECTED_WRITE_ERROR = (
    "Ett oväntat fel uppstod när arbetsboken skulle skrivas. Boten försöker igen."
)

BATCH_SIZE = 500
FIRST_RETRY = timedelta(seconds=2)
MAX_RETRY = timedelta(minutes=5)
IDLE_POLL = 30.0  # seconds: also picks up workbooks whose backoff has passed
# Seconds to wait after being woken, so that answers arriving together land in one save:
# a workbook rewrite costs the same for one answer as for five hundred.
LINGER = 1.0
STOP_TIMEOUT = 10.0
LEASE_RETRY = 1.0  # seconds: another instance is writing the workbook; look again soon


def backoff(failures: int, first: timedelta = FIRST_RETRY) -> timedelta:
    """The wait after the n-th consecutive failure: 2 s, 4 s, 8 s … at most 5 minutes."""
    return min(MAX_RETRY, first * (2 ** min(20, max(0, failures - 1))))


class Writer:
    """One background task per process; ``notify()`` wakes it when an answer arrives."""

    def __init__(
        self,
        journal: Journal,
        source: WorkbookSource,
        *,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        batch_size: int = BATCH_SIZE,
        first_retry: timedelta = FIRST_RETRY,
        linger: float = LINGER,
        leases: Leases | None = None,
        actions: ActionLog | None = None,
        landed: Callable[[str], Awaitable[None]] | None = None,
    ) -> None:
        self._journal = journal
        self._actions = actions  # None: åtgärder are not followed (no Åtgärder sheet)
        self._source = source
        self._now = now
        self._batch_size = batch_size
        self._first_retry = first_retry
        self._linger = linger
        self._leases = leases  # None: this process is the only one writing
        # Told which workbook was just written, so its new snapshot is read and indexed now
        # rather than by the next person's turn.
        self._landed = landed
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def notify(self) -> None:
        """Something new is in the journal."""
        self._wake.set()

    def start(self) -> None:
        """Start draining in the background (pending answers from before are picked up)."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="ikbot-writer")
            self.notify()

    async def stop(self) -> None:
        """Stop the task; whatever is still pending stays in the journal for next time.

        A write already handed to the worker finishes there; if its result is not recorded,
        the next start writes the same batch again, which the upsert makes harmless.
        """
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            done, _ = await asyncio.wait({task}, timeout=STOP_TIMEOUT)
            if not done:
                logger.warning("Writer did not stop within %ss", STOP_TIMEOUT)

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                # asyncio.timeout rather than wait_for: on Python 3.11, wait_for can swallow
                # a cancellation that arrives as the event fires, and stop() would hang.
                async with asyncio.timeout(IDLE_POLL):
                    await self._wake.wait()
            await asyncio.sleep(self._linger)
            self._wake.clear()
            try:
                wait = await self.drain()
            except Exception:
                # The journal itself failed (disk full?): keep the task alive and retry.
                logger.exception("Writer pass failed")
                wait = FIRST_RETRY.total_seconds()
            if wait is not None:
                asyncio.get_running_loop().call_later(wait, self._wake.set)

    async def drain(self) -> float | None:
        """Write every workbook's pending answers that may be tried now.

        Returns None when nothing is left pending, else the seconds until the next retry.
        """
        waits: list[float] = []
        plan_keys = set(await self._journal.pending_plans())
        if self._actions is not None:
            plan_keys.update(await self._actions.pending_plans())
        for plan_key in sorted(plan_keys):
            state = await self._journal.writer_state(plan_key)
            now = self._now()
            if state is not None and state.retry_at > now:
                waits.append((state.retry_at - now).total_seconds())
                continue
            wait = await self._drain_plan(plan_key)
            if wait is not None:
                waits.append(wait)
        return min(waits, default=None)

    async def _drain_plan(self, plan_key: str) -> float | None:
        if self._leases is None:
            return await self._write_plan(plan_key, None)
        # Instances sharing the journal take turns: one writes a workbook at a time, and
        # whoever holds the lease writes the others' answers too.
        async with self._leases.hold(f"workbook:{plan_key}") as held:
            return LEASE_RETRY if held is None else await self._write_plan(plan_key, held)

    async def _write_plan(self, plan_key: str, held: Held | None) -> float | None:
        wait = await self._write_batches(plan_key, held)
        if self._landed is not None:
            try:
                await self._landed(plan_key)
            except Exception:
                # Only a head start for the next turn, which reads the workbook anyway.
                logger.exception("Reading %s after the write failed", plan_key)
        return wait

    async def _write_batches(self, plan_key: str, held: Held | None) -> float | None:
        workbook = self._source.workbook(plan_key)
        while batch := await self._journal.pending(plan_key, self._batch_size):
            if held is not None and held.lost:
                return LEASE_RETRY
            logger.debug("Writing %s answers to %s", len(batch), workbook.name)
            try:
                result = await workbook.write_answers(batch)
                # The åtgärder these answers propose land in the Åtgärder sheet before the
                # answers count as written: a failure in between writes both again.
                slots = {(a.control_key, a.year, a.period) for a in batch if has_action(a)}
                await self._write_actions(workbook, plan_key, slots)
            except Exception as error:
                return await self._failed(plan_key, error)
            await self._journal.mark_written(plan_key, [a.answer_id for a in batch], self._now())
            logger.info(
                "Wrote %s answers to %s (%s added, %s updated, %s already there)",
                len(batch),
                workbook.name,
                result.added,
                result.updated,
                result.unchanged,
            )
        while self._actions is not None and (
            updates := await self._actions.pending(plan_key, self._batch_size)
        ):
            if held is not None and held.lost:
                return LEASE_RETRY
            try:
                await self._write_actions(workbook, plan_key, {u.slot for u in updates})
            except Exception as error:
                return await self._failed(plan_key, error)
            await self._actions.mark_written([u.update_id for u in updates], self._now())
            logger.info("Wrote %s åtgärd updates to %s", len(updates), workbook.name)
        return None

    async def _write_actions(self, workbook: Workbook, plan_key: str, slots: set[Slot]) -> None:
        """Write the current state of these åtgärder (the journal's newest answer and the
        newest status of each) into the workbook's Åtgärder sheet."""
        if self._actions is None or not slots:
            return
        ids = {key.control_id for key, _, _ in slots}
        answers, _ = await self._journal.for_ids({plan_key: ids})
        newest = latest_by_slot(answers)
        updates = await self._actions.latest([plan_key])
        rows = []
        for slot in sorted(slots, key=lambda s: (s[0].control_id, s[1], s[2].rank)):
            key, year, period = slot
            row = track(newest.get((key.control_id, year, period)), updates.get(slot))
            if row is not None:
                rows.append(row)
        if rows:
            await workbook.write_actions(rows)

    async def _failed(self, plan_key: str, error: Exception) -> float:
        state = await self._journal.writer_state(plan_key)
        failures = (state.failures if state else 0) + 1
        wait = backoff(failures, self._first_retry)
        if isinstance(error, GraphThrottled) and error.retry_after:
            # Graph's Retry-After is a cooldown: sending anything sooner only prolongs it.
            wait = max(wait, timedelta(seconds=error.retry_after))
        # What is recorded is shown on receipts ("Väntar: …"): our own errors say in Swedish
        # what blocks the write; anything else is only in the log.
        shown = str(error) if isinstance(error, WorkbookError) else UNEXPECTED_WRITE_ERROR
        await self._journal.record_failure(plan_key, self._now() + wait, shown)
        if isinstance(error, WorkbookError):
            logger.warning(
                "Could not write %s (attempt %s), retrying in %ss: %s",
                plan_key,
                failures,
                int(wait.total_seconds()),
                error,
            )
        else:
            logger.exception("Unexpected error writing %s (attempt %s)", plan_key, failures)
        return wait.total_seconds()
