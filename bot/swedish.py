"""Swedish wording shared by the cards and the text reports (no locale needed)."""

from __future__ import annotations

from datetime import date

from bot.model import Severity

_MONTHS = (
    "januari",
    "februari",
    "mars",
    "april",
    "maj",
    "juni",
    "juli",
    "augusti",
    "september",
    "oktober",
    "november",
    "december",
)


def format_date(day: date) -> str:
    """A date the Swedish way, e.g. "14 januari 2027"."""
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


# The order severity classes are counted and listed in, and their names in summaries.
SEVERITY_ORDER = (
    Severity.OK,
    Severity.MINOR,
    Severity.MAJOR,
    Severity.NOT_PERFORMED,
    Severity.DEFERRED,
)
SEVERITY_NAMES = {
    Severity.OK: "Ingen avvikelse",
    Severity.MINOR: "Mindre avvikelse",
    Severity.MAJOR: "Större avvikelse",
    Severity.NOT_PERFORMED: "Ej genomförd",
    Severity.DEFERRED: "Följs upp senare",
}


def progress(answered: int, due: int, percent: int) -> str:
    """ "34 av 41 kontrollmoment besvarade (83 %)", or that nothing is due."""
    if not due:
        return "Inga kontrollmoment ska följas upp denna period."
    return f"{answered} av {due} kontrollmoment besvarade ({percent} %)"
