"""Who is talking: the user's e-mail/UPN (from the channel's member lookup) and role.

A user is known by the channel's user id (the activity's ``from.id``), the id the member
lookup is made for; the Entra object id the activity claims is only compared with the one
the lookup gives, never used to find anyone.

A strategist is named in IKBOT_STRATEGISTS or is a member of one of the Entra groups in
IKBOT_STRATEGIST_GROUP_ID. The group check is a ``GroupCheck`` (Microsoft Graph's
checkMemberGroups, in ``graph.graph_directory``); the domain only knows the callable.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.domain.model import Control

logger = logging.getLogger(__name__)

CACHE_SECONDS = 12 * 3600
# Group membership is cached for a shorter time than the e-mail: someone taken out of the
# strategist group should lose the view of everyone's answers within the hour, while a
# person chatting all day costs at most one Graph call an hour.
ROLE_SECONDS = 3600

# Whether the user with this Entra object id is in a strategist group; raises when it
# cannot tell (Graph unreachable, permission missing).
GroupCheck = Callable[[str], Awaitable[bool]]


@dataclass(frozen=True, slots=True)
class User:
    """A person in a conversation, as far as the bot trusts it."""

    key: str  # the channel's user id (from.id), the one the member lookup was made for
    email: str
    name: str
    strategist: bool
    # The e-mail and the UPN can differ (an alias); a plan may name either.
    addresses: frozenset[str] = frozenset()
    # The strategist group could not be checked this turn: treated as a non-strategist.
    role_unknown: bool = False

    def owns(self, owner: str | Control) -> bool:
        """Whether a control (or a plan's Ansvarig address) names this user as ansvarig:
        a control by any address its ansvarig resolves to (a role may have several)."""
        if isinstance(owner, Control):
            owners = owner.owners
            return self.email in owners or not owners.isdisjoint(self.addresses)
        return owner == self.email or owner in self.addresses

    def may_answer_as_owner(self, control: Control) -> bool:
        """Whether the control is this user's to answer: their own, or — for a strategist —
        one whose ansvarig resolves to nobody ("saknar ansvarig")."""
        return self.owns(control) or (self.strategist and not control.has_owner)


@dataclass(frozen=True, slots=True)
class Member:
    """What the channel's member lookup says about a user."""

    email: str
    name: str
    upn: str = ""
    aad_object_id: str = ""  # the Entra object id, for the group check


class LookupFailed(Exception):
    """The channel could not tell who the user is."""


class IdentityMismatch(Exception):
    """The activity claims another Entra object id than the member lookup gives for its
    sender: one of them is forged, so the turn must be refused."""


@dataclass(frozen=True, slots=True)
class _Profile:
    """A member lookup's result, as cached."""

    email: str
    name: str
    addresses: frozenset[str]
    aad_object_id: str


class Directory:
    """Resolves users through the channel's member lookup, cached per user key; the
    strategist role from the configured addresses and, optionally, Entra groups."""

    def __init__(
        self,
        strategists: frozenset[str],
        *,
        group_check: GroupCheck | None = None,
        ttl: float = CACHE_SECONDS,
        role_ttl: float = ROLE_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._strategists = strategists
        self._group_check = group_check
        self._ttl = ttl
        self._role_ttl = role_ttl
        self._monotonic = monotonic
        self._profiles: dict[str, tuple[float, _Profile]] = {}
        self._roles: dict[str, tuple[float, bool]] = {}

    async def resolve(
        self, key: str, lookup: Callable[[], Awaitable[Member]], *, object_id: str = ""
    ) -> User:
        """The user for this channel user id; raises LookupFailed if the channel cannot say,
        IdentityMismatch if ``object_id`` (the activity's claim) is not the lookup's."""
        profile = await self._profile(key, lookup)
        claimed = object_id.strip().casefold()
        if claimed and profile.aad_object_id and claimed != profile.aad_object_id.casefold():
            # Checked on every turn, cached profile or not: the claim comes with each activity.
            raise IdentityMismatch("the activity's Entra object id is not the member lookup's")
        strategist, known = await self._role(key, profile)
        return User(
            key,
            profile.email,
            profile.name,
            strategist,
            profile.addresses,
            role_unknown=not known,
        )

    async def _profile(self, key: str, lookup: Callable[[], Awaitable[Member]]) -> _Profile:
        cached = self._profiles.get(key)
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
        profile = _Profile(email, member.name, addresses, member.aad_object_id.strip())
        self._profiles[key] = (self._monotonic() + self._ttl, profile)
        return profile

    async def _role(self, key: str, profile: _Profile) -> tuple[bool, bool]:
        """(strategist, whether that is known); an unknown role is never cached."""
        if profile.addresses & self._strategists:
            return True, True  # named in IKBOT_STRATEGISTS: no need to ask Graph
        if self._group_check is None:
            return False, True
        cached = self._roles.get(key)
        if cached is not None and cached[0] > self._monotonic():
            return cached[1], True
        if not profile.aad_object_id:
            logger.warning("Strategist group not checked: the channel gave no Entra object id")
            return False, False
        try:
            member = await self._group_check(profile.aad_object_id)
        except Exception as error:
            # The message is ours (graph.graph_directory): status and code, no user data.
            logger.warning(
                "Strategist group check failed (%s: %s); treated as a non-strategist this turn",
                type(error).__name__,
                error,
            )
            return False, False
        self._roles[key] = (self._monotonic() + self._role_ttl, member)
        return member, True
