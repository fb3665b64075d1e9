"""The fake Graph's Entra ID: users, groups (nested too) and ``checkMemberGroups``.

``POST /users/{id | userPrincipalName}/checkMemberGroups {"groupIds": [...]}`` answers
``{"value": [...]}`` with the ids asked about that the user is in, transitively, as Graph
documents it; an unknown user gets Entra's 404 ``Request_ResourceNotFound`` and a malformed
body a 400 ``Request_BadRequest``. A test fills the table::

    fake.directory.add_user("aad-stina", "stina@example.com")
    fake.directory.add_member(GROUP, "aad-stina")        # a user in a group
    fake.directory.add_member(GROUP, INNER_GROUP)        # a group in a group
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tests.fakes.graph_errors import Call, GraphError, Reply

MAX_GROUPS = 20
_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_CONTEXT = "https://graph.microsoft.com/v1.0/$metadata#Collection(Edm.String)"


class _EntraError(GraphError):
    """Entra ID's errors carry no second-level code; the reply drops the one GraphError adds."""

    def reply(self) -> Reply:
        """The error as Entra ID sends it."""
        reply = super().reply()
        reply.body["error"]["innerError"].pop("code", None)
        return reply


@dataclass
class Memberships:
    """Who exists and who is in which group (members are user or group ids)."""

    users: dict[str, str] = field(default_factory=dict)  # object id -> userPrincipalName
    groups: dict[str, set[str]] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)  # group id -> displayName
    checks: int = 0  # checkMemberGroups requests answered

    def add_user(self, object_id: str, upn: str = "") -> None:
        """A user the directory knows (in no group yet)."""
        self.users[object_id] = upn

    def add_member(self, group_id: str, member_id: str) -> None:
        """Put a user or a group into a group (the group is created if new)."""
        self.groups.setdefault(group_id.casefold(), set()).add(member_id.casefold())

    def name_group(self, group_id: str, name: str) -> None:
        """Give a group a display name (a group is created by its first member otherwise)."""
        self.groups.setdefault(group_id.casefold(), set())
        self.names[group_id.casefold()] = name

    def remove_member(self, group_id: str, member_id: str) -> None:
        """Take a user or a group out of a group."""
        self.groups.get(group_id.casefold(), set()).discard(member_id.casefold())

    def member_of(self, object_id: str) -> set[str]:
        """Every group the object is in, directly or through nested groups."""
        found: set[str] = set()
        frontier = {object_id.casefold()}
        while frontier:
            inside = {g for g, members in self.groups.items() if members & frontier} - found
            found |= inside
            frontier = inside
        return found

    def _group(self, call: Call, parts: list[str]) -> Reply:
        if len(parts) != 2 or call.method != "GET":
            raise GraphError(400, "BadRequest", f"The fake Graph does not implement {call.path}.")
        group = parts[1].casefold()
        if group not in self.groups:
            raise _EntraError(
                404,
                "Request_ResourceNotFound",
                f"Resource '{parts[1]}' does not exist or one of its queried reference-property "
                "objects are not present.",
            )
        return Reply(200, {"id": group, "displayName": self.names.get(group, "")})

    def user_id(self, ref: str) -> str:
        """The object id of a user named by object id or userPrincipalName (404 if none)."""
        return self._user(ref)

    def _user(self, ref: str) -> str:
        for object_id, upn in self.users.items():
            if ref.casefold() in (object_id.casefold(), upn.casefold()):
                return object_id
        raise _EntraError(
            404,
            "Request_ResourceNotFound",
            f"Resource '{ref}' does not exist or one of its queried reference-property "
            "objects are not present.",
        )

    def dispatch(self, call: Call) -> Reply:
        """``/users/{ref}/checkMemberGroups`` and ``GET /groups/{id}``; nothing else."""
        parts = [p for p in call.path.split("/") if p]
        if parts[0] == "groups":
            return self._group(call, parts)
        if len(parts) != 3 or parts[2] != "checkMemberGroups":
            raise GraphError(400, "BadRequest", f"The fake Graph does not implement {call.path}.")
        if call.method != "POST":
            raise GraphError(405, "Request_BadRequest", "The HTTP method is not allowed here.")
        user = self._user(parts[1])
        ids = call.body.get("groupIds") if isinstance(call.body, dict) else None
        if (
            not isinstance(ids, list)
            or not ids
            or not all(isinstance(i, str) and _GUID.match(i) for i in ids)
        ):
            raise _EntraError(
                400, "Request_BadRequest", "Invalid value specified for property 'groupIds'."
            )
        if len(ids) > MAX_GROUPS:
            raise _EntraError(
                400,
                "Request_BadRequest",
                f"The request can have at most {MAX_GROUPS} groups in groupIds.",
            )
        self.checks += 1
        inside = self.member_of(user)
        return Reply(
            200, {"@odata.context": _CONTEXT, "value": [i for i in ids if i.casefold() in inside]}
        )
