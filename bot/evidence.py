"""Underlag (evidence): files and links a person attaches to the control they are answering.

In the personal chat, a person opens a control's answer card and sends files (Teams gives
each a download URL) or pastes a link. The file is stored beside the workbook (SharePoint:
``Underlag/{år}/{period}/{ID}/``; locally a folder of the same shape beside the workbook),
recorded in the evidence table, and its link goes into the answer's ``Underlag`` column:
at once when the control already has an answer (as a new version of it, so the history
shows it), else with the answer when it is saved. Only what the sender may answer gets
anything: the control is the one *they* opened last, checked again now.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import PurePosixPath
from typing import Any, Protocol, runtime_checkable

from bot.answers import AnswerLog, PlanCatalog, new_nonce
from bot.domain.clock import Clock
from bot.domain.identity import User
from bot.domain.model import ControlKey, Period
from bot.domain.periods import Term
from bot.domain.policy import Refusal, Target, may_answer
from bot.store.evidence import EvidenceItem, EvidenceStore

logger = logging.getLogger(__name__)

MAX_BYTES = 25 * 1024 * 1024  # per file
MAX_FILES = 10  # per message
ACCEPTED = (
    ".pdf", ".docx", ".doc", ".xlsx", ".xls", ".pptx", ".ppt", ".csv", ".txt",
    ".png", ".jpg", ".jpeg", ".msg", ".eml",
)  # fmt: skip
FOCUS_FOR = timedelta(hours=12)  # how long after opening a card files go to its control

NO_FOCUS = (
    "Jag vet inte vilket kontrollmoment underlaget hör till. Öppna kontrollmomentet "
    "(**Svara** eller **Ändra svar** i **mina kontroller**) och skicka filen eller länken "
    "igen."
)
WRONG_TYPE = (
    "{name}: den filtypen tar jag inte emot. Skicka PDF, Word, Excel, PowerPoint, CSV, text, "
    "bild (PNG/JPG) eller e-post (MSG/EML)."
)
TOO_BIG = "{name}: filen är för stor ({size} MB). Högst {limit} MB per fil."
TOO_MANY = "Högst {limit} filer åt gången: skicka resten i ett nytt meddelande."
NOT_FETCHED = "{name}: filen gick inte att hämta från Teams. Försök igen."
NOT_STORED = (
    "{name}: filen gick inte att spara bredvid arbetsboken just nu. Försök igen om en stund."
)
BAD_LINK = "Länken måste börja med https:// och vara högst 2 000 tecken."


@dataclass(frozen=True, slots=True)
class IncomingFile:
    """A file Teams says was attached: its name, where to download it, its size if told."""

    name: str
    url: str
    size: int | None = None


class FileTooBig(Exception):
    """The download went past the size limit."""


Fetch = Callable[[str, int], Awaitable[bytes]]  # (url, limit) -> the bytes, or FileTooBig


@runtime_checkable
class Shelf(Protocol):
    """Where files are kept beside the workbook (the workbook source)."""

    async def put_evidence(
        self, plan_key: str, parts: Sequence[str], name: str, data: bytes
    ) -> str:
        """Store the file in the folder ``parts`` beside the workbook; its link."""
        ...


class FocusStore(Protocol):
    """Per-person state that survives a restart (``services.conversations``)."""

    async def load(self, key: str) -> dict[str, Any]:
        """The stored state, or an empty dict."""
        ...

    async def save(
        self, key: str, state: dict[str, Any], when: Any, *, durable: bool = True
    ) -> None:
        """Replace the stored state (``durable=False``: it may be lost in a power cut)."""
        ...


@dataclass(frozen=True, slots=True)
class Attached:
    """What came of one message with files or links."""

    control_id: str
    term: Term
    added: tuple[str, ...]  # names of what was attached now
    refused: tuple[str, ...]  # a Swedish message per file or link that was not
    items: tuple[EvidenceItem, ...]  # everything attached to the control in the term
    in_answer: bool  # the links went into the saved answer (and so into Excel)
    plan_key: str = ""


def folder_parts(year: int, period: Period, control_id: str) -> tuple[str, ...]:
    """``Underlag/{år}/{period}/{ID}``, each part safe as a folder name."""
    return ("Underlag", str(year), period.label, _safe(control_id))


def _safe(name: str) -> str:
    cleaned = re.sub(r"[^\w .()-]+", "_", name).strip(" .") or "fil"
    return cleaned[:120]


def safe_file_name(name: str) -> str:
    """A file name that stays in its folder (no path, no odd characters)."""
    return _safe(PurePosixPath(name.replace("\\", "/")).name)


def _focus_key(user: User) -> str:
    return f"underlag|{user.email.casefold()}"


class EvidenceDesk:
    """Attaching underlag: the use cases over the plans, the journal, the evidence table and
    the workbook source."""

    def __init__(
        self,
        plans: PlanCatalog,
        journal: AnswerLog,
        store: EvidenceStore,
        shelf: Shelf | None,
        focus: FocusStore,
        clock: Clock,
        *,
        notify: Callable[[], None] = lambda: None,
    ) -> None:
        self._plans, self._journal, self._store = plans, journal, store
        self._shelf, self._focus, self._clock, self._notify = shelf, focus, clock, notify

    async def focus(self, user: User, target: Target) -> None:
        """Remember the control the person opened: what they send next belongs to it."""
        state = {
            "plan": target.control.plan_key,
            "control": target.control.control_id,
            "year": target.term.year,
            "period": target.term.period.value,
            "at": self._clock.now().isoformat(),
        }
        # Not worth an fsync of its own: lost in a power cut, the person opens the card
        # again (a crash of the process loses nothing); answers keep their FULL sync.
        await self._focus.save(_focus_key(user), state, self._clock.now(), durable=False)

    async def links(self, key: ControlKey, term: Term) -> tuple[str, ...]:
        """The links of everything attached to a control in a term."""
        return tuple(i.location for i in await self._store.for_slot(key, term))

    async def attach(
        self, user: User, files: Sequence[IncomingFile], links: Sequence[str], fetch: Fetch
    ) -> Attached | Refusal:
        """Attach files and links to the control the person has open, if they may answer it."""
        target = await self._focused(user)
        if target is None:
            return Refusal(NO_FOCUS)
        found = await self._plans.find(target.control.plan_key, target.control.control_id)
        if found is None:
            return Refusal(NO_FOCUS)
        plan, control = found
        term = Term(target.term.year, target.term.period, control.calendar)
        refusal = may_answer(user, control, term, self._clock.today())
        if refusal is not None:
            return refusal
        added: list[str] = []
        refused: list[str] = []
        if len(files) > MAX_FILES:
            refused.append(TOO_MANY.format(limit=MAX_FILES))
        for incoming in files[:MAX_FILES]:
            message = await self._file(user, target, incoming, fetch)
            (refused if message else added).append(message or safe_file_name(incoming.name))
        for link in links:
            if not link.startswith("https://") or len(link) > 2000:
                refused.append(BAD_LINK)
                continue
            item = EvidenceItem(link, "link", link, user.email, self._clock.now())
            await self._store.add(target.control, term, item)
            added.append(link)
        items = tuple(await self._store.for_slot(target.control, term))
        in_answer = False
        if added:
            in_answer = await self._into_answer(plan.key, control.key, term, items)
        return Attached(
            control.id, term, tuple(added), tuple(refused), items, in_answer, control.plan_key
        )

    async def _file(self, user: User, target: Target, incoming: IncomingFile, fetch: Fetch) -> str:
        """Store one file; "" when it was stored, else why not (Swedish)."""
        name = safe_file_name(incoming.name)
        if not name.lower().endswith(ACCEPTED):
            return WRONG_TYPE.format(name=name)
        if incoming.size is not None and incoming.size > MAX_BYTES:
            return TOO_BIG.format(name=name, size=_mb(incoming.size), limit=_mb(MAX_BYTES))
        try:
            data = await fetch(incoming.url, MAX_BYTES)
        except FileTooBig:
            return TOO_BIG.format(name=name, size=f"över {_mb(MAX_BYTES)}", limit=_mb(MAX_BYTES))
        except Exception as error:  # noqa: BLE001  # any failure to download: say so, go on
            logger.warning("Could not download an attachment: %s", type(error).__name__)
            return NOT_FETCHED.format(name=name)
        if self._shelf is None:
            return NOT_STORED.format(name=name)
        parts = folder_parts(target.term.year, target.term.period, target.control.control_id)
        try:
            location = await self._shelf.put_evidence(target.control.plan_key, parts, name, data)
        except Exception as error:  # noqa: BLE001  # the workbook's storage failed: say so
            logger.warning("Could not store underlag for %s: %s", target.control.plan_key, error)
            return NOT_STORED.format(name=name)
        item = EvidenceItem(name, "file", location, user.email, self._clock.now(), len(data))
        await self._store.add(target.control, target.term, item)
        return ""

    async def _into_answer(
        self, plan_key: str, key: ControlKey, term: Term, items: Sequence[EvidenceItem]
    ) -> bool:
        """Put the links into the saved answer as a new version (the writer writes it)."""
        history = await self._journal.history(key, term.year, term.period)
        if not history:
            return False
        latest = history[-1]
        links = tuple(i.location for i in items)
        version = replace(
            latest, answer_id=new_nonce(), answered_at=self._clock.now(), evidence=links
        )
        if await self._journal.append(version):
            self._notify()
        return True

    async def _focused(self, user: User) -> Target | None:
        state: Mapping[str, Any] = await self._focus.load(_focus_key(user))
        try:
            at = datetime.fromisoformat(str(state["at"]))
            if self._clock.now() - at > FOCUS_FOR:
                return None
            term = Term(int(state["year"]), Period(state["period"]))
            return Target(ControlKey(str(state["plan"]), str(state["control"])), term)
        except (KeyError, ValueError, TypeError):
            return None


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".replace(".", ",").removesuffix(",0")
