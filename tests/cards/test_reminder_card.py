"""The reminder cards: one digest per person with a Svara button each, kept within Teams'
card size."""

from __future__ import annotations

import json
from datetime import date

from bot.domain.due import CONTROL, DueItem, OverdueDigest, OwnerDigest
from bot.domain.model import Period
from bot.domain.schedule import Stage
from cards.actions import OpenControl, card_action
from cards.reminder import overdue_digest_card, owner_digest_card
from tests.fakes.card_schema import actions, all_text, assert_valid_card

TEAMS_CARD_LIMIT = 28 * 1024
TODAY = date(2027, 1, 21)


def item(n: int, label: str = "", recipient: str = "anna@ex.se") -> DueItem:
    return DueItem(
        kind=CONTROL,
        recipient=recipient,
        plan="ks.xlsx",
        key=str(n),
        year=2026,
        period=Period.YEAR,
        opens=date(2026, 12, 1),
        deadline=date(2027, 1, 14),
        label=label or f"Kontrollmoment {n}",
        plan_name="Internkontrollplan 2026",
        namnd="Kommunstyrelsen",
    )


def test_one_card_lists_every_due_control_with_a_svara_button() -> None:
    card = owner_digest_card(OwnerDigest("anna@ex.se", (item(1), item(2)), Stage.OVERDUE, TODAY))
    assert_valid_card(card)
    text = all_text(card)
    assert "Att följa upp – Helår 2026" in text
    assert "sista svarsdagen har passerat" in text and "försenad 7 dagar" in text
    found = [b for b in actions(card) if b["title"] == "Svara"]
    assert [card_action.validate_python(b["data"]) for b in found] == [
        OpenControl(plan="ks.xlsx", control=str(n), year=2026, period=Period.YEAR) for n in (1, 2)
    ]


def test_a_hundred_long_controls_stay_under_the_limit() -> None:
    items = tuple(item(n, "Ett mycket långt kontrollmoment " * 40) for n in range(100))
    for card in (
        owner_digest_card(OwnerDigest("anna@ex.se", items, Stage.OPENS, TODAY)),
        overdue_digest_card(OverdueDigest("stina@ex.se", items, TODAY)),
    ):
        assert_valid_card(card)
        assert len(json.dumps(card, ensure_ascii=False).encode()) < TEAMS_CARD_LIMIT
        assert "… och" in all_text(card)
