"""The answer to attached underlag: what was attached to which control, what was not."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.domain.periods import Term
from cards.actions import OpenControl
from cards.common import Element, adaptive_card, button, container, heading, shorten, text_block

IN_EXCEL = (
    "Länkarna står i kolumnen Underlag på bladet Uppföljning när svaret har skrivits till Excel."
)
WITH_ANSWER = "Underlaget kommer med i Excel när du sparar svaret på kontrollmomentet."


def evidence_card(
    plan_key: str,
    control_id: str,
    term: Term,
    added: Sequence[str],
    refused: Sequence[str],
    items: Sequence[tuple[str, str]],
    *,
    in_answer: bool,
) -> Element:
    """What was attached now and what not; everything attached (name, link) so far."""
    body: list[Element | None] = [
        heading(f"Underlag · Kontrollmoment {control_id} · {term.label}", size="medium"),
        text_block(f"Bifogat nu: {', '.join(shorten(a, 80) for a in added)}.", color="good")
        if added
        else None,
        container(
            [text_block(shorten(r, 300), color="attention") for r in refused],
            style="attention",
        )
        if refused
        else None,
    ]
    if items:
        body.append(text_block("Allt underlag till kontrollmomentet", weight="bolder"))
        body += [
            text_block(f"- [{shorten(name, 80)}]({link})", spacing="none")
            for name, link in items[-20:]
        ]
        body.append(text_block(IN_EXCEL if in_answer else WITH_ANSWER, subtle=True))
    ids: dict[str, Any] = {
        "plan": plan_key,
        "control": control_id,
        "year": term.year,
        "period": term.period,
    }
    return adaptive_card(body, [button("Tillbaka till kortet", OpenControl(**ids))])
