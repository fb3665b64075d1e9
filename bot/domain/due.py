"""What reminders are about: due items from any source, and the messages made of them.

A due item is one thing one person should do by a deadline (a kontrollmoment to answer;
later an åtgärd to close). Every source gives the same shape, so the sweep, the outbox and
the cards treat them alike; ``kind`` says which source an item came from (and which
button opens it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bot.domain.model import Period
from bot.domain.schedule import DEFAULT_RULES, ReminderRules, Stage

CONTROL = "control"  # the kind of a kontrollmoment to answer
ACTION = "action"  # the kind of an åtgärd to finish by its Klart senast
DIGEST = "digest"  # the outbox kind of a strategist's digest of the overdue
UNREACHABLE = "unreachable"  # the outbox kind of a note to the strategist: cannot reach X


@dataclass(frozen=True, slots=True)
class DueItem:
    """One thing one person should do by a deadline."""

    kind: str
    recipient: str  # the person's e-mail address, lower case
    plan: str  # the plan's key (its workbook)
    key: str  # the item's id within the plan (the control's ID)
    year: int
    period: Period
    opens: date
    deadline: date
    label: str  # what the card shows (the kontrollmoment's text)
    plan_name: str = ""
    namnd: str = ""
    rules: ReminderRules = field(default=DEFAULT_RULES, compare=False)

    def days_overdue(self, today: date) -> int:
        """Days past the deadline (0 when not late)."""
        return max(0, (today - self.deadline).days)

    def to_json(self) -> dict[str, Any]:
        """The item as the outbox stores it (the rules are looked up again when sent)."""
        return {
            "kind": self.kind,
            "recipient": self.recipient,
            "plan": self.plan,
            "key": self.key,
            "year": self.year,
            "period": self.period.value,
            "opens": self.opens.isoformat(),
            "deadline": self.deadline.isoformat(),
            "label": self.label,
            "plan_name": self.plan_name,
            "namnd": self.namnd,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DueItem:
        """An item stored by ``to_json``."""
        return cls(
            kind=str(data["kind"]),
            recipient=str(data["recipient"]),
            plan=str(data["plan"]),
            key=str(data["key"]),
            year=int(data["year"]),
            period=Period(data["period"]),
            opens=date.fromisoformat(data["opens"]),
            deadline=date.fromisoformat(data["deadline"]),
            label=str(data["label"]),
            plan_name=str(data.get("plan_name", "")),
            namnd=str(data.get("namnd", "")),
        )


@dataclass(frozen=True, slots=True)
class OwnerDigest:
    """One message to one person: everything of theirs that is due, with a button each."""

    recipient: str
    items: tuple[DueItem, ...]
    stage: Stage
    today: date


@dataclass(frozen=True, slots=True)
class OverdueDigest:
    """One message to a strategist: what is still unanswered well past its deadline, and
    who cannot be reached in Teams."""

    recipient: str
    items: tuple[DueItem, ...]
    today: date
    unreachable: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class UnreachableNote:
    """One message to a strategist: these people could not be reached in Teams."""

    recipient: str
    people: tuple[str, ...]
    today: date


Message = OwnerDigest | OverdueDigest | UnreachableNote


@dataclass(frozen=True, slots=True)
class Installed:
    """The bot installed for a person through Graph: their Entra object id and the chat."""

    user_id: str
    chat_id: str
