"""What a start of the bot on SQLite in anonymous local mode leaves unimported: MSAL (no
client id, no token to ask for), the async engine and ORM and SQLAlchemy's PostgreSQL
dialect (PostgreSQL only), python-docx (the first report loads it), the Swedish holidays
(the first reminder sweep loads them), rapidfuzz (the first typing error) and openpyxl (the
writer process loads it; so does reading a sheet here, which a start whose sheets were read
ahead does not). Each case runs in a fresh interpreter, as `ikbot serve` does; the suite's
own process has imported everything long before."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.graph.workbooks import HEADER, plan_rows, write_xlsx

ROOT = Path(__file__).resolve().parents[2]
LAZY = (
    "microsoft_agents.authentication.msal",
    "msal",
    "sqlalchemy.ext.asyncio",
    "sqlalchemy.dialects.postgresql",
    "holidays",
    "rapidfuzz",
    "docx",
    "openpyxl",
)

SCRIPT = """
import asyncio, json, sys
from pathlib import Path
from graph import read_ahead
if sys.argv[4]:  # as `ikbot serve` does first: the plan's sheets parsed in a child
    assert read_ahead.start(Path(sys.argv[1]) / "plan.xlsx")
from bot.app import SERVICES, create_app
from bot.settings import Settings

env = {"IKBOT_DATA_DIR": sys.argv[1], "IKBOT_HOST": "127.0.0.1",
       "IKBOT_WORKBOOK": sys.argv[1] + "/plan.xlsx"}
if sys.argv[2]:
    env["CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID"] = sys.argv[2]
    env["CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTSECRET"] = "secret"
    env["CONNECTIONS__SERVICE_CONNECTION__SETTINGS__TENANTID"] = "tenant"
app = create_app(Settings.from_env(env))
if sys.argv[4]:
    assert asyncio.run(app[SERVICES].plans.plans())[0].controls
print(json.dumps(sorted(m for m in json.loads(sys.argv[3]) if m in sys.modules)))
"""


def _imported(tmp_path: Path, client_id: str = "", read: bool = False) -> list[str]:
    script = [sys.executable, "-c", textwrap.dedent(SCRIPT), str(tmp_path), client_id]
    done = subprocess.run(
        [*script, json.dumps(LAZY), "read" if read else ""],
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


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="read ahead on two cores only")
def test_a_plan_read_ahead_is_built_here_without_openpyxl(tmp_path: Path) -> None:
    rows = [[*row[:5], "Helår", row[6]] for row in plan_rows(50)]
    write_xlsx(tmp_path / "plan.xlsx", [HEADER, *rows])
    assert _imported(tmp_path, read=True) == []
