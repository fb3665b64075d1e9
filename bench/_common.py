"""Shared pieces of the benchmarks: the 1,000-row plan, the simulated users, a lean
recording connector, activity factories and percentiles.

Everything listens on and talks to 127.0.0.1 only. The scripts in bench/ are run as
``python bench/<name>.py``, so this module is imported as ``_common`` (bench/ is on
sys.path) and puts the repository root on sys.path for ``bot``, ``dialogs`` …
"""

from __future__ import annotations

import itertools
import json
import math
import secrets
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import openpyxl  # noqa: E402
from aiohttp import web  # noqa: E402

from bot.domain.model import Answer, Plan  # noqa: E402
from graph.protocol import WriteResult  # noqa: E402

USERS = 100
CONTROLS_PER_USER = 10
PLAN_NAME = "plan.xlsx"  # the plan key when IKBOT_WORKBOOK is this single file
TODAY = date(2027, 1, 10)  # helår 2026 is open (due 14 januari 2027)
YEAR = 2026
CARD = "application/vnd.microsoft.card.adaptive"

PLAN_HEADER = [
    "ID",
    "Nämnd",
    "Område",
    "Process/rutin",
    "Risk",
    "Sannolikhet",
    "Konsekvens",
    "Kontrollmoment",
    "Metod",
    "Urval",
    "Period",
    "Ansvarig",
]

# A valid "Ingen avvikelse" answer: the inputs the answer card sends with "Spara svar".
GOOD_ANSWER = {
    "outcome": "Ingen avvikelse",
    "checked": "12",
    "deviations": "0",
    "observations": "Återläsningen lyckades.",
    "analysis": "",
}


@dataclass(frozen=True, slots=True)
class User:
    """One simulated chef: a distinct Teams user in a personal conversation."""

    number: int

    @property
    def id(self) -> str:
        return f"29:user{self.number:03d}"

    @property
    def name(self) -> str:
        return f"Användare {self.number:03d}"

    @property
    def email(self) -> str:
        return f"user{self.number:03d}@example.com"

    @property
    def aad_object_id(self) -> str:
        return f"aad-{self.number:03d}"

    @property
    def conversation(self) -> str:
        return f"conv-user{self.number:03d}"

    def control(self, turn: int) -> str:
        """The ID of one of this user's ten controls (turns cycle through them)."""
        return str(self.number * CONTROLS_PER_USER + turn % CONTROLS_PER_USER + 1)


def users(count: int = USERS) -> list[User]:
    """The first ``count`` simulated users."""
    return [User(n) for n in range(count)]


def write_plan(path: Path, *, users_count: int = USERS, per_user: int = CONTROLS_PER_USER) -> Path:
    """A Kontrollplan sheet with users_count × per_user helår controls, 1-based IDs."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Kontrollplan"
    sheet.append(PLAN_HEADER)
    for n in range(users_count * per_user):
        owner = User(n // per_user).email
        sheet.append(
            [
                str(n + 1),
                "Kommunstyrelsen",
                f"Område {n % 7 + 1}",
                f"Rutin {n % 23 + 1}",
                f"Att rutin {n % 23 + 1} inte följs och fel uppstår",
                n % 4 + 1,
                (n * 3) % 4 + 1,
                f"Kontrollmoment {n + 1}: stickprov på rutin {n % 23 + 1}",
                "Stickprov",
                "Tio slumpvis valda ärenden",
                "Helår",
                owner,
            ]
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


# --- the demo workbooks behind the fake Microsoft Graph ---------------------------------

GRAPH_SITE = "kommun.sharepoint.com:/sites/Internkontroll"


async def demo_on_fake_graph(revalidate_after: float = 3600) -> tuple[Path, Any, Any]:
    """(a temporary folder, the started FakeGraph serving it as the site's library, a
    GraphSource on the demo plans in its folder "Internkontroll"); stop both when done."""
    import tempfile

    from graph.excel_graph import GraphSource, graph_client
    from graph.templates import demo_workbook
    from tests.fakes.graph_server import FakeGraph, StaticCredential

    folder = Path(tempfile.mkdtemp())
    demo_workbook(folder / "Internkontroll")
    fake = FakeGraph(folder)
    base_url = await fake.start()
    source = GraphSource(
        graph_client(StaticCredential(), base_url),
        site=GRAPH_SITE,
        path="Internkontroll",
        revalidate_after=revalidate_after,
    )
    return folder, fake, source


# --- activities, as Teams sends them --------------------------------------------------

_ids = itertools.count(1)
BOT = {"id": "28:ikbot", "name": "Internkontroll"}


def _base(kind: str, user: User, service_url: str) -> dict[str, Any]:
    return {
        "type": kind,
        "id": f"act-{next(_ids)}",
        "channelId": "msteams",
        "serviceUrl": service_url,
        "from": {"id": user.id, "name": user.name, "aadObjectId": user.aad_object_id},
        "recipient": dict(BOT),
        "conversation": {"id": user.conversation, "conversationType": "personal"},
        "locale": "sv-SE",
    }


def message(text: str, user: User, service_url: str) -> dict[str, Any]:
    """A typed message."""
    return {**_base("message", user, service_url), "text": text}


def execute(data: dict[str, Any], user: User, service_url: str) -> dict[str, Any]:
    """An Action.Execute: invoke adaptiveCard/action with the data plus the inputs."""
    return {
        **_base("invoke", user, service_url),
        "name": "adaptiveCard/action",
        "value": {
            "action": {"type": "Action.Execute", "verb": data.get("verb"), "data": data},
            "trigger": "manual",
        },
    }


def open_data(user: User, turn: int) -> dict[str, Any]:
    """The data of the list card's "Svara" button for one of the user's controls."""
    return {
        "verb": "open",
        "plan": PLAN_NAME,
        "control": user.control(turn),
        "year": YEAR,
        "period": "YEAR",
    }


def synthetic_submit(user: User, turn: int) -> dict[str, Any]:
    """Submit data shaped like the real card's, for the echo agent (which has no form)."""
    return {**open_data(user, turn), "verb": "submit", "nonce": secrets.token_hex(16)}


def execute_actions(card: Any) -> Iterator[dict[str, Any]]:
    """The data of every Action.Execute on a card, in card order."""
    if isinstance(card, dict):
        if card.get("type") == "Action.Execute" and isinstance(card.get("data"), dict):
            yield card["data"]
        for value in card.values():
            yield from execute_actions(value)
    elif isinstance(card, list):
        for item in card:
            yield from execute_actions(item)


def card_text(card: Any) -> str:
    """Every text on a card, joined (to check what came back)."""
    parts: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key in ("text", "title", "value", "label"):
                if isinstance(node.get(key), str):
                    parts.append(node[key])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(card)
    return "\n".join(parts)


# --- the fake channel ----------------------------------------------------------------


class BenchConnector:
    """The Bot Framework connector the bot replies to, knowing every simulated user.

    Leaner than tests/fakes/connector.py: it keeps only a count and the last reply per
    conversation (raw bytes, parsed only when a benchmark checks one), so thousands of
    turns cost neither memory nor JSON parsing on the measured path.
    """

    def __init__(self, known: Sequence[User]) -> None:
        self._people = {u.id: u for u in known}
        self.posted = 0
        self.member_lookups = 0
        self._last: dict[str, bytes] = {}
        self._runner: web.AppRunner | None = None

    async def start(self) -> str:
        """Listen on a free loopback port; return the serviceUrl."""
        app = web.Application()
        app.router.add_post("/v3/conversations/{conv}/activities", self._post)
        app.router.add_post("/v3/conversations/{conv}/activities/{reply_to}", self._post)
        app.router.add_get("/v3/conversations/{conv}/members/{member}", self._member)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        return f"http://127.0.0.1:{self._runner.addresses[0][1]}/"

    async def stop(self) -> None:
        """Close the server."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def last_reply(self, conversation: str) -> dict[str, Any] | None:
        """The last activity the bot posted into a conversation."""
        raw = self._last.get(conversation)
        return json.loads(raw) if raw is not None else None

    async def _post(self, request: web.Request) -> web.Response:
        self._last[request.match_info["conv"]] = await request.read()
        self.posted += 1
        return web.json_response({"id": f"sent-{self.posted}"})

    async def _member(self, request: web.Request) -> web.Response:
        self.member_lookups += 1
        user = self._people.get(request.match_info["member"])
        if user is None:
            return web.json_response({"error": {"code": "MemberNotFound"}}, status=404)
        return web.json_response(
            {
                "id": user.id,
                "name": user.name,
                "email": user.email,
                "userPrincipalName": user.email,
                "aadObjectId": user.aad_object_id,
            }
        )


def cards_in(activity: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The Adaptive Cards attached to an activity."""
    if not activity:
        return []
    return [a["content"] for a in activity.get("attachments") or [] if a.get("contentType") == CARD]


# --- instrumentation: how often the writer wrote, and how long each write took ----------


@dataclass(frozen=True, slots=True)
class Write:
    """One write_answers call: batch size, seconds, and what it did; when it returned (the
    file replaced, ``time.monotonic()``) and the (control, year, period) slots it wrote."""

    answers: int
    seconds: float
    result: Any
    ended: float = 0.0
    slots: frozenset[tuple[str, int, str]] = frozenset()


class _TimedWorkbook:
    """A LocalWorkbook that records the duration of each write_answers call."""

    def __init__(self, inner: Any, writes: list[Write]) -> None:
        self._inner = inner
        self._writes = writes

    @property
    def key(self) -> str:
        return self._inner.key

    @property
    def name(self) -> str:
        return self._inner.name

    async def read_plan(self) -> Plan:
        return await self._inner.read_plan()

    async def read_answers(self) -> list[Answer]:
        return await self._inner.read_answers()

    async def read_snapshot(self) -> Any:
        return await self._inner.read_snapshot()

    async def write_answers(self, answers: Sequence[Answer]) -> WriteResult:
        started = time.perf_counter()
        result = await self._inner.write_answers(answers)
        slots = frozenset((a.control_id, a.year, str(a.period)) for a in answers)
        self._writes.append(
            Write(len(answers), time.perf_counter() - started, result, time.monotonic(), slots)
        )
        return result

    async def write_actions(self, actions: Sequence[Any]) -> WriteResult:
        return await self._inner.write_actions(actions)


class TimedSource:
    """LocalSource for the turns (unchanged) and timed workbooks for the writer."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.writes: list[Write] = []

    async def workbooks(self) -> list[Any]:
        return await self._inner.workbooks()

    def workbook(self, key: str) -> Any:
        return _TimedWorkbook(self._inner.workbook(key), self.writes)

    async def warm(self) -> None:
        await self._inner.warm()

    async def close(self) -> None:
        await self._inner.close()


# --- figures -------------------------------------------------------------------------


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (p99 of 20 samples is the largest)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def machine() -> str:
    """One line about where the figures were measured."""
    import os
    import platform

    return (
        f"{platform.python_implementation()} {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, {platform.system()} {platform.release()}"
    )
