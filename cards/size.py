"""The size guard every outgoing card passes: never more than Teams takes, never broken text.

Teams refuses bot messages over about 100 KB, and a card far smaller than that is already
unreadable on a phone, so no card leaves the bot above ``CARD_LIMIT`` bytes of JSON
(UTF-8, as Teams receives it). The card builders keep well below it themselves; this is
the last line, for whatever they did not foresee (a plan cell of 30,000 characters, an
answer of emojis). It only shortens what a card *shows* — text blocks, facts, choice
titles — never an input's value, a choice's value or a button's data, since those come
back as an answer and must not be silently cut. When shortening what is shown is not
enough, a short message card goes out instead.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from cards.common import Element
from cards.notice import notice_card

CARD_LIMIT = 28 * 1024  # 28,672 bytes: the bound for every card the bot sends
TOO_BIG = (
    "Det här blev för stort för att visas i Teams. Det som saknas finns i Excel-filen; "
    "be kvalitetsstrategen om hjälp om det händer igen."
)

_MIN_CAP = 40  # characters every shown text keeps, however tight the card
_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")
_REPLACEMENT = "\ufffd"  # "�": what a character that cannot be sent is shown as


def card_size(element: object) -> int:
    """The bytes of JSON an element takes in a card, as Teams receives it."""
    # Default separators, UTF-8; "surrogatepass" so that measuring never raises (a lone
    # surrogate is replaced by fit_card before sending, and takes as many bytes then).
    return len(json.dumps(element, ensure_ascii=False).encode("utf-8", "surrogatepass"))


def text_size(text: str) -> int:
    """The bytes a string takes inside a card's JSON (without its quotes)."""
    return card_size(text) - 2


def printable(text: str) -> str:
    """The text with every lone surrogate (which UTF-8 cannot carry) shown as "�"."""
    return _LONE_SURROGATE.sub(_REPLACEMENT, text)


def fit_card(card: Element, *, fallback: str = TOO_BIG) -> Element:
    """The card as it may be sent: sendable text, and at most ``CARD_LIMIT`` bytes."""
    try:
        # Nearly every card: UTF-8 takes all of its text and it fits, so it goes as it is
        # (measured once, without copying it first).
        if len(json.dumps(card, ensure_ascii=False).encode("utf-8")) <= CARD_LIMIT:
            return card
    except UnicodeEncodeError:  # a lone surrogate somewhere
        pass
    card = _map_strings(card, printable)
    if card_size(card) <= CARD_LIMIT:
        return card
    # No text longer than the limit itself can be part of a card that fits.
    longest = min(max((len(t) for t in _shown_texts(card)), default=0), CARD_LIMIT)
    low, high = _MIN_CAP, longest - 1
    best: Element | None = None
    # The size only grows with the cap: find the largest cap at which the card fits.
    while low <= high:
        cap = (low + high) // 2
        trimmed = _cap_shown(card, cap)
        if card_size(trimmed) <= CARD_LIMIT:
            best, low = trimmed, cap + 1
        else:
            high = cap - 1
    if best is not None:
        return best
    return notice_card(fallback, attention=True)


def floor_size(card: Element) -> int:
    """The bytes a card takes with every shown text cut as far as ``fit_card`` cuts it."""
    return card_size(_cap_shown(_map_strings(card, printable), _MIN_CAP))


def _cut(text: str, cap: int) -> str:
    if len(text) <= cap:
        return text
    return text[: cap - 1].rstrip() + "…"


def _map_strings(node: Any, change: Callable[[str], str]) -> Any:
    if isinstance(node, str):
        return change(node)
    if isinstance(node, dict):
        return {_map_strings(k, change): _map_strings(v, change) for k, v in node.items()}
    if isinstance(node, list | tuple):
        return [_map_strings(v, change) for v in node]
    return node


def _shown_texts(node: Any) -> list[str]:
    found: list[str] = []

    def note(text: str) -> str:
        found.append(text)
        return text

    _visit(node, note)
    return found


def _cap_shown(card: Element, cap: int) -> Element:
    return _visit(card, lambda text: _cut(text, cap))  # type: ignore[no-any-return]


def _visit(node: Any, change: Callable[[str], str]) -> Any:
    """A copy of the node with ``change`` applied to every text that is only shown."""
    if isinstance(node, list):
        return [_visit(v, change) for v in node]
    if not isinstance(node, dict):
        return node
    kind = node.get("type")
    copy = {key: _visit(value, change) for key, value in node.items()}
    if kind == "TextBlock" and isinstance(node.get("text"), str):
        copy["text"] = change(node["text"])
    elif kind == "FactSet" and isinstance(node.get("facts"), list):
        copy["facts"] = [_change_keys(f, ("title", "value"), change) for f in node["facts"]]
    elif isinstance(kind, str) and kind.startswith("Input."):
        copy = _change_keys(copy, ("label", "placeholder", "errorMessage"), change)
        if kind == "Input.ChoiceSet" and isinstance(node.get("choices"), list):
            # The title is what a person reads; the value is what comes back and stays whole.
            copy["choices"] = [_change_keys(c, ("title",), change) for c in node["choices"]]
    return copy


def _change_keys(item: Any, keys: tuple[str, ...], change: Callable[[str], str]) -> Any:
    if not isinstance(item, dict):
        return item
    return {k: change(v) if k in keys and isinstance(v, str) else v for k, v in item.items()}
