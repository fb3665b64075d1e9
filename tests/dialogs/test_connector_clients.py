"""The channel's clients are kept between turns, per channel and token, on one pool."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from microsoft_agents.hosting.core import ClaimsIdentity, TeamsConnectorClient

from dialogs.connector import BoundedClientFactory

CHANNEL_APP = "00000000-0000-0000-0000-0000000000bb"


class Tokens:
    """The bot's token provider as the SDK's connection manager hands it out: a token
    per call, renewed when the test says so."""

    def __init__(self) -> None:
        self.token = "token-1"
        self.asked = 0

    def get_token_provider(self, _identity: object, _service_url: str) -> Tokens:
        return self

    async def get_access_token(self, _resource: str, _scopes: list[str], **_: Any) -> str:
        self.asked += 1
        return self.token


def identity() -> ClaimsIdentity:
    return ClaimsIdentity({"aud": CHANNEL_APP, "appid": CHANNEL_APP}, "Bearer")


async def channel() -> tuple[web.AppRunner, str, list[str]]:
    """A channel that records the Authorization header of each member lookup."""
    seen: list[str] = []

    async def member(request: web.Request) -> web.Response:
        seen.append(request.headers.get("Authorization", ""))
        return web.json_response({"id": request.match_info["member"], "name": "Alex"})

    app = web.Application()
    app.router.add_get("/v3/conversations/{conv}/members/{member}", member)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}/", seen


async def lookup(client: Any) -> None:
    await client.conversations.get_conversation_member("conv", "29:alex")


async def test_every_turn_gets_the_same_client_which_a_turns_end_leaves_open() -> None:
    runner, url, seen = await channel()
    tokens = Tokens()
    factory = BoundedClientFactory(tokens, timeout=5)  # type: ignore[arg-type]
    try:
        first = await factory.create_connector_client(None, identity(), url, CHANNEL_APP)
        assert isinstance(first, TeamsConnectorClient)
        await lookup(first)
        await first.close()  # what the SDK does at the end of every turn
        second = await factory.create_connector_client(None, identity(), url, CHANNEL_APP)
        assert second is first
        await lookup(second)
        assert seen == ["Bearer token-1", "Bearer token-1"]
        assert tokens.asked == 2  # the token is asked for every turn, as the SDK does
    finally:
        await factory.close()
        await runner.cleanup()
    assert first.client.closed  # the app's shutdown closes it


async def test_a_renewed_token_gets_a_new_client_and_the_old_one_serves_its_turn() -> None:
    runner, url, seen = await channel()
    tokens = Tokens()
    factory = BoundedClientFactory(tokens, timeout=5)  # type: ignore[arg-type]
    try:
        old = await factory.create_connector_client(None, identity(), url, CHANNEL_APP)
        tokens.token = "token-2"
        new = await factory.create_connector_client(None, identity(), url.rstrip("/"), CHANNEL_APP)
        assert isinstance(old, TeamsConnectorClient) and isinstance(new, TeamsConnectorClient)
        assert new is not old
        await lookup(old)  # a turn that began before the renewal still gets through
        await lookup(new)
        assert seen == ["Bearer token-1", "Bearer token-2"]
    finally:
        await factory.close()
        await runner.cleanup()
    assert old.client.closed and new.client.closed


async def test_each_channel_has_its_own_client_and_the_user_token_client_is_kept_too() -> None:
    tokens = Tokens()
    factory = BoundedClientFactory(tokens, timeout=5)  # type: ignore[arg-type]
    try:
        emea = await factory.create_connector_client(
            None, identity(), "https://smba.example/emea/", CHANNEL_APP
        )
        amer = await factory.create_connector_client(
            None, identity(), "https://smba.example/amer/", CHANNEL_APP
        )
        assert emea is not amer
        assert emea.base_uri == "https://smba.example/emea/"
        users = await factory.create_user_token_client(None, identity(), use_anonymous=True)  # type: ignore[arg-type]
        await users.close()
        assert await factory.create_user_token_client(None, identity(), True) is users  # type: ignore[arg-type]
    finally:
        await factory.close()
    assert users.client.closed
