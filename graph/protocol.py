"""The workbook protocol every backend implements, and the errors it raises.

The domain talks to workbooks only through these types; backends translate their own
failures (file locks, HTTP status codes) into the errors below, chained with ``from``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from bot.domain.followup import TrackedAction
from bot.domain.model import Answer, Plan
from bot.domain.status import Summary


class WorkbookError(Exception):
    """A workbook could not be read or written; the message is Swedish and user-safe."""


class WorkbookNotFound(WorkbookError):
    """The workbook (or folder) does not exist."""


class WorkbookLocked(WorkbookError):
    """Someone holds the file; try again later."""


class WorkbookUnreadable(WorkbookError):
    """The file is not an Excel workbook we can open."""


class GraphThrottled(WorkbookError):
    """Microsoft Graph throttled or timed out (429/503/504) even after the SDK's retries."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after  # seconds, from Retry-After when Graph sent one


@dataclass(frozen=True, slots=True)
class WriteResult:
    """What one ``write_answers`` call did: rows added, rows updated, answers already there."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass(frozen=True, slots=True)
class ReportSaved:
    """Where a report was saved: its file name, path, web address (SharePoint) and whether
    it became a new version of a file with the same name."""

    name: str
    where: str
    url: str | None
    new_version: bool = False


class ReportShelf(Protocol):
    """Where reports are saved: a local folder, or a folder in the SharePoint library."""

    async def save_report(self, name: str, content: bytes) -> ReportSaved:
        """Save the document; never overwrite what a person may have edited."""
        ...


class PlanSnapshot(Protocol):
    """One read of a workbook: its plan and its answer rows. A backend hands out the same
    object until the workbook changes, so what is built from it can be kept as long."""

    @property
    def plan(self) -> Plan:
        """The plan, as ``read_plan`` gives it."""
        ...

    @property
    def answers(self) -> tuple[Answer, ...]:
        """The rows of the Uppföljning table, as ``read_answers`` gives them."""
        ...


class Workbook(Protocol):
    """One nämnd's plan workbook."""

    @property
    def key(self) -> str:
        """A stable identifier that is safe to put in card data (the file name within the
        folder, or the drive item's id) — never an absolute path."""
        ...

    @property
    def name(self) -> str:
        """A human name for messages (the file name)."""
        ...

    async def read_plan(self) -> Plan:
        """The plan, with the rows that could not be understood listed in ``Plan.issues``."""
        ...

    async def read_answers(self) -> list[Answer]:
        """The rows of the Uppföljning table, as answers."""
        ...

    async def read_snapshot(self) -> PlanSnapshot:
        """The plan and the answers together; the same object while the workbook is as read."""
        ...

    async def write_answers(self, answers: Sequence[Answer]) -> WriteResult:
        """Upsert answers by (ID, År, Period); an answer whose Svar-ID is already there is
        left alone. All or nothing: on error nothing is written."""
        ...

    async def write_actions(self, actions: Sequence[TrackedAction]) -> WriteResult:
        """Upsert åtgärder by (ID, År, Period) in the table Åtgärder on its own sheet (made
        when missing); a row already as new is left alone. All or nothing."""
        ...

    async def write_summary(self, summary: Summary, *, pending: int = 0) -> str:
        """Write or replace the sheet ``Sammanställning {period} {år}`` with the summary
        (``pending``: answers still waiting to be written); return the sheet's name. Never
        touches the plan or the answers table; a sheet of that name the bot did not make
        is left alone (WorkbookError)."""
        ...


class WorkbookSource(Protocol):
    """Where the plans live: one workbook or a folder of them."""

    async def workbooks(self) -> Sequence[Workbook]:
        """Every workbook currently in the source."""
        ...

    def workbook(self, key: str) -> Workbook:
        """The workbook with this key (it may no longer exist: reading it then raises)."""
        ...

    async def warm(self) -> None:
        """Get ready to write at start-up, so the first answer lands as fast as the next."""
        ...

    async def close(self) -> None:
        """Release what the source holds (workbook sessions, connections)."""
        ...
