"""A short message card: a refusal, a "not understood", an "all done"."""

from __future__ import annotations

from cards.actions import RunCommand, ShowHelp, ShowList
from cards.common import Element, adaptive_card, button, text_block


def notice_card(text: str, *, title: str | None = None, attention: bool = False) -> Element:
    """A card with one message and the way back to the list."""
    return adaptive_card(
        [
            text_block(title, weight="bolder", size="medium") if title else None,
            text_block(text, color="attention" if attention else None),
        ],
        [button("Mina kontroller", ShowList()), button("Hjälp", ShowHelp())],
    )


def did_you_mean_card(typed: str, suggestion: str) -> Element:
    """A near miss: "Menade du …?" with a button that does what the suggestion says."""
    return adaptive_card(
        [
            text_block(f"Menade du ”{suggestion}”?", weight="bolder", size="medium"),
            text_block(f"Jag förstod inte ”{typed}”.", subtle=True, spacing="none"),
        ],
        [
            button(f"Ja, {suggestion}", RunCommand(text=suggestion), style="positive"),
            button("Hjälp", ShowHelp()),
        ],
    )
