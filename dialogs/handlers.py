"""The Agents SDK routes: activities in, events to the flow, replies out."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from microsoft_agents.activity import (
    Activity,
    ActivityTypes,
    AdaptiveCardInvokeResponse,
    Attachment,
    InvokeResponse,
)
from microsoft_agents.hosting.core import (
    AgentApplication,
    ConnectorClientBase,
    RouteRank,
    TurnContext,
    TurnState,
)
from pydantic import ValidationError

from bot.identity import LookupFailed, Member, User
from bot.logs import failure
from bot.services import Services
from cards.actions import card_action
from cards.notice import notice_card
from dialogs import channel
from dialogs.answering import Answering, Reply
from dialogs.commands import Command, parse_command, parse_status
from dialogs.flow import (
    Clicked,
    Effect,
    Event,
    FlowState,
    Greeted,
    ShowNotUnderstood,
    ShowStatusCard,
    ShowWelcome,
    Typed,
    advance,
)
from dialogs.references import remember_reference

logger = logging.getLogger(__name__)

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
MESSAGE_CONTENT_TYPE = "application/vnd.microsoft.activity.message"
WHO_ARE_YOU = (
    "Jag kunde inte ta reda på vem du är just nu, så jag visar inga kontrollmoment. "
    "Försök igen om en stund."
)
BAD_CARD = (
    "Kortet skickade något jag inte känner igen. Det kan vara ett gammalt kort – öppna listan igen."
)
SOMETHING_WRONG = (
    "Något gick fel hos mig. Om du inte fick ett kvitto är svaret inte sparat – "
    "försök igen om en stund."
)
ROLE_UNKNOWN = (
    "Jag kunde inte kontrollera om du är kvalitetsstrateg just nu, så här är bara status för "
    "dina egna kontrollmoment. Försök igen om en stund för hela sammanställningen."
)

# Effects that need no identity: a greeting and "not understood" must work even when
# the member lookup does not.
_ANONYMOUS_EFFECTS = (ShowWelcome, ShowNotUnderstood)


def register(agent: AgentApplication[TurnState], services: Services) -> None:
    """Register every route of the bot on the agent application."""
    answering = Answering(services)

    async def run(context: TurnContext, event: Event, inputs: Mapping[str, Any]) -> list[Reply]:
        activity = context.activity
        sender = activity.from_property
        sender_key = (sender.aad_object_id or sender.id) if sender else ""
        state_key = f"{activity.conversation.id}|{sender_key}"
        effects: list[Effect] = []

        def step(stored: dict[str, Any]) -> dict[str, Any]:
            new_state, wanted = advance(FlowState.from_json(stored), event)
            effects.extend(wanted)
            return new_state.to_json()

        await services.conversations.update(state_key, step, services.clock.now())
        replies: list[Reply] = []
        email = ""
        for effect in effects:
            if isinstance(effect, _ANONYMOUS_EFFECTS):
                user = User(sender_key, "", "", False)
            else:
                try:
                    user = await services.directory.resolve(
                        sender_key, lambda: _lookup_member(context)
                    )
                except LookupFailed as error:
                    logger.warning("Member lookup failed: %s", error)
                    replies.append(Reply(text=WHO_ARE_YOU))
                    continue
            email = user.email or email
            reply = await answering.perform(user, effect, inputs)
            if user.role_unknown and isinstance(effect, ShowStatusCard):
                # Maybe a strategist whose group Graph could not confirm: say why the
                # summary is only their own, rather than that it is not for them.
                reply = Reply(card=reply.card, text=ROLE_UNKNOWN)
            replies.append(reply)
        await remember_reference(services, activity, email)  # for reminders
        return replies

    def is_message(context: TurnContext) -> bool:
        return context.activity.type == ActivityTypes.message

    async def on_message(context: TurnContext, _state: TurnState) -> None:
        activity = context.activity
        if channel.is_shared(activity):
            await on_shared_message(context)
            return
        text = (activity.text or "").strip()
        if not text and isinstance(activity.value, dict):
            # Action.Submit (older clients): the card's data and inputs, as a message.
            event: Event | None = _clicked(activity.value)
            if event is None:
                await _send(context, Reply(card=notice_card(BAD_CARD, attention=True)))
                return
            for reply in await run(context, event, activity.value):
                await _send(context, reply)
            return
        command = parse_command(text)
        status = parse_status(text) if command is Command.STATUS else None
        for reply in await run(context, Typed(command, status), {}):
            await _send(context, reply)

    async def on_shared_message(context: TurnContext) -> None:
        """A message in a team channel or group chat: only when the bot is mentioned, and
        anything personal goes to the sender's personal chat."""
        activity = context.activity
        if not (activity.text or "").strip() and isinstance(activity.value, dict):
            await context.send_activity(channel.BUTTONS_ARE_PRIVATE)  # an Action.Submit
            return
        text = channel.addressed_text(activity)
        if text is None:
            return  # people talking among themselves
        command = parse_command(text) if text else Command.HELP  # a bare @mention
        if command is Command.HELP:
            await context.send_activity(channel.HELP)
        elif command is Command.GREETING:
            await context.send_activity(channel.WELCOME)
        elif command in (Command.LIST, Command.STATUS):
            status = parse_status(text) if command is Command.STATUS else None
            replies = await run(context, Typed(command, status), {})
            for reply in replies:
                if reply.card is None:  # a "who are you?": nothing personal in it
                    await _send(context, reply)
            private = [_activity(r) for r in replies if r.card is not None]
            if not private:
                return
            try:
                await channel.send_privately(context, private)
            except channel.PrivateChatUnavailable:
                await context.send_activity(channel.NO_PRIVATE_CHAT)
                return
            sent = channel.SENT_LIST if command is Command.LIST else channel.SENT_STATUS
            await context.send_activity(sent)
        else:
            await context.send_activity(channel.NOT_UNDERSTOOD)

    def is_card_action(context: TurnContext) -> bool:
        activity = context.activity
        return activity.type == ActivityTypes.invoke and activity.name == "adaptiveCard/action"

    async def on_card_action(context: TurnContext, _state: TurnState) -> None:
        if channel.is_shared(context.activity):
            # The clicked card stays as it is for everyone; only the clicker sees this.
            await _invoke_message(context, channel.BUTTONS_ARE_PRIVATE)
            return
        data = _execute_data(context.activity.value)
        event = _clicked(data) if data is not None else None
        if event is None:
            await _invoke_card(context, notice_card(BAD_CARD, attention=True))
            return
        replies = await run(context, event, data or {})
        card = next((r.card for r in replies if r.card is not None), None)
        if card is None:
            text = next((r.text for r in replies if r.text), WHO_ARE_YOU)
            card = notice_card(text, attention=True)
        await _invoke_card(context, card)

    def is_greeting(context: TurnContext) -> bool:
        activity = context.activity
        if activity.type == ActivityTypes.installation_update:
            return (activity.action or "add").startswith("add")
        if activity.type == ActivityTypes.conversation_update:
            bot_id = activity.recipient.id if activity.recipient else None
            added = activity.members_added or []
            if channel.is_shared(activity):  # the bot joined, not a new colleague
                return any(m.id == bot_id for m in added)
            return any(m.id != bot_id for m in added)
        return False

    async def on_greeting(context: TurnContext, _state: TurnState) -> None:
        if channel.is_shared(context.activity):
            # Teams says both "installed" and "added": one short text for the whole team.
            key = f"{context.activity.conversation.id}|"
            first: list[bool] = []

            def welcome_once(stored: dict[str, Any]) -> dict[str, Any]:
                first.append(not FlowState.from_json(stored).welcomed)
                return FlowState(welcomed=True).to_json()

            await services.conversations.update(key, welcome_once, services.clock.now())
            if first[0]:
                await context.send_activity(channel.WELCOME)
            return
        for reply in await run(context, Greeted(), {}):
            await _send(context, reply)

    async def on_error(context: TurnContext, error: Exception) -> None:
        logger.error(
            "Turn failed in conversation %s: %s", context.activity.conversation.id, failure(error)
        )
        try:
            if context.activity.type == ActivityTypes.invoke:
                await _invoke_card(context, notice_card(SOMETHING_WRONG, attention=True))
            else:
                await context.send_activity(SOMETHING_WRONG)
        except Exception:  # the channel itself is unreachable: nothing more to tell anyone
            logger.warning(
                "Could not tell conversation %s about the failure", context.activity.conversation.id
            )

    agent.add_route(is_card_action, on_card_action, is_invoke=True)
    agent.add_route(is_greeting, on_greeting)
    agent.add_route(is_message, on_message, rank=RouteRank.LAST)
    agent.error(on_error)


def _clicked(data: Mapping[str, Any]) -> Clicked | None:
    try:
        return Clicked(card_action.validate_python(dict(data)))
    except ValidationError:
        return None


def _execute_data(value: Any) -> dict[str, Any] | None:
    """The data (with the inputs) of an Action.Execute invoke; None if malformed."""
    if not isinstance(value, dict):
        return None
    action = value.get("action")
    if not isinstance(action, dict) or action.get("type") != "Action.Execute":
        return None
    data = action.get("data")
    return dict(data) if isinstance(data, dict) else None


async def _lookup_member(context: TurnContext) -> Member:
    """Ask the channel who sent the activity (works in Teams and in the Playground)."""
    client = context.services.get(ConnectorClientBase)  # type: ignore[type-abstract]
    if client is None:
        raise LookupFailed("no connector client for this turn")
    activity = context.activity
    # In a channel the members are the team's (a channel thread's id is not a roster).
    roster = channel.team_id(activity) or activity.conversation.id
    member = await client.conversations.get_conversation_member(roster, activity.from_property.id)
    # The UPN arrives as an extra field ("userPrincipalName") on ChannelAccount.
    extra = member.model_extra or {}
    upn = extra.get("userPrincipalName") or extra.get("user_principal_name") or ""
    email = getattr(member, "email", None) or extra.get("email") or ""
    aad = member.aad_object_id or activity.from_property.aad_object_id or ""
    return Member(email=str(email), name=member.name or "", upn=str(upn), aad_object_id=str(aad))


def _activity(reply: Reply) -> Activity:
    """A reply as a message activity: a card (with a line of text above it) or text."""
    if reply.card is not None:
        return Activity(
            type=ActivityTypes.message,
            text=reply.text,  # shown above the card when there is one
            attachments=[Attachment(content_type=CARD_CONTENT_TYPE, content=reply.card)],
        )
    return Activity(type=ActivityTypes.message, text=reply.text)


async def _send(context: TurnContext, reply: Reply) -> None:
    if reply.card is not None or reply.text:
        await context.send_activity(_activity(reply))


async def _invoke_card(context: TurnContext, card: dict[str, Any]) -> None:
    """Answer an Action.Execute with the card that replaces the one clicked."""
    await _invoke_response(
        context, AdaptiveCardInvokeResponse(status_code=200, type=CARD_CONTENT_TYPE, value=card)
    )


async def _invoke_message(context: TurnContext, text: str) -> None:
    """Answer an Action.Execute with a message to the clicker; the card is left as it was."""
    await _invoke_response(
        context, AdaptiveCardInvokeResponse(status_code=200, type=MESSAGE_CONTENT_TYPE, value=text)
    )


async def _invoke_response(context: TurnContext, body: AdaptiveCardInvokeResponse) -> None:
    await context.send_activity(
        Activity(
            type=ActivityTypes.invoke_response,
            value=InvokeResponse(
                status=200, body=body.model_dump(mode="json", by_alias=True, exclude_none=True)
            ),
        )
    )
