"""Fixtures for the workbook tests.

The backend tests take the ``backend`` fixture, parametrised over every Workbook backend
("local": files in a folder; "graph": the same files behind the fake Microsoft Graph, read
and written by the real msgraph-sdk), so one suite runs against all of them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from graph.excel_graph import GraphSource, graph_client
from graph.excel_local import LocalSource
from graph.protocol import Workbook
from tests.fakes.graph_server import FakeGraph, StaticCredential

SITE = "kommun.sharepoint.com:/sites/Internkontroll"
FOLDER = "Internkontroll 2026"  # the plans' folder in the library (a space, as people name them)
# What the Graph API cannot give: merged areas (no endpoint reports them), so a value
# written once over merged rows is read for the top row only.
GRAPH_CANNOT = {
    "test_reads_a_plan_as_people_write_it": "Graph has no endpoint for merged cells",
}


class LocalBackend:
    """Workbook files in a folder, served by ``LocalSource``."""

    name = "local"

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        # Writes go through the worker process, as in production; every read revalidates.
        self.source = LocalSource(folder, revalidate_after=0)

    def path(self, key: str) -> Path:
        """Where a test writes the .xlsx it starts from."""
        return self.folder / key

    async def workbook(self, key: str) -> Workbook:
        """The backend's view of the file written at ``path(key)``."""
        return self.source.workbook(key)

    async def load(self, key: str) -> openpyxl.Workbook:
        """The workbook as it is stored now (formulas as text)."""
        return openpyxl.load_workbook(self.folder / key)

    async def file(self, key: str) -> Path:
        """A local copy of the stored workbook (for the local backend: the file itself)."""
        return self.folder / key


def graph_source(fake: FakeGraph, *, token: str = "test-token", **kwargs: Any) -> GraphSource:
    """A GraphSource on the fake, with retries fast enough for tests."""
    client = graph_client(StaticCredential(token), fake.base_url, max_backoff=0.01)
    options: dict[str, Any] = {"site": SITE, "path": FOLDER, "revalidate_after": 0}
    options.update(retry_wait=0.01, **kwargs)
    return GraphSource(client, **options)


class GraphBackend:
    """The same files in a SharePoint library served by the fake Graph, via ``GraphSource``."""

    name = "graph"

    def __init__(self, library: Path) -> None:
        self.library = library
        self.folder = library / FOLDER
        self.folder.mkdir(parents=True)
        self.fake = FakeGraph(library)
        self.source: GraphSource | None = None

    async def start(self) -> None:
        """Start the fake server and point a source at it."""
        await self.fake.start()
        self.source = graph_source(self.fake)

    async def stop(self) -> None:
        """Close the source's sessions and the server."""
        if self.source is not None:
            await self.source.close()
        await self.fake.stop()

    def path(self, key: str) -> Path:
        """Where a test writes the .xlsx it starts from."""
        return self.folder / key

    async def workbook(self, key: str) -> Workbook:
        """The backend's view of the file written at ``path(key)`` (keyed by item id)."""
        assert self.source is not None
        return self.source.workbook(self.fake.item_id(f"{FOLDER}/{key}"))

    async def load(self, key: str) -> openpyxl.Workbook:
        """The workbook as it is stored now (formulas as text)."""
        return openpyxl.load_workbook(self.folder / key)

    async def file(self, key: str) -> Path:
        """A local copy of the stored workbook (the fake serves the file itself)."""
        return self.folder / key


@pytest.fixture(params=["local", "graph"])
async def backend(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[LocalBackend | GraphBackend]:
    """Each workbook backend in turn."""
    if request.param == "local":
        folder = tmp_path / "plans"
        folder.mkdir()
        yield LocalBackend(folder)
        return
    reason = GRAPH_CANNOT.get(request.node.originalname)
    if reason:
        request.applymarker(pytest.mark.xfail(reason=reason, strict=True))
    graph = GraphBackend(tmp_path / "bibliotek")
    await graph.start()
    try:
        yield graph
    finally:
        await graph.stop()
