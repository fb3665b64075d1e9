"""What a typed message means: tolerant of case, accents, punctuation and extra spaces."""

from __future__ import annotations

import enum
import re
import unicodedata


class Command(enum.Enum):
    """The things a person can ask for by typing."""

    LIST = "list"
    HELP = "help"
    GREETING = "greeting"
    UNKNOWN = "unknown"


_PHRASES = {
    "mina kontroller": Command.LIST,
    "mina kontrollmoment": Command.LIST,
    "kontroller": Command.LIST,
    "kontrollmoment": Command.LIST,
    "svara": Command.LIST,
    "lista": Command.LIST,
    "hjalp": Command.HELP,
    "help": Command.HELP,
    "meny": Command.HELP,
    "hej": Command.GREETING,
    "hallo": Command.GREETING,
    "start": Command.GREETING,
}


def normalise(text: str) -> str:
    """Lower case, accents removed ("hjälp" → "hjalp"), punctuation and extra spaces dropped."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    words = re.sub(r"[^\w@.\- ]+", " ", plain).split()
    return " ".join(words).strip(".-")


def parse_command(text: str) -> Command:
    """The command a message asks for."""
    return _PHRASES.get(normalise(text), Command.UNKNOWN)
