"""`ikbot check-graph`: the SharePoint configuration checked end to end, step by step.

Each step says in Swedish what it checked and, on failure, what is wrong; the first failure
stops the check, since every later step depends on it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from graph.excel_graph import SCOPES, GraphSource
from graph.graph_directory import DirectoryUnavailable, StrategistGroups
from graph.protocol import WorkbookError


@dataclass(frozen=True, slots=True)
class Step:
    """One checked thing: what, whether it worked, and the detail a person needs."""

    label: str
    ok: bool
    detail: str = ""

    def line(self) -> str:
        """The step as one line of the report."""
        mark = "OK " if self.ok else "FEL"
        return f"[{mark}] {self.label}" + (f": {self.detail}" if self.detail else "")


async def check_graph(
    source: GraphSource | None, credential: Any, groups: StrategistGroups | None = None
) -> list[Step]:
    """Token, the strategist groups (if configured), site and library, the workbooks and
    their plans, and a write that is undone (no source: the workbooks are local files)."""
    steps: list[Step] = []

    async def step(label: str, action: Callable[[], Awaitable[str]]) -> bool:
        try:
            detail = await action()
        except (WorkbookError, DirectoryUnavailable) as error:
            steps.append(Step(label, False, str(error)))
            return False
        except Exception as error:  # the credential's own errors: say what kind, not secrets
            steps.append(Step(label, False, f"{type(error).__name__}: {str(error)[:200]}"))
            return False
        steps.append(Step(label, True, detail))
        return True

    async def token() -> str:
        await credential.get_token(*SCOPES)
        return "en åtkomsttoken för Microsoft Graph hämtades"

    async def where() -> str:
        assert source is not None
        await source.location()
        return f"{source.site} → {source.path}"

    async def strategists() -> str:
        assert groups is not None
        return "kan läsas: " + ", ".join(await groups.describe())

    if not await step("Inloggning", token):
        return steps
    if groups is not None and not await step("Strateggrupper", strategists):
        return steps
    if source is None or not await step("Webbplats och sökväg", where):
        return steps
    books: list[Any] = []

    async def listing() -> str:
        assert source is not None
        books.extend(await source.workbooks())
        if not books:
            raise WorkbookError("inga .xlsx-filer hittades på sökvägen")
        return ", ".join(b.name for b in books)

    if not await step("Arbetsböcker", listing):
        return steps
    for book in books:

        async def plan(book: Any = book) -> str:
            read = await book.read_plan()
            skipped = sum(1 for i in read.issues if i.skipped)
            answers = await book.read_answers()
            return (
                f"{len(read.controls)} kontrollmoment, {skipped} rader som inte går att läsa "
                f"(ikbot check-workbook visar dem), {len(answers)} svar i Uppföljning"
            )

        async def write(book: Any = book) -> str:
            await book.probe_write()
            return "ett provblad skapades, skrevs i och togs bort igen"

        if not await step(f"{book.name}: planen", plan):
            return steps
        if not await step(f"{book.name}: skrivbehörighet", write):
            return steps
    return steps
