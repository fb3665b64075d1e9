"""The sheet layout both workbook backends share: sheet names, Swedish headers, formats.

Reading a plan is ``graph.plan_reader``, answers as rows are ``graph.answer_rows`` and
single cell values are ``graph.cells``; this module only names what the sheets hold and
finds those names in a header row, however people spelled them.
"""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

PLAN_SHEET = "Kontrollplan"
PLAN_TABLE = "Kontrollplan"
ANSWER_SHEET = "Uppföljning"
ANSWER_TABLE = "Uppfoljning"  # Excel table names allow letters, digits and _ only
SETTINGS_SHEET = "Inställningar"
SUMMARY_PREFIX = "Sammanställning "  # the bot's summary sheets: "Sammanställning helår 2026"
SCALE_TABLE = "Bedomningsskala"
SCALE_HEADERS = ("Bedömning", "Allvarlighet")
STOCKHOLM = ZoneInfo("Europe/Stockholm")
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
DATE_FORMAT = "yyyy-mm-dd"

ANSWER_HEADERS = (
    "ID",
    "År",
    "Period",
    "Bedömning",
    "Antal kontrollerade",
    "Antal avvikelser",
    "Iakttagelser",
    "Analys",
    "Åtgärd",
    "Åtgärdsansvarig",
    "Klart senast",
    "Besvarad av",
    "Besvarad",
    "Svar-ID",
)

# Field -> accepted headers; the first one is what our own templates write.
PLAN_HEADERS: dict[str, tuple[str, ...]] = {
    "id": ("ID", "Nr", "Risknummer", "Risknr"),
    "namnd": ("Nämnd", "Förvaltning", "Verksamhet"),
    "area": ("Område",),
    "process": ("Process/rutin", "Process", "Rutin", "Processer/rutiner", "Riktlinje/rutin"),
    "risk_text": ("Risk", "Risker"),
    "probability": ("Sannolikhet",),
    "consequence": ("Konsekvens",),
    "value": ("Riskvärde", "Riskbedömning"),
    "description": ("Kontrollmoment", "Kontroll"),
    "method": ("Metod",),
    "sample": ("Urval",),
    "periods": ("Period", "Frekvens", "Tidpunkt"),
    "owner": ("Ansvarig", "Ansvarig e-post"),
    "due_date": ("Sista svarsdag",),
    "active": ("Ska kontrolleras",),
}


def may_hold_plan(sheet: str) -> bool:
    """Whether a sheet may be the plan: not the answers, the settings or a summary sheet
    (whose Obesvarade table has ID, Kontrollmoment and Ansvarig columns too)."""
    folded = sheet.strip().casefold()
    skip = (ANSWER_SHEET.casefold(), SETTINGS_SHEET.casefold())
    return folded not in skip and not folded.startswith(SUMMARY_PREFIX.casefold())


def normalise_header(value: object) -> str:
    """A header cell made comparable: case, whitespace, parentheses and trailing ':' ignored."""
    text = str(value or "").replace("(", " ").replace(")", " ").casefold()
    text = " ".join(text.split()).replace(" / ", "/").rstrip(":* ")
    return text


_HEADER_LOOKUP = {normalise_header(h): f for f, hs in PLAN_HEADERS.items() for h in hs}


def plan_columns(header: Sequence[object]) -> dict[str, int]:
    """Map plan fields to column indexes (0-based); the first matching column wins."""
    columns: dict[str, int] = {}
    for index, cell in enumerate(header):
        name = _HEADER_LOOKUP.get(normalise_header(cell))
        if name is not None and name not in columns:
            columns[name] = index
    return columns


def answer_columns(header: Sequence[object]) -> dict[str, int]:
    """Map Uppföljning headers to column indexes (people may move or add columns)."""
    wanted = {normalise_header(h): h for h in ANSWER_HEADERS}
    columns: dict[str, int] = {}
    for index, cell in enumerate(header):
        name = wanted.get(normalise_header(cell))
        if name is not None and name not in columns:
            columns[name] = index
    return columns
