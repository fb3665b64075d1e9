"""Åtgärder followed until they are closed: their status, their owners, and what is open.

An åtgärd is the Action of the newest answer in a slot (ID, År, Period); its status is
journalled as updates (Ej påbörjad / Pågår / Klar, with a comment). Pure data and rules:
the store journals the updates, ``bot.actions`` finds and records them.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from bot.domain.model import (
    Action,
    Answer,
    Control,
    ControlKey,
    Period,
    Plan,
    answered_at,
    is_email,
    newest_per_slot,
)


class ActionStatus(enum.StrEnum):
    """Where an åtgärd stands; the values are the Swedish words written to Excel."""

    NOT_STARTED = "Ej påbörjad"
    IN_PROGRESS = "Pågår"
    DONE = "Klar"

    @property
    def is_open(self) -> bool:
        """Whether the åtgärd still needs doing."""
        return self is not ActionStatus.DONE


def status_from_text(text: str) -> ActionStatus | None:
    """A status as typed or chosen (case and spacing ignored)."""
    wanted = " ".join(str(text).split()).casefold()
    for status in ActionStatus:
        if status.value.casefold() == wanted:
            return status
    return None


# The slot an åtgärd belongs to: the control, the year and the period of its answer.
Slot = tuple[ControlKey, int, Period]


@dataclass(frozen=True, slots=True)
class StatusUpdate:
    """One press of "Spara status": who set which status, with what comment, and when.

    It carries the åtgärd as it was shown (text, owner, due), so that a row can be
    written for an åtgärd typed into Excel by hand that the journal never saw."""

    update_id: str
    plan_key: str
    control_id: str
    year: int
    period: Period
    status: ActionStatus
    comment: str
    updated_by: str
    updated_at: datetime
    action: Action

    @property
    def slot(self) -> Slot:
        """The åtgärd this update is about."""
        return (ControlKey(self.plan_key, self.control_id), self.year, self.period)


@dataclass(frozen=True, slots=True)
class TrackedAction:
    """An åtgärd with its current status: one row of the Åtgärder sheet."""

    plan_key: str
    control_id: str
    year: int
    period: Period
    action: Action
    status: ActionStatus
    comment: str
    updated_by: str
    updated_at: datetime

    @property
    def slot(self) -> Slot:
        """The answer slot this åtgärd came from."""
        return (ControlKey(self.plan_key, self.control_id), self.year, self.period)

    @property
    def is_open(self) -> bool:
        """Whether it still needs doing."""
        return self.status.is_open

    def days_overdue(self, today: date) -> int:
        """Days past Klart senast while still open (0 when not late, done or undated)."""
        due = self.action.due
        if due is None or not self.is_open:
            return 0
        return max(0, (today - due).days)


def has_action(answer: Answer) -> bool:
    """Whether an answer proposes an åtgärd (some text in Åtgärd)."""
    return answer.action is not None and bool(answer.action.text.strip())


def track(answer: Answer | None, update: StatusUpdate | None) -> TrackedAction | None:
    """The åtgärd of a slot: the newest answer's action with the newest status update;
    without an answer, the update's own copy of the åtgärd."""
    if answer is not None and has_action(answer):
        assert answer.action is not None
        action = answer.action
    elif answer is None and update is not None:
        action = update.action
    else:
        return None
    base = answer or update
    assert base is not None
    if update is None:
        assert answer is not None
        return TrackedAction(
            answer.plan_key,
            answer.control_id,
            answer.year,
            answer.period,
            action,
            ActionStatus.NOT_STARTED,
            "",
            answer.answered_by,
            answer.answered_at,
        )
    # The newest of the two says who touched the row last; the status is the update's.
    newer_answer = answer is not None and answer.answered_at > update.updated_at
    return TrackedAction(
        update.plan_key,
        update.control_id,
        update.year,
        update.period,
        action,
        update.status,
        update.comment,
        answer.answered_by if newer_answer and answer else update.updated_by,
        answer.answered_at if newer_answer and answer else update.updated_at,
    )


def action_owners(
    action: Action, owners: Mapping[str, frozenset[str]], control: Control | None
) -> frozenset[str]:
    """Who owns an åtgärd: the åtgärdsansvarig as an e-mail, or a role the workbook's
    Ansvariga table maps; else the control's ansvarig."""
    text = " ".join(action.owner.replace("\u00a0", " ").split())
    if is_email(text):
        return frozenset({text.casefold()})
    mapped = owners.get(text.casefold().strip(" .:")) if text else None
    if mapped:
        return mapped
    return control.owners if control is not None else frozenset()


def due_text(due: date | None) -> str:
    """Klart senast as shown: the date, or that none was given."""
    return due.isoformat() if due else "inget datum"


@dataclass(frozen=True, slots=True)
class Earlier:
    """An earlier period's answer to the same control in the same year, and its åtgärd
    (None when it proposed none): shown on the answer card, so a later answer completes it."""

    period: Period
    answer: Answer
    action: TrackedAction | None


def earlier_answers(
    latest: Mapping[Period, Answer],
    updates: Mapping[Period, StatusUpdate],
    period: Period,
) -> tuple[Earlier, ...]:
    """The answers of the periods before ``period`` (same control, same year), oldest
    first, each with its åtgärd and that åtgärd's status."""
    found = []
    for earlier in sorted(latest, key=lambda p: p.rank):
        if earlier.rank >= period.rank:
            continue
        answer = latest[earlier]
        found.append(Earlier(earlier, answer, track(answer, updates.get(earlier))))
    return tuple(found)


@dataclass(frozen=True, slots=True)
class OpenEarlier:
    """An åtgärd from a period before the one a status is about, still not done."""

    tracked: TrackedAction
    control: Control
    plan_name: str
    namnd: str  # the control's nämnd, else its plan's title or file name
    days_overdue: int  # past Klart senast on the day the status was compiled


def open_before(
    plans: Iterable[Plan],
    answers: Iterable[Answer],
    updates: Mapping[Slot, StatusUpdate],
    year: int,
    period: Period,
    today: date,
    *,
    namnd: str | None = None,
) -> tuple[OpenEarlier, ...]:
    """The åtgärder proposed in periods before (year, period) that are not done, the most
    overdue first; ``namnd`` keeps one nämnd's (case ignored)."""
    controls = {c.key: (p, c) for p in plans for c in p.controls}
    newest: dict[Slot, Answer] = newest_per_slot(
        answers, lambda a: (a.control_key, a.year, a.period), answered_at
    )
    wanted = " ".join(namnd.split()).casefold() if namnd else None
    found: list[OpenEarlier] = []
    for slot, answer in newest.items():
        key, answer_year, answer_period = slot
        if (answer_year, answer_period.rank) >= (year, period.rank) or key not in controls:
            continue
        tracked = track(answer, updates.get(slot))
        if tracked is None or not tracked.is_open:
            continue
        plan, control = controls[key]
        where = control.namnd.strip() or plan.label
        if wanted is not None and " ".join(control.namnd.split()).casefold() != wanted:
            continue
        late = tracked.days_overdue(today)
        found.append(OpenEarlier(tracked, control, plan.label, where, late))
    found.sort(key=lambda o: (-o.days_overdue, o.control.plan_key, o.control.row))
    return tuple(found)


# At helår: what becomes of the kontrollmoment (Eskilstuna's controls that span years).
CLOSED = "Avslutat"
CONTINUES = "Fortsätter nästa år"
_LATER = "Nästa kontroll år "


def continuation_choices(year: int) -> tuple[str, ...]:
    """What a helår answer for ``year`` may say about the kontrollmoment's future."""
    return (CLOSED, CONTINUES, *(f"{_LATER}{y}" for y in range(year + 2, year + 5)))


_NEXT_CHECK = re.compile(r"(?:nästa kontroll|kontrolleras igen|följs upp under)(?: år)? (\d{4})")


def parse_continuation(text: str) -> tuple[str, int | None] | None:
    """("closed", None), ("continues", None) or ("later", year); None if not understood.

    Besides the card's own words, what kommuner wrote by hand (Eskilstuna): "Kontroll-
    momentet för 2021 är avslutat; nästa kontroll 2023", "Följs upp under 2022"."""
    plain = " ".join(str(text).split()).casefold()
    if plain == CLOSED.casefold():
        return "closed", None
    if plain == CONTINUES.casefold() or plain.startswith("fortsätter"):
        return "continues", None
    later = _NEXT_CHECK.search(plain)
    if later is not None:
        return "later", int(later.group(1))
    if "avslutat" in plain or "avslutad" in plain:
        return "closed", None
    return None


def canonical_continuation(text: str, today: date) -> str | None:
    """The choice as the card spells it, or None when it is not one a helår answer given
    ``today`` may make (a later year: from next year on, at most ten years ahead)."""
    parsed = parse_continuation(text)
    if parsed is None:
        return None
    kind, later = parsed
    if kind == "closed":
        return CLOSED
    if kind == "continues":
        return CONTINUES
    assert later is not None
    return f"{_LATER}{later}" if today.year < later <= today.year + 10 else None


def continues_in(text: str, year: int, helar_year: int) -> bool:
    """Whether a control whose helår ``helar_year`` answer says ``text`` is carried into
    ``year``'s plan (nothing said: it is not)."""
    parsed = parse_continuation(text)
    if parsed is None:
        return False
    kind, later = parsed
    if kind == "continues":
        return year == helar_year + 1
    return kind == "later" and later == year
