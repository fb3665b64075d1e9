# ruff: noqa: E501  (verbatim CSV rows)
"""Real follow-up data for the status tests, embedded so the tests need no /work/shared.

Copied verbatim from shared/domain/plans/: Lindesberg's delår 2017 follow-up (16 controls,
REFERENCE §E2) and Strängnäs KS helår 2017 (9 controls, REFERENCE §E3).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime

from bot.domain.model import (
    Action,
    Answer,
    Control,
    OutcomeOption,
    OutcomeScale,
    Period,
    Plan,
    Severity,
)
from bot.domain.periods import Term

LINDESBERG_KLK_2017_DELAR = """\
Nr,Område,Process/rutin,Risk,Vad kan gå fel,Kontrollmoment,Resultat delår 2017,Kommentar
1,Verksamhet,Inköp,Att ramavtalet gällande livsmedel inte följs,Använder leverantörer utanför avtal. Får betala ett högre pris för varor,Att inga andra leverantörer har använts gällande upphandlade livsmedel,Mindre avvikelse,Mindre avvikelser på alla förvaltningar; akuta småinköp där upphandling saknas. Information och dialog under hösten.
2,Verksamhet,Arkiverade handlingar,Fel hantering av handlingar,Handlingar når inte slutarkiv,Kontroll av vart handlingar finns,Större avvikelse,"Stickprov inom socialförvaltningen, barn- och utbildningsförvaltningen och samhällsbyggnadsförvaltningen. Platsbrist: handlingar kan inte levereras till slutarkiv; närarkiv saknas eller är för små."
3,Verksamhet,Arkiverade handlingar,Handlingar förvaras felaktigt eller i bristfälliga lokaler,"Handlingar skadas av brand, vattenskada eller fukt",Förvaring av arkiverade handlingar,Större avvikelse,Kommunarkivet blandar slutarkivering och gallringsbart; arkivlokalen uppfyller inte arkivlagens krav på brandskydd.
4,Verksamhet,Feltolerans i datanätverket,Avbrott i datanätet,Totalstopp i alla data- och telekommunikation i kommunen,Feltoleranstest av datanätverket,Följs upp på helår,
5,Verksamhet,Feltolerans i telefonin,Avbrott i telefoni,Störningar eller avbrott i inkommande och/eller utgående telefoni,Feltoleranstest av telefonin,Mindre avvikelse,Initiala tester visade brister i redundansen; åtgärdas och nytt test under hösten.
6,Verksamhet,Test återläsning av backup,Att backup inte fungerar för våra IT-system,,En fil från slumpmässigt valt system återläses,Ingen avvikelse,Teståterläsning av e-postbrevlåda utförd. Återläsningen lyckades.
7,Verksamhet,Hantering av specialkost,Att en person får fel mat i samband med livsmedelsallergier/känslighet,,Regelbunden rapportering kring hantering av specialkost,Ingen avvikelse,Ingen händelse av fel serverad specialkost har rapporterats.
8,Personal,Anställningsavtal,Att anställningsavtalet blir felregistrerat och att felaktig lön utbetalas eller felaktig LAS-registrering,,Att skriftliga anställningsavtal registreras korrekt i PA/lönesystemet,Kontrolleras över helår,
9,Personal,Löneskuld,Att löneskuld uppstår på grund av att handlingar inte skickas in i tid alternativt frånvaro beviljas av chef i självservice för sent,,Att kontrollera förekomst av löneskuld,Kontrolleras över helår,
10,Personal,Hantering av förlorad arbetsförtjänst för politiker,Att felaktiga belopp utbetalas för förlorad arbetsförtjänst,,Att rätt belopp är utbetalt,Inte kontrollerat,Endast en politiker har fått ersättning enligt de nya bestämmelserna; kontroll görs vid helår.
11,Personal,Utbildningsplaner,"Att personalen inte har kunskaper om regler och nyheter gällande hantering av livsmedel, som kan leda till att personer som äter maten blir sjuka",,Har utbildningsplanen för de anställda följts,Ingen avvikelse,Utbildningsplanen har följts; fortbildning inplanerad hösten 2017.
12,Ekonomi,Attest för nya användare,Att attest ges i ekonomisystemet till personer som saknas i den upprättade attestförteckningen,,Att upprättade attestförteckningar stämmer överens med attesterna i ekonomisystemet,Följs upp på helår,
13,Ekonomi,Rutin för utlämnande av rekvisitionsblock,Att obehörig person kvitterar ut ett rekvisitionsblock,,Att rekvisitionsblocken är uttagna av personer med beslutsattestbehörighet,Följs upp på helår,
14,Ekonomi,"Hantering av bensinkort, bensinkvitton och fakturor",Att bensinkorten används felaktigt,,Att det finns kvitton för samtliga kortköp,Följs upp på helår,
15,Ekonomi,Körjournaler för kommunens bilar,Att bilar används på ett felaktigt sätt,,Att körjournalerna är sparade till samtliga bilar,Följs upp på helår,
16,Ekonomi,Egna ersättningar för kommunchef,Att kommunchefen attesterar egna ersättningar,,Att kommunchefen inte har attesterat egna ersättningar,Ingen avvikelse,"87 fakturor beslutsattesterade av kommunchefen och 22 leverantörsfakturor attesterade av ekonomichefen kontrollerade, ingen anmärkning."
"""

STRANGNAS_KS_HELAR_2017 = """\
Nr,Riktlinje/rutin,Kontrollmoment,Urval,Metod,Resultat helår 2017,Iakttagelser,Förslag på åtgärder
1,Krisberedskap,Att plan för extraordinära händelser och krisberedskap är känd i verksamheterna,"Chefer med titeln kontorschef, verksamhetschef eller enhetschef, totalt 73 st (44 svar, 60 %)",Enkätundersökning efter första halvåret 2017,Process/rutin/riktlinje fungerar men behöver utvecklas,"61,4 % anser sig inte ha tillräckliga kunskaper om kommunens krisplan.",Utbildningsinsatser återupptas när säkerhetsavdelningens resurser stabiliserats.
2,Attraktiv arbetsgivare,Att alla medarbetare senaste året haft utvecklingssamtal/medarbetarsamtal enligt standard med sin närmaste chef,"Samtliga 2 146 medarbetare, 1 673 svar (78 %)",Årlig medarbetarenkät HME,Process/rutin/riktlinje fungerar men behöver utvecklas,85 % har haft medarbetarsamtal senaste året; 79 % nöjda med genomförandet.,Revidera standarden för medarbetarsamtal 2018 och utbilda chefsgruppen.
3,God ekonomisk hushållning,Att kommunens vision är känd bland medarbetarna,"Samtliga 2 146 medarbetare, 1 673 svar (78 %)",Årlig medarbetarenkät HME,Process/rutin/riktlinje fungerar men behöver utvecklas,"52 % svarar att de har kännedom om visionen; 18,3 % svarar dåligt.","Lyfta visionen på APT 2018, ta fram diskussionsunderlag, granska styrdokumenten."
4,God ekonomisk hushållning,Att återsökningar av statsbidrag gällande flyktingmottagning sker,Ersättningar från Migrationsverket gällande flyktingmottagandet,Kartläggning av sökbara bidrag,Process/rutin/riktlinje fungerar men behöver utvecklas,"Ca 66,7 mnkr återsökt 2017; flera tidigare ej sökta ersättningar har sökts.",Utveckla arbetsrutiner och processer på verksamhetsnivå.
5,Attestreglementet,"Att transaktioner är korrekta avseende prestation, underlag, tidpunkt, villkor, kontering och beslut","Stickprov 10 av 43 manuella fakturor, 1 juli – 31 december 2017",Stickprov,Avvikelser mot beskrivning av process/rutin/riktlinje har konstaterats,2 av 10 fakturor saknar mottagningsattestant.,Ekonomiavdelningen informerar om att både mottagningsattestant och beslutsattestant krävs.
6,Delegationsordning,Att beslut fattas med stöd i delegering och att vidaredelegering följer delegationsordning och kommunallag,72 delegationsbeslut anmälda till fem KS-sammanträden 2017,Genomgång av anmälda beslut,Avvikelser mot beskrivning av process/rutin/riktlinje har konstaterats,62 av 72 korrekta; ett beslut fattat av person utan delegation.,HR tar fram rutiner för anmälan av personalbeslut; ekonomiavdelningen ser över upphandlingsbesluten.
7,Verkställighet av den politiska styrningen,Att politiskt fattade beslut verkställs,"KS verksamhetsplan, KS-avdelningarnas arbetsplaner och fem rapporter/tjänsteutlåtanden",Kontroll av jämställdhetsaktiviteter,Avvikelser mot beskrivning av process/rutin/riktlinje har konstaterats,Verksamhetsplaner och arbetsplaner 2017 saknar mål och aktiviteter för jämställdhet.,Stöd av strateg; kartlägga strategier; checklistor för utredningar.
8,Informationssäkerhet,Att rutiner kring behörighetsutdelning och loggkontroll följs,Kommunövergripande dokument för behörighetsutdelning och loggkontroll,Dokumentgranskning,Dokumenterad beskrivning av process/rutin/riktlinje saknas,Övergripande riktlinjer saknas; arbete med ledningssystem pågår.,Arbete för att förbättra rutiner och riktlinjer pågår.
9,Informationssäkerhet,Att personal som avslutat sin anställning inte har kvar behörighet till olika IT-system,50 slumpmässigt utvalda personer utan anställning vid socialkontoret med behörighet i Treserva,Jämförelse av anställningslistor och behörighetslistor,Avvikelser mot beskrivning av process/rutin/riktlinje har konstaterats,14 av 50 hade kvar behörighet i Treserva; 13 av dessa har aktiva nätverkskonton.,Riktlinjer för avslut i IT-system och ett signalsystem vid avslutad anställning.
"""


# --- the follow-ups as plans and answers ---------------------------------------------------


# The default scale is Lindesberg's, and understands the words its delår 2017 follow-up
# wrote besides (Kontrolleras över helår, Inte kontrollerat).
LINDESBERG_SCALE = OutcomeScale.default()

FUNGERAR = "Process/rutin/riktlinje fungerar men behöver utvecklas"
AVVIKELSER = "Avvikelser mot beskrivning av process/rutin/riktlinje har konstaterats"
AVVIKELSE = "Avvikelse mot beskrivning av process/rutin/riktlinje har konstaterats"
SAKNAS = "Dokumenterad beskrivning av process/rutin/riktlinje saknas"

# The CSV spells every deviation in the plural; REFERENCE §B/§E3 note that the printed
# report uses the singular once (row 7), so the scale accepts both spellings.
STRANGNAS_SCALE = OutcomeScale(
    (
        OutcomeOption(FUNGERAR, Severity.MINOR),
        OutcomeOption(AVVIKELSER, Severity.MAJOR),
        OutcomeOption(AVVIKELSE, Severity.MAJOR),
        OutcomeOption(SAKNAS, Severity.MAJOR),
    )
)


@dataclass(frozen=True)
class Followup:
    """A real follow-up as the status compilation takes it."""

    plans: list[Plan]
    answers: list[Answer]
    term: Term
    today: date


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def lindesberg_delar_2017() -> Followup:
    """Lindesberg KLK, delår 2017: 16 controls with their real results and comments."""
    term = Term(2017, Period.T1)
    rows = _rows(LINDESBERG_KLK_2017_DELAR)
    controls = tuple(
        Control(
            row["Nr"],
            "klk2017.xlsx",
            row["Kontrollmoment"],
            f"chef{row['Nr']}@example.com",
            frozenset({Period.T1}),
            namnd="Kommunledningskontoret",
            area=row["Område"],
            process=row["Process/rutin"],
            risk_text=row["Risk"],
            row=int(row["Nr"]),
        )
        for row in rows
    )
    plan = Plan("klk2017.xlsx", "Internkontroll KLK 2017", controls, LINDESBERG_SCALE)
    answers = [
        Answer(
            f"klk2017-{row['Nr']}",
            plan.key,
            row["Nr"],
            term.year,
            term.period,
            row["Resultat delår 2017"],
            "kvalitet@example.com",
            datetime(2017, 8, 15, 12, 0),
            observations=row["Kommentar"],
        )
        for row in rows
    ]
    return Followup([plan], answers, term, date(2017, 9, 1))


def strangnas_helar_2017(
    *,
    singular_row: str | None = None,
    action_owner: str | None = None,
    action_due: date | None = None,
) -> Followup:
    """Strängnäs KS, helår 2017: 9 controls with iakttagelser and proposed åtgärder
    (owned by each control's chef unless ``action_owner`` is given)."""
    term = Term(2017, Period.YEAR)
    rows = _rows(STRANGNAS_KS_HELAR_2017)
    controls = tuple(
        Control(
            row["Nr"],
            "ks2017.xlsx",
            row["Kontrollmoment"],
            f"chef{row['Nr']}@example.com",
            frozenset({Period.YEAR}),
            namnd="Kommunstyrelsen",
            area=row["Riktlinje/rutin"],
            method=row["Metod"],
            sample=row["Urval"],
            row=int(row["Nr"]),
        )
        for row in rows
    )
    plan = Plan("ks2017.xlsx", "Internkontroll KS 2017", controls, STRANGNAS_SCALE)
    answers = [
        Answer(
            f"ks2017-{row['Nr']}",
            plan.key,
            row["Nr"],
            term.year,
            term.period,
            AVVIKELSE if row["Nr"] == singular_row else row["Resultat helår 2017"],
            "kvalitet@example.com",
            datetime(2018, 1, 20, 10, 0),
            observations=row["Iakttagelser"],
            action=Action(
                row["Förslag på åtgärder"],
                action_owner or f"chef{row['Nr']}@example.com",
                action_due,
            ),
        )
        for row in rows
    ]
    return Followup([plan], answers, term, date(2018, 2, 1))
