"""What a typed message means: tolerant of case, accents, punctuation and extra spaces,
and of near misses ("mina kontroler" → "Menade du mina kontroller?")."""

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
    THANKS = "thanks"
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
    "tack": Command.THANKS,
    "tack sa mycket": Command.THANKS,
    "tusen tack": Command.THANKS,
    "tackar": Command.THANKS,
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
    command = _PHRASES.get(plain)
    if command is not None:
        return command
    if plain == "rapport" or plain.startswith("rapport "):
        return Command.REPORT
    for phrase in _REMIND_PHRASES:
        if plain == phrase or plain.startswith(phrase + " "):
            return Command.REMIND
    # "mina kontroller delår 2 2026": a listing phrase followed by a period (and a year).
    for phrase, meaning in _PHRASES.items():
        if meaning is Command.LIST and plain.startswith(phrase + " "):
            query = _period_and_year(plain[len(phrase) :].split())
            if query.period is not None and not query.namnd:
                return Command.LIST
    return Command.UNKNOWN


def parse_list(text: str) -> StatusQuery:
    """The period (and year) a `mina kontroller delår 2` asks for; none by default."""
    plain = normalise(text)
    for phrase, meaning in sorted(_PHRASES.items(), key=lambda item: -len(item[0])):
        if meaning is Command.LIST and plain.startswith(phrase + " "):
            query = _period_and_year(plain[len(phrase) :].split())
            if query.period is not None and not query.namnd:
                return StatusQuery(query.period, query.year)
    return StatusQuery()


# What the bot may suggest for a near miss: every phrase that does something (not the
# greetings and thanks), and the status of each period.
_NOT_SUGGESTED = (Command.GREETING, Command.THANKS, Command.UNKNOWN)
_STATUS_PHRASES = ("status", "status helar", "status delar 1", "status delar 2")
_REPORT_PHRASES = ("rapport helar", "rapport delar 1", "rapport delar 2")
# How the phrases are written with their accents, word by word, to show a suggestion.
_ACCENTED = {
    "hjalp": "hjälp",
    "helar": "helår",
    "delar": "delår",
    "hallo": "hallå",
    "atgard": "åtgärd",
    "atgarder": "åtgärder",
    "paminn": "påminn",
    "oversikt": "översikt",
    "arsrapport": "årsrapport",
}
SIMILAR = 80  # rapidfuzz ratio (0-100) from which a typo counts as a near miss
_WHOLE_PHRASE_MIN = 5  # a phrase this long found whole inside the text is a near miss too


def suggest(text: str) -> str | None:
    """The command a near miss probably meant, written as a person types it; None when
    nothing is close (or the text is a command already)."""
    plain = normalise(text)
    if not plain or parse_command(text) is not Command.UNKNOWN:
        return None
    choices = [p for p, c in _PHRASES.items() if c not in _NOT_SUGGESTED]
    choices += [*_STATUS_PHRASES, *_REPORT_PHRASES, *_REMIND_PHRASES]
    from rapidfuzz import fuzz, process  # a near miss is rare: not imported at every start

    best = process.extractOne(plain, choices, scorer=fuzz.ratio, score_cutoff=SIMILAR)
    if best is None:
        # "visa mina kontroller": a whole phrase with words around it.
        contained = [c for c in choices if len(c) >= _WHOLE_PHRASE_MIN and f" {c} " in f" {plain} "]
        if not contained:
            return None
        return written(max(contained, key=len))
    return written(best[0])


def written(phrase: str) -> str:
    """A phrase of the table as a person writes it ("status helar" → "status helår")."""
    return " ".join(_ACCENTED.get(word, word) for word in phrase.split())


_PERIOD_WORDS = {"helar": Period.YEAR, "delar1": Period.T1, "delar2": Period.T2}
_PERIOD_WORDS |= {f"kvartal{q.label[-1]}": q for q in (Period.Q1, Period.Q2, Period.Q3)}


def parse_status(text: str) -> StatusQuery:
    """Read `status [helår|delår 1|delår 2] [år] [nämnd]` (or `rapport …`: the first word
    is skipped either way); what is left over is the nämnd,
    kept as typed (accents and all) so it matches the plan's Nämnd column."""
    return _period_and_year(text.split()[1:])  # the first word is "status"


def _period_and_year(words: list[str]) -> StatusQuery:
    """A period and a year among the words, and the rest as a nämnd."""
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
