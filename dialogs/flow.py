"""The conversation as a small state machine: advance(state, event) -> (state, effects).

The state is JSON (stored by bot.store.conversations.ConversationStore, it survives a
restart); the handler loads it, advances, saves it if it changed, and performs the effects.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

from cards.actions import (
    CardPayload,
    NextControl,
    OpenControl,
    ShowHelp,
    ShowList,
    ShowStatus,
    ShowUnanswered,
    SubmitAnswer,
    WriteSummary,
)
from dialogs.commands import Command, StatusQuery


@dataclass(frozen=True, slots=True)
class Target:
    """A control in a term, as carried by card actions."""

    plan: str
    control: str
    year: int
    period: str


@dataclass(frozen=True, slots=True)
class FlowState:
    """What the bot remembers about a conversation with one user."""

    welcomed: bool = False
    current: Target | None = None  # the control whose card was last opened or submitted

    def to_json(self) -> dict[str, Any]:
        """The stored form."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FlowState:
        """Read the stored form; anything unreadable starts afresh rather than failing."""
        current = data.get("current")
        try:
            target = Target(**current) if isinstance(current, dict) else None
        except TypeError:
            target = None
        return cls(welcomed=bool(data.get("welcomed")), current=target)


# Events
@dataclass(frozen=True, slots=True)
class Greeted:
    """The bot was installed or the conversation started."""


@dataclass(frozen=True, slots=True)
class Typed:
    """The user typed a message."""

    command: Command
    status: StatusQuery | None = None  # what `status …` asked for


@dataclass(frozen=True, slots=True)
class Clicked:
    """The user pressed a card button."""

    action: CardPayload


Event = Greeted | Typed | Clicked


# Effects
@dataclass(frozen=True, slots=True)
class ShowWelcome:
    """Send the welcome card."""


@dataclass(frozen=True, slots=True)
class ShowHelpCard:
    """Send the help card."""


@dataclass(frozen=True, slots=True)
class ShowNotUnderstood:
    """Say briefly what the bot understands."""


@dataclass(frozen=True, slots=True)
class ShowMyList:
    """Send the user's list of kontrollmoment."""


@dataclass(frozen=True, slots=True)
class ShowAnswerCard:
    """Open the answer card for a target."""

    target: Target


@dataclass(frozen=True, slots=True)
class SaveAnswer:
    """Validate and store a submitted answer."""

    action: SubmitAnswer


@dataclass(frozen=True, slots=True)
class ShowNextAfter:
    """Open the next unanswered control after a target."""

    target: Target


@dataclass(frozen=True, slots=True)
class ShowStatusCard:
    """Compile and show the status of a term (the term is chosen from the query)."""

    query: StatusQuery
    full: bool = False
    unanswered_only: bool = False


@dataclass(frozen=True, slots=True)
class WriteSummarySheet:
    """Write the status of a term to each workbook's summary sheet (strategists only)."""

    query: StatusQuery


Effect = (
    ShowWelcome
    | ShowHelpCard
    | ShowNotUnderstood
    | ShowMyList
    | ShowAnswerCard
    | SaveAnswer
    | ShowNextAfter
    | ShowStatusCard
    | WriteSummarySheet
)


def _target(action: OpenControl | SubmitAnswer | NextControl) -> Target:
    return Target(action.plan, action.control, action.year, action.period.value)


def advance(state: FlowState, event: Event) -> tuple[FlowState, list[Effect]]:
    """The next state and what to do, for one event."""
    if isinstance(event, Greeted):
        if state.welcomed:
            return state, []  # Teams and the Playground greet twice (install + join)
        return replace(state, welcomed=True), [ShowWelcome()]
    if isinstance(event, Typed):
        if event.command is Command.LIST:
            return state, [ShowMyList()]
        if event.command is Command.HELP:
            return state, [ShowHelpCard()]
        if event.command is Command.STATUS:
            return state, [ShowStatusCard(event.status or StatusQuery())]
        if event.command is Command.GREETING:
            return replace(state, welcomed=True), [ShowWelcome()]
        return state, [ShowNotUnderstood()]
    action = event.action
    if isinstance(action, ShowList):
        return state, [ShowMyList()]
    if isinstance(action, ShowHelp):
        return state, [ShowHelpCard()]
    if isinstance(action, OpenControl):
        return replace(state, current=_target(action)), [ShowAnswerCard(_target(action))]
    if isinstance(action, SubmitAnswer):
        return replace(state, current=_target(action)), [SaveAnswer(action)]
    if isinstance(action, ShowStatus | ShowUnanswered):
        query = StatusQuery(action.period, action.year, action.namnd)
        if isinstance(action, ShowStatus):
            return state, [ShowStatusCard(query, full=action.full)]
        return state, [ShowStatusCard(query, unanswered_only=True)]
    if isinstance(action, WriteSummary):
        return state, [WriteSummarySheet(StatusQuery(action.period, action.year, action.namnd))]
    return state, [ShowNextAfter(_target(action))]
