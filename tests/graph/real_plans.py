# ruff: noqa: E501  (verbatim CSV rows)
"""Three real plans as their kommuner wrote them, as .xlsx workbooks for the tests.

Built from the real plans and outcomes in shared/domain/plans/ (Lindesberg delår 2017,
Strängnäs helår 2017, Eskilstuna 2021; the CSV text is embedded, so the tests need no
shared folder) in the shape their documents show: title rows above the table, functions
and names as ansvarig (the documents name none per control; the functions are what
Strängnäs calls "flera olika funktioner inom kommunstyrelsens verksamheter"), the
documents' own period words, Eskilstuna's perspektiv and strategiskt mål as section
rows, Strängnäs' "Kontroll" over Urval and Metod as a two-row header, each kommun's own
result words typed by hand into an Uppföljning sheet with its own headers, and the
Perioder and Bedömningsskala tables a kommun would add. The e-mail addresses are
fictitious (@example.com).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import openpyxl
from openpyxl.worksheet.worksheet import Worksheet

from bot.domain.model import Period
from bot.domain.periods import Term
from graph import layout
from tests.bot.domain.status_data import LINDESBERG_KLK_2017_DELAR, STRANGNAS_KS_HELAR_2017

ESKILSTUNA_KS_2021 = """\
Nr,Perspektiv,Strategiskt mål,Risk,Ursprunglig risk,Kontrollmoment,Kommentar för helår 2021,Status
1,Hållbar utveckling,Attraktiv stad och landsbygd,Risk att organisationen fattar fel beslut eller gör felaktiga prioriteringar på grund av bristande analys av tidigare utfall vilket leder till ineffektivitet och sämre måluppfyllelse.,"Förvaltning, ny 2021",Arbetssätt för att systematiskt identifiera väsentliga avvikelser tas fram och tillämpas; analyser av avvikelser och förslag på åtgärder presenteras vid delårs- och helårsrapportering.,Handledning för analys är klar och testad.,Kontrollmomentet är avslutat
2,Hållbar utveckling,Attraktiv stad och landsbygd,Risk att samverkan inom förvaltningen kring kommungemensamma frågor uteblir på grund av bristande samordning vilket leder till att förändringsarbete försvåras och politiska mål inte uppnås.,"Förvaltning, ny 2021",Planera arbetet utifrån årshjulet; hitta synergier mellan avdelningarna.,Roller tydliggjorda; årshjul upprättat i Hypergene.,Kontrollmomentet är avslutat
3,Hållbar utveckling,Attraktiv stad och landsbygd,Risk att beslutsunderlag i ärenden till kommunstyrelsen inte innehåller alla relevanta perspektiv på grund av att bestämda arbetssätt och rutiner inte tillämpas.,"Förvaltning, kvarstår från 2019 men är omarbetad",Kontroll under andra halvan av 2021 av att arbetssätt och rutiner tillämpas.,Implementeringen pausad på grund av vakanser och prioriteringar.,Följs upp under 2022
4,Effektiv organisation,Attraktiv arbetsgivare,Risk att arbetsmiljön blir försämrad på grund av stort pågående förändringsarbete vilket kan leda till oro och sjukskrivning bland medarbetarna.,Förvaltning,Utveckla stödunderlag och utbilda chefer i förändringsledning.,Ingen ökning av sjukfrånvaron.,Kontrollmomentet är avslutat
5,Effektiv organisation,Stabil ekonomi,Risk för att attestreglemente inklusive tillämpningsanvisningar inte efterlevs vilket kan leda till att ekonomiska transaktioner attesteras felaktigt.,"Förvaltning, obligatorisk varje år",Kontroll av attest på fakturor över 1 000 000 kr inkl. moms bokförda 2021 (35 fakturor).,Granskningen föranledde ingen anmärkning.,Kontrollmomentet för 2021 är avslutat
6,Effektiv organisation,Stabil ekonomi,Risk att beslutsfattare inte kan fatta välgrundade beslut avseende investeringar då beslutsunderlag och uppföljningar är bristfälliga.,Uppsiktsplikt,Steg 1 sommaren 2021: slumpmässigt urval av investeringsprojekt över 5 mnkr; steg 2 mars 2023: slutredovisningar.,Beslutsunderlag finns för alla 14 projekt som startar 2022 och för 12 av 30 planerade 2023–2026.,Kontrollmomentet för 2021 är avslutat; nästa kontroll 2023
"""


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@dataclass(frozen=True)
class RealPlan:
    """One real plan as a workbook: how to write it, and what its documents say."""

    file: str
    term: Term
    today: date
    roles: Mapping[str, Sequence[int]]  # every ansvarig the plan names -> its Excel rows
    owners: Mapping[str, str]  # the Ansvariga rows a kommun adds (role -> e-mail cell)
    counts: Mapping[str, int]  # the real outcome counts, in the kommun's own words


def _sheet(book: openpyxl.Workbook, title: str) -> Worksheet:
    ws = book.active
    ws.title = title
    return ws


def _put(ws: Worksheet, rows: Sequence[Sequence[object]]) -> None:
    for row in rows:
        ws.append(list(row))


def _settings(
    book: openpyxl.Workbook,
    *,
    scale: Sequence[tuple[str, str]] = (),
    periods: Sequence[tuple[str, object, object]] = (),
    owners: Mapping[str, str] | None = None,
) -> None:
    """The Inställningar sheet as a kommun fills it in: tables side by side or one below
    the other, written with the people's own words (Allvarlighet: Fungerar, Avvikelse …)."""
    ws = book.create_sheet(layout.SETTINGS_SHEET)
    row = 1
    if scale:
        ws.cell(row, 1, "Bedömning")
        ws.cell(row, 2, "Allvarlighet")
        for offset, (label, severity) in enumerate(scale, start=1):
            ws.cell(row + offset, 1, label)
            ws.cell(row + offset, 2, severity)
        row += len(scale) + 2  # a blank row between the tables
    if periods:
        for col, header in enumerate(("Period", "Periodens slut", "Sista svarsdag"), start=1):
            ws.cell(row, col, header)
        for offset, values in enumerate(periods, start=1):
            for col, value in enumerate(values, start=1):
                ws.cell(row + offset, col, value)
        row += len(periods) + 2
    if owners is not None:
        ws.cell(row, 1, "Ansvarig")
        ws.cell(row, 2, "E-post")
        for offset, (name, emails) in enumerate(owners.items(), start=1):
            ws.cell(row + offset, 1, name)
            ws.cell(row + offset, 2, emails)


# --- Lindesberg, Kommunledningskontoret, delår (januari–juni) 2017 -------------------------

# The functions that plausibly own each of Lindesberg's 16 controls.
_LINDESBERG_OWNERS = {
    "1": "Upphandlingschef",
    "2": "Kommunarkivarie",
    "3": "Kommunarkivarie",
    "4": "IT-chef",
    "5": "IT-chef",
    "6": "IT-chef",
    "7": "Kostchef",
    "8": "HR-chef",
    "9": "HR-chef",
    "10": "HR-chef",
    "11": "Kostchef",
    "12": "Ekonomichef",
    "13": "Ekonomichef",
    "14": "Ekonomichef",
    "15": "Ekonomichef",
    "16": "Ekonomichef",
}
# "I samband med delårsbokslutet kontrolleras fem områden och övriga … vid årsbokslutet";
# the delår 2017 follow-up reports on all 16 (seven as "följs upp/kontrolleras på helår").
_LINDESBERG_WHEN = {
    "1": "Vid delårsbokslutet och årsbokslutet",
    "2": "Halvårsvis",
    "3": "Halvårsvis",
    "4": "Vid delår och helår",
    "5": "Vid delår och helår",
    "6": "Halvårsvis",
    "7": "Vid delårsbokslutet och årsbokslutet",
}
LINDESBERG = RealPlan(
    "lindesberg-klk-2017.xlsx",
    Term(2017, Period.T1),
    date(2017, 8, 21),  # the follow-up went to Utskottet för stöd och strategi that day
    {
        "Upphandlingschef": [5],
        "Kommunarkivarie": [6, 7],
        "IT-chef": [8, 9, 10],
        "Kostchef": [11, 15],
        "HR-chef": [12, 13, 14],
        "Ekonomichef": [16, 17, 18, 19, 20],
    },
    {
        "Upphandlingschef": "upphandling@example.com",
        "Kommunarkivarie": "arkiv@example.com",
        "IT-chef": "it.chef@example.com",
        "Kostchef": "kost@example.com",
        "HR-chef": "hr.chef@example.com",
        "Ekonomichef": "ekonomichef@example.com; redovisning@example.com",
    },
    {
        "Ingen avvikelse": 4,
        "Mindre avvikelse": 2,
        "Större avvikelse": 2,
        "Följs upp på helår": 5,
        "Kontrolleras över helår": 2,
        "Inte kontrollerat": 1,
    },
)


def lindesberg_delar_2017(folder: Path, *, mapped: bool = False) -> Path:
    """Kommunledningskontoret's plan with its delår 2017 results typed into Uppföljning.

    One delår, januari–juni (reported in August): a Perioder table says so. The results
    use Lindesberg's own words, which the default scale understands.
    """
    book = openpyxl.Workbook()
    ws = _sheet(book, "Internkontrollplan 2017")
    _put(
        ws,
        [
            ["Internkontrollplan 2017 – Kommunledningskontoret"],
            ["Lindesbergs kommun. Uppföljning januari–juni 2017 vid delårsbokslutet."],
            [],
            [
                "Nr",
                "Område",
                "Processer/rutiner",
                "Risker",
                "Vad kan gå fel",
                "Kontrollmoment",
                "Tidpunkt",
                "Ansvarig",
            ],
        ],
    )
    for row in _rows(LINDESBERG_KLK_2017_DELAR):
        nr = row["Nr"]
        ws.append(
            [
                int(nr),
                row["Område"],
                row["Process/rutin"],
                row["Risk"],
                row["Vad kan gå fel"] or None,
                row["Kontrollmoment"],
                _LINDESBERG_WHEN.get(nr, "Delår och helår"),
                _LINDESBERG_OWNERS[nr],
            ]
        )
    answers = book.create_sheet(layout.ANSWER_SHEET)
    answers.append(["Nr", "Resultat delår 2017", "Kommentar"])
    for row in _rows(LINDESBERG_KLK_2017_DELAR):
        answers.append([int(row["Nr"]), row["Resultat delår 2017"], row["Kommentar"] or None])
    _settings(
        book,
        periods=[("Delår", "30 juni", "31 augusti"), ("Helår", "31 december", "31 januari")],
        owners=LINDESBERG.owners if mapped else None,
    )
    return _save(book, folder / LINDESBERG.file)


# --- Strängnäs, kommunstyrelsen, helår 2017 ------------------------------------------------

# Functions (and one person, by name) as the tjänsteskrivelse's åtgärder name them.
_STRANGNAS_OWNERS = {
    "1": "Säkerhetschef",
    "2": "HR-avdelningen",
    "3": "Kommunikationsavdelningen",
    "4": "Ekonomiavdelningen",
    "5": "Ekonomiavdelningen",
    "6": "Kanslichef",
    "7": "Karin Berg",
    "8": "Informationssäkerhetssamordnare",
    "9": "HR-avdelningen, IT-avdelningen",
}
_STRANGNAS_WHEN = {
    "1": "Andra halvåret",
    "2": "Årligen",
    "3": "Årligen",
    "4": "Helår",
    "5": "Halvårsvis",  # "Stickprov halvårsvis, nu 1 juli – 31 december 2017"
    "6": "Helår",
    "7": "Helår",
    "8": "En gång per år",
    "9": "Årsvis",
}
STRANGNAS_WORDS = (
    ("Process/rutin/riktlinje fungerar", "Fungerar"),
    ("Process/rutin/riktlinje fungerar men behöver utvecklas", "Förbättringsområde"),
    ("Avvikelser mot beskrivning av process/rutin/riktlinje har konstaterats", "Avvikelse"),
    ("Avvikelse mot beskrivning av process/rutin/riktlinje har konstaterats", "Avvikelse"),
    ("Dokumenterad beskrivning av process/rutin/riktlinje saknas", "Avvikelse"),
)
STRANGNAS = RealPlan(
    "strangnas-ks-2017.xlsx",
    Term(2017, Period.YEAR),
    date(2018, 1, 22),  # the date of the helår report
    {
        "Säkerhetschef": [5],
        "HR-avdelningen": [6, 13],
        "Kommunikationsavdelningen": [7],
        "Kanslichef": [10],
        "Karin Berg": [11],
        "Informationssäkerhetssamordnare": [12],
        "IT-avdelningen": [13],
    },
    {
        "Säkerhetschef": "sakerhet@example.com",
        "HR-avdelningen": "hr@example.com",
        "Kommunikationsavdelningen": "kommunikation@example.com",
        "Kanslichef": "kansli@example.com",
        "Karin Berg": "karin.berg@example.com",
        "Informationssäkerhetssamordnare": "infosak@example.com",
        "IT-avdelningen": "it@example.com",
    },
    {
        "Process/rutin/riktlinje fungerar men behöver utvecklas": 4,
        "Avvikelser mot beskrivning av process/rutin/riktlinje har konstaterats": 4,
        "Dokumenterad beskrivning av process/rutin/riktlinje saknas": 1,
    },
)


def strangnas_helar_2017(folder: Path, *, mapped: bool = False) -> Path:
    """Kommunstyrelsen's 9 controls with the "Kontroll" header over Urval and Metod, and
    the helår 2017 results, iakttagelser and åtgärder typed into Uppföljning.

    The Ansvariga table already maps Ekonomiavdelningen (two addresses, on two rows);
    ``mapped`` adds the rest.
    """
    book = openpyxl.Workbook()
    ws = _sheet(book, "Kontrollplan")
    upper = ["Nr", "Riktlinje/rutin", "Kontrollmoment", "Kontroll", None, "Tidpunkt", "Ansvarig"]
    lower = [None, None, None, "Urval", "Metod", None, None]
    _put(
        ws,
        [
            ["Internkontroll kommunstyrelsen, uppföljning helår 2017"],
            ["Strängnäs kommun"],
            upper,
            lower,
        ],
    )
    # As people merge a two-row header: each single header over both rows, "Kontroll"
    # across its two columns.
    for column in "ABCFG":
        ws.merge_cells(f"{column}3:{column}4")
    ws.merge_cells("D3:E3")
    for row in _rows(STRANGNAS_KS_HELAR_2017):
        nr = row["Nr"]
        ws.append(
            [
                int(nr),
                row["Riktlinje/rutin"],
                row["Kontrollmoment"],
                row["Urval"],
                row["Metod"],
                _STRANGNAS_WHEN[nr],
                _STRANGNAS_OWNERS[nr],
            ]
        )
    answers = book.create_sheet(layout.ANSWER_SHEET)
    answers.append(["Nr", "Resultat helår 2017", "Iakttagelser", "Förslag på åtgärder"])
    for row in _rows(STRANGNAS_KS_HELAR_2017):
        answers.append(
            [
                int(row["Nr"]),
                row["Resultat helår 2017"],
                row["Iakttagelser"],
                row["Förslag på åtgärder"],
            ]
        )
    owners = {"Ekonomiavdelningen": "ekonomi@example.com"}
    if mapped:
        owners |= dict(STRANGNAS.owners)
    _settings(book, scale=STRANGNAS_WORDS, owners=owners)
    ws = book[layout.SETTINGS_SHEET]
    ws.append(["Ekonomiavdelningen", "ekonomichef@example.com"])  # a second row, same role
    return _save(book, folder / STRANGNAS.file)


# --- Eskilstuna, kommunstyrelsen, slutrapport 2021 ------------------------------------------

# Eskilstuna's report has a Riskvärde per control whose value was lost in the text (a
# colour symbol); these colours are illustrative.
_ESKILSTUNA_COLOUR = {"1": "Gul", "2": "Gul", "3": "Röd", "4": "Gul", "5": "Grön", "6": "Röd"}
_ESKILSTUNA_WHEN = {
    "1": "Vid delår och helår",  # analyses "presenteras vid delårs- och helårsrapportering"
    "2": "Löpande",
    "3": "Andra halvåret",  # "Kontroll under andra halvan av 2021"
    "4": "Löpande",
    "5": "Årligen",  # "obligatorisk varje år"
    "6": "En gång per år",  # steg 1 sommaren 2021, steg 2 mars 2023
}
_ESKILSTUNA_OWNERS = {
    "1": "Administrativ direktör",
    "2": "Administrativ direktör",
    "3": "Kommunsekreterare",
    "4": "HR-direktör",
    "5": "Ekonomidirektör",
    "6": "Ekonomidirektör",
}
ESKILSTUNA_SCALE = (
    ("Kontrollmomentet är avslutat", "Avslutad"),
    ("Kontrollmomentet för 2021 är avslutat", "Avslutad"),
    ("Kontrollmomentet för 2021 är avslutat; nästa kontroll 2023", "OK"),
    ("Följs upp under 2022", "Följs upp senare"),
)
ESKILSTUNA_TITLE = "Slutrapport för internkontroll 2021 – kommunstyrelsen"
ESKILSTUNA = RealPlan(
    "eskilstuna-ks-2021.xlsx",
    Term(2021, Period.YEAR),
    date(2022, 2, 1),
    {
        "Administrativ direktör": [6, 7],
        "Kommunsekreterare": [8],
        "HR-direktör": [11],
        "Ekonomidirektör": [13, 14],
    },
    {
        "Administrativ direktör": "adm.direktor@example.com",
        "Kommunsekreterare": "kommunsekreterare@example.com",
        "HR-direktör": "hr.direktor@example.com",
        "Ekonomidirektör": "ekonomidirektor@example.com",
    },
    {
        "Kontrollmomentet är avslutat": 3,
        "Följs upp under 2022": 1,
        "Kontrollmomentet för 2021 är avslutat": 1,
        "Kontrollmomentet för 2021 är avslutat; nästa kontroll 2023": 1,
    },
)


def eskilstuna_2021(folder: Path, *, mapped: bool = False) -> Path:
    """The 6 controls under section rows (perspektiv, then strategiskt mål in capitals, as
    the report prints them), Åtgärd/kontroll and a traffic-light Riskvärde, a notes column,
    and the helår comment and closing status typed into Uppföljning under the report's
    own headers."""
    book = openpyxl.Workbook()
    ws = _sheet(book, "Internkontroll 2021")
    header = [
        "Nr",
        "Risk",
        "Ursprunglig risk",
        "Åtgärd/kontroll",
        "Riskvärde",
        "Tidpunkt",
        "Ansvarig",
        "Anteckningar",
    ]
    _put(ws, [[ESKILSTUNA_TITLE], ["Eskilstuna kommun"], header])
    width = len(header)
    previous: tuple[str, str] = ("", "")
    for row in _rows(ESKILSTUNA_KS_2021):
        perspective, goal = row["Perspektiv"], row["Strategiskt mål"]
        sections = []
        if perspective != previous[0]:
            sections += [perspective, goal.upper()]
        elif goal != previous[1]:
            sections.append(goal.upper())
        for text in sections:
            ws.append([text])
            line = ws.max_row
            ws.merge_cells(start_row=line, start_column=1, end_row=line, end_column=width)
        previous = (perspective, goal)
        nr = row["Nr"]
        ws.append(
            [
                int(nr),
                row["Risk"],
                row["Ursprunglig risk"],
                row["Kontrollmoment"],
                _ESKILSTUNA_COLOUR[nr],
                _ESKILSTUNA_WHEN[nr],
                _ESKILSTUNA_OWNERS[nr],
                "KPMG 2019" if nr == "6" else None,
            ]
        )
    answers = book.create_sheet(layout.ANSWER_SHEET)
    answers.append(["Nr", "Kommentar för helår 2021", "Status"])
    for row in _rows(ESKILSTUNA_KS_2021):
        answers.append([int(row["Nr"]), row["Kommentar för helår 2021"], row["Status"]])
    _settings(book, scale=ESKILSTUNA_SCALE, owners=ESKILSTUNA.owners if mapped else None)
    return _save(book, folder / ESKILSTUNA.file)


def _save(book: openpyxl.Workbook, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


REAL_PLANS = {
    "lindesberg": (LINDESBERG, lindesberg_delar_2017),
    "strangnas": (STRANGNAS, strangnas_helar_2017),
    "eskilstuna": (ESKILSTUNA, eskilstuna_2021),
}
