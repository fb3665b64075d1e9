"""Who is talking: the user's e-mail/UPN (from the channel's member lookup) and role."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

logger = logging.getLogger(__name__)

CACHE_SECONDS = 12 * 3600


@dataclass(frozen=True, slots=True)
class User:
    """A person in a conversation, as far as the bot trusts it."""

    key: str  # aadObjectId, else the channel's user id
    email: str
    name: str
    strategist: bool
    # The e-mail and the UPN can differ (an alias); a plan may name either.
    addresses: frozenset[str] = frozenset()

    def owns(self, owner: str) -> bool:
        """Whether a plan's Ansvarig value names this user."""
        return owner == self.email or owner in self.addresses


@dataclass(frozen=True, slots=True)
class Member:
    """What the channel's member lookup says about a user."""

    email: str
    name: str
    upn: str = ""


class LookupFailed(Exception):
    """The channel could not tell who the user is."""


class Directory:
    """Resolves users through the channel's member lookup, cached per user key."""

    def __init__(
        self,
        strategists: frozenset[str],
        *,
        ttl: float = CACHE_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._strategists = strategists
        self._ttl = ttl
        self._monotonic = monotonic
        self._cache: dict[str, tuple[float, User]] = {}

    async def resolve(self, key: str, lookup: Callable[[], Awaitable[Member]]) -> User:
        """The user for this key; raises LookupFailed if the channel cannot say."""
        cached = self._cache.get(key)
        if cached is not None and cached[0] > self._monotonic():
            return cached[1]
        try:
            member = await lookup()
        except Exception as error:
            raise LookupFailed(str(error)) from error
        addresses = frozenset(
            a.strip().casefold() for a in (member.email, member.upn) if a and "@" in a
        )
        if not addresses:
            raise LookupFailed("the member lookup returned no e-mail/UPN")
        email = (member.email or member.upn).strip().casefold()
        user = User(key, email, member.name, bool(addresses & self._strategists), addresses)
        self._cache[key] = (self._monotonic() + self._ttl, user)
        return user
