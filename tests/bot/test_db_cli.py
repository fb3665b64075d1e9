"""`ikbot db`: check, upgrade, purge and forget, on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.cli import main
from bot.store.conversations import ConversationStore
from bot.store.database import Database
from bot.store.journal import Journal
from bot.store.references import ConversationReferences
from tests.bot.store.test_journal import make_answer
from tests.bot.store.test_migrations import RELEASE_FILE
from tests.databases import both_engines


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, database_url: str | None) -> Path:
    """The store the commands see: IKBOT_DATABASE_URL, or SQLite in IKBOT_DATA_DIR."""
    monkeypatch.delenv("IKBOT_DATABASE_URL", raising=False)
    monkeypatch.setenv("IKBOT_DATA_DIR", str(tmp_path / "var"))
    if database_url:
        monkeypatch.setenv("IKBOT_DATABASE_URL", database_url)
    return tmp_path / "var" / "ikbot.sqlite3"


@both_engines
def test_check_then_upgrade(env: Path, capsys: pytest.CaptureFixture[str], engine: str) -> None:
    code = main(["db", "check"])
    out = capsys.readouterr().out
    assert code == 1
    if engine == "sqlite":
        assert "Databasfilen finns inte än" in out and not env.exists()  # check creates nothing
    else:
        assert "saknar schemaversion" in out
    assert main(["db", "upgrade"]) == 0
    assert "senaste schemaversionen" in capsys.readouterr().out
    assert main(["db", "check"]) == 0
    assert "går att nå och har den senaste schemaversionen" in capsys.readouterr().out


def test_the_first_releases_file_is_not_current_until_upgraded(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env.parent.mkdir(parents=True)
    shutil.copy(RELEASE_FILE, env)
    assert main(["db", "check"]) == 1
    assert "saknar schemaversion" in capsys.readouterr().out
    assert main(["db", "upgrade"]) == 0
    assert main(["db", "check"]) == 0


def test_an_unreachable_database_is_said_in_swedish(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import socket

    with socket.socket() as sock:  # a loopback port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("IKBOT_DATABASE_URL", f"postgresql://ikbot:hemligt@127.0.0.1:{port}/ikbot")
    assert main(["db", "check"]) == 1
    captured = capsys.readouterr()
    assert "Databasen kunde inte nås" in captured.err
    assert "hemligt" not in captured.out + captured.err
    monkeypatch.setenv("IKBOT_DATABASE_URL", "mysql://ikbot:hemligt@localhost/ikbot")
    assert main(["db", "check"]) == 2
    assert "PostgreSQL-adress" in capsys.readouterr().err


@both_engines
def test_purge_and_forget(
    env: Path, capsys: pytest.CaptureFixture[str], database_url: str | None
) -> None:
    async def fill() -> None:
        db = Database(database_url or env)
        await db.open()
        journal = Journal(db)
        await journal.append(make_answer("1" * 32))  # 2026, written below
        await journal.append(make_answer("2" * 32, control="2"))  # 2026, pending
        await journal.mark_written("ks.xlsx", ["1" * 32], datetime(2027, 1, 6, tzinfo=UTC))
        when = datetime(2027, 1, 5, tzinfo=UTC)
        await ConversationStore(db).save("conv|aad-alex", {"welcomed": True}, when)
        await ConversationReferences(db).remember(
            "aad-alex", "conv", {}, when, email="alexw@example.com"
        )
        await db.close()

    asyncio.run(fill())
    assert main(["db", "purge", "--before", "2027"]) == 0
    out = capsys.readouterr().out
    assert "Tog bort 1 svar för perioder före 2027" in out
    assert "1 äldre svar har inte skrivits till sin arbetsbok än och sparades" in out
    assert main(["db", "forget", "--user", "alexw@example.com"]) == 0
    assert "Tog bort konversationsdata för aad-alex: 1 konversationstillstånd" in (
        capsys.readouterr().out
    )
    assert main(["db", "forget", "--user", "alexw@example.com"]) == 0
    assert "Ingen konversationsdata är kopplad till alexw@example.com" in capsys.readouterr().out
    assert main(["db", "purge", "--before", "27"]) == 2
    assert "ska vara ett årtal" in capsys.readouterr().err
