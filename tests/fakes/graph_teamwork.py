"""The fake Graph's Teams app catalog and per-user app installations.

``GET /appCatalogs/teamsApps?$filter=externalId eq '{manifest id}'`` finds the app;
``POST /users/{ref}/teamwork/installedApps`` installs it (409 when installed already);
``GET …/installedApps?$expand=teamsApp&$filter=teamsApp/id eq '{id}'`` lists it;
``GET …/installedApps/{id}/chat`` gives the personal chat; ``GET /users/{ref}`` the user's
id. Users come from the directory (``graph_directory.Memberships``). A test fills it::

    fake.teamwork.publish("manifest-id", "catalog-id")
    fake.teamwork.refuse = 403          # the permission is missing
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tests.fakes.graph_directory import Memberships
from tests.fakes.graph_errors import Call, GraphError, Reply

_QUOTED = re.compile(r"'((?:[^']|'')*)'")


@dataclass
class Teamwork:
    """The catalog (manifest id -> catalog id) and who has the app installed."""

    directory: Memberships
    catalog: dict[str, str] = field(default_factory=dict)
    installed: dict[tuple[str, str], str] = field(default_factory=dict)  # (user, app) -> id
    installs: list[str] = field(default_factory=list)  # user ids, each POST that installed
    refuse: int | None = None  # answer installations with this status (403: no permission)

    def publish(self, external_id: str, catalog_id: str) -> None:
        """An app an administrator uploaded to the organisation's catalog."""
        self.catalog[external_id] = catalog_id

    @staticmethod
    def chat_of(user_id: str) -> str:
        """The id of the personal chat an installation makes for a user."""
        return f"19:{user_id}_bot@unq.gbl.spaces"

    def dispatch(self, call: Call) -> Reply:
        """The catalog, installations and ``GET /users/{ref}``."""
        parts = [p for p in call.path.split("/") if p]
        if parts[:2] == ["appCatalogs", "teamsApps"] and call.method == "GET":
            wanted = self._filter_value(call)
            apps = [
                {"id": c, "externalId": e} for e, c in self.catalog.items() if wanted in (None, e)
            ]
            return Reply(200, {"value": apps})
        if parts[0] != "users" or len(parts) < 2:
            raise GraphError(400, "BadRequest", f"The fake Graph does not implement {call.path}.")
        user = self.directory.user_id(parts[1])
        if len(parts) == 2 and call.method == "GET":
            return Reply(200, {"id": user})
        if parts[2:4] != ["teamwork", "installedApps"]:
            raise GraphError(400, "BadRequest", f"The fake Graph does not implement {call.path}.")
        if self.refuse is not None:
            raise GraphError(self.refuse, "Forbidden", "Missing role permissions on the request.")
        if len(parts) == 4 and call.method == "POST":
            bind = str((call.body or {}).get("teamsApp@odata.bind", ""))
            app = bind.rsplit("/", 1)[-1]
            if app not in self.catalog.values():
                raise GraphError(404, "NotFound", "The app is not in the catalog.")
            if (user, app) in self.installed:
                raise GraphError(409, "Conflict", "The app is already installed.")
            self.installed[(user, app)] = f"install-{len(self.installed) + 1}"
            self.installs.append(user)
            return Reply(201, {})
        if len(parts) == 4 and call.method == "GET":
            wanted = self._filter_value(call)
            found = [
                {"id": i, "teamsApp": {"id": a}}
                for (u, a), i in self.installed.items()
                if u == user and wanted in (None, a)
            ]
            return Reply(200, {"value": found})
        if len(parts) == 6 and parts[5] == "chat" and call.method == "GET":
            if parts[4] not in {i for (u, _a), i in self.installed.items() if u == user}:
                raise GraphError(404, "NotFound", "No such installation.")
            return Reply(200, {"id": self.chat_of(user)})
        raise GraphError(400, "BadRequest", f"The fake Graph does not implement {call.path}.")

    @staticmethod
    def _filter_value(call: Call) -> str | None:
        text = call.query.get("$filter", "")
        found = _QUOTED.search(text)
        return found.group(1).replace("''", "'") if found else None
