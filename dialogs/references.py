"""Keeping each person's conversation reference, so the bot can write to them first later."""

from __future__ import annotations

from microsoft_agents.activity import Activity

from bot.services import Services


async def remember_reference(services: Services, activity: Activity, email: str) -> None:
    """Store the reference of this turn's conversation for its sender (by Entra object id;
    ``email`` when the turn learnt it). The store writes only when something changed."""
    sender = activity.from_property
    if sender is None or not sender.aad_object_id:
        return
    # activityId and requestId are left out: they change every turn (the SDK gives each
    # request an id of its own), a reminder needs neither, and with them the stored
    # reference would be rewritten on every turn.
    reference = activity.get_conversation_reference().model_dump(
        mode="json", by_alias=True, exclude_none=True, exclude={"activity_id", "request_id"}
    )
    await services.references.remember(
        sender.aad_object_id,
        activity.conversation.id,
        reference,
        services.clock.now(),
        email=email or None,
    )
