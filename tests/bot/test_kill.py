"""kill -9 of `ikbot serve` alone, in the middle of a workbook save.

The real command runs as a child of the test, on a local workbook, with the recording
connector as its channel. Answers go in over HTTP until the writer is busy rewriting the
workbook (its temp file is there); then the serving process, and only it, is killed.
Nothing it started may outlive it, nothing of the save may stay beside the workbook, and
a new `ikbot serve` on the same data writes every acknowledged answer exactly once.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import openpyxl
import psutil
import pytest
from aiohttp import ClientError, ClientSession
from openpyxl.utils.cell import get_column_letter

from graph import layout
from graph.templates import add_answers_sheet
from tests.fakes import activities
from tests.fakes.connector import RecordingConnector
from tests.fakes.harness import ALEX, card_text, find_action, plan_row, write_plan

CONTROLS = 200
EARLIER_ANSWERS = 6000  # rows of earlier years in the answers sheet
DEADLINE = 60.0  # seconds: generous, for a loaded machine; the polls end as soon as they can
TEMP_GLOB = ".~ikbot-*"

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def heavy_plan(path: Path) -> Path:
    """CONTROLS helår controls for Alex, and last year's answers: the answers sheet a save
    rewrites is large enough that each save takes a while (other sheets are copied)."""
    write_plan(path, [plan_row(str(i), ALEX.email) for i in range(1, CONTROLS + 1)])
    book = openpyxl.load_workbook(path)
    sheet = add_answers_sheet(book)
    for row in range(EARLIER_ANSWERS):
        control = str(row % CONTROLS + 1)
        sheet.append([control, 2000 + row // CONTROLS, "Helår", "Ingen avvikelse", 5, 0, "x" * 80])
    last = get_column_letter(len(layout.ANSWER_HEADERS))
    table = sheet.tables[layout.ANSWER_TABLE]
    table.ref = f"A1:{last}{EARLIER_ANSWERS + 1}"
    if table.autoFilter is not None:
        table.autoFilter.ref = table.ref
    book.save(path)
    return path


async def eventually(check: Callable[[], Any], what: Callable[[], str] | str) -> Any:
    """Poll ``check()`` until it returns something truthy; fail after DEADLINE."""
    loop = asyncio.get_running_loop()
    end = loop.time() + DEADLINE
    while not (found := check()):
        if loop.time() > end:
            pytest.fail(f"gave up waiting for {what() if callable(what) else what}")
        await asyncio.sleep(0.01)
    return found


async def eventually_async(check: Callable[[], Awaitable[bool]], what: str) -> None:
    """Await ``check()`` until it is true; fail after DEADLINE."""
    loop = asyncio.get_running_loop()
    end = loop.time() + DEADLINE
    while not await check():
        if loop.time() > end:
            pytest.fail(f"gave up waiting for {what}")
        await asyncio.sleep(0.05)


class Server:
    """One `ikbot serve` process (output to files: a full pipe would stall it)."""

    def __init__(self, tmp_path: Path, workbook: Path, run: int) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/api/messages"
        self.out = tmp_path / f"serve-{run}.out"
        self.err = tmp_path / f"serve-{run}.err"
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("IKBOT_", "CONNECTIONS"))},
            "IKBOT_WORKBOOK": str(workbook),
            "IKBOT_DATA_DIR": str(tmp_path / "var"),
            "IKBOT_PORT": str(self.port),
            "IKBOT_TODAY": "2027-01-10",
        }
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        with self.out.open("wb") as out, self.err.open("wb") as err:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot.cli", "serve", env=self.env, stdout=out, stderr=err
            )
        # /readyz, not the line it prints: that comes before the port is bound.
        async with ClientSession() as session:
            await eventually_async(lambda: self._ready(session), f"ikbot serve ({self.err})")

    async def _ready(self, session: ClientSession) -> bool:
        assert self.process is not None
        assert self.process.returncode is None, self.err.read_text()
        try:
            async with session.get(f"http://127.0.0.1:{self.port}/readyz") as response:
                return response.status == 200
        except ClientError:
            return False

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    async def stop(self) -> None:
        """SIGTERM, as a service manager stops it; wait for it to end."""
        if self.process is not None and self.process.returncode is None:
            self.process.terminate()
            await self.process.wait()


@pytest.fixture
async def servers(tmp_path: Path) -> AsyncIterator[list[Server]]:
    """The servers a test starts; whatever of them (and theirs) still runs ends with it."""
    started: list[Server] = []
    yield started
    for server in started:
        if server.process is not None and server.process.returncode is None:
            with contextlib.suppress(psutil.NoSuchProcess):
                theirs = psutil.Process(server.pid).children(recursive=True)
                await server.stop()
                psutil.wait_procs(theirs, timeout=10)
                for process in theirs:
                    with contextlib.suppress(psutil.NoSuchProcess):
                        process.kill()


@pytest.fixture
async def channel() -> AsyncIterator[tuple[RecordingConnector, str]]:
    connector = RecordingConnector()
    connector.add(ALEX)
    service_url = await connector.start()
    yield connector, service_url
    await connector.stop()


async def invoke(
    session: ClientSession, url: str, service_url: str, data: dict[str, Any]
) -> dict[str, Any]:
    """Press an Action.Execute button; the text of the card that comes back."""
    activity = activities.execute(data, ALEX, service_url, f"conv-{ALEX.id}")
    async with session.post(url, json=activity) as response:
        assert response.status == 200, await response.text()
        body = await response.json()
    card: dict[str, Any] = body["value"]
    return card


async def answer_all(server: Server, service_url: str, acknowledged: dict[str, str]) -> None:
    """Answer control after control until the server stops answering."""
    async with ClientSession() as session:
        for number in range(1, CONTROLS + 1):
            control, text = str(number), f"Svar nummer {number}"
            open_data = {
                "verb": "open",
                "plan": "ks.xlsx",
                "control": control,
                "year": 2026,
                "period": "YEAR",
            }
            try:
                card = await invoke(session, server.url, service_url, open_data)
                save = {
                    **find_action(card, "Spara svar"),
                    "outcome": "Ingen avvikelse",
                    "checked": "5",
                    "deviations": "0",
                    "observations": text,
                }
                receipt = await invoke(session, server.url, service_url, save)
            except (ClientError, ConnectionError):
                return  # killed: what was not acknowledged may or may not have landed
            assert "Svaret är sparat" in card_text(receipt), card_text(receipt)
            acknowledged[control] = text


def rows_of(workbook: Path) -> list[tuple[str, str]]:
    """(ID, Iakttagelser) of every Uppföljning row."""
    book = openpyxl.load_workbook(workbook, read_only=True)
    if "Uppföljning" not in book.sheetnames:
        return []
    rows = list(book["Uppföljning"].iter_rows(values_only=True))
    header = list(rows[0])
    at_id, at_text, at_year = header.index("ID"), header.index("Iakttagelser"), header.index("År")
    return [
        (str(r[at_id]), str(r[at_text]))
        for r in rows[1:]
        if r[at_id] is not None and r[at_year] == 2026  # not the earlier years' answers
    ]


def alive(processes: Sequence[psutil.Process]) -> list[str]:
    """The processes still running (a zombie waiting for init to reap it has ended)."""
    running = []
    for process in processes:
        with contextlib.suppress(psutil.NoSuchProcess):
            if process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
                running.append(f"{process.pid} {' '.join(process.cmdline())}")
    return running


async def test_kill_9_of_the_server_alone_leaves_nothing_behind_and_loses_nothing(
    tmp_path: Path, channel: tuple[RecordingConnector, str], servers: list[Server]
) -> None:
    _, service_url = channel
    workbook = heavy_plan(tmp_path / "plans" / "ks.xlsx")
    first = Server(tmp_path, workbook.parent, 1)
    servers.append(first)
    await first.start()
    acknowledged: dict[str, str] = {}
    sender = asyncio.create_task(answer_all(first, service_url, acknowledged))
    try:
        # Busy: the writer process is saving the workbook (its temp file is there).
        await eventually(lambda: list(workbook.parent.glob(TEMP_GLOB)), "a save under way")
        children = psutil.Process(first.pid).children(recursive=True)
        commands = [" ".join(c.cmdline()) for c in children]
        assert any("spawn_main" in c for c in commands), commands  # the writer process
        assert any("resource_tracker" in c for c in commands), commands
        os.kill(first.pid, signal.SIGKILL)  # the serving process alone, not its group
        assert first.process is not None
        await first.process.wait()
    finally:
        if first.process is None or first.process.returncode is None:
            sender.cancel()  # the test failed before the kill
        with contextlib.suppress(asyncio.CancelledError):
            await sender

    try:
        await eventually(lambda: not alive(children), lambda: f"orphans to end: {alive(children)}")
    finally:
        for process in children:  # a failing run must not leave them behind either
            with contextlib.suppress(psutil.NoSuchProcess):
                process.kill()
    assert not list(workbook.parent.glob(TEMP_GLOB))
    assert acknowledged  # answers were acknowledged before the kill

    second = Server(tmp_path, workbook.parent, 2)
    servers.append(second)
    await second.start()
    try:
        assert not list(workbook.parent.glob(TEMP_GLOB))

        def all_written() -> list[tuple[str, str]] | None:
            rows = rows_of(workbook)
            return rows if set(acknowledged.items()) <= set(rows) else None

        rows = await eventually(all_written, "every acknowledged answer in the workbook")
    finally:
        await second.stop()
    ids = [control for control, _ in rows]
    assert len(ids) == len(set(ids)), "an answer landed twice"
    assert {c: t for c, t in rows if c in acknowledged} == acknowledged
    assert not list(workbook.parent.glob(TEMP_GLOB))
