"""Imports go one way (DESIGN §3), checked per package.

bot.app → dialogs → cards → bot.domain; dialogs → bot use cases → bot.domain, bot.store,
graph.protocol. The domain imports no SDK, no HTTP and no SQL; the store imports no SDK;
cards import only the domain; only graph/excel_graph.py imports msgraph; only bot/app.py and
dialogs/ import the Agents SDK.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("bot", "dialogs", "cards", "graph", "manifest")

AGENTS_SDK = ("microsoft_agents",)
GRAPH_SDK = ("msgraph", "msgraph_core", "kiota_abstractions", "kiota_http", "kiota_authentication")
HTTP = ("aiohttp", "httpx", "requests", "urllib3", "http.client")
SQL = ("sqlalchemy", "aiosqlite", "sqlite3", "psycopg", "alembic", "asyncpg")
WORKBOOK_LIBS = ("openpyxl",)
AZURE = ("azure",)


def imported(path: Path) -> set[str]:
    """Every absolute module a file imports (top level and inside functions)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def modules(folder: str) -> list[Path]:
    """The Python files of a package, sub-packages included."""
    return sorted((ROOT / folder).rglob("*.py"))


def all_sources() -> Iterator[Path]:
    for folder in SOURCES:
        yield from modules(folder)


def starts(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


@pytest.mark.parametrize("path", modules("bot/domain"), ids=rel)
def test_domain_imports_no_sdk_no_http_no_sql_and_nothing_outside_the_domain(path: Path) -> None:
    for name in imported(path):
        assert not starts(name, AGENTS_SDK + GRAPH_SDK + HTTP + SQL + WORKBOOK_LIBS + AZURE), (
            f"{rel(path)} imports {name}"
        )
        assert not starts(name, ("dialogs", "cards", "graph", "manifest")), (
            f"{rel(path)} imports {name}"
        )
        if starts(name, ("bot",)):
            assert starts(name, ("bot.domain",)), f"{rel(path)} imports {name}"


@pytest.mark.parametrize("path", modules("bot/store"), ids=rel)
def test_store_imports_no_sdk_and_no_outer_layer(path: Path) -> None:
    for name in imported(path):
        assert not starts(name, AGENTS_SDK + GRAPH_SDK + HTTP + WORKBOOK_LIBS + AZURE), (
            f"{rel(path)} imports {name}"
        )
        assert not starts(name, ("dialogs", "cards", "graph", "manifest")), (
            f"{rel(path)} imports {name}"
        )
        if starts(name, ("bot",)):
            assert starts(name, ("bot.domain", "bot.store")), f"{rel(path)} imports {name}"


@pytest.mark.parametrize("path", [ROOT / "bot/answers.py", *modules("bot/reports")], ids=rel)
def test_use_cases_know_no_cards_no_dialogs_and_no_sdk(path: Path) -> None:
    # The dialogs map the use cases' results to cards, never the other way round.
    for name in imported(path):
        assert not starts(name, AGENTS_SDK + HTTP + ("cards", "dialogs", "bot.app")), (
            f"{rel(path)} imports {name}"
        )


@pytest.mark.parametrize("path", modules("cards"), ids=rel)
def test_cards_import_only_the_domain(path: Path) -> None:
    for name in imported(path):
        assert not starts(name, AGENTS_SDK + GRAPH_SDK + HTTP + SQL + WORKBOOK_LIBS + AZURE), (
            f"{rel(path)} imports {name}"
        )
        if starts(name, ("bot", "dialogs", "graph", "manifest")):
            assert starts(name, ("bot.domain",)), f"{rel(path)} imports {name}"


@pytest.mark.parametrize("path", modules("graph"), ids=rel)
def test_graph_knows_only_the_domain(path: Path) -> None:
    for name in imported(path):
        assert not starts(name, AGENTS_SDK + ("dialogs", "cards", "manifest")), (
            f"{rel(path)} imports {name}"
        )
        if starts(name, ("bot",)):
            assert starts(name, ("bot.domain",)), f"{rel(path)} imports {name}"


def test_only_excel_graph_imports_the_graph_sdk() -> None:
    allowed = {ROOT / "graph/excel_graph.py"}
    for path in all_sources():
        if path not in allowed:
            for name in imported(path):
                assert not starts(name, GRAPH_SDK), f"{rel(path)} imports {name}"


def test_only_the_app_and_dialogs_import_the_agents_sdk() -> None:
    allowed = {ROOT / "bot/app.py", *modules("dialogs")}
    for path in all_sources():
        if path not in allowed:
            for name in imported(path):
                assert not starts(name, AGENTS_SDK), f"{rel(path)} imports {name}"


@pytest.mark.parametrize("path", [p for p in all_sources()], ids=rel)
def test_no_module_imports_another_modules_private_name(path: Path) -> None:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if not starts(node.module, SOURCES):
                continue
            for alias in node.names:
                assert not alias.name.startswith("_"), (
                    f"{rel(path)} imports the private {alias.name} from {node.module}"
                )


def test_dialogs_are_not_imported_by_the_inner_layers() -> None:
    inner = [*modules("bot/domain"), *modules("bot/store"), *modules("cards"), *modules("graph")]
    for path in inner:
        assert not any(starts(n, ("dialogs", "bot.app")) for n in imported(path)), rel(path)
