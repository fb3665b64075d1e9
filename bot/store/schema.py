"""The tables as the code reads and writes them (the migrations build them).

Times are ISO 8601 text in UTC, as the first release stored them: the same on both
engines, ordered correctly as text, readable in any database browser.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from sqlalchemy import Column, Index, Integer, MetaData, Table, Text, UniqueConstraint, text

_metadata = MetaData()  # complete with its partial indexes as ``metadata`` (below)

answers = Table(
    "answers",
    _metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("answer_id", Text, nullable=False, unique=True),
    Column("plan_key", Text, nullable=False),
    Column("control_id", Text, nullable=False),
    Column("year", Integer, nullable=False),
    Column("period", Text, nullable=False),
    Column("answered_by", Text, nullable=False),
    Column("answered_at", Text, nullable=False),
    Column("payload", Text, nullable=False),
    Column("written_at", Text),
    Index("answers_slot", "plan_key", "control_id", "year", "period"),
    sqlite_autoincrement=True,
)

writer_state = Table(
    "writer_state",
    _metadata,
    Column("plan_key", Text, primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("retry_at", Text, nullable=False),
    Column("last_error", Text, nullable=False),
)

conversation_state = Table(
    "conversation_state",
    _metadata,
    Column("key", Text, primary_key=True),
    Column("state", Text, nullable=False),
    Column("updated_at", Text, nullable=False),
)

# How to reach a user proactively: the reference Teams gave on their last turn in one
# conversation (JSON), and their e-mail address when the bot knew it.
conversation_references = Table(
    "conversation_references",
    _metadata,
    Column("user_id", Text, primary_key=True),  # the user's Entra object id
    Column("conversation_id", Text, primary_key=True),
    Column("email", Text),
    Column("reference", Text, nullable=False),
    Column("updated_at", Text, nullable=False),
    # Set when Teams refused a proactive message (403: blocked or uninstalled); the next
    # turn of the user clears it.
    Column("dead_at", Text),
    Column("dead_reason", Text),
    Index("conversation_references_email", "email"),
)

# A half-written answer per person, control and term, kept on "Tillbaka" (JSON values).
drafts = Table(
    "drafts",
    _metadata,
    Column("person", Text, primary_key=True),  # the e-mail address, folded
    Column("plan_key", Text, primary_key=True),
    Column("control_id", Text, primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("period", Text, primary_key=True),
    Column("draft", Text, nullable=False),
    Column("saved_at", Text, nullable=False),
)

# Underlag (evidence) attached to a control in a term: a file stored beside the workbook,
# or a link a person pasted; who added it and when.
evidence = Table(
    "evidence",
    _metadata,
    Column("evidence_id", Text, primary_key=True),
    Column("plan_key", Text, nullable=False),
    Column("control_id", Text, nullable=False),
    Column("year", Integer, nullable=False),
    Column("period", Text, nullable=False),
    Column("added_by", Text, nullable=False),
    Column("added_at", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("kind", Text, nullable=False),  # "file" or "link"
    Column("location", Text, nullable=False),  # where it is: a URL, or a path on disk
    Column("size", Integer),
    Index("evidence_slot", "plan_key", "control_id", "year", "period"),
)

# Work one instance must do alone (writing a workbook): who holds it, and until when.
leases = Table(
    "leases",
    _metadata,
    Column("name", Text, primary_key=True),
    Column("owner", Text, nullable=False),
    Column("expires_at", Text, nullable=False),
)

# The åtgärd log: every status set on an åtgärd (Ej påbörjad / Pågår / Klar, a comment),
# with the åtgärd as it was shown; pending until the writer has put it into the workbook's
# Åtgärder sheet.
action_updates = Table(
    "action_updates",
    _metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("update_id", Text, nullable=False, unique=True),
    Column("plan_key", Text, nullable=False),
    Column("control_id", Text, nullable=False),
    Column("year", Integer, nullable=False),
    Column("period", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("comment", Text, nullable=False),
    Column("updated_by", Text, nullable=False),
    Column("updated_at", Text, nullable=False),
    Column("action", Text, nullable=False),  # JSON: text, owner, due
    Column("written_at", Text),
    Index("action_updates_slot", "plan_key", "control_id", "year", "period"),
    sqlite_autoincrement=True,
)

# Reminders, each sent exactly once: one row per (kind, recipient, plan, year, period,
# stage), claimed with a lease; ``sending_at`` is set just before the send and ``sent_at``
# after Teams' 2xx, ``done_at`` with the ``outcome`` when nothing more will be tried.
reminder_outbox = Table(
    "reminder_outbox",
    _metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", Text, nullable=False),
    Column("recipient", Text, nullable=False),
    Column("plan_key", Text, nullable=False),
    Column("year", Integer, nullable=False),
    Column("period", Text, nullable=False),
    Column("stage", Text, nullable=False),
    Column("due_on", Text, nullable=False),
    Column("payload", Text, nullable=False),
    Column("created_at", Text, nullable=False),
    Column("owner", Text),
    Column("lease_until", Text),
    Column("sending_at", Text),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("sent_at", Text),
    Column("done_at", Text),
    Column("outcome", Text),
    Column("last_error", Text),
    UniqueConstraint(
        "kind", "recipient", "plan_key", "year", "period", "stage", name="reminder_outbox_once"
    ),
    sqlite_autoincrement=True,
)


def stamp(when: datetime) -> str:
    """A time as stored: UTC, ISO 8601 with microseconds (so text order is time order)."""
    return when.astimezone(UTC).isoformat(timespec="microseconds")


# The partial indexes of what is still to be done (name, table, columns, condition), the
# same on both engines. They are added to the metadata when it is first asked for (the
# migrations and their tests build the tables from it): a partial index names
# ``postgresql_where``, which makes SQLAlchemy import PostgreSQL's dialect, some 50 ms of
# every start of a bot on SQLite, whose statements never need the indexes' definitions.
_PARTIAL = (
    ("answers_pending", answers, ("plan_key", "seq"), "written_at IS NULL"),
    ("action_updates_pending", action_updates, ("plan_key", "seq"), "written_at IS NULL"),
    ("reminder_outbox_pending", reminder_outbox, ("recipient", "id"), "done_at IS NULL"),
)
_completing = threading.Lock()


def __getattr__(name: str) -> MetaData:
    """``metadata``: every table with every index."""
    if name != "metadata":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    with _completing:
        for index, table, columns, where in _PARTIAL:
            if not any(i.name == index for i in table.indexes):
                Index(
                    index,
                    *(table.c[c] for c in columns),
                    sqlite_where=text(where),
                    postgresql_where=text(where),
                )
    return _metadata
