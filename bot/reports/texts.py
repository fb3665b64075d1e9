"""The report's standing texts (Inledning, Förslag till beslut, Beslutet skickas till):
defaults in the words of the real reports, replaceable per workbook by the table
``Rapporttexter`` in its Inställningar sheet (read into ``Plan.report_texts``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.domain.model import Plan

INTRODUCTION = "inledning"
DECISION = "förslag till beslut"
RECIPIENTS = "beslutet skickas till"
REPORT_TEXT_KEYS = (INTRODUCTION, DECISION, RECIPIENTS)

# Lindesberg's Inledning names the three aims of intern kontroll; Eskilstuna's cites the
# Kommunallag. Placeholders: {namnd}, {period} (lower case), {year}.
DEFAULT_INTRODUCTION = (
    "Enligt kommunallagen (6 kap. 6 §) ska nämnderna var och en inom sitt område se till "
    "att den interna kontrollen är tillräcklig och att verksamheten i övrigt bedrivs på ett "
    "tillfredsställande sätt. Intern kontroll ska bidra till en ändamålsenlig och "
    "kostnadseffektiv verksamhet, en tillförlitlig finansiell rapportering och information "
    "om verksamheten, och till att lagar, föreskrifter, riktlinjer och beslut följs.\n"
    "Den här rapporten redovisar uppföljningen av internkontrollplanen för {namnd}, "
    "{period} {year}: vad som har kontrollerats, resultatet, iakttagelser och analys, och "
    "förslag på åtgärder där kontrollen visat avvikelser."
)
DEFAULT_DECISION = (
    "{namnd} godkänner uppföljningen av den interna kontrollen för {period} {year} och "
    "överlämnar den till kommunstyrelsen."
)
DEFAULT_DECISION_COMBINED = (
    "Kommunstyrelsen godkänner uppföljningen av den interna kontrollen för {period} {year} "
    "och lägger den till handlingarna."
)
DEFAULT_RECIPIENTS = "Kommunstyrelsen\nRevisionen, för kännedom\nBerörda chefer, för kännedom"
DEFAULT_RECIPIENTS_COMBINED = "Revisionen, för kännedom\nNämnderna, för kännedom"


@dataclass(frozen=True, slots=True)
class ReportTexts:
    """The three texts, with placeholders not yet filled in."""

    introduction: str = DEFAULT_INTRODUCTION
    decision: str = DEFAULT_DECISION
    recipients: str = DEFAULT_RECIPIENTS

    def fill(self, text: str, *, namnd: str, period: str, year: int) -> str:
        """A text with {namnd}, {period} and {year} filled in (other braces left alone)."""
        return (
            text.replace("{namnd}", namnd)
            .replace("{nämnd}", namnd)
            .replace("{period}", period)
            .replace("{year}", str(year))
            .replace("{år}", str(year))
        )


def texts_for(plans: Sequence[Plan], namnd: str) -> ReportTexts:
    """The texts for a report on ``namnd`` ("" for a combined report): the first of its
    plans' Rapporttexter that gives each, else the default."""
    combined = not namnd
    wanted = " ".join(namnd.split()).casefold()
    mine = [
        p
        for p in plans
        if combined
        or any(" ".join((c.namnd or p.label).split()).casefold() == wanted for c in p.controls)
    ]
    found: dict[str, str] = {}
    for plan in mine:
        for key, text in plan.report_texts:
            if text.strip():
                found.setdefault(key, text.strip())
    return ReportTexts(
        found.get(INTRODUCTION, DEFAULT_INTRODUCTION),
        found.get(DECISION, DEFAULT_DECISION_COMBINED if combined else DEFAULT_DECISION),
        found.get(RECIPIENTS, DEFAULT_RECIPIENTS_COMBINED if combined else DEFAULT_RECIPIENTS),
    )
