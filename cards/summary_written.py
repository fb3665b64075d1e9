"""The answer to "Skriv sammanställning till Excel": which workbooks got the sheet, which not."""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain.model import Period
from bot.domain.status import SheetWritten
from cards.actions import ShowStatus, WriteSummary
from cards.common import Element, adaptive_card, button, heading, shorten, text_block

_NAME_CHARS = 120
_ERROR_CHARS = 300
_MAX_LINES = 40  # workbooks listed; a kommun has a few dozen nämnder at most


def summary_written_card(
    results: Sequence[SheetWritten], *, year: int, period: Period, namnd: str | None = None
) -> Element:
    """One line per workbook: the sheet written, or why it was not; with a way to try again."""
    term = f"{period.label.lower()} {year}" + (f" – {namnd}" if namnd else "")
    written = [r for r in results if r.sheet]
    failed = [r for r in results if r.error]
    if not results:
        title = "Inget att sammanställa"
        lead = f"Inga kontrollmoment ska följas upp för {term}, så inget blad skrevs."
    elif not failed:
        title = "Sammanställningen är skriven till Excel"
        lead = f"Sammanställningen för {term} finns nu i {_count(len(written))}."
    elif written:
        title = "Sammanställningen kunde inte skrivas överallt"
        lead = f"Skriven i {_count(len(written))}, men inte i {_count(len(failed))}."
    else:
        title = "Sammanställningen kunde inte skrivas"
        lead = f"Ingen arbetsbok fick sammanställningen för {term}."
    body: list[Element | None] = [heading(title, size="medium"), text_block(lead)]
    for result in [*failed, *written][:_MAX_LINES]:
        name = shorten(result.workbook, _NAME_CHARS)
        if result.sheet:
            body.append(text_block(f"✓ {name}: bladet ”{result.sheet}”", spacing="small"))
        else:
            error = shorten(result.error or "", _ERROR_CHARS)
            body.append(text_block(f"✗ {error}", color="attention", spacing="small"))
    hidden = len(results) - _MAX_LINES
    if hidden > 0:
        body.append(text_block(f"… och {hidden} till.", subtle=True, spacing="small"))
    actions = [button("Visa status", ShowStatus(year=year, period=period, namnd=namnd))]
    if failed:
        actions.append(button("Försök igen", WriteSummary(year=year, period=period, namnd=namnd)))
    return adaptive_card(body, actions)


def _count(workbooks: int) -> str:
    return "1 arbetsbok" if workbooks == 1 else f"{workbooks} arbetsböcker"
