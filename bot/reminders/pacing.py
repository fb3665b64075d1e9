"""Keeping within Teams' limits: a rate limiter and the backoff between retries.

Teams allows a bot about 7 messages per second in one conversation and about 30 per
second per app and tenant (``shared`` platform notes; the connector in the Agents SDK
neither limits nor retries). The limiter keeps sliding one-second windows, one for the app
and one per conversation; the backoff doubles from ``base`` up to ``cap`` with full jitter
and never waits less than the Retry-After Teams asked for.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import deque
from collections.abc import Awaitable, Callable

PER_CONVERSATION = 7  # messages per second in one conversation
# Messages per second for the whole app: Teams allows about 30; a margin below it, since
# Teams counts arrivals, not departures, and a window here can shift against Teams' own.
PER_APP = 25
WINDOW = 1.0  # seconds


class RateLimiter:
    """Sliding one-second windows: at most ``per_app`` sends, and ``per_conversation`` in
    any one conversation."""

    def __init__(
        self,
        per_app: int = PER_APP,
        per_conversation: int = PER_CONVERSATION,
        *,
        window: float = WINDOW,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.per_app = per_app
        self.per_conversation = per_conversation
        self.window = window
        self._monotonic = monotonic
        self._sleep = sleep
        self._app: deque[float] = deque()
        self._conversations: dict[str, deque[float]] = {}
        self._lock = asyncio.Lock()

    async def acquire(self, conversation: str) -> None:
        """Wait until one more message may go to ``conversation``, and count it."""
        async with self._lock:
            while True:
                now = self._monotonic()
                conv = self._conversations.setdefault(conversation, deque())
                for window in (self._app, conv):
                    while window and window[0] <= now - self.window:
                        window.popleft()
                waits = []
                if len(self._app) >= self.per_app:
                    waits.append(self._app[0] + self.window - now)
                if len(conv) >= self.per_conversation:
                    waits.append(conv[0] + self.window - now)
                if not waits:
                    self._app.append(now)
                    conv.append(now)
                    if len(self._conversations) > 10_000:
                        self._forget_idle(now)
                    return
                await self._sleep(max(waits))

    def _forget_idle(self, now: float) -> None:
        # One entry per person reminded: old windows go, or a big sweep keeps them all.
        for key in [
            k for k, w in self._conversations.items() if not w or w[-1] <= now - self.window
        ]:
            del self._conversations[key]


def backoff(
    attempt: int,
    retry_after: float | None = None,
    *,
    base: float = 0.5,
    cap: float = 30.0,
    rand: Callable[[], float] = random.random,
) -> float:
    """Seconds to wait before retry number ``attempt`` (0 is the first retry): exponential
    with full jitter, never less than Retry-After (which is itself capped at ``cap``)."""
    jittered = min(cap, base * 2**attempt) * rand()
    if retry_after is not None and retry_after > 0:
        return max(min(retry_after, cap), jittered)
    return jittered


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After in seconds (the HTTP date form is not used by Teams: ignored)."""
    if not value:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    return seconds if seconds >= 0 else None
