"""The conversation as a small state machine: advance(state, event) -> (state, effects).

Card buttons and typed commands are routed by the SDK straight to their use cases; what a
conversation must remember across turns (and restarts) is only whether the bot has
greeted it. The state is JSON (stored by ``services.conversations``); the greeting route
advances it in one atomic update of the store (``step``) and performs the effects.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import Any, Protocol, assert_never

State = dict[str, Any]


class ConversationState(Protocol):
    """Where conversation state is kept (``services.conversations``)."""

    async def update(self, key: str, change: Callable[[State], State], when: datetime) -> State:
        """Load, change and save one key's state with no other update of it in between."""
        ...


@dataclass(frozen=True, slots=True)
class FlowState:
    """What the bot remembers about a conversation."""

    welcomed: bool = False

    def to_json(self) -> dict[str, Any]:
        """The stored form."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FlowState:
        """Read the stored form; anything unreadable starts afresh rather than failing."""
        return cls(welcomed=bool(data.get("welcomed")))


# Events
@dataclass(frozen=True, slots=True)
class Greeted:
    """The bot was installed or the conversation started (Teams says both at once)."""


@dataclass(frozen=True, slots=True)
class SaidHello:
    """The user typed a greeting ("hej")."""


Event = Greeted | SaidHello


# Effects
@dataclass(frozen=True, slots=True)
class ShowWelcome:
    """Send the welcome."""


Effect = ShowWelcome


def advance(state: FlowState, event: Event) -> tuple[FlowState, list[Effect]]:
    """The next state and what to do, for one event."""
    match event:
        case Greeted():
            if state.welcomed:
                return state, []  # Teams and the Playground greet twice (install + join)
            return replace(state, welcomed=True), [ShowWelcome()]
        case SaidHello():
            return replace(state, welcomed=True), [ShowWelcome()]
        case unreachable:
            assert_never(unreachable)


async def step(store: ConversationState, key: str, event: Event, when: datetime) -> list[Effect]:
    """Advance one conversation's stored state by an event, atomically; the effects."""
    effects: list[Effect] = []

    def change(stored: State) -> State:
        state, wanted = advance(FlowState.from_json(stored), event)
        effects.extend(wanted)
        return state.to_json()

    await store.update(key, change, when)
    return effects
