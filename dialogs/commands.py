"""What a typed message means: tolerant of case, accents, punctuation and extra spaces."""

from __future__ import annotations

import enum
import re
import unicodedata

from bot.domain.model import Period
from bot.reports.status import StatusQuery


class Command(enum.Enum):
    """The things a person can ask for by typing."""

    LIST = "list"
    ACTIONS = "actions"
    STATUS = "status"
    REPORT = "report"
    HELP = "help"
    GREETING = "greeting"
    REMIND = "remind"
    UNKNOWN = "unknown"


_PHRASES = {
    "mina kontroller": Command.LIST,
    "mina kontrollmoment": Command.LIST,
    "kontroller": Command.LIST,
    "kontrollmoment": Command.LIST,
    "svara": Command.LIST,
    "lista": Command.LIST,
    "mina atgarder": Command.ACTIONS,
    "atgarder": Command.ACTIONS,
    "hjalp": Command.HELP,
    "help": Command.HELP,
    "meny": Command.HELP,
    "hej": Command.GREETING,
    "hallo": Command.GREETING,
    "start": Command.GREETING,
}


# "påminn obesvarade [period] [år] [nämnd]": a strategist's reminders, previewed first.
_REMIND_PHRASES = ("paminn obesvarade", "paminn")


def normalise(text: str) -> str:
    """Lower case, accents removed ("hjälp" → "hjalp"), punctuation and extra spaces dropped."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    words = re.sub(r"[^\w@.\- ]+", " ", plain).split()
    return " ".join(words).strip(".-")


def parse_command(text: str) -> Command:
    """The command a message asks for."""
    plain = normalise(text)
    if plain == "status" or plain.startswith("status "):
        return Command.STATUS
    if plain == "rapport" or plain.startswith("rapport "):
        return Command.REPORT
    for phrase in _REMIND_PHRASES:
        if plain == phrase or plain.startswith(phrase + " "):
            return Command.REMIND
    return _PHRASES.get(plain, Command.UNKNOWN)


_PERIOD_WORDS = {"helar": Period.YEAR, "delar1": Period.T1, "delar2": Period.T2}
_PERIOD_WORDS |= {f"kvartal{q.label[-1]}": q for q in (Period.Q1, Period.Q2, Period.Q3)}


def parse_status(text: str) -> StatusQuery:
    """Read `status [helår|delår 1|delår 2] [år] [nämnd]` (or `rapport …`: the first word
    is skipped either way); what is left over is the nämnd,
    kept as typed (accents and all) so it matches the plan's Nämnd column."""
    words = text.split()[1:]  # the first word is "status"
    period: Period | None = None
    year: int | None = None
    rest: list[str] = []
    i = 0
    while i < len(words):
        plain = normalise(words[i])
        joined = plain + (normalise(words[i + 1]) if i + 1 < len(words) else "")
        if period is None and plain in _PERIOD_WORDS:
            period, i = _PERIOD_WORDS[plain], i + 1
        elif period is None and joined in _PERIOD_WORDS:
            period, i = _PERIOD_WORDS[joined], i + 2
        elif year is None and re.fullmatch(r"20\d\d", plain):
            year, i = int(plain), i + 1
        else:
            rest.append(words[i])
            i += 1
    namnd = " ".join(rest).strip(" .,!?") or None
    return StatusQuery(period, year, namnd)
