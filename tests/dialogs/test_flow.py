"""The conversation state machine (the welcome) and the command parser."""

from __future__ import annotations

import pytest

from bot.domain.model import Period
from dialogs.commands import Command, StatusQuery, parse_command, parse_status
from dialogs.flow import FlowState, Greeted, SaidHello, ShowWelcome, advance


def test_welcome_only_once() -> None:
    state, effects = advance(FlowState(), Greeted())
    assert effects == [ShowWelcome()] and state.welcomed
    assert advance(state, Greeted()) == (state, [])


def test_a_typed_hello_is_always_welcomed_and_counts_as_the_greeting() -> None:
    state, effects = advance(FlowState(), SaidHello())
    assert effects == [ShowWelcome()] and state.welcomed
    assert advance(state, SaidHello()) == (state, [ShowWelcome()])
    assert advance(state, Greeted()) == (state, [])


def test_state_round_trips_as_json_and_tolerates_garbage() -> None:
    state = FlowState(welcomed=True)
    assert FlowState.from_json(state.to_json()) == state
    assert FlowState.from_json({"bogus": 1}) == FlowState()
    # What an earlier release stored (with the control last opened) still reads.
    stored = {"welcomed": True, "current": {"plan": "a.xlsx", "control": "1"}}
    assert FlowState.from_json(stored) == state


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
