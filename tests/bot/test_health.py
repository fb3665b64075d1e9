"""/healthz and /readyz over real HTTP: what a load balancer sees, and what the operator's
log says when the bot is not ready (never the caller)."""

from __future__ import annotations

import logging
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.health import Readiness
from tests.conftest import BotFactory
from tests.fakes.graph_server import FakeGraph
from tests.fakes.harness import BotClient, standard_plan
from tests.graph.conftest import FOLDER, graph_source

NOT_READY = {"status": "ej redo"}


async def probe(bot: BotClient, path: str) -> tuple[int, dict, dict]:
    """GET a probe; the status, the JSON body and the headers."""
    base = bot.url.removesuffix("/api/messages")
    async with bot.session.get(base + path) as response:
        return response.status, await response.json(), dict(response.headers)


@pytest.fixture
async def sharepoint(tmp_path: Path) -> AsyncIterator[FakeGraph]:
    """The standard plan in a (fake) SharePoint library."""
    library = tmp_path / "bibliotek"
    (library / FOLDER).mkdir(parents=True)
    shutil.copy(standard_plan(tmp_path / "plans" / "ks.xlsx"), library / FOLDER / "ks.xlsx")
    fake = FakeGraph(library)
    await fake.start()
    yield fake
    await fake.stop()


async def test_liveness_and_readiness_when_all_is_well(bot: BotClient) -> None:
    status, body, headers = await probe(bot, "/healthz")
    assert (status, body) == (200, {"status": "ok"})
    assert headers["Cache-Control"] == "no-store"
    assert headers["Server"] == "ikbot"  # no framework or Python version
    status, body, _ = await probe(bot, "/readyz")
    assert (status, body) == (200, {"status": "redo"})


async def test_not_ready_without_the_workbooks_and_the_reason_is_only_in_the_log(
    start: BotFactory, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    missing = tmp_path / "hemlig-mapp"
    bot = await start(missing)
    with caplog.at_level(logging.WARNING, logger="bot.health"):
        status, body, headers = await probe(bot, "/readyz")
    assert (status, body) == (503, NOT_READY)
    assert "hemlig-mapp" not in str(headers) and "Python" not in str(headers)
    [record] = [r for r in caplog.records if r.name == "bot.health"]
    assert record.levelno == logging.WARNING
    assert "workbook source" in record.getMessage() and "WorkbookNotFound" in record.getMessage()
    # Liveness is about the process, which still serves.
    assert (await probe(bot, "/healthz"))[:2] == (200, {"status": "ok"})


async def test_not_ready_when_the_database_does_not_answer(
    bot: BotClient, caplog: pytest.LogCaptureFixture
) -> None:
    await bot.services.db.close()
    with caplog.at_level(logging.WARNING, logger="bot.health"):
        status, body, _ = await probe(bot, "/readyz")
    assert (status, body) == (503, NOT_READY)
    assert any("the database failed" in r.getMessage() for r in caplog.records)


async def test_readiness_through_graph_follows_sharepoint(
    start: BotFactory, sharepoint: FakeGraph, tmp_path: Path
) -> None:
    bot = await start(tmp_path / "plans", source=graph_source(sharepoint, relist_after=0))
    assert (await probe(bot, "/readyz"))[:2] == (200, {"status": "redo"})

    # Uncached checks, as probes see them once the cache has run out.
    readiness = Readiness(bot.services, cache=0)
    assert await readiness.ready()
    sharepoint.fail(404, match="children")  # the folder is gone (once)
    assert not await readiness.ready()
    assert await readiness.ready()  # and back


async def test_a_slow_source_counts_as_not_ready(
    start: BotFactory, sharepoint: FakeGraph, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    bot = await start(tmp_path / "plans", source=graph_source(sharepoint, relist_after=0))
    sharepoint.latency = 1.0
    with caplog.at_level(logging.WARNING, logger="bot.health"):
        assert not await Readiness(bot.services, timeout=0.05).ready()
    assert "the workbook source did not answer within 0.05 s" in caplog.text


async def test_probes_are_cached_so_they_do_not_hammer_graph(
    start: BotFactory, sharepoint: FakeGraph, tmp_path: Path
) -> None:
    bot = await start(tmp_path / "plans", source=graph_source(sharepoint, relist_after=0))
    now = [100.0]
    readiness = Readiness(bot.services, cache=5.0, clock=lambda: now[0])
    assert await readiness.ready()
    listed = sharepoint.count("GET", "children")
    for _ in range(10):
        assert await readiness.ready()
    assert sharepoint.count("GET", "children") == listed  # ten probes, no new Graph call
    sharepoint.fail(503, match="children", times=20)
    assert await readiness.ready()  # still the cached answer
    now[0] += 5.0
    assert not await readiness.ready()  # the cache ran out: checked again, and Graph fails
