"""The conversation state machine and the command parser."""

from __future__ import annotations

import pytest

from bot.domain.model import Period
from cards.actions import NextControl, OpenControl, ShowList, SubmitAnswer
from dialogs.commands import Command, StatusQuery, parse_command, parse_status
from dialogs.flow import (
    Clicked,
    FlowState,
    Greeted,
    SaveAnswer,
    ShowAnswerCard,
    ShowMyList,
    ShowNextAfter,
    ShowNotUnderstood,
    ShowWelcome,
    Target,
    Typed,
    advance,
)


def test_welcome_only_once() -> None:
    state, effects = advance(FlowState(), Greeted())
    assert effects == [ShowWelcome()] and state.welcomed
    assert advance(state, Greeted()) == (state, [])


def test_typed_commands() -> None:
    assert advance(FlowState(), Typed(Command.LIST))[1] == [ShowMyList()]
    assert advance(FlowState(), Typed(Command.UNKNOWN))[1] == [ShowNotUnderstood()]


def test_card_actions_track_the_current_control() -> None:
    open_ = OpenControl(plan="ks.xlsx", control="7", year=2026, period=Period.YEAR)
    state, effects = advance(FlowState(welcomed=True), Clicked(open_))
    target = Target("ks.xlsx", "7", 2026, "YEAR")
    assert state.current == target and effects == [ShowAnswerCard(target)]
    submit = SubmitAnswer(
        plan="ks.xlsx", control="7", year=2026, period=Period.YEAR, nonce="a" * 32
    )
    assert advance(state, Clicked(submit))[1] == [SaveAnswer(submit)]
    nxt = NextControl(plan="ks.xlsx", control="7", year=2026, period=Period.YEAR)
    assert advance(state, Clicked(nxt))[1] == [ShowNextAfter(target)]
    assert advance(state, Clicked(ShowList()))[1] == [ShowMyList()]


def test_state_round_trips_as_json_and_tolerates_garbage() -> None:
    state = FlowState(welcomed=True, current=Target("a.xlsx", "1", 2026, "T1"))
    assert FlowState.from_json(state.to_json()) == state
    assert FlowState.from_json({"current": {"bogus": 1}}) == FlowState()


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("mina kontroller", Command.LIST),
        ("Mina  Kontroller.", Command.LIST),
        ("SVARA", Command.LIST),
        ("hjälp", Command.HELP),
        ("hjalp", Command.HELP),
        ("Hjälp?", Command.HELP),
        ("hej!", Command.GREETING),
        ("status helår", Command.STATUS),
        ("", Command.UNKNOWN),
    ],
)
def test_commands(text, command) -> None:
    assert parse_command(text) == command


@pytest.mark.parametrize(
    ("text", "query"),
    [
        ("status", StatusQuery()),
        ("Status HELÅR", StatusQuery(Period.YEAR)),
        ("status delår 1 2025", StatusQuery(Period.T1, 2025)),
        ("status delar2 Socialnämnden", StatusQuery(Period.T2, None, "Socialnämnden")),
        (
            "status helår 2025 Barn- och utbildningsnämnden!",
            StatusQuery(Period.YEAR, 2025, "Barn- och utbildningsnämnden"),
        ),
    ],
)
def test_status_queries(text, query) -> None:
    assert parse_status(text) == query
