"""Sending reminders to people in Teams first, with the stored conversation reference.

The same code path serves Teams and local anonymous mode: with a client id the adapter's
``continue_conversation`` signs the call as the bot, without one it continues with empty
claims (no token). Teams' limits are kept by a ``RateLimiter``; 429, 412, 502, 503 and 504
are retried with backoff honouring Retry-After (the SDK's connector does not retry); a 403
(MessageWritesBlocked: blocked, or the app is uninstalled) or a 404 for the conversation
marks the reference dead, and the person counts as unreachable.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Protocol, assert_never

import aiohttp
from microsoft_agents.activity import Activity, ActivityTypes, Attachment, ConversationReference
from microsoft_agents.hosting.core import ChannelServiceAdapter, TurnContext
from microsoft_agents.hosting.core.authorization import ClaimsIdentity

from bot.domain.clock import Clock
from bot.domain.due import Installed, Message, OverdueDigest, OwnerDigest, UnreachableNote
from bot.reminders.pacing import RateLimiter, backoff, parse_retry_after
from bot.reminders.sweep import Delivery
from bot.store.references import ConversationReferences, StoredReference
from cards.reminder import overdue_digest_card, owner_digest_card, unreachable_card
from cards.size import fit_card

logger = logging.getLogger(__name__)

RETRIED = frozenset({412, 429, 502, 503, 504})
GONE = frozenset({403, 404})
# Where Teams' connector is when no stored conversation says (a chat made by installing).
TEAMS_SERVICE_URL = "https://smba.trafficmanager.net/teams/"


class Installer(Protocol):
    """Installs the bot for a person (``graph.graph_install.TeamsInstaller``)."""

    async def install(self, user: str) -> Installed | None:
        """The person's object id and their chat with the bot, or None."""
        ...


ATTEMPTS = 5
CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"


def card_of(message: Message) -> dict[str, Any]:
    """The card a message is sent as."""
    match message:
        case OwnerDigest():
            return owner_digest_card(message)
        case OverdueDigest():
            return overdue_digest_card(message)
        case UnreachableNote():
            return unreachable_card(message)
        case unreachable:
            assert_never(unreachable)


class TeamsNotifier:
    """A ``bot.reminders.sweep.Notifier`` over the Agents SDK adapter."""

    def __init__(
        self,
        adapter: ChannelServiceAdapter,
        references: ConversationReferences,
        clock: Clock,
        *,
        client_id: str = "",
        limiter: RateLimiter | None = None,
        attempts: int = ATTEMPTS,
        sleep: Any = asyncio.sleep,
        installer: Installer | None = None,
    ) -> None:
        self._adapter = adapter
        self._references = references
        self._clock = clock
        self._client_id = client_id
        self._limiter = limiter or RateLimiter()
        self._attempts = attempts
        self._sleep = sleep
        self._installer = installer

    async def deliver(self, message: Message) -> Delivery:
        """Send one message to its recipient's most recently used conversation."""
        found = await self._references.reachable(message.recipient)
        if not found and self._installer is not None:
            found = await self._install(message.recipient)
        if not found:
            return Delivery.UNREACHABLE
        reference = found[0]
        card = fit_card(card_of(message))
        return await self._send(reference, card)

    async def _install(self, email: str) -> list[StoredReference]:
        """Install the bot for someone who never opened it, and keep the chat's reference."""
        assert self._installer is not None
        installed = await self._installer.install(email)
        if installed is None:
            return []
        service_url = await self._references.service_url() or TEAMS_SERVICE_URL
        reference = {
            "channelId": "msteams",
            "serviceUrl": service_url,
            "conversation": {"id": installed.chat_id, "conversationType": "personal"},
            "user": {"id": installed.user_id, "aadObjectId": installed.user_id},
            "bot": {"id": f"28:{self._client_id}" if self._client_id else "bot"},
        }
        await self._references.remember(
            installed.user_id, installed.chat_id, reference, self._clock.now(), email=email
        )
        logger.info("Installed the bot for a person who had not opened it")
        return await self._references.reachable(email)

    async def _send(self, stored: StoredReference, card: dict[str, Any]) -> Delivery:
        reference = ConversationReference.model_validate(stored.reference)
        continuation = reference.get_continuation_activity()
        activity = Activity(
            type=ActivityTypes.message,
            attachments=[Attachment(content_type=CARD_CONTENT_TYPE, content=card)],
        )

        failures: list[Exception] = []

        async def callback(context: TurnContext) -> None:
            # The adapter's turn-error handler would swallow the connector's error (and try
            # to post about it): it is kept here and raised below instead.
            try:
                await context.send_activity(activity)
            except Exception as error:
                failures.append(error)

        for attempt in range(self._attempts):
            await self._limiter.acquire(stored.conversation_id)
            try:
                failures.clear()
                await self._continue(continuation, callback)
                if failures:
                    raise failures[0]
                return Delivery.SENT
            except aiohttp.ClientResponseError as error:
                if error.status in GONE:
                    reason = (
                        "MessageWritesBlocked"
                        if "MessageWritesBlocked" in str(error.message)
                        else f"HTTP {error.status}"
                    )
                    await self._references.mark_dead(
                        stored.user_id, stored.conversation_id, reason, self._clock.now()
                    )
                    logger.warning("Teams refused a reminder (%s): reference marked dead", reason)
                    return Delivery.UNREACHABLE
                if error.status not in RETRIED or attempt + 1 == self._attempts:
                    logger.warning("A reminder failed: HTTP %s", error.status)
                    return Delivery.FAILED
                retry_after = error.headers.get("Retry-After") if error.headers else None
                wait = backoff(attempt, parse_retry_after(retry_after))
                await self._sleep(wait)
            except (aiohttp.ClientError, OSError, TimeoutError) as error:
                if attempt + 1 == self._attempts:
                    logger.warning("A reminder failed: %s", type(error).__name__)
                    return Delivery.FAILED
                await self._sleep(backoff(attempt))
        return Delivery.FAILED

    async def _continue(self, continuation: Activity, callback: Any) -> None:
        if self._client_id:
            await self._adapter.continue_conversation(self._client_id, continuation, callback)
        else:
            # Local anonymous mode: empty claims, so the connector call carries no token.
            await self._adapter.continue_conversation_with_claims(
                ClaimsIdentity(), continuation, callback
            )
