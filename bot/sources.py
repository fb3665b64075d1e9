"""Which workbook backend serves the plans (local files, or SharePoint through Graph), and
how strategist groups are checked (Entra ID through Graph)."""

from __future__ import annotations

from typing import Any

from bot.domain.identity import GroupCheck
from bot.settings import GraphSettings, Settings, SettingsError
from graph.protocol import WorkbookSource


def workbook_source(settings: Settings) -> WorkbookSource:
    """The backend the settings call for (Graph when IKBOT_GRAPH_SITE is set)."""
    if settings.graph is not None:
        from graph.excel_graph import GraphSource, graph_client

        client = graph_client(graph_credential(settings.graph), base_url=settings.graph.base_url)
        return GraphSource(
            client, site=settings.graph.site, path=settings.graph.path, drive=settings.graph.drive
        )
    if settings.workbook is None:
        raise SettingsError("IKBOT_WORKBOOK är inte satt.")
    from graph.excel_local import LocalSource

    return LocalSource(settings.workbook)


def strategist_group_check(settings: Settings) -> GroupCheck | None:
    """The Entra group check IKBOT_STRATEGIST_GROUP_ID calls for (None when it is not set),
    signed in as the Graph settings say."""
    graph = settings.directory_graph
    if not settings.strategist_groups:
        return None
    if graph is None:  # Settings.from_env refuses this; settings made in code may not
        raise SettingsError("IKBOT_STRATEGIST_GROUP_ID kräver inloggning i Microsoft Graph.")
    from graph.excel_graph import graph_client, graph_transport
    from graph.graph_directory import StrategistGroups

    client = graph_client(graph_credential(graph), base_url=graph.base_url)
    return StrategistGroups(graph_transport(client), settings.strategist_groups)


def teams_installer(settings: Settings) -> Any:
    """The installer that puts the bot in the personal scope of people who never opened it
    (IKBOT_TEAMS_APP_ID with a Graph sign-in); None otherwise."""
    graph = settings.directory_graph
    if not settings.teams_app_id or graph is None:
        return None
    from graph.excel_graph import graph_client, graph_transport
    from graph.graph_install import TeamsInstaller

    client = graph_client(graph_credential(graph), base_url=graph.base_url)
    return TeamsInstaller(graph_transport(client), settings.teams_app_id, graph_url=graph.base_url)


def graph_credential(graph: GraphSettings) -> Any:
    """The azure-identity credential (async) the Graph settings call for."""
    from azure.identity.aio import (
        CertificateCredential,
        ClientSecretCredential,
        ManagedIdentityCredential,
    )

    if graph.credential_kind == "client_secret":
        return ClientSecretCredential(graph.tenant_id, graph.client_id, graph.client_secret)
    if graph.credential_kind == "certificate":
        return CertificateCredential(
            graph.tenant_id, graph.client_id, certificate_path=graph.certificate_path
        )
    # A user-assigned identity is chosen by its client id; without one, the system identity.
    return ManagedIdentityCredential(client_id=graph.client_id or None)
