"""Entra ID through Microsoft Graph: is a user in one of the strategist groups?

``POST /users/{id}/checkMemberGroups {"groupIds": [...]}`` answers
``{"value": [the ids, of those asked about, that the user is a member of]}``. The check is
transitive (a member of a group inside the strategist group counts) and takes at most 20
group ids per request. App-only it needs the application permissions User.Read.All and
GroupMember.Read.All (the least privileged pair; Directory.Read.All also works).

The request goes through ``graph.excel_graph``'s transport (the msgraph-sdk request adapter
with its authentication and telemetry); only that module imports the SDK.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from graph.graph_requests import GraphCallError, Sender, path_segment

logger = logging.getLogger(__name__)

MAX_GROUPS = 20  # checkMemberGroups' limit per request
# A turn waits for the answer, and Teams gives a card action about 15 seconds: a slow
# directory makes the user a non-strategist for one turn rather than a failed turn.
TIMEOUT = 5.0
PERMISSIONS = "User.Read.All and GroupMember.Read.All (or Directory.Read.All)"


class DirectoryUnavailable(Exception):
    """The group check could not be made. The message (for the log) names no user."""


class StrategistGroups:
    """A ``bot.identity.GroupCheck``: whether a user is in any of the strategist groups."""

    def __init__(
        self, transport: Sender, group_ids: Sequence[str], *, timeout: float = TIMEOUT
    ) -> None:
        groups = tuple(dict.fromkeys(g.strip().casefold() for g in group_ids if g.strip()))
        if not 0 < len(groups) <= MAX_GROUPS:
            raise ValueError(f"1..{MAX_GROUPS} group ids are needed, not {len(groups)}")
        self.group_ids = groups
        self._transport = transport
        self._timeout = timeout

    async def __call__(self, user_id: str) -> bool:
        """True if the user (an Entra object id) is a member, directly or through nested
        groups; raises DirectoryUnavailable when Graph cannot tell."""
        url = f"/users/{path_segment(user_id)}/checkMemberGroups"
        body = {"groupIds": list(self.group_ids)}
        try:
            async with asyncio.timeout(self._timeout):
                # No SDK retries: a Retry-After of minutes must not hold up the turn; the
                # next turn asks again (a failed check is never cached).
                reply = await self._transport.send("POST", url, body, retry=False)
        except TimeoutError as error:
            raise DirectoryUnavailable(
                f"Graph did not answer checkMemberGroups within {self._timeout:g} s"
            ) from error
        except GraphCallError as error:
            if error.status == 404:
                # The object id is not a user in this tenant (a guest of another, a wrong
                # tenant configured): a member of no group here.
                logger.warning("checkMemberGroups: Graph does not know the user (404)")
                return False
            raise DirectoryUnavailable(_explain(error)) from error
        value = reply.get("value") if isinstance(reply, dict) else None
        if not isinstance(value, list):
            raise DirectoryUnavailable("checkMemberGroups answered without a value list")
        return any(str(v).casefold() in self.group_ids for v in value)

    async def describe(self) -> list[str]:
        """Each strategist group's display name, read from Graph (for ``ikbot check-graph``);
        raises DirectoryUnavailable with what is wrong."""
        names = []
        for group in self.group_ids:
            url = f"/groups/{path_segment(group)}?$select=id,displayName"
            try:
                reply = await self._transport.send("GET", url)
            except GraphCallError as error:
                if error.status == 404:
                    raise DirectoryUnavailable(
                        f"gruppen {group} finns inte i organisationen"
                    ) from error
                raise DirectoryUnavailable(_explain(error)) from error
            names.append(str((reply or {}).get("displayName") or group))
        return names


def _explain(error: GraphCallError) -> str:
    """What went wrong, for the operator's log (Graph's message may name the user: left out)."""
    what = f"checkMemberGroups failed: HTTP {error.status} {error.code}".rstrip()
    if error.status == 403:
        return f"{what}; the app registration needs the application permissions {PERMISSIONS}"
    if error.status in (0, 429, 503, 504):
        return f"{what}; Graph is unreachable or throttling"
    return what
