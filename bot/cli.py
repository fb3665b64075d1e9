"""The `ikbot` command: serve the bot, create or check plan workbooks, build the app package."""

from __future__ import annotations

import argparse
import gc
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

DEMO_STRATEGIST = "alexw@example.com"  # the Microsoft 365 Agents Playground's default user


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `ikbot`."""
    words = list(sys.argv[1:] if argv is None else argv)
    if words[:1] == ["serve"]:
        # No cyclic collection while the bot starts (until its last start-up hook, just
        # before the port opens; or until serving ends): imports and the plan read build a
        # heap that only grows, and collecting it found next to nothing to free but cost
        # about 0.3 s of a start in all.
        gc.disable()
    if words[:1] == ["serve"] and "--demo" not in words:
        # First of all, before the imports below and in _serve: the plan's sheets are
        # parsed in a child process meanwhile (graph.read_ahead).
        _read_ahead(os.environ)
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
    status.add_argument(
        "--period", help='"helår", "delår 1", "delår 2" eller "kvartal 1–3" (standard: aktuell)'
    )
    status.add_argument("--year", type=int, help="år (standard: det år perioden gäller)")
    status.add_argument("--namnd", help="bara denna nämnd")
    status.add_argument(
        "--format",
        choices=("text", "json", "xlsx"),
        default="text",
        help="text eller json på skärmen; xlsx skriver bladet Sammanställning i arbetsböckerna",
    )
    new_year = commands.add_parser(
        "new-year",
        help="skriv nästa års plan från årets som en ny fil (avslutade kontrollmoment utelämnas)",
    )
    new_year.add_argument("--from", dest="from_year", type=int, required=True, help="årets år")
    new_year.add_argument("--to", dest="to_year", type=int, required=True, help="nästa år")
    new_year.add_argument("path", type=Path, help="årets plan (.xlsx)")
    new_year.add_argument("--out", type=Path, help="den nya filen (standard: året bytt i namnet)")
    _add_manifest_parser(commands)
    from bot.db_cli import add_db_parser, run_db
    from bot.report_cli import add_report_parser, run_report

    add_report_parser(commands)

    add_db_parser(commands)
    from bot.remind_cli import add_remind_parser, run_remind

    add_remind_parser(commands)
    args = parser.parse_args(argv)

    if args.command == "serve":
        try:
            return _serve(demo=args.demo)
        except KeyboardInterrupt:
            # Ctrl-C while the demo is built or the plans are read (aiohttp's run_app
            # handles it once serving): a clean stop, not a traceback.
            print("\nBoten har stoppats.", file=sys.stderr)
            # An object Ctrl-C cut off mid-construction can fail in its __del__ as it is
            # collected on the way out (a ZipFile interrupted in __init__, while the demo
            # workbook is saved, lacks the attribute its close() reads), and Python prints
            # that with a traceback. Nothing is left to report on this way out.
            sys.unraisablehook = lambda _unraisable: None
            return 130
        finally:
            gc.enable()
            from graph import read_ahead

            read_ahead.discard()  # a start that never read the plan: end the child
    if args.command == "status":
        return _status(args.period, args.year, args.namnd, args.format)
    if args.command == "report":
        return run_report(args)
    if args.command == "check-graph":
        return _check_graph()
    if args.command == "manifest":
        return _manifest(args)
    if args.command == "db":
        return run_db(args)
    if args.command == "new-year":
        return _new_year(args.path, args.from_year, args.to_year, args.out)
    if args.command == "remind":
        return run_remind(args)
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


def _read_ahead(env: Mapping[str, str]) -> None:
    """Start parsing the local plan workbooks in a child process (not for SharePoint)."""
    workbook = env.get("IKBOT_WORKBOOK", "").strip()
    if workbook and not env.get("IKBOT_GRAPH_SITE", "").strip():
        from graph import read_ahead

        read_ahead.start(Path(workbook))


def _new_year(path: Path, old: int, new: int, out: Path | None) -> int:
    from graph.new_year import new_year
    from graph.protocol import WorkbookError

    if new != old + 1:
        print("ikbot: --to ska vara året efter --from.", file=sys.stderr)
        return 2
    if path.suffix.lower() != ".xlsx" or not path.is_file():
        print(f"ikbot: {path} är ingen plan (.xlsx).", file=sys.stderr)
        return 2
    try:
        done = new_year(path, old, new, out)
    except WorkbookError as error:
        print(f"ikbot: {error}", file=sys.stderr)
        return 1

    def ids(found: list[str]) -> str:
        return ", ".join(found) if found else "inga"

    print(f"Skrev {done.path} ({path.name} är orörd).")
    print(f"Fortsätter {new} (Ursprunglig risk: kvarstår från {old}): {ids(done.continued)}")
    print(f"Avslutade eller kontrolleras ett senare år, utelämnade: {ids(done.closed)}")
    print(f"Inget sagt vid helår {old}, kvar i planen: {ids(done.kept)}")
    print(f"Öppna åtgärder som följer med: {done.actions}")
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
    try:
        app = create_app(settings)
    except SettingsError as error:  # what the Agents SDK makes of its own variables
        print(f"ikbot: {error}", file=sys.stderr)
        return 2
    app[SERVICES].warm_after_read = True  # prepare_banner reads the plans at once
    endpoint = f"http://{settings.host}:{settings.port}/api/messages"

    lines: list[str] = []

    async def prepare_banner(app: web.Application) -> None:
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
        lines.append(f"Arbetsbok: {where}{found}")
        if settings.anonymous:
            lines.append(
                f"Chatta med boten: kör `make playground` i ett annat fönster (Microsoft 365 "
                f"Agents Playground mot {endpoint}) och skriv ”mina kontroller”."
            )
        else:
            lines.append(f"Boten lyssnar på {endpoint} (Bot Framework-autentisering krävs).")

    def announce(_aiohttp_banner: str) -> None:
        # run_app calls this once the port is bound, so whoever reads the banner (a person,
        # a test, a supervisor) can connect at once.
        print("\n".join(lines), flush=True)

    async def collect_again(_app: web.Application) -> None:
        gc.enable()  # started (see main)

    app.on_startup.append(prepare_banner)
    app.on_startup.append(collect_again)
    try:
        web.run_app(app, host=settings.host, port=settings.port, print=announce, access_log=None)
    except OSError as error:  # typically: the port is taken by another process
        where = f"{settings.host}:{settings.port}"
        print(f"ikbot: kan inte lyssna på {where}: {error}", file=sys.stderr)
        return 2
    return 0


def _check_graph() -> int:
    import asyncio

    from bot.settings import Settings, SettingsError
    from bot.sources import graph_credential
    from graph.excel_graph import GraphSource, graph_client, graph_transport
    from graph.graph_check import check_graph
    from graph.graph_directory import StrategistGroups

    try:
        settings = Settings.from_env(dict(os.environ))
    except SettingsError as error:
        print(f"ikbot: {error}", file=sys.stderr)
        return 2
    graph = settings.directory_graph
    if graph is None:
        print("ikbot: IKBOT_GRAPH_SITE är inte satt; boten använder lokala filer.", file=sys.stderr)
        return 2

    async def run() -> list[str]:
        credential = graph_credential(graph)
        client = graph_client(credential, base_url=graph.base_url)
        source = None
        if settings.graph is not None:  # SharePoint; else only the group check signs in
            source = GraphSource(client, site=graph.site, path=graph.path, drive=graph.drive)
        groups = (
            StrategistGroups(graph_transport(client), settings.strategist_groups)
            if settings.strategist_groups
            else None
        )
        try:
            steps = await check_graph(source, credential, groups)
        finally:
            if source is not None:
                await source.close()
            await credential.close()
        return [s.line() for s in steps] + (["Allt fungerar."] if all(s.ok for s in steps) else [])

    lines = asyncio.run(run())
    print("\n".join(lines))
    return 0 if lines and lines[-1] == "Allt fungerar." else 1


def _status(period: str | None, year: int | None, namnd: str | None, form: str) -> int:
    """`ikbot status`: the compiled summary, as the chat shows a strategist, on stdout."""
    import asyncio
    import json

    from bot.cli_setup import period_of, settings_and_source, store_as_it_is
    from bot.domain.clock import Clock
    from bot.domain.identity import User
    from bot.domain.namnder import NoPlanForYear, UnknownNamnd
    from bot.domain.policy import Refusal
    from bot.plans import PlanBook
    from bot.reports.status import StatusQuery, StatusReports, StatusShown, SummariesWritten
    from bot.reports.text import status_json, status_text
    from bot.store.journal import Journal
    from graph.protocol import WorkbookError

    found = settings_and_source()
    if isinstance(found, int):
        return found
    settings, source = found
    chosen = period_of(period)
    if isinstance(chosen, int):
        return chosen
    query = StatusQuery(chosen, year, namnd)
    # Whoever can run the command holds the workbooks and the journal: a strategist's view.
    operator = User("ikbot", "", "ikbot status", strategist=True)
    db = store_as_it_is(settings)

    async def run() -> StatusShown | SummariesWritten | Refusal | UnknownNamnd | NoPlanForYear:
        # Read only: an existing store is read as it is (the bot upgrades it when it starts).
        await db.open(upgrade=db.url.database == ":memory:")
        try:
            reports = StatusReports(
                PlanBook(source, Journal(db)), Clock(settings.today), actions=await _action_log(db)
            )
            if form == "xlsx":
                return await reports.write(operator, query)
            return await reports.show(operator, query)
        finally:
            await source.close()
            await db.close()

    try:
        result = asyncio.run(run())
    except WorkbookError as error:
        print(f"ikbot: arbetsböckerna kunde inte läsas: {error}", file=sys.stderr)
        return 2
    if isinstance(result, Refusal):  # the operator is a strategist: never, but typed
        print(f"ikbot: {result.reason}", file=sys.stderr)
        return 2
    if isinstance(result, UnknownNamnd | NoPlanForYear):
        from bot.report_cli import print_not_found

        return print_not_found(result)
    if not result.plans:
        print("ikbot: ingen kontrollplan kunde läsas (kör ikbot check-workbook).", file=sys.stderr)
        return 2
    if isinstance(result, SummariesWritten):
        for written in result.results:
            print(
                f"{written.workbook}: bladet {written.sheet!r}" if written.sheet else written.error
            )
        if not result.results:
            print("Inga kontrollmoment ska följas upp för perioden; inget blad skrevs.")
        return 1 if any(r.error for r in result.results) else 0
    summary, pending = result.summary, result.pending
    if form == "json":
        print(json.dumps(status_json(summary, pending=pending), ensure_ascii=False, indent=2))
    else:
        print(status_text(summary, pending=pending), end="")
    return 0


async def _action_log(db: Any) -> Any:
    """The åtgärd log, when the store has it (the CLI reads a store as it is)."""
    from bot.store.action_log import ActionLog

    log = ActionLog(db)
    return log if await log.available() else None


def _add_manifest_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    manifest = commands.add_parser(
        "manifest", help="skriv Teams-apppaketet (zip) som en administratör laddar upp"
    )
    manifest.add_argument("--app-id", help="Teams-appens id (ett GUID)")
    manifest.add_argument(
        "--bot-id",
        help="botens klient-id i Entra (standard: CONNECTIONS__SERVICE_CONNECTION__SETTINGS__"
        "CLIENTID, annars samma som --app-id)",
    )
    manifest.add_argument("--out", type=Path, default=Path("dist"), help="mapp (standard: dist)")
    manifest.add_argument("--domain", help="botens värdnamn, t.ex. bot.kommun.se")
    manifest.add_argument("--version", help="appens version, t.ex. 1.0.0 (höj vid uppdatering)")
    manifest.add_argument("--developer-name", help="utgivarens namn (standard: webbplatsens)")
    manifest.add_argument("--website-url", help="utgivarens webbplats (standard: https://DOMÄN/)")
    manifest.add_argument("--privacy-url", help="integritetspolicy (standard: webbplatsen)")
    manifest.add_argument("--terms-url", help="användarvillkor (standard: webbplatsen)")


def _manifest(args: argparse.Namespace) -> int:
    """`ikbot manifest`: the Teams app package, and what an administrator does with it."""
    from bot.settings import bot_client_id
    from manifest.package import AppPackageError, package_files, package_options, write_package

    configured = bot_client_id()
    try:
        options = package_options(
            app_id=args.app_id,
            bot_id=args.bot_id,
            configured_bot_id=configured,
            version=args.version,
            domain=args.domain,
            developer_name=args.developer_name,
            website_url=args.website_url,
            privacy_url=args.privacy_url,
            terms_url=args.terms_url,
        )
        path = write_package(package_files(options), args.out, options.zip_name)
    except AppPackageError as error:
        print(f"ikbot: {error} Inget skrevs.", file=sys.stderr)
        return 2
    if args.bot_id is not None:
        bot_origin = "--bot-id"
    elif configured:
        bot_origin = "från CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID"
    else:
        bot_origin = "samma som app-id"
    print(f"Skrev {path}")
    print(f"  Teams-app {options.version}, app-id {options.app_id}")
    print(f"  bot-id {options.bot_id} ({bot_origin})")
    print(f"  utgivare {options.developer_name}, {options.website_url}")
    if options.domain is None:
        print("  Ingen --domain angavs: validDomains är tom (det räcker för en bot).")
    if not (args.developer_name and args.privacy_url and args.terms_url):
        print(
            "  Tips: --developer-name, --privacy-url och --terms-url visar kommunens namn, "
            "integritetspolicy och villkor på appens sida."
        )
    print(
        "Nästa steg för en administratör:\n"
        "  1. Teams administrationscenter → Teams-appar → Hantera appar → Ladda upp ny app: "
        f"välj {path.name}.\n"
        "  2. Kontrollera att appen är tillåten för dem som ska använda den.\n"
        "  3. Azure Bot-resursen ska ha Teams-kanalen och bot-id:t ovan som Microsoft App ID "
        "(se docs/deploy.md).\n"
        "  Vid en uppdatering: bygg paketet igen med en högre --version och ladda upp det på "
        "appens sida i Hantera appar."
    )
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
