"""The sheet layout both workbook backends share: sheet names, Swedish headers, formats.

Reading a plan is ``graph.plan_reader``, answers as rows are ``graph.answer_rows`` and
single cell values are ``graph.cells``; this module only names what the sheets hold and
finds those names in a header row, however people spelled them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from zoneinfo import ZoneInfo

from bot.domain.model import Period
from bot.domain.periods import parse_period_name

PLAN_SHEET = "Kontrollplan"
PLAN_TABLE = "Kontrollplan"
ANSWER_SHEET = "Uppföljning"
ANSWER_TABLE = "Uppfoljning"  # Excel table names allow letters, digits and _ only
SETTINGS_SHEET = "Inställningar"
ACTIONS_SHEET = "Åtgärder"  # åtgärder and their status (graph.action_rows)
SUMMARY_PREFIX = "Sammanställning "  # the bot's summary sheets: "Sammanställning helår 2026"
SCALE_TABLE = "Bedomningsskala"
SCALE_HEADERS = ("Bedömning", "Allvarlighet")
OWNERS_TABLE = "Ansvariga"
OWNERS_HEADERS = ("Ansvarig", "E-post")
PERIODS_TABLE = "Perioder"
PERIODS_HEADERS = ("Period", "Periodens slut", "Sista svarsdag")
REPORT_TEXTS_TABLE = "Rapporttexter"
REPORT_TEXTS_HEADERS = ("Rapporttext", "Text")
REMINDERS_TABLE = "Påminnelser"
REMINDERS_HEADERS = ("Påminnelse", "Värde")
# Settings-table columns as people may spell them; the first is what templates write.
SETTINGS_SYNONYMS: dict[str, tuple[str, ...]] = {
    "Ansvarig": ("Ansvarig", "Roll", "Funktion", "Namn", "Ansvarig roll", "Ansvarig funktion"),
    "E-post": ("E-post", "E-postadress", "Epost", "E-postadresser", "Mejl", "Mail"),
    "Period": ("Period",),
    "Periodens slut": ("Periodens slut", "Period slut", "Slutdatum", "Per", "Avser"),
    "Sista svarsdag": ("Sista svarsdag", "Svara senast", "Sista dag"),
    "Rapporttext": ("Rapporttext", "Rapporttexter", "Avsnitt"),
    "Text": ("Text", "Innehåll"),
    "Påminnelse": ("Påminnelse", "Påminnelseinställning"),
    "Värde": ("Värde", "Inställning"),
}
YEAR_WORDS = ("År", "Planår", "Planens år", "Verksamhetsår")
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
    "Underlag",
    "Dagar efter sista svarsdag",
)
# At helår: avslutat / fortsätter nästa år / nästa kontroll år ÅÅÅÅ. Written where the
# answers have the column; added (to the right) when an answer says it and the bot can add
# a column: a local file, or a sheet without a table (a Graph table keeps its columns).
CONTINUATION_HEADER = "Uppföljning"
# Columns a workbook may lack and still be written (an Excel table made before the column
# existed, which Graph cannot widen in the same write): the rest of the row is written.
OPTIONAL_ANSWER_HEADERS = ("Underlag", "Dagar efter sista svarsdag")

# Field -> accepted headers; the first one is what our own templates write. The synonyms
# come from real plans (shared/domain/REFERENCE.md §A). "Verksamhet" is a grouping (in
# Lindesberg's plan it is an Område value), never the nämnd.
PLAN_HEADERS: dict[str, tuple[str, ...]] = {
    "id": ("ID", "Nr", "Risknummer", "Risknr", "Nummer", "Löpnummer"),
    "namnd": ("Nämnd", "Förvaltning", "Styrelse"),
    "area": ("Område", "Verksamhet", "Verksamhetsområde"),
    "process": (
        "Process/rutin",
        "Process",
        "Rutin",
        "Processer/rutiner",
        "Riktlinje/rutin",
        "Riktlinje",
        "Process/rutin/riktlinje",
    ),
    "risk_text": ("Risk", "Risker", "Riskbeskrivning"),
    "failure": ("Vad kan gå fel",),
    "origin": ("Ursprunglig risk", "Riskens ursprung"),
    "probability": ("Sannolikhet",),
    "consequence": ("Konsekvens",),
    "value": ("Riskvärde", "Riskbedömning", "Risknivå"),
    "description": (
        "Kontrollmoment",
        "Kontroll",
        "Åtgärd/kontroll",
        "Kontroll/åtgärd",
        "Kontrollmoment/åtgärd",
        "Åtgärd/kontrollmoment",
        "Planerad åtgärd/kontroll",
    ),
    "method": ("Metod", "Kontrollmetod"),
    "sample": ("Urval", "Omfattning"),
    "periods": ("Period", "Frekvens", "Tidpunkt", "När"),
    "owner": (
        "Ansvarig",
        "Ansvarig funktion",
        "Ansvarig roll",
        "Ansvarig person",
        "Kontrollansvarig",
        "Ansvar",
    ),
    "owner_email": ("Ansvarig e-post", "E-post", "E-postadress", "Ansvarigs e-post"),
    "report_to": ("Rapporteras till", "Rapportering till", "Återrapporteras till"),
    "group": ("Grupp", "Perspektiv"),
    "goal": ("Mål", "Strategiskt mål", "Målområde"),
    "year": ("År", "Planår"),
    "due_date": ("Sista svarsdag",),
    "active": ("Ska kontrolleras",),
}
# Fields the init-workbook template writes (in this order); the rest are read when present.
TEMPLATE_FIELDS = (
    "id",
    "namnd",
    "area",
    "process",
    "risk_text",
    "probability",
    "consequence",
    "value",
    "description",
    "method",
    "sample",
    "periods",
    "owner",
    "due_date",
    "active",
)


def same_sheet(title: str, wanted: str) -> bool:
    """Whether a sheet's title names the sheet ``wanted``, as people type titles: case and
    surrounding blanks ignored."""
    return title.strip().casefold() == wanted.strip().casefold()


def sheet_named(titles: Iterable[str], wanted: str) -> str | None:
    """The first of these titles that names the sheet ``wanted`` (``same_sheet``)."""
    return next((t for t in titles if same_sheet(t, wanted)), None)


def may_hold_plan(sheet: str) -> bool:
    """Whether a sheet may be the plan: not the answers (also "Uppföljning delår 2017"),
    the settings or a summary sheet (whose Obesvarade table has ID, Kontrollmoment and
    Ansvarig columns too)."""
    folded = sheet.strip().casefold()
    skip = (ANSWER_SHEET.casefold(), SETTINGS_SHEET.casefold(), SUMMARY_PREFIX.casefold())
    ours = (skip[1], ACTIONS_SHEET.casefold())  # the bot's own Åtgärder sheet too
    return folded not in ours and not folded.startswith((skip[0], skip[2]))


def normalise_header(value: object) -> str:
    """A header cell made comparable: case, whitespace, parentheses and trailing ':' ignored."""
    text = str(value or "").replace("(", " ").replace(")", " ").casefold()
    text = " ".join(text.split()).replace(" / ", "/").rstrip(":* ")
    return text


_HEADER_LOOKUP = {normalise_header(h): f for f, hs in PLAN_HEADERS.items() for h in hs}


def plan_field(cell: object) -> str | None:
    """The plan field a header cell names, if any."""
    return _HEADER_LOOKUP.get(normalise_header(cell))


def plan_columns(header: Sequence[object]) -> dict[str, int]:
    """Map plan fields to column indexes (0-based); the first matching column wins."""
    columns: dict[str, int] = {}
    for index, cell in enumerate(header):
        name = _HEADER_LOOKUP.get(normalise_header(cell))
        if name is not None and name not in columns:
            columns[name] = index
    return columns


# Uppföljning headers as people typed them before the bot (Strängnäs, Lindesberg,
# Eskilstuna): the canonical header first.
ANSWER_SYNONYMS: dict[str, tuple[str, ...]] = {
    "ID": ("ID", "Nr", "Risknummer", "Risknr", "Nummer"),
    "Bedömning": ("Bedömning", "Resultat", "Status", "Utfall", "Resultat (status)"),
    "Iakttagelser": (
        "Iakttagelser",
        "Iakttagelse",
        "Kommentar",
        "Kommentarer",
        "Resultat – iakttagelser",
        "Resultat - iakttagelser",
        "Resultat/iakttagelser",
    ),
    "Åtgärd": (
        "Åtgärd",
        "Åtgärder",
        "Förslag på åtgärder",
        "Förslag på åtgärd",
        "Åtgärdsförslag",
        "Föreslagen åtgärd",
    ),
    "Åtgärdsansvarig": ("Åtgärdsansvarig", "Ansvarig för åtgärd"),
    "Besvarad av": ("Besvarad av", "Besvarat av", "Ifylld av"),
    "Besvarad": ("Besvarad", "Besvarat"),
    "Underlag": ("Underlag", "Bilagor", "Bilaga"),
    "Dagar efter sista svarsdag": ("Dagar efter sista svarsdag", "Dagar sent", "Försenat"),
}
_ANSWER_LOOKUP = {
    normalise_header(h): canonical
    for canonical in (*ANSWER_HEADERS, CONTINUATION_HEADER)
    for h in (canonical, *ANSWER_SYNONYMS.get(canonical, ()))
}
# "Resultat delår 2017", "Kommentar för helår 2021": the column and the term it is for.
_TERM_HEADER = re.compile(
    r"^(resultat|bedömning|status|utfall|kommentar|kommentarer|iakttagelser)"
    r"(?: för)? ([^\d]+?(?: \d)?)(?: (\d{4}))?$"
)
_TERM_FIELDS = {"kommentar": "Iakttagelser", "kommentarer": "Iakttagelser"}


class AnswerColumns(dict[str, int]):
    """Uppföljning headers -> column index, and the year and period a header names
    ("Resultat helår 2017"): the År and Period of rows that have no cell of their own."""

    year: int | None = None
    period: Period | None = None


def answer_columns(header: Sequence[object]) -> AnswerColumns:
    """Map Uppföljning headers to column indexes (people may move, rename or add columns)."""
    columns = AnswerColumns()
    for index, cell in enumerate(header):
        text = normalise_header(cell)
        name = _ANSWER_LOOKUP.get(text)
        if name is None:
            found = _TERM_HEADER.match(text)
            period = parse_period_name(found.group(2)) if found else None
            if found is None or period is None:
                continue
            word = found.group(1)
            name = _TERM_FIELDS.get(word, "Iakttagelser" if word == "iakttagelser" else "Bedömning")
            if columns.period is None:
                columns.period = period
                columns.year = int(found.group(3)) if found.group(3) else None
        if name not in columns:
            columns[name] = index
    return columns


def is_answer_header(columns: AnswerColumns) -> bool:
    """Whether a row's answer columns make it the Uppföljning header: an ID, and a
    Bedömning (under any of its names) or the År and Period the bot's own table has."""
    return "ID" in columns and ("Bedömning" in columns or {"År", "Period"} <= columns.keys())
