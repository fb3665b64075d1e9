"""Which nämnder and years the plans cover, so a status or report for one that does not
exist says so (with a "Menade du …?" for a near miss) instead of showing nothing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.domain.model import Plan

_CUTOFF = 75  # WRatio: "socialnamnden" → "Socialnämnden" ~92; any "…nämnden" ~69


@dataclass(frozen=True, slots=True)
class UnknownNamnd:
    """The nämnd asked for is in no plan: the ones there are, and the nearest names."""

    asked: str
    known: tuple[str, ...]
    suggestions: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class NoPlanForYear:
    """No plan covers the year asked for: the years there are plans for."""

    year: int
    years: tuple[int, ...]


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


def namnder(plans: Sequence[Plan]) -> list[str]:
    """Every nämnd the plans name (a control without one counts under its plan's title)."""
    seen: dict[str, str] = {}
    for plan in plans:
        for control in plan.controls:
            name = control.namnd.strip() or plan.label
            seen.setdefault(_fold(name), " ".join(name.split()))
    return sorted(seen.values(), key=str.casefold)


def check_namnd(plans: Sequence[Plan], asked: str | None) -> UnknownNamnd | None:
    """None when ``asked`` is empty or names a nämnd of the plans; else what there is."""
    if not asked or not asked.strip():
        return None
    known = namnder(plans)
    if _fold(asked) in {_fold(k) for k in known}:
        return None
    from rapidfuzz import fuzz, process, utils  # a misspelt nämnd is rare: imported then

    found = process.extract(
        asked, known, scorer=fuzz.WRatio, processor=utils.default_process, limit=3
    )
    suggestions = tuple(name for name, score, _ in found if score >= _CUTOFF)
    return UnknownNamnd(asked.strip(), tuple(known), suggestions)


def check_year(plans: Sequence[Plan], year: int | None) -> NoPlanForYear | None:
    """None when some plan covers ``year`` (a plan without a year covers every year)."""
    if year is None or not plans:
        return None
    years = {p.year for p in plans}
    if None in years or year in years:
        return None
    return NoPlanForYear(year, tuple(sorted(y for y in years if y is not None)))
