"""The plan and answers a child process read at start-up are exactly what the reader reads
here, and are used only while the file is unchanged.

Each case runs in a fresh interpreter: ``read_ahead.start`` forks only a process without
threads, as `ikbot serve` is when it starts, and a test process may have some."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from graph import read_ahead
from tests.graph.rich_workbook import rich_workbook
from tests.graph.workbooks import HEADER, plan_rows, write_xlsx

ROOT = Path(__file__).resolve().parents[2]
# The child is forked only where it can run beside the bot (and each test sees it run).
two_cores = pytest.mark.skipif(
    len(os.sched_getaffinity(0)) < 2, reason="the read-ahead child needs a second core"
)

# Reads ahead, then reports what the reader gets; compared against reading without it.
SCRIPT = """
import json, sys, threading
from pathlib import Path
from graph import read_ahead
from graph.xlsx_reader import read_workbook_file, streamed_answers, streamed_plan
from graph.xlsx_stream import StreamBook


def child_ended():
    received = read_ahead._received
    with received.changed:
        ended = received.changed.wait_for(lambda: received.finished, timeout=60)
    for thread in threading.enumerate():  # the thread that received what it read, too
        if thread.name == "ikbot-read-ahead":
            thread.join()
    return ended


target, change = Path(sys.argv[1]), sys.argv[2]
out = {"started": read_ahead.start(target)}
files = read_ahead.workbook_files(target)
if change == "touch":  # the file changes after the child read it (wait for the child first)
    child_ended()
    files[0].write_bytes(Path(sys.argv[3]).read_bytes())
if change == "discard":
    read_ahead.discard()
for path in files:
    key, book = path.name, StreamBook(path)
    plan, answers = streamed_plan(book, key), streamed_answers(book, key)  # read here
    other_key = read_ahead.take(path, "annan.xlsx", "plan")
    ahead = {w: read_ahead.take(path, key, w) for w in ("plan", "answers")}
    out[path.name] = {
        "ahead": [w for w, found in ahead.items() if found is not None] or None,
        "same": ahead["plan"] in (None, plan) and ahead["answers"] in (None, answers),
        "same_owners": ahead["plan"] is None or ahead["plan"].owners == plan.owners,
        "other_key": other_key is not None,
        "again": read_ahead.take(path, key, "plan") is not None,
    }
out["ended"] = read_ahead._received is None or child_ended()
if change == "read":  # through the reader, compared with a read that finds nothing ahead
    read_ahead.discard()
    out["again_started"] = read_ahead.start(target)
    snapshot = read_workbook_file(files[0], files[0].name)
    read_ahead.discard()
    out["same_snapshot"] = snapshot == read_workbook_file(files[0], files[0].name)
print(json.dumps(out))
"""


def _run(
    target: Path, change: str = "", other: Path | None = None, one_core: bool = False
) -> dict[str, object]:
    args = [sys.executable, "-c", textwrap.dedent(SCRIPT), str(target), change]
    done = subprocess.run(
        # one_core: the interpreter allowed to run on one core only (as on a machine with one)
        [*(["taskset", "-c", "0"] if one_core else []), *args, str(other or "")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(done.stdout.splitlines()[-1])


@two_cores
def test_what_the_child_read_is_what_the_bot_reads(tmp_path: Path) -> None:
    rich = rich_workbook(tmp_path / "rich.xlsx")  # formulas, a chart, merged cells, answers
    found = _run(rich)
    assert found["started"] is True
    assert found["rich.xlsx"] == {
        "ahead": ["plan", "answers"],
        "same": True,
        "same_owners": True,  # the Ansvariga table, not part of a plan's equality
        "other_key": False,  # read under another key: not taken
        "again": False,  # taken once: a later read reads the file as it is then
    }
    assert found["ended"] is True  # the child ended and was reaped


@two_cores
def test_every_workbook_of_a_folder_is_read_ahead_and_the_reader_gets_the_same(
    tmp_path: Path,
) -> None:
    for name in ("a.xlsx", "b.xlsx"):
        write_xlsx(tmp_path / name, [HEADER, *plan_rows(40)])
    (tmp_path / "~$a.xlsx").write_bytes(b"an Office lock file")
    found = _run(tmp_path, "read")
    for name in ("a.xlsx", "b.xlsx"):
        assert found[name]["ahead"] == ["plan", "answers"]  # type: ignore[index]
        assert found[name]["same"] is True  # type: ignore[index]
    assert found["again_started"] is True
    assert found["same_snapshot"] is True


@two_cores
def test_a_file_changed_after_the_child_read_it_is_not_taken(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "plan.xlsx", [HEADER, *plan_rows(5)])
    changed = write_xlsx(tmp_path / "other" / "plan.xlsx", [HEADER, *plan_rows(9)])
    found = _run(path, "touch", changed)
    assert found["started"] is True
    assert found["plan.xlsx"]["ahead"] is None  # type: ignore[index]


@two_cores
def test_discarding_ends_the_child_and_nothing_is_taken(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "plan.xlsx", [HEADER, *plan_rows(5)])
    found = _run(path, "discard")
    assert found["plan.xlsx"]["ahead"] is None  # type: ignore[index]
    assert found["ended"] is True


def test_nothing_to_read_starts_no_child(tmp_path: Path) -> None:
    assert read_ahead.workbook_files(tmp_path / "missing.xlsx") == []
    assert _run(tmp_path)["started"] is False  # an empty folder


def test_on_a_single_core_the_workbook_is_read_here_without_a_child(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "plan.xlsx", [HEADER, *plan_rows(5)])
    found = _run(path, one_core=True)
    assert found["started"] is False
    assert found["plan.xlsx"]["ahead"] is None  # type: ignore[index]
