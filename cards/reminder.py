"""Reminder cards: one digest per person, the strategists' digest and notes, and the
"Påminn obesvarade" preview and result."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date

from bot.domain.due import ACTION, CONTROL, DueItem, OverdueDigest, OwnerDigest, UnreachableNote
from bot.domain.model import Period
from bot.domain.schedule import Stage
from bot.domain.swedish import format_date
from cards.actions import OpenControl, OpenFollowup, RemindConfirm, ShowActions, ShowList
from cards.common import (
    Element,
    action_set,
    adaptive_card,
    button,
    container,
    days_text,
    heading,
    join_words,
    shorten,
    source_line,
    text_block,
)

UNREACHABLE_TEXT = "kan inte nås i Teams ännu"
_LABEL_CHARS = 120
_ITEMS_BUDGET = 22_000  # bytes of items per card; the rest are counted in "… och N till"

_INTRO = {
    Stage.OPENS: "Nu kan du följa upp dina kontrollmoment.",
    Stage.BEFORE: "Påminnelse: snart är det sista svarsdag för dina kontrollmoment.",
    Stage.DEADLINE: "Påminnelse: i dag är sista svarsdag för dina kontrollmoment.",
    Stage.OVERDUE: "Påminnelse: sista svarsdagen har passerat för dina kontrollmoment.",
    Stage.MANUAL: "Kvalitetsstrategen påminner om dina obesvarade kontrollmoment.",
    Stage.DIGEST: "Påminnelse om dina obesvarade kontrollmoment.",
}

_ACTION_INTRO = {
    Stage.BEFORE: "Påminnelse: snart ska dina åtgärder vara klara. Ange hur det går.",
    Stage.DEADLINE: "Påminnelse: i dag ska dina åtgärder vara klara. Ange hur det går.",
    Stage.OVERDUE: "Påminnelse: dina åtgärder skulle ha varit klara. Ange hur det går.",
    Stage.DIGEST: "Påminnelse om dina åtgärder som inte är klara.",
}


def item_button(item: DueItem) -> Element | None:
    """The button that opens an item (a control's answer card); None for unknown kinds."""
    if item.kind == CONTROL:
        action = OpenControl(plan=item.plan, control=item.key, year=item.year, period=item.period)
        return button("Svara", action, style="positive")
    if item.kind == ACTION:
        followup = OpenFollowup(
            plan=item.plan, control=item.key, year=item.year, period=item.period
        )
        return button("Uppdatera status", followup, style="positive")
    return None


def owner_digest_card(digest: OwnerDigest) -> Element:
    """Everything one person should answer now, with a Svara button each."""
    controls = [i for i in digest.items if i.kind != ACTION]
    actions = [i for i in digest.items if i.kind == ACTION]
    body: list[Element | None] = []
    buttons: list[Element] = []
    if controls:
        terms = sorted({(i.year, i.period.rank, _term_label(i)) for i in controls})
        body += [
            heading(f"Att följa upp – {join_words([t[2] for t in terms])}"),
            text_block(_INTRO.get(digest.stage, _INTRO[Stage.DIGEST])),
        ]
        body += _items(controls, digest.today, with_buttons=True)
        buttons.append(button("Mina kontroller", ShowList()))
    if actions:
        body += [
            heading("Åtgärder att slutföra", size="medium" if controls else "large"),
            text_block(_ACTION_INTRO.get(digest.stage, _ACTION_INTRO[Stage.DIGEST])),
        ]
        body += _items(actions, digest.today, with_buttons=True)
        buttons.append(button("Mina åtgärder", ShowActions()))
    return adaptive_card(body, buttons)


def overdue_digest_card(digest: OverdueDigest) -> Element:
    """For a strategist: what is still unanswered well past its deadline, per nämnd."""
    people = len({i.recipient for i in digest.items})
    body: list[Element | None] = [
        heading("Försenade kontrollmoment"),
        text_block(
            f"{len({(i.plan, i.key) for i in digest.items})} kontrollmoment hos {people} "
            f"{'person' if people == 1 else 'personer'} är fortfarande obesvarade en vecka "
            "efter sista svarsdagen."
        ),
    ]
    body += _items(digest.items, digest.today, with_buttons=False, with_owner=True)
    if digest.unreachable:
        body.append(
            text_block(
                f"{UNREACHABLE_TEXT.capitalize()}: {join_words(list(digest.unreachable))}",
                separator=True,
            )
        )
    return adaptive_card(body)


def unreachable_card(note: UnreachableNote) -> Element:
    """For a strategist: who could not be reminded in Teams."""
    return adaptive_card(
        [
            heading("Påminnelser som inte kom fram", size="medium"),
            text_block(
                f"Jag kunde inte nå {join_words(list(note.people))} i Teams: boten är inte "
                "installerad hos dem eller har blockerats. Påminn dem på annat sätt, eller be "
                "dem öppna Internkontroll-boten i Teams en gång."
            ),
        ]
    )


def remind_preview_card(
    items: Sequence[DueItem],
    unreachable: Sequence[str],
    already: Sequence[str],
    *,
    year: int,
    period: Period,
    namnd: str | None,
    today: date,
) -> Element:
    """What "Påminn obesvarade" would send: how many people, which kontrollmoment."""
    scope = f"{period.label} {year}" + (f" – {namnd}" if namnd else "")
    people = sorted({i.recipient for i in items})
    if not people:
        return adaptive_card(
            [
                heading(f"Påminn obesvarade – {scope}", size="medium"),
                text_block("Det finns ingen att påminna: alla kontrollmoment är besvarade."),
            ]
        )
    reach = [p for p in people if p not in unreachable and p not in already]
    body: list[Element | None] = [
        heading(f"Påminn obesvarade – {scope}", size="medium"),
        text_block(
            f"{len(reach)} {'person' if len(reach) == 1 else 'personer'} får en påminnelse om "
            f"{len({(i.plan, i.key) for i in items})} obesvarade kontrollmoment."
        ),
    ]
    if unreachable:
        body.append(text_block(f"{_capital(UNREACHABLE_TEXT)}: {join_words(list(unreachable))}"))
    if already:
        body.append(text_block(f"Redan påminda i dag: {join_words(list(already))}", subtle=True))
    body += _items(items, today, with_buttons=False, with_owner=True)
    actions = []
    if reach:
        confirm = RemindConfirm(year=year, period=period, namnd=namnd)
        actions.append(button("Skicka påminnelserna", confirm, style="positive"))
    return adaptive_card(body, actions)


def remind_result_card(
    sent: Sequence[str],
    unreachable: Sequence[str],
    failed: Sequence[str],
    already: Sequence[str],
    *,
    scope: str,
) -> Element:
    """What "Skicka påminnelserna" did."""
    lines = [
        ("Skickade", sent),
        (_capital(UNREACHABLE_TEXT), unreachable),
        ("Misslyckades (försök igen senare)", failed),
        ("Redan påminda i dag", already),
    ]
    body: list[Element | None] = [heading(f"Påminnelser – {scope}", size="medium")]
    for title, people in lines:
        if people or title == "Skickade":
            text = f"{title}: {len(people)}"
            if people and title != "Skickade":
                text += f" ({join_words(sorted(people))})"
            body.append(text_block(text))
    return adaptive_card(body)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _term_label(item: DueItem) -> str:
    return f"{item.period.label} {item.year}"


def _items(
    items: Sequence[DueItem], today: date, *, with_buttons: bool, with_owner: bool = False
) -> list[Element | None]:
    elements: list[Element | None] = []
    used, previous = 0, ""
    for shown, item in enumerate(items):
        source = source_line(item.namnd, item.plan_name)
        element = _item(item, today, "" if source == previous else source, with_buttons, with_owner)
        used += len(json.dumps(element, ensure_ascii=False).encode("utf-8", "surrogatepass"))
        if used > _ITEMS_BUDGET and shown:
            elements.append(text_block(f"… och {len(items) - shown} till.", separator=True))
            break
        elements.append(element)
        previous = source
    return elements


def _item(item: DueItem, today: date, source: str, with_buttons: bool, with_owner: bool) -> Element:
    late = item.days_overdue(today)
    when = "Klart senast" if item.kind == ACTION else "Sista svarsdag"
    deadline = f"{_term_label(item)} · {when} {format_date(item.deadline)}"
    if late:
        deadline += f" · försenad {days_text(late)}"
    found = item_button(item) if with_buttons else None
    return container(
        [
            text_block(f"{item.key} – {shorten(item.label, _LABEL_CHARS)}", weight="bolder"),
            text_block(shorten(source, 90), subtle=True, spacing="none") if source else None,
            text_block(f"Ansvarig: {item.recipient}", spacing="none") if with_owner else None,
            text_block(deadline, spacing="none", color="attention" if late else None),
            action_set([found], spacing="small") if found else None,
        ],
        separator=True,
    )
