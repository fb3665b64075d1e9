"""The `ikbot` command: serve the bot, and create or check plan workbooks."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.status import Summary

DEMO_STRATEGIST = "alexw@example.com"  # the Microsoft 365 Agents Playground's default user


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `ikbot`."""
    parser = argparse.ArgumentParser(prog="ikbot", description="Internkontroll-boten")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="kör boten (inställningar från miljön)")
    serve.add_argument(
        "--demo",
        action="store_true",
        help="utan IKBOT_WORKBOOK: skapa och använd demoarbetsböcker i IKBOT_DATA_DIR/demo",
    )
    commands.add_parser(
        "check-graph",
        help="kontrollera SharePoint-inställningarna (IKBOT_GRAPH_*) från början till slut",
    )
    for name, text in (
        ("init-workbook", "skriv en tom kontrollplan"),
        ("demo-workbook", "skriv demoplanen (en .xlsx-fil, eller en mapp med två planer)"),
        ("check-workbook", "läs en arbetsbok eller mapp och rapportera rader som inte går"),
    ):
        sub = commands.add_parser(name, help=text)
        sub.add_argument("path", type=Path)
    status = commands.add_parser(
        "status", help="sammanställ uppföljningen för en period (alla nämnder, som strateg)"
    )
    status.add_argument("--period", help='"helår", "delår 1" eller "delår 2" (standard: aktuell)')
    status.add_argument("--year", type=int, help="år (standard: det år perioden gäller)")
    status.add_argument("--namnd", help="bara denna nämnd")
    status.add_argument("--format", choices=("text", "json"), default="text")
    args = parser.parse_args(argv)

    if args.command == "serve":
        return _serve(demo=args.demo)
    if args.command == "status":
        return _status(args.period, args.year, args.namnd, args.format)
    if args.command == "check-graph":
        return _check_graph()
    from graph import tools

    if args.command == "check-workbook":
        text, code = tools.check_workbook(args.path)
        print(text)
        return code
    if args.path.exists() and args.path.suffix == ".xlsx":
        print(f"{args.path} finns redan; jag skriver inte över den.", file=sys.stderr)
        return 1
    if args.command == "init-workbook":
        tools.init_workbook(args.path)
    else:
        tools.demo_workbook(args.path)
    print(f"Skrev {args.path}")
    return 0


def _serve(*, demo: bool) -> int:
    from aiohttp import web

    from bot.app import SERVICES, create_app
    from bot.settings import Settings, SettingsError
    from graph.protocol import WorkbookError

    env = dict(os.environ)
    if demo:
        env = _demo_environment(env)
    try:
        settings = Settings.from_env(env)
    except SettingsError as error:
        print(f"ikbot: {error}", file=sys.stderr)
        return 2
    from bot.logs import setup_logging

    setup_logging(settings.log_level, settings.log_format)
    if settings.workbook is not None and settings.graph is None and not settings.workbook.exists():
        print(f"ikbot: arbetsboken {settings.workbook} finns inte.", file=sys.stderr)
        return 2
    app = create_app(settings)
    endpoint = f"http://{settings.host}:{settings.port}/api/messages"

    async def announce(app: web.Application) -> None:
        # Reading the plans here also warms the cache the first turn would otherwise fill.
        try:
            plans = await app[SERVICES].plans.plans()
            found = f" ({len(plans)} planer, {sum(len(p.controls) for p in plans)} kontrollmoment)"
        except WorkbookError as error:  # the bot still starts; check-workbook says more
            found = f" (kunde inte läsas: {error})"
        if settings.graph is not None:
            where = f"{settings.graph.site} → {settings.graph.path} (Microsoft Graph)"
        else:
            where = str(settings.workbook.resolve()) if settings.workbook else ""
        print(f"Arbetsbok: {where}{found}")
        if settings.anonymous:
            print(
                f"Chatta med boten: kör `make playground` i ett annat fönster (Microsoft 365 "
                f"Agents Playground mot {endpoint}) och skriv ”mina kontroller”.",
                flush=True,
            )
        else:
            print(f"Boten lyssnar på {endpoint} (Bot Framework-autentisering krävs).", flush=True)

    app.on_startup.append(announce)
    try:
        web.run_app(app, host=settings.host, port=settings.port, print=None, access_log=None)
    except OSError as error:  # typically: the port is taken by another process
        where = f"{settings.host}:{settings.port}"
        print(f"ikbot: kan inte lyssna på {where}: {error}", file=sys.stderr)
        return 2
    return 0


def _check_graph() -> int:
    from bot.settings import Settings, SettingsError
    from bot.sources import graph_credential
    from graph.excel_graph import GraphSource, graph_client
    from graph.graph_check import check_graph

    try:
        settings = Settings.from_env(dict(os.environ))
    except SettingsError as error:
        print(f"ikbot: {error}", file=sys.stderr)
        return 2
    graph = settings.graph
    if graph is None:
        print("ikbot: IKBOT_GRAPH_SITE är inte satt; boten använder lokala filer.", file=sys.stderr)
        return 2

    async def run() -> list[str]:
        credential = graph_credential(graph)
        source = GraphSource(
            graph_client(credential, base_url=graph.base_url),
            site=graph.site,
            path=graph.path,
            drive=graph.drive,
        )
        try:
            steps = await check_graph(source, credential)
        finally:
            await source.close()
            await credential.close()
        return [s.line() for s in steps] + (["Allt fungerar."] if all(s.ok for s in steps) else [])

    lines = asyncio.run(run())
    print("\n".join(lines))
    return 0 if lines and lines[-1] == "Allt fungerar." else 1


def _status(period: str | None, year: int | None, namnd: str | None, form: str) -> int:
    """`ikbot status`: the compiled summary, as the chat shows a strategist, on stdout."""
    import json

    from bot.clock import Clock
    from bot.journal import Journal
    from bot.periods import Term, current_term, latest_term, parse_periods
    from bot.plans import PlanBook
    from bot.settings import Settings, SettingsError
    from bot.sources import workbook_source
    from bot.sql import Database
    from bot.status import compile_status
    from bot.status_text import status_json, status_text
    from graph.protocol import WorkbookError

    try:
        settings = Settings.from_env(dict(os.environ))
        source = workbook_source(settings)
    except SettingsError as error:
        print(f"ikbot: {error}", file=sys.stderr)
        return 2
    if settings.workbook is not None and settings.graph is None and not settings.workbook.exists():
        print(f"ikbot: arbetsboken {settings.workbook} finns inte.", file=sys.stderr)
        return 2
    today = Clock(settings.today).today()
    if period is not None:
        periods = parse_periods(period) if period.strip() else None
        if periods is None or len(periods) != 1:
            print(
                f'ikbot: okänd period {period!r}; ange "helår", "delår 1" eller "delår 2".',
                file=sys.stderr,
            )
            return 2
        [chosen] = periods
        term = latest_term(chosen, today, year)
    else:
        term = current_term(today)
        term = Term(year, term.period) if year is not None else term
    # The journal holds answers not yet written to Excel; without its file there are none
    # (an in-memory database stands in, so nothing is created on disk).
    journal_file = settings.data_dir / "ikbot.sqlite3"
    db = Database(journal_file if journal_file.exists() else Path(":memory:"))

    async def run() -> tuple[Summary, int] | None:
        await db.open()
        try:
            book = PlanBook(source, Journal(db))
            plans = await book.plans()
            if not plans:
                return None
            keys = [c.key for p in plans for c in p.controls]
            answers, pending_ids = await book.answers(plans, keys)
        finally:
            await source.close()
            await db.close()
        summary = compile_status(plans, answers, term, today, namnd=namnd)
        slot = (term.year, term.period)
        pending = sum(
            1 for a in answers if a.answer_id in pending_ids and (a.year, a.period) == slot
        )
        return summary, pending

    try:
        result = asyncio.run(run())
    except WorkbookError as error:
        print(f"ikbot: arbetsböckerna kunde inte läsas: {error}", file=sys.stderr)
        return 2
    if result is None:
        print("ikbot: ingen kontrollplan kunde läsas (kör ikbot check-workbook).", file=sys.stderr)
        return 2
    summary, pending = result
    if form == "json":
        print(json.dumps(status_json(summary, pending=pending), ensure_ascii=False, indent=2))
    else:
        print(status_text(summary, pending=pending), end="")
    return 0


def _demo_environment(env: dict[str, str]) -> dict[str, str]:
    """The demo's defaults; anything set in the environment wins (DESIGN §6)."""
    if not env.get("IKBOT_WORKBOOK", "").strip():
        folder = Path(env.get("IKBOT_DATA_DIR", "").strip() or "var") / "demo"
        if not folder.exists():
            from graph import tools

            tools.demo_workbook(folder)
        env["IKBOT_WORKBOOK"] = str(folder)
        env.setdefault("IKBOT_STRATEGISTS", DEMO_STRATEGIST)
    return env


if __name__ == "__main__":
    sys.exit(main())
