"""A persistent workbook session: opened for writes, closed when idle.

Graph keeps changes made in a session with ``persistChanges: true``; the session expires
after a few idle minutes (``invalidSessionReCreatable``: the caller forgets it and starts
over). We close it ourselves after ``idle`` seconds without writes.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

from graph.graph_requests import GraphCallError, Sender
from graph.protocol import WorkbookError


class WorkbookSession:
    """The session id of one workbook, if one is open."""

    def __init__(self, transport: Callable[[], Sender], idle: float) -> None:
        self._transport = transport
        self._idle = idle
        self.id: str | None = None
        self._wb = ""
        self._timer: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def open(self, wb: str) -> str:
        """The open session, or a new one (``createSession`` with ``persistChanges``)."""
        if self.id is None:
            reply = await self._transport().send(
                "POST", f"{wb}/createSession", {"persistChanges": True}
            )
            self.id, self._wb = str(reply["id"]), wb
        return self.id

    def forget(self) -> None:
        """The session expired on Graph's side: the next ``open`` makes a new one."""
        self.id = None

    def close_when_idle(self, lock: asyncio.Lock) -> None:
        """(Re)start the idle timer; when it fires, close under ``lock`` (the write lock)."""
        if self._timer is not None:
            self._timer.cancel()
        self._timer = asyncio.get_running_loop().call_later(self._idle, self._close_later, lock)

    def _close_later(self, lock: asyncio.Lock) -> None:
        task = asyncio.ensure_future(self._locked(lock, self.close))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @staticmethod
    async def _locked(lock: asyncio.Lock, action: Callable[[], Awaitable[None]]) -> None:
        async with lock:
            await action()

    async def close(self) -> None:
        """Close the session, if one is open (errors ignored: it expires anyway)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        session, self.id = self.id, None
        if session is not None:
            with contextlib.suppress(GraphCallError, WorkbookError):
                await self._transport().send("POST", f"{self._wb}/closeSession", session=session)
