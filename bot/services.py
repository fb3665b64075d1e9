"""The services one bot process runs with, built from Settings and opened/closed together."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from bot.actions import Actions
from bot.domain.clock import Clock
from bot.domain.identity import Directory, GroupCheck
from bot.domain.model import Plan
from bot.domain.schedule import ReminderRules
from bot.plans import PlanBook
from bot.reminders.action_source import ActionSource
from bot.reminders.loop import SweepLoop
from bot.reminders.sources import ControlSource, plan_rules
from bot.reminders.sweep import Reminders
from bot.settings import Settings
from bot.sources import strategist_group_check, teams_installer, workbook_source
from bot.store.action_log import ActionLog
from bot.store.conversations import ConversationStore
from bot.store.database import Database, store_url
from bot.store.drafts import Drafts
from bot.store.evidence import EvidenceStore
from bot.store.journal import Journal
from bot.store.leases import Leases
from bot.store.outbox import Outbox
from bot.store.references import ConversationReferences
from bot.writer import FIRST_RETRY, LINGER, Writer
from graph.protocol import ReportShelf, WorkbookSource
from graph.report_files import report_shelf


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
    reports: ReportShelf  # where written follow-up reports are saved
    actions: ActionLog
    reminders: Reminders
    drafts: Drafts
    evidence: EvidenceStore
    sweep_loop: SweepLoop | None = None
    # Installs the bot for people who never opened it (``graph.graph_install``); None:
    # they are listed to the strategists as "kan inte nås i Teams ännu".
    installer: Any = None
    # `ikbot serve` reads the plans as it starts: the writer process then starts after that
    # read rather than beside it (see ``_warm_after_read``).
    warm_after_read: bool = False
    _warming: asyncio.Task[None] | None = field(default=None, init=False, repr=False)

    @classmethod
    def build(
        cls,
        settings: Settings,
        *,
        source: WorkbookSource | None = None,
        writer_retry: timedelta = FIRST_RETRY,
        writer_linger: float = LINGER,
        group_check: GroupCheck | None = None,
        installer: Any = None,
    ) -> Services:
        """Wire the services (nothing is opened yet: see ``start``)."""
        db = Database(store_url(settings.database_url, settings.data_dir))
        journal = Journal(db)
        leases = Leases(db)
        actions = ActionLog(db)
        workbooks = source or workbook_source(settings)
        plans = PlanBook(workbooks, journal)
        clock = Clock(settings.today)
        rules = settings.reminder_rules

        # The notifier is the dialogs': ``bot.app`` sets it once the adapter exists.
        def rules_for(plan: Plan) -> ReminderRules:
            return plan_rules(plan, rules)

        # Open åtgärder come from the same use case as "mina åtgärder" (no writer to wake:
        # the reminders only read).
        open_actions = Actions(plans, actions, clock, journal=journal)
        reminders = Reminders(
            Outbox(db, leases.owner),
            [ControlSource(plans, rules_for), ActionSource(plans, open_actions, rules_for)],
            None,
            clock,
            strategists=settings.strategists,
            rules=rules,
        )
        return cls(
            settings=settings,
            clock=clock,
            db=db,
            journal=journal,
            source=workbooks,
            plans=plans,
            writer=Writer(
                journal,
                workbooks,
                leases=leases,
                first_retry=writer_retry,
                linger=writer_linger,
                actions=actions,
                landed=plans.warm,
            ),
            directory=Directory(
                settings.strategists,
                group_check=group_check or strategist_group_check(settings),
            ),
            conversations=ConversationStore(db),
            references=ConversationReferences(db),
            leases=leases,
            reports=report_shelf(
                workbooks,
                workbook=settings.workbook,
                fallback=settings.data_dir,
                folder=settings.report_folder,
            ),
            actions=actions,
            reminders=reminders,
            installer=installer or teams_installer(settings),
            sweep_loop=(
                SweepLoop(reminders, leases, settings.reminder_interval)
                if settings.reminder_interval > 0
                else None
            ),
            drafts=Drafts(db),
            evidence=EvidenceStore(db),
        )

    async def start(self) -> None:
        """Open the database (bringing its schema up to date) start writing pending
        answers and, when configured, sweeping reminders."""
        await self.db.open()
        self.writer.start()
        # In the background: the port opens meanwhile; a write arriving first just waits.
        warm = self._warm_after_read() if self.warm_after_read else self.source.warm()
        self._warming = asyncio.create_task(warm, name="ikbot-warm-writer")
        if self.sweep_loop is not None:
            self.sweep_loop.start()

    async def _warm_after_read(self) -> None:
        """Start the writer process once the plans have been read: starting it (a new
        interpreter importing the writer, about two seconds of CPU) would otherwise take a
        core from that first read, which the first turn waits for."""
        with contextlib.suppress(Exception):  # a turn would meet the same failure and say so
            await self.plans.plans()
        await self.source.warm()

    async def stop(self) -> None:
        """Stop the reminder sweep and the writer (pending answers stay journalled) and
        close the database."""
        if self.sweep_loop is not None:
            await self.sweep_loop.stop()
        if self._warming is not None:
            await asyncio.gather(self._warming, return_exceptions=True)
        await self.writer.stop()
        await self.source.close()
        await self.db.close()
