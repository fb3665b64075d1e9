"""Building blocks shared by every card: the envelope, text, facts, buttons, Swedish dates.

Everything here returns plain dicts and strings. Cards are built as data, never by
substituting into JSON text, so a quote or a brace in a plan's text cannot break a card.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from bot.domain.model import Risk
from bot.domain.swedish import format_date
from cards.actions import CardPayload

CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
CARD_VERSION = "1.5"
TIMEZONE = "Europe/Stockholm"

_FALLBACK_TEXT = "Det här kortet kan inte visas här. Öppna Teams i en nyare version."


Element = dict[str, object]


# --- Swedish text -----------------------------------------------------------------------


def format_datetime(moment: datetime) -> str:
    """A moment in Swedish local time, e.g. "23 november 2026 kl. 14:05".

    A naive datetime is taken to be UTC, which is how the bot stores times.
    """
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone(ZoneInfo(TIMEZONE))
    return f"{format_date(local.date())} kl. {local:%H:%M}"


def local_date(moment: datetime) -> date:
    """The Swedish calendar day of a moment (naive means UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(ZoneInfo(TIMEZONE)).date()


def days_text(days: int) -> str:
    """A Swedish day count: "1 dag", "3 dagar"."""
    return f"{days} dag" if days == 1 else f"{days} dagar"


def thousands(number: int) -> str:
    """A count the Swedish way, grouped by thousands: "12 345"."""
    return f"{number:,}".replace(",", " ")


def join_words(words: Sequence[str]) -> str:
    """Join like Swedish prose: "a", "a och b", "a, b och c"."""
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} och {words[-1]}"


def shorten(text: str, limit: int) -> str:
    """Collapse whitespace and cut at a word boundary with "…" when longer than limit."""
    flat = " ".join(str(text).split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1]
    space = cut.rfind(" ")
    # Cut at a word only when that keeps most of the text; one long word is just cut.
    if space > limit * 0.6:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-–—") + "…"


def source_line(namnd: str, plan_name: str) -> str:
    """Where a control comes from: "Kommunstyrelsen · Internkontrollplan 2026", no repeats."""
    parts = [p.strip() for p in (namnd, plan_name) if p and p.strip()]
    if len(parts) == 2 and parts[0].casefold() in parts[1].casefold():
        parts = parts[1:]  # "Kommunstyrelsen" is already in "Internkontrollplan KS …"
    return " · ".join(parts)


def risk_summary(risk: Risk) -> str:
    """The riskbedömning as one line: "Riskvärde 12 (sannolikhet 3 × konsekvens 4)"."""
    score = risk.score
    label = risk.label.strip()
    if score is not None and label:
        # Plans write "12. Allvarlig"; do not repeat the number after "Riskvärde 12".
        head, _, rest = label.partition(" ")
        if head.rstrip(".:") == str(score) and rest:
            label = rest.strip()
        elif label.rstrip(".:") == str(score):
            label = ""
    parts: list[str] = []
    if score is not None:
        parts.append(f"Riskvärde {score}")
    if label:
        parts.append(label)
    text = " – ".join(parts)
    if risk.probability is not None and risk.consequence is not None:
        product = f"sannolikhet {risk.probability} × konsekvens {risk.consequence}"
        text = f"{text} ({product})" if text else product.capitalize()
    return text


# --- elements ----------------------------------------------------------------------------


def adaptive_card(body: Iterable[Element | None], actions: Iterable[Element] = ()) -> Element:
    """The card envelope (Adaptive Cards 1.5, as Teams renders it); None items are dropped."""
    card: Element = {
        "type": "AdaptiveCard",
        "$schema": CARD_SCHEMA,
        "version": CARD_VERSION,
        "fallbackText": _FALLBACK_TEXT,
        "body": [item for item in body if item is not None],
    }
    buttons = list(actions)
    if buttons:
        card["actions"] = buttons
    return card


def text_block(
    text: str,
    *,
    weight: str | None = None,
    color: str | None = None,
    size: str | None = None,
    subtle: bool = False,
    spacing: str | None = None,
    separator: bool = False,
) -> Element:
    """A wrapping TextBlock with only the styling asked for."""
    block: Element = {"type": "TextBlock", "text": text, "wrap": True}
    if weight:
        block["weight"] = weight
    if color:
        block["color"] = color
    if size:
        block["size"] = size
    if subtle:
        block["isSubtle"] = True
    if spacing:
        block["spacing"] = spacing
    if separator:
        block["separator"] = True
    return block


def heading(text: str, *, size: str = "large") -> Element:
    """A heading, marked as such for screen readers."""
    return {
        "type": "TextBlock",
        "text": text,
        "wrap": True,
        "style": "heading",
        "size": size,
        "weight": "bolder",
    }


def fact_set(pairs: Iterable[tuple[str, str]], *, spacing: str | None = None) -> Element | None:
    """A FactSet of the pairs whose value is not blank; None when nothing is left."""
    facts = [{"title": title, "value": value} for title, value in pairs if value and value.strip()]
    if not facts:
        return None
    element: Element = {"type": "FactSet", "facts": facts}
    if spacing:
        element["spacing"] = spacing
    return element


def container(
    items: Iterable[Element | None],
    *,
    style: str | None = None,
    separator: bool = False,
    spacing: str | None = None,
) -> Element:
    """A Container of the items that are not None."""
    element: Element = {"type": "Container", "items": [i for i in items if i is not None]}
    if style:
        element["style"] = style
    if separator:
        element["separator"] = True
    if spacing:
        element["spacing"] = spacing
    return element


def button(
    title: str,
    action: CardPayload,
    *,
    style: str | None = None,
    with_inputs: bool = True,
) -> Element:
    """An Action.Execute carrying only the action's ids, with an Action.Submit fallback.

    Clients without the Universal Action Model send the same data as a message, which the
    server routes by data["verb"]. ``with_inputs=False`` lets a button such as "Tillbaka"
    work although required inputs are empty.
    """
    data = action.data()
    submit: Element = {"type": "Action.Submit", "title": title, "data": dict(data)}
    execute: Element = {"type": "Action.Execute", "title": title, "verb": data["verb"]}
    execute["data"] = dict(data)
    for element in (execute, submit):
        if style:
            element["style"] = style
        if not with_inputs:
            element["associatedInputs"] = "none"
    execute["fallback"] = submit
    return execute


def action_set(buttons: Iterable[Element], *, spacing: str | None = None) -> Element:
    """Buttons placed inside the body (e.g. one per list item)."""
    element: Element = {"type": "ActionSet", "actions": list(buttons)}
    if spacing:
        element["spacing"] = spacing
    return element


ROW_CHARS = 30  # button titles that fit side by side on a phone (340 px, Teams' font)


def button_rows(buttons: Iterable[Element], *, chars: int = ROW_CHARS) -> list[Element]:
    """Buttons as rows in the body, as many per row as fit a phone's width by their titles
    (in order; a long title gets a row of its own)."""
    rows: list[list[Element]] = []
    used = 0
    for found in buttons:
        size = len(str(found.get("title", "")))
        if rows and used + size <= chars:
            rows[-1].append(found)
            used += size
        else:
            rows.append([found])
            used = size
    return [action_set(row, spacing="small" if i else None) for i, row in enumerate(rows)]


def toggle(title: str, *targets: str) -> Element:
    """A button that shows or hides the elements with these ids, on the card itself (no
    round trip to the bot): details folded away on a phone."""
    return {
        "type": "Action.ToggleVisibility",
        "title": title,
        "targetElements": list(targets),
    }


def folded(element_id: str, items: Iterable[Element | None], *, shown: bool = False) -> Element:
    """A Container that a ``toggle`` shows and hides; hidden unless ``shown``."""
    element: Element = {
        "type": "Container",
        "id": element_id,
        "items": [i for i in items if i is not None],
    }
    if not shown:
        element["isVisible"] = False
    return element
