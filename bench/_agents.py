"""The bare Agents SDK agents the benchmarks compare ours with, hosted like our bot.

Both are built as ``create_app`` builds ours (AgentApplication[TurnState], MemoryStorage,
anonymous MsalConnectionManager/CloudAdapter, ``start_typing_timer=False``) but with the
SDK's own channel client factory and its jwt_authorization_middleware, and nothing of ours:

- the card anchor (``anchor_app``) sends the cards our bot sent, captured from it: the list
  card for a message, the answer card for an Action.Execute "open", the receipt otherwise;
- the durable anchor (``durable_anchor_app``) is the card anchor that, on a submit, first
  commits the answer's data as one row to its own SQLite file (WAL, ``synchronous=FULL``,
  plain ``sqlite3`` in a thread of its own, one INSERT per submit) and then replies: the
  floor every bot pays that acknowledges an answer only once it would survive a power cut;
- the echo agent (``echo_app``) echoes the text and answers Action.Execute with one line.
"""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from _common import CARD
from aiohttp import web
from microsoft_agents.activity import (
    Activity,
    ActivityTypes,
    AdaptiveCardInvokeResponse,
    Attachment,
    load_configuration_from_env,
)
from microsoft_agents.authentication.msal import MsalConnectionManager
from microsoft_agents.hosting.aiohttp import (
    CloudAdapter,
    jwt_authorization_middleware,
    start_agent_process,
)
from microsoft_agents.hosting.core import (
    AgentApplication,
    MemoryStorage,
    TurnContext,
    TurnState,
)

from bot.app import MESSAGES_PATH
from bot.settings import Settings


def _bare_agent(
    settings: Settings,
) -> tuple[AgentApplication[TurnState], CloudAdapter, MsalConnectionManager]:
    """An agent with nothing of ours: the SDK's defaults, hosted like our bot."""
    config = load_configuration_from_env(settings.agent_env_for_sdk())
    connections = MsalConnectionManager(**config)
    adapter = CloudAdapter(connection_manager=connections)
    agent = AgentApplication[TurnState](
        storage=MemoryStorage(),
        connection_manager=connections,
        start_typing_timer=False,
        **config,
    )
    return agent, adapter, connections


def _hosted(
    agent: AgentApplication[TurnState], adapter: CloudAdapter, connections: MsalConnectionManager
) -> web.Application:
    app = web.Application(middlewares=[jwt_authorization_middleware])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the SDK reads this string key
        app["agent_configuration"] = connections.get_default_connection_configuration()

    async def messages(request: web.Request) -> web.StreamResponse:
        response = await start_agent_process(request, agent, adapter)
        return response if response is not None else web.Response(status=202)

    app.router.add_post(MESSAGES_PATH, messages)
    return app


def echo_app(settings: Settings) -> web.Application:
    """The smallest agent hosted exactly like ours: echoes text, answers Execute with a card."""
    agent, adapter, connections = _bare_agent(settings)

    @agent.activity("message")
    async def on_message(context: TurnContext, _state: TurnState) -> None:
        await context.send_activity(context.activity.text)

    @agent.adaptive_card.action_execute(re.compile(".+"))
    async def on_execute(
        _context: TurnContext, _state: TurnState, data: Any
    ) -> AdaptiveCardInvokeResponse:
        verb = data.get("verb") if isinstance(data, dict) else None
        card = {
            "type": "AdaptiveCard",
            "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
            "version": "1.5",
            "body": [{"type": "TextBlock", "text": f"Echo: {verb}", "wrap": True}],
        }
        return AdaptiveCardInvokeResponse(status_code=200, type=CARD, value=card)

    return _hosted(agent, adapter, connections)


def anchor_app(settings: Settings, captured: dict[str, Any]) -> web.Application:
    """The fair anchor: a bare agent sending the cards our bot sent (``captured`` by the
    driver): the list card for any message, the answer card for "open", the receipt for
    anything else."""
    return _card_anchor(settings, captured, None)


class DurableLog:
    """One SQLite file in WAL with FULL sync, written by one thread: each ``add`` commits
    one row (an fsync) before it returns."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="durable-anchor")
        self._conn: sqlite3.Connection | None = None
        self.rows = 0

    def _open(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute(
            "CREATE TABLE IF NOT EXISTS answers (seq INTEGER PRIMARY KEY, data TEXT NOT NULL)"
        )
        return conn

    def _add(self, data: str) -> None:
        if self._conn is None:
            self._conn = self._open()
        self._conn.execute("INSERT INTO answers (data) VALUES (?)", (data,))  # autocommit
        self.rows += 1

    async def add(self, data: Any) -> None:
        """Commit ``data`` (as JSON) as one row."""
        text = json.dumps(data, ensure_ascii=False)
        await asyncio.get_running_loop().run_in_executor(self._executor, self._add, text)

    def _close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    async def close(self) -> None:
        """Close the file and the thread."""
        await asyncio.get_running_loop().run_in_executor(self._executor, self._close)
        self._executor.shutdown(wait=False)


def durable_anchor_app(settings: Settings, captured: dict[str, Any], path: Path) -> web.Application:
    """The card anchor that commits each submitted answer's data to its own SQLite file
    (``DurableLog`` at ``path``) before it replies with the receipt."""
    return _card_anchor(settings, captured, DurableLog(path))


def _card_anchor(
    settings: Settings, captured: dict[str, Any], log: DurableLog | None
) -> web.Application:
    agent, adapter, connections = _bare_agent(settings)
    list_cards = [a["content"] for a in captured["reply"]["attachments"]]
    answer_card, receipt = captured["answer_card"], captured["receipt"]

    @agent.activity("message")
    async def on_message(context: TurnContext, _state: TurnState) -> None:
        await context.send_activity(
            Activity(
                type=ActivityTypes.message,
                attachments=[Attachment(content_type=CARD, content=c) for c in list_cards],
            )
        )

    @agent.adaptive_card.action_execute(re.compile(".+"))
    async def on_execute(
        _context: TurnContext, _state: TurnState, data: Any
    ) -> AdaptiveCardInvokeResponse:
        verb = data.get("verb") if isinstance(data, dict) else None
        if verb == "open":
            return AdaptiveCardInvokeResponse(status_code=200, type=CARD, value=answer_card)
        if log is not None:
            await log.add(data)
        return AdaptiveCardInvokeResponse(status_code=200, type=CARD, value=receipt)

    app = _hosted(agent, adapter, connections)
    if log is not None:
        durable = log

        async def close(_app: web.Application) -> None:
            await durable.close()

        app.on_cleanup.append(close)
    return app


async def serve(app: web.Application) -> tuple[web.AppRunner, str]:
    """Host an app on a free loopback port; return its runner and messaging endpoint."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}{MESSAGES_PATH}"
