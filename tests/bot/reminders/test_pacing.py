"""Teams' limits: the rate limiter's windows and the backoff between retries."""

from __future__ import annotations

from bot.reminders.pacing import RateLimiter, backoff, parse_retry_after


class FakeTime:
    """A clock that moves only when someone sleeps."""

    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(seconds, 0.0)


def busiest(stamps: list[float]) -> int:
    """The most stamps in any one-second window."""
    return max(sum(1 for t in stamps if s <= t < s + 1.0) for s in stamps)


async def test_at_most_seven_per_conversation_and_25_per_app_per_second() -> None:
    clock = FakeTime()
    limiter = RateLimiter(monotonic=clock.monotonic, sleep=clock.sleep)
    one: list[float] = []
    for _ in range(50):
        await limiter.acquire("a:alex")
        one.append(clock.now)
    assert busiest(one) == 7
    everyone: list[float] = []
    for n in range(300):
        await limiter.acquire(f"a:person-{n}")
        everyone.append(clock.now)
    assert busiest(everyone) == 25  # Teams allows 30: a margin
    assert everyone[-1] - everyone[0] >= 11  # 300 messages take twelve seconds at 25/s


def test_backoff_doubles_with_jitter_and_honours_retry_after() -> None:
    assert [backoff(n, rand=lambda: 1.0) for n in range(8)] == [0.5, 1, 2, 4, 8, 16, 30, 30]
    assert backoff(3, rand=lambda: 0.0) == 0.0  # full jitter
    assert backoff(0, 12.0, rand=lambda: 1.0) == 12.0  # Retry-After is the floor
    assert backoff(0, 999.0, rand=lambda: 1.0) == 30.0  # … within the cap
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after("Wed, 21 Oct 2026 07:28:00 GMT") is None
    assert parse_retry_after(None) is None
