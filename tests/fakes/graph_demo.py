"""`make run GRAPH=fake`: the bot on its Graph backend, with the fake Graph in front of the
demo workbooks, so a newcomer can watch the SharePoint path work without a tenant.

Run from the repository root: ``.venv/bin/python -m tests.fakes.graph_demo``. The fake
serves ``$IKBOT_DATA_DIR`` as the site's document library (the demo plans are in its
folder ``demo``); the bot reaches it through the real msgraph-sdk over loopback.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from datetime import timedelta

from aiohttp import web

from bot.app import SERVICES, create_app
from bot.cli import DEMO_STRATEGIST
from bot.services import Services
from bot.settings import Settings
from graph.excel_graph import GraphSource, graph_client
from graph.tools import demo_workbook
from tests.fakes.graph_server import FakeGraph, StaticCredential

SITE = "kommun.sharepoint.com:/sites/Internkontroll"
TOKEN = "demo-token"


async def main() -> None:
    """Start the fake Graph and the bot; serve until interrupted."""
    env = {**os.environ, "IKBOT_GRAPH_SITE": SITE, "IKBOT_GRAPH_PATH": "demo"}
    env.setdefault("IKBOT_STRATEGISTS", DEMO_STRATEGIST)
    data_dir = Settings.from_env(env).data_dir
    if not (data_dir / "demo").exists():
        demo_workbook(data_dir / "demo")
    fake = FakeGraph(data_dir, token=TOKEN)
    base_url = await fake.start()
    settings = Settings.from_env({**env, "IKBOT_GRAPH_BASE_URL": base_url})
    source = GraphSource(graph_client(StaticCredential(TOKEN), base_url), site=SITE, path="demo")
    app = create_app(
        settings,
        services=Services.build(settings, source=source, writer_retry=timedelta(seconds=2)),
    )
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, settings.host, settings.port).start()
    plans = await app[SERVICES].plans.plans()
    print(f"Fake Microsoft Graph: {base_url} (serverar {data_dir.resolve()} som dokumentbibliotek)")
    print(f"Arbetsbok: {SITE} → demo ({len(plans)} planer via Microsoft Graph)")
    print(
        f"Chatta med boten: kör `make playground` i ett annat fönster och skriv "
        f"”mina kontroller”. Graph-anrop hittills: {fake.count()}",
        flush=True,
    )
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
        await fake.stop()


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())
