"""Card actions on the SDK's routes: every verb has one, anything else gets the notice."""

from __future__ import annotations

import typing
from typing import Any

import pytest

from bot.domain.model import Period
from cards.actions import (
    CardPayload,
    FromReceipt,
    LeaveCard,
    MakeReport,
    NextControl,
    OpenControl,
    OpenFollowup,
    RemindConfirm,
    RemindPreview,
    RunCommand,
    SaveActionStatus,
    ShowActions,
    ShowHelp,
    ShowHistory,
    ShowList,
    ShowReceipt,
    ShowStatus,
    ShowUnanswered,
    SubmitAnswer,
    WriteSummary,
)
from tests.fakes import activities
from tests.fakes.harness import ALEX, STRATEGIST, BotClient, card_text, cards_of

IDS: dict[str, Any] = {"plan": "ks.xlsx", "control": "1", "year": 2026, "period": Period.YEAR}
TERM: dict[str, Any] = {"year": 2026, "period": Period.YEAR}
EXAMPLES: dict[type, Any] = {
    ShowList: ShowList(),
    ShowHelp: ShowHelp(),
    OpenControl: OpenControl(**IDS),
    SubmitAnswer: SubmitAnswer(**IDS, nonce="a" * 32),
    NextControl: NextControl(**IDS),
    LeaveCard: LeaveCard(**IDS),
    ShowStatus: ShowStatus(**TERM),
    ShowUnanswered: ShowUnanswered(**TERM),
    WriteSummary: WriteSummary(**TERM),
    MakeReport: MakeReport(**TERM),
    ShowActions: ShowActions(),
    OpenFollowup: OpenFollowup(**IDS),
    SaveActionStatus: SaveActionStatus(**IDS, nonce="a" * 32),
    RemindPreview: RemindPreview(**TERM),
    RemindConfirm: RemindConfirm(**TERM),
    RunCommand: RunCommand(text="mina kontroller"),
    ShowReceipt: ShowReceipt(**IDS, answer="a" * 32),
    FromReceipt: FromReceipt(**IDS, answer="a" * 32, to="list"),
    ShowHistory: ShowHistory(**IDS),
}
NOT_RECOGNISED = "känner igen"


def test_every_card_action_has_an_example() -> None:
    assert set(typing.get_args(CardPayload)) == set(EXAMPLES)


@pytest.mark.parametrize("how", ["execute", "submit"])
@pytest.mark.parametrize("model", list(EXAMPLES), ids=lambda m: m.__name__)
async def test_every_verb_a_card_carries_is_routed(bot: BotClient, how: str, model: type) -> None:
    data = EXAMPLES[model].data()
    if how == "execute":
        card = await bot.click(data, STRATEGIST)
    else:
        [card] = cards_of(await bot.submit(data, STRATEGIST))
    assert NOT_RECOGNISED not in card_text(card)
    assert "Något gick fel" not in card_text(card)


def _invoke(bot: BotClient, action: dict[str, Any]) -> dict[str, Any]:
    activity = activities.execute({}, ALEX, bot.service_url, "conv-user-alex")
    activity["value"] = {"action": action, "trigger": "manual"}
    return activity


@pytest.mark.parametrize(
    "action",
    [
        {"type": "Action.Execute", "verb": "delete_everything", "data": {"verb": "x"}},
        {"type": "Action.Execute", "verb": None, "data": {"verb": "list"}},
        {"type": "Action.Submit", "verb": "list", "data": {"verb": "list"}},
        {"type": "Action.Execute", "verb": "list"},  # no data
        {"type": "Action.Execute", "verb": "list", "data": ["list"]},
        {"type": "Action.Execute", "verb": "open", "data": {"verb": "list"}},  # verbs differ
        {"verb": "list", "data": {"verb": "list"}},  # no type
        {"type": "Action.Execute", "verb": "list\n", "data": {"verb": "list\n"}},
        {"type": "Action.Execute", "verb": "lists", "data": {"verb": "lists"}},
        {"type": "Action.Execute", "verb": "open_", "data": {"verb": "open_"}},
        {"type": "Action.Execute", "verb": "lis", "data": {"verb": "lis"}},
        {"type": "Action.Execute", "verb": "list|open", "data": {"verb": "list|open"}},
    ],
    ids=[
        "unknown-verb",
        "no-verb",
        "not-execute",
        "no-data",
        "data-a-list",
        "two-verbs",
        "no-type",
        "a-verb-and-a-newline",
        "a-verb-and-more",
        "a-verb-and-an-underscore",
        "part-of-a-verb",
        "two-verbs-in-one",
    ],
)
async def test_a_click_nothing_is_routed_for_gets_the_notice_not_an_error(
    bot: BotClient, action: dict[str, Any]
) -> None:
    status, body = await bot.post(_invoke(bot, action))
    assert status == 200 and body["statusCode"] == 200
    assert body["type"] == "application/vnd.microsoft.card.adaptive"
    assert NOT_RECOGNISED in card_text(body["value"])
    assert bot.connector.member_lookups == 0  # nothing was looked up for it


async def test_a_submit_nothing_is_routed_for_gets_the_notice(bot: BotClient) -> None:
    for data in (
        {"verb": "delete_everything"},
        {"verb": 7},
        {"plan": "ks.xlsx"},
        {"verb": "list\n"},
        {"verb": "lists"},
        {"verb": "status|list"},
    ):
        [card] = cards_of(await bot.submit(data))
        assert NOT_RECOGNISED in card_text(card)
    assert bot.connector.member_lookups == 0


async def test_a_message_with_a_value_that_is_no_card_data_is_not_understood(
    bot: BotClient,
) -> None:
    activity = activities.message("", ALEX, bot.service_url, "conv-user-alex")
    activity["value"] = ["list"]
    status, _ = await bot.post(activity)
    assert status in (200, 202)
    [reply] = [m for m in bot.connector.sent if m["type"] == "message"]
    assert "förstod inte" in reply["text"]
