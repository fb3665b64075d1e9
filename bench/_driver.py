"""The load generator and the fake channel, in their own process.

bench/turns.py starts this with ``python bench/_driver.py`` so the simulated users and
the recording connector do not share an event loop (or the GIL) with the servers being
measured. Protocol: one JSON object per line. On start this prints
``{"service_url": …}``; then for each command on stdin it prints one result line.

Command: ``{"op": "run", "url", "kind": "message"|"submit", "users", "turns", "echo",
"limit_s"}``. Each user runs its turns one after another; the users run concurrently.
For "submit", every timed submission is preceded by an untimed "open" of the same control
(our bot and the card anchor return the answer card; the echo agent gets synthetic submit
data of the same shape). Result: ``{"latencies_ms": […], "wall_s", "errors", "samples"}``.

Command ``{"op": "capture", "url"}``: one "mina kontroller", one open and one submit as the
first user, untimed; result: the reply activity, the answer card and the receipt card, which
the card anchor in bench/turns.py then sends as they are.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Any

from _common import (
    GOOD_ANSWER,
    BenchConnector,
    User,
    card_text,
    cards_in,
    execute,
    execute_actions,
    message,
    open_data,
    synthetic_submit,
    users,
)
from aiohttp import ClientSession, ClientTimeout, TCPConnector

JSON = {"Content-Type": "application/json"}
SAVED = "Svaret är sparat"


class Load:
    """Runs one measured phase against one agent."""

    def __init__(self, session: ClientSession, connector: BenchConnector, service_url: str):
        self._session = session
        self._connector = connector
        self._service_url = service_url

    async def _post(self, url: str, activity: dict[str, Any]) -> tuple[int, bytes, float]:
        body = json.dumps(activity).encode()  # serialised before the clock starts
        started = time.perf_counter()
        async with self._session.post(url, data=body, headers=JSON) as response:
            data = await response.read()
            status = response.status
        return status, data, (time.perf_counter() - started) * 1000

    async def _message_turn(self, url: str, user: User, echo: bool, check: bool) -> float:
        status, _, ms = await self._post(url, message("mina kontroller", user, self._service_url))
        if status not in (200, 202):
            raise RuntimeError(f"message: HTTP {status}")
        if check:
            reply = self._connector.last_reply(user.conversation)
            if echo:
                if not reply or reply.get("text") != "mina kontroller":
                    raise RuntimeError("echo: no echoed text reached the connector")
            else:
                cards = cards_in(reply)
                opens = [d for c in cards for d in execute_actions(c) if d.get("verb") == "open"]
                if len(opens) != 10:
                    raise RuntimeError(f"list card with {len(opens)} controls, expected 10")
        return ms

    async def _submit_turn(self, url: str, user: User, turn: int, echo: bool) -> float:
        status, raw, _ = await self._post(
            url, execute(open_data(user, turn), user, self._service_url)
        )
        if status != 200:
            raise RuntimeError(f"open: HTTP {status}")
        if echo:
            data = synthetic_submit(user, turn)
        else:
            card = json.loads(raw)["value"]
            found = [d for d in execute_actions(card) if d.get("verb") == "submit"]
            if not found:
                raise RuntimeError("open: no submit button: " + card_text(card)[:160])
            data = found[0]
        payload = execute({**data, **GOOD_ANSWER}, user, self._service_url)
        status, raw, ms = await self._post(url, payload)
        if status != 200:
            raise RuntimeError(f"submit: HTTP {status}")
        if not echo:
            text = card_text(json.loads(raw).get("value"))
            if SAVED not in text:
                raise RuntimeError("submit: no receipt: " + text[:160])
        return ms

    async def capture(self, url: str) -> dict[str, Any]:
        """Our bot's list reply, answer card and receipt for the first user, as sent."""
        user = users(1)[0]
        status, _, _ = await self._post(url, message("mina kontroller", user, self._service_url))
        reply = self._connector.last_reply(user.conversation)
        if status not in (200, 202) or not cards_in(reply):
            raise RuntimeError(f"capture: no list card (HTTP {status})")
        status, raw, _ = await self._post(url, execute(open_data(user, 0), user, self._service_url))
        answer_card = json.loads(raw)["value"]
        found = [d for d in execute_actions(answer_card) if d.get("verb") == "submit"]
        if status != 200 or not found:
            raise RuntimeError(f"capture: no answer card (HTTP {status})")
        status, raw, _ = await self._post(
            url, execute({**found[0], **GOOD_ANSWER}, user, self._service_url)
        )
        receipt = json.loads(raw)["value"]
        if status != 200 or SAVED not in card_text(receipt):
            raise RuntimeError(f"capture: no receipt (HTTP {status})")
        return {"reply": reply, "answer_card": answer_card, "receipt": receipt}

    async def run(self, command: dict[str, Any]) -> dict[str, Any]:
        url, kind, echo = command["url"], command["kind"], bool(command["echo"])
        turns = int(command["turns"])
        deadline = time.monotonic() + float(command.get("limit_s", 120))
        latencies: list[float] = []
        errors: list[str] = []

        async def user_loop(user: User) -> None:
            for turn in range(turns):
                if time.monotonic() > deadline:
                    errors.append("time limit reached")
                    return
                try:
                    if kind == "message":
                        ms = await self._message_turn(url, user, echo, check=turn == 0)
                    else:
                        ms = await self._submit_turn(url, user, turn, echo)
                except Exception as error:  # counted and reported, the phase goes on
                    errors.append(f"{type(error).__name__}: {error}")
                    continue
                latencies.append(ms)

        started = time.perf_counter()
        await asyncio.gather(*(user_loop(u) for u in users(int(command["users"]))))
        wall = time.perf_counter() - started
        return {
            "latencies_ms": latencies,
            "wall_s": wall,
            "errors": len(errors),
            "samples": sorted(set(errors))[:3],
        }


def emit(data: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(data) + "\n")
    sys.stdout.flush()


async def main() -> None:
    connector = BenchConnector(users())
    service_url = await connector.start()
    session = ClientSession(connector=TCPConnector(limit=0), timeout=ClientTimeout(total=60))
    load = Load(session, connector, service_url)
    emit({"service_url": service_url})
    try:
        while line := await asyncio.to_thread(sys.stdin.readline):
            command = json.loads(line)
            if command.get("op") == "quit":
                break
            if command.get("op") == "capture":
                emit(await load.capture(command["url"]))
                continue
            result = await load.run(command)
            result["member_lookups"] = connector.member_lookups
            emit(result)
    finally:
        await session.close()
        await connector.stop()


if __name__ == "__main__":
    asyncio.run(main())
