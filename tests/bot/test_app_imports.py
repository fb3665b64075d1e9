"""What a start of the bot on SQLite in anonymous local mode leaves unimported: MSAL (no
client id, no token to ask for), the async engine and ORM (PostgreSQL only) and python-docx
(the first report loads it). Each case runs in a fresh interpreter, as `ikbot serve` does;
the suite's own process has imported everything long before."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAZY = ("microsoft_agents.authentication.msal", "msal", "sqlalchemy.ext.asyncio", "docx")

SCRIPT = """
import json, sys
from bot.app import create_app
from bot.settings import Settings

env = {"IKBOT_DATA_DIR": sys.argv[1], "IKBOT_HOST": "127.0.0.1",
       "IKBOT_WORKBOOK": sys.argv[1] + "/plan.xlsx"}
if sys.argv[2]:
    env["CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID"] = sys.argv[2]
    env["CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTSECRET"] = "secret"
    env["CONNECTIONS__SERVICE_CONNECTION__SETTINGS__TENANTID"] = "tenant"
create_app(Settings.from_env(env))
print(json.dumps(sorted(m for m in json.loads(sys.argv[3]) if m in sys.modules)))
"""


def _imported(tmp_path: Path, client_id: str = "") -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(SCRIPT), str(tmp_path), client_id, json.dumps(LAZY)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return list(json.loads(done.stdout.splitlines()[-1]))


def test_an_anonymous_start_on_sqlite_imports_no_msal_no_orm_and_no_docx(tmp_path: Path) -> None:
    assert _imported(tmp_path) == []


def test_with_a_client_id_the_bot_signs_in_through_msal(tmp_path: Path) -> None:
    assert "microsoft_agents.authentication.msal" in _imported(tmp_path, "the-bot")
