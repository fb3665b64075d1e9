"""Workbooks read and written from several threads at once in a fresh interpreter, where
openpyxl is first imported by those threads: nothing deadlocks in its imports.

`ikbot status` on a folder reads the plans side by side, and the bot reads a workbook in a
worker thread while the event loop hands a write to the writer; the bot no longer imports
openpyxl at start-up, so whichever comes first imports it (``graph.lazy_openpyxl``)."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.graph.rich_workbook import rich_workbook

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "cards", "dialogs", "graph", "manifest")

SCRIPT = """
import json, sys, threading
from pathlib import Path
from graph.xlsx_reader import load_xlsx
from graph.xlsx_stream import StreamBook

paths = sorted(Path(sys.argv[1]).glob("*.xlsx"))
books = [StreamBook(p) for p in paths]  # opened, not parsed: nothing of openpyxl yet
start = threading.Barrier(2 * len(paths))
failed = []


def run(work):
    start.wait()
    try:
        work()
    except BaseException as error:  # the test reports it
        failed.append(f"{type(error).__name__}: {error}")


threads = []
for path, book in zip(paths, books):
    # The streaming reader reading a workbook's styles, as it does for a sheet's first number
    # (their formats need openpyxl), beside openpyxl loading another workbook whole.
    threads.append(threading.Thread(target=run, args=(lambda b=book: b._styles,)))
    load = lambda p=path: load_xlsx(p, p.name, data_only=True)
    threads.append(threading.Thread(target=run, args=(load,)))
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(json.dumps(failed))
"""


def test_first_imports_of_openpyxl_from_many_threads_do_not_deadlock(tmp_path: Path) -> None:
    for n in range(4):
        rich_workbook(tmp_path / f"plan{n}.xlsx")  # shared styles, dates, merged cells
    for _ in range(5):  # each a fresh interpreter, so each imports openpyxl anew
        done = subprocess.run(
            [sys.executable, "-c", textwrap.dedent(SCRIPT), str(tmp_path)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        assert json.loads(done.stdout.splitlines()[-1]) == []


def _top_level_imports(tree: ast.Module) -> set[str]:
    found: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def _needs_openpyxl() -> set[str]:
    """Our modules that import openpyxl when imported, directly or through another one."""
    trees = {
        ".".join(p.relative_to(ROOT).with_suffix("").parts): ast.parse(p.read_text("utf-8"))
        for package in PACKAGES
        for p in (ROOT / package).rglob("*.py")
    }
    imports = {name: _top_level_imports(tree) for name, tree in trees.items()}
    heavy = {
        name for name, found in imports.items() if any(i.startswith("openpyxl") for i in found)
    }
    while True:
        more = {name for name, found in imports.items() if found & heavy} - heavy
        if not more:
            return heavy
        heavy |= more


# The command line's subcommands import what they need before any thread runs; the module
# that does the importing is the one place allowed to.
SINGLE_THREADED = {"bot/cli.py", "graph/lazy_openpyxl.py"}


def test_every_late_import_of_openpyxl_goes_through_load() -> None:
    heavy = _needs_openpyxl()
    missing = []
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if str(path.relative_to(ROOT)) in SINGLE_THREADED:
                continue
            tree = ast.parse(path.read_text("utf-8"))
            for function in ast.walk(tree):
                if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                    continue
                loads = [
                    node.lineno
                    for node in ast.walk(function)
                    if isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "load"
                    and isinstance(node.func.value, ast.Name)
                    and node.func.value.id == "lazy_openpyxl"
                ]
                for node in ast.walk(function):
                    if isinstance(node, ast.Import):
                        names = {alias.name for alias in node.names}
                    elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                        names = {node.module} | {f"{node.module}.{a.name}" for a in node.names}
                    else:
                        continue
                    late = {n for n in names if n.startswith("openpyxl") or n in heavy}
                    if late and not any(line < node.lineno for line in loads):
                        missing.append(f"{path.relative_to(ROOT)}:{node.lineno} {sorted(late)}")
    assert missing == [], "\n".join(missing)
