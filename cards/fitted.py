"""A card fitted to Teams' size limit once, and shared as it is from then on."""

from __future__ import annotations

from typing import Any

from cards.common import Element
from cards.size import fit_card


class FittedCard(dict[str, Any]):
    """A card that has passed the size guard and is never changed again.

    The Agents SDK deep-copies every activity it sends (``TurnContext.send_activities``),
    card and all: some 900 objects for a list card, a good part of a turn's CPU. A card is
    not changed once it is built and fitted, so the copy may share it; and a card kept
    between turns (the list card, ``cards.listing``) is measured only once.
    """

    __slots__ = ()

    def __deepcopy__(self, _memo: dict[int, Any]) -> FittedCard:
        return self


def fitted(card: Element) -> FittedCard:
    """The card as it may be sent (``cards.size.fit_card``), unless it was fitted already."""
    return card if isinstance(card, FittedCard) else FittedCard(fit_card(card))
