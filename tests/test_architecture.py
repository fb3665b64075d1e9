"""Imports go one way (DESIGN §3): the domain imports no SDK, cards only the domain."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOMAIN = [
    "bot/model.py",
    "bot/periods.py",
    "bot/assignments.py",
    "bot/writer.py",
    "bot/plans.py",
    "bot/reports.py",
    "bot/status.py",
    "bot/identity.py",
    "bot/clock.py",
    "bot/settings.py",
    # The store: SQL, but no SDK, no HTTP and no outer layer.
    *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "bot/store").rglob("*.py")),
]
SDKS = ("microsoft_agents", "msgraph", "aiohttp", "openpyxl", "kiota", "azure")


def imported(path: Path) -> set[str]:
    """Every module a file imports (top level and inside functions)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("module", DOMAIN)
def test_domain_imports_no_sdk_and_no_outer_layer(module: str) -> None:
    for name in imported(ROOT / module):
        assert not name.startswith(SDKS), f"{module} imports {name}"
        assert not name.startswith(("dialogs", "cards")), f"{module} imports {name}"
        # The domain may know the workbook protocol, never a backend.
        assert not name.startswith("graph.") or name == "graph.protocol", f"{module} imports {name}"


@pytest.mark.parametrize("path", sorted((ROOT / "cards").glob("*.py")), ids=lambda p: p.name)
def test_cards_import_only_the_domain(path: Path) -> None:
    for name in imported(path):
        assert not name.startswith(SDKS + ("dialogs", "graph")), f"{path.name} imports {name}"


def test_only_the_app_and_dialogs_import_the_agents_sdk() -> None:
    allowed = {ROOT / "bot/app.py"} | set((ROOT / "dialogs").glob("*.py"))
    for path in [
        *ROOT.glob("bot/*.py"),
        *ROOT.glob("graph/*.py"),
        *ROOT.glob("cards/*.py"),
        *ROOT.glob("dialogs/*.py"),
    ]:
        if path not in allowed:
            assert not any(n.startswith("microsoft_agents") for n in imported(path)), path
