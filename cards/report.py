"""The answers to "rapport helår" and "Skapa rapport": where the report is and a button
that opens it; a nämnd that does not exist ("Menade du …?") or a year without a plan."""

from __future__ import annotations

from bot.domain.model import Period
from bot.domain.namnder import NoPlanForYear, UnknownNamnd
from cards.actions import MakeReport, ShowStatus
from cards.common import Element, adaptive_card, button, heading, shorten, text_block

_NAME_CHARS = 120
_LISTED = 30  # nämnder named; a kommun has a few dozen at most


def report_made_card(
    *,
    title: str,
    recipient: str,
    controls: int,
    file_name: str,
    where: str,
    url: str | None,
    new_version: bool,
    year: int,
    period: Period,
    namnd: str | None,
) -> Element:
    """The report is written: its name, where it is, and (SharePoint) a button to open it."""
    lines: list[Element | None] = [
        heading("Rapporten är skriven", size="medium"),
        text_block(f"{shorten(title, _NAME_CHARS)} – {shorten(recipient, _NAME_CHARS)}"),
        text_block(
            f"{controls} kontrollmoment. Läs igenom utkastet, särskilt Slutsatser, innan "
            "rapporten skickas till nämnden.",
            spacing="small",
        ),
        text_block(f"Fil: {shorten(file_name, 200)}", subtle=True, spacing="small"),
    ]
    if new_version:
        note = "En ny version av filen sparades; de tidigare finns i versionshistoriken."
        lines.append(text_block(note, subtle=True, spacing="none"))
    elif not url:
        lines.append(text_block(f"Sparad i {shorten(where, 250)}", subtle=True, spacing="none"))
    actions: list[Element] = []
    if url:
        actions.append({"type": "Action.OpenUrl", "title": "Öppna rapporten", "url": url})
    actions.append(button("Visa status", ShowStatus(year=year, period=period, namnd=namnd)))
    return adaptive_card(lines, actions)


def report_failed_card(reason: str, *, year: int, period: Period, namnd: str | None) -> Element:
    """The report could not be saved: why, and a way to try again."""
    return adaptive_card(
        [
            heading("Rapporten kunde inte sparas", size="medium"),
            text_block(shorten(reason, 400), color="attention"),
        ],
        [button("Försök igen", MakeReport(year=year, period=period, namnd=namnd))],
    )


def unknown_namnd_card(unknown: UnknownNamnd, *, year: int, period: Period) -> Element:
    """The nämnd asked for is in no plan: say so, offer the near misses, list the nämnder."""
    body: list[Element | None] = [
        heading("Nämnden finns inte", size="medium"),
        text_block(
            f"Jag hittar ingen nämnd som heter ”{shorten(unknown.asked, _NAME_CHARS)}” "
            "i kontrollplanerna."
        ),
    ]
    if unknown.suggestions:
        names = " eller ".join(f"”{shorten(s, 80)}”" for s in unknown.suggestions)
        body.append(text_block(f"Menade du {names}?", weight="bolder"))
    if unknown.known:
        listed = ", ".join(shorten(k, 80) for k in unknown.known[:_LISTED])
        more = len(unknown.known) - _LISTED
        if more > 0:
            listed += f" och {more} till"
        body.append(text_block(f"Nämnderna är: {listed}.", subtle=True))
    actions = [
        button(shorten(f"Visa {s}", 60), ShowStatus(year=year, period=period, namnd=s[:200]))
        for s in unknown.suggestions
    ]
    actions.append(button("Visa alla nämnder", ShowStatus(year=year, period=period)))
    return adaptive_card(body, actions[:5])


def no_plan_card(missing: NoPlanForYear) -> Element:
    """No plan covers the year asked for."""
    years = ", ".join(str(y) for y in missing.years)
    text = f"Det finns ingen kontrollplan för {missing.year}."
    if years:
        text += f" Planer finns för {years}."
    return adaptive_card([heading("Ingen plan för året", size="medium"), text_block(text)])
