"""Swedish wording shared by the cards and the text reports (no locale needed)."""

from __future__ import annotations

from datetime import date

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
