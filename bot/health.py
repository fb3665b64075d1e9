"""Probes for a load balancer or container platform: /healthz (the process serves) and
/readyz (the journal's database answers and the workbook source is reachable).

Neither needs a token and neither says why in its answer (no paths, exception texts or
versions reach the caller); the reason for "not ready" goes to the operator's log.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.services import Services

logger = logging.getLogger(__name__)

HEALTH_PATH = "/healthz"
READY_PATH = "/readyz"
READY_TIMEOUT = 5.0  # seconds each dependency may take before the bot counts as not ready
READY_CACHE = 5.0  # seconds a result is reused, so frequent probes do not hammer Graph
_NO_STORE = {"Cache-Control": "no-store"}


class Readiness:
    """Checks the database and the workbook source; one check at a time, cached briefly."""

    def __init__(
        self,
        services: Services,
        *,
        timeout: float = READY_TIMEOUT,
        cache: float = READY_CACHE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._services = services
        self._timeout = timeout
        self._cache = cache
        self._clock = clock
        self._lock = asyncio.Lock()
        self._last: tuple[float, bool] | None = None

    async def ready(self) -> bool:
        """True when the bot can serve turns (a recent result, or a fresh check)."""
        async with self._lock:  # concurrent probes wait for one check instead of each running one
            last = self._last
            if last is not None and self._clock() - last[0] < self._cache:
                return last[1]
            reason = await self._problem()
            if reason is not None:
                logger.warning("Not ready: %s", reason)
            self._last = (self._clock(), reason is None)
            return reason is None

    async def _problem(self) -> str | None:
        """What keeps the bot from serving, for the operator; None when nothing does."""
        services = self._services
        checks: tuple[tuple[str, Callable[[], Awaitable[object]]], ...] = (
            ("the database", lambda: services.db.fetchone("SELECT 1")),
            ("the workbook source", services.source.workbooks),
        )
        for what, check in checks:
            try:
                await asyncio.wait_for(check(), self._timeout)
            except TimeoutError:
                return f"{what} did not answer within {self._timeout:g} s"
            except Exception as error:  # any failure means "not ready", never a crashed probe
                return f"{what} failed: {type(error).__name__}: {error}"
        return None


READINESS = web.AppKey("readiness", Readiness)


async def healthz(_request: web.Request) -> web.Response:
    """Liveness: the process serves HTTP."""
    return web.json_response({"status": "ok"}, headers=_NO_STORE)


async def readyz(request: web.Request) -> web.Response:
    """Readiness: 200 when the database and the workbook source answer, else 503."""
    if await request.app[READINESS].ready():
        return web.json_response({"status": "redo"}, headers=_NO_STORE)
    return web.json_response({"status": "ej redo"}, status=503, headers=_NO_STORE)


def add_health_routes(app: web.Application, services: Services) -> None:
    """Serve /healthz and /readyz on the app (outside the bot's token check)."""
    app[READINESS] = Readiness(services)
    app.router.add_get(HEALTH_PATH, healthz)
    app.router.add_get(READY_PATH, readyz)
