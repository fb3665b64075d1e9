"""The strategist group check: the real msgraph-sdk against the fake Graph's directory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest

from graph.excel_graph import graph_client, graph_transport
from graph.graph_directory import DirectoryUnavailable, StrategistGroups
from tests.fakes.graph_server import FakeGraph, StaticCredential

STRATEGISTS = "6f1d3c4e-2b7a-4e59-9a43-1c2d3e4f5a6b"
OTHER = "0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e"
NESTED = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"
STINA = "11111111-2222-4333-8444-555555555555"
ALEX = "66666666-7777-4888-9999-000000000000"


@pytest.fixture
async def fake(tmp_path: Path) -> AsyncIterator[FakeGraph]:
    """The fake Graph with Stina in the strategist group and Alex in another."""
    server = FakeGraph(tmp_path)
    server.directory.add_user(STINA, "stina@example.com")
    server.directory.add_user(ALEX, "alexw@example.com")
    server.directory.add_member(STRATEGISTS, STINA)
    server.directory.add_member(OTHER, ALEX)
    await server.start()
    yield server
    await server.stop()


def check(fake: FakeGraph, *groups: str, token: str = "test-token") -> StrategistGroups:
    client = graph_client(StaticCredential(token), fake.base_url, max_backoff=0.01)
    return StrategistGroups(graph_transport(client), groups or (STRATEGISTS,))


async def test_a_member_is_a_strategist_and_the_request_is_graphs(fake: FakeGraph) -> None:
    assert await check(fake)(STINA) is True
    [request] = fake.requests
    assert request.method == "POST" and request.path == f"/users/{STINA}/checkMemberGroups"
    assert request.json == {"groupIds": [STRATEGISTS]}
    assert request.headers["authorization"] == "Bearer test-token"


async def test_someone_outside_the_group_is_not(fake: FakeGraph) -> None:
    assert await check(fake)(ALEX) is False


async def test_membership_is_transitive(fake: FakeGraph) -> None:
    fake.directory.add_member(STRATEGISTS, NESTED)  # a team group inside the strategist group
    fake.directory.add_member(NESTED, ALEX)
    assert await check(fake)(ALEX) is True


async def test_any_of_several_groups_counts_and_ids_are_compared_without_case(
    fake: FakeGraph,
) -> None:
    groups = check(fake, STRATEGISTS.upper(), OTHER)
    assert await groups(ALEX) is True and await groups(STINA) is True
    assert fake.requests[-1].json == {"groupIds": [STRATEGISTS, OTHER]}


async def test_a_user_graph_does_not_know_is_in_no_group(fake: FakeGraph) -> None:
    assert await check(fake)("99999999-8888-4777-8666-555555555555") is False
    assert fake.requests[-1].status == 404


@pytest.mark.parametrize(
    ("status", "code", "said"),
    [
        (403, "Authorization_RequestDenied", "GroupMember.Read.All"),
        (503, "", "unreachable or throttling"),
        (429, "", "unreachable or throttling"),
        (500, "", "HTTP 500"),
    ],
)
async def test_graph_failing_is_an_error_that_names_no_user(
    fake: FakeGraph, status: int, code: str, said: str
) -> None:
    fake.fail(status, code=code, match="checkMemberGroups", retry_after=120)
    with pytest.raises(DirectoryUnavailable) as raised:
        await check(fake)(STINA)
    assert said in str(raised.value) and STINA not in str(raised.value)
    # Sent once: no SDK retry, and no waiting out a Retry-After inside the user's turn.
    assert fake.count("POST", "checkMemberGroups") == 1


async def test_a_rejected_token_is_an_error(fake: FakeGraph) -> None:
    with pytest.raises(DirectoryUnavailable, match="401"):
        await check(fake, token="wrong")(STINA)


async def test_a_slow_directory_times_out(fake: FakeGraph) -> None:
    fake.latency = 0.5
    client = graph_client(StaticCredential(), fake.base_url, max_backoff=0.01)
    groups = StrategistGroups(graph_transport(client), [STRATEGISTS], timeout=0.05)
    with pytest.raises(DirectoryUnavailable, match="did not answer"):
        await groups(STINA)


async def test_graph_down_is_an_error(tmp_path: Path) -> None:
    server = FakeGraph(tmp_path)
    await server.start()
    groups = check(server)
    await server.stop()  # nothing listens on the port any more
    with pytest.raises(DirectoryUnavailable, match="HTTP 0"):
        await groups(STINA)


def test_between_one_and_twenty_groups() -> None:
    with pytest.raises(ValueError):
        StrategistGroups(None, [])  # type: ignore[arg-type]
    too_many = [f"00000000-0000-4000-8000-{i:012d}" for i in range(21)]
    with pytest.raises(ValueError):
        StrategistGroups(None, too_many)  # type: ignore[arg-type]


async def test_the_fake_checks_the_body_as_graph_does(fake: FakeGraph) -> None:
    from tests.fakes.graph_errors import Call, GraphError, Recorded

    def call(body: object) -> Call:
        path = f"/users/{STINA}/checkMemberGroups"
        return Call("POST", path, {}, {}, body, Recorded("POST", path, {}, {}, body))

    for body in ({}, {"groupIds": []}, {"groupIds": ["not-a-guid"]}, {"groupIds": [OTHER] * 21}):
        with pytest.raises(GraphError) as raised:
            fake.directory.dispatch(call(body))
        assert raised.value.status == 400
    reply = fake.directory.dispatch(call({"groupIds": [STRATEGISTS, OTHER]}))
    assert reply.body["value"] == [STRATEGISTS]
    with pytest.raises(GraphError) as raised:  # an unknown user
        fake.directory.dispatch(
            replace(call({"groupIds": [OTHER]}), path="/users/x/checkMemberGroups")
        )
    # Entra's 404 has no second-level code, unlike SharePoint's
    error = raised.value.reply().body["error"]
    assert error["code"] == "Request_ResourceNotFound" and "code" not in error["innerError"]
