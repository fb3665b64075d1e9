"""Which workbook backend serves the plans: local files, or SharePoint through Graph."""

from __future__ import annotations

from typing import Any

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
