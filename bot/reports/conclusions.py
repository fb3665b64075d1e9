"""The draft of the report's Slutsatser, drawn from the data: how many deviations, the most
serious, where they cluster and what is not done. A draft the strategist edits."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.domain.model import Severity
from bot.domain.status import DEVIATIONS, Summary
from bot.domain.swedish import plural

if TYPE_CHECKING:
    from bot.reports.document import ControlResult

_MOST = 3  # the most serious deviations named


def conclusions(summary: Summary, results: Sequence[ControlResult]) -> tuple[str, ...]:
    """A few sentences in Swedish, most important first."""
    total = summary.total
    if not total.due:
        return ("Inga kontrollmoment skulle följas upp denna period.",)
    names = summary.wording.class_names
    lines = [
        f"{total.answered} av {total.due} kontrollmoment har följts upp ({total.percent_shown} %)."
    ]
    found = [r for r in results if r.severity in DEVIATIONS]
    if not found:
        lines.append(
            "Uppföljningen visar inga avvikelser: den interna kontrollen bedöms fungera "
            "för de kontrollerade områdena."
        )
    else:
        counts = [
            f"{names[s].lower()} {total.by_class.get(s, 0)}"
            for s in (Severity.MAJOR, Severity.MINOR, Severity.NOT_PERFORMED)
            if total.by_class.get(s, 0)
        ]
        lines.append(
            f"Uppföljningen visar {plural(len(found), 'kontrollmoment', 'kontrollmoment')} "
            f"med avvikelser eller brister ({', '.join(counts)})."
        )
        serious = [f.control for f in summary.deviations[:_MOST]]
        if serious:
            listed = "; ".join(f"{c.id} {_short(c.description)}" for c in serious)
            lines.append(f"De allvarligaste gäller: {listed}.")
        places = Counter(r.grouping for r in found if r.grouping)
        if places:
            where, count = places.most_common(1)[0]
            if count > 1:
                lines.append(f"Avvikelserna samlas inom {where} ({count} kontrollmoment).")
        without = [r for r in found if r.severity is not Severity.NOT_PERFORMED and _no_action(r)]
        if without:
            lines.append(
                f"{plural(len(without), 'avvikelse', 'avvikelser')} saknar förslag på åtgärd."
            )
    if total.unanswered:
        lines.append(
            f"{plural(total.unanswered, 'kontrollmoment', 'kontrollmoment')} har inte "
            "rapporterats och behöver följas upp."
        )
    return tuple(lines)


def _no_action(result: ControlResult) -> bool:
    action = result.answer.action if result.answer else None
    return action is None or not action.text.strip()


def _short(text: str, limit: int = 90) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"
