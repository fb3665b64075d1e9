"""Folded sections for cards read on a phone: a heading that shows or hides its body
(Action.ToggleVisibility), so the card opens short with the most important first."""

from __future__ import annotations

from collections.abc import Iterable

from cards.common import Element, heading


def folded(
    key: str, title: str, items: Iterable[Element | None], *, open_: bool = False
) -> list[Element]:
    """The heading ``title`` (tap to open or close) and the body holding ``items``."""
    body = [item for item in items if item is not None]
    if not body:
        return []
    target = f"f-{key}"
    head: Element = {
        "type": "Container",
        "separator": True,
        "selectAction": {"type": "Action.ToggleVisibility", "targetElements": [target]},
        # The heading as before (a screen reader announces it); the whole row is the toggle.
        "items": [heading(title, size="medium")],
    }
    return [head, {"type": "Container", "id": target, "isVisible": open_, "items": body}]
