"""The background sweep: every few minutes, one instance at a time, until stopped."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from bot.reminders.sweep import Reminders
from bot.store.leases import Leases

logger = logging.getLogger(__name__)

LEASE_NAME = "reminder-sweep"


class SweepLoop:
    """Runs ``Reminders.sweep`` every ``interval`` seconds while the app runs.

    Instances take turns through a lease, so a plan is worked out by one of them at a time;
    the outbox alone already keeps two sweeps from sending a reminder twice.
    """

    def __init__(self, reminders: Reminders, leases: Leases, interval: float) -> None:
        self._reminders = reminders
        self._leases = leases
        self.interval = interval
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start sweeping (idempotent)."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="reminder sweep")

    async def stop(self) -> None:
        """Stop sweeping; a send in progress is cut off (its row is never resent)."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        while True:
            try:
                async with self._leases.hold(LEASE_NAME) as held:
                    if held is not None:
                        report = await self._reminders.sweep()
                        if report.sent or report.unreachable or report.failed:
                            logger.info(
                                "Reminder sweep: %d sent, %d unreachable, %d failed",
                                len(report.sent),
                                len(report.unreachable),
                                len(report.failed),
                            )
            except asyncio.CancelledError:
                raise
            except Exception:  # the next round tries again
                logger.exception("Reminder sweep failed")
            await asyncio.sleep(self.interval)
