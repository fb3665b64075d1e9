"""`ikbot report`: the follow-up report of a period as a Word document, saved where the
workbooks live (a Rapporter folder, or the SharePoint library) or where --out says."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any


def add_report_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The `report` subcommand and its options."""
    report = commands.add_parser(
        "report", help="skriv uppföljningsrapporten (.docx) för en period, per nämnd eller samlad"
    )
    report.add_argument(
        "--period", help='"helår", "delår 1", "delår 2" eller "kvartal 1–3" (standard: aktuell)'
    )
    report.add_argument("--year", type=int, help="år (standard: det år perioden gäller)")
    report.add_argument("--namnd", help="bara denna nämnd (utan: en samlad rapport över alla)")
    report.add_argument(
        "--out", type=Path, help="skriv till denna .docx-fil (standard: mappen Rapporter)"
    )
    report.add_argument("--handlaggare", help="handläggarens namn på titelsidan")


def run_report(args: argparse.Namespace) -> int:
    """Run `ikbot report`; the exit code."""
    from bot.cli_setup import period_of, settings_and_source, store_as_it_is
    from bot.domain.clock import Clock
    from bot.domain.identity import User
    from bot.plans import PlanBook
    from bot.reports.report import Reports
    from bot.reports.status import StatusQuery
    from bot.store.action_log import ActionLog
    from bot.store.journal import Journal
    from bot.store.references import ConversationReferences
    from graph.protocol import WorkbookError
    from graph.report_files import report_shelf

    found = settings_and_source()
    if isinstance(found, int):
        return found
    settings, source = found
    period = period_of(args.period)
    if isinstance(period, int):
        return period
    out: Path | None = args.out
    if out is not None and out.exists():
        print(f"ikbot: {out} finns redan; jag skriver inte över den.", file=sys.stderr)
        return 1
    author = (args.handlaggare or "").strip() or "Kvalitetsstrateg"
    operator = User("ikbot", "", author, strategist=True)
    db = store_as_it_is(settings)
    query = StatusQuery(period, args.year, args.namnd)

    async def run() -> Any:
        await db.open(upgrade=db.url.database == ":memory:")
        try:
            if out is not None:
                shelf: Any = _ExactFile(out)
            else:
                shelf = report_shelf(
                    source,
                    workbook=settings.workbook,
                    fallback=settings.data_dir,
                    folder=settings.report_folder,
                )
            references = ConversationReferences(db)
            log = ActionLog(db)
            reports = Reports(
                PlanBook(source, Journal(db)),
                Clock(settings.today),
                shelf,
                references.names,
                actions=log if await log.available() else None,
            )
            return await reports.write(operator, query)
        finally:
            await source.close()
            await db.close()

    try:
        result = asyncio.run(run())
    except WorkbookError as error:
        print(f"ikbot: arbetsböckerna kunde inte läsas: {error}", file=sys.stderr)
        return 2
    return _print_result(result)


class _ExactFile:
    """--out: exactly this file, created (never replaced)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    async def save_report(self, name: str, content: bytes) -> Any:
        """Create the file with the report (an existing file is an error)."""
        from graph.protocol import ReportSaved

        await asyncio.to_thread(self._write, content)
        return ReportSaved(self.path.name, str(self.path), None)

    def _write(self, content: bytes) -> None:
        from graph.protocol import WorkbookError

        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "xb") as file:
                file.write(content)
        except OSError as error:
            raise WorkbookError(f"{self.path} kunde inte skrivas: {error}") from error


def _print_result(result: Any) -> int:
    from bot.domain.namnder import NoPlanForYear, UnknownNamnd
    from bot.domain.policy import Refusal
    from bot.reports.report import NoPlans, ReportFailed, ReportMade

    match result:
        case ReportMade(saved, title, recipient, _term, controls, _namnd):
            version = " (ny version av en befintlig fil)" if saved.new_version else ""
            print(f"Skrev {title} – {recipient}: {controls} kontrollmoment.")
            print(f"  {saved.where}{version}")
            if saved.url:
                print(f"  {saved.url}")
            return 0
        case UnknownNamnd() | NoPlanForYear():
            return print_not_found(result)
        case NoPlans():
            print(
                "ikbot: ingen kontrollplan kunde läsas (kör ikbot check-workbook).", file=sys.stderr
            )
            return 2
        case ReportFailed(reason) | Refusal(reason):
            print(f"ikbot: {reason}", file=sys.stderr)
            return 1
    raise AssertionError(result)


def print_not_found(result: Any) -> int:
    """Say on stderr that the nämnd or the year asked for has no plan; exit code 2."""
    from bot.domain.namnder import NoPlanForYear, UnknownNamnd

    if isinstance(result, UnknownNamnd):
        hint = f" Menade du {' eller '.join(result.suggestions)}?" if result.suggestions else ""
        print(
            f"ikbot: nämnden {result.asked!r} finns inte i planerna.{hint} "
            f"Nämnderna är: {', '.join(result.known)}.",
            file=sys.stderr,
        )
    elif isinstance(result, NoPlanForYear):
        have = ", ".join(str(y) for y in result.years) or "inga år"
        print(
            f"ikbot: det finns ingen kontrollplan för {result.year} (planer finns för {have}).",
            file=sys.stderr,
        )
    return 2
