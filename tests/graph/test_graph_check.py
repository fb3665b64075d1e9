"""`ikbot check-graph` against the fake Graph: every step, and where a wrong setting stops it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import openpyxl
import pytest

from graph.excel_graph import GraphSource, graph_client, graph_transport
from graph.graph_check import check_graph
from graph.graph_directory import StrategistGroups
from graph.templates import demo_workbook
from tests.fakes.graph_server import FakeGraph, StaticCredential
from tests.graph.conftest import SITE


class FailingCredential:
    async def get_token(self, *scopes: str, **kwargs: object) -> object:
        raise RuntimeError("AADSTS7000215: Invalid client secret provided.")


@pytest.fixture
async def fake(tmp_path: Path) -> AsyncIterator[FakeGraph]:
    demo_workbook(tmp_path / "Internkontroll")
    graph = FakeGraph(tmp_path)
    await graph.start()
    yield graph
    await graph.stop()


def source(fake: FakeGraph, credential: object, **kwargs: str) -> GraphSource:
    options = {"site": SITE, "path": "Internkontroll", **kwargs}
    return GraphSource(graph_client(credential, fake.base_url, max_backoff=0.01), **options)


async def test_a_working_configuration_passes_every_step(fake: FakeGraph, tmp_path: Path) -> None:
    credential = StaticCredential()
    graph = source(fake, credential)
    steps = await check_graph(graph, credential)
    await graph.close()
    assert all(s.ok for s in steps), [s.line() for s in steps]
    labels = [s.label for s in steps]
    assert labels[:3] == ["Inloggning", "Webbplats och sökväg", "Arbetsböcker"]
    assert "lindesberg-ks-2026.xlsx: skrivbehörighet" in labels
    assert fake.count("DELETE") == 2  # the scratch sheet went away again, in each workbook
    for path in (tmp_path / "Internkontroll").glob("*.xlsx"):
        assert "ikbot-kontroll" not in openpyxl.load_workbook(path).sheetnames


async def test_a_wrong_secret_stops_at_the_sign_in(fake: FakeGraph) -> None:
    graph = source(fake, FailingCredential())
    steps = await check_graph(graph, FailingCredential())
    assert [s.ok for s in steps] == [False]
    assert "Invalid client secret" in steps[0].detail


@pytest.mark.parametrize(
    ("kwargs", "says"),
    [
        ({"site": "kommun.sharepoint.com:/sites/Fel"}, "IKBOT_GRAPH_SITE"),
        ({"path": "Finns inte"}, "IKBOT_GRAPH_PATH"),
    ],
)
async def test_a_wrong_site_or_path_is_named(fake: FakeGraph, kwargs, says) -> None:
    credential = StaticCredential()
    graph = source(fake, credential, **kwargs)
    steps = await check_graph(graph, credential)
    assert [s.ok for s in steps] == [True, False]
    assert says in steps[1].detail


async def test_no_write_permission_is_reported(fake: FakeGraph) -> None:
    fake.fail(403, code="accessDenied", match="worksheets/add", times=5)
    credential = StaticCredential()
    graph = source(fake, credential)
    steps = await check_graph(graph, credential)
    assert not steps[-1].ok and steps[-1].label.endswith("skrivbehörighet")
    assert "Sites.Selected" in steps[-1].detail


GROUP = "0b7a3f5e-4c1d-4e8a-9f21-6d3c2b1a0e9f"
OTHER = "5f0e2d1c-3b4a-4968-8776-a5b4c3d2e1f0"


def groups(fake: FakeGraph, credential: object, *ids: str) -> StrategistGroups:
    client = graph_client(credential, fake.base_url, max_backoff=0.01)
    return StrategistGroups(graph_transport(client), ids)


async def test_the_strategist_groups_are_read_when_configured(fake: FakeGraph) -> None:
    fake.directory.name_group(GROUP, "Kvalitetsstrateger")
    credential = StaticCredential()
    graph = source(fake, credential)
    steps = await check_graph(graph, credential, groups(fake, credential, GROUP))
    await graph.close()
    assert all(s.ok for s in steps), [s.line() for s in steps]
    assert steps[1].line() == "[OK ] Strateggrupper: kan läsas: Kvalitetsstrateger"


async def test_an_unknown_group_stops_the_check_with_its_id(fake: FakeGraph) -> None:
    fake.directory.name_group(GROUP, "Kvalitetsstrateger")
    credential = StaticCredential()
    steps = await check_graph(None, credential, groups(fake, credential, GROUP, OTHER))
    assert [s.ok for s in steps] == [True, False]
    assert f"gruppen {OTHER} finns inte" in steps[1].line()


async def test_a_missing_directory_permission_is_named(fake: FakeGraph) -> None:
    fake.directory.name_group(GROUP, "Kvalitetsstrateger")
    fake.fail(403, match="/groups/")
    credential = StaticCredential()
    steps = await check_graph(None, credential, groups(fake, credential, GROUP))
    assert not steps[-1].ok and "GroupMember.Read.All" in steps[-1].line()
