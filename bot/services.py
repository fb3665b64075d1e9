"""The services one bot process runs with, built from Settings and opened/closed together."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.domain.clock import Clock
from bot.domain.identity import Directory, GroupCheck
from bot.plans import PlanBook
from bot.settings import Settings
from bot.sources import strategist_group_check, workbook_source
from bot.store.conversations import ConversationStore
from bot.store.database import Database, store_url
from bot.store.drafts import Drafts
from bot.store.evidence import EvidenceStore
from bot.store.journal import Journal
from bot.store.leases import Leases
from bot.store.references import ConversationReferences
from bot.writer import FIRST_RETRY, LINGER, Writer
from graph.protocol import WorkbookSource


@dataclass(slots=True)
class Services:
    """Everything the dialogs need; the composition root of the application."""

    settings: Settings
    clock: Clock
    db: Database
    journal: Journal
    source: WorkbookSource
    plans: PlanBook
    writer: Writer
    directory: Directory
    conversations: ConversationStore
    references: ConversationReferences
    leases: Leases
    drafts: Drafts
    evidence: EvidenceStore

    @classmethod
    def build(
        cls,
        settings: Settings,
        *,
        source: WorkbookSource | None = None,
        writer_retry: timedelta = FIRST_RETRY,
        writer_linger: float = LINGER,
        group_check: GroupCheck | None = None,
    ) -> Services:
        """Wire the services (nothing is opened yet: see ``start``)."""
        db = Database(store_url(settings.database_url, settings.data_dir))
        journal = Journal(db)
        leases = Leases(db)
        workbooks = source or workbook_source(settings)
        return cls(
            settings=settings,
            clock=Clock(settings.today),
            db=db,
            journal=journal,
            source=workbooks,
            plans=PlanBook(workbooks, journal),
            writer=Writer(
                journal, workbooks, leases=leases, first_retry=writer_retry, linger=writer_linger
            ),
            directory=Directory(
                settings.strategists,
                group_check=group_check or strategist_group_check(settings),
            ),
            conversations=ConversationStore(db),
            references=ConversationReferences(db),
            leases=leases,
            drafts=Drafts(db),
            evidence=EvidenceStore(db),
        )

    async def start(self) -> None:
        """Open the database (bringing its schema up to date) and start writing pending
        answers."""
        await self.db.open()
        self.writer.start()

    async def stop(self) -> None:
        """Stop the writer (pending answers stay journalled) and close the database."""
        await self.writer.stop()
        await self.source.close()
        await self.db.close()
