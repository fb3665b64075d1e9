"""A recording Bot Framework connector on a loopback port.

The bot POSTs its replies to ``{serviceUrl}v3/conversations/{id}/activities/{replyToId}``
and asks ``GET …/members/{userId}`` who a user is; this fake records the former and answers
the latter from a table the test controls, so tests read exactly what a user would see.
``POST v3/conversations`` creates (or finds, as Teams does) a user's personal chat, whose id
is ``personal_chat(person)``; a user in ``not_installed`` gets Teams' 403 instead.

Faults the test controls: ``hang`` leaves calls of a kind ("lookup", "create", "reply")
unanswered until the fake stops, as a connector that has stopped answering; ``object_ids``
makes the member lookup give another Entra object id for a user than the one they have.
Refusals the test controls: ``faults`` answers the next message posts with these statuses
(429 with a Retry-After, 403 MessageWritesBlocked, 5xx), one each, in order; ``blocked``
conversations always answer 403 MessageWritesBlocked (the user blocked or uninstalled the
app); ``limits`` (per conversation, per app, per second) answers 429 beyond Teams' rates.
The lookup names the object id ``objectId``, as Teams does (``object_id_field``:
``aadObjectId`` is what the Playground sends).
"""

from __future__ import annotations

import asyncio
import collections
import itertools
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class Person:
    """A user the fake channel knows."""

    id: str
    name: str
    email: str
    aad_object_id: str


@dataclass
class RecordingConnector:
    """The fake channel service; start() returns its serviceUrl."""

    people: dict[str, Person] = field(default_factory=dict)
    sent: list[dict[str, Any]] = field(default_factory=list)
    member_lookups: int = 0
    fail_lookups: bool = False
    created: list[dict[str, Any]] = field(default_factory=list)  # POST v3/conversations bodies
    not_installed: set[str] = field(default_factory=set)  # user ids without the app
    lookups: list[tuple[str, str]] = field(default_factory=list)  # (conversation, member)
    hang: set[str] = field(default_factory=set)  # "lookup", "create", "reply": never answered
    refuse: set[str] = field(default_factory=set)  # conversation ids whose posts get 403
    files: dict[str, bytes] = field(default_factory=dict)  # served at {serviceUrl}files/{name}
    hung: list[str] = field(default_factory=list)  # every call left unanswered, by kind
    object_ids: dict[str, str] = field(default_factory=dict)  # user id -> the lookup's claim
    object_id_field: str = "objectId"
    peers: set[tuple[str, int]] = field(default_factory=set)  # client (host, port) per call
    faults: list[int] = field(default_factory=list)  # statuses for the next message posts
    blocked: set[str] = field(default_factory=set)  # conversation ids: 403 MessageWritesBlocked
    refused: list[tuple[str, int]] = field(default_factory=list)  # (conversation, status) given
    limits: tuple[int, int] | None = None  # (per conversation, per app) messages per second
    _windows: dict[str, collections.deque[float]] = field(default_factory=dict)
    _runner: web.AppRunner | None = None
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    _arrived: asyncio.Condition | None = None
    _released: asyncio.Event | None = None

    def add(self, person: Person) -> Person:
        """Make the channel know a user."""
        self.people[person.id] = person
        return person

    async def start(self) -> str:
        """Listen on 127.0.0.1 on a free port (once); return the serviceUrl."""
        if self._runner is not None:
            port = self._runner.addresses[0][1]
            return f"http://127.0.0.1:{port}/"
        self._arrived = asyncio.Condition()
        self._released = asyncio.Event()
        app = web.Application()
        app.router.add_post("/v3/conversations", self._create)
        app.router.add_post("/v3/conversations/{conv}/activities", self._post)
        app.router.add_post("/v3/conversations/{conv}/activities/{reply_to}", self._post)
        app.router.add_put("/v3/conversations/{conv}/activities/{activity}", self._post)
        app.router.add_get("/v3/conversations/{conv}/members/{member}", self._member)
        app.router.add_get("/files/{name}", self._file)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        return f"http://127.0.0.1:{port}/"

    async def stop(self) -> None:
        """Close the server (answering the calls left hanging, so that it can)."""
        if self._released is not None:
            self._released.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def wait_sent(self, count: int) -> None:
        """Wait until ``count`` activities have been recorded."""
        assert self._arrived is not None
        async with self._arrived:
            await self._arrived.wait_for(lambda: len(self.sent) >= count)

    async def wait_hung(self, count: int) -> None:
        """Wait until ``count`` calls are being left unanswered."""
        assert self._arrived is not None
        async with self._arrived:
            await self._arrived.wait_for(lambda: len(self.hung) >= count)

    async def _hang(self, kind: str) -> web.Response:
        """Answer only when the fake stops, long after any caller should have given up."""
        assert self._arrived is not None
        async with self._arrived:
            self.hung.append(kind)
            self._arrived.notify_all()
        assert self._released is not None
        await self._released.wait()
        return web.json_response({"error": {"code": "ServiceUnavailable"}}, status=503)

    def _seen(self, request: web.Request) -> None:
        peer = request.transport.get_extra_info("peername") if request.transport else None
        if peer:
            self.peers.add((peer[0], peer[1]))

    def _refusal(self, conversation: str) -> web.Response | None:
        """The refusal this post gets, if any (and it is recorded)."""
        status: int | None = None
        if conversation in self.blocked:
            status = 403
        elif self.faults:
            status = self.faults.pop(0)
        elif self.limits is not None and not self._within_limits(conversation):
            status = 429
        if status is None:
            return None
        self.refused.append((conversation, status))
        if status == 403:
            error = {"code": "Forbidden", "message": "The bot is blocked.", "innerHttpError": {}}
            body = {"error": {**error, "subCode": "MessageWritesBlocked"}}
            return web.json_response(body, status=403)
        headers = {"Retry-After": "0"} if status == 429 else {}
        return web.json_response(
            {"error": {"code": "Throttled" if status == 429 else "ServiceError"}},
            status=status,
            headers=headers,
        )

    def _within_limits(self, conversation: str) -> bool:
        assert self.limits is not None
        now = time.monotonic()
        counts = (self.limits[0], self.limits[1])
        windows = [
            self._windows.setdefault(f"conv:{conversation}", collections.deque()),
            self._windows.setdefault("app", collections.deque()),
        ]
        for window in windows:
            while window and window[0] <= now - 1.0:
                window.popleft()
        if any(len(w) >= c for w, c in zip(windows, counts, strict=True)):
            return False
        for window in windows:
            window.append(now)
        return True

    async def _post(self, request: web.Request) -> web.Response:
        self._seen(request)
        if "reply" in self.hang:
            return await self._hang("reply")
        if request.match_info["conv"] in self.refuse:
            return web.json_response(
                {"error": {"code": "Forbidden", "message": "MessageWritesBlocked"}}, status=403
            )
        refusal = self._refusal(request.match_info["conv"])
        if refusal is not None:
            return refusal
        activity = await request.json()
        activity["_conversation"] = request.match_info["conv"]
        assert self._arrived is not None
        async with self._arrived:
            self.sent.append(activity)
            self._arrived.notify_all()
        return web.json_response({"id": f"sent-{next(self._ids)}"})

    async def _create(self, request: web.Request) -> web.Response:
        if "create" in self.hang:
            return await self._hang("create")
        body = await request.json()
        self.created.append(body)
        members = body.get("members") or []
        if len(members) != 1 or body.get("isGroup") or not body.get("bot"):
            return web.json_response(
                {"error": {"code": "BadArgument", "message": "One member, one bot."}}, status=400
            )
        user = str(members[0].get("id", ""))
        if user in self.not_installed or user not in self.people:
            return web.json_response(
                {
                    "error": {
                        "code": "BotNotInConversationRoster",
                        "message": "The bot is not part of the conversation roster.",
                    }
                },
                status=403,
            )
        return web.json_response({"id": self.personal_chat(self.people[user])}, status=201)

    @staticmethod
    def personal_chat(person: Person) -> str:
        """The id of the personal chat ``POST v3/conversations`` gives for this user."""
        return f"a:personal-{person.id}"

    async def _file(self, request: web.Request) -> web.Response:
        """A file's download URL, as Teams gives one for an attachment."""
        data = self.files.get(request.match_info["name"])
        if data is None:
            return web.Response(status=404)
        return web.Response(body=data, content_type="application/octet-stream")

    async def _member(self, request: web.Request) -> web.Response:
        self._seen(request)
        self.member_lookups += 1
        self.lookups.append((request.match_info["conv"], request.match_info["member"]))
        if "lookup" in self.hang:
            return await self._hang("lookup")
        person = self.people.get(request.match_info["member"])
        if self.fail_lookups or person is None:
            return web.json_response(
                {"error": {"code": "MemberNotFound", "message": "no such member"}}, status=404
            )
        body = {
            "id": person.id,
            "name": person.name,
            "email": person.email,
            "userPrincipalName": person.email,
        }
        object_id = self.object_ids.get(person.id, person.aad_object_id)
        if object_id:  # a user without one is sent without the field
            body[self.object_id_field] = object_id
        return web.json_response(body)

    def messages_to(self, conversation: str) -> list[dict[str, Any]]:
        """Every message activity sent into a conversation, in order."""
        return [
            a for a in self.sent if a["_conversation"] == conversation and a["type"] == "message"
        ]
