"""How release-0253ad3.sqlite3 was made: with the code of commit 0253ad3 (the release
before bot/store/), not with today's, so the migration test starts from a real old file.

    git archive 0253ad3 bot graph cards dialogs | tar -x -C "$OLD"
    cp tests/bot/store/data/make_release_db.py "$OLD" && cd "$OLD"
    python make_release_db.py release-0253ad3.sqlite3

It journals five answers (three written to the workbook, two pending), a failed write and
three conversations' state. It imports modules that exist only in that release.
"""

# ruff: noqa
import asyncio, sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bot.journal import Journal
from bot.domain.model import Action, Answer, Period
from bot.sql import Database
from bot.state import ConversationStore


def answer(n, control, minute, outcome="Ingen avvikelse", **kw):
    return Answer(
        answer_id=f"{n:032x}",
        plan_key="ks.xlsx",
        control_id=control,
        year=kw.pop("year", 2026),
        period=kw.pop("period", Period.YEAR),
        outcome=outcome,
        answered_by=kw.pop("by", "alexw@example.com"),
        answered_at=datetime(2027, 1, 5, 9, minute, tzinfo=UTC),
        **kw,
    )


async def main(path):
    db = Database(path)
    await db.open()
    journal, states = Journal(db), ConversationStore(db)
    answers = [
        answer(1, "1", 1, checked=10, deviations=0, observations="Allt stämmer ”citat”"),
        answer(
            2,
            "1",
            2,
            "Mindre avvikelse",
            deviations=2,
            observations="Två fel",
            action=Action("Informera attestanterna", "Ekonomichefen", date(2027, 3, 31)),
        ),
        answer(
            3,
            "2",
            3,
            "Större avvikelse",
            year=2025,
            analysis="Rutinen saknas",
            action=Action("Skriv rutin", "", None),
        ),
        answer(4, "4", 4, by="maria.lind@example.com", period=Period.T1),
        answer(5, "3", 5, "Ej genomförd", observations="Hann inte"),
    ]
    for a in answers:
        assert await journal.append(a)
    # The first three reached the workbook; the last two are still pending.
    await journal.mark_written(
        "ks.xlsx", [a.answer_id for a in answers[:3]], datetime(2027, 1, 5, 10, 0, tzinfo=UTC)
    )
    await journal.record_failure(
        "ks.xlsx", datetime(2027, 1, 5, 10, 5, tzinfo=UTC), "Arbetsboken är låst"
    )
    when = datetime(2027, 1, 5, 9, 0, tzinfo=UTC)
    await states.update("conv-user-alex|aad-alex", lambda s: {**s, "welcomed": True}, when)
    await states.update("conv-user-maria|aad-maria", lambda s: {**s, "welcomed": True}, when)
    await states.update("19:team@thread.tacv2|", lambda s: {"welcomed": True}, when)
    await db.close()


asyncio.run(main(Path(sys.argv[1])))
