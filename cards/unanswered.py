"""The list of who has not answered in one period, grouped by ansvarig."""

from __future__ import annotations

from typing import cast

from bot.domain.status import Missing, Summary
from cards.actions import WriteSummary
from cards.common import (
    Element,
    adaptive_card,
    button,
    container,
    days_text,
    format_date,
    heading,
    shorten,
    text_block,
)
from cards.status import (
    CARD_BUDGET,
    EXCEL_NOTE,
    NAME_CHARS,
    NO_OWNER,
    NOTES_RESERVE,
    card_size,
    control_title,
    item_size,
    summary_scope,
    term_title,
    unanswered_line,
)


def unanswered_card(summary: Summary, *, can_write: bool = True) -> Element:
    """Everyone who has not answered in the term, grouped by ansvarig, most overdue first."""
    by_owner: dict[str, list[Missing]] = {}
    for missing in summary.unanswered:
        by_owner.setdefault(missing.owner.strip() or NO_OWNER, []).append(missing)
    body: list[Element | None] = [
        heading(f"Obesvarade – {term_title(summary).removeprefix('Status ')}"),
        text_block(unanswered_line(summary), subtle=True, spacing="none"),
    ]
    write = button("Skriv sammanställning till Excel", WriteSummary(**summary_scope(summary)))
    actions = [write] if can_write else []
    used = card_size(adaptive_card(body, actions)) + NOTES_RESERVE
    shown = 0
    for owner, items in by_owner.items():
        group = container(
            [text_block(f"{shorten(owner, NAME_CHARS)} ({len(items)})", weight="bolder")],
            separator=True,
        )
        used += item_size(group)
        lines = cast("list[Element]", group["items"])
        for missing in items:
            line = _missing_line(missing)
            used += item_size(line)
            if used > CARD_BUDGET:
                break
            lines.append(line)
        if len(lines) > 1:
            body.append(group)
            shown += len(lines) - 1
        if used > CARD_BUDGET:
            break
    hidden = len(summary.unanswered) - shown
    if hidden:
        body.append(text_block(f"… och {hidden} till. {EXCEL_NOTE}", separator=True))
    return adaptive_card(body, actions)


def _missing_line(missing: Missing) -> Element:
    text = f"{control_title(missing)} · sista svarsdag {format_date(missing.deadline)}"
    if missing.days_overdue:
        text += f" · försenad {days_text(missing.days_overdue)}"
    return text_block(text, color="attention" if missing.days_overdue else None, spacing="small")
