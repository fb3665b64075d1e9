"""Swedish wording shared by the cards and the text reports (no locale needed)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from bot.domain.model import Severity

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
    """The progress line, e.g. "34 av 41 kontrollmoment besvarade (83 %)", or that nothing
    is due."""
    if not due:
        return "Inga kontrollmoment ska följas upp denna period."
    return f"{answered} av {due} kontrollmoment besvarade ({percent} %)"


def class_counts(by_class: Mapping[Severity, int], unknown: int, interim: bool) -> str:
    """The class counts, e.g. "Ingen avvikelse 4 · Mindre avvikelse 2 · …": every class
    (Följs upp senare only at a delår or when counted), then the unknown labels if any."""
    parts = [
        f"{SEVERITY_NAMES[s]} {by_class.get(s, 0)}"
        for s in SEVERITY_ORDER
        if s is not Severity.DEFERRED or interim or by_class.get(s)
    ]
    if unknown:
        parts.append(f"Okänd bedömning {unknown}")
    return " · ".join(parts)
