"""What a form card shows again of what a person typed: all of it when it fits, never a
megabyte.

A refused submission comes back on the same card with the person's values in the inputs
and the errors beside them, so nothing typed is lost. What was typed is not bounded (a
client can send anything), the card is: all texts together at most a byte budget (a text
over its own limit is shown whole when that fits, for the person to shorten), and a value
an input cannot hold (e.g. "12,5" in a number field) as a short "Du skrev: …" preview.
Whatever is cut says so on the card.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date

from cards.common import Element, text_block, thousands
from cards.size import text_size

OVER_LIMIT_SHOWN = 2  # a refused text up to this many times its limit is shown whole
PREVIEW_CHARS = 100  # of a value an input cannot hold, shown as "Du skrev: …"

_WHOLE_NUMBER = re.compile(r"[+-]?\d{1,15}")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class Echo:
    """The person's values and the errors, put into and beside the inputs.

    ``limits`` are the text inputs' maximum lengths; together they get ``budget`` bytes.
    """

    def __init__(
        self,
        values: Mapping[str, object],
        errors: Mapping[str, str],
        limits: Mapping[str, int],
        budget: int,
    ) -> None:
        self.values = values
        self.errors = errors
        self.texts = fit_texts({i: self.raw(i) for i in limits}, limits, budget)
        self.echoed = sum(text_size(t) for t in self.texts.values())

    def raw(self, input_id: str) -> str:
        """The value as it came, as a string ("" when there is none)."""
        value = self.values.get(input_id)
        return "" if value is None else str(value)

    def field(self, element: Element) -> list[Element]:
        """The input with its value set when it can be shown, then its notes below."""
        input_id = str(element["id"])
        raw = self.raw(input_id)
        fitted = self.texts.get(input_id)
        shown = typed_value(element, raw if fitted is None else fitted)
        if shown is not None:
            element["value"] = shown
        error = self.errors.get(input_id)
        if error:
            element["errorMessage"] = error
        items = [element]
        if error:
            items.append(text_block(error, color="attention", spacing="small"))
        if fitted is not None and len(fitted) < len(raw):
            items.append(
                text_block(
                    f"Här visas bara de första {thousands(len(fitted))} tecknen av det du skrev.",
                    color="attention",
                    spacing="none",
                )
            )
        if raw.strip() and shown is None:
            # An input cannot hold this value: show it as text so the person sees what
            # they wrote and nothing is silently dropped.
            text = f"Du skrev: ”{preview(raw)}”"
            items.append(text_block(text, color="attention", spacing="none"))
        return items


def fit_texts(values: Mapping[str, str], limits: Mapping[str, int], budget: int) -> dict[str, str]:
    """Each text whole when they all fit in ``budget`` bytes together (a refused text up
    to twice its limit too, for the person to shorten it); else as much as fits of each,
    a text over its limit at most its limit."""
    generous = _fair(values, limits, budget, OVER_LIMIT_SHOWN)
    if all(generous[i] == values[i] for i in values):
        return generous
    return _fair(values, limits, budget, 1)


def _fair(
    values: Mapping[str, str], limits: Mapping[str, int], budget: int, factor: int
) -> dict[str, str]:
    capped = {i: text[: factor * limits[i]] for i, text in values.items()}
    # Max-min fair, texts within their limit first: short texts are shown whole, and only
    # what is too long (already refused) or the largest of several is cut.
    order = sorted(capped, key=lambda i: (len(values[i]) > limits[i], text_size(capped[i])))
    left, fitted = budget, {}
    for index, input_id in enumerate(order):
        fitted[input_id] = cut_to_bytes(capped[input_id], left // (len(order) - index))
        left -= text_size(fitted[input_id])
    return fitted


def cut_to_bytes(text: str, budget: int) -> str:
    """The longest start of the text that takes at most ``budget`` bytes in a card."""
    if text_size(text) <= budget:
        return text
    low, high = 0, len(text)  # text[:low] fits, text[:high] does not
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if text_size(text[:middle]) <= budget else (low, middle)
    return text[:low]


def preview(raw: str) -> str:
    """A short start of a value, "…" marking that there was more."""
    return raw if len(raw) <= PREVIEW_CHARS else raw[: PREVIEW_CHARS - 1] + "…"


def typed_value(element: Element, raw: str) -> object | None:
    """The value the input can hold for what was typed, or None if it cannot hold it."""
    if not raw.strip():
        return None
    kind = element["type"]
    if kind == "Input.Number":
        text = raw.strip()
        return int(text) if _WHOLE_NUMBER.fullmatch(text) else None
    if kind == "Input.Date":
        text = raw.strip()
        if not _ISO_DATE.fullmatch(text):
            return None
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            return None
    if kind == "Input.ChoiceSet":
        wanted = " ".join(raw.split()).casefold()
        for choice in element["choices"]:  # type: ignore[attr-defined]
            if " ".join(choice["value"].split()).casefold() == wanted:
                return choice["value"]
        return None
    return raw
