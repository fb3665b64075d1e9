"""Two `ikbot serve` processes, one PostgreSQL database, one workbook.

100 users send 1,000 answers spread over both instances; one instance is killed with
SIGKILL in the middle and started again. Every acknowledged answer must be in the
workbook exactly once, and no two instances may ever have written the workbook at the
same time (each instance logs when it starts and ends a write; the killed one's last
write ends, at the latest, when it was killed).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl
import psycopg
import pytest
from aiohttp import ClientError, ClientSession, ClientTimeout

from tests.dialogs.test_answering import GOOD
from tests.fakes import activities
from tests.fakes.card_schema import all_text
from tests.fakes.connector import Person, RecordingConnector
from tests.fakes.harness import plan_row, write_plan

pytestmark = pytest.mark.parametrize("engine", ["postgresql"], indirect=True)

USERS = 100
PER_USER = 10  # answers (and controls) per user: 1,000 in all
KILL_AFTER = int(
    os.environ.get("T_KILL", "400")
)  # acknowledged answers before instance A is killed
RESTART_AFTER = 600  # … and before it is started again
CONCURRENT_USERS = 16
ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Instance:
    """One `ikbot serve` process (a new process after a restart, same name)."""

    name: str
    env: dict[str, str]
    folder: Path
    process: asyncio.subprocess.Process | None = None
    url: str = ""
    logs: list[Path] = field(default_factory=list)
    killed_at: list[float] = field(default_factory=list)

    async def start(self) -> None:
        """Start serving on a free port; return once /healthz answers."""
        port = _free_port()
        log = self.folder / f"{self.name}-{len(self.logs)}.log"
        self.logs.append(log)
        with log.open("wb") as out:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot.cli",
                "serve",
                env={**self.env, "IKBOT_PORT": str(port)},
                cwd=ROOT,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=out,
                start_new_session=True,  # its own process group: the workbook worker too
            )
        self.url = f"http://127.0.0.1:{port}/api/messages"
        async with ClientSession() as session:
            for _ in range(300):
                assert self.process.returncode is None, log.read_text()
                try:
                    async with session.get(f"http://127.0.0.1:{port}/healthz") as response:
                        if response.status == 200:
                            return
                except ClientError:
                    pass
                await asyncio.sleep(0.1)
        raise AssertionError(f"{self.name} did not start: {log.read_text()}")

    def kill(self) -> None:
        """SIGKILL the whole instance (the process and its workbook worker)."""
        assert self.process is not None
        self.killed_at.append(time.time())
        os.killpg(self.process.pid, signal.SIGKILL)
        self.url = ""

    async def stop(self) -> None:
        """Stop it as a platform would (SIGTERM), or make sure it is gone."""
        if self.process is None:
            return
        if self.process.returncode is None and self.url:
            self.process.terminate()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.process.wait(), 15)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        await self.process.wait()


def _write_intervals(instance: Instance) -> list[tuple[float, float, str]]:
    """(start, end, process) of every workbook write an instance's processes logged."""
    intervals = []
    for n, log in enumerate(instance.logs):
        started: float | None = None
        for line in log.read_text().splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if record.get("logger") != "bot.writer":
                continue
            at = datetime.fromisoformat(record["timestamp"]).timestamp()
            if record["message"].startswith("Writing "):
                assert started is None, f"{log.name}: two writes at once in one process"
                started = at
            elif started is not None:  # "Wrote …" or a failure: the write is over
                intervals.append((started, at, f"{instance.name}-{n}"))
                started = None
        if started is not None:  # killed while writing
            assert n < len(instance.killed_at), f"{log.name}: a write never ended"
            intervals.append((started, instance.killed_at[n], f"{instance.name}-{n}"))
    return intervals


async def test_two_instances_one_database_one_workbook(
    tmp_path: Path, database_url: str | None
) -> None:
    assert database_url is not None
    people = [
        Person(f"user-{i:03}", f"Person {i:03}", f"user{i:03}@example.com", f"aad-{i:03}")
        for i in range(USERS)
    ]
    controls = {
        p.id: [f"{i * PER_USER + k + 1}" for k in range(PER_USER)] for i, p in enumerate(people)
    }
    plans = tmp_path / "plans"
    write_plan(
        plans / "ks.xlsx",
        [plan_row(c, p.email) for p in people for c in controls[p.id]],
    )
    connector = RecordingConnector()
    for person in people:
        connector.add(person)
    service_url = await connector.start()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("IKBOT_", "CONNECTIONS"))},
        "IKBOT_WORKBOOK": str(plans),
        "IKBOT_DATABASE_URL": database_url,
        "IKBOT_HOST": "127.0.0.1",
        "IKBOT_TODAY": "2027-01-10",
        "IKBOT_LOG_FORMAT": "json",
        "IKBOT_LOG_LEVEL": "DEBUG",
    }
    a = Instance("a", {**env, "IKBOT_DATA_DIR": str(tmp_path / "a")}, tmp_path)
    b = Instance("b", {**env, "IKBOT_DATA_DIR": str(tmp_path / "b")}, tmp_path)
    acknowledged: dict[str, str] = {}  # control id -> the Svar-ID of the acknowledged answer
    sent = 0
    async with contextlib.AsyncExitStack() as stack:
        stack.push_async_callback(connector.stop)
        stack.push_async_callback(lambda: asyncio.gather(a.stop(), b.stop()))
        await asyncio.gather(a.start(), b.start())
        session = await stack.enter_async_context(ClientSession(timeout=ClientTimeout(total=30)))

        async def invoke(data: dict[str, Any], person: Person, turn: int) -> dict[str, Any]:
            """Send one card action, to instance a or b by turn; on a dead instance (refused,
            reset, 5xx) send it again to the other one, as a user who presses again."""
            for attempt in range(100):
                target = (a, b)[(turn + attempt) % 2]
                if not target.url:
                    await asyncio.sleep(0.01)
                    continue
                activity = activities.execute(data, person, service_url, f"conv-{person.id}")
                try:
                    async with session.post(target.url, json=activity) as response:
                        if response.status == 200:
                            body = await response.json()
                            return dict(body["value"])
                except (ClientError, TimeoutError):
                    pass
                await asyncio.sleep(0.05)
            raise AssertionError("no instance answered")

        async def user(person: Person, index: int) -> None:
            nonlocal sent
            for k, control in enumerate(controls[person.id]):
                # What "Spara svar" on the control's card sends (the card's nonce becomes
                # the Svar-ID; pressing again sends the same one).
                save = {
                    "verb": "submit",
                    "plan": "ks.xlsx",
                    "control": control,
                    "year": 2026,
                    "period": "YEAR",
                    "nonce": uuid.uuid4().hex,
                }
                receipt = await invoke({**save, **GOOD}, person, index + k)
                assert "Svaret är sparat" in all_text(receipt), all_text(receipt)
                acknowledged[control] = save["nonce"]
                sent += 1
                if sent == KILL_AFTER:
                    a.kill()
                elif sent == RESTART_AFTER:
                    await a.start()

        limit = asyncio.Semaphore(CONCURRENT_USERS)

        async def limited(person: Person, index: int) -> None:
            async with limit:
                await user(person, index)

        await asyncio.gather(*(limited(p, i) for i, p in enumerate(people)))
        assert len(acknowledged) == USERS * PER_USER

        # Everything journalled reaches the workbook (after the killed instance's lease
        # expired, whoever holds the lease writes the others' answers too).
        with psycopg.connect(database_url.replace("+psycopg", "")) as conn:
            for _ in range(1200):
                [(pending,)] = conn.execute(
                    "SELECT count(*) FROM answers WHERE written_at IS NULL"
                ).fetchall()
                if pending == 0:
                    break
                await asyncio.sleep(0.1)
            assert pending == 0

    sheet = openpyxl.load_workbook(plans / "ks.xlsx", read_only=True)["Uppföljning"]
    rows = list(sheet.iter_rows(values_only=True))
    header, rows = rows[0], [r for r in rows[1:] if any(v is not None for v in r)]
    ids = [str(r[header.index("ID")]) for r in rows]
    answer_ids = [r[header.index("Svar-ID")] for r in rows]
    assert len(rows) == USERS * PER_USER and len(set(ids)) == len(ids)  # exactly once each
    assert dict(zip(ids, answer_ids, strict=True)) == acknowledged

    intervals = sorted(_write_intervals(a) + _write_intervals(b))
    assert intervals
    for (_, end, first), (start, _, second) in zip(intervals, intervals[1:], strict=False):
        assert end <= start, f"{first} and {second} wrote the workbook at the same time"
