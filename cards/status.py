"""The status summary card (sammanställning) of one period, and helpers its sibling cards share."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from bot.domain.followup import OpenEarlier
from bot.domain.model import Severity
from bot.domain.status import Finding, Missing, Orphan, Summary, Tally, Unscheduled
from bot.domain.swedish import class_counts, plural, progress
from bot.domain.swedish import unanswered_line as _unanswered_words
from cards.actions import MakeReport, RemindPreview, ShowStatus, ShowUnanswered, WriteSummary
from cards.common import (
    Element,
    adaptive_card,
    button,
    button_rows,
    container,
    days_text,
    fact_set,
    format_date,
    heading,
    shorten,
    source_line,
    text_block,
)
from cards.fold import folded
from cards.risk_matrix import risk_section
from cards.size import card_size, printable

# The whole card is kept under 28 KB (28,672 bytes) of JSON: the Power Automate Teams
# connector's limit, well inside the 100 KB a bot's message may take (PLATFORM-NEXT §6),
# so the activity around the card has room. The lists share what the fixed parts
# (heading, counts, risk matrix, buttons) leave, and stop early when it is used up.
CARD_BUDGET = 27_300
NOTES_RESERVE = 1_000  # the "… och N till" lines
FOLD_RESERVE = 600  # the lists' fold headings cost ~100 bytes more than plain ones

_TITLE_CHARS = 120
_TEXT_CHARS = 200
NAME_CHARS = 80
EXCEL_NOTE = "Hela listan finns i Excel-bladet."
NO_OWNER = "Ingen ansvarig angiven"

_COMPACT = (  # the classes a per-nämnd/område line mentions, most serious first
    Severity.MAJOR,
    Severity.NOT_PERFORMED,
    Severity.MINOR,
    Severity.DEFERRED,
)
_COLORS = {Severity.MAJOR: "attention", Severity.NOT_PERFORMED: "attention"}


@dataclass(frozen=True, slots=True)
class _Cut:
    """The elements of one list that fit, and what was left out."""

    shown: list[Element]
    hidden: int
    by_budget: bool


def status_card(
    summary: Summary,
    *,
    full: bool = False,
    limit: int = 10,
    pending: int = 0,
    can_write: bool = True,
    names: Mapping[str, str] | None = None,
) -> Element:
    """The compiled status of a term; lists stop at ``limit`` items unless ``full``.

    The head (progress, late, unowned) is always shown; the sections below are folded
    (tap to open) with the most important first, so the card fits a phone. ``names`` (by
    e-mail, lower case) names people instead of their addresses. ``can_write=False``
    leaves out "Skriv sammanställning till Excel" and "Skapa rapport"."""
    people = names or {}
    count = None if full else max(limit, 0)
    total = summary.total
    fixed: list[Element | None] = [
        heading(term_title(summary)),
        text_block(f"Sammanställd {format_date(summary.today)}", subtle=True, spacing="none"),
        text_block(
            progress(total.answered, total.due, total.percent_shown), weight="bolder", size="medium"
        ),
        text_block(f"{pending} väntar på att skrivas till Excel.", color="warning")
        if pending > 0
        else None,
        _overdue_line(summary),
        _unowned_line(summary),
    ]
    outcomes = [
        fact_set(_outcome_facts(summary)),
        fact_set([("Per klass", _class_line(summary))], spacing="small"),
    ]
    risk = risk_section(summary)
    buttons_probe = _buttons(summary, cut=True, full=full, can_write=can_write)
    risk_title = str(risk[0]["text"]) if risk and risk[0] is not None else "Riskmatris"
    head_parts = [
        *folded("outcomes", "Bedömningar", outcomes),
        *folded("risk", risk_title, risk[1:]),
    ]
    probe = adaptive_card([*fixed, *head_parts], buttons_probe)
    budget = CARD_BUDGET - NOTES_RESERVE - FOLD_RESERVE - card_size(probe)

    compact = summary.wording.compact

    def group_fact(item: object) -> Element:
        return _group_fact(item, compact)

    sections: dict[str, tuple[Sequence[object], Callable[[object], Element]]] = {
        "namnd": (_groups(summary.by_namnd) if len(summary.by_namnd) > 1 else [], group_fact),
        "area": (_groups(summary.by_area) if len(summary.by_area) > 1 else [], group_fact),
        "group": (_groups(summary.by_group) if len(summary.by_group) > 1 else [], group_fact),
        "deviations": (summary.deviations, lambda item: _deviation_item(item, people)),
        "deferred": (summary.deferred, lambda item: _deferred_item(item, people)),
        "check": ([*summary.unknown, *summary.orphans, *summary.unscheduled], _check_item),
        "unanswered": (summary.unanswered, lambda item: _missing_item(item, people)),
        "earlier": (summary.open_actions, lambda item: earlier_action_item(item, people)),
    }
    rendered = {
        name: [render(item) for item in (items[:count] if count is not None else items)]
        for name, (items, render) in sections.items()
    }
    shares = _fair_shares({n: sum(map(item_size, r)) for n, r in rendered.items()}, budget)
    cuts = {name: _take(rendered[name], len(sections[name][0]), shares[name]) for name in sections}

    body: list[Element | None] = [*fixed]
    # Most important first: what went wrong, who has not answered, then the counts.
    deviations = f"{summary.wording.deviations} ({len(summary.deviations)})"
    body += _folded_list("deviations", deviations, cuts["deviations"])
    body += _folded_list(
        "unanswered", f"Obesvarade ({len(summary.unanswered)})", cuts["unanswered"]
    )
    body += head_parts[:2]  # Bedömningar
    for name, title in (
        ("namnd", "Per nämnd"),
        ("area", summary.area_heading),
        ("group", summary.group_heading),
    ):
        cut = cuts[name]
        if cut.shown or cut.hidden:
            facts: Element | None = {"type": "FactSet", "facts": cut.shown} if cut.shown else None
            body += folded(name, title, [facts, _more(cut)])
    if summary.deferred:
        later = "Följs upp på helår" if summary.term.period.is_interim else "Följs upp senare"
        body += _folded_list("deferred", f"{later} ({len(summary.deferred)})", cuts["deferred"])
    checks = len(summary.unknown) + len(summary.orphans) + len(summary.unscheduled)
    if checks:
        body += _folded_list("check", f"Att kontrollera ({checks})", cuts["check"])
    if summary.open_actions:
        earlier = f"Öppna åtgärder från tidigare perioder ({len(summary.open_actions)})"
        body += _folded_list("earlier", earlier, cuts["earlier"])
    body += head_parts[2:]  # the risk matrix, last
    cut_any = any(c.hidden for c in cuts.values())
    found = _buttons(summary, cut=cut_any, full=full, can_write=can_write)
    # A strategist's card has up to five buttons: in rows that fit a phone's width (the
    # card's own action bar would need sideways scrolling at 340 px).
    return adaptive_card([*body, *button_rows(found)])


# --- the head ----------------------------------------------------------------------------


def term_title(summary: Summary) -> str:
    """The card heading: "Status <period> <year>", and the nämnd if there is one."""
    term = summary.term
    title = f"Status {term.period.label.lower()} {term.year}"
    namnd = (summary.namnd or "").strip()
    return f"{title} – {shorten(namnd, NAME_CHARS)}" if namnd else title


def _overdue_line(summary: Summary) -> Element | None:
    if not summary.unanswered:
        return None
    return text_block(unanswered_line(summary), spacing="none")


def unanswered_line(summary: Summary) -> str:
    """How many are unanswered, and how many of them are late ("1 obesvarat, varav 1
    försenat.")."""
    late = sum(1 for m in summary.unanswered if m.days_overdue > 0)
    return _unanswered_words(len(summary.unanswered), late)


def _unowned_line(summary: Summary) -> Element | None:
    if not summary.unowned:
        return None
    text = (
        f"{summary.unowned} kontrollmoment saknar ansvarig – en strateg kan svara på dem. "
        "Lägg till ansvariga i tabellen Ansvariga på bladet Inställningar."
    )
    return text_block(text, color="warning", spacing="none")


def _outcome_facts(summary: Summary) -> list[tuple[str, str]]:
    total = summary.total
    labels = summary.wording.order_labels(total.by_label)
    facts = [(shorten(label, NAME_CHARS), str(total.by_label[label])) for label in labels]
    if total.unknown:
        facts.append(("Okänd bedömning", str(total.unknown)))
    if total.unanswered:
        facts.append(("Obesvarade", str(total.unanswered)))
    return facts


def _class_line(summary: Summary) -> str:
    tally = summary.total
    interim = summary.term.period.is_interim
    return class_counts(tally.by_class, tally.unknown, interim, summary.wording.class_names)


def _groups(tallies: Mapping[str, Tally]) -> list[tuple[str, Tally]]:
    return list(tallies.items())


def _group_fact(item: object, words: Mapping[Severity, str]) -> Element:
    name, tally = cast("tuple[str, Tally]", item)
    parts = [f"{tally.answered} av {tally.due} besvarade"]
    parts += [f"{tally.by_class[s]} {words[s]}" for s in _COMPACT if tally.by_class.get(s)]
    if tally.unknown:
        parts.append(plural(tally.unknown, "okänd bedömning", "okända bedömningar"))
    return {"title": shorten(name, 60) or "Ej angivet", "value": " · ".join(parts)}


# --- the lists ---------------------------------------------------------------------------


def item_size(element: Element) -> int:
    """The bytes an element takes as one item of a list."""
    return card_size(element) + 2  # and the ", " between items


def _fair_shares(demands: Mapping[str, int], budget: int) -> dict[str, int]:
    # Max-min fair: small sections get all they need, the big ones split what is left
    # equally, so a long list of deviations cannot squeeze out who has not answered.
    shares: dict[str, int] = {}
    left = max(budget, 0)
    order = sorted(demands, key=lambda name: demands[name])
    for index, name in enumerate(order):
        shares[name] = min(demands[name], left // (len(order) - index))
        left -= shares[name]
    return shares


def _take(rendered: Sequence[Element], total: int, budget: int) -> _Cut:
    used = 0
    for index, element in enumerate(rendered):
        size = item_size(element)
        if used + size > budget:
            return _Cut(list(rendered[:index]), total - index, True)
        used += size
    return _Cut(list(rendered), total - len(rendered), False)


def _more(cut: _Cut) -> Element | None:
    if not cut.hidden:
        return None
    text = f"… och {cut.hidden} till."
    if cut.by_budget:
        text = f"{text} {EXCEL_NOTE}"
    return text_block(text, subtle=True, spacing="small")


def _section(title: str) -> Element:
    return heading(title, size="medium")


def _folded_list(key: str, title: str, cut: _Cut) -> list[Element]:
    if not cut.shown and not cut.hidden:
        return []
    return folded(key, title, [*cut.shown, _more(cut)])


def _person(who: str, names: Mapping[str, str]) -> str:
    """A person's name where Teams told it, else as the plan or answer wrote it."""
    return names.get(who.strip().casefold(), who)


def control_title(finding: Finding | Missing | Unscheduled) -> str:
    """A control's id and shortened description."""
    control = finding.control
    return f"{control.id} – {shorten(control.description, _TITLE_CHARS)}"


def _deviation_item(item: object, names: Mapping[str, str]) -> Element:
    finding = cast(Finding, item)
    color = _COLORS.get(finding.severity, "warning") if finding.severity else "warning"
    action = finding.action
    source = source_line(finding.namnd, finding.plan_name)
    # Not performed: the reason is what matters, not an åtgärd.
    reason = finding.severity is not None and finding.severity.needs_reason
    observations = shorten(finding.observations, _TEXT_CHARS)
    facts = [
        ("Ansvarig", shorten(_person(finding.owner, names), NAME_CHARS)),
        ("Skäl", observations or "Inget skäl angivet")
        if reason
        else ("Iakttagelser", observations),
    ]
    if action is not None:
        facts += [
            ("Åtgärd", shorten(action.text, _TEXT_CHARS)),
            ("Åtgärdsansvarig", shorten(_person(action.owner, names), NAME_CHARS)),
            ("Klart senast", format_date(action.due) if action.due else ""),
        ]
    if not reason and (action is None or not action.text.strip()):
        facts.append(("Åtgärd", "Ingen åtgärd angiven"))
    return container(
        [
            text_block(control_title(finding), weight="bolder"),
            text_block(shorten(source, 90), subtle=True, spacing="none") if source else None,
            text_block(shorten(finding.label, NAME_CHARS), color=color, weight="bolder"),
            fact_set(facts, spacing="small"),
        ],
        separator=True,
    )


def _deferred_item(item: object, names: Mapping[str, str]) -> Element:
    finding = cast(Finding, item)
    owner = shorten(_person(finding.owner, names), NAME_CHARS)
    return text_block(f"{control_title(finding)} · {owner}", spacing="small")


def _check_item(item: object) -> Element:
    if isinstance(item, Unscheduled):
        text = (
            f"{control_title(item)}: period okänd ”{shorten(item.control.period_text, 60)}” "
            "– följs inte upp förrän planen rättas."
        )
        return text_block(text, spacing="small")
    if isinstance(item, Orphan):
        answer = item.answer
        text = (
            f"{shorten(answer.control_id, 40)} ({shorten(answer.plan_key, 60)}): "
            f"{item.reason}. Besvarat av {shorten(answer.answered_by, NAME_CHARS)}."
        )
        return text_block(text, spacing="small")
    finding = cast(Finding, item)
    label = shorten(finding.label, NAME_CHARS)
    return text_block(f"{control_title(finding)}: okänd bedömning ”{label}”", spacing="small")


def earlier_action_item(item: object, names: Mapping[str, str]) -> Element:
    """An åtgärd from an earlier period that is not done: where from, Klart senast, status."""
    found = cast(OpenEarlier, item)
    tracked = found.tracked
    line = f"{tracked.period.label} {tracked.year} · {tracked.status.value}"
    if tracked.action.due:
        line += f" · klart senast {format_date(tracked.action.due)}"
    late = found.days_overdue
    if late:
        line += f" · försenad {days_text(late)}"
    owner = shorten(_person(tracked.action.owner, names), NAME_CHARS)
    return container(
        [
            text_block(f"{found.control.id} – {shorten(tracked.action.text, _TITLE_CHARS)}"),
            text_block(
                line + (f" · {owner}" if owner else ""),
                color="attention" if late else None,
                spacing="none",
            ),
        ],
        separator=True,
    )


def _missing_item(item: object, names: Mapping[str, str]) -> Element:
    missing = cast(Missing, item)
    line = f"{shorten(_person(missing.owner, names), NAME_CHARS) or NO_OWNER} · sista svarsdag "
    line += format_date(missing.deadline)
    if missing.days_overdue:
        line += f" · försenad {days_text(missing.days_overdue)}"
    return container(
        [
            text_block(control_title(missing), weight="bolder"),
            text_block(line, color="attention" if missing.days_overdue else None, spacing="none"),
        ],
        separator=True,
    )


# --- buttons -----------------------------------------------------------------------------


def summary_scope(summary: Summary) -> dict[str, Any]:
    """The year, period and nämnd a status button acts on."""
    # A typed nämnd goes back into the buttons: at most what their ids take, and sendable.
    namnd = printable((summary.namnd or "").strip()[:200]) or None
    return {"year": summary.term.year, "period": summary.term.period, "namnd": namnd}


def _buttons(summary: Summary, *, cut: bool, full: bool, can_write: bool) -> list[Element]:
    scope = summary_scope(summary)
    found = [button("Skriv sammanställning till Excel", WriteSummary(**scope))] if can_write else []
    if can_write and summary.total.due:
        found.append(button("Skapa rapport", MakeReport(**scope)))
    if summary.unanswered:
        found.append(button("Visa obesvarade", ShowUnanswered(**scope)))
        if can_write:  # a strategist's card
            found.append(button("Påminn obesvarade", RemindPreview(**scope)))
    if cut and not full:
        found.append(button("Visa allt", ShowStatus(**scope, full=True)))
    return found
