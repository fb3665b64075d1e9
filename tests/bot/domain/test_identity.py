"""Who is talking and in what role: the member cache, the strategist group and its settings."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.domain.identity import (
    CACHE_SECONDS,
    ROLE_SECONDS,
    Directory,
    IdentityMismatch,
    LookupFailed,
    Member,
)
from bot.settings import Settings, SettingsError
from bot.sources import strategist_group_check
from graph.excel_graph import graph_client, graph_transport
from graph.graph_directory import StrategistGroups
from tests.fakes.graph_server import FakeGraph, StaticCredential

GROUP = "6f1d3c4e-2b7a-4e59-9a43-1c2d3e4f5a6b"
SECOND = "0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e"
STINA = Member("stina@example.com", "Stina Strateg", "stina@kommun.se", "aad-stina")
ALEX = Member("alexw@example.com", "Alex Wilber", "", "aad-alex")


class Clock:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Channel:
    """The channel's member lookup, counting how often it is asked."""

    def __init__(self, member: Member) -> None:
        self.member = member
        self.asked = 0

    async def __call__(self) -> Member:
        self.asked += 1
        return self.member


@pytest.fixture
async def graph(tmp_path: Path) -> AsyncIterator[FakeGraph]:
    """The fake Graph with Stina in the strategist group."""
    fake = FakeGraph(tmp_path)
    fake.directory.add_user("aad-stina")
    fake.directory.add_user("aad-alex")
    fake.directory.add_member(GROUP, "aad-stina")
    await fake.start()
    yield fake
    await fake.stop()


def groups(fake: FakeGraph) -> StrategistGroups:
    client = graph_client(StaticCredential(), fake.base_url, max_backoff=0.01)
    return StrategistGroups(graph_transport(client), [GROUP])


async def test_a_group_member_is_a_strategist_and_others_are_not(graph: FakeGraph) -> None:
    directory = Directory(frozenset(), group_check=groups(graph))
    stina = await directory.resolve("aad-stina", Channel(STINA))
    alex = await directory.resolve("aad-alex", Channel(ALEX))
    assert stina.strategist and not stina.role_unknown
    assert stina.addresses == {"stina@example.com", "stina@kommun.se"}
    assert not alex.strategist and not alex.role_unknown


async def test_the_role_is_cached_for_an_hour_and_the_member_for_twelve(graph: FakeGraph) -> None:
    clock = Clock()
    directory = Directory(frozenset(), group_check=groups(graph), monotonic=clock)
    channel = Channel(STINA)
    assert (await directory.resolve("aad-stina", channel)).strategist
    clock.now += ROLE_SECONDS - 1
    assert (await directory.resolve("aad-stina", channel)).strategist
    assert graph.directory.checks == 1 and channel.asked == 1
    graph.directory.remove_member(GROUP, "aad-stina")  # no longer a strategist
    clock.now += 2
    assert not (await directory.resolve("aad-stina", channel)).strategist
    assert graph.directory.checks == 2 and channel.asked == 1
    clock.now += CACHE_SECONDS
    await directory.resolve("aad-stina", channel)
    assert channel.asked == 2


async def test_a_failed_check_is_not_cached_and_is_logged_without_the_user(
    graph: FakeGraph, caplog: pytest.LogCaptureFixture
) -> None:
    directory = Directory(frozenset(), group_check=groups(graph))
    graph.fail(403, code="Authorization_RequestDenied", match="checkMemberGroups")
    with caplog.at_level(logging.WARNING, logger="bot.domain.identity"):
        failed = await directory.resolve("aad-stina", Channel(STINA))
    assert not failed.strategist and failed.role_unknown
    logged = caplog.text
    assert "403" in logged and "GroupMember.Read.All" in logged
    assert "aad-stina" not in logged and "stina@" not in logged
    again = await directory.resolve("aad-stina", Channel(STINA))  # Graph answers again
    assert again.strategist and not again.role_unknown
    assert graph.directory.checks == 1  # the failed request was never answered


async def test_a_listed_strategist_needs_no_graph_call(graph: FakeGraph) -> None:
    directory = Directory(frozenset({"stina@kommun.se"}), group_check=groups(graph))
    graph.fail(503, match="checkMemberGroups", times=10)  # even with Graph down
    user = await directory.resolve("aad-stina", Channel(STINA))
    assert user.strategist and not user.role_unknown
    assert graph.count("POST", "checkMemberGroups") == 0


async def test_without_an_entra_object_id_the_role_is_unknown(graph: FakeGraph) -> None:
    directory = Directory(frozenset(), group_check=groups(graph))
    user = await directory.resolve("29:x", Channel(Member("eva@example.com", "Eva")))
    assert not user.strategist and user.role_unknown
    assert graph.count("POST", "checkMemberGroups") == 0


async def test_without_a_group_only_the_list_counts() -> None:
    directory = Directory(frozenset({"stina@example.com"}))
    assert (await directory.resolve("a", Channel(STINA))).strategist
    alex = await directory.resolve("b", Channel(ALEX))
    assert not alex.strategist and not alex.role_unknown


async def test_a_failed_member_lookup_is_lookup_failed() -> None:
    async def broken() -> Member:
        raise ConnectionError("channel down")

    with pytest.raises(LookupFailed):
        await Directory(frozenset()).resolve("a", broken)
    with pytest.raises(LookupFailed):
        await Directory(frozenset()).resolve("a", Channel(Member("", "Namn utan adress")))


async def test_an_object_id_the_lookup_contradicts_is_refused_cached_or_not() -> None:
    directory = Directory(frozenset())
    channel = Channel(ALEX)
    with pytest.raises(IdentityMismatch):
        await directory.resolve("user-alex", channel, object_id="aad-maria")
    alex = await directory.resolve("user-alex", channel, object_id=" AAD-ALEX ")
    assert alex.key == "user-alex" and alex.email == "alexw@example.com"
    with pytest.raises(IdentityMismatch):  # from the cache now
        await directory.resolve("user-alex", channel, object_id="aad-maria")
    assert channel.asked == 1
    assert (await directory.resolve("user-alex", channel)).email == "alexw@example.com"


async def test_without_an_object_id_on_either_side_there_is_nothing_to_compare() -> None:
    directory = Directory(frozenset())
    eva = await directory.resolve("29:x", Channel(Member("eva@example.com", "Eva")), object_id="y")
    assert eva.email == "eva@example.com"


# --- settings --------------------------------------------------------------------------

SECRET = {
    "IKBOT_GRAPH_TENANT_ID": "contoso.onmicrosoft.com",
    "IKBOT_GRAPH_CLIENT_ID": "c",
    "IKBOT_GRAPH_CLIENT_SECRET": "s",
}


def test_group_ids_are_read_as_lower_case_guids(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "IKBOT_WORKBOOK": str(tmp_path),
            "IKBOT_STRATEGIST_GROUP_ID": f" {GROUP.upper()} ,{SECOND},, {GROUP}",
            **SECRET,
        }
    )
    assert settings.strategist_groups == (GROUP, SECOND)
    assert settings.graph is None  # the workbooks stay local
    assert settings.directory_graph is not None
    assert settings.directory_graph.credential_kind == "client_secret"
    check = strategist_group_check(settings)
    assert isinstance(check, StrategistGroups) and check.group_ids == (GROUP, SECOND)


def test_the_sharepoint_sign_in_serves_the_group_check_too() -> None:
    settings = Settings.from_env(
        {
            "IKBOT_GRAPH_SITE": "kommun.sharepoint.com:/sites/Internkontroll",
            "IKBOT_GRAPH_PATH": "Internkontroll",
            "IKBOT_STRATEGIST_GROUP_ID": GROUP,
        }
    )
    assert settings.directory_graph is settings.graph
    assert settings.directory_graph.credential_kind == "managed_identity"


def test_a_user_assigned_managed_identity_is_enough(tmp_path: Path) -> None:
    env = {"IKBOT_WORKBOOK": str(tmp_path), "IKBOT_STRATEGIST_GROUP_ID": GROUP}
    settings = Settings.from_env({**env, "IKBOT_GRAPH_CLIENT_ID": "mi-client-id"})
    assert settings.directory_graph.credential_kind == "managed_identity"


def test_no_group_means_no_group_check(tmp_path: Path) -> None:
    settings = Settings.from_env({"IKBOT_WORKBOOK": str(tmp_path), **SECRET})
    assert settings.strategist_groups == () and strategist_group_check(settings) is None


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"IKBOT_STRATEGIST_GROUP_ID": GROUP}, "kräver att boten kan logga in i Microsoft Graph"),
        (
            {"IKBOT_STRATEGIST_GROUP_ID": "Kvalitetsstrateger", **SECRET},
            "ska vara gruppens objekt-ID",
        ),
        ({"IKBOT_STRATEGIST_GROUP_ID": GROUP + "0", **SECRET}, "objekt-ID"),
        (
            {
                "IKBOT_STRATEGIST_GROUP_ID": ",".join(
                    f"00000000-0000-4000-8000-{i:012d}" for i in range(21)
                ),
                **SECRET,
            },
            "högst 20 grupper",
        ),
        (
            {"IKBOT_STRATEGIST_GROUP_ID": GROUP, **SECRET, "IKBOT_GRAPH_TENANT_ID": ""},
            "IKBOT_GRAPH_TENANT_ID",
        ),
    ],
    ids=["no-credentials", "a-name", "too-long", "too-many", "no-tenant"],
)
def test_a_group_that_cannot_work_is_refused_in_swedish(
    tmp_path: Path, env: dict[str, str], message: str
) -> None:
    with pytest.raises(SettingsError, match=message):
        Settings.from_env({"IKBOT_WORKBOOK": str(tmp_path), **env})


def test_settings_made_in_code_cannot_skip_the_sign_in(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="Microsoft Graph"):
        strategist_group_check(Settings(workbook=tmp_path, strategist_groups=(GROUP,)))


def test_the_channel_timeouts_have_defaults_and_can_be_set(tmp_path: Path) -> None:
    defaults = Settings.from_env({"IKBOT_WORKBOOK": str(tmp_path)})
    assert (defaults.connector_timeout, defaults.lookup_timeout) == (10.0, 5.0)
    assert defaults.lookup_timeout < 15  # Teams waits 15 s for a click's answer
    env = {"IKBOT_CONNECTOR_TIMEOUT": "20", "IKBOT_LOOKUP_TIMEOUT": " 2,5 "}
    settings = Settings.from_env({"IKBOT_WORKBOOK": str(tmp_path), **env})
    assert (settings.connector_timeout, settings.lookup_timeout) == (20.0, 2.5)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("IKBOT_CONNECTOR_TIMEOUT", "0"),
        ("IKBOT_CONNECTOR_TIMEOUT", "-1"),
        ("IKBOT_CONNECTOR_TIMEOUT", "tio"),
        ("IKBOT_CONNECTOR_TIMEOUT", "nan"),
        ("IKBOT_CONNECTOR_TIMEOUT", "inf"),
        ("IKBOT_CONNECTOR_TIMEOUT", "61"),
        ("IKBOT_LOOKUP_TIMEOUT", "15"),
    ],
)
def test_a_timeout_that_cannot_work_is_refused_in_swedish(
    tmp_path: Path, name: str, value: str
) -> None:
    with pytest.raises(SettingsError, match=f"{name} ska vara ett antal sekunder"):
        Settings.from_env({"IKBOT_WORKBOOK": str(tmp_path), name: value})
