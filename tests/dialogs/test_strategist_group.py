"""Strategists from an Entra group, over HTTP: the real msgraph-sdk asks the fake Graph's
directory (checkMemberGroups) while the workbooks stay local."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from graph.excel_graph import graph_client, graph_transport
from graph.graph_directory import StrategistGroups
from tests.conftest import BotFactory
from tests.dialogs.test_answering import GOOD, answer, open_card
from tests.fakes import activities
from tests.fakes.connector import Person
from tests.fakes.graph_server import FakeGraph, StaticCredential
from tests.fakes.harness import ALEX, MARIA, STRATEGIST, BotClient, card_text, cards_of

GROUP = "3d9c1f0e-5b7a-4c2d-9e8f-a1b2c3d4e5f6"
ROLE_UNKNOWN = "Jag kunde inte kontrollera om du är kvalitetsstrateg just nu"


@pytest.fixture
async def graph(tmp_path: Path) -> AsyncIterator[FakeGraph]:
    """The fake Graph's directory: everyone known, Stina in the strategist group."""
    fake = FakeGraph(tmp_path / "graph")
    for person in (ALEX, MARIA, STRATEGIST):
        fake.directory.add_user(person.aad_object_id, person.email)
    fake.directory.add_member(GROUP, STRATEGIST.aad_object_id)
    await fake.start()
    yield fake
    await fake.stop()


async def start_with_group(
    start: BotFactory, graph: FakeGraph, *, listed: tuple[str, ...] = ()
) -> BotClient:
    client = graph_client(StaticCredential(), graph.base_url, max_backoff=0.01)
    check = StrategistGroups(graph_transport(client), [GROUP])
    return await start(strategists=listed, group_check=check)


async def status_of(bot: BotClient, who=STRATEGIST) -> tuple[str, str]:
    """The text above the status card and the card's text."""
    [message] = await bot.say("status helår", who)
    return message.get("text") or "", card_text(cards_of([message])[0])


async def test_a_group_member_sees_the_whole_picture(start: BotFactory, graph: FakeGraph) -> None:
    bot = await start_with_group(start, graph)
    await answer(bot, "4", GOOD, MARIA)
    note, text = await status_of(bot)
    assert note == ""
    assert "1 av 4 kontrollmoment besvarade" in text and "alexw@example.com" in text
    stina = f"/users/{STRATEGIST.aad_object_id}/checkMemberGroups"
    assert graph.count("POST", stina) == 1
    await status_of(bot)  # the role is remembered: no second Graph call
    assert graph.count("POST", stina) == 1


async def test_someone_outside_the_group_sees_only_their_own(
    start: BotFactory, graph: FakeGraph
) -> None:
    bot = await start_with_group(start, graph)
    note, text = await status_of(bot, MARIA)
    assert "kvalitetsstrategerna" in note
    assert "alexw@example.com" not in text and "0 av 1 kontrollmoment" in text


@pytest.mark.parametrize(
    ("status", "code"), [(503, ""), (403, "Authorization_RequestDenied"), (500, "")]
)
async def test_graph_failing_gives_no_strategist_rights_and_says_so(
    start: BotFactory, graph: FakeGraph, status: int, code: str
) -> None:
    bot = await start_with_group(start, graph)
    graph.fail(status, code=code, match="checkMemberGroups", times=2)
    note, text = await status_of(bot)
    assert ROLE_UNKNOWN in note
    assert "alexw@example.com" not in text and "maria.lind@example.com" not in text
    # Not a strategist this turn: someone else's control stays closed to her.
    card = await open_card(bot, "1", STRATEGIST)
    assert "tilldelat någon annan" in card_text(card)
    # Graph is back: the failure was not remembered, the next turn has the role.
    note, text = await status_of(bot)
    assert note == "" and "maria.lind@example.com" in text


async def test_the_list_and_the_group_both_grant(start: BotFactory, graph: FakeGraph) -> None:
    graph.directory.remove_member(GROUP, STRATEGIST.aad_object_id)
    graph.directory.add_member(GROUP, MARIA.aad_object_id)
    bot = await start_with_group(start, graph, listed=(STRATEGIST.email,))
    stina_note, stina = await status_of(bot, STRATEGIST)  # listed, not in the group
    maria_note, maria = await status_of(bot, MARIA)  # in the group, not listed
    assert stina_note == maria_note == ""
    assert "alexw@example.com" in stina and "alexw@example.com" in maria
    # The listed strategist needed no Graph call; only Maria was checked.
    assert graph.directory.checks == 1
    _, alex = await status_of(bot, ALEX)  # neither
    assert "maria.lind@example.com" not in alex


async def test_an_object_id_the_channel_does_not_confirm_never_makes_a_strategist(
    start: BotFactory, graph: FakeGraph
) -> None:
    bot = await start_with_group(start, graph)
    # The member lookup gives no object id for Eva; her activity claims the strategist's.
    eva = bot.connector.add(Person("user-eva", "Eva", "eva@example.com", ""))
    activity = activities.message("status helår", eva, bot.service_url, "conv-user-eva")
    activity["from"]["aadObjectId"] = STRATEGIST.aad_object_id
    status, _ = await bot.post(activity)
    assert status == 202
    [reply] = bot.connector.messages_to("conv-user-eva")
    assert ROLE_UNKNOWN in reply["text"]  # only her own status
    assert "alexw@example.com" not in card_text(cards_of([reply])[0])
    assert graph.count("POST", "checkMemberGroups") == 0  # the claim was never asked about
