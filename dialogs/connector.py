"""Calls to the channel's connector, each with a deadline, on clients kept between turns.

The Agents SDK asks its channel service client factory for a connector client and a user
token client at the start of every turn (and every proactive message), and closes both when
the turn ends. Its own factory (``RestChannelServiceClientFactory``) makes each on a new
aiohttp session with aiohttp's default timeout of five minutes: a new TCP (and TLS)
connection to the channel for every turn, and a channel that never answers would hold a
turn far past the 15 seconds Teams waits for an Action.Execute.

``BoundedClientFactory`` is that factory, handed to the ``CloudAdapter`` through its
constructor. It keeps one client per channel (service URL) and token, on one session with
a deadline on every call (replies, member lookups, personal chats, proactive messages
alike), and hands the same client to every turn: the SDK's close at the end of a turn
leaves it open. All sessions share one connection pool, so connections to the channel stay
alive between turns, as Teams' connector expects. When the token changes (it is renewed
about hourly) the old client is closed once no turn can still be using it. The member
lookup (``lookup_member``) has a shorter deadline of its own, so that a click is still
answered in time, with a "who are you?" card.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol, TypeVar, cast

from aiohttp import ClientSession, ClientTimeout, TCPConnector
from microsoft_agents.activity import RoleTypes
from microsoft_agents.hosting.core import (
    AnonymousTokenProvider,
    ClaimsIdentity,
    Connections,
    ConnectorClientBase,
    RestChannelServiceClientFactory,
    TeamsConnectorClient,
    TurnContext,
    UserTokenClient,
)
from microsoft_agents.hosting.core.authorization import AuthenticationConstants

from bot.domain.identity import LookupFailed, Member
from dialogs.activity import team_id

MAX_KEPT = 32  # clients kept: Teams has a few service URLs (one per region), not more
_ANONYMOUS = AnonymousTokenProvider()


class _Kept(Protocol):
    async def release(self) -> None: ...


K = TypeVar("K", bound=_Kept)


class _KeptConnectorClient(TeamsConnectorClient):
    """A connector client that serves every turn: closing it at a turn's end keeps it."""

    async def close(self) -> None:
        """Nothing: the factory closes it (``release``) when it is no longer handed out."""

    async def release(self) -> None:
        """Close its session (its connections stay in the shared pool)."""
        await self.client.close()


class _KeptUserTokenClient(UserTokenClient):
    """A user token client that serves every turn, as ``_KeptConnectorClient``."""

    async def close(self) -> None:
        """Nothing: the factory closes it (``release``) when it is no longer handed out."""

    async def release(self) -> None:
        """Close its session (its connections stay in the shared pool)."""
        await self.client.close()


class BoundedClientFactory(RestChannelServiceClientFactory):
    """The SDK's channel service client factory, with ``timeout`` seconds for each call and
    one client per service URL and token, kept between turns."""

    def __init__(
        self,
        connection_manager: Connections,
        *,
        timeout: float,
        token_service_endpoint: str = AuthenticationConstants.AGENTS_SDK_OAUTH_URL,
        token_service_audience: str = AuthenticationConstants.AGENTS_SDK_SCOPE,
    ) -> None:
        super().__init__(connection_manager, token_service_endpoint, token_service_audience)
        self._manager = connection_manager
        self._token_endpoint = token_service_endpoint
        self._token_audience = token_service_audience
        self._seconds = timeout
        self._timeout = ClientTimeout(total=timeout)
        self._pool: TCPConnector | None = None
        # (kind, endpoint) -> (token, client); least recently used first.
        self._kept: OrderedDict[tuple[str, str], tuple[str, _Kept]] = OrderedDict()
        # Clients no longer handed out, with when: a turn may still be using one.
        self._retired: list[tuple[float, _Kept]] = []

    def _connections(self) -> TCPConnector:
        # Made on first use, inside the running event loop the sessions will use.
        if self._pool is None or self._pool.closed:
            self._pool = TCPConnector(limit=100, keepalive_timeout=30)
        return self._pool

    def _session(self, endpoint: str) -> ClientSession:
        return ClientSession(
            base_url=endpoint,
            timeout=self._timeout,
            connector=self._connections(),
            connector_owner=False,  # closing a client's session keeps its connections pooled
        )

    async def close(self) -> None:
        """Close every client and the pooled connections (the app's shutdown)."""
        kept = [client for _token, client in self._kept.values()]
        kept += [client for _when, client in self._retired]
        self._kept.clear()
        self._retired.clear()
        for client in kept:
            await client.release()
        if self._pool is not None:
            await self._pool.close()
            self._pool = None

    async def create_connector_client(
        self,
        context: TurnContext | None,
        claims_identity: ClaimsIdentity,
        service_url: str,
        audience: str,
        scopes: list[str] | None = None,
        use_anonymous: bool = False,
    ) -> ConnectorClientBase:
        """The channel's client for this token (the SDK's token, the SDK's headers)."""
        if not service_url or not audience or _not_teams(context):
            # The SDK's own refusals, and Copilot Studio's connector or an agentic identity
            # (roles Teams never sends this bot): left to the SDK as it is.
            return await super().create_connector_client(
                context, claims_identity, service_url, audience, scopes, use_anonymous
            )
        provider = (
            _ANONYMOUS
            if use_anonymous
            else self._manager.get_token_provider(claims_identity, service_url)
        )
        token = await provider.get_access_token(
            audience, scopes or claims_identity.get_token_scope()
        )
        endpoint = service_url if service_url.endswith("/") else f"{service_url}/"
        return await self._client(
            ("connector", endpoint),
            token,
            lambda: _KeptConnectorClient(endpoint, token, session=self._session(endpoint)),
        )

    async def create_user_token_client(
        self,
        context: TurnContext,
        claims_identity: ClaimsIdentity,
        use_anonymous: bool = False,
    ) -> UserTokenClient:
        """The token service's client, kept like the connector's (the bot signs nobody in,
        but the SDK makes one for every turn)."""
        if _not_teams(context):
            return await super().create_user_token_client(context, claims_identity, use_anonymous)
        app_id = claims_identity.get_app_id()
        token = ""
        if not use_anonymous:
            provider = self._manager.get_token_provider(claims_identity, self._token_endpoint)
            token = await provider.get_access_token(
                self._token_audience, claims_identity.get_token_scope()
            )
            if not token:
                raise ValueError("Failed to obtain token for user token client")
        endpoint = self._token_endpoint
        return await self._client(
            ("user token", f"{endpoint} {app_id}"),
            token,
            lambda: _KeptUserTokenClient(
                endpoint, token, app_id=app_id, session=self._session(endpoint)
            ),
        )

    async def _client(self, key: tuple[str, str], token: str, make: Callable[[], K]) -> K:
        """The kept client for ``key`` with this token; a new one (``make``) otherwise."""
        await self._close_retired()
        found = self._kept.get(key)
        if found is not None and found[0] == token:
            self._kept.move_to_end(key)
            return cast(K, found[1])
        if found is not None:  # a renewed token: the client with the old one retires
            self._retire(found[1])
        client = make()
        self._kept[key] = (token, client)
        while len(self._kept) > MAX_KEPT:
            _key, (_token, oldest) = self._kept.popitem(last=False)
            self._retire(oldest)
        return client

    def _retire(self, client: _Kept) -> None:
        self._retired.append((time.monotonic(), client))

    async def _close_retired(self) -> None:
        # A turn that took a client before it retired may still call through it: every call
        # ends within the deadline, so twice that (and a second) is enough.
        if not self._retired:
            return
        cutoff = time.monotonic() - 2 * self._seconds - 1
        done = [client for when, client in self._retired if when < cutoff]
        self._retired = [(when, client) for when, client in self._retired if when >= cutoff]
        for client in done:
            await client.release()


def _not_teams(context: TurnContext | None) -> bool:
    """Whether a turn comes from Copilot Studio's connector or an agentic identity."""
    if context is None:
        return False
    recipient = context.activity.recipient
    return context.activity.is_agentic_request() or (
        recipient is not None and recipient.role == RoleTypes.connector_user
    )


async def lookup_member(context: TurnContext, deadline: float) -> Member:
    """Ask the channel who sent the activity (works in Teams and in the Playground), within
    ``deadline`` seconds: an Action.Execute must still be answered in Teams' 15 s."""
    client = context.services.get(ConnectorClientBase)  # type: ignore[type-abstract]
    if client is None:
        raise LookupFailed("no connector client for this turn")
    activity = context.activity
    # In a channel the members are the team's (a channel thread's id is not a roster).
    roster = team_id(activity) or activity.conversation.id
    try:
        async with asyncio.timeout(deadline):
            member = await client.conversations.get_conversation_member(
                roster, activity.from_property.id
            )
    except TimeoutError:
        raise LookupFailed(f"the channel did not answer within {deadline:g} s") from None
    # The UPN arrives as an extra field ("userPrincipalName") on ChannelAccount.
    extra = member.model_extra or {}
    upn = extra.get("userPrincipalName") or extra.get("user_principal_name") or ""
    email = getattr(member, "email", None) or extra.get("email") or ""
    # Teams names the object id "objectId" here, the Playground "aadObjectId". Only the
    # channel's answer counts: the activity's own claim is what it is checked against.
    aad = member.aad_object_id or extra.get("objectId") or ""
    return Member(email=str(email), name=member.name or "", upn=str(upn), aad_object_id=str(aad))
