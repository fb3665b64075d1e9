"""Fixtures for the workbook tests.

The backend tests take the ``backend`` fixture, parametrised over every Workbook backend
("local" for now; the Microsoft Graph backend joins by adding a param and a class with the
same three methods), so one suite runs against all of them.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from graph.excel_local import LocalSource
from graph.protocol import Workbook


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


@pytest.fixture(params=["local"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> LocalBackend:
    """Each workbook backend in turn."""
    folder = tmp_path / "plans"
    folder.mkdir()
    return LocalBackend(folder)
