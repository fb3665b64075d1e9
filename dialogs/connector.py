"""Calls to the channel's connector, each with a deadline.

The Agents SDK makes one connector client per turn (its ``RestChannelServiceClientFactory``)
on an aiohttp session with aiohttp's default timeout of five minutes, so a channel that
never answers would hold a turn far past the 15 seconds Teams waits for an Action.Execute.
``BoundedClientFactory`` is that factory, handed to the ``CloudAdapter``, whose clients get
a session with a deadline on every call: replies, member lookups, personal chats and
proactive messages alike. The member lookup (``lookup_member``) has a shorter deadline of
its own, so that a click is still answered in time, with a "who are you?" card.

Those per-turn sessions share one connection pool (an aiohttp ``TCPConnector`` the factory
owns): the SDK would otherwise open a new TCP (and TLS) connection to the channel for every
turn, while Teams' connector keeps connections alive between calls.
"""

from __future__ import annotations

import asyncio

from aiohttp import ClientSession, ClientTimeout, TCPConnector
from microsoft_agents.hosting.core import (
    ClaimsIdentity,
    Connections,
    ConnectorClientBase,
    RestChannelServiceClientFactory,
    TeamsConnectorClient,
    TurnContext,
)

from bot.domain.identity import LookupFailed, Member
from dialogs.activity import team_id


class BoundedClientFactory(RestChannelServiceClientFactory):
    """The SDK's connector client factory, with ``timeout`` seconds for each call."""

    def __init__(self, connection_manager: Connections, *, timeout: float) -> None:
        super().__init__(connection_manager)
        self._timeout = ClientTimeout(total=timeout)
        self._pool: TCPConnector | None = None

    def _connections(self) -> TCPConnector:
        # Made on first use, inside the running event loop the sessions will use.
        if self._pool is None or self._pool.closed:
            self._pool = TCPConnector(limit=100, keepalive_timeout=30)
        return self._pool

    async def close(self) -> None:
        """Close the pooled connections (the app's shutdown)."""
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
        """The SDK's client (same token, same headers) on a session with a deadline."""
        client = await super().create_connector_client(
            context, claims_identity, service_url, audience, scopes, use_anonymous
        )
        if not isinstance(client, TeamsConnectorClient):
            # Copilot Studio's connector (a recipient role Teams never sends): not a channel
            # this bot serves, and its client takes no session of ours.
            return client
        # The SDK opens its session without a timeout, and the client takes a session as an
        # argument: the same headers (the bot's token among them) move to a bounded one. The
        # first session has made no request yet, so closing it costs nothing.
        unbounded = client.client
        endpoint = service_url if service_url.endswith("/") else f"{service_url}/"
        bounded = ClientSession(
            base_url=endpoint,
            headers=unbounded.headers,
            timeout=self._timeout,
            connector=self._connections(),
            connector_owner=False,  # closing a turn's session keeps its connections pooled
        )
        await unbounded.close()
        return TeamsConnectorClient(endpoint, "", session=bounded)  # "": the header is copied


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
