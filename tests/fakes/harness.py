"""Runs the real aiohttp application on a loopback port and talks to it like a channel."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import openpyxl
from aiohttp import ClientSession, web

from bot.app import SERVICES, create_app
from bot.domain.identity import GroupCheck
from bot.services import Services
from bot.settings import Settings
from graph.protocol import WorkbookSource
from tests.fakes import activities
from tests.fakes.card_schema import actions, all_text, assert_valid_card, inputs
from tests.fakes.connector import Person, RecordingConnector

ALEX = Person("user-alex", "Alex Wilber", "alexw@example.com", "aad-alex")
MARIA = Person("user-maria", "Maria Lind", "maria.lind@example.com", "aad-maria")
STRATEGIST = Person("user-stina", "Stina Strateg", "stina@example.com", "aad-stina")

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
    "Sista svarsdag",
]


def plan_row(
    cid: str, owner: str, period: str = "Helår", text: str | None = None, **extra: Any
) -> list[Any]:
    """One plan row with sensible values (keyword overrides by header name)."""
    values = {
        "ID": cid,
        "Nämnd": "Kommunstyrelsen",
        "Område": "Verksamhet",
        "Process/rutin": "Test återläsning av backup",
        "Risk": "Att backup inte fungerar för våra IT-system",
        "Sannolikhet": 3,
        "Konsekvens": 4,
        "Kontrollmoment": text or f"Kontrollmoment {cid}",
        "Metod": "Stickprov",
        "Urval": "En fil från slumpmässigt valt system",
        "Period": period,
        "Ansvarig": owner,
        "Sista svarsdag": None,
    }
    values.update({k.replace("_", " "): v for k, v in extra.items()})
    return [values[h] for h in PLAN_HEADER]


def write_plan(path: Path, rows: Sequence[Sequence[Any]], *, title: str | None = None) -> Path:
    """A plan workbook as a person might make it (written with plain openpyxl)."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Kontrollplan"
    if title:
        sheet.append([title])
        sheet.append([])
    sheet.append(PLAN_HEADER)
    for row in rows:
        sheet.append(list(row))
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def standard_plan(path: Path) -> Path:
    """Three helår controls for Alex, one for Maria, one delår 1 control for Alex."""
    return write_plan(
        path,
        [
            plan_row("1", ALEX.email, text="En fil från slumpmässigt valt system återläses"),
            plan_row("2", ALEX.email, "Delår 2, Helår", text="Feltoleranstest av datanätverket"),
            plan_row(
                "3", ALEX.email, text="Att kommunchefen inte har attesterat egna ersättningar"
            ),
            plan_row("4", MARIA.email, text="Rätt belopp utbetalt för förlorad arbetsförtjänst"),
            plan_row("5", ALEX.email, "Delår 1", text="Attestförteckningar stämmer"),
        ],
        title="Internkontrollplan 2026",
    )


@dataclasses.dataclass
class BotClient:
    """The running bot, the fake channel, and helpers to send activities."""

    url: str
    connector: RecordingConnector
    service_url: str
    services: Services
    session: ClientSession

    async def post(self, activity: dict[str, Any]) -> tuple[int, Any]:
        """POST one activity; return the HTTP status and the JSON body (or None)."""
        async with self.session.post(self.url, json=activity) as response:
            text = await response.text()
            return response.status, (await response.json() if text else None)

    async def say(self, text: str, person: Person = ALEX, conv: str = "") -> list[dict[str, Any]]:
        """Send a typed message; return the messages the bot sent back."""
        before = len(self.connector.sent)
        conv = conv or f"conv-{person.id}"
        status, _ = await self.post(activities.message(text, person, self.service_url, conv))
        assert status in (200, 202), status
        return [a for a in self.connector.sent[before:] if a["type"] == "message"]

    async def click(
        self, data: dict[str, Any], person: Person = ALEX, conv: str = "", **inputs: Any
    ) -> dict[str, Any]:
        """Press an Action.Execute button; return the card that replaces the clicked one."""
        conv = conv or f"conv-{person.id}"
        payload = {**data, **inputs}
        status, body = await self.post(activities.execute(payload, person, self.service_url, conv))
        assert status == 200, (status, body)
        assert (
            body["statusCode"] == 200 and body["type"] == "application/vnd.microsoft.card.adaptive"
        )
        card = body["value"]
        assert_valid_card(card)
        return card

    async def click_on(
        self, data: dict[str, Any], person: Person = ALEX, conv: str = ""
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Press a button on a card that stays (a receipt): the card as it stays, and the
        card that came as a new message below it."""
        before = len(self.connector.sent)
        stays = await self.click(data, person, conv)
        sent = [a for a in self.connector.sent[before:] if a["type"] == "message"]
        [new] = cards_of(sent)
        return stays, new

    async def submit(
        self, data: dict[str, Any], person: Person = ALEX, conv: str = "", **inputs: Any
    ) -> list[dict[str, Any]]:
        """Press a button as an older client does (Action.Submit); return the messages."""
        before = len(self.connector.sent)
        conv = conv or f"conv-{person.id}"
        status, _ = await self.post(
            activities.submit({**data, **inputs}, person, self.service_url, conv)
        )
        assert status in (200, 202), status
        return [a for a in self.connector.sent[before:] if a["type"] == "message"]

    async def drain(self) -> None:
        """Let the background writer put everything it can into the workbooks."""
        await self.services.writer.drain()

    async def written_out(self) -> None:
        """Write until nothing waits: another bot on the same store (a restart in a test
        leaves the earlier one serving) may hold a workbook's lease for a moment."""
        for _ in range(200):
            wait = await self.services.writer.drain()
            if wait is None:
                return
            await asyncio.sleep(min(wait, 0.1))
        raise AssertionError("the answers were never written")


def cards_of(messages: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The Adaptive Cards in messages, each checked against the schema."""
    cards = [
        att["content"]
        for m in messages
        for att in m.get("attachments") or []
        if att.get("contentType") == "application/vnd.microsoft.card.adaptive"
    ]
    for card in cards:
        assert_valid_card(card)
    return cards


def card_text(card: dict[str, Any]) -> str:
    """Every text on a card, input values included (for "is it still there" assertions)."""
    values = [str(i["value"]) for i in inputs(card).values() if "value" in i]
    return "\n".join([all_text(card), *values])


def find_actions(card: dict[str, Any], title: str) -> list[dict[str, Any]]:
    """The data of every Action.Execute with this title, in card order."""
    return [dict(a["data"]) for a in actions(card) if a.get("title") == title]


def find_action(card: dict[str, Any], title: str) -> dict[str, Any]:
    """The data of the first Action.Execute with this title."""
    found = find_actions(card, title)
    assert found, f"no button {title!r} on the card"
    return found[0]


async def start_bot(
    workbook: Path,
    data_dir: Path,
    connector: RecordingConnector,
    *,
    today: date = date(2027, 1, 10),
    strategists: Sequence[str] = (STRATEGIST.email,),
    source: WorkbookSource | None = None,
    group_check: GroupCheck | None = None,
    agent_env: Mapping[str, str] | None = None,
    database_url: str | None = None,
    installer: Any = None,
    **settings_fields: Any,
) -> tuple[BotClient, web.AppRunner]:
    """Start the real app on a free loopback port against the fake channel (``agent_env``:
    the Agents SDK's CONNECTIONS__ settings, none = anonymous; ``database_url``: the store
    on PostgreSQL, none = SQLite in ``data_dir``; any other Settings field by name, such as
    ``lookup_timeout``)."""
    service_url = await connector.start()
    settings = Settings(
        workbook=workbook,
        data_dir=data_dir,
        strategists=frozenset(strategists),
        today=today,
        agent_env=dict(agent_env or {}),
        database_url=database_url,
        **settings_fields,
    )
    services = Services.build(
        settings,
        source=source,
        writer_retry=timedelta(milliseconds=50),
        writer_linger=0.01,
        group_check=group_check,
        installer=installer,
    )
    app = create_app(settings, services=services)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    session = ClientSession()
    client = BotClient(
        f"http://127.0.0.1:{port}/api/messages", connector, service_url, app[SERVICES], session
    )
    return client, runner
