"""Installing the bot for a person who never opened it, so that a reminder can reach them.

Teams lets a bot write first only where it is installed. With the application permission
TeamsAppInstallation.ReadWriteSelfForUser.All (the least privileged one) the bot installs
itself in a user's personal scope::

    POST /users/{id}/teamwork/installedApps
         {"teamsApp@odata.bind": "https://graph.microsoft.com/v1.0/appCatalogs/teamsApps/{id}"}
    GET  /users/{id}/teamwork/installedApps?$expand=teamsApp&$filter=teamsApp/id eq '{id}'
    GET  /users/{id}/teamwork/installedApps/{installation}/chat      -> the chat's id

The app must be in the organisation's catalog (uploaded by an administrator) and its
manifest must have ``webApplicationInfo`` with the bot's Entra app id. The catalog id is
looked up once from the manifest id (``externalId``; needs AppCatalog.Read.All) or given
directly. The requests go through ``graph.excel_graph``'s transport, as the group check's do.
"""

from __future__ import annotations

import logging

from bot.domain.due import Installed
from graph.graph_requests import GraphCallError, Sender, path_segment

logger = logging.getLogger(__name__)

PERMISSION = "TeamsAppInstallation.ReadWriteSelfForUser.All"


class TeamsInstaller:
    """Installs the bot for a user (by e-mail/UPN) and finds the personal chat it makes."""

    def __init__(self, transport: Sender, app_id: str, *, graph_url: str) -> None:
        self._transport = transport
        self.app_id = app_id.strip()
        self._graph_url = graph_url.rstrip("/")
        self._catalog_id: str | None = None

    async def catalog_id(self) -> str:
        """The app's id in the organisation's catalog (from its manifest id, once)."""
        if self._catalog_id is None:
            quoted = self.app_id.replace("'", "''")
            url = f"/appCatalogs/teamsApps?$filter=externalId eq '{quoted}'"
            try:
                reply = await self._transport.send("GET", url)
                found = [a.get("id") for a in (reply or {}).get("value", []) if a.get("id")]
            except GraphCallError as error:
                logger.warning("Could not look the Teams app up in the catalog: %s", error.status)
                found = []
            # Not found by the manifest id: the id given is taken to be the catalog's own.
            self._catalog_id = str(found[0]) if found else self.app_id
        return self._catalog_id

    async def install(self, user: str) -> Installed | None:
        """Install the bot for the user (already installed is fine) and return the user's
        object id and the chat; None when Graph refuses (logged, without the user)."""
        who = path_segment(user)
        try:
            catalog = await self.catalog_id()
            bind = f"{self._graph_url}/appCatalogs/teamsApps/{catalog}"
            try:
                await self._transport.send(
                    "POST",
                    f"/users/{who}/teamwork/installedApps",
                    {"teamsApp@odata.bind": bind},
                    retry=False,
                )
            except GraphCallError as error:
                if error.status != 409:  # 409: installed already
                    raise
            query = f"$expand=teamsApp&$filter=teamsApp/id eq '{catalog}'"
            apps = await self._transport.send("GET", f"/users/{who}/teamwork/installedApps?{query}")
            installations = [a.get("id") for a in (apps or {}).get("value", []) if a.get("id")]
            if not installations:
                logger.warning("The bot was installed for a user but the installation is not found")
                return None
            installation = path_segment(str(installations[0]))
            chat = await self._transport.send(
                "GET", f"/users/{who}/teamwork/installedApps/{installation}/chat"
            )
            person = await self._transport.send("GET", f"/users/{who}?$select=id")
        except GraphCallError as error:
            hint = f"; the app needs the permission {PERMISSION}" if error.status == 403 else ""
            logger.warning("Could not install the bot for a user: HTTP %s%s", error.status, hint)
            return None
        chat_id = str((chat or {}).get("id") or "")
        user_id = str((person or {}).get("id") or "")
        if not chat_id or not user_id:
            return None
        return Installed(user_id=user_id, chat_id=chat_id)
