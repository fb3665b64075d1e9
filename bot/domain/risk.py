"""Risk levels: the bands of a riskvärde, a traffic-light Riskvärde, and the risk matrix.

Pure domain logic; ``bot.domain.status`` counts controls into a ``RiskMatrix``.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.model import Risk

# Risk bands by riskvärde (sannolikhet × konsekvens). Lindesberg's 2018 heat-map legend
# (REFERENCE §A) reads Kritisk / Medium / Låg with "14 Medium, Totalt: 16"; its 16 risks
# have the values 12 (×2), 8 (×3), 6 (×10) and 4 (×1), so the two 12s are Kritisk and the
# 4, 6 and 8s are the 14 Medium. Hence 4–8 Medium and 12 Kritisk; 9 (3×3) is put with the
# values above 8, and 1–3 (only reachable with a 1 on an axis) are Låg.
RISK_BANDS = ((3, "Låg"), (8, "Medium"), (16, "Kritisk"))
RISK_AXIS = range(1, 5)
BAND_ORDER = ("Kritisk", "Medium", "Låg")  # most serious first, as lists show them
# A Riskvärde written as a traffic light (Eskilstuna's report; PwC recommends grön/gul/röd).
_COLOURS = {
    "grön": "Låg",
    "grönt": "Låg",
    "gul": "Medium",
    "gult": "Medium",
    "röd": "Kritisk",
    "rött": "Kritisk",
}
# For ordering deviations by risk when only a colour is known: a value inside the band.
_BAND_SCORES = {"Låg": 2, "Medium": 6, "Kritisk": 12}


def band_ranges() -> list[tuple[str, int, int]]:
    """Each band with its lowest and highest riskvärde: [("Låg", 1, 3), …]."""
    ranges, lower = [], 1
    for upper, band in RISK_BANDS:
        ranges.append((band, lower, upper))
        lower = upper + 1
    return ranges


def risk_band(score: int) -> str:
    """The Swedish band (Låg / Medium / Kritisk) of a riskvärde 1–16."""
    for upper, label in RISK_BANDS:
        if score <= upper:
            return label
    return RISK_BANDS[-1][1]


def colour_band(text: str) -> str | None:
    """The band of a traffic-light Riskvärde ("Grön", "Röd", "gul"); None if not a colour."""
    return _COLOURS.get(" ".join(text.split()).casefold().rstrip("."))


def band_of(risk: Risk) -> str | None:
    """A control's band: from its riskvärde, else from a colour; None when not assessed."""
    score = risk.score
    if score is not None:
        return risk_band(score)
    return colour_band(risk.label) if risk.label else None


def sort_score(risk: Risk) -> int:
    """The riskvärde for ordering (a colour counts as a value inside its band); 0 if none."""
    score = risk.score
    if score is not None:
        return score
    band = band_of(risk)
    return _BAND_SCORES[band] if band else 0


@dataclass(frozen=True, slots=True)
class RiskCell:
    """One cell of the 4×4 risk matrix."""

    probability: int
    consequence: int
    controls: int
    deviations: int

    @property
    def score(self) -> int:
        """The cell's riskvärde."""
        return self.probability * self.consequence

    @property
    def band(self) -> str:
        """Låg / Medium / Kritisk."""
        return risk_band(self.score)


@dataclass(frozen=True, slots=True)
class BandCount:
    """Due controls and deviations in one band (for plans with a riskvärde or a colour but
    no sannolikhet × konsekvens)."""

    band: str
    controls: int
    deviations: int


@dataclass(frozen=True, slots=True)
class RiskMatrix:
    """Due controls and deviations per sannolikhet × konsekvens, and per band."""

    cells: tuple[RiskCell, ...]  # probability-major: (1,1), (1,2) … (4,4)
    unassessed: int  # due controls "utan riskbedömning" (neither axes, value nor colour)
    unassessed_deviations: int
    bands: tuple[BandCount, ...] = ()  # Kritisk, Medium, Låg: every control with a band
    unbanded: int = 0  # due controls with no band at all (no axes, value or colour)

    def cell(self, probability: int, consequence: int) -> RiskCell:
        """The cell for sannolikhet and konsekvens (1–4 each)."""
        return self.cells[(probability - 1) * 4 + (consequence - 1)]

    @property
    def has_cells(self) -> bool:
        """Whether any due control has sannolikhet × konsekvens (a matrix is worth showing)."""
        return any(cell.controls for cell in self.cells)

    @property
    def has_bands(self) -> bool:
        """Whether any due control has a riskvärde or a colour."""
        return any(b.controls for b in self.bands)
